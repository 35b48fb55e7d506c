package pdf

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// streamDoc builds a document whose object 4 is a stream with the given
// dictionary (without /Length unless given) and raw data, written as is.
func streamDoc(dict string, data []byte) []byte {
	b := newTestPDF("1.4")
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	b.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	b.obj(3, "<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>")
	b.offsets[4] = b.buf.Len()
	fmt.Fprintf(&b.buf, "4 0 obj\n<< %s >>\nstream\r\n", dict)
	b.buf.Write(data)
	b.buf.WriteString("\r\nendstream\nendobj\n")
	b.obj(5, "11")
	return b.xref("/Root 1 0 R")
}

func TestStreamData(t *testing.T) {
	hello := []byte("BT (Hello) Tj ET")
	ahx := []byte("42542028 48656C6C6F2920546A204554>")
	tests := []struct {
		name    string
		dict    string
		data    []byte
		want    []byte
		wantErr error
	}{
		{"no filter", fmt.Sprintf("/Length %d", len(hello)), hello, hello, nil},
		{"indirect length", "/Length 5 0 R", []byte("01234567890"), []byte("01234567890"), nil},
		{"length too long", "/Length 500", hello, hello, nil},
		{"length too short", "/Length 3", hello, hello, nil},
		{"no length", "", hello, hello, nil},
		{"negative length", "/Length -4", hello, hello, nil},
		{"length past end of file", "/Length 99999999999", hello, hello, nil},
		{"flate", "/Filter /FlateDecode", flateBytes(hello), hello, nil},
		{"abbreviated", "/Filter /Fl", flateBytes(hello), hello, nil},
		{"chain", "/Filter [/AHx /Fl]", []byte(fmt.Sprintf("%X>", flateBytes(hello))), hello, nil},
		{"chain with null parms", "/Filter [/AHx /Fl] /DecodeParms [null null]", []byte(fmt.Sprintf("%X>", flateBytes(hello))), hello, nil},
		{"ascii hex", "/Filter /ASCIIHexDecode", ahx, hello, nil},
		{"predictor", "/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 4 >>", pngUpFlate([]byte("abcdabcdABCD"), 4), []byte("abcdabcdABCD"), nil},
		{"image filter stops", "/Filter [/AHx /DCTDecode]", []byte("FFD8>"), []byte{0xFF, 0xD8}, ErrUnsupported},
		{"unknown filter", "/Filter /BrotliDecode", hello, nil, ErrUnsupported},
		{"corrupt flate", "/Filter /FlateDecode", []byte("not flate at all"), nil, ErrInvalid},
		{"filter not a name", "/Filter [1]", hello, nil, ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := mustOpen(t, streamDoc(tc.dict, tc.data))
			s := doc.Stream(Ref{Num: 4})
			if s == nil {
				t.Fatal("no stream")
			}
			got, err := doc.StreamData(s)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				if tc.want != nil && !bytes.Equal(got, tc.want) {
					t.Fatalf("partial data %q, want %q", got, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestStreamLimits(t *testing.T) {
	big := bytes.Repeat([]byte("A"), 1<<20)
	data := streamDoc("/Filter /FlateDecode", flateBytes(big))
	tests := []struct {
		name string
		lim  Limits
		err  error
	}{
		{"defaults", Limits{}, nil},
		{"MaxStreamBytes", Limits{MaxStreamBytes: 1000}, ErrLimit},
		{"MaxWork", Limits{MaxWork: 100_000}, ErrLimit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := Open(context.Background(), data, Options{Limits: tc.lim})
			if err != nil {
				t.Fatal(err)
			}
			out, err := doc.StreamData(doc.Stream(Ref{Num: 4}))
			if !errors.Is(err, tc.err) && !(tc.err == nil && err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if tc.err == nil && len(out) != len(big) {
				t.Fatalf("%d bytes", len(out))
			}
			if tc.err != nil && int64(len(out)) > max(tc.lim.MaxStreamBytes, tc.lim.MaxWork) {
				t.Fatalf("%d bytes beyond the limit", len(out))
			}
		})
	}
	// Raw (unfiltered) data over MaxStreamBytes.
	doc, _ := Open(context.Background(), streamDoc("", big), Options{Limits: Limits{MaxStreamBytes: 10}})
	if _, err := doc.StreamData(doc.Stream(Ref{Num: 4})); !errors.Is(err, ErrLimit) {
		t.Fatalf("raw: err = %v", err)
	}
}

func TestContextChecked(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Open(ctx, minimalPDF(), Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("open: err = %v", err)
	}
	// A document keeps its context: later calls fail once it is done.
	ctx, cancel = context.WithCancel(context.Background())
	doc, err := Open(ctx, minimalPDF(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := doc.Pages(); !errors.Is(err, context.Canceled) {
		t.Fatalf("pages: err = %v", err)
	}
	if _, err := doc.Get(Ref{Num: 4}); !errors.Is(err, context.Canceled) {
		t.Fatalf("get: err = %v", err)
	}
	ctx, cancel = context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	if _, err := Open(ctx, minimalPDF(), Options{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("deadline: err = %v", err)
	}
}

func TestResolve(t *testing.T) {
	b := newTestPDF("1.4")
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R /Loop 5 0 R /Chain 7 0 R /Missing 99 0 R >>")
	b.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	b.obj(3, "<< /Type /Page /Parent 2 0 R >>")
	b.obj(5, "6 0 R")
	b.obj(6, "5 0 R")
	b.obj(7, "8 0 R")
	b.obj(8, "42.0")
	doc := mustOpen(t, b.xref("/Root 1 0 R"))
	cat, _ := doc.Catalog()
	if _, err := doc.Resolve(cat["Loop"]); !errors.Is(err, ErrInvalid) {
		t.Errorf("loop: err = %v", err)
	}
	if v, ok := doc.Int(cat["Chain"]); !ok || v != 42 {
		t.Errorf("chain: %v %v", v, ok)
	}
	if o, err := doc.Get(Ref{Num: 99}); o != nil || err != nil {
		t.Errorf("missing: %v %v", o, err)
	}
	if doc.Dict(cat["Missing"]) != nil || doc.Name(cat["Chain"]) != "" || doc.Array(nil) != nil {
		t.Error("typed helpers must return zero values")
	}
	if v, ok := doc.Num(cat["Chain"]); !ok || v != 42 {
		t.Errorf("num: %v %v", v, ok)
	}
}

func TestStreamPrefix(t *testing.T) {
	text := bytes.Repeat([]byte("BT (Hello) Tj ET\n"), 5000)
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write(text)
	w.Close()
	tests := []struct {
		name string
		dict string
		data []byte
	}{
		{"flate", fmt.Sprintf("/Length %d /Filter /FlateDecode", z.Len()), z.Bytes()},
		{"no filter", fmt.Sprintf("/Length %d", len(text)), text},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := Open(context.Background(), streamDoc(tc.dict, tc.data), Options{})
			if err != nil {
				t.Fatal(err)
			}
			s := doc.Stream(Ref{Num: 4})
			for _, n := range []int64{0, 17, 1000, int64(len(text)), int64(len(text)) + 1} {
				got, err := doc.StreamPrefix(s, n)
				if err != nil || !bytes.Equal(got, text[:min(n, int64(len(text)))]) {
					t.Fatalf("n=%d: got %d bytes, %v", n, len(got), err)
				}
			}
		})
	}
}
