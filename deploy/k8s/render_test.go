// Package k8s holds the Kubernetes manifests (kustomize base and overlays) and
// the tests that render every overlay in-process and check what it renders:
// strict decoding into the API's Go types (or a JSON schema for the
// CloudNativePG kinds) and the semantic checks of checks_test.go. No cluster
// is needed.
package k8s

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// overlays are the deployment sizes, smallest first.
var overlays = []string{"municipality", "region", "country"}

// rendered is what one kustomization renders, decoded.
type rendered struct {
	name            string
	namespaces      []*corev1.Namespace
	serviceAccounts map[string]*corev1.ServiceAccount
	configMaps      map[string]*corev1.ConfigMap
	secrets         map[string]*corev1.Secret
	services        map[string]*corev1.Service
	deployments     map[string]*appsv1.Deployment
	jobs            map[string]*batchv1.Job
	hpas            map[string]*autoscalingv2.HorizontalPodAutoscaler
	pdbs            map[string]*policyv1.PodDisruptionBudget
	netpols         map[string]*networkingv1.NetworkPolicy
	// clusters and backups are CloudNativePG objects, schema-checked and
	// kept as JSON trees.
	clusters map[string]map[string]any
	backups  map[string]map[string]any
}

func newRendered(name string) *rendered {
	return &rendered{name: name,
		serviceAccounts: map[string]*corev1.ServiceAccount{}, configMaps: map[string]*corev1.ConfigMap{},
		secrets: map[string]*corev1.Secret{}, services: map[string]*corev1.Service{},
		deployments: map[string]*appsv1.Deployment{}, jobs: map[string]*batchv1.Job{},
		hpas: map[string]*autoscalingv2.HorizontalPodAutoscaler{}, pdbs: map[string]*policyv1.PodDisruptionBudget{},
		netpols:  map[string]*networkingv1.NetworkPolicy{},
		clusters: map[string]map[string]any{}, backups: map[string]map[string]any{}}
}

// build runs kustomize on dir (relative to this package) and returns every
// object as JSON, in kustomize's order.
func build(t *testing.T, dir string) [][]byte {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), filepath.Clean(dir))
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	var out [][]byte
	for _, r := range m.Resources() {
		b, err := r.MarshalJSON()
		if err != nil {
			t.Fatalf("%s: %s: %v", dir, r.CurId(), err)
		}
		out = append(out, b)
	}
	return out
}

// strict decodes b into v and fails on any field v's type does not have.
func strict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data")
	}
	return nil
}

// schemas are the JSON schemas of the CloudNativePG kinds.
func schemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	out := map[string]*jsonschema.Schema{}
	for kind, file := range map[string]string{"Cluster": "schema/cnpg-cluster.schema.json", "ScheduledBackup": "schema/cnpg-scheduledbackup.schema.json"} {
		s, err := c.Compile(file)
		if err != nil {
			t.Fatalf("compile %s: %v", file, err)
		}
		out[kind] = s
	}
	return out
}

// decode turns rendered JSON objects into typed values; every problem (an
// unknown kind, an unknown or mistyped field, a schema violation) is
// returned.
func decode(name string, objs [][]byte, cnpg map[string]*jsonschema.Schema) (*rendered, []error) {
	r := newRendered(name)
	var errs []error
	for _, b := range objs {
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := json.Unmarshal(b, &head); err != nil {
			errs = append(errs, err)
			continue
		}
		id := head.APIVersion + " " + head.Kind + " " + head.Metadata.Name
		var err error
		switch head.APIVersion + "/" + head.Kind {
		case "v1/Namespace":
			var ns corev1.Namespace
			if err = strict(b, &ns); err == nil {
				r.namespaces = append(r.namespaces, &ns)
			}
		case "v1/ServiceAccount":
			err = put(r.serviceAccounts, head.Metadata.Name, b)
		case "v1/ConfigMap":
			err = put(r.configMaps, head.Metadata.Name, b)
		case "v1/Secret":
			err = put(r.secrets, head.Metadata.Name, b)
		case "v1/Service":
			err = put(r.services, head.Metadata.Name, b)
		case "apps/v1/Deployment":
			err = put(r.deployments, head.Metadata.Name, b)
		case "batch/v1/Job":
			err = put(r.jobs, head.Metadata.Name, b)
		case "autoscaling/v2/HorizontalPodAutoscaler":
			err = put(r.hpas, head.Metadata.Name, b)
		case "policy/v1/PodDisruptionBudget":
			err = put(r.pdbs, head.Metadata.Name, b)
		case "networking.k8s.io/v1/NetworkPolicy":
			err = put(r.netpols, head.Metadata.Name, b)
		case "postgresql.cnpg.io/v1/Cluster", "postgresql.cnpg.io/v1/ScheduledBackup":
			var tree map[string]any
			if err = json.Unmarshal(b, &tree); err != nil {
				break
			}
			// The schema library wants its own decoding (json.Number).
			inst, uerr := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if uerr != nil {
				err = uerr
				break
			}
			if err = cnpg[head.Kind].Validate(inst); err != nil {
				break
			}
			if head.Kind == "Cluster" {
				r.clusters[head.Metadata.Name] = tree
			} else {
				r.backups[head.Metadata.Name] = tree
			}
		default:
			err = fmt.Errorf("a kind this test does not check: add it to decode")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", id, err))
		}
	}
	return r, errs
}

// put strictly decodes b as a T into m under name.
func put[T any](m map[string]*T, name string, b []byte) error {
	v := new(T)
	if err := strict(b, v); err != nil {
		return err
	}
	m[name] = v
	return nil
}

// renderAll renders every overlay and the example secrets, failing the
// test on any decoding problem.
func renderAll(t *testing.T) (map[string]*rendered, *rendered) {
	t.Helper()
	cnpg := schemas(t)
	out := map[string]*rendered{}
	for _, o := range overlays {
		r, errs := decode(o, build(t, "overlays/"+o), cnpg)
		for _, err := range errs {
			t.Errorf("overlay %s: %v", o, err)
		}
		out[o] = r
	}
	ex, errs := decode("secrets-example", build(t, "secrets-example"), cnpg)
	for _, err := range errs {
		t.Errorf("secrets-example: %v", err)
	}
	return out, ex
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
