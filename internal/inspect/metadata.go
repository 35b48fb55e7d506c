package inspect

import "dataplus/internal/pdf"

// This file reads the document-level facts that live in the catalog and
// in page annotations. Every walk is cycle-safe and bounded: a hostile
// file can make them stop early, never run long.

// Bounds on the catalog walks.
const (
	maxTreeNodes   = 100_000 // nodes visited in one name tree or field tree
	maxTreeDepth   = 64
	maxActionChain = 32     // actions followed through /Next
	maxPageAnnots  = 1_000  // annotations looked at per page
	maxDocAnnots   = 50_000 // annotations looked at per document
)

// readCatalog fills the Metadata fields found from the catalog.
func readCatalog(doc objects, cat pdf.Dict, md *Metadata) {
	mark := dictOf(doc, cat["MarkInfo"])
	md.Tagged = boolOf(doc, mark["Marked"]) || resolve(doc, cat["StructTreeRoot"]) != nil
	md.Language = decodeText(stringOf(doc, cat["Lang"]))

	if out := dictOf(doc, cat["Outlines"]); out != nil {
		n, _ := intOf(doc, out["Count"])
		md.HasOutline = out["First"] != nil || n != 0
	}

	names := dictOf(doc, cat["Names"])
	md.EmbeddedFiles += countNameTree(doc, names["EmbeddedFiles"])
	md.JavaScript = countNameTree(doc, names["JavaScript"]) > 0 ||
		isJavaScript(doc, cat["OpenAction"]) || anyJavaScript(doc, cat["AA"])

	if form := dictOf(doc, cat["AcroForm"]); form != nil {
		md.HasXFA = resolve(doc, form["XFA"]) != nil
		w := fieldWalk{doc: doc, seen: make(map[pdf.Ref]bool)}
		for _, f := range arrayOf(doc, form["Fields"]) {
			w.walk(f, 0)
		}
		md.FormFields = w.terminal
		md.JavaScript = md.JavaScript || w.javaScript
	}
}

// countNameTree counts the entries of a name tree (ISO 32000-1, 7.9.6).
func countNameTree(doc objects, root pdf.Object) int {
	seen := make(map[pdf.Ref]bool)
	nodes, count := 0, 0
	var walk func(o pdf.Object, depth int)
	walk = func(o pdf.Object, depth int) {
		if depth > maxTreeDepth || nodes >= maxTreeNodes {
			return
		}
		if r, ok := refOf(o); ok {
			if seen[r] {
				return
			}
			seen[r] = true
		}
		node := dictOf(doc, o)
		if node == nil {
			return
		}
		nodes++
		count += len(arrayOf(doc, node["Names"])) / 2
		for _, kid := range arrayOf(doc, node["Kids"]) {
			walk(kid, depth+1)
		}
	}
	walk(root, 0)
	return count
}

// fieldWalk counts terminal fields of an AcroForm field tree: fields
// without kids, or whose kids are only widget annotations (no /T).
type fieldWalk struct {
	doc        objects
	seen       map[pdf.Ref]bool
	nodes      int
	terminal   int
	javaScript bool
}

func (w *fieldWalk) walk(o pdf.Object, depth int) {
	if depth > maxTreeDepth || w.nodes >= maxTreeNodes {
		return
	}
	if r, ok := refOf(o); ok {
		if w.seen[r] {
			return
		}
		w.seen[r] = true
	}
	f := dictOf(w.doc, o)
	if f == nil {
		return
	}
	w.nodes++
	if !w.javaScript {
		w.javaScript = isJavaScript(w.doc, f["A"]) || anyJavaScript(w.doc, f["AA"])
	}
	hasFieldKids := false
	for _, kid := range arrayOf(w.doc, f["Kids"]) {
		if kd := dictOf(w.doc, kid); kd != nil && kd["T"] != nil {
			hasFieldKids = true
			w.walk(kid, depth+1)
		}
	}
	if !hasFieldKids {
		w.terminal++
	}
}

// isJavaScript reports whether an action, or one it chains to through
// /Next, is a JavaScript action.
func isJavaScript(doc objects, o pdf.Object) bool {
	budget := maxActionChain
	return jsAction(doc, o, &budget)
}

func jsAction(doc objects, o pdf.Object, budget *int) bool {
	if *budget <= 0 {
		return false
	}
	*budget--
	switch v := resolve(doc, o).(type) {
	case pdf.Dict:
		if nameOf(doc, v["S"]) == "JavaScript" || v["JS"] != nil {
			return true
		}
		return v["Next"] != nil && jsAction(doc, v["Next"], budget)
	case pdf.Array: // a /Next array of actions
		for _, a := range v {
			if jsAction(doc, a, budget) {
				return true
			}
		}
	}
	return false
}

// anyJavaScript reports whether any action of an additional-actions
// dictionary is JavaScript.
func anyJavaScript(doc objects, aa pdf.Object) bool {
	for _, a := range dictOf(doc, aa) {
		if isJavaScript(doc, a) {
			return true
		}
	}
	return false
}

// annotWalk looks at the annotations of the pages scanned, within a
// document-wide budget.
type annotWalk struct {
	doc    objects
	budget int
}

// page counts file attachment annotations and JavaScript actions of one
// page into md.
func (w *annotWalk) page(pg pdf.Dict, md *Metadata) {
	if !md.JavaScript && anyJavaScript(w.doc, pg["AA"]) {
		md.JavaScript = true
	}
	annots := arrayOf(w.doc, pg["Annots"])
	for i, a := range annots {
		if i >= maxPageAnnots || w.budget <= 0 {
			return
		}
		w.budget--
		d := dictOf(w.doc, a)
		if d == nil {
			continue
		}
		if nameOf(w.doc, d["Subtype"]) == "FileAttachment" {
			md.EmbeddedFiles++
		}
		if !md.JavaScript && (isJavaScript(w.doc, d["A"]) || anyJavaScript(w.doc, d["AA"])) {
			md.JavaScript = true
		}
	}
}
