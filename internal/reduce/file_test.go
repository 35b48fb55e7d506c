package reduce

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"dataplus/internal/features"
)

func fitted(t *testing.T) *Model {
	t.Helper()
	m, err := Fit(knownData(256, 10), Options{Components: 4, MinVariance: 1e-3, Whiten: true})
	if err != nil {
		t.Fatal(err)
	}
	m.Normalize = true
	return m
}

func textModel(t *testing.T) *features.TextModel {
	t.Helper()
	tm, err := features.FitText([]string{
		"The telescope observed a distant galaxy.",
		"Planets orbit their star under gravity.",
		"Knead the dough and bake the bread in a hot oven.",
		"Whisk eggs with sugar and fold in the flour.",
	}, features.TextFitOptions{LSADim: 2})
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func save(t *testing.T, b *Bundle) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := b.Save(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSaveLoadRoundTrip(t *testing.T) {
	m := fitted(t)
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	header, _, _ := strings.Cut(buf.String(), "\n")
	for _, want := range []string{`"format":"dataplus-reduce"`, `"version":1`, `"created":`, `"id":"` + m.ID() + `"`, `"input_dim":10`, `"explained_variance_ratio":[`} {
		if !strings.Contains(header, want) {
			t.Errorf("header %s lacks %s", header, want)
		}
	}
	got, err := Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID() != m.ID() || len(m.ID()) != 16 {
		t.Errorf("id %q after load, %q before", got.ID(), m.ID())
	}
	if got.Dim() != m.Dim() || got.InputDim() != m.InputDim() || !slices.Equal(got.Kept(), m.Kept()) ||
		!slices.Equal(got.ExplainedVarianceRatio(), m.ExplainedVarianceRatio()) ||
		!slices.Equal(got.ExplainedVariance(), m.ExplainedVariance()) || !got.Whiten() || !got.Normalize {
		t.Errorf("loaded model differs: %+v", got)
	}
	for i, r := range knownData(256, 10)[:20] {
		a, err := m.Project(r)
		if err != nil {
			t.Fatal(err)
		}
		b, err := got.Project(r)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(a, b) {
			t.Fatalf("row %d: projection %v before saving, %v after", i, a, b)
		}
	}
}

func TestBundleRoundTrip(t *testing.T) {
	created := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	b := &Bundle{PCA: fitted(t), Text: textModel(t), Created: created}
	data := save(t, b)
	got, err := LoadBundle(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Created.Equal(created) || got.PCA == nil || got.Text == nil {
		t.Fatalf("loaded bundle: created %v, pca %v, text %v", got.Created, got.PCA != nil, got.Text != nil)
	}
	if got.Text.Docs != b.Text.Docs || got.Text.MinDF != b.Text.MinDF || got.Text.LSADim != b.Text.LSADim ||
		!slices.Equal(got.Text.IDF, b.Text.IDF) || !slices.Equal(got.Text.LSA, b.Text.LSA) {
		t.Error("text model differs after loading")
	}
	for _, s := range []string{"Light from a distant star.", "Bake the bread.", ""} {
		if !slices.Equal(got.Text.Vector(s), b.Text.Vector(s)) {
			t.Errorf("text vector of %q differs after loading", s)
		}
	}
	// The bundle id covers both models and not the creation time; the
	// PCA model keeps its own id.
	id, err := b.ID()
	if err != nil {
		t.Fatal(err)
	}
	b.Created = created.Add(time.Hour)
	if id2, _ := b.ID(); id2 != id || id == b.PCA.ID() {
		t.Errorf("bundle id %s, after changing created %s, pca id %s", id, id2, b.PCA.ID())
	}
	if !bytes.Contains(data, []byte(`"id":"`+id+`"`)) {
		t.Error("the file does not carry the bundle id")
	}
	if got.PCA.ID() != b.PCA.ID() {
		t.Error("pca id changed through the bundle")
	}
	// A text-only bundle has no PCA model for Load.
	textOnly := save(t, &Bundle{Text: b.Text})
	if _, err := Load(bytes.NewReader(textOnly)); err == nil || !strings.Contains(err.Error(), "no PCA model") {
		t.Errorf("Load of a text-only file: %v", err)
	}
	if tb, err := LoadBundle(bytes.NewReader(textOnly)); err != nil || tb.PCA != nil || tb.Text == nil {
		t.Errorf("LoadBundle of a text-only file: %v", err)
	}
	if err := (&Bundle{}).Save(&bytes.Buffer{}); err == nil {
		t.Error("an empty bundle was saved")
	}
}

func TestLoadRefusesBadFiles(t *testing.T) {
	good := save(t, &Bundle{PCA: fitted(t), Text: textModel(t)})
	nl := bytes.IndexByte(good, '\n')
	header, payload := string(good[:nl]), good[nl+1:]
	replace := func(old, new string) []byte {
		if !strings.Contains(header, old) {
			t.Fatalf("header has no %s", old)
		}
		return slices.Concat([]byte(strings.Replace(header, old, new, 1)), []byte{'\n'}, payload)
	}
	flipped := slices.Clone(good)
	flipped[nl+1+100] ^= 0x01
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "no end of line"},
		{"not json", []byte("%PDF-1.7\n"), "not a dataplus-reduce file"},
		{"other format", replace(`"format":"dataplus-reduce"`, `"format":"other"`), `format "other"`},
		{"future version", replace(`"version":1`, `"version":2`), "unsupported version 2"},
		{"unknown field", replace(`"version":1`, `"version":1,"colour":"red"`), "unknown field"},
		{"header changed", replace(`"whiten":true`, `"whiten":false`), "corrupt"},
		{"payload bit flipped", flipped, "corrupt"},
		{"payload list changed", replace(`"lsa_dim":2`, `"lsa_dim":3`), "payload arrays"},
		{"truncated", good[:len(good)-3], "truncated"},
		{"trailing data", append(slices.Clone(good), 0), "data after"},
		{"bad kept", replace(`"kept":[0,`, `"kept":[-1,`), "corrupt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadBundle(bytes.NewReader(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := LoadBundle(bytes.NewReader(good)); err != nil {
		t.Fatalf("the unmodified file: %v", err)
	}

	// Files with a matching id but impossible content, as a buggy writer
	// could make: the values are checked too.
	forged := []struct {
		name   string
		change func(h *fileHeader, payload []byte)
		want   string
	}{
		{"kept out of order", func(h *fileHeader, _ []byte) { h.PCA.Kept[0], h.PCA.Kept[1] = h.PCA.Kept[1], h.PCA.Kept[0] }, "not ascending"},
		{"kept out of range", func(h *fileHeader, _ []byte) { h.PCA.Kept[len(h.PCA.Kept)-1] = h.PCA.InputDim }, "not ascending"},
		{"negative variance", func(h *fileHeader, _ []byte) { h.PCA.ExplainedVariance[1] = -1 }, "variance -1"},
		{"nan in payload", func(_ *fileHeader, p []byte) { copy(p[8:], []byte{0, 0, 0xc0, 0x7f}) }, "not finite"},
		{"other bucket count", func(h *fileHeader, _ []byte) { h.Text.Buckets = 1024 }, "1024 buckets"},
	}
	for _, tt := range forged {
		t.Run(tt.name, func(t *testing.T) {
			var h fileHeader
			if err := json.Unmarshal([]byte(header), &h); err != nil {
				t.Fatal(err)
			}
			p := slices.Clone(payload)
			tt.change(&h, p)
			h.ID = contentID(h, p)
			line, err := json.Marshal(h)
			if err != nil {
				t.Fatal(err)
			}
			_, err = LoadBundle(bytes.NewReader(slices.Concat(line, []byte{'\n'}, p)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
