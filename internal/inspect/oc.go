package inspect

import "dataplus/internal/pdf"

// optionalContent is the default visibility of a document's optional
// content groups (ISO 32000-1, 8.11): content in a group that is off is
// not drawn, so viewers and pdftotext skip it and so do we.
type optionalContent struct {
	baseOff bool             // /BaseState /OFF: groups are off unless listed in /ON
	on, off map[pdf.Ref]bool // the default configuration's /ON and /OFF lists
}

// Bound on the group references read from /ON and /OFF.
const maxOCGroups = 100_000

// readOptionalContent reads the default configuration of the catalog's
// /OCProperties; nil when the document has none (everything visible).
func readOptionalContent(doc objects, cat pdf.Dict) *optionalContent {
	props := dictOf(doc, cat["OCProperties"])
	if props == nil {
		return nil
	}
	d := dictOf(doc, props["D"])
	oc := &optionalContent{
		baseOff: nameOf(doc, d["BaseState"]) == "OFF",
		on:      refSet(doc, d["ON"]),
		off:     refSet(doc, d["OFF"]),
	}
	if !oc.baseOff && len(oc.off) == 0 {
		return nil
	}
	return oc
}

func refSet(doc objects, o pdf.Object) map[pdf.Ref]bool {
	set := make(map[pdf.Ref]bool)
	for i, v := range arrayOf(doc, o) {
		if i >= maxOCGroups {
			break
		}
		if r, ok := refOf(v); ok {
			set[r] = true
		}
	}
	return set
}

// groupOn reports whether the group r is on by default.
func (oc *optionalContent) groupOn(r pdf.Ref) bool {
	if oc.baseOff {
		return oc.on[r]
	}
	return !oc.off[r]
}

// visible reports whether content marked with the optional content group
// or membership dictionary o is drawn. Membership dictionaries follow
// their /P policy over /OCGs; visibility expressions (/VE) are not
// evaluated, the policy stands in for them.
func (oc *optionalContent) visible(doc objects, o pdf.Object) bool {
	if oc == nil || o == nil {
		return true
	}
	d := dictOf(doc, o)
	if d == nil {
		return true
	}
	if nameOf(doc, d["Type"]) != "OCMD" {
		r, ok := refOf(o)
		return !ok || oc.groupOn(r)
	}
	var groups []pdf.Object
	switch g := d["OCGs"].(type) {
	case pdf.Ref:
		if a := arrayOf(doc, g); a != nil {
			groups = a
		} else {
			groups = []pdf.Object{g}
		}
	case pdf.Array:
		groups = g
	}
	if len(groups) == 0 {
		return true
	}
	on := 0
	for _, g := range groups {
		if r, ok := refOf(g); !ok || oc.groupOn(r) {
			on++
		}
	}
	switch nameOf(doc, d["P"]) {
	case "AllOn":
		return on == len(groups)
	case "AnyOff":
		return on < len(groups)
	case "AllOff":
		return on == 0
	}
	return on > 0 // AnyOn, the default
}
