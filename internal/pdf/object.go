package pdf

import "fmt"

// Object is one PDF object. Its dynamic type is exactly one of:
//
//	nil      the null object (and anything missing)
//	bool     true / false
//	int64    integer
//	float64  real
//	String   literal or hex string, raw bytes (already decrypted)
//	Name     name without the leading slash, #xx escapes decoded
//	Array    array
//	Dict     dictionary
//	*Stream  stream (dictionary plus the location of its raw data)
//	Ref      indirect reference "N G R"
type Object = any

// Name is a PDF name object without its leading slash.
type Name string

// String is a PDF string object: the raw bytes, after decryption.
type String []byte

// Array is a PDF array.
type Array []Object

// Dict is a PDF dictionary.
type Dict map[Name]Object

// Ref is an indirect reference.
type Ref struct {
	Num uint32
	Gen uint16
}

func (r Ref) String() string { return fmt.Sprintf("%d %d R", r.Num, r.Gen) }

// Stream is a stream object: its dictionary and where its raw (still
// encoded, still encrypted) bytes sit in the file. Read the decoded bytes
// with Document.StreamData.
type Stream struct {
	Dict   Dict
	Ref    Ref   // the object the stream belongs to (for decryption)
	Offset int64 // offset of the first data byte in the file
	Length int64 // number of raw bytes
}

// Rect is a rectangle [llx lly urx ury] in default user space units,
// normalised so that llx <= urx and lly <= ury.
type Rect [4]float64

// Width is the rectangle's width.
func (r Rect) Width() float64 { return r[2] - r[0] }

// Height is the rectangle's height.
func (r Rect) Height() float64 { return r[3] - r[1] }
