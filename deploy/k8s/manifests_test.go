package k8s

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestOverlays renders every overlay with kustomize, decodes every object
// strictly and runs the semantic checks.
func TestOverlays(t *testing.T) {
	all, secrets := renderAll(t)
	env := readEnv(t)
	for _, o := range overlays {
		r := all[o]
		if len(r.deployments) != 4 || len(r.jobs) != 1 || len(r.clusters) != 1 || len(r.netpols) == 0 {
			t.Errorf("%s: %d Deployments, %d Jobs, %d Clusters, %d NetworkPolicies; want 4, 1, 1 and some",
				o, len(r.deployments), len(r.jobs), len(r.clusters), len(r.netpols))
		}
		for _, err := range check(r, secrets, env) {
			t.Errorf("%s: %v", o, err)
		}
	}
	// The overlays grow from a municipality to the country.
	for i := 1; i < len(overlays); i++ {
		small, big := all[overlays[i-1]], all[overlays[i]]
		for _, d := range []string{"registry", "roadmap", "indicators", "gateway"} {
			sh, bh := small.hpas[d], big.hpas[d]
			if sh == nil || bh == nil || *bh.Spec.MinReplicas < *sh.Spec.MinReplicas || bh.Spec.MaxReplicas <= sh.Spec.MaxReplicas && d == "indicators" {
				t.Errorf("%s → %s: %s's autoscaling bounds do not grow", overlays[i-1], overlays[i], d)
			}
		}
		sc, bc := small.clusters["nastavnik-db"], big.clusters["nastavnik-db"]
		ss, bs := storage(sc), storage(bc)
		si, _ := path[float64](sc, "spec", "instances")
		bi, _ := path[float64](bc, "spec", "instances")
		if bs.Cmp(ss) <= 0 || bi < si {
			t.Errorf("%s → %s: PostgreSQL storage %s → %s, instances %v → %v; want more", overlays[i-1], overlays[i], &ss, &bs, si, bi)
		}
		sd, _ := path[string](sc, "spec", "backup", "barmanObjectStore", "destinationPath")
		bd, _ := path[string](bc, "spec", "backup", "barmanObjectStore", "destinationPath")
		if sd == bd {
			t.Errorf("%s and %s back up to the same place %s", overlays[i-1], overlays[i], sd)
		}
	}
}

// TestChecksCatchBreakage breaks one thing at a time in a rendering and
// expects the checks to say so.
func TestChecksCatchBreakage(t *testing.T) {
	cnpg := schemas(t)
	env := readEnv(t)
	_, secrets := renderAll(t)
	objs := build(t, "overlays/region")
	fresh := func(t *testing.T) *rendered {
		r, errs := decode("region", objs, cnpg)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		return r
	}
	tests := []struct {
		name    string
		breakIt func(r *rendered)
		want    string
	}{
		{"no readiness probe", func(r *rendered) {
			r.deployments["indicators"].Spec.Template.Spec.Containers[0].ReadinessProbe = nil
		}, "needs a readiness and a liveness probe"},
		{"liveness over HTTP on a service", func(r *rendered) {
			c := &r.deployments["registry"].Spec.Template.Spec.Containers[0]
			c.LivenessProbe.GRPC = nil
		}, "liveness probe must be gRPC health"},
		{"no memory limit", func(r *rendered) {
			delete(r.deployments["gateway"].Spec.Template.Spec.Containers[0].Resources.Limits, "memory")
		}, "memory limit"},
		{"replicas off the HPA's floor", func(r *rendered) {
			*r.deployments["roadmap"].Spec.Replicas = 7
		}, "replicas must equal its HPA's minReplicas"},
		{"PDB selecting another Deployment", func(r *rendered) {
			r.pdbs["roadmap"].Spec.Selector.MatchLabels["app.kubernetes.io/name"] = "registry"
		}, "PodDisruptionBudgets"},
		{"an image at another tag", func(r *rendered) {
			r.deployments["gateway"].Spec.Template.Spec.Containers[0].Image = "nastavnik/gateway:v0.9.0"
		}, "images at 2 tags"},
		{"a variable no binary reads", func(r *rendered) {
			c := &r.deployments["gateway"].Spec.Template.Spec.Containers[0]
			c.Env = append(c.Env, c.Env[0])
			c.Env[len(c.Env)-1].Name = "GATEWAY_HTTP_ADDR"
		}, "GATEWAY_HTTP_ADDR is not read by gateway"},
		{"a secret key secrets-example lacks", func(r *rendered) {
			r.deployments["registry"].Spec.Template.Spec.Containers[0].Env[0].ValueFrom.SecretKeyRef.Key = "pw"
		}, "key pw, which secrets-example does not make"},
		{"writes to a replica", func(r *rendered) {
			c := &r.deployments["roadmap"].Spec.Template.Spec.Containers[0]
			for i := range c.Env {
				if c.Env[i].Name == "DATABASE_URL" {
					c.Env[i].Value = strings.Replace(c.Env[i].Value, "-rw", "-ro", 1)
				}
			}
		}, "DATABASE_URL must reach nastavnik-db-rw"},
		{"a Service on a port the pods lack", func(r *rendered) {
			r.services["gateway"].Spec.Ports[0].TargetPort = intstr.FromString("https")
		}, "target https is no port"},
		{"pools beyond max_connections", func(r *rendered) {
			r.hpas["indicators"].Spec.MaxReplicas = 100
		}, "over max_connections"},
		{"the gateway reaches the database", func(r *rendered) {
			g := r.netpols["gateway"]
			g.Spec.Egress = append(g.Spec.Egress, r.netpols["services"].Spec.Egress...)
			db := r.netpols["database"]
			db.Spec.Ingress[0].From = append(db.Spec.Ingress[0].From, g.Spec.Ingress[1].From[0])
			db.Spec.Ingress[0].From[len(db.Spec.Ingress[0].From)-1].NamespaceSelector = nil
			db.Spec.Ingress[0].From[len(db.Spec.Ingress[0].From)-1].PodSelector = &g.Spec.PodSelector
		}, "gateway → db:5432 allowed=true, want false"},
		{"no default deny", func(r *rendered) {
			delete(r.netpols, "default-deny")
		}, "no default-deny"},
		{"a policy that selects nothing", func(r *rendered) {
			r.netpols["migrate"].Spec.PodSelector.MatchLabels["app.kubernetes.io/component"] = "migrations"
		}, "NetworkPolicy migrate: selects no pod"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := fresh(t)
			if errs := check(r, secrets, env); len(errs) > 0 {
				t.Fatalf("the unbroken rendering already fails: %v", errs)
			}
			tc.breakIt(r)
			errs := check(r, secrets, env)
			for _, err := range errs {
				if strings.Contains(err.Error(), tc.want) {
					return
				}
			}
			t.Errorf("got %v, want a problem containing %q", errs, tc.want)
		})
	}
}

// TestDecodingIsStrict feeds misspelt fields to the decoder and the schemas.
func TestDecodingIsStrict(t *testing.T) {
	cnpg := schemas(t)
	objs := build(t, "overlays/municipality")
	mutate := func(kind string, f func(map[string]any)) [][]byte {
		var out [][]byte
		for _, b := range objs {
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			if m["kind"] == kind {
				f(m)
				b, _ = json.Marshal(m)
			}
			out = append(out, b)
		}
		return out
	}
	tests := []struct {
		name string
		objs [][]byte
		want string
	}{
		{"Deployment replica", mutate("Deployment", func(m map[string]any) { m["spec"].(map[string]any)["replica"] = 2 }), `unknown field "replica"`},
		{"probe field", mutate("Deployment", func(m map[string]any) {
			c := m["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
			c["readinesProbe"] = c["readinessProbe"]
		}), `unknown field "readinesProbe"`},
		{"mistyped field", mutate("HorizontalPodAutoscaler", func(m map[string]any) { m["spec"].(map[string]any)["maxReplicas"] = "four" }), "maxReplicas"},
		{"Cluster instance", mutate("Cluster", func(m map[string]any) { m["spec"].(map[string]any)["instance"] = 3 }), "instance"},
		{"Cluster compression", mutate("Cluster", func(m map[string]any) {
			m["spec"].(map[string]any)["backup"].(map[string]any)["barmanObjectStore"].(map[string]any)["wal"].(map[string]any)["compression"] = "zip"
		}), "compression"},
		{"unknown kind", append(objs, []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"}}`)), "a kind this test does not check"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := decode("municipality", tc.objs, cnpg)
			var all bytes.Buffer
			for _, err := range errs {
				all.WriteString(err.Error() + "\n")
			}
			if !strings.Contains(all.String(), tc.want) {
				t.Errorf("decode errors %q, want one containing %q", all.String(), tc.want)
			}
		})
	}
}
