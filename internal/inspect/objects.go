package inspect

import "dataplus/internal/pdf"

// objects is the part of *pdf.Document that the scanner, the font code and
// the metadata walkers use. Keeping it this small lets those parts be
// tested on objects built in memory.
type objects interface {
	Resolve(o pdf.Object) (pdf.Object, error)
	StreamData(s *pdf.Stream) ([]byte, error)
	StreamPrefix(s *pdf.Stream, n int64) ([]byte, error)
}

// The helpers below resolve and type-assert, returning the zero value when
// the object is missing, of another type, or cannot be read. Callers that
// must tell those apart call Resolve themselves.

func resolve(d objects, o pdf.Object) pdf.Object {
	if _, ok := o.(pdf.Ref); !ok {
		return o
	}
	v, err := d.Resolve(o)
	if err != nil {
		return nil
	}
	return v
}

func dictOf(d objects, o pdf.Object) pdf.Dict {
	switch v := resolve(d, o).(type) {
	case pdf.Dict:
		return v
	case *pdf.Stream:
		return v.Dict
	}
	return nil
}

func arrayOf(d objects, o pdf.Object) pdf.Array {
	a, _ := resolve(d, o).(pdf.Array)
	return a
}

func nameOf(d objects, o pdf.Object) pdf.Name {
	n, _ := resolve(d, o).(pdf.Name)
	return n
}

func streamOf(d objects, o pdf.Object) *pdf.Stream {
	s, _ := resolve(d, o).(*pdf.Stream)
	return s
}

func stringOf(d objects, o pdf.Object) pdf.String {
	s, _ := resolve(d, o).(pdf.String)
	return s
}

func numOf(d objects, o pdf.Object) (float64, bool) {
	switch v := resolve(d, o).(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

func intOf(d objects, o pdf.Object) (int64, bool) {
	switch v := resolve(d, o).(type) {
	case int64:
		return v, true
	case float64:
		if v == float64(int64(v)) {
			return int64(v), true
		}
	}
	return 0, false
}

func boolOf(d objects, o pdf.Object) bool {
	b, _ := resolve(d, o).(bool)
	return b
}

// rectOf reads a rectangle array, normalised; ok is false unless it holds
// four finite numbers.
func rectOf(d objects, o pdf.Object) (rect, bool) {
	a := arrayOf(d, o)
	if len(a) != 4 {
		return rect{}, false
	}
	var v [4]float64
	for i := range v {
		n, ok := numOf(d, a[i])
		if !ok || !finite(n) {
			return rect{}, false
		}
		v[i] = n
	}
	return rect{min(v[0], v[2]), min(v[1], v[3]), max(v[0], v[2]), max(v[1], v[3])}, true
}

// matrixOf reads a six-number matrix array; ok is false otherwise.
func matrixOf(d objects, o pdf.Object) (matrix, bool) {
	a := arrayOf(d, o)
	if len(a) != 6 {
		return identity, false
	}
	var m matrix
	for i := range m {
		n, ok := numOf(d, a[i])
		if !ok || !finite(n) {
			return identity, false
		}
		m[i] = n
	}
	return m, true
}

// refOf returns the reference o is, if it is one.
func refOf(o pdf.Object) (pdf.Ref, bool) {
	r, ok := o.(pdf.Ref)
	return r, ok
}
