package pdf

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// parseString parses one object from s with the default limits.
func parseString(s string) (Object, error) {
	d := &Document{lim: DefaultLimits()}
	p := d.newParser([]byte(s), 0)
	return p.parseObject()
}

func TestParseNumbers(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Object
	}{
		{"int", "42", int64(42)},
		{"negative", "-17", int64(-17)},
		{"plus sign", "+3", int64(3)},
		{"double minus", "--5", int64(-5)},
		{"leading dot", "-.5", -0.5},
		{"real", "3.25", 3.25},
		{"trailing dot", "5.", 5.0},
		{"second dot ignored", "1.2.3", 1.2},
		{"lone minus", "-", int64(0)},
		{"lone dot", ".", int64(0)},
		{"huge int becomes real", "123456789012345678901234", 123456789012345678901234.0},
		{"many fraction digits", "0.1234567890123456789012", 0.123456789012345678},
		{"zero", "0", int64(0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseString(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if f, ok := tc.want.(float64); ok {
				g, ok := got.(float64)
				if !ok || g-f > 1e-9*max(1, f) || f-g > 1e-9*max(1, f) {
					t.Fatalf("got %#v, want %v", got, f)
				}
				return
			}
			if got != tc.want {
				t.Fatalf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestParseStrings(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"plain", "(Hello)", "Hello"},
		{"nested parentheses", "(a(b(c))d)", "a(b(c))d"},
		{"escapes", `(\n\r\t\b\f\(\)\\)`, "\n\r\t\b\f()\\"},
		{"octal", `(\101\60\0053)`, "A0\x053"},
		{"octal max three digits", `(\1011)`, "A1"},
		{"line continuation", "(ab\\\ncd\\\r\nef)", "abcdef"},
		{"raw CR and CRLF become LF", "(a\rb\r\nc)", "a\nb\nc"},
		{"unknown escape", `(\q)`, "q"},
		{"unterminated", "(abc", "abc"},
		{"empty", "()", ""},
		{"hex", "<48 65 6C6c6F>", "Hello"},
		{"hex odd digit", "<486>", "H`"},
		{"hex junk ignored", "<4x8>", "H"},
		{"hex empty", "<>", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseString(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			s, ok := got.(String)
			if !ok || s == nil || string(s) != tc.want {
				t.Fatalf("got %#v, want %q", got, tc.want)
			}
		})
	}
}

func TestParseNames(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Name
	}{
		{"plain", "/Type", "Type"},
		{"hex escape", "/A#20B", "A B"},
		{"escaped letter", "/#41", "A"},
		{"bad escape kept", "/A#zz", "A#zz"},
		{"empty name", "/ ", ""},
		{"delimiter ends name", "/Name(x)", "Name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseString(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestParseContainers(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Object
	}{
		{"array", "[1 2.5 /N (s) true false null]", Array{int64(1), 2.5, Name("N"), String("s"), true, false, nil}},
		{"refs", "[1 0 R 2 5 R 3]", Array{Ref{1, 0}, Ref{2, 5}, int64(3)}},
		{"ref needs space", "[1 0R]", Array{int64(1), int64(0)}},
		{"dict", "<< /A 1 /B [2] /C << /D /E >> >>", Dict{"A": int64(1), "B": Array{int64(2)}, "C": Dict{"D": Name("E")}}},
		{"null value dropped", "<< /A null /B 1 >>", Dict{"B": int64(1)}},
		{"ref value", "<</Pages 2 0 R/Type/Catalog>>", Dict{"Pages": Ref{2, 0}, "Type": Name("Catalog")}},
		{"comments", "[1 % comment ]\n 2]", Array{int64(1), int64(2)}},
		{"unterminated dict", "<< /A 1 /B [2", Dict{"A": int64(1), "B": Array{int64(2)}}},
		{"missing bracket before >>", "<< /A [1 2 >>", Dict{"A": Array{int64(1), int64(2)}}},
		{"stray closers", "[1 ) } >> 2]", Array{int64(1), nil, nil, int64(2)}},
		{"non-name key dropped", "<< 1 /A 2 >>", Dict{"A": int64(2)}},
		{"key without value", "<< /A 1 /B >>", Dict{"A": int64(1)}},
		{"endobj ends containers", "<< /A [1 endobj", Dict{"A": Array{int64(1)}}},
		{"huge generation is no ref", "[1 99999 R]", Array{nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseString(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestParseDepth(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		limit bool
	}{
		{"100k nested arrays", strings.Repeat("[", 100_000), true},
		{"100k nested dicts", strings.Repeat("<< /A ", 100_000), true},
		{"at the limit", strings.Repeat("[", 200) + strings.Repeat("]", 200), false},
		{"one over", strings.Repeat("[", 201) + strings.Repeat("]", 201), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseString(tc.in)
			if tc.limit != errors.Is(err, ErrLimit) {
				t.Fatalf("err = %v, want limit %v", err, tc.limit)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{"", "   ", "endstream", "foo"} {
		if _, err := parseString(in); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: err = %v, want ErrInvalid", in, err)
		}
	}
}

func TestParseWorkLimit(t *testing.T) {
	d := &Document{lim: Limits{MaxDepth: 200, MaxWork: 64 * 1000}}
	p := d.newParser([]byte("["+strings.Repeat("1 ", 5000)+"]"), 0)
	if _, err := p.parseObject(); !errors.Is(err, ErrLimit) {
		t.Fatalf("err = %v, want ErrLimit", err)
	}
	// The same array within the budget.
	d = &Document{lim: Limits{MaxDepth: 200, MaxWork: 64 * 10000}}
	p = d.newParser([]byte("["+strings.Repeat("1 ", 5000)+"]"), 0)
	if v, err := p.parseObject(); err != nil || len(v.(Array)) != 5000 {
		t.Fatalf("err = %v", err)
	}
}
