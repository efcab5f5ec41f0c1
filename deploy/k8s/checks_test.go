package k8s

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// serviceBinaries are the gRPC services; the gateway and dbinit are the other
// images.
var serviceBinaries = map[string]bool{"registry": true, "roadmap": true, "indicators": true}

// connectionReserve is what PostgreSQL keeps beyond the services' pools:
// superuser slots, replication, the operator and a person with psql.
const connectionReserve = 10

// problems collects a check's findings.
type problems []error

func (p *problems) add(format string, args ...any) { *p = append(*p, fmt.Errorf(format, args...)) }

// check runs every semantic check on one overlay's rendering; secrets is the
// rendering of secrets-example, env what each binary reads.
func check(r *rendered, secrets *rendered, env map[string]binaryEnv) problems {
	var p problems
	p.workloads(r)
	p.scaling(r)
	p.images(r)
	p.environment(r, secrets, env)
	p.services(r)
	p.database(r, secrets)
	p.connections(r)
	p.network(r)
	return p
}

func selects(sel *metav1.LabelSelector, l map[string]string) bool {
	if sel == nil {
		return false
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	return err == nil && s.Matches(labels.Set(l))
}

// containers are every container of the rendering with where it runs.
type container struct {
	owner string // Deployment or Job name
	c     corev1.Container
	pod   *corev1.PodSpec
	init  bool
}

func (r *rendered) containers() []container {
	var out []container
	for _, n := range sortedKeys(r.deployments) {
		d := r.deployments[n]
		for _, c := range d.Spec.Template.Spec.Containers {
			out = append(out, container{owner: "Deployment " + n, c: c, pod: &d.Spec.Template.Spec})
		}
	}
	for _, n := range sortedKeys(r.jobs) {
		j := r.jobs[n]
		for _, c := range j.Spec.Template.Spec.InitContainers {
			out = append(out, container{owner: "Job " + n, c: c, pod: &j.Spec.Template.Spec, init: true})
		}
		for _, c := range j.Spec.Template.Spec.Containers {
			out = append(out, container{owner: "Job " + n, c: c, pod: &j.Spec.Template.Spec})
		}
	}
	return out
}

// binary is the nastavnik binary an image runs and its tag.
func binary(image string) (bin, tag string) {
	rest, ok := strings.CutPrefix(image, "nastavnik/")
	if !ok {
		return "", ""
	}
	bin, tag, _ = strings.Cut(rest, ":")
	return bin, tag
}

// env is a container's effective environment: the ConfigMaps it loads, then
// its own variables over them.
func (r *rendered) env(c corev1.Container) map[string]corev1.EnvVar {
	out := map[string]corev1.EnvVar{}
	for _, from := range c.EnvFrom {
		if from.ConfigMapRef != nil {
			if cm := r.configMaps[from.ConfigMapRef.Name]; cm != nil {
				for k, v := range cm.Data {
					out[k] = corev1.EnvVar{Name: k, Value: v}
				}
			}
		}
	}
	for _, e := range c.Env {
		out[e.Name] = e
	}
	return out
}

func (p *problems) workloads(r *rendered) {
	for _, n := range sortedKeys(r.deployments) {
		d := r.deployments[n]
		tpl := d.Spec.Template
		if !selects(d.Spec.Selector, tpl.Labels) {
			p.add("Deployment %s: its selector does not select its own pods", n)
		}
		if d.Spec.Replicas == nil {
			p.add("Deployment %s: no replicas", n)
		}
		if sc := tpl.Spec.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
			p.add("Deployment %s: pods may run as root", n)
		}
		component := tpl.Labels["app.kubernetes.io/component"]
		for _, c := range tpl.Spec.Containers {
			at := fmt.Sprintf("Deployment %s container %s", n, c.Name)
			if c.ReadinessProbe == nil || c.LivenessProbe == nil {
				p.add("%s: needs a readiness and a liveness probe", at)
				continue
			}
			switch component {
			case "service":
				port := containerPort(c, "grpc")
				for what, pr := range map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
					if pr.GRPC == nil || pr.GRPC.Port != port || port == 0 {
						p.add("%s: the %s probe must be gRPC health on the grpc port %d", at, what, port)
					}
				}
			case "gateway":
				if g := c.ReadinessProbe.HTTPGet; g == nil || g.Path != "/readyz" {
					p.add("%s: the readiness probe must be HTTP GET /readyz", at)
				}
				if g := c.LivenessProbe.HTTPGet; g == nil || g.Path != "/healthz" {
					p.add("%s: the liveness probe must be HTTP GET /healthz", at)
				}
			default:
				p.add("%s: unknown component %q", at, component)
			}
			shutdown := 20 * time.Second
			if v, ok := r.env(c)["SHUTDOWN_TIMEOUT"]; ok {
				if d, err := time.ParseDuration(v.Value); err == nil {
					shutdown = d
				}
			}
			var pause time.Duration
			if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Sleep != nil {
				pause = time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
			}
			if g := tpl.Spec.TerminationGracePeriodSeconds; g == nil || time.Duration(*g)*time.Second < shutdown+pause+5*time.Second {
				p.add("%s: terminationGracePeriodSeconds must exceed SHUTDOWN_TIMEOUT %s + preStop %s + 5s", at, shutdown, pause)
			}
		}
	}
	for _, c := range r.containers() {
		at := fmt.Sprintf("%s container %s", c.owner, c.c.Name)
		req, lim := c.c.Resources.Requests, c.c.Resources.Limits
		if req.Cpu().IsZero() || req.Memory().IsZero() || lim.Memory().IsZero() {
			p.add("%s: needs cpu and memory requests and a memory limit", at)
		} else if req.Memory().Cmp(*lim.Memory()) > 0 {
			p.add("%s: memory request %s above its limit %s", at, req.Memory(), lim.Memory())
		}
		sc := c.c.SecurityContext
		if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
			sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.Capabilities == nil ||
			len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" {
			p.add("%s: must drop ALL capabilities, forbid privilege escalation and mount its root read-only", at)
		}
	}
	for _, n := range sortedKeys(r.jobs) {
		if rp := r.jobs[n].Spec.Template.Spec.RestartPolicy; rp != corev1.RestartPolicyOnFailure && rp != corev1.RestartPolicyNever {
			p.add("Job %s: restartPolicy %q", n, rp)
		}
	}
}

func containerPort(c corev1.Container, name string) int32 {
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	return 0
}

// scaling: every Deployment has one HPA whose floor is its replicas and one
// PDB that selects its pods and no other's.
func (p *problems) scaling(r *rendered) {
	for _, n := range sortedKeys(r.deployments) {
		d := r.deployments[n]
		var hpas []string
		for _, hn := range sortedKeys(r.hpas) {
			ref := r.hpas[hn].Spec.ScaleTargetRef
			if ref.Kind == "Deployment" && ref.Name == n && ref.APIVersion == "apps/v1" {
				hpas = append(hpas, hn)
			}
		}
		if len(hpas) != 1 {
			p.add("Deployment %s: %d HorizontalPodAutoscalers %v, want 1", n, len(hpas), hpas)
		} else {
			h := r.hpas[hpas[0]].Spec
			if h.MinReplicas == nil || d.Spec.Replicas == nil || *h.MinReplicas != *d.Spec.Replicas {
				p.add("Deployment %s: replicas must equal its HPA's minReplicas", n)
			}
			if h.MinReplicas != nil && h.MaxReplicas < *h.MinReplicas {
				p.add("HPA %s: maxReplicas %d below minReplicas %d", hpas[0], h.MaxReplicas, *h.MinReplicas)
			}
			if len(h.Metrics) == 0 {
				p.add("HPA %s: no metric to scale on", hpas[0])
			}
		}
		var pdbs []string
		for _, pn := range sortedKeys(r.pdbs) {
			if selects(r.pdbs[pn].Spec.Selector, d.Spec.Template.Labels) {
				pdbs = append(pdbs, pn)
				for _, other := range sortedKeys(r.deployments) {
					if other != n && selects(r.pdbs[pn].Spec.Selector, r.deployments[other].Spec.Template.Labels) {
						p.add("PDB %s: selects the pods of %s as well as %s", pn, other, n)
					}
				}
				if r.pdbs[pn].Spec.MaxUnavailable == nil && r.pdbs[pn].Spec.MinAvailable == nil {
					p.add("PDB %s: no budget", pn)
				}
			}
		}
		if len(pdbs) != 1 {
			p.add("Deployment %s: %d PodDisruptionBudgets %v, want 1", n, len(pdbs), pdbs)
		}
	}
}

// images: every nastavnik image at one pinned tag.
func (p *problems) images(r *rendered) {
	tags := map[string][]string{}
	for _, c := range r.containers() {
		bin, tag := binary(c.c.Image)
		if bin == "" {
			p.add("%s container %s: image %q is not a nastavnik image", c.owner, c.c.Name, c.c.Image)
			continue
		}
		tags[tag] = append(tags[tag], c.c.Image)
	}
	if len(tags) != 1 {
		p.add("images at %d tags, want one release: %v", len(tags), tags)
	}
	for tag := range tags {
		if tag == "" || tag == "latest" {
			p.add("images must be pinned to a release tag, got %q", tag)
		}
	}
}

var expansion = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// environment: every variable a container gets is one its binary reads (or
// only composes another by $(NAME)); what a binary requires is set; every
// ConfigMap and Secret key referenced exists.
func (p *problems) environment(r *rendered, secrets *rendered, env map[string]binaryEnv) {
	for _, c := range r.containers() {
		at := fmt.Sprintf("%s container %s", c.owner, c.c.Name)
		bin, _ := binary(c.c.Image)
		reads, ok := env[bin]
		if !ok {
			p.add("%s: no known binary for image %q", at, c.c.Image)
			continue
		}
		for _, from := range c.c.EnvFrom {
			if from.ConfigMapRef == nil || r.configMaps[from.ConfigMapRef.Name] == nil {
				p.add("%s: envFrom names no ConfigMap of the rendering", at)
			}
		}
		vars := r.env(c.c)
		composed := map[string]bool{}
		for _, v := range vars {
			for _, m := range expansion.FindAllStringSubmatch(v.Value, -1) {
				composed[m[1]] = true
				if _, ok := vars[m[1]]; !ok {
					p.add("%s: %s uses $(%s), which is not set", at, v.Name, m[1])
				}
			}
			if ref := v.ValueFrom; ref != nil && ref.SecretKeyRef != nil {
				if !secretHas(secrets, ref.SecretKeyRef.Name, ref.SecretKeyRef.Key) {
					p.add("%s: %s refers to secret %s key %s, which secrets-example does not make", at, v.Name, ref.SecretKeyRef.Name, ref.SecretKeyRef.Key)
				}
			}
		}
		for _, name := range sortedKeys(vars) {
			if !reads.reads(name) && !composed[name] {
				p.add("%s: %s is not read by %s", at, name, bin)
			}
		}
		var required []string
		switch {
		case serviceBinaries[bin] && vars["DATABASE_MIGRATE_ONLY"].Value == "true":
			required = []string{"DATABASE_URL"}
		case serviceBinaries[bin]:
			required = []string{"DATABASE_URL", "IDENTITY_KEY", "GRPC_ADDR", "METRICS_ADDR"}
		case bin == "gateway":
			required = []string{"IDENTITY_KEY", "HTTP_ADDR", "METRICS_ADDR", "REGISTRY_ADDR", "ROADMAP_ADDR", "INDICATORS_ADDR"}
		case bin == "dbinit":
			required = []string{"DBINIT_ADMIN_URL"}
		}
		for _, name := range required {
			if _, ok := vars[name]; !ok {
				p.add("%s: %s is required by %s and not set", at, name, bin)
			}
		}
		if bin == "registry" || bin == "roadmap" || bin == "indicators" {
			if !strings.HasPrefix(vars["GRPC_ADDR"].Value, "0.0.0.0:") && vars["DATABASE_MIGRATE_ONLY"].Value != "true" {
				p.add("%s: GRPC_ADDR %q does not listen on the pod's address", at, vars["GRPC_ADDR"].Value)
			}
		}
	}
	if len(r.secrets) > 0 {
		p.add("the overlay renders Secrets %v: secrets are created apart, never committed", sortedKeys(r.secrets))
	}
}

func secretHas(secrets *rendered, name, key string) bool {
	s := secrets.secrets[name]
	if s == nil {
		return false
	}
	_, inData := s.Data[key]
	_, inString := s.StringData[key]
	return inData || inString
}

// services: each Service selects one Deployment's pods on ports it has; the
// gRPC targets the clients dial (dns:///name:port) are headless Services,
// so that the name resolves to every replica.
func (p *problems) services(r *rendered) {
	for _, n := range sortedKeys(r.services) {
		s := r.services[n]
		var owners []string
		for _, dn := range sortedKeys(r.deployments) {
			if selects(&metav1.LabelSelector{MatchLabels: s.Spec.Selector}, r.deployments[dn].Spec.Template.Labels) {
				owners = append(owners, dn)
			}
		}
		if len(owners) != 1 {
			p.add("Service %s: selects the pods of %v, want one Deployment", n, owners)
			continue
		}
		cs := r.deployments[owners[0]].Spec.Template.Spec.Containers
		for _, port := range s.Spec.Ports {
			found := false
			for _, c := range cs {
				for _, cp := range c.Ports {
					found = found || (port.TargetPort.StrVal != "" && cp.Name == port.TargetPort.StrVal) ||
						(port.TargetPort.StrVal == "" && cp.ContainerPort == port.TargetPort.IntVal)
				}
			}
			if !found {
				p.add("Service %s port %s: target %s is no port of %s", n, port.Name, port.TargetPort.String(), owners[0])
			}
		}
	}
	for _, c := range r.containers() {
		for name, v := range r.env(c.c) {
			target, ok := strings.CutPrefix(v.Value, "dns:///")
			if !ok {
				continue
			}
			host, port, _ := strings.Cut(target, ":")
			s := r.services[host]
			if s == nil {
				p.add("%s container %s: %s dials %s, which is no Service", c.owner, c.c.Name, name, host)
				continue
			}
			if s.Spec.ClusterIP != corev1.ClusterIPNone {
				p.add("Service %s: dialled as %s, so it must be headless to balance over replicas", host, v.Value)
			}
			if !hasPort(s, port) {
				p.add("Service %s: has no port %s that %s dials", host, port, name)
			}
		}
	}
}

func hasPort(s *corev1.Service, port string) bool {
	for _, sp := range s.Spec.Ports {
		if strconv.Itoa(int(sp.Port)) == port {
			return true
		}
	}
	return false
}

func path[T any](tree map[string]any, keys ...string) (T, bool) {
	var cur any = tree
	for _, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			var zero T
			return zero, false
		}
		cur = m[k]
	}
	v, ok := cur.(T)
	return v, ok
}

// database: one CloudNativePG Cluster with a replica, backed up to object
// storage with credentials secrets-example makes; the services' URLs point
// at its -rw (writes) and -ro (DATABASE_READ_URL) Services.
func (p *problems) database(r *rendered, secrets *rendered) {
	if len(r.clusters) != 1 {
		p.add("%d CloudNativePG Clusters, want 1", len(r.clusters))
		return
	}
	name := sortedKeys(r.clusters)[0]
	c := r.clusters[name]
	if n, _ := path[float64](c, "spec", "instances"); n < 2 {
		p.add("Cluster %s: %v instances, want a primary and at least one replica", name, n)
	}
	if dest, _ := path[string](c, "spec", "backup", "barmanObjectStore", "destinationPath"); dest == "" {
		p.add("Cluster %s: no backup destination", name)
	}
	for _, ref := range []string{"accessKeyId", "secretAccessKey"} {
		n, _ := path[string](c, "spec", "backup", "barmanObjectStore", "s3Credentials", ref, "name")
		k, _ := path[string](c, "spec", "backup", "barmanObjectStore", "s3Credentials", ref, "key")
		if !secretHas(secrets, n, k) {
			p.add("Cluster %s: backup credential %s (secret %s key %s) is not made by secrets-example", name, ref, n, k)
		}
	}
	if su, _ := path[string](c, "spec", "superuserSecret", "name"); !secretHas(secrets, su, "username") || !secretHas(secrets, su, "password") {
		p.add("Cluster %s: superuser secret %q with username and password is not made by secrets-example", name, su)
	}
	var scheduled bool
	for _, b := range r.backups {
		if n, _ := path[string](b, "spec", "cluster", "name"); n == name {
			scheduled = true
		}
	}
	if !scheduled {
		p.add("Cluster %s: no ScheduledBackup", name)
	}
	for _, ct := range r.containers() {
		vars := r.env(ct.c)
		for v, suffix := range map[string]string{"DATABASE_URL": "-rw", "DATABASE_READ_URL": "-ro", "DBINIT_ADMIN_URL": "-rw"} {
			val, ok := vars[v]
			if !ok {
				continue
			}
			u, err := url.Parse(val.Value)
			if err != nil || u.Hostname() != name+suffix {
				p.add("%s container %s: %s must reach %s%s, got %q (%v)", ct.owner, ct.c.Name, v, name, suffix, val.Value, err)
			}
		}
	}
}

// connections: at the HPAs' ceilings, the pools still fit PostgreSQL's
// max_connections, on the primary (every pool but the read pools, plus the
// migration Job) and on each replica (the read pools).
func (p *problems) connections(r *rendered) {
	if len(r.clusters) != 1 {
		return
	}
	c := r.clusters[sortedKeys(r.clusters)[0]]
	s, _ := path[string](c, "spec", "postgresql", "parameters", "max_connections")
	limit, err := strconv.Atoi(s)
	if err != nil {
		p.add("Cluster: max_connections %q is not a number", s)
		return
	}
	poolSize := func(ct corev1.Container) int {
		if v, ok := r.env(ct)["DATABASE_MAX_CONNS"]; ok {
			n, err := strconv.Atoi(v.Value)
			if err == nil {
				return n
			}
		}
		return 10
	}
	primary, replica := connectionReserve, connectionReserve
	for _, ct := range r.containers() {
		vars := r.env(ct.c)
		if _, ok := vars["DATABASE_URL"]; !ok {
			continue
		}
		pods := 1
		if name, ok := strings.CutPrefix(ct.owner, "Deployment "); ok {
			if h := r.hpas[name]; h != nil {
				pods = int(h.Spec.MaxReplicas)
			}
		}
		primary += pods * poolSize(ct.c)
		if _, ok := vars["DATABASE_READ_URL"]; ok {
			replica += pods * poolSize(ct.c)
		}
	}
	if primary > limit {
		p.add("at the HPAs' ceilings the pools need %d connections on the primary, over max_connections %d", primary, limit)
	}
	if replica > limit {
		p.add("at the HPAs' ceilings the read pools need %d connections on a replica, over max_connections %d", replica, limit)
	}
}

// storage returns a Cluster's storage size.
func storage(c map[string]any) resource.Quantity {
	s, _ := path[string](c, "spec", "storage", "size")
	q, _ := resource.ParseQuantity(s)
	return q
}

// network checks the NetworkPolicies by evaluating them: who may open a
// connection to whom, on which port.
func (p *problems) network(r *rendered) {
	ns := ""
	for _, n := range r.namespaces {
		ns = n.Name
	}
	if ns == "" {
		p.add("no Namespace")
		return
	}
	w := workloads(r, ns)
	var deny bool
	for _, n := range sortedKeys(r.netpols) {
		np := r.netpols[n]
		if len(np.Spec.PodSelector.MatchLabels) == 0 && len(np.Spec.PodSelector.MatchExpressions) == 0 &&
			len(np.Spec.Ingress) == 0 && len(np.Spec.Egress) == 0 && len(np.Spec.PolicyTypes) == 2 {
			deny = true
		}
		var any bool
		for _, x := range w {
			any = any || (x.namespace == ns && selects(&np.Spec.PodSelector, x.labels))
		}
		if !any {
			p.add("NetworkPolicy %s: selects no pod", n)
		}
	}
	if !deny {
		p.add("no default-deny NetworkPolicy (empty pod selector, Ingress and Egress, no rules)")
	}
	want := []struct {
		from, to string
		port     int32
		allowed  bool
	}{
		{"ingress-controller", "gateway", 8080, true},
		{"gateway", "registry", 9090, true},
		{"gateway", "roadmap", 9090, true},
		{"gateway", "indicators", 9090, true},
		{"roadmap", "registry", 9090, true},
		{"indicators", "registry", 9090, true},
		{"registry", "db", 5432, true},
		{"roadmap", "db", 5432, true},
		{"indicators", "db", 5432, true},
		{"nastavnik-migrate", "db", 5432, true},
		{"db", "db", 5432, true},
		{"prometheus", "registry", 9091, true},
		{"prometheus", "gateway", 9200, true},
		{"gateway", "kube-dns", 53, true},
		{"indicators", "kube-dns", 53, true},
		// Only the gateway reaches the services; only the services reach the database.
		{"ingress-controller", "registry", 9090, false},
		{"ingress-controller", "db", 5432, false},
		{"gateway", "db", 5432, false},
		{"registry", "roadmap", 9090, false},
		{"registry", "indicators", 9090, false},
		{"roadmap", "indicators", 9090, false},
		{"indicators", "roadmap", 9090, false},
		{"nastavnik-migrate", "registry", 9090, false},
		{"db", "registry", 9090, false},
		{"prometheus", "registry", 9090, false},
		{"gateway", "internet", 443, false},
		{"registry", "internet", 443, false},
	}
	for _, tc := range want {
		from, to := w[tc.from], w[tc.to]
		if from == nil || to == nil {
			p.add("network: no workload %q or %q", tc.from, tc.to)
			continue
		}
		if got := connects(r, ns, from, to, tc.port); got != tc.allowed {
			p.add("network: %s → %s:%d allowed=%v, want %v", tc.from, tc.to, tc.port, got, tc.allowed)
		}
	}
}

// workload is a set of pods that connect somewhere or are connected to.
type workload struct {
	labels    map[string]string
	namespace string
	nsLabels  map[string]string
	external  bool // outside the cluster
}

func workloads(r *rendered, ns string) map[string]*workload {
	inNS := func(l map[string]string) *workload {
		return &workload{labels: l, namespace: ns, nsLabels: map[string]string{"kubernetes.io/metadata.name": ns}}
	}
	other := func(ns string, l map[string]string) *workload {
		return &workload{labels: l, namespace: ns, nsLabels: map[string]string{"kubernetes.io/metadata.name": ns}}
	}
	out := map[string]*workload{
		"ingress-controller": other("ingress-nginx", map[string]string{"app.kubernetes.io/name": "ingress-nginx"}),
		"prometheus":         other("monitoring", map[string]string{"app.kubernetes.io/name": "prometheus"}),
		"kube-dns":           other("kube-system", map[string]string{"k8s-app": "kube-dns"}),
		"internet":           {external: true},
	}
	for n, d := range r.deployments {
		out[n] = inNS(d.Spec.Template.Labels)
	}
	for n, j := range r.jobs {
		out[n] = inNS(j.Spec.Template.Labels)
	}
	for n := range r.clusters {
		// CloudNativePG labels its instances with their cluster's name.
		out["db"] = inNS(map[string]string{"cnpg.io/cluster": n})
	}
	return out
}

// connects reports whether from may open a TCP connection to to:port: the
// egress policies of from and the ingress policies of to must both allow it
// (a side no policy selects is open).
func connects(r *rendered, ns string, from, to *workload, port int32) bool {
	return allows(r, ns, from, to, port, networkingv1.PolicyTypeEgress) &&
		allows(r, ns, to, from, port, networkingv1.PolicyTypeIngress)
}

func allows(r *rendered, ns string, self, peer *workload, port int32, dir networkingv1.PolicyType) bool {
	if self.external || self.namespace != ns {
		return true // no policy of ours governs it
	}
	isolated := false
	for _, np := range r.netpols {
		if !selects(&np.Spec.PodSelector, self.labels) || !hasType(np, dir) {
			continue
		}
		isolated = true
		if dir == networkingv1.PolicyTypeIngress {
			for _, rule := range np.Spec.Ingress {
				if portMatches(rule.Ports, port) && peersMatch(rule.From, ns, peer) {
					return true
				}
			}
		} else {
			for _, rule := range np.Spec.Egress {
				if portMatches(rule.Ports, port) && peersMatch(rule.To, ns, peer) {
					return true
				}
			}
		}
	}
	return !isolated
}

func hasType(np *networkingv1.NetworkPolicy, t networkingv1.PolicyType) bool {
	if len(np.Spec.PolicyTypes) == 0 {
		return t == networkingv1.PolicyTypeIngress || len(np.Spec.Egress) > 0
	}
	for _, x := range np.Spec.PolicyTypes {
		if x == t {
			return true
		}
	}
	return false
}

func portMatches(ports []networkingv1.NetworkPolicyPort, port int32) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		if p.Protocol != nil && *p.Protocol != corev1.ProtocolTCP {
			continue // every connection checked here is TCP
		}
		if p.Port == nil || (p.Port.StrVal == "" && p.Port.IntVal == port) {
			return true
		}
	}
	return false
}

func peersMatch(peers []networkingv1.NetworkPolicyPeer, ns string, w *workload) bool {
	if len(peers) == 0 {
		return true
	}
	for _, peer := range peers {
		if peer.IPBlock != nil {
			if w.external {
				return true
			}
			continue
		}
		if w.external {
			continue
		}
		nsOK := w.namespace == ns
		if peer.NamespaceSelector != nil {
			nsOK = selects(peer.NamespaceSelector, w.nsLabels)
		}
		podOK := peer.PodSelector == nil || selects(peer.PodSelector, w.labels)
		if nsOK && podOK {
			return true
		}
	}
	return false
}
