package infer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"dataplus/internal/assets"
)

// Task says what a model is for.
type Task string

// The tasks dataplus knows.
const (
	TaskDetector   Task = "detector"            // text detector: a probability map plus a backbone feature map
	TaskBackbone   Task = "classifier-backbone" // image classifier whose penultimate vector is the embedding
	TaskRecognizer Task = "recognizer"          // text line recogniser (CTC)
	TaskDirection  Task = "direction-classifier"
)

var tasks = []Task{TaskDetector, TaskBackbone, TaskRecognizer, TaskDirection}

// Pooling says how an embedding tensor becomes one vector per item.
type Pooling string

// The poolings.
const (
	PoolNone    Pooling = "none"     // already one vector per item: [N, D] or [N, D, 1, 1]
	PoolMeanMax Pooling = "mean_max" // a [N, C, H, W] map: spatial mean then max per channel, 2C values
)

// FindLastLinear asks the registry to find the embedding by graph
// structure: the input of the last Gemm or MatMul that produces the
// model's first output (the logits).
const FindLastLinear = "last_linear_input"

// InputSpec describes a model's image input and its preprocessing.
type InputSpec struct {
	Name   string `json:"name,omitempty"` // empty: the model's only input
	Layout string `json:"layout"`         // "NCHW"; the only layout supported

	// Fixed-size models set Height and Width. Dynamic models leave them
	// 0 and set MultipleOf (sides are padded to a multiple of it) and
	// LongSide (the default target for the long side).
	Height     int `json:"height,omitempty"`
	Width      int `json:"width,omitempty"`
	MultipleOf int `json:"multiple_of,omitempty"`
	LongSide   int `json:"long_side,omitempty"`

	// Color is the model's channel order, "RGB" or "BGR". Mean and Std
	// are listed in that order: value = (pixel*Scale - Mean[c]) / Std[c].
	Color string    `json:"color"`
	Scale float32   `json:"scale"`
	Mean  []float32 `json:"mean"`
	Std   []float32 `json:"std"`
}

// Dynamic reports whether the input size follows the image.
func (s InputSpec) Dynamic() bool { return s.Height == 0 && s.Width == 0 }

// String describes the input for `dataplus models`.
func (s InputSpec) String() string {
	if s.Dynamic() {
		return fmt.Sprintf("3×H×W %s, H and W multiples of %d (long side %d)", s.Color, s.MultipleOf, s.LongSide)
	}
	return fmt.Sprintf("3×%d×%d %s", s.Height, s.Width, s.Color)
}

func (s InputSpec) validate() error {
	switch {
	case s.Layout != "NCHW":
		return fmt.Errorf("input layout %q: only NCHW is supported", s.Layout)
	case s.Color != "RGB" && s.Color != "BGR":
		return fmt.Errorf("input color %q: want RGB or BGR", s.Color)
	case s.Scale <= 0:
		return fmt.Errorf("input scale %g: must be positive", s.Scale)
	case len(s.Mean) != 3 || len(s.Std) != 3:
		return fmt.Errorf("input mean and std need 3 values each, have %d and %d", len(s.Mean), len(s.Std))
	case (s.Height > 0) != (s.Width > 0) || s.Height < 0 || s.Width < 0:
		return fmt.Errorf("input size %dx%d: set both or neither", s.Width, s.Height)
	case s.Dynamic() && s.MultipleOf <= 0:
		return fmt.Errorf("dynamic input needs multiple_of")
	}
	for _, sd := range s.Std {
		if sd <= 0 {
			return fmt.Errorf("input std %v: must be positive", s.Std)
		}
	}
	return nil
}

// EmbeddingSpec says which tensor is the model's embedding.
type EmbeddingSpec struct {
	Tensor string  `json:"tensor,omitempty"` // a tensor name, or empty with Find
	Find   string  `json:"find,omitempty"`   // FindLastLinear: find it by graph structure
	Pool   Pooling `json:"pool"`
	Dims   int     `json:"dims"` // after pooling
}

// Model is one registry entry.
type Model struct {
	Name      string        `json:"name"`
	Preset    string        `json:"preset,omitempty"`
	File      string        `json:"file"`             // relative to the assets dir or the manifest's dir
	SHA256    string        `json:"sha256,omitempty"` // checked before loading when set
	Task      Task          `json:"task"`
	Input     InputSpec     `json:"input"`
	Embedding EmbeddingSpec `json:"embedding"`
	// Outputs are the graph outputs callers want besides the embedding
	// (the detector's probability map); empty means all of them.
	Outputs []string `json:"outputs,omitempty"`
	License string   `json:"license"`
	About   string   `json:"about,omitempty"`

	// Path is File resolved; Bundled marks the models dataplus ships.
	Path    string `json:"-"`
	Bundled bool   `json:"-"`
}

func (m Model) validate() error {
	if m.Name == "" {
		return fmt.Errorf("model without a name")
	}
	if m.File == "" {
		return fmt.Errorf("model %s: no file", m.Name)
	}
	if !slices.Contains(tasks, m.Task) {
		return fmt.Errorf("model %s: task %q: want one of %v", m.Name, m.Task, tasks)
	}
	if err := m.Input.validate(); err != nil {
		return fmt.Errorf("model %s: %w", m.Name, err)
	}
	e := m.Embedding
	if e.Tensor != "" || e.Find != "" {
		if e.Find != "" && e.Find != FindLastLinear {
			return fmt.Errorf("model %s: embedding find %q: want %q", m.Name, e.Find, FindLastLinear)
		}
		if e.Pool != PoolNone && e.Pool != PoolMeanMax {
			return fmt.Errorf("model %s: embedding pool %q: want %q or %q", m.Name, e.Pool, PoolNone, PoolMeanMax)
		}
	}
	if m.SHA256 != "" && len(m.SHA256) != 64 {
		return fmt.Errorf("model %s: sha256 %q is not 64 hex digits", m.Name, m.SHA256)
	}
	return nil
}

// ImageNet normalisation, as torchvision's transforms and PaddleOCR's
// NormalizeImage use it.
var (
	imagenetMean = []float32{0.485, 0.456, 0.406}
	imagenetStd  = []float32{0.229, 0.224, 0.225}
)

// DetectorName is the bundled text detector's registry name.
const DetectorName = "ppocrv4_det"

// Tensor names in the bundled detector (fixed by its SHA-256).
const (
	// DetectorMap is the text probability map, [N, 1, H, W].
	DetectorMap = "sigmoid_0.tmp_0"
	// detectorBackbone is the last backbone stage (stride 32) before the
	// RSE-FPN neck: the input of the neck's lateral 1×1 conv
	// conv2d_134 on the deepest level.
	detectorBackbone = "p2o.Add.215"
)

// detector is the bundled PaddleOCR PP-OCRv4 text detector.
// Preprocessing follows PaddleOCR's det config (DetResizeForTest,
// NormalizeImage): images read by OpenCV in BGR order, scale 1/255, the
// ImageNet mean and std applied in that order, sides multiples of 32.
func detector(dir string) Model {
	a, _ := assets.Bundled.Lookup(assets.OCRDetector)
	return Model{
		Name: DetectorName, File: a.Name, SHA256: a.SHA256, Task: TaskDetector,
		Input: InputSpec{
			Name: "x", Layout: "NCHW", MultipleOf: 32, LongSide: 960,
			Color: "BGR", Scale: 1.0 / 255, Mean: imagenetMean, Std: imagenetStd,
		},
		Embedding: EmbeddingSpec{Tensor: detectorBackbone, Pool: PoolMeanMax, Dims: 2 * 384},
		Outputs:   []string{DetectorMap},
		License:   a.License,
		About:     a.About,
		Path:      filepath.Join(dir, a.Name),
		Bundled:   true,
	}
}

// presets are the ImageNet models users bring as ONNX files (DESIGN.md
// decision 6); a manifest entry names one and gives its file.
var presets = map[string]Model{
	"resnet50": {
		Task:      TaskBackbone,
		Input:     InputSpec{Layout: "NCHW", Height: 224, Width: 224, Color: "RGB", Scale: 1.0 / 255, Mean: imagenetMean, Std: imagenetStd},
		Embedding: EmbeddingSpec{Find: FindLastLinear, Pool: PoolNone, Dims: 2048},
		About:     "torchvision ResNet-50; embedding: the flattened average pool feeding fc",
	},
	"efficientnet_b0": {
		Task:      TaskBackbone,
		Input:     InputSpec{Layout: "NCHW", Height: 224, Width: 224, Color: "RGB", Scale: 1.0 / 255, Mean: imagenetMean, Std: imagenetStd},
		Embedding: EmbeddingSpec{Find: FindLastLinear, Pool: PoolNone, Dims: 1280},
		About:     "torchvision EfficientNet-B0; embedding: the pooled features feeding the classifier",
	},
	"vit_b16": {
		Task:      TaskBackbone,
		Input:     InputSpec{Layout: "NCHW", Height: 224, Width: 224, Color: "RGB", Scale: 1.0 / 255, Mean: imagenetMean, Std: imagenetStd},
		Embedding: EmbeddingSpec{Find: FindLastLinear, Pool: PoolNone, Dims: 768},
		About:     "torchvision ViT-B/16; embedding: the class token feeding the head",
	},
}

// Presets lists the preset names.
func Presets() []string {
	var names []string
	for n := range presets {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// manifestFile is the models.json format.
type manifestFile struct {
	Models []Model `json:"models"`
}

// ManifestName is the user manifest read from the assets dir.
const ManifestName = "models.json"

// Registry is the set of models dataplus can load: the bundled ones and
// those of a user manifest.
type Registry struct {
	Dir      string // assets dir
	Manifest string // the user manifest read, "" when none
	models   []Model
}

// NewRegistry returns the bundled models plus those of a user manifest:
// manifest when not empty (it must exist), else models.json in dir when
// there is one. File paths in a manifest are relative to its directory.
func NewRegistry(dir, manifest string) (*Registry, error) {
	r := &Registry{Dir: dir, models: []Model{detector(dir)}}
	path := manifest
	if path == "" {
		p := filepath.Join(dir, ManifestName)
		if _, err := os.Stat(p); err == nil {
			path = p
		}
	}
	if path == "" {
		return r, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read model manifest: %w", err)
	}
	models, err := parseManifest(data, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("model manifest %s: %w", path, err)
	}
	for _, m := range models {
		if _, ok := r.find(m.Name); ok {
			return nil, fmt.Errorf("model manifest %s: model %s defined twice", path, m.Name)
		}
		r.models = append(r.models, m)
	}
	r.Manifest = path
	return r, nil
}

// parseManifest decodes models.json strictly, applies presets and
// resolves file paths against base.
func parseManifest(data []byte, base string) ([]Model, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var mf manifestFile
	if err := dec.Decode(&mf); err != nil {
		return nil, err
	}
	var out []Model
	for i, m := range mf.Models {
		if m.Preset != "" {
			p, ok := presets[m.Preset]
			if !ok {
				return nil, fmt.Errorf("model %d (%s): unknown preset %q (have %s)", i, m.Name, m.Preset, strings.Join(Presets(), ", "))
			}
			m = withPreset(m, p)
		}
		if err := m.validate(); err != nil {
			return nil, err
		}
		m.Path = m.File
		if !filepath.IsAbs(m.Path) {
			m.Path = filepath.Join(base, m.Path)
		}
		out = append(out, m)
	}
	return out, nil
}

// withPreset fills the fields m leaves empty from the preset p.
func withPreset(m, p Model) Model {
	if m.Task == "" {
		m.Task = p.Task
	}
	in := &m.Input
	if in.Layout == "" {
		in.Layout = p.Input.Layout
	}
	if in.Height == 0 && in.Width == 0 && in.MultipleOf == 0 {
		in.Height, in.Width = p.Input.Height, p.Input.Width
		in.MultipleOf, in.LongSide = p.Input.MultipleOf, p.Input.LongSide
	}
	if in.Color == "" {
		in.Color = p.Input.Color
	}
	if in.Scale == 0 {
		in.Scale = p.Input.Scale
	}
	if in.Mean == nil {
		in.Mean = p.Input.Mean
	}
	if in.Std == nil {
		in.Std = p.Input.Std
	}
	if m.Embedding.Tensor == "" && m.Embedding.Find == "" {
		m.Embedding.Find = p.Embedding.Find
	}
	if m.Embedding.Pool == "" {
		m.Embedding.Pool = p.Embedding.Pool
	}
	if m.Embedding.Dims == 0 {
		m.Embedding.Dims = p.Embedding.Dims
	}
	if m.About == "" {
		m.About = p.About
	}
	return m
}

// Models returns every model, bundled first, in manifest order.
func (r *Registry) Models() []Model { return slices.Clone(r.models) }

// Model returns the named model.
func (r *Registry) Model(name string) (Model, error) {
	if m, ok := r.find(name); ok {
		return m, nil
	}
	var names []string
	for _, m := range r.models {
		names = append(names, m.Name)
	}
	return Model{}, fmt.Errorf("unknown model %q (have %s)", name, strings.Join(names, ", "))
}

func (r *Registry) find(name string) (Model, bool) {
	for _, m := range r.models {
		if m.Name == name {
			return m, true
		}
	}
	return Model{}, false
}

// Installed states for Listing.
const (
	InstalledYes      = "yes"
	InstalledNo       = "no"
	InstalledMismatch = "hash mismatch"
)

// Listing is one row of `dataplus models`.
type Listing struct {
	Name          string `json:"name"`
	Task          Task   `json:"task"`
	File          string `json:"file"`
	Installed     string `json:"installed"` // yes, no or "hash mismatch"
	Input         string `json:"input"`
	EmbeddingDims int    `json:"embedding_dims"`
	License       string `json:"license"`
}

// List reports every model with whether its file is installed. Hashes
// are checked where the registry has one (cached by size and mtime).
func (r *Registry) List() ([]Listing, error) {
	var out []Listing
	for _, m := range r.models {
		st, err := installed(m)
		if err != nil {
			return nil, fmt.Errorf("list models: %w", err)
		}
		out = append(out, Listing{
			Name: m.Name, Task: m.Task, File: m.Path, Installed: st,
			Input: m.Input.String(), EmbeddingDims: m.Embedding.Dims, License: m.License,
		})
	}
	return out, nil
}

func installed(m Model) (string, error) {
	if m.SHA256 == "" {
		if _, err := os.Stat(m.Path); err != nil {
			return InstalledNo, nil
		}
		return InstalledYes, nil
	}
	sum, err := assets.FileSHA256(m.Path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return InstalledNo, nil
	case err != nil:
		return "", err
	case sum != m.SHA256:
		return InstalledMismatch, nil
	}
	return InstalledYes, nil
}

// PresetListings describes the presets for `dataplus models`: what a
// user-supplied file named with each preset gets.
func PresetListings() []Listing {
	var out []Listing
	for _, name := range Presets() {
		p := presets[name]
		out = append(out, Listing{Name: name, Task: p.Task, Input: p.Input.String(), EmbeddingDims: p.Embedding.Dims})
	}
	return out
}
