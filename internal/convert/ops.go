package convert

import (
	"fmt"

	"dataplus/internal/onnx"
)

// buildFunc builds one node: in holds the inputs (nil where omitted); it
// returns the outputs in order (nil for an output it does not produce).
type buildFunc func(b *builder, n *onnx.Node, in []*value) ([]*value, error)

// opDef is a supported operator.
type opDef struct {
	since int64                                  // first default-domain opset with these semantics
	check func(n *onnx.Node, opset int64) string // "" or what is unsupported, e.g. `Resize mode "cubic"`
	build buildFunc
}

// opDefs are the supported operators by op type.
var opDefs map[string]opDef

func init() {
	opDefs = map[string]opDef{
		// Elementwise, one input.
		"Abs":        {build: unaryOp("Abs")},
		"Ceil":       {build: unaryOp("Ceil")},
		"Cos":        {build: unaryOp("Cos")},
		"Erf":        {since: 9, build: unaryOp("Erf")},
		"Exp":        {build: unaryOp("Exp")},
		"Floor":      {build: unaryOp("Floor")},
		"Identity":   {build: unaryOp("Identity")},
		"Log":        {build: unaryOp("Log")},
		"Neg":        {build: unaryOp("Neg")},
		"Not":        {build: unaryOp("Not")},
		"Reciprocal": {build: unaryOp("Reciprocal")},
		"Relu":       {build: unaryOp("Relu")},
		"Round":      {since: 11, build: unaryOp("Round")},
		"Sigmoid":    {build: unaryOp("Sigmoid")},
		"Sign":       {since: 9, build: unaryOp("Sign")},
		"Sin":        {build: unaryOp("Sin")},
		"Softplus":   {build: unaryOp("Softplus")},
		"Softsign":   {build: unaryOp("Softsign")},
		"Sqrt":       {build: unaryOp("Sqrt")},
		"Tanh":       {build: unaryOp("Tanh")},

		"Elu":         {build: opElu},
		"Gelu":        {since: 20, check: checkGelu, build: opGelu},
		"HardSigmoid": {build: opHardSigmoid},
		"HardSwish":   {since: 14, build: opHardSwish},
		"LeakyRelu":   {build: opLeakyRelu},
		"PRelu":       {build: opPRelu},
		"Selu":        {build: opSelu},
		"Clip":        {build: opClip},
		"Cast":        {check: checkCast, build: opCast},
		"Dropout":     {build: opDropout},

		// Elementwise, several inputs, with broadcasting.
		"Add":            {build: binaryOp("Add")},
		"Sub":            {build: binaryOp("Sub")},
		"Mul":            {build: binaryOp("Mul")},
		"Div":            {build: binaryOp("Div")},
		"Pow":            {build: binaryOp("Pow")},
		"Mod":            {since: 10, build: opMod},
		"Equal":          {build: binaryOp("Equal")},
		"Less":           {build: binaryOp("Less")},
		"Greater":        {build: binaryOp("Greater")},
		"LessOrEqual":    {since: 12, build: binaryOp("LessOrEqual")},
		"GreaterOrEqual": {since: 12, build: binaryOp("GreaterOrEqual")},
		"And":            {build: binaryOp("And")},
		"Or":             {build: binaryOp("Or")},
		"Xor":            {build: binaryOp("Xor")},
		"Max":            {build: variadicOp("Max")},
		"Min":            {build: variadicOp("Min")},
		"Sum":            {build: variadicOp("Sum")},
		"Mean":           {build: variadicOp("Mean")},
		"Where":          {since: 9, build: opWhere},

		// Constants and shapes.
		"Constant":        {check: checkConstant, build: opConstant},
		"ConstantOfShape": {since: 9, check: checkConstantOfShape, build: opConstantOfShape},
		"Shape":           {build: opShape},
		"Size":            {build: opSize},
		"Range":           {since: 11, build: opRange},

		// Layout.
		"Reshape":   {build: opReshape},
		"Flatten":   {build: opFlatten},
		"Transpose": {build: opTranspose},
		"Squeeze":   {build: opSqueeze},
		"Unsqueeze": {build: opUnsqueeze},
		"Concat":    {build: opConcat},
		"Split":     {build: opSplit},
		"Slice":     {build: opSlice},
		"Gather":    {build: opGather},
		"Expand":    {since: 8, build: opExpand},
		"Tile":      {build: opTile},
		"Pad":       {check: checkPad, build: opPad},

		// Reductions.
		"ReduceMean":      {build: reduceOp("Mean")},
		"ReduceSum":       {build: reduceOp("Sum")},
		"ReduceMax":       {build: reduceOp("Max")},
		"ReduceMin":       {build: reduceOp("Min")},
		"ReduceProd":      {build: reduceOp("Prod")},
		"ReduceL1":        {build: reduceOp("L1")},
		"ReduceL2":        {build: reduceOp("L2")},
		"ReduceSumSquare": {build: reduceOp("SumSquare")},
		"ReduceLogSumExp": {build: reduceOp("LogSumExp")},
		"ArgMax":          {check: checkArg, build: argOp(false)},
		"ArgMin":          {check: checkArg, build: argOp(true)},

		// Neural-network layers.
		"MatMul":                {build: opMatMul},
		"Gemm":                  {build: opGemm},
		"Conv":                  {check: checkAutoPad, build: opConv},
		"ConvTranspose":         {check: checkAutoPad, build: opConvTranspose},
		"MaxPool":               {check: checkMaxPool, build: opMaxPool},
		"AveragePool":           {check: checkAutoPad, build: opAveragePool},
		"GlobalAveragePool":     {build: opGlobalPool(false)},
		"GlobalMaxPool":         {build: opGlobalPool(true)},
		"BatchNormalization":    {check: checkBatchNorm, build: opBatchNorm},
		"InstanceNormalization": {build: opInstanceNorm},
		"LayerNormalization":    {since: 17, build: opLayerNorm},
		"Softmax":               {build: softmaxOp(false)},
		"LogSoftmax":            {build: softmaxOp(true)},
		"Resize":                {since: 10, check: checkResize, build: opResize},
		"Upsample":              {check: checkUpsample, build: opUpsample},
	}
}

// one returns a single output.
func one(v *value) ([]*value, error) { return []*value{v}, nil }

// outputsUsed counts a node's named outputs.
func outputsUsed(n *onnx.Node) int {
	k := 0
	for _, o := range n.Outputs {
		if o != "" {
			k++
		}
	}
	return k
}

func checkAutoPad(n *onnx.Node, _ int64) string {
	switch p := n.Attrs.String("auto_pad", "NOTSET"); p {
	case "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID":
		return ""
	default:
		return fmt.Sprintf("%s auto_pad %q", n.OpType, p)
	}
}

func checkMaxPool(n *onnx.Node, opset int64) string {
	if len(n.Outputs) > 1 && n.Outputs[1] != "" {
		return "MaxPool Indices output"
	}
	return checkAutoPad(n, opset)
}

func checkBatchNorm(n *onnx.Node, _ int64) string {
	if n.Attrs.Int("training_mode", 0) != 0 {
		return "BatchNormalization training_mode=1"
	}
	if outputsUsed(n) > 1 {
		return "BatchNormalization training outputs"
	}
	return ""
}

func checkArg(n *onnx.Node, _ int64) string {
	if n.Attrs.Int("select_last_index", 0) != 0 {
		return n.OpType + " select_last_index=1"
	}
	return ""
}

func checkGelu(n *onnx.Node, _ int64) string {
	switch a := n.Attrs.String("approximate", "none"); a {
	case "none", "tanh":
		return ""
	default:
		return fmt.Sprintf("Gelu approximate %q", a)
	}
}

func checkCast(n *onnx.Node, _ int64) string {
	to := onnx.DataType(n.Attrs.Int("to", 0))
	if _, err := kindOf(to); err != nil {
		return fmt.Sprintf("Cast to %s", to)
	}
	return ""
}

func checkConstant(n *onnx.Node, _ int64) string {
	for name := range n.Attrs {
		switch name {
		case "value", "value_float", "value_floats", "value_int", "value_ints":
			if name == "value" && n.Attrs.Tensor("value") != nil {
				if _, err := kindOf(n.Attrs.Tensor("value").DataType); err != nil {
					return fmt.Sprintf("Constant of type %s", n.Attrs.Tensor("value").DataType)
				}
			}
			return ""
		default:
			return fmt.Sprintf("Constant attribute %q", name)
		}
	}
	return "Constant without a value"
}

func checkConstantOfShape(n *onnx.Node, _ int64) string {
	if t := n.Attrs.Tensor("value"); t != nil {
		if _, err := kindOf(t.DataType); err != nil {
			return fmt.Sprintf("ConstantOfShape of type %s", t.DataType)
		}
	}
	return ""
}

func checkPad(n *onnx.Node, _ int64) string {
	switch m := n.Attrs.String("mode", "constant"); m {
	case "constant", "reflect", "edge", "wrap":
		return ""
	default:
		return fmt.Sprintf("Pad mode %q", m)
	}
}
