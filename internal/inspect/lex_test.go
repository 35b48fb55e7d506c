package inspect

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in   string
		want float64
	}{
		{"0", 0},
		{"123", 123},
		{"-17", -17},
		{"+4.5", 4.5},
		{".5", 0.5},
		{"-.002", -0.002},
		{"4.", 4},
		{"--3", -3},
		{"-", 0},
		{"1.2.3", 1.2},
		{"12abc", 12},
		{"0.000001", 0.000001},
		{"12345678901234567890123", 12345678901234567890123},
		{"3.14159265358979323846", 3.14159265358979323846},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := parseNumber([]byte(tt.in))
			if math.Abs(got-tt.want) > 1e-9*math.Max(1, math.Abs(tt.want)) {
				t.Errorf("parseNumber(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// render describes the operands and operator the parser read, for
// comparing with a want string.
func render(p *parser, op []byte) string {
	var b strings.Builder
	for _, o := range p.stack {
		switch o.kind {
		case kindNumber:
			b.WriteString(formatFloat(o.num))
		case kindName:
			b.WriteString("/" + string(p.bytesOf(o)))
		case kindString:
			b.WriteString("(" + string(p.bytesOf(o)) + ")")
		case kindArrayOpen:
			b.WriteString("[")
		case kindArrayClose:
			b.WriteString("]")
		case kindDictOpen:
			b.WriteString("<<")
		case kindDictClose:
			b.WriteString(">>")
		case kindOther:
			if o.num == 1 {
				b.WriteString("true")
			} else {
				b.WriteString("false|null")
			}
		}
		b.WriteString(" ")
	}
	b.WriteString(string(op))
	return b.String()
}

func formatFloat(v float64) string {
	s := strings.TrimRight(strings.TrimRight(strconv.FormatFloat(v, 'f', 6, 64), "0"), ".")
	if s == "" || s == "-0" {
		return "0"
	}
	return s
}

func TestParserTokens(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // one entry per operator
	}{
		{"numbers and operator", "1 0 0 1 72.5 -3 cm", []string{"1 0 0 1 72.5 -3 cm"}},
		{"literal escapes", `(a\(b\)c\\d\n\101\0612) Tj`, []string{"(a(b)c\\d\nA12) Tj"}},
		{"nested parentheses", `(a(b(c))d) Tj`, []string{"(a(b(c))d) Tj"}},
		{"line continuation", "(ab\\\r\ncd) Tj", []string{"(abcd) Tj"}},
		{"hex odd digits", "<48 65 6C6C 6F2> Tj", []string{"(Hello ) Tj"}},
		{"hex junk", "<4x8z> Tj", []string{"(H) Tj"}},
		{"name escapes", "/A#20B 12 Tf", []string{"/A B 12 Tf"}},
		{"array", "[(a) -120 (b)] TJ", []string{"[ (a) -120 (b) ] TJ"}},
		{"dict", "/P <</MCID 3 /X true>> BDC", []string{"/P << /MCID 3 /X true >> BDC"}},
		{"comment", "% hello\nq", []string{"q"}},
		{"quote operators", "(x) ' 1 2 (y) \"", []string{"(x) '", "1 2 (y) \""}},
		{"junk delimiters", ") } { > q", []string{"q"}},
		{"unterminated literal", "(abc", nil},
		{"star operator", "T* W* f*", []string{"T*", "W*", "f*"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := parser{data: []byte(tt.in), maxStack: 100}
			var got []string
			for {
				op := p.next()
				if op == nil {
					break
				}
				got = append(got, render(&p, op))
				p.reset()
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParserDropsRunawayOperands(t *testing.T) {
	p := parser{data: []byte(strings.Repeat("1 ", 1000) + "q"), maxStack: 100}
	if op := p.next(); string(op) != "q" {
		t.Fatalf("op = %q", op)
	}
	if len(p.stack) > 100 {
		t.Errorf("stack grew to %d", len(p.stack))
	}
}
