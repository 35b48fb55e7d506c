package convert

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"dataplus/internal/onnx"
)

// The default-domain opsets Load accepts. Below 7 several operators had
// other attributes (BatchNormalization's spatial, is_test); above 22 the
// operators' semantics have not been checked.
const (
	minOpset = 7
	maxOpset = 22
)

// weightMinElements: a float constant with more elements than this is a
// weight, uploaded once and passed to the program as a parameter; smaller
// ones are embedded in the graph as constants.
const weightMinElements = 64

// Model is a decoded ONNX model whose every node the converter supports.
// It is immutable and safe for concurrent use; Compile it once per
// backend.
type Model struct {
	graph  *onnx.Graph
	opset  int64
	inputs []onnx.ValueInfo

	// consts are the constant tensors by value name: initializers and the
	// value of Constant nodes.
	consts map[string]*onnx.Tensor
	// weights names the constants that are weights (float, more than
	// weightMinElements elements).
	weights map[string]bool
	// producer maps a node output to the node's index.
	producer map[string]int
}

// UnsupportedError lists what the converter cannot run in a model: one
// item per operator (or attribute value), with the first node that uses
// it.
type UnsupportedError struct {
	Items []string
}

func (e *UnsupportedError) Error() string {
	return "unsupported ONNX ops: " + strings.Join(e.Items, ", ")
}

// Load decodes and checks a model. Every node's op (with its opset and
// attributes) is checked against what the converter supports; unsupported
// ops are reported by name in one *UnsupportedError, e.g.
// `unsupported ONNX ops: Foo (node "x", opset 13), Resize mode "cubic" (node "y")`,
// never as a wrong answer later.
//
// The model keeps references into data (tensor contents are not copied):
// data must not be modified while the model or its programs are in use.
func Load(data []byte) (*Model, error) {
	om, err := onnx.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("load onnx model: %w", err)
	}
	m, err := newModel(om)
	var ue *UnsupportedError
	if errors.As(err, &ue) {
		return nil, ue
	}
	if err != nil {
		return nil, fmt.Errorf("load onnx model: %w", err)
	}
	return m, nil
}

func newModel(om *onnx.Model) (*Model, error) {
	g := &om.Graph
	opset, ok := om.Opsets[""]
	if v, ok2 := om.Opsets["ai.onnx"]; ok2 {
		opset, ok = v, true
	}
	if !ok {
		return nil, fmt.Errorf("model imports no opset of the default ONNX domain")
	}
	m := &Model{
		graph:    g,
		opset:    opset,
		consts:   map[string]*onnx.Tensor{},
		weights:  map[string]bool{},
		producer: map[string]int{},
	}

	var unsupported unsupportedList
	if opset < minOpset || opset > maxOpset {
		unsupported.add(issue{what: fmt.Sprintf("default-domain opset %d", opset), detail: fmt.Sprintf("supported: %d to %d", minOpset, maxOpset)}, "-")
	}

	defined := map[string]bool{}
	for i := range g.Initializers {
		t := &g.Initializers[i]
		if err := m.addConst(t.Name, t); err != nil {
			return nil, err
		}
		defined[t.Name] = true
	}
	for _, in := range g.Inputs {
		if defined[in.Name] {
			continue // an initializer listed as an input (IR < 4): a constant
		}
		if in.ElemType != onnx.Undefined {
			if k, err := kindOf(in.ElemType); err != nil || k == kindBool {
				return nil, fmt.Errorf("input %q: type %s is not supported (float and integer inputs are)", in.Name, in.ElemType)
			}
		}
		m.inputs = append(m.inputs, in)
		defined[in.Name] = true
	}

	for i := range g.Nodes {
		n := &g.Nodes[i]
		for _, in := range n.Inputs {
			if in != "" && !defined[in] {
				return nil, fmt.Errorf("node %q (%s): input %q is not defined before the node", n.Name, n.OpType, in)
			}
		}
		for _, out := range n.Outputs {
			if out == "" {
				continue
			}
			if defined[out] {
				return nil, fmt.Errorf("node %q (%s): output %q is defined twice", n.Name, n.OpType, out)
			}
			defined[out] = true
			m.producer[out] = i
		}
		if is := checkNode(n, opset); is != nil {
			unsupported.add(*is, n.Name)
			continue
		}
		if isConstantNode(n) {
			if t := n.Attrs.Tensor("value"); t != nil && len(n.Outputs) == 1 {
				if err := m.addConst(n.Outputs[0], t); err != nil {
					return nil, fmt.Errorf("node %q (Constant): %w", n.Name, err)
				}
			}
		}
	}
	for _, out := range g.Outputs {
		if !defined[out.Name] {
			return nil, fmt.Errorf("graph output %q is not defined", out.Name)
		}
	}
	if err := unsupported.err(); err != nil {
		return nil, err
	}
	return m, nil
}

func isConstantNode(n *onnx.Node) bool {
	return n.OpType == "Constant" && (n.Domain == "" || n.Domain == "ai.onnx")
}

// addConst records a constant tensor, and whether it is a weight.
func (m *Model) addConst(name string, t *onnx.Tensor) error {
	k, err := kindOf(t.DataType)
	if err != nil {
		return fmt.Errorf("constant %q: %w", name, err)
	}
	n, err := t.Len()
	if err != nil {
		return fmt.Errorf("constant %q: %w", name, err)
	}
	m.consts[name] = t
	if k == kindFloat && n > weightMinElements {
		m.weights[name] = true
	}
	return nil
}

// issue is one thing the converter does not support: what ("Foo",
// `Resize mode "cubic"`) and an optional detail ("opset 13").
type issue struct {
	what, detail string
}

// unsupportedList collects issues, each once, with the first node that
// has it and how many more do.
type unsupportedList struct {
	order []issue
	first map[issue]string
	more  map[issue]int
}

func (u *unsupportedList) add(is issue, node string) {
	if u.first == nil {
		u.first, u.more = map[issue]string{}, map[issue]int{}
	}
	if _, ok := u.first[is]; ok {
		u.more[is]++
		return
	}
	u.order = append(u.order, is)
	u.first[is] = node
}

func (u *unsupportedList) err() error {
	if len(u.order) == 0 {
		return nil
	}
	e := &UnsupportedError{}
	for _, is := range u.order {
		var parts []string
		if node, ok := u.first[is]; ok && node != "-" {
			where := fmt.Sprintf("node %q", node)
			if k := u.more[is]; k > 0 {
				where += fmt.Sprintf(" and %d more", k)
			}
			parts = append(parts, where)
		}
		if is.detail != "" {
			parts = append(parts, is.detail)
		}
		item := is.what
		if len(parts) > 0 {
			item += " (" + strings.Join(parts, ", ") + ")"
		}
		e.Items = append(e.Items, item)
	}
	return e
}

// checkNode returns nil when the converter supports the node, else what
// it does not support.
func checkNode(n *onnx.Node, opset int64) *issue {
	if n.Domain != "" && n.Domain != "ai.onnx" {
		return &issue{what: n.OpType, detail: fmt.Sprintf("domain %q", n.Domain)}
	}
	def, ok := opDefs[n.OpType]
	if !ok || opset < def.since {
		return &issue{what: n.OpType, detail: fmt.Sprintf("opset %d", opset)}
	}
	if def.check != nil {
		if what := def.check(n, opset); what != "" {
			return &issue{what: what}
		}
	}
	return nil
}

// Opset returns the model's default-domain opset.
func (m *Model) Opset() int64 { return m.opset }

// Inputs returns the graph inputs that are not initializers.
func (m *Model) Inputs() []onnx.ValueInfo { return slices.Clone(m.inputs) }

// Outputs returns the graph outputs.
func (m *Model) Outputs() []onnx.ValueInfo { return slices.Clone(m.graph.Outputs) }

// Ops returns the supported op types, sorted.
func Ops() []string {
	names := make([]string, 0, len(opDefs))
	for name := range opDefs {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// isDefined reports whether name is a value of the graph.
func (m *Model) isDefined(name string) bool {
	if _, ok := m.consts[name]; ok {
		return true
	}
	if _, ok := m.producer[name]; ok {
		return true
	}
	for _, in := range m.inputs {
		if in.Name == name {
			return true
		}
	}
	return false
}

// plan is what a program computes: the nodes, inputs and weights that the
// requested outputs need.
type plan struct {
	outputs []string
	nodes   []int            // node indices, in graph order
	inputs  []onnx.ValueInfo // in graph order
	weights []string         // in first-use order
}

// planFor finds what outputs depend on.
func (m *Model) planFor(outputs []string) (*plan, error) {
	if len(outputs) == 0 {
		for _, o := range m.graph.Outputs {
			outputs = append(outputs, o.Name)
		}
	}
	if len(outputs) == 0 {
		return nil, fmt.Errorf("the model has no outputs")
	}
	need := map[string]bool{}
	var stack []string
	for _, o := range outputs {
		if !m.isDefined(o) {
			return nil, fmt.Errorf("no value %q in the graph", o)
		}
		if !need[o] {
			need[o] = true
			stack = append(stack, o)
		}
	}
	nodes := map[int]bool{}
	for len(stack) > 0 {
		name := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		i, ok := m.producer[name]
		if !ok || nodes[i] {
			continue
		}
		n := &m.graph.Nodes[i]
		if m.weights[name] && isConstantNode(n) {
			continue // a weight: no node to build
		}
		nodes[i] = true
		for _, in := range n.Inputs {
			if in != "" && !need[in] {
				need[in] = true
				stack = append(stack, in)
			}
		}
	}
	p := &plan{outputs: slices.Clone(outputs)}
	for i := range m.graph.Nodes {
		if !nodes[i] {
			continue
		}
		p.nodes = append(p.nodes, i)
	}
	for _, in := range m.inputs {
		if need[in.Name] {
			p.inputs = append(p.inputs, in)
		}
	}
	seen := map[string]bool{}
	addWeight := func(name string) {
		if m.weights[name] && !seen[name] {
			seen[name] = true
			p.weights = append(p.weights, name)
		}
	}
	for _, i := range p.nodes {
		for _, in := range m.graph.Nodes[i].Inputs {
			addWeight(in)
		}
	}
	for _, o := range outputs {
		addWeight(o)
	}
	return p, nil
}
