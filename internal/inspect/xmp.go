package inspect

import (
	"bytes"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxXMPBytes caps the metadata packet read; a longer one is cut there
// and parsed as far as it goes.
const maxXMPBytes = 4 << 20

// XMP namespaces we read, with the prefixes used when a packet forgets to
// declare them.
const (
	nsDC      = "http://purl.org/dc/elements/1.1/"
	nsXMP     = "http://ns.adobe.com/xap/1.0/"
	nsPDF     = "http://ns.adobe.com/pdf/1.3/"
	nsPDFAID  = "http://www.aiim.org/pdfa/ns/id/"
	nsPDFUAID = "http://www.aiim.org/pdfua/ns/id/"
	nsRDF     = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	nsXML     = "http://www.w3.org/XML/1998/namespace"
)

var prefixSpace = map[string]string{
	"dc": nsDC, "xmp": nsXMP, "xap": nsXMP, "pdf": nsPDF, "pdfaid": nsPDFAID, "pdfuaid": nsPDFUAID, "rdf": nsRDF,
}

// property identifies one XMP property we keep.
type property int

const (
	propNone property = iota
	propTitle
	propCreator
	propCreatorTool
	propProducer
	propCreateDate
	propModifyDate
	propPDFAPart
	propPDFAConformance
	propPDFUAPart
)

func propertyOf(n xml.Name) property {
	space := n.Space
	if s, ok := prefixSpace[space]; ok {
		space = s
	}
	switch space {
	case nsDC:
		switch n.Local {
		case "title":
			return propTitle
		case "creator":
			return propCreator
		}
	case nsXMP:
		switch n.Local {
		case "CreatorTool":
			return propCreatorTool
		case "CreateDate":
			return propCreateDate
		case "ModifyDate":
			return propModifyDate
		}
	case nsPDF:
		if n.Local == "Producer" {
			return propProducer
		}
	case nsPDFAID:
		switch n.Local {
		case "part":
			return propPDFAPart
		case "conformance":
			return propPDFAConformance
		}
	case nsPDFUAID:
		if n.Local == "part" {
			return propPDFUAPart
		}
	}
	return propNone
}

func isRDF(n xml.Name, local string) bool {
	return n.Local == local && (n.Space == nsRDF || n.Space == "rdf")
}

// parseXMP reads the fields of XMP we report from a metadata packet. It
// is lenient: junk around the packet, undeclared prefixes, other
// encodings and a packet cut short yield what could be read. It returns
// nil when nothing was found.
func parseXMP(data []byte) *XMP {
	if len(data) > maxXMPBytes {
		data = data[:maxXMPBytes]
	}
	data = toUTF8(data)
	if i := bytes.IndexByte(data, '<'); i > 0 {
		data = data[i:]
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	dec.AutoClose = xml.HTMLAutoClose
	dec.Entity = xml.HTMLEntity
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }

	x := &XMP{}
	found := false
	var (
		prop      property // the property element we are inside, if any
		propDepth int
		depth     int
		text      strings.Builder
		liLang    string
		inLi      bool
		sawLi     bool
		titleLang bool // the title came from an x-default entry
	)
	set := func(p property, v string, lang string) {
		v = strings.TrimSpace(v)
		if v == "" {
			return
		}
		found = true
		switch p {
		case propTitle:
			if lang == "x-default" && !titleLang {
				x.Title, titleLang = v, true
			} else if x.Title == "" {
				x.Title = v
			}
		case propCreator:
			if len(x.Creators) < 64 {
				x.Creators = append(x.Creators, v)
			}
		case propCreatorTool:
			x.CreatorTool = v
		case propProducer:
			x.Producer = v
		case propCreateDate:
			x.CreateDate = v
		case propModifyDate:
			x.ModifyDate = v
		case propPDFAPart:
			x.PDFAPart, _ = strconv.Atoi(v)
		case propPDFAConformance:
			x.PDFAConformance = v
		case propPDFUAPart:
			x.PDFUAPart, _ = strconv.Atoi(v)
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			// Simple properties written as attributes of rdf:Description.
			for _, a := range t.Attr {
				if p := propertyOf(a.Name); p != propNone && p != propTitle && p != propCreator {
					set(p, a.Value, "")
				}
			}
			if prop == propNone {
				if p := propertyOf(t.Name); p != propNone {
					prop, propDepth, sawLi = p, depth, false
					text.Reset()
				}
				continue
			}
			if isRDF(t.Name, "li") {
				inLi, sawLi = true, true
				text.Reset()
				liLang = ""
				for _, a := range t.Attr {
					if a.Name.Local == "lang" && (a.Name.Space == nsXML || a.Name.Space == "xml") {
						liLang = a.Value
					}
				}
			}
		case xml.CharData:
			if prop != propNone && text.Len() < 64<<10 {
				text.Write(t)
			}
		case xml.EndElement:
			if prop != propNone && inLi && isRDF(t.Name, "li") {
				set(prop, text.String(), liLang)
				inLi = false
				text.Reset()
			}
			if prop != propNone && depth == propDepth {
				if !sawLi {
					set(prop, text.String(), "")
				}
				prop = propNone
			}
			depth--
		}
	}
	if !found {
		return nil
	}
	return x
}

// toUTF8 converts a UTF-16 packet (with a byte order mark) to UTF-8 and
// replaces invalid UTF-8, which encoding/xml rejects.
func toUTF8(b []byte) []byte {
	switch {
	case len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF:
		return []byte(decodeUTF16(b[2:], true))
	case len(b) >= 2 && b[0] == 0xFF && b[1] == 0xFE:
		return []byte(decodeUTF16(b[2:], false))
	case len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF:
		b = b[3:]
	}
	if !utf8.Valid(b) {
		return bytes.ToValidUTF8(b, []byte("\uFFFD"))
	}
	return b
}
