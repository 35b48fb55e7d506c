package onnx

import (
	"fmt"
	"sort"
	"strings"
)

// Summary describes a model for people: opsets, the graph's inputs and
// outputs with their shapes, its size and its operator counts.
func Summary(m *Model) string {
	var b strings.Builder
	g := &m.Graph
	fmt.Fprintf(&b, "ir_version %d, producer %q\n", m.IRVersion, m.Producer)

	domains := make([]string, 0, len(m.Opsets))
	for d := range m.Opsets {
		domains = append(domains, d)
	}
	sort.Strings(domains)
	b.WriteString("opsets:")
	for _, d := range domains {
		name := d
		if name == "" {
			name = "ai.onnx"
		}
		fmt.Fprintf(&b, " %s %d", name, m.Opsets[d])
	}
	b.WriteString("\n")

	// Weights live in initializers or, for some exporters, in Constant
	// nodes: count both.
	params := 0
	for i := range g.Initializers {
		if n, err := g.Initializers[i].Len(); err == nil {
			params += n
		}
	}
	for _, n := range g.Nodes {
		if t := n.Attrs.Tensor("value"); n.OpType == "Constant" && t != nil {
			if n, err := t.Len(); err == nil {
				params += n
			}
		}
	}
	fmt.Fprintf(&b, "graph %q: %d nodes, %d initializers, %d constant values\n",
		g.Name, len(g.Nodes), len(g.Initializers), params)

	// Before IR version 4 initializers were also listed as inputs: show
	// only the inputs a caller feeds.
	b.WriteString("inputs:\n")
	for _, v := range g.Inputs {
		if _, ok := g.Initializer(v.Name); !ok {
			fmt.Fprintf(&b, "  %s\n", v)
		}
	}
	b.WriteString("outputs:\n")
	for _, v := range g.Outputs {
		fmt.Fprintf(&b, "  %s\n", v)
	}

	counts := map[string]int{}
	for _, n := range g.Nodes {
		op := n.OpType
		if n.Domain != "" && n.Domain != "ai.onnx" {
			op = n.Domain + "." + op
		}
		counts[op]++
	}
	ops := make([]string, 0, len(counts))
	for op := range counts {
		ops = append(ops, op)
	}
	sort.Slice(ops, func(i, j int) bool {
		if counts[ops[i]] != counts[ops[j]] {
			return counts[ops[i]] > counts[ops[j]]
		}
		return ops[i] < ops[j]
	})
	fmt.Fprintf(&b, "ops (%d kinds):\n", len(ops))
	for _, op := range ops {
		fmt.Fprintf(&b, "  %-24s %d\n", op, counts[op])
	}
	return b.String()
}

// String formats the value as "name elem_type [d0,d1,...]"; the shape is
// left out when unknown.
func (v ValueInfo) String() string {
	s := v.Name + " " + v.ElemType.String()
	if v.Shape == nil {
		return s
	}
	dims := make([]string, len(v.Shape))
	for i, d := range v.Shape {
		dims[i] = d.String()
	}
	return s + " [" + strings.Join(dims, ",") + "]"
}
