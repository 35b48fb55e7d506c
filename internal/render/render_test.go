package render

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"dataplus/internal/pdf"
	"dataplus/internal/record"
	"dataplus/internal/testpdf"
)

// corpusDir is the shared public corpus ("" when there is none: tests
// that need it skip).
var corpusDir, _ = testpdf.CorpusDir()

// newPool starts a pool for a test with small defaults and closes it at
// the end. The compilation cache is the default one, so only the first
// test run of a machine pays for compiling PDFium.
func newPool(t testing.TB, edit func(*Options)) *Pool {
	t.Helper()
	opts := DefaultOptions()
	opts.Instances = 1
	opts.CallTimeout = 60 * time.Second
	if edit != nil {
		edit(&opts)
	}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	p, err := New(context.Background(), opts, log)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return p
}

// fixture returns the named testpdf fixture.
func fixture(t testing.TB, name string) testpdf.Fixture {
	t.Helper()
	for _, f := range testpdf.All() {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no fixture %q", name)
	return testpdf.Fixture{}
}

// corpusFile reads a file of the shared corpus or skips.
func corpusFile(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(corpusDir, rel))
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("corpus file %s not present", rel)
	}
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestRenderSizes(t *testing.T) {
	p := newPool(t, nil)
	rotated := fixture(t, "rotated")
	huge := fixture(t, "page_size_max")
	cases := []struct {
		name  string
		data  []byte
		page  int
		size  Size
		w, h  int
		wantW float64 // displayed size from the fixture's Want
	}{
		// Page 1: CropBox 540x720, /Rotate 90 -> displayed 720x540.
		{"rotated90 long side", rotated.Data, 0, Size{LongSide: 224}, 224, 168, 720},
		{"rotated90 150 dpi", rotated.Data, 0, Size{DPI: 150}, 1500, 1125, 720},
		// Page 2: CropBox clipped to 300x400, /Rotate 270 -> 400x300.
		{"rotated270 clipped crop long side", rotated.Data, 1, Size{LongSide: 224}, 224, 168, 400},
		{"rotated270 clipped crop 150 dpi", rotated.Data, 1, Size{DPI: 150}, 833, 625, 400},
		{"rotated270 72 dpi", rotated.Data, 1, Size{DPI: 72}, 400, 300, 400},
		// 200-inch square page.
		{"200 inch long side", huge.Data, 0, Size{LongSide: 224}, 224, 224, 14400},
		{"200 inch 10 dpi", huge.Data, 0, Size{DPI: 10}, 2000, 2000, 14400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := p.Document(t.Context(), c.data, "", func(d *Doc) error {
				img, err := d.Render(t.Context(), c.page, c.size)
				if err != nil {
					return err
				}
				if img.Width != c.w || img.Height != c.h {
					t.Errorf("size %dx%d, want %dx%d", img.Width, img.Height, c.w, c.h)
				}
				if len(img.Pix) != img.Width*img.Height*3 {
					t.Errorf("len(Pix) %d, want %d", len(img.Pix), img.Width*img.Height*3)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestInfo(t *testing.T) {
	p := newPool(t, nil)
	t.Run("rotated geometry", func(t *testing.T) {
		f := fixture(t, "rotated")
		err := p.Document(t.Context(), f.Data, "", func(d *Doc) error {
			info, err := d.Info(t.Context())
			if err != nil {
				return err
			}
			if info.Pages != f.Want.Pages || len(info.PageInfo) != f.Want.Pages {
				t.Fatalf("pages %d (%d infos), want %d", info.Pages, len(info.PageInfo), f.Want.Pages)
			}
			if info.Version != f.Want.Version {
				t.Errorf("version %q, want %q", info.Version, f.Want.Version)
			}
			for i, g := range f.Want.Geometry {
				got := info.PageInfo[i]
				// Both pages inherit /MediaBox, which PDFium cannot read.
				if got.MediaBox != ([4]float64{}) {
					t.Errorf("page %d: MediaBox %v, want unknown (inherited)", i, got.MediaBox)
				}
				if got.CropBox != g.CropBox || got.Rotate != g.Rotate ||
					math.Abs(got.Width-g.WidthPt) > 0.01 || math.Abs(got.Height-g.HeightPt) > 0.01 {
					t.Errorf("page %d: got %+v, want %+v", i, got, g)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("own media box", func(t *testing.T) {
		f := fixture(t, "page_size_max")
		err := p.Document(t.Context(), f.Data, "", func(d *Doc) error {
			info, err := d.Info(t.Context())
			if err != nil {
				return err
			}
			if g := f.Want.Geometry[0]; info.PageInfo[0].MediaBox != g.MediaBox || info.PageInfo[0].CropBox != g.CropBox {
				t.Errorf("got %+v, want %+v", info.PageInfo[0], g)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("text metadata", func(t *testing.T) {
		f := fixture(t, "text")
		err := p.Document(t.Context(), f.Data, "", func(d *Doc) error {
			info, err := d.Info(t.Context())
			if err != nil {
				return err
			}
			want := map[string]string{"Title": f.Want.Title, "Author": f.Want.Author,
				"Creator": f.Want.Creator, "Producer": f.Want.Producer}
			for k, v := range want {
				if info.Meta[k] != v {
					t.Errorf("%s %q, want %q", k, info.Meta[k], v)
				}
			}
			if !strings.HasPrefix(info.Meta["CreationDate"], "D:") {
				t.Errorf("CreationDate %q, want a PDF date", info.Meta["CreationDate"])
			}
			if info.Encrypted || info.Permissions != 0xFFFFFFFF {
				t.Errorf("encrypted %v permissions %#x, want false 0xffffffff", info.Encrypted, info.Permissions)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("encrypted permissions", func(t *testing.T) {
		f := fixture(t, "rc4_128_userpw")
		err := p.Document(t.Context(), f.Data, f.Want.Password, func(d *Doc) error {
			info, err := d.Info(t.Context())
			if err != nil {
				return err
			}
			if !info.Encrypted || info.SecurityRevision != 3 {
				t.Errorf("encrypted %v revision %d, want true 3", info.Encrypted, info.SecurityRevision)
			}
			if int32(info.Permissions) != f.Want.P {
				t.Errorf("permissions %d, want %d", int32(info.Permissions), f.Want.P)
			}
			if info.Meta["Title"] != "Encrypted with RC4-128" {
				t.Errorf("title %q", info.Meta["Title"])
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// inkIn counts the non-white pixels of img inside [x0,x1)x[y0,y1).
func inkIn(img Image, x0, y0, x1, y1 int) int {
	n := 0
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			i := (y*img.Width + x) * 3
			if img.Pix[i] < 200 || img.Pix[i+1] < 200 || img.Pix[i+2] < 200 {
				n++
			}
		}
	}
	return n
}

func TestRenderInk(t *testing.T) {
	p := newPool(t, nil)
	f := fixture(t, "text")
	// At 72 dpi one pixel is one point. The heading is at x=72, baseline
	// y=720 (row 72 from the top); the body ends above y=280 (row 512).
	err := p.Document(t.Context(), f.Data, "", func(d *Doc) error {
		img, err := d.Render(t.Context(), 0, Size{DPI: 72})
		if err != nil {
			return err
		}
		if img.Width != 612 || img.Height != 792 {
			t.Fatalf("size %dx%d, want 612x792", img.Width, img.Height)
		}
		if n := inkIn(img, 72, 55, 300, 76); n < 100 {
			t.Errorf("heading area has %d inked pixels, want text", n)
		}
		if n := inkIn(img, 0, 560, 612, 792); n != 0 {
			t.Errorf("bottom area has %d inked pixels, want white", n)
		}
		if n := inkIn(img, 0, 0, 612, 40); n != 0 {
			t.Errorf("top margin has %d inked pixels, want white", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	blank := fixture(t, "blank")
	err = p.Document(t.Context(), blank.Data, "", func(d *Doc) error {
		for _, page := range []int{1, 2} { // empty content stream, no /Contents
			img, err := d.Render(t.Context(), page, Size{LongSide: 224})
			if err != nil {
				return err
			}
			if n := inkIn(img, 0, 0, img.Width, img.Height); n != 0 {
				t.Errorf("blank page %d has %d inked pixels", page, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// colourPDF is one Letter page: red left half, blue right half.
func colourPDF() []byte {
	d := testpdf.NewDoc("1.4", "colour")
	d.Root = d.Alloc()
	pages := d.Alloc()
	c := d.Add(testpdf.FlateStream(nil, []byte("1 0 0 rg 0 0 306 792 re f 0 0 1 rg 306 0 306 792 re f")))
	pg := d.Add(testpdf.Dict{"Type": testpdf.Name("Page"), "Parent": pages,
		"MediaBox": testpdf.Rect(0, 0, 612, 792), "Contents": c})
	d.Set(pages, testpdf.Dict{"Type": testpdf.Name("Pages"), "Kids": testpdf.Array{pg}, "Count": 1})
	d.Set(d.Root, testpdf.Dict{"Type": testpdf.Name("Catalog"), "Pages": pages})
	return d.Save(testpdf.SaveOptions{})
}

func TestRenderRGBOrder(t *testing.T) {
	p := newPool(t, nil)
	err := p.Document(t.Context(), colourPDF(), "", func(d *Doc) error {
		img, err := d.Render(t.Context(), 0, Size{LongSide: 100})
		if err != nil {
			return err
		}
		px := func(x, y int) [3]byte {
			i := (y*img.Width + x) * 3
			return [3]byte{img.Pix[i], img.Pix[i+1], img.Pix[i+2]}
		}
		if got := px(5, 50); got != [3]byte{255, 0, 0} {
			t.Errorf("left pixel %v, want red", got)
		}
		if got := px(img.Width-5, 50); got != [3]byte{0, 0, 255} {
			t.Errorf("right pixel %v, want blue", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestText(t *testing.T) {
	p := newPool(t, nil)
	f := fixture(t, "text")
	err := p.Document(t.Context(), f.Data, "", func(d *Doc) error {
		if d.Pages() != 3 {
			t.Errorf("pages %d, want 3", d.Pages())
		}
		for i := range d.Pages() {
			text, err := d.Text(t.Context(), i)
			if err != nil {
				return err
			}
			want := "Quarterly report – page " + strconv.Itoa(i+1) + " – café €"
			if !strings.Contains(text, want) {
				t.Errorf("page %d text does not contain %q; starts %q", i, want, text[:min(len(text), 80)])
			}
		}
		_, err := d.Text(t.Context(), 3)
		if err == nil {
			t.Error("text of page 3 of 3: no error")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestErrors(t *testing.T) {
	p := newPool(t, nil)
	cases := []struct {
		name     string
		data     []byte
		password string
		kind     record.Kind
		sentinel error
	}{
		{"empty", fixture(t, "empty_file").Data, "", record.KindInvalidPDF, pdf.ErrInvalid},
		{"png", fixture(t, "png_file").Data, "", record.KindInvalidPDF, pdf.ErrInvalid},
		{"text", fixture(t, "text_file").Data, "", record.KindInvalidPDF, pdf.ErrInvalid},
		{"garbage", []byte("%PDF-1.7\n\x00\x01garbage garbage\n%%EOF"), "", record.KindInvalidPDF, pdf.ErrInvalid},
		{"rc4 no password", fixture(t, "rc4_128_userpw").Data, "", record.KindEncrypted, pdf.ErrEncrypted},
		{"aes256 wrong password", fixture(t, "aes_256_userpw").Data, "nope", record.KindEncrypted, pdf.ErrEncrypted},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			called := false
			err := p.Document(t.Context(), c.data, c.password, func(*Doc) error { called = true; return nil })
			if called {
				t.Error("fn called for a document that should not open")
			}
			if !errors.Is(err, c.sentinel) || record.KindOf(err) != c.kind {
				t.Errorf("err %v (kind %s), want %v (kind %s)", err, record.KindOf(err), c.sentinel, c.kind)
			}
		})
	}
	// The pool still works after all of that.
	if err := p.Document(t.Context(), fixture(t, "text").Data, "", func(*Doc) error { return nil }); err != nil {
		t.Fatalf("after errors: %v", err)
	}
}

func TestEncryptedWithPassword(t *testing.T) {
	p := newPool(t, nil)
	for _, name := range []string{"rc4_128_userpw", "aes_256_userpw", "aes_128"} {
		t.Run(name, func(t *testing.T) {
			f := fixture(t, name)
			err := p.Document(t.Context(), f.Data, f.Want.Password, func(d *Doc) error {
				text, err := d.Text(t.Context(), 0)
				if err != nil {
					return err
				}
				if want := "Encrypted with " + f.Want.Method + ", page 1"; !strings.Contains(text, want) {
					t.Errorf("text %q does not contain %q", text[:min(80, len(text))], want)
				}
				_, err = d.Render(t.Context(), 0, Size{LongSide: 224})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("corpus pdfium-encrypted", func(t *testing.T) {
		data := corpusFile(t, "good/pdfium-encrypted.pdf")
		err := p.Document(t.Context(), data, "", func(*Doc) error { return nil })
		if record.KindOf(err) != record.KindEncrypted {
			t.Errorf("no password: %v, want encrypted", err)
		}
		err = p.Document(t.Context(), data, "1234", func(d *Doc) error {
			_, err := d.Render(t.Context(), 0, Size{LongSide: 224})
			return err
		})
		if err != nil {
			t.Errorf("password 1234: %v", err)
		}
	})
}

// procStatus reads a kB field of /proc/self/status, in bytes (0 if absent).
func procStatus(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return n << 10
		}
	}
	return 0
}

func TestMaxPixels(t *testing.T) {
	p := newPool(t, func(o *Options) { o.MaxPixels = 50_000_000 })
	huge := fixture(t, "page_size_max")
	absurd := fixture(t, "page_size_1e9")
	before := procStatus("VmHWM")
	for _, c := range []struct {
		name string
		data []byte
		size Size
	}{
		{"200 inch at 150 dpi", huge.Data, Size{DPI: 150}}, // 30000x30000 px
		{"1e9 pt at 1 dpi", absurd.Data, Size{DPI: 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := p.Document(t.Context(), c.data, "", func(d *Doc) error {
				_, err := d.Render(t.Context(), 0, c.size)
				if !errors.Is(err, pdf.ErrLimit) || record.KindOf(err) != record.KindTooLarge {
					t.Errorf("err %v (kind %s), want too_large", err, record.KindOf(err))
				}
				// The document stays usable.
				img, err := d.Render(t.Context(), 0, Size{LongSide: 224})
				if err != nil || img.Width != 224 || img.Height != 224 {
					t.Errorf("thumbnail after refusal: %dx%d, %v", img.Width, img.Height, err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
	if grew := procStatus("VmHWM") - before; before > 0 && grew > 300<<20 {
		t.Errorf("peak RSS grew by %d MiB", grew>>20)
	}
}

// TestBitmapRefused lifts MaxPixels: a 60000x60000 BGRx bitmap does not fit
// PDFium's 32-bit sizes, so PDFium refuses it without allocating.
func TestBitmapRefused(t *testing.T) {
	p := newPool(t, func(o *Options) { o.MaxPixels = math.MaxInt })
	before := procStatus("VmHWM")
	err := p.Document(t.Context(), fixture(t, "page_size_max").Data, "", func(d *Doc) error {
		_, err := d.Render(t.Context(), 0, Size{DPI: 300})
		return err
	})
	if !errors.Is(err, pdf.ErrLimit) {
		t.Errorf("err %v, want pdf.ErrLimit", err)
	}
	if grew := procStatus("VmHWM") - before; before > 0 && grew > 300<<20 {
		t.Errorf("peak RSS grew by %d MiB", grew>>20)
	}
}

func TestRecycleByDocs(t *testing.T) {
	p := newPool(t, func(o *Options) { o.MaxDocsPerInstance = 2 })
	data := fixture(t, "text").Data
	for i := range 5 {
		err := p.Document(t.Context(), data, "", func(d *Doc) error {
			_, err := d.Render(t.Context(), 0, Size{LongSide: 64})
			return err
		})
		if err != nil {
			t.Fatalf("doc %d: %v", i, err)
		}
	}
	s := p.Stats()
	if s.Recycled != 2 || s.Started != 3 || s.InstancesLive != 1 || s.Docs != 5 || s.Renders != 5 {
		t.Errorf("stats %+v, want 2 recycled, 3 started, 1 live, 5 docs, 5 renders", s)
	}
}

func TestRecycleByMemory(t *testing.T) {
	p := newPool(t, func(o *Options) { o.MaxInstanceMemory = 16 << 20 })
	for range 2 {
		if err := p.Document(t.Context(), fixture(t, "text").Data, "", func(*Doc) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	s := p.Stats()
	if s.MaxMemory <= 16<<20 {
		t.Skipf("wasm memory %d bytes is under 16 MiB; nothing to recycle", s.MaxMemory)
	}
	if s.Recycled != 2 {
		t.Errorf("stats %+v, want 2 recycled (memory %s over 16 MiB)", s, formatBytes(s.MaxMemory))
	}
}

func TestCancel(t *testing.T) {
	p := newPool(t, nil)
	data := fixture(t, "text").Data
	t.Run("canceled before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		err := p.Document(ctx, data, "", func(*Doc) error { return nil })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err %v, want context.Canceled", err)
		}
	})
	t.Run("waiting for an instance", func(t *testing.T) {
		hold := make(chan struct{})
		held := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			_ = p.Document(t.Context(), data, "", func(*Doc) error {
				close(held)
				<-hold
				return nil
			})
		})
		<-held
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		err := p.Document(ctx, data, "", func(*Doc) error { return nil })
		close(hold)
		wg.Wait()
		if !errors.Is(err, context.DeadlineExceeded) || record.KindOf(err) != record.KindTimeout {
			t.Errorf("err %v, want a deadline error", err)
		}
	})
	t.Run("canceled inside", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		err := p.Document(ctx, data, "", func(d *Doc) error {
			cancel()
			_, err := d.Text(ctx, 0)
			return err
		})
		if !errors.Is(err, context.Canceled) || record.KindOf(err) != record.KindCanceled {
			t.Errorf("err %v, want context.Canceled", err)
		}
	})
}

func TestClose(t *testing.T) {
	p := newPool(t, nil)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	err := p.Document(t.Context(), fixture(t, "text").Data, "", func(*Doc) error { return nil })
	if !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v, want ErrClosed", err)
	}
	if s := p.Stats(); s.InstancesLive != 0 {
		t.Errorf("live instances after Close: %d", s.InstancesLive)
	}
}

func TestOptionsValidate(t *testing.T) {
	if err := DefaultOptions().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	for name, edit := range map[string]func(*Options){
		"instances":  func(o *Options) { o.Instances = 0 },
		"max docs":   func(o *Options) { o.MaxDocsPerInstance = 0 },
		"memory":     func(o *Options) { o.MaxInstanceMemory = 1 },
		"timeout":    func(o *Options) { o.CallTimeout = 0 },
		"max pixels": func(o *Options) { o.MaxPixels = 0 },
	} {
		o := DefaultOptions()
		edit(&o)
		if o.Validate() == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestSizePixels(t *testing.T) {
	for _, c := range []struct {
		size       Size
		w, h       float64
		wantW, wan int
		err        error
	}{
		{Size{LongSide: 224}, 612, 792, 173, 224, nil},
		{Size{LongSide: 224}, 792, 612, 224, 173, nil},
		{Size{DPI: 150}, 612, 792, 1275, 1650, nil},
		{Size{DPI: 150}, 1e9, 1e-9, 0, 0, pdf.ErrLimit},
		{Size{DPI: 150}, 0, 792, 0, 0, pdf.ErrInvalid},
		{Size{DPI: 150}, math.Inf(1), 792, 0, 0, pdf.ErrInvalid},
	} {
		w, h, err := c.size.pixels(c.w, c.h, 50_000_000)
		if !errors.Is(err, c.err) || (c.err == nil && err != nil) || w != c.wantW || h != c.wan {
			t.Errorf("%+v of %gx%g: %dx%d %v, want %dx%d %v", c.size, c.w, c.h, w, h, err, c.wantW, c.wan, c.err)
		}
	}
	for _, s := range []Size{{}, {LongSide: 10, DPI: 10}, {LongSide: -1}, {DPI: math.NaN()}} {
		if s.validate() == nil {
			t.Errorf("%+v: no error", s)
		}
	}
}

// TestCallTimeout renders a heavy page with a short CallTimeout. The
// caller must get a timeout soon after CallTimeout, the document must
// refuse further calls, and the pool must replace the instance. In the
// default mode the kill stops the running call; with Uninterruptible the
// call runs on and its slot is freed only when it returns.
func TestCallTimeout(t *testing.T) {
	heavy := corpusFile(t, "good/ocrmypdf-enormous.pdf") // about 6 s (2 s uninterruptible) at 150 dpi
	// The whole render, timed in this run: the kill must cut it well short
	// whatever the machine's load (go test runs packages side by side).
	full := func(uninterruptible bool) time.Duration {
		p := newPool(t, func(o *Options) { o.CallTimeout = time.Minute; o.Uninterruptible = uninterruptible })
		start := time.Now()
		if err := p.Document(t.Context(), heavy, "", func(d *Doc) error {
			_, err := d.Render(t.Context(), 0, Size{DPI: 150})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return time.Since(start)
	}
	for _, c := range []struct {
		name            string
		uninterruptible bool
		timeout         time.Duration
	}{
		{"interruptible", false, 1500 * time.Millisecond},
		{"uninterruptible", true, 500 * time.Millisecond},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := newPool(t, func(o *Options) { o.CallTimeout = c.timeout; o.Uninterruptible = c.uninterruptible })
			var elapsed time.Duration
			err := p.Document(t.Context(), heavy, "", func(d *Doc) error {
				start := time.Now()
				_, err := d.Render(t.Context(), 0, Size{DPI: 150})
				elapsed = time.Since(start)
				if err == nil {
					t.Skipf("heavy render finished in %s, under the %s timeout", elapsed, c.timeout)
				}
				if _, again := d.Text(t.Context(), 0); !errors.Is(again, context.DeadlineExceeded) {
					t.Errorf("call after the kill: %v, want the deadline error", again)
				}
				return err
			})
			if !errors.Is(err, context.DeadlineExceeded) || record.KindOf(err) != record.KindTimeout {
				t.Fatalf("err %v (kind %s), want a timeout", err, record.KindOf(err))
			}
			// The caller's wait ends near the timeout in both modes (in
			// the uninterruptible one the call is abandoned, not stopped),
			// well before the whole render would have. "Near": Go cannot
			// preempt wasm code, so a collection that starts while it runs
			// holds every goroutine, the timer's too, until the code calls
			// out; under load that has delayed the timeout by seconds.
			if whole := full(c.uninterruptible); elapsed > c.timeout+killGrace+(whole-c.timeout)*3/4 {
				t.Errorf("caller got the timeout after %s; the whole render takes %s, the timeout is %s", elapsed, whole, c.timeout)
			}
			// An interruptible call stuck in host code past killGrace is
			// left like an uninterruptible one: its instance lives until
			// the call returns.
			if s := p.Stats(); s.Kills != 1 || (!c.uninterruptible && elapsed < c.timeout+killGrace && s.InstancesLive != 0) {
				t.Errorf("after the kill: %+v, want 1 kill, 0 live", s)
			}
			// With one instance, this waits for the abandoned call in the
			// uninterruptible mode.
			err = p.Document(t.Context(), fixture(t, "text").Data, "", func(d *Doc) error {
				_, err := d.Render(t.Context(), 0, Size{LongSide: 224})
				return err
			})
			if err != nil {
				t.Fatalf("after the kill: %v", err)
			}
			if s := p.Stats(); s.Started != 2 || s.InstancesLive != 1 || s.Recycled != 0 {
				t.Errorf("stats %+v, want 2 started, 1 live, 0 recycled", s)
			}
		})
	}
}

// TestConcurrent runs more goroutines than instances; run it with -race.
func TestConcurrent(t *testing.T) {
	p := newPool(t, func(o *Options) { o.Instances = 2; o.MaxDocsPerInstance = 3 })
	docs := []struct {
		f        testpdf.Fixture
		password string
		want     string
	}{
		{fixture(t, "text"), "", "Quarterly report – page 1"},
		{fixture(t, "rotated"), "", "Rotated 90 degrees, cropped"},
		{fixture(t, "rc4_128_userpw"), "secret", "Encrypted with RC4-128, page 1"},
		{fixture(t, "xref_stream"), "", ""},
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 4 {
				c := docs[(g+i)%len(docs)]
				err := p.Document(t.Context(), c.f.Data, c.password, func(d *Doc) error {
					img, err := d.Render(t.Context(), 0, Size{LongSide: 96})
					if err != nil {
						return err
					}
					if len(img.Pix) != img.Width*img.Height*3 || max(img.Width, img.Height) != 96 {
						t.Errorf("%s: image %dx%d with %d bytes", c.f.Name, img.Width, img.Height, len(img.Pix))
					}
					text, err := d.Text(t.Context(), 0)
					if err != nil {
						return err
					}
					if !strings.Contains(text, c.want) {
						t.Errorf("%s: text %q does not contain %q", c.f.Name, text[:min(60, len(text))], c.want)
					}
					return nil
				})
				if err != nil {
					t.Errorf("%s: %v", c.f.Name, err)
				}
			}
		})
	}
	wg.Wait()
	s := p.Stats()
	if s.Docs != 16 || s.Renders != 16 || s.Texts != 16 || s.InstancesLive > 2 || s.Recycled < 4 {
		t.Errorf("stats %+v, want 16 docs/renders/texts, at most 2 live, at least 4 recycled", s)
	}
}

// TestBadCorpus opens every malformed file of the shared corpus and, when
// it opens, renders its first page at 224 px: each must succeed or fail
// with a kind other than internal, within the call timeout, without a
// panic.
func TestBadCorpus(t *testing.T) {
	dir := filepath.Join(corpusDir, "bad")
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("no shared corpus")
	}
	if err != nil {
		t.Fatal(err)
	}
	p := newPool(t, func(o *Options) { o.CallTimeout = 20 * time.Second })
	kinds := map[record.Kind]int{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		err = p.Document(t.Context(), data, "", func(d *Doc) error {
			if d.Pages() == 0 {
				return nil
			}
			_, err := d.Render(t.Context(), 0, Size{LongSide: 224})
			return err
		})
		k := record.KindOf(err)
		kinds[k]++
		if k == record.KindInternal || k == record.KindTimeout {
			t.Errorf("%s: %v (kind %s)", e.Name(), err, k)
		}
	}
	t.Logf("%d files, kinds %v, stats %+v", len(entries), kinds, p.Stats())
}

// TestRenderUnrotated: Unrotated draws a page with /Rotate 90 in its
// content's orientation: the shown render turned back a quarter.
func TestRenderUnrotated(t *testing.T) {
	p := newPool(t, nil)
	f := fixture(t, "rotated")
	var shown, upright Image
	err := p.Document(context.Background(), f.Data, "", func(d *Doc) error {
		var err error
		if shown, err = d.Render(context.Background(), 0, Size{LongSide: 200}); err != nil {
			return err
		}
		upright, err = d.Render(context.Background(), 0, Size{LongSide: 200, Unrotated: true})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Crop box 540×720 pt shown turned: 200×150; upright: 150×200.
	if shown.Width != 200 || shown.Height != 150 || upright.Width != 150 || upright.Height != 200 {
		t.Fatalf("shown %dx%d, upright %dx%d", shown.Width, shown.Height, upright.Width, upright.Height)
	}
	// /Rotate 90 turns the page clockwise for display: pixel (x, y) of
	// the upright page is at (H-1-y, x) of the shown one. Glyphs are
	// anti-aliased differently when drawn turned, so compare 10×10 block
	// means (the opposite turn gives 23).
	const bs = 10
	diff, n := 0.0, 0
	for by := 0; by+bs <= upright.Height; by += bs {
		for bx := 0; bx+bs <= upright.Width; bx += bs {
			a, b := 0, 0
			for y := by; y < by+bs; y++ {
				for x := bx; x < bx+bs; x++ {
					sx, sy := upright.Height-1-y, x
					a += int(upright.Pix[(y*upright.Width+x)*3])
					b += int(shown.Pix[(sy*shown.Width+sx)*3])
				}
			}
			diff += math.Abs(float64(a-b)) / (bs * bs)
			n++
		}
	}
	if mae := diff / float64(n); mae > 3 {
		t.Errorf("upright render differs from the shown one turned back: mean abs difference of block means %.2f", mae)
	}
}
