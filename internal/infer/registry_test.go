package infer

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dataplus/internal/assets"
	"dataplus/internal/onnx"
)

func TestRegistryBuiltin(t *testing.T) {
	dir := t.TempDir()
	r, err := NewRegistry(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	m, err := r.Model(DetectorName)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Bundled || m.Path != filepath.Join(dir, assets.OCRDetector) || !m.Input.Dynamic() || m.Input.Color != "BGR" {
		t.Errorf("detector entry %+v", m)
	}
	if _, err := r.Model("nope"); err == nil || !strings.Contains(err.Error(), DetectorName) {
		t.Errorf("unknown model error %v should list the known ones", err)
	}
	list, err := r.List()
	if err != nil || len(list) != 1 || list[0].Installed != InstalledNo {
		t.Fatalf("List = %+v, %v", list, err)
	}
	os.WriteFile(m.Path, []byte("not the detector"), 0o644)
	if list, _ = r.List(); list[0].Installed != InstalledMismatch {
		t.Errorf("damaged detector listed as %q", list[0].Installed)
	}
}

func TestRegistryManifest(t *testing.T) {
	tests := []struct {
		name, manifest, wantErr string
	}{
		{name: "presets", manifest: `{"models":[
			{"name":"rn","preset":"resnet50","file":"rn.onnx","license":"BSD-3-Clause"},
			{"name":"vit","preset":"vit_b16","file":"/abs/vit.onnx","embedding":{"dims":16},"input":{"color":"BGR"}}]}`},
		{name: "explicit", manifest: `{"models":[{"name":"mine","file":"m.onnx","task":"classifier-backbone",
			"input":{"layout":"NCHW","height":128,"width":96,"color":"RGB","scale":1,"mean":[0,0,0],"std":[1,1,1]},
			"embedding":{"tensor":"feat","pool":"mean_max","dims":64}}]}`},
		{name: "unknown preset", manifest: `{"models":[{"name":"x","preset":"alexnet","file":"x.onnx"}]}`, wantErr: "unknown preset"},
		{name: "unknown field", manifest: `{"models":[{"name":"x","preset":"resnet50","file":"x.onnx","colour":"RGB"}]}`, wantErr: "unknown field"},
		{name: "bad task", manifest: `{"models":[{"name":"x","preset":"resnet50","task":"magic","file":"x.onnx"}]}`, wantErr: "task"},
		{name: "bad pool", manifest: `{"models":[{"name":"x","preset":"resnet50","file":"x.onnx","embedding":{"pool":"sum"}}]}`, wantErr: "pool"},
		{name: "duplicate", manifest: `{"models":[{"name":"` + DetectorName + `","preset":"resnet50","file":"x.onnx"}]}`, wantErr: "twice"},
		{name: "no file", manifest: `{"models":[{"name":"x","preset":"resnet50"}]}`, wantErr: "no file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, ManifestName), []byte(tt.manifest), 0o644)
			r, err := NewRegistry(dir, "")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NewRegistry = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Models()) < 2 {
				t.Fatalf("models %v", r.Models())
			}
		})
	}

	t.Run("preset fields", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "my.json"), []byte(tests[0].manifest), 0o644)
		r, err := NewRegistry(t.TempDir(), filepath.Join(dir, "my.json"))
		if err != nil {
			t.Fatal(err)
		}
		rn, _ := r.Model("rn")
		if rn.Path != filepath.Join(dir, "rn.onnx") || rn.Task != TaskBackbone || rn.Input.Height != 224 ||
			rn.Embedding.Dims != 2048 || rn.Embedding.Find != FindLastLinear || rn.License != "BSD-3-Clause" {
			t.Errorf("resnet50 preset entry %+v", rn)
		}
		vit, _ := r.Model("vit")
		if vit.Path != "/abs/vit.onnx" || vit.Embedding.Dims != 16 || vit.Input.Color != "BGR" || vit.Input.Scale != 1.0/255 {
			t.Errorf("vit entry with overrides %+v", vit)
		}
		list, err := r.List()
		if err != nil || len(list) != 3 || list[1].Installed != InstalledNo || list[1].Input != "3×224×224 RGB" {
			t.Errorf("List = %+v, %v", list, err)
		}
	})

	t.Run("missing manifest", func(t *testing.T) {
		if _, err := NewRegistry(t.TempDir(), "/nonexistent/models.json"); err == nil {
			t.Error("a named manifest that does not exist is an error")
		}
	})
}

func TestFindEmbedding(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name  string
		model *onnx.Model
		want  string
	}{
		{"resnet-like Gemm", cnnModel(rng, 64, 8, 10, false), "features"},
		{"vit-like MatMul+Add", vitModel(rng, 32, 8, 10), "class_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FindEmbedding(&tt.model.Graph)
			if err != nil || got != tt.want {
				t.Errorf("FindEmbedding = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	t.Run("no linear head", func(t *testing.T) {
		m := cnnModel(rng, 64, 8, 10, false)
		m.Graph.Outputs = []onnx.ValueInfo{{Name: "pooled", ElemType: onnx.Float}}
		if _, err := FindEmbedding(&m.Graph); err == nil || !strings.Contains(err.Error(), "GlobalAveragePool") {
			t.Errorf("FindEmbedding on a pooled output = %v", err)
		}
	})
}

// TestPresets loads models with torchvision's head structure and random
// weights through the presets and checks that the embedding found is the
// right tensor with the preset's dims.
func TestPresets(t *testing.T) {
	b, _ := testBackend(t)
	rng := rand.New(rand.NewPCG(3, 4))
	dir := t.TempDir()
	writeModel(t, dir, "resnet50.onnx", cnnModel(rng, 224, 2048, 10, false))
	writeModel(t, dir, "effnet.onnx", cnnModel(rng, 224, 1280, 10, true))
	writeModel(t, dir, "vit.onnx", vitModel(rng, 224, 768, 10))
	manifest := `{"models":[
		{"name":"resnet50","preset":"resnet50","file":"resnet50.onnx","license":"random weights"},
		{"name":"effnet","preset":"efficientnet_b0","file":"effnet.onnx","license":"random weights"},
		{"name":"vit","preset":"vit_b16","file":"vit.onnx","license":"random weights"}]}`
	os.WriteFile(filepath.Join(dir, ManifestName), []byte(manifest), 0o644)
	r, err := NewRegistry(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		model, tensor string
		dims          int
	}{
		{"resnet50", "features", 2048},
		{"effnet", "features", 1280},
		{"vit", "class_token", 768},
	}
	img, _ := textPage(300, 400)
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			m, err := r.Model(tt.model)
			if err != nil {
				t.Fatal(err)
			}
			l, err := Load(context.Background(), b, m)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if l.Embedding != tt.tensor {
				t.Errorf("embedding tensor %q, want %q", l.Embedding, tt.tensor)
			}
			x, _, err := Preprocess(m.Input, img, 0)
			if err != nil {
				t.Fatal(err)
			}
			batch, _ := Stack([]Tensor{x, x})
			out, err := l.Session.Run(context.Background(), map[string]Tensor{l.Input: batch})
			if err != nil {
				t.Fatal(err)
			}
			if got := out["logits"].Shape; got[0] != 2 || got[1] != 10 {
				t.Errorf("logits %v", got)
			}
			emb, err := Pool(out[l.Embedding], m.Embedding.Pool)
			if err != nil {
				t.Fatal(err)
			}
			if emb.Shape[0] != 2 || int(emb.Shape[1]) != tt.dims || tt.dims != m.Embedding.Dims {
				t.Errorf("embedding %v, want [2 %d]", emb.Shape, tt.dims)
			}
		})
	}
}
