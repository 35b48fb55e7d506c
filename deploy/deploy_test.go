package deploy

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"dataplus/internal/config"
)

const (
	nameLabel   = "app.kubernetes.io/name"
	gpuResource = corev1.ResourceName("nvidia.com/gpu")
	container   = "dataplus" // the server's container in every pod
	healthPath  = "/health"
)

// loadServe loads dataplus serve's configuration from args (after
// "serve") and an environment, exactly as the command does, and also
// rejects DATAPLUS_* variables that name no flag (config ignores those, so
// a typo would silently fall back to a default).
func loadServe(args []string, env map[string]string) (config.Config, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c, err := config.LoadServe(fs, args, func(k string) string { return env[k] }, 2)
	if err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("dataplus serve takes no operands, got %q", fs.Args())
	}
	known := map[string]bool{config.EnvAuthTokens: true, config.EnvPrefix + "CONFIG": true}
	fs.VisitAll(func(f *flag.Flag) { known[config.EnvName(f.Name)] = true })
	var errs []error
	for k := range env {
		if strings.HasPrefix(k, config.EnvPrefix) && !known[k] {
			errs = append(errs, fmt.Errorf("%s names no dataplus serve flag", k))
		}
	}
	return c, errors.Join(errs...)
}

func TestManifestsDecodeStrictly(t *testing.T) {
	files, err := yamlFiles("k8s")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no manifests under k8s/")
	}
	for _, f := range files {
		objs, err := loadFile(f)
		if err != nil {
			t.Error(err)
		}
		for _, o := range objs {
			meta := o.obj.(metav1.Object)
			if meta.GetName() == "" {
				t.Errorf("%s: %s without metadata.name", o.where, o.kind)
			}
			if ns := meta.GetNamespace(); ns != "" {
				t.Errorf("%s: metadata.namespace %q: the manifests are namespace-agnostic (kubectl apply -n)", o.where, ns)
			}
			if meta.GetLabels()[nameLabel] != "dataplus" {
				t.Errorf("%s: want label %s: dataplus", o.where, nameLabel)
			}
		}
	}
}

// TestStrictDecoderRejects shows the validator catches what it claims to.
func TestStrictDecoderRejects(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"unknown kind", "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n", "unknown kind"},
		{"retired api version", "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: x}\n", "unknown kind"},
		{"unknown field", "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {ports: [{port: 1, targetPrt: 2}]}\n", "targetPrt"},
		{"wrong case", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {Replicas: 2}\n", "Replicas"},
		{"duplicate key", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {A: b, A: c}\n", "already set"},
		{"wrong type", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replicas: two}\n", "replicas"},
		{"bad quantity", "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: x}\nspec: {resources: {requests: {storage: lots}}}\n", "quantit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeStrict([]byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
	t.Run("env name", func(t *testing.T) {
		_, err := loadServe(nil, map[string]string{"DATAPLUS_MAX_INFLIGHT_REQUEST": "4"})
		if err == nil || !strings.Contains(err.Error(), "names no dataplus serve flag") {
			t.Errorf("err = %v, want the misspelt variable named", err)
		}
	})
}

// bundle is what one kubectl apply -f DIR (after the base) leaves in the
// cluster: objects by kind and name.
type bundle map[string]map[string]object

func (b bundle) add(objs []object) {
	for _, o := range objs {
		if b[o.kind] == nil {
			b[o.kind] = map[string]object{}
		}
		b[o.kind][o.name] = o
	}
}

func (b bundle) configMap(name string) *corev1.ConfigMap {
	if o, ok := b["ConfigMap"][name]; ok {
		return o.obj.(*corev1.ConfigMap)
	}
	return nil
}

func (b bundle) pvc(name string) *corev1.PersistentVolumeClaim {
	if o, ok := b["PersistentVolumeClaim"][name]; ok {
		return o.obj.(*corev1.PersistentVolumeClaim)
	}
	return nil
}

// bundles are the two ways to deploy: the base directory, and the base
// with gpu/ applied over it (its Deployment replaces the CPU one).
func bundles(t *testing.T) map[string]bundle {
	t.Helper()
	base, err := loadDir("k8s")
	if err != nil {
		t.Fatal(err)
	}
	gpu, err := loadDir(filepath.Join("k8s", "gpu"))
	if err != nil {
		t.Fatal(err)
	}
	cpuB, gpuB := bundle{}, bundle{}
	cpuB.add(base)
	gpuB.add(base)
	gpuB.add(gpu)
	return map[string]bundle{"k8s": cpuB, "k8s+gpu": gpuB}
}

func TestBundles(t *testing.T) {
	for name, b := range bundles(t) {
		t.Run(name, func(t *testing.T) {
			for _, kind := range []string{"ConfigMap", "PersistentVolumeClaim", "Deployment", "Service", "HorizontalPodAutoscaler"} {
				if len(b[kind]) == 0 {
					t.Errorf("no %s", kind)
				}
			}
			for _, o := range b["Deployment"] {
				d := o.obj.(*appsv1.Deployment)
				t.Run(o.where, func(t *testing.T) {
					checkDeployment(t, b, d, name == "k8s+gpu")
				})
			}
			for _, o := range b["Service"] {
				checkService(t, b, o)
			}
			for _, o := range b["HorizontalPodAutoscaler"] {
				checkHPA(t, b, o)
			}
		})
	}
}

func checkDeployment(t *testing.T, b bundle, d *appsv1.Deployment, gpu bool) {
	pod := &d.Spec.Template
	if d.Spec.Selector == nil || len(d.Spec.Selector.MatchLabels)+len(d.Spec.Selector.MatchExpressions) == 0 {
		t.Fatal("Deployment without a selector")
	}
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		t.Fatalf("selector: %v", err)
	}
	if !sel.Matches(labels.Set(pod.Labels)) {
		t.Errorf("selector %s does not match the pod template's labels %v", sel, pod.Labels)
	}
	i := slices.IndexFunc(pod.Spec.Containers, func(c corev1.Container) bool { return c.Name == container })
	if i < 0 {
		t.Fatalf("no container named %q", container)
	}
	c := &pod.Spec.Containers[i]

	img := images[0]
	if gpu {
		img = images[1]
	}
	df, err := parseDockerfile(img.file)
	if err != nil {
		t.Fatal(err)
	}
	rt := df.final()

	// Command and arguments: the image's ENTRYPOINT and "serve".
	if c.Command != nil && !slices.Equal(c.Command, rt.entrypoint) {
		t.Errorf("command %q differs from %s's ENTRYPOINT %q", c.Command, img.file, rt.entrypoint)
	}
	args := c.Args
	if args == nil {
		args = rt.cmd
	}
	if len(args) == 0 || args[0] != "serve" {
		t.Fatalf("args %q: want dataplus serve", args)
	}

	// The environment the process sees: image ENV, then envFrom, then env.
	env, err := podEnv(b, c, rt.env)
	if err != nil {
		t.Error(err)
	}
	cfg, err := loadServe(args[1:], env)
	if err != nil {
		t.Fatalf("args and environment do not load as dataplus serve settings: %v", err)
	}

	// Ports and probes.
	http := containerPort(c, "http")
	if http == nil {
		t.Fatal("no container port named http")
	}
	if p := strconv.Itoa(int(http.ContainerPort)); p != portOf(cfg.Server.Addr) || p != strings.TrimSuffix(rt.expose[0], "/tcp") {
		t.Errorf("container port %s, server address %q, %s EXPOSE %s: want one port", p, cfg.Server.Addr, img.file, rt.expose[0])
	}
	probes := map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe, "startup": c.StartupProbe}
	for _, name := range []string{"liveness", "readiness", "startup"} {
		p := probes[name]
		if p == nil {
			if name != "startup" {
				t.Errorf("no %s probe", name)
			}
			continue
		}
		if p.HTTPGet == nil || p.HTTPGet.Path != healthPath {
			t.Errorf("%s probe: want HTTP GET %s", name, healthPath)
			continue
		}
		if resolvePort(c, p.HTTPGet.Port) != http.ContainerPort {
			t.Errorf("%s probe port %s is not the http container port", name, p.HTTPGet.Port.String())
		}
	}

	// Volumes: every mount declared, every claim and ConfigMap present,
	// the store on the persistent claim, the data roots mounted.
	vols := map[string]corev1.Volume{}
	for _, v := range pod.Spec.Volumes {
		vols[v.Name] = v
		switch {
		case v.PersistentVolumeClaim != nil:
			if b.pvc(v.PersistentVolumeClaim.ClaimName) == nil {
				t.Errorf("volume %s: no PersistentVolumeClaim %q", v.Name, v.PersistentVolumeClaim.ClaimName)
			}
		case v.ConfigMap != nil:
			if b.configMap(v.ConfigMap.Name) == nil {
				t.Errorf("volume %s: no ConfigMap %q", v.Name, v.ConfigMap.Name)
			}
		}
	}
	for _, m := range c.VolumeMounts {
		if _, ok := vols[m.Name]; !ok {
			t.Errorf("volume mount %s names no volume", m.Name)
		}
	}
	store := mountFor(c, cfg.Server.Store)
	switch {
	case cfg.Server.Store == "":
		t.Error("no store path set: the default is under $HOME, on the read-only root")
	case store == nil || vols[store.Name].PersistentVolumeClaim == nil:
		t.Errorf("store %s is not on a PersistentVolumeClaim mount", cfg.Server.Store)
	case store.ReadOnly:
		t.Errorf("store %s is mounted read-only", cfg.Server.Store)
	default:
		checkSingleWriter(t, b, d, b.pvc(vols[store.Name].PersistentVolumeClaim.ClaimName))
	}
	if len(cfg.Server.DataRoots) == 0 {
		t.Error("no data root set")
	}
	for _, r := range cfg.Server.DataRoots {
		if mountFor(c, r) == nil {
			t.Errorf("data root %s is on no volume mount", r)
		}
	}
	for _, v := range rt.volumes {
		if m := mountFor(c, v); m == nil || m.MountPath != v {
			t.Errorf("%s declares VOLUME %s but the pod mounts nothing there", img.file, v)
		}
	}

	checkSecurity(t, pod, c, rt)
	checkResources(t, c, env, cfg, gpu)
	checkShutdown(t, pod, c, cfg)
	if gpu {
		checkGPUScheduling(t, pod)
	}
}

// podEnv resolves the container's environment as the kubelet would.
func podEnv(b bundle, c *corev1.Container, image map[string]string) (map[string]string, error) {
	env := map[string]string{}
	for k, v := range image {
		env[k] = v
	}
	var errs []error
	for _, from := range c.EnvFrom {
		switch {
		case from.ConfigMapRef != nil:
			cm := b.configMap(from.ConfigMapRef.Name)
			if cm == nil {
				errs = append(errs, fmt.Errorf("envFrom: no ConfigMap %q", from.ConfigMapRef.Name))
				continue
			}
			for k, v := range cm.Data {
				env[from.Prefix+k] = v
			}
		case from.SecretRef != nil:
			if from.SecretRef.Optional == nil || !*from.SecretRef.Optional {
				errs = append(errs, fmt.Errorf("envFrom: Secret %q is not shipped here; mark it optional", from.SecretRef.Name))
			}
		}
	}
	for _, e := range c.Env {
		switch src := e.ValueFrom; {
		case src == nil:
			env[e.Name] = e.Value
		case src.ConfigMapKeyRef != nil:
			cm := b.configMap(src.ConfigMapKeyRef.Name)
			if cm == nil {
				errs = append(errs, fmt.Errorf("env %s: no ConfigMap %q", e.Name, src.ConfigMapKeyRef.Name))
				continue
			}
			v, ok := cm.Data[src.ConfigMapKeyRef.Key]
			if !ok {
				errs = append(errs, fmt.Errorf("env %s: ConfigMap %s has no key %q", e.Name, cm.Name, src.ConfigMapKeyRef.Key))
			}
			env[e.Name] = v
		case src.ResourceFieldRef != nil:
			v, err := resourceValue(c, src.ResourceFieldRef)
			if err != nil {
				errs = append(errs, fmt.Errorf("env %s: %w", e.Name, err))
			}
			env[e.Name] = v
		case src.FieldRef != nil:
			env[e.Name] = "pod-" + src.FieldRef.FieldPath
		case src.SecretKeyRef != nil:
			if src.SecretKeyRef.Optional == nil || !*src.SecretKeyRef.Optional {
				errs = append(errs, fmt.Errorf("env %s: Secret %q is not shipped here; mark it optional", e.Name, src.SecretKeyRef.Name))
			}
		}
	}
	return env, errors.Join(errs...)
}

// resourceValue is the downward API's value: the quantity divided by the
// divisor, rounded up.
func resourceValue(c *corev1.Container, ref *corev1.ResourceFieldSelector) (string, error) {
	kind, res, _ := strings.Cut(ref.Resource, ".")
	list := c.Resources.Limits
	if kind == "requests" {
		list = c.Resources.Requests
	}
	q, ok := list[corev1.ResourceName(res)]
	if !ok {
		return "", fmt.Errorf("resourceFieldRef %s: the container sets no %s", ref.Resource, ref.Resource)
	}
	div := ref.Divisor
	if div.IsZero() {
		div = resource.MustParse("1")
	}
	n := (q.MilliValue() + div.MilliValue() - 1) / div.MilliValue()
	return strconv.FormatInt(n, 10), nil
}

func containerPort(c *corev1.Container, name string) *corev1.ContainerPort {
	for i := range c.Ports {
		if c.Ports[i].Name == name {
			return &c.Ports[i]
		}
	}
	return nil
}

// resolvePort turns a probe's or Service's target port into a container
// port number; 0 when it names none.
func resolvePort(c *corev1.Container, p intstr.IntOrString) int32 {
	for _, cp := range c.Ports {
		if (p.Type == intstr.String && cp.Name == p.StrVal) || (p.Type == intstr.Int && cp.ContainerPort == p.IntVal) {
			return cp.ContainerPort
		}
	}
	return 0
}

// mountFor is the volume mount holding path (the longest prefix).
func mountFor(c *corev1.Container, path string) *corev1.VolumeMount {
	var best *corev1.VolumeMount
	for i, m := range c.VolumeMounts {
		if path == m.MountPath || strings.HasPrefix(path, strings.TrimSuffix(m.MountPath, "/")+"/") {
			if best == nil || len(m.MountPath) > len(best.MountPath) {
				best = &c.VolumeMounts[i]
			}
		}
	}
	return best
}

// checkSingleWriter: the job store is a bbolt file, which one process
// opens at a time, on a claim that a ReadWriteOnce volume attaches to one
// node. Such a store allows one replica, replaced (Recreate) rather than
// rolled, and no autoscaling beyond one.
func checkSingleWriter(t *testing.T, b bundle, d *appsv1.Deployment, claim *corev1.PersistentVolumeClaim) {
	if claim == nil || slices.Contains(claim.Spec.AccessModes, corev1.ReadWriteMany) {
		return
	}
	if d.Spec.Replicas != nil && *d.Spec.Replicas > 1 {
		t.Errorf("replicas %d share the single-writer job store %s", *d.Spec.Replicas, claim.Name)
	}
	if d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("strategy %q: a rolling update starts the new pod while the old one holds the job store %s; want Recreate", d.Spec.Strategy.Type, claim.Name)
	}
	for _, o := range b["HorizontalPodAutoscaler"] {
		h := o.obj.(*autoscalingv2.HorizontalPodAutoscaler)
		if h.Spec.ScaleTargetRef.Kind == "Deployment" && h.Spec.ScaleTargetRef.Name == d.Name && h.Spec.MaxReplicas > 1 {
			t.Errorf("%s: maxReplicas %d would start pods that cannot open the single-writer job store %s", o.where, h.Spec.MaxReplicas, claim.Name)
		}
	}
}

func checkSecurity(t *testing.T, pod *corev1.PodTemplateSpec, c *corev1.Container, rt *stage) {
	ps, cs := pod.Spec.SecurityContext, c.SecurityContext
	if ps == nil || cs == nil {
		t.Fatal("want pod and container securityContexts")
	}
	nonRoot := ps.RunAsNonRoot
	if cs.RunAsNonRoot != nil {
		nonRoot = cs.RunAsNonRoot
	}
	if nonRoot == nil || !*nonRoot {
		t.Error("runAsNonRoot is not true")
	}
	uid, _, _ := strings.Cut(rt.user, ":")
	if ps.RunAsUser == nil {
		t.Errorf("no runAsUser (the image's USER is %s)", rt.user)
	} else if strconv.FormatInt(*ps.RunAsUser, 10) != uid {
		t.Errorf("runAsUser %d differs from the image's USER %s", *ps.RunAsUser, rt.user)
	}
	if cs.ReadOnlyRootFilesystem == nil || !*cs.ReadOnlyRootFilesystem {
		t.Error("readOnlyRootFilesystem is not true")
	} else if m := mountFor(c, "/tmp"); m == nil || m.ReadOnly {
		t.Error("a read-only root needs a writable /tmp (os.TempDir)")
	}
	if cs.AllowPrivilegeEscalation == nil || *cs.AllowPrivilegeEscalation {
		t.Error("allowPrivilegeEscalation is not false")
	}
	if cs.Capabilities == nil || !slices.Contains(cs.Capabilities.Drop, "ALL") {
		t.Error("capabilities do not drop ALL")
	}
	if cs.Privileged != nil && *cs.Privileged {
		t.Error("privileged container")
	}
}

func checkResources(t *testing.T, c *corev1.Container, env map[string]string, cfg config.Config, gpu bool) {
	r := c.Resources
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, okReq := r.Requests[name]
		lim, okLim := r.Limits[name]
		if !okReq || !okLim {
			t.Errorf("%s: want both a request and a limit", name)
			continue
		}
		if req.Cmp(lim) > 0 {
			t.Errorf("%s request %s above its limit %s", name, req.String(), lim.String())
		}
	}
	if cpu, ok := r.Limits[corev1.ResourceCPU]; ok {
		if cores := (cpu.MilliValue() + 999) / 1000; int64(cfg.Workers) > cores {
			t.Errorf("workers %d oversubscribe the CPU limit %s", cfg.Workers, cpu.String())
		}
	}
	if v, ok := env["GOMEMLIMIT"]; ok {
		lim := r.Limits[corev1.ResourceMemory]
		n, err := goMemLimit(v)
		if err != nil {
			t.Errorf("GOMEMLIMIT %q: %v", v, err)
		} else if n >= lim.Value() {
			t.Errorf("GOMEMLIMIT %s is not below the memory limit %s", v, lim.String())
		}
	}
	g, hasGPU := r.Limits[gpuResource]
	switch {
	case gpu && (!hasGPU || g.Value() < 1):
		t.Errorf("GPU variant without limits %s", gpuResource)
	case !gpu && hasGPU:
		t.Errorf("CPU Deployment asks for %s", gpuResource)
	}
}

var memUnits = map[string]int64{"": 1, "B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}

// goMemLimit parses GOMEMLIMIT's syntax (a number and an IEC suffix).
func goMemLimit(s string) (int64, error) {
	m := regexp.MustCompile(`^([0-9]+)([A-Za-z]*)$`).FindStringSubmatch(s)
	if m == nil {
		return 0, errors.New("want a number with B, KiB, MiB, GiB or TiB")
	}
	u, ok := memUnits[m[2]]
	if !ok {
		return 0, fmt.Errorf("unknown unit %q", m[2])
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	return n * u, err
}

// checkShutdown: the kubelet sends SIGTERM after the preStop hook and
// SIGKILL at terminationGracePeriodSeconds; the grace period must cover the
// hook and the server's own shutdown timeout (and not dwarf them), and the
// liveness probe must not kill a pod that answers 503 while draining.
func checkShutdown(t *testing.T, pod *corev1.PodTemplateSpec, c *corev1.Container, cfg config.Config) {
	shutdown := time.Duration(cfg.Server.ShutdownTimeout)
	var hook time.Duration
	if l := c.Lifecycle; l != nil && l.PreStop != nil {
		switch {
		case l.PreStop.Sleep != nil:
			hook = time.Duration(l.PreStop.Sleep.Seconds) * time.Second
		case l.PreStop.Exec != nil:
			t.Error("preStop exec: the distroless image has no shell; use sleep")
		}
	}
	if pod.Spec.TerminationGracePeriodSeconds == nil {
		t.Fatal("no terminationGracePeriodSeconds")
	}
	grace := time.Duration(*pod.Spec.TerminationGracePeriodSeconds) * time.Second
	if need := hook + shutdown; grace <= need || grace > need+time.Minute {
		t.Errorf("terminationGracePeriodSeconds %v: want a little more than preStop %v + shutdown timeout %v", grace, hook, shutdown)
	}
	if p := c.LivenessProbe; p != nil {
		period, failures := p.PeriodSeconds, p.FailureThreshold
		if period == 0 {
			period = 10 // the API's defaults
		}
		if failures == 0 {
			failures = 3
		}
		if tolerate := time.Duration(period*failures) * time.Second; tolerate < shutdown {
			t.Errorf("liveness probe gives up after %v, before the %v shutdown (503 on /health) ends", tolerate, shutdown)
		}
	}
}

func checkGPUScheduling(t *testing.T, pod *corev1.PodTemplateSpec) {
	if len(pod.Spec.NodeSelector) == 0 && (pod.Spec.Affinity == nil || pod.Spec.Affinity.NodeAffinity == nil) {
		t.Error("GPU variant without a node selector or node affinity")
	}
	if !slices.ContainsFunc(pod.Spec.Tolerations, func(tl corev1.Toleration) bool { return tl.Key == string(gpuResource) }) {
		t.Errorf("GPU variant does not tolerate the %s taint", gpuResource)
	}
}

func checkService(t *testing.T, b bundle, o object) {
	s := o.obj.(*corev1.Service)
	if len(s.Spec.Selector) == 0 {
		t.Errorf("%s: Service without a selector", o.where)
		return
	}
	sel := labels.SelectorFromSet(s.Spec.Selector)
	matched := false
	for _, do := range b["Deployment"] {
		d := do.obj.(*appsv1.Deployment)
		if !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			continue
		}
		matched = true
		i := slices.IndexFunc(d.Spec.Template.Spec.Containers, func(c corev1.Container) bool { return c.Name == container })
		if i < 0 {
			continue
		}
		c := &d.Spec.Template.Spec.Containers[i]
		for _, p := range s.Spec.Ports {
			target := p.TargetPort
			if target.Type == intstr.Int && target.IntVal == 0 {
				target = intstr.FromInt32(p.Port) // unset: the same number
			}
			if resolvePort(c, target) == 0 {
				t.Errorf("%s: port %s targets %s, which %s does not declare", o.where, p.Name, target.String(), do.where)
			}
		}
	}
	if !matched {
		t.Errorf("%s: selector %s matches no Deployment's pods", o.where, sel)
	}
}

func checkHPA(t *testing.T, b bundle, o object) {
	h := o.obj.(*autoscalingv2.HorizontalPodAutoscaler)
	ref := h.Spec.ScaleTargetRef
	if ref.APIVersion != "apps/v1" || ref.Kind != "Deployment" {
		t.Errorf("%s: scaleTargetRef %s %s: want apps/v1 Deployment", o.where, ref.APIVersion, ref.Kind)
	}
	do, ok := b["Deployment"][ref.Name]
	if !ok {
		t.Errorf("%s: no Deployment %q to scale", o.where, ref.Name)
		return
	}
	if h.Spec.MinReplicas != nil && (*h.Spec.MinReplicas < 1 || *h.Spec.MinReplicas > h.Spec.MaxReplicas) {
		t.Errorf("%s: minReplicas %d outside 1..maxReplicas %d", o.where, *h.Spec.MinReplicas, h.Spec.MaxReplicas)
	}
	cpu := false
	for _, m := range h.Spec.Metrics {
		if m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil && m.Resource.Name == corev1.ResourceCPU &&
			m.Resource.Target.Type == autoscalingv2.UtilizationMetricType && m.Resource.Target.AverageUtilization != nil {
			u := *m.Resource.Target.AverageUtilization
			cpu = u > 0 && u <= 100
		}
	}
	if !cpu {
		t.Errorf("%s: want a CPU utilisation target between 1 and 100%%", o.where)
	}
	// Utilisation is relative to the request: every container needs one.
	for _, c := range do.obj.(*appsv1.Deployment).Spec.Template.Spec.Containers {
		if _, ok := c.Resources.Requests[corev1.ResourceCPU]; !ok {
			t.Errorf("%s: container %s has no CPU request, so the HPA has nothing to measure against", do.where, c.Name)
		}
	}
}
