package pdf

import "testing"

func TestParseNumberToken(t *testing.T) {
	tests := []struct {
		in    string
		i     int64
		f     float64
		isInt bool
		ok    bool
	}{
		{"12", 12, 0, true, true},
		{"+-3", -3, 0, true, true},
		{"-0.5", 0, -0.5, false, true},
		{"4abc", 4, 0, true, true},
		{"-abc", 0, 0, false, false},
		{"+", 0, 0, true, true},
		{"9223372036854775807", 0, 9223372036854775807, false, true},
	}
	for _, tc := range tests {
		i, f, isInt, ok := parseNumber([]byte(tc.in))
		if ok != tc.ok || isInt != tc.isInt || i != tc.i || (!isInt && f != tc.f) {
			t.Errorf("%q: got %d %v %v %v", tc.in, i, f, isInt, ok)
		}
	}
}

func TestParseObjHeader(t *testing.T) {
	tests := []struct {
		in  string
		num uint32
		gen uint16
		ok  bool
	}{
		{"1 0 obj", 1, 0, true},
		{"\n 12  3\r\nobj<<", 12, 3, true},
		{"1 0 objx", 0, 0, false},
		{"1 0", 0, 0, false},
		{"x 0 obj", 0, 0, false},
		{"99999999999 0 obj", 0, 0, false},
		{"1 70000 obj", 0, 0, false},
	}
	for _, tc := range tests {
		num, gen, _, ok := parseObjHeader([]byte(tc.in), 0)
		if ok != tc.ok || num != tc.num || gen != tc.gen {
			t.Errorf("%q: got %d %d %v", tc.in, num, gen, ok)
		}
	}
}
