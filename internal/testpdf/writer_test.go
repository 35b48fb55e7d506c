package testpdf

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

func TestAppendValue(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{nil, "null"},
		{true, "true"},
		{-12, "-12"},
		{0.5, "0.5"},
		{1e9, "1000000000"},
		{Name("A B#/"), "/A#20B#23#2F"},
		{Str("a(b)\\c\r\n"), `(a\(b\)\\c\r\n)`},
		{Hex{0x00, 0xab}, "<00AB>"},
		{Array{1, Name("X"), Ref{Num: 3}}, "[1 /X 3 0 R]"},
		{Dict{"Z": 1, "Type": Name("T"), "A": 2}, "<< /Type /T /A 2 /Z 1 >>"},
		{Raw("[[ ]]"), "[[ ]]"},
		{Rect(0, 0, 612.5, 792), "[0 0 612.5 792]"},
	} {
		var b bytes.Buffer
		appendValue(&b, tc.v, nil)
		if b.String() != tc.want {
			t.Errorf("%#v: got %s, want %s", tc.v, b.String(), tc.want)
		}
	}
}

func TestStringCrypterAppliesToAllStrings(t *testing.T) {
	var b bytes.Buffer
	upper := func(s []byte) []byte { return bytes.ToUpper(s) }
	appendValue(&b, Dict{"A": Str("x"), "B": Array{Hex("y")}, "C": Name("n")}, upper)
	if got, want := b.String(), "<< /A (X) /B [<59>] /C /n >>"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestEncodings(t *testing.T) {
	if got := string(winAnsi("a€–é")); got != "a\x80\x96\xe9" {
		t.Errorf("winAnsi: %q", got)
	}
	if got := string(pdfDoc("Zoë — x")); got != "Zo\xeb \x84 x" {
		t.Errorf("pdfDoc: %q", got)
	}
	if got := string(utf16BE("A東")); got != "\xfe\xff\x00A\x67\x71" {
		t.Errorf("utf16BE: %q", got)
	}
}

// TestUpdateWithXRefStream covers the writer path no fixture uses: an
// incremental update written as a cross-reference stream.
func TestUpdateWithXRefStream(t *testing.T) {
	d := twoTextPages("1.5", "update_stream", "Update with xref stream")
	base := d.Save(SaveOptions{XRef: XRefStream, ObjStm: true})
	d.Set(d.Info, simpleInfo("Changed"))
	data := d.SaveUpdate(base, SaveOptions{XRef: XRefStream})
	r, err := checkXRef(data)
	if err != nil {
		t.Fatal(err)
	}
	if r.sections != 2 || !r.kinds["stream"] || r.kinds["table"] {
		t.Errorf("sections %d kinds %v, want 2 stream sections", r.sections, r.kinds)
	}
	if off, ok := r.inUse[d.Info.Num]; !ok || off < len(base) {
		t.Errorf("info object not found in the update (offset %d)", off)
	}
	if !strings.Contains(r.trailers[0], "/Prev") {
		t.Error("update lacks /Prev")
	}
	if qpdf, err := exec.LookPath("qpdf"); err == nil {
		out, code := runTool(t, Fixture{Name: "update_stream", Data: data}, qpdf, "--check")
		if code != 0 || strings.Contains(out, "WARNING") {
			t.Errorf("qpdf --check exit %d:\n%s", code, out)
		}
	}
}
