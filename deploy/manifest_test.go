package deploy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// typeKey is a manifest's apiVersion and kind.
type typeKey struct{ apiVersion, kind string }

// kinds are the only objects the manifests may hold, each with the
// official type it must decode into. Anything else (a typo, a retired API
// version such as extensions/v1beta1) fails the test.
var kinds = map[typeKey]func() any{
	{"v1", "ConfigMap"}:                           func() any { return new(corev1.ConfigMap) },
	{"v1", "PersistentVolumeClaim"}:               func() any { return new(corev1.PersistentVolumeClaim) },
	{"v1", "Service"}:                             func() any { return new(corev1.Service) },
	{"apps/v1", "Deployment"}:                     func() any { return new(appsv1.Deployment) },
	{"autoscaling/v2", "HorizontalPodAutoscaler"}: func() any { return new(autoscalingv2.HorizontalPodAutoscaler) },
}

// object is one decoded YAML document.
type object struct {
	where string // file:document, for messages
	kind  string
	name  string
	obj   any // a pointer to one of the kinds' types
}

// loadDir decodes every document of every .yaml/.yml file directly in dir
// (not below it: kubectl apply -f DIR does not recurse either).
func loadDir(dir string) ([]object, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var objs []object
	var errs []error
	for _, e := range entries {
		if e.IsDir() || !isYAML(e.Name()) {
			continue
		}
		o, err := loadFile(filepath.Join(dir, e.Name()))
		objs = append(objs, o...)
		errs = append(errs, err)
	}
	return objs, errors.Join(errs...)
}

func isYAML(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}

// yamlFiles lists every YAML file under dir, recursively.
func yamlFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && isYAML(path) {
			files = append(files, path)
		}
		return err
	})
	return files, err
}

func loadFile(path string) ([]object, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var objs []object
	var errs []error
	for i, doc := range splitDocuments(data) {
		where := fmt.Sprintf("%s#%d", filepath.ToSlash(path), i+1)
		o, err := decodeStrict(doc)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
			continue
		}
		if o == nil {
			continue // an empty document (comments only)
		}
		o.where = where
		objs = append(objs, *o)
	}
	return objs, errors.Join(errs...)
}

// splitDocuments cuts a YAML stream at its "---" lines.
func splitDocuments(data []byte) [][]byte {
	var docs [][]byte
	var cur bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "---" || strings.HasPrefix(line, "--- ") {
			docs = append(docs, bytes.Clone(cur.Bytes()))
			cur.Reset()
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
	}
	return append(docs, cur.Bytes())
}

// decodeStrict decodes one document into its official type: duplicate
// keys, unknown kinds and unknown fields are errors, and so are field names
// in the wrong case (encoding/json alone would accept "Replicas"; the API
// server would not). It returns nil for an empty document.
func decodeStrict(doc []byte) (*object, error) {
	j, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return nil, err
	}
	var generic any
	if err := json.Unmarshal(j, &generic); err != nil {
		return nil, err
	}
	if generic == nil {
		return nil, nil
	}
	top, ok := generic.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("a manifest must be a mapping, got %T", generic)
	}
	apiVersion, _ := top["apiVersion"].(string)
	kind, _ := top["kind"].(string)
	newObj, ok := kinds[typeKey{apiVersion, kind}]
	if !ok {
		return nil, fmt.Errorf("unknown kind %q in apiVersion %q (known: %s)", kind, apiVersion, knownKinds())
	}
	obj := newObj()
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		return nil, fmt.Errorf("%s: %w", kind, err)
	}
	if err := checkFieldNames(kind, generic, reflect.TypeOf(obj)); err != nil {
		return nil, err
	}
	name, _ := mapPath(top, "metadata", "name").(string)
	return &object{kind: kind, name: name, obj: obj}, nil
}

func knownKinds() string {
	var ks []string
	for k := range kinds {
		ks = append(ks, k.apiVersion+" "+k.kind)
	}
	slices.Sort(ks)
	return strings.Join(ks, ", ")
}

func mapPath(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

var jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()

// checkFieldNames walks the decoded JSON beside the Go type it was decoded
// into and rejects any key that is not exactly a field's JSON name.
// Types with their own JSON form (Quantity, IntOrString, Time) are leaves.
func checkFieldNames(path string, v any, t reflect.Type) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return nil // a type mismatch: UnmarshalStrict has said so already
		}
		fields := jsonFields(t)
		var errs []error
		for _, k := range slices.Sorted(maps.Keys(m)) {
			ft, ok := fields[k]
			if !ok {
				errs = append(errs, fmt.Errorf("%s: unknown field %q (field names are case-sensitive)", path, k))
				continue
			}
			errs = append(errs, checkFieldNames(path+"."+k, m[k], ft))
		}
		return errors.Join(errs...)
	case reflect.Map:
		m, _ := v.(map[string]any)
		var errs []error
		for k, e := range m {
			errs = append(errs, checkFieldNames(path+"."+k, e, t.Elem()))
		}
		return errors.Join(errs...)
	case reflect.Slice, reflect.Array:
		s, _ := v.([]any)
		var errs []error
		for i, e := range s {
			errs = append(errs, checkFieldNames(fmt.Sprintf("%s[%d]", path, i), e, t.Elem()))
		}
		return errors.Join(errs...)
	}
	return nil
}

// jsonFields maps a struct's JSON field names to their types, with
// embedded and ",inline" structs (TypeMeta) flattened in.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if (name == "" && f.Anonymous || slices.Contains(strings.Split(opts, ","), "inline")) && ft.Kind() == reflect.Struct {
			for k, v := range jsonFields(ft) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}
