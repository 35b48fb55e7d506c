package convert

import (
	"fmt"
	"math"
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"dataplus/internal/onnx"
)

func opMatMul(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	if in[0].kind() != in[1].kind() || in[0].kind() == kindBool {
		return nil, fmt.Errorf("MatMul of %s and %s values", in[0].kind(), in[1].kind())
	}
	y, err := matmul(b.node(in[0]), b.node(in[1]))
	if err != nil {
		return nil, err
	}
	return one(nodeValue(y))
}

// matmul is numpy's matmul: batched, with broadcast batch dims; a 1-D
// operand is a row (left) or column (right) vector whose axis is removed
// from the result.
func matmul(a, c *graph.Node) (*graph.Node, error) {
	aVec, cVec := a.Rank() == 1, c.Rank() == 1
	if a.Rank() == 0 || c.Rank() == 0 {
		return nil, fmt.Errorf("MatMul of a scalar")
	}
	if aVec {
		a = graph.Reshape(a, 1, a.Shape().Dimensions[0])
	}
	if cVec {
		c = graph.Reshape(c, c.Shape().Dimensions[0], 1)
	}
	ad, cd := a.Shape().Dimensions, c.Shape().Dimensions
	m, k := ad[len(ad)-2], ad[len(ad)-1]
	k2, nn := cd[len(cd)-2], cd[len(cd)-1]
	if k != k2 {
		return nil, fmt.Errorf("MatMul of shapes %v and %v", ad, cd)
	}
	var y *graph.Node
	if len(cd) == 2 {
		// [batch..., M, K] x [K, N]: no batch axes, no broadcast.
		y = graph.DotGeneral(a, []int{len(ad) - 1}, nil, c, []int{0}, nil)
	} else {
		batch, err := broadcastDims(ad[:len(ad)-2], cd[:len(cd)-2])
		if err != nil {
			return nil, err
		}
		a = broadcastTo(a, slices.Concat(batch, []int{m, k}))
		c = broadcastTo(c, slices.Concat(batch, []int{k, nn}))
		axes := span(0, len(batch))
		y = graph.DotGeneral(a, []int{len(batch) + 1}, axes, c, []int{len(batch)}, axes)
	}
	yd := y.Shape().Dimensions
	out := slices.Clone(yd[:len(yd)-2])
	if !aVec {
		out = append(out, m)
	}
	if !cVec {
		out = append(out, nn)
	}
	if !slices.Equal(out, yd) {
		y = graph.Reshape(y, out...)
	}
	return y, nil
}

func opGemm(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	a, c := b.node(in[0]), b.node(in[1])
	if a.Rank() != 2 || c.Rank() != 2 {
		return nil, fmt.Errorf("Gemm of shapes %v and %v", a.Shape().Dimensions, c.Shape().Dimensions)
	}
	ac, cc := 1, 0
	if n.Attrs.Int("transA", 0) != 0 {
		ac = 0
	}
	if n.Attrs.Int("transB", 0) != 0 {
		cc = 1
	}
	y := graph.DotGeneral(a, []int{ac}, nil, c, []int{cc}, nil)
	if alpha := float64(n.Attrs.Float("alpha", 1)); alpha != 1 {
		y = graph.Mul(y, scalar(y, alpha))
	}
	if bias := input(in, 2); bias != nil {
		bn := b.node(bias)
		if beta := float64(n.Attrs.Float("beta", 1)); beta != 1 {
			bn = graph.Mul(bn, scalar(bn, beta))
		}
		ns := sameRank(y, bn)
		y = graph.Add(ns[0], ns[1])
	}
	return one(nodeValue(y))
}

// spatialAttr returns an INTS attribute with one value per spatial axis,
// or def repeated when absent.
func spatialAttr(n *onnx.Node, name string, nsp int, def int) ([]int, error) {
	vs := n.Attrs.Ints(name, nil)
	if vs == nil {
		out := make([]int, nsp)
		for i := range out {
			out[i] = def
		}
		return out, nil
	}
	if len(vs) != nsp {
		return nil, fmt.Errorf("%s %v for %d spatial axes", name, vs, nsp)
	}
	out := make([]int, nsp)
	for i, v := range vs {
		out[i] = int(v)
	}
	return out, nil
}

// window is the geometry of a convolution or pooling over the spatial
// axes.
type window struct {
	kernel, strides, dilations []int
	pads                       [][2]int // begin, end per spatial axis
}

// readWindow reads kernel_shape (or kernel when given), strides,
// dilations, pads and auto_pad.
func readWindow(n *onnx.Node, spatial []int, kernel []int) (*window, error) {
	nsp := len(spatial)
	var err error
	w := &window{}
	if ks := n.Attrs.Ints("kernel_shape", nil); ks != nil {
		if len(ks) != nsp {
			return nil, fmt.Errorf("kernel_shape %v for %d spatial axes", ks, nsp)
		}
		w.kernel = make([]int, nsp)
		for i, k := range ks {
			w.kernel[i] = int(k)
		}
	} else if kernel != nil {
		w.kernel = kernel
	} else {
		return nil, fmt.Errorf("no kernel_shape")
	}
	if w.strides, err = spatialAttr(n, "strides", nsp, 1); err != nil {
		return nil, err
	}
	if w.dilations, err = spatialAttr(n, "dilations", nsp, 1); err != nil {
		return nil, err
	}
	for i := range nsp {
		if w.kernel[i] <= 0 || w.strides[i] <= 0 || w.dilations[i] <= 0 {
			return nil, fmt.Errorf("kernel %v, strides %v, dilations %v", w.kernel, w.strides, w.dilations)
		}
	}
	w.pads = make([][2]int, nsp)
	autoPad := n.Attrs.String("auto_pad", "NOTSET")
	switch autoPad {
	case "NOTSET":
		pads := n.Attrs.Ints("pads", nil)
		if pads != nil && len(pads) != 2*nsp {
			return nil, fmt.Errorf("pads %v for %d spatial axes", pads, nsp)
		}
		for i := range nsp {
			if pads != nil {
				w.pads[i] = [2]int{int(pads[i]), int(pads[i+nsp])}
			}
		}
	case "VALID":
	case "SAME_UPPER", "SAME_LOWER":
		for i, in := range spatial {
			s := w.strides[i]
			dk := w.dilations[i]*(w.kernel[i]-1) + 1
			out := (in + s - 1) / s
			need := max((out-1)*s+dk-in, 0)
			head := need / 2
			if autoPad == "SAME_LOWER" {
				head = (need + 1) / 2
			}
			w.pads[i] = [2]int{head, need - head}
		}
	default:
		return nil, fmt.Errorf("auto_pad %q", autoPad)
	}
	for _, p := range w.pads {
		if p[0] < 0 || p[1] < 0 {
			return nil, fmt.Errorf("negative pads %v", w.pads)
		}
	}
	return w, nil
}

// convAxes is the NCHW layout of ONNX convolutions.
func convAxes(nsp int) graph.ConvolveAxesConfig {
	sp := span(2, 2+nsp)
	return graph.ConvolveAxesConfig{
		InputBatch: 0, InputChannels: 1, InputSpatial: sp,
		KernelOutputChannels: 0, KernelInputChannels: 1, KernelSpatial: sp,
		OutputBatch: 0, OutputChannels: 1, OutputSpatial: sp,
	}
}

// addChannelBias adds a [C] bias to an NC... tensor.
func (b *builder) addChannelBias(y *graph.Node, bias *value) *graph.Node {
	if bias == nil {
		return y
	}
	dims := make([]int, y.Rank())
	for i := range dims {
		dims[i] = 1
	}
	dims[1] = numel(bias.dims())
	return graph.Add(y, graph.Reshape(b.node(bias), dims...))
}

// convInputs returns a Conv or ConvTranspose's data and weights with
// their dims, checked to be N, C and at least one spatial axis each.
func (b *builder) convInputs(n *onnx.Node, in []*value) (x, w *graph.Node, xd, wd []int, err error) {
	if x, err = b.floatNode(in[0]); err != nil {
		return nil, nil, nil, nil, err
	}
	w = b.node(in[1])
	xd, wd = x.Shape().Dimensions, w.Shape().Dimensions
	if len(xd) < 3 || len(wd) != len(xd) {
		return nil, nil, nil, nil, fmt.Errorf("%s of shapes %v and %v", n.OpType, xd, wd)
	}
	return x, w, xd, wd, nil
}

func opConv(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x, w, xd, wd, err := b.convInputs(n, in)
	if err != nil {
		return nil, err
	}
	nsp := len(xd) - 2
	win, err := readWindow(n, xd[2:], wd[2:])
	if err != nil {
		return nil, err
	}
	if !slices.Equal(win.kernel, wd[2:]) {
		return nil, fmt.Errorf("kernel_shape %v, weights %v", win.kernel, wd)
	}
	group := int(n.Attrs.Int("group", 1))
	if group <= 0 || xd[1] != wd[1]*group || wd[0]%group != 0 {
		return nil, fmt.Errorf("group %d with input %v and weights %v", group, xd, wd)
	}
	y := graph.ConvGeneral(x, w, convAxes(nsp), win.strides, win.pads, nil, win.dilations, group, 1)
	return one(nodeValue(b.addChannelBias(y, input(in, 2))))
}

func opConvTranspose(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x, w, xd, wd, err := b.convInputs(n, in)
	if err != nil {
		return nil, err
	}
	nsp := len(xd) - 2
	group := int(n.Attrs.Int("group", 1))
	if group <= 0 || wd[0] != xd[1] || wd[0]%group != 0 {
		return nil, fmt.Errorf("group %d with input %v and weights %v", group, xd, wd)
	}
	kernel := slices.Clone(wd[2:])
	if ks := n.Attrs.Ints("kernel_shape", nil); ks != nil {
		if len(ks) != nsp {
			return nil, fmt.Errorf("kernel_shape %v", ks)
		}
		for i, k := range ks {
			if int(k) != kernel[i] {
				return nil, fmt.Errorf("kernel_shape %v, weights %v", ks, wd)
			}
		}
	}
	strides, err := spatialAttr(n, "strides", nsp, 1)
	if err != nil {
		return nil, err
	}
	dilations, err := spatialAttr(n, "dilations", nsp, 1)
	if err != nil {
		return nil, err
	}
	outPad, err := spatialAttr(n, "output_padding", nsp, 0)
	if err != nil {
		return nil, err
	}
	pads := make([][2]int, nsp)
	autoPad := n.Attrs.String("auto_pad", "NOTSET")
	outShape := n.Attrs.Ints("output_shape", nil)
	if len(outShape) > nsp {
		outShape = outShape[len(outShape)-nsp:]
	}
	if p := n.Attrs.Ints("pads", nil); p != nil && outShape == nil && autoPad == "NOTSET" {
		if len(p) != 2*nsp {
			return nil, fmt.Errorf("pads %v", p)
		}
		for i := range nsp {
			pads[i] = [2]int{int(p[i]), int(p[i+nsp])}
		}
	}
	for i := range nsp {
		dk := dilations[i]*(kernel[i]-1) + 1
		full := strides[i]*(xd[2+i]-1) + outPad[i] + dk
		var target int
		switch {
		case outShape != nil:
			target = int(outShape[i])
		case autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER":
			target = xd[2+i] * strides[i]
		default:
			continue
		}
		total := full - target
		switch {
		case total < 0:
			// A larger output: the positions past the full result get
			// no input (only the bias).
			pads[i] = [2]int{0, total}
		case autoPad == "SAME_UPPER":
			pads[i] = [2]int{total / 2, total - total/2}
		default:
			pads[i] = [2]int{total - total/2, total / 2}
		}
	}

	// The kernel as a forward convolution's: [C, M/g, k...] ->
	// [M, C/g, k...], flipped on every spatial axis.
	c, mg := wd[0], wd[1]
	k := graph.Reshape(w, slices.Concat([]int{group, c / group, mg}, kernel)...)
	perm := slices.Concat([]int{0, 2, 1}, span(3, 3+nsp))
	k = graph.TransposeAllAxes(k, perm...)
	k = graph.Reshape(k, slices.Concat([]int{group * mg, c / group}, kernel)...)
	for i := range nsp {
		rev := make([]int, kernel[i])
		for j := range rev {
			rev[j] = kernel[i] - 1 - j
		}
		k = b.takeConst(k, 2+i, rev)
	}

	convPads := make([][2]int, nsp)
	crop := make([][2]int, nsp)
	for i := range nsp {
		dk := dilations[i]*(kernel[i]-1) + 1
		lo := dk - 1 - pads[i][0]
		hi := dk - 1 - pads[i][1] + outPad[i]
		convPads[i] = [2]int{max(lo, 0), max(hi, 0)}
		crop[i] = [2]int{max(-lo, 0), max(-hi, 0)}
	}
	ones := make([]int, nsp)
	for i := range ones {
		ones[i] = 1
	}
	y := graph.ConvGeneral(x, k, convAxes(nsp), ones, convPads, strides, dilations, group, 1)
	for i := range nsp {
		if crop[i] != [2]int{} {
			size := y.Shape().Dimensions[2+i]
			y = sliceAxis(y, 2+i, crop[i][0], size-crop[i][1], 1)
		}
	}
	return one(nodeValue(b.addChannelBias(y, input(in, 2))))
}

// poolWindow reads a pooling window and the extra end padding that
// ceil_mode needs.
func poolWindow(n *onnx.Node, spatial []int) (*window, [][2]int, []int, error) {
	win, err := readWindow(n, spatial, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	ceil := n.Attrs.Int("ceil_mode", 0) != 0
	padded := make([][2]int, len(spatial))
	outs := make([]int, len(spatial))
	for i, in := range spatial {
		s := win.strides[i]
		dk := win.dilations[i]*(win.kernel[i]-1) + 1
		pb, pe := win.pads[i][0], win.pads[i][1]
		span := in + pb + pe - dk
		if span < 0 {
			return nil, nil, nil, fmt.Errorf("window %d larger than padded input %d", dk, in+pb+pe)
		}
		out := span/s + 1
		if ceil {
			out = (span+s-1)/s + 1
			// The last window must start inside the input or the left padding.
			if (out-1)*s >= in+pb {
				out--
			}
		}
		extra := max((out-1)*s+dk-(in+pb+pe), 0)
		padded[i] = [2]int{pb, pe + extra}
		outs[i] = out
	}
	return win, padded, outs, nil
}

// reduceWindow runs a backend window reduction over the spatial axes of
// an NC... tensor.
func reduceWindow(x *graph.Node, op backends.ReduceOpType, win *window, padded [][2]int) *graph.Node {
	dims := []int{1, 1}
	strides := []int{1, 1}
	dil := []int{1, 1}
	pads := [][2]int{{0, 0}, {0, 0}}
	for i := range win.kernel {
		dims = append(dims, win.kernel[i])
		strides = append(strides, win.strides[i])
		dil = append(dil, win.dilations[i])
		pads = append(pads, padded[i])
	}
	return graph.BackendReduceWindow(x, op, dims, strides, nil, dil, pads)
}

func opMaxPool(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x := b.node(in[0])
	xd := x.Shape().Dimensions
	if len(xd) < 3 {
		return nil, fmt.Errorf("MaxPool of shape %v", xd)
	}
	win, padded, _, err := poolWindow(n, xd[2:])
	if err != nil {
		return nil, err
	}
	return one(nodeValue(reduceWindow(x, backends.ReduceOpMax, win, padded)))
}

func opAveragePool(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x, err := b.floatNode(in[0])
	if err != nil {
		return nil, err
	}
	xd := x.Shape().Dimensions
	if len(xd) < 3 {
		return nil, fmt.Errorf("AveragePool of shape %v", xd)
	}
	spatial := xd[2:]
	win, padded, outs, err := poolWindow(n, spatial)
	if err != nil {
		return nil, err
	}
	includePad := n.Attrs.Int("count_include_pad", 0) != 0
	sum := reduceWindow(upcast(x), backends.ReduceOpSum, win, padded)

	// The divisor of each output: the taps that fall in the input, or in
	// the input and its explicit pads (not the extra of ceil_mode).
	counts := make([][]float32, len(spatial))
	for i, in := range spatial {
		lo, hi := 0, in
		if includePad {
			lo, hi = -win.pads[i][0], in+win.pads[i][1]
		}
		counts[i] = make([]float32, outs[i])
		for o := range outs[i] {
			c := 0
			for t := range win.kernel[i] {
				pos := o*win.strides[i] - win.pads[i][0] + t*win.dilations[i]
				if pos >= lo && pos < hi {
					c++
				}
			}
			counts[i][o] = float32(c)
		}
	}
	cdims := slices.Concat([]int{1, 1}, outs)
	count := newHost(kindFloat, cdims)
	idx := make([]int, len(cdims))
	for j := range count.f {
		c := float32(1)
		for i := range spatial {
			c *= counts[i][idx[2+i]]
		}
		count.f[j] = max(c, 1)
		incIndex(idx, cdims)
	}
	cn := graph.ConstTensor(b.g, tensors.FromFlatDataAndDimensions(count.f, cdims...)) // float32, as sum
	return one(nodeValue(b.downcast(graph.Div(sum, cn))))
}

// opGlobalPool builds GlobalAveragePool and GlobalMaxPool: the spatial
// axes are reduced and kept with size 1.
func opGlobalPool(isMax bool) buildFunc {
	return func(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
		x := b.node(in[0])
		xd := x.Shape().Dimensions
		if len(xd) < 3 {
			return nil, fmt.Errorf("global pool of shape %v", xd)
		}
		axes := span(2, len(xd))
		kept := slices.Clone(xd)
		count := 1
		for _, a := range axes {
			count *= xd[a]
			kept[a] = 1
		}
		var y *graph.Node
		if isMax {
			y = graph.ReduceMax(x, axes...)
		} else {
			xf := upcast(x)
			y = b.downcast(graph.Div(graph.ReduceSum(xf, axes...), scalar(xf, float64(count))))
		}
		return one(nodeValue(graph.Reshape(y, kept...)))
	}
}

// channelShape is [1, C, 1, ...] for an NC... tensor of rank r.
func channelShape(r, c int) []int {
	dims := make([]int, r)
	for i := range dims {
		dims[i] = 1
	}
	if r > 1 {
		dims[1] = c
	} else {
		dims[0] = c
	}
	return dims
}

func opBatchNorm(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x, err := b.floatNode(in[0])
	if err != nil {
		return nil, err
	}
	eps := n.Attrs.Float("epsilon", 1e-5)
	c := 1
	if x.Rank() > 1 {
		c = x.Shape().Dimensions[1]
	}
	for i := 1; i <= 4; i++ {
		if input(in, i) == nil || numel(in[i].dims()) != c {
			return nil, fmt.Errorf("input %d must have %d values", i, c)
		}
	}
	shape := channelShape(x.Rank(), c)
	var mul, add *graph.Node
	if allHost(in[1], in[2], in[3], in[4]) {
		// Folded on the host: y = x*mul + add.
		scale, bias, mean, vr := in[1].host.floats(), in[2].host.floats(), in[3].host.floats(), in[4].host.floats()
		m, a := make([]float32, c), make([]float32, c)
		for i := range c {
			m[i] = scale[i] / float32(math.Sqrt(float64(vr[i]+eps)))
			a[i] = bias[i] - mean[i]*m[i]
		}
		mul = b.constNode(hostFloats(shape, m...))
		add = b.constNode(hostFloats(shape, a...))
	} else {
		f := func(v *value) *graph.Node { return graph.Reshape(upcast(b.node(v)), shape...) }
		scale, bias, mean, vr := f(in[1]), f(in[2]), f(in[3]), f(in[4])
		mul = graph.Div(scale, graph.Sqrt(graph.Add(vr, scalar(vr, float64(eps)))))
		add = graph.Sub(bias, graph.Mul(mean, mul))
		mul, add = b.downcast(mul), b.downcast(add)
	}
	return one(nodeValue(graph.Add(graph.Mul(x, mul), add)))
}

// normalize returns (x - mean) / sqrt(var + eps) over axes, and the mean
// and 1/sqrt(var+eps) with the axes kept, all in float32 for bfloat16.
func normalize(x *graph.Node, axes []int, eps float64) (y, mean, invStd *graph.Node) {
	xf := upcast(x)
	kept := slices.Clone(xf.Shape().Dimensions)
	count := 1
	for _, a := range axes {
		count *= kept[a]
		kept[a] = 1
	}
	mean = graph.Reshape(graph.Div(graph.ReduceSum(xf, axes...), scalar(xf, float64(count))), kept...)
	centered := graph.Sub(xf, mean)
	vr := graph.Reshape(graph.Div(graph.ReduceSum(graph.Mul(centered, centered), axes...), scalar(xf, float64(count))), kept...)
	invStd = graph.Div(scalar(vr, 1), graph.Sqrt(graph.Add(vr, scalar(vr, eps))))
	return graph.Mul(centered, invStd), mean, invStd
}

func opInstanceNorm(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x, err := b.floatNode(in[0])
	if err != nil {
		return nil, err
	}
	if x.Rank() < 3 {
		return nil, fmt.Errorf("InstanceNormalization of shape %v", x.Shape().Dimensions)
	}
	c := x.Shape().Dimensions[1]
	y, _, _ := normalize(x, span(2, x.Rank()), float64(n.Attrs.Float("epsilon", 1e-5)))
	shape := channelShape(x.Rank(), c)
	scale := graph.Reshape(upcast(b.node(in[1])), shape...)
	bias := graph.Reshape(upcast(b.node(in[2])), shape...)
	return one(nodeValue(b.downcast(graph.Add(graph.Mul(y, scale), bias))))
}

func opLayerNorm(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x, err := b.floatNode(in[0])
	if err != nil {
		return nil, err
	}
	axis, err := normAxis(n.Attrs.Int("axis", -1), x.Rank())
	if err != nil {
		return nil, err
	}
	y, mean, invStd := normalize(x, span(axis, x.Rank()), float64(n.Attrs.Float("epsilon", 1e-5)))
	ns := sameRank(y, upcast(b.node(in[1])))
	y = graph.Mul(ns[0], ns[1])
	if bias := input(in, 2); bias != nil {
		ns := sameRank(y, upcast(b.node(bias)))
		y = graph.Add(ns[0], ns[1])
	}
	return []*value{nodeValue(b.downcast(y)), nodeValue(b.downcast(mean)), nodeValue(b.downcast(invStd))}, nil
}

// softmaxOp builds Softmax and LogSoftmax. Before opset 13 the input is
// coerced to 2-D at axis (default 1), so the softmax runs over every axis
// from axis on; from 13 it runs over the one axis (default -1).
func softmaxOp(isLog bool) buildFunc {
	return func(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
		x, err := b.floatNode(in[0])
		if err != nil {
			return nil, err
		}
		var axes []int
		if b.opset < 13 {
			a, err := normAxis(n.Attrs.Int("axis", 1), x.Rank())
			if err != nil {
				return nil, err
			}
			axes = span(a, x.Rank())
		} else {
			a, err := normAxis(n.Attrs.Int("axis", -1), x.Rank())
			if err != nil {
				return nil, err
			}
			axes = []int{a}
		}
		xf := upcast(x)
		kept := slices.Clone(xf.Shape().Dimensions)
		for _, a := range axes {
			kept[a] = 1
		}
		shifted := graph.Sub(xf, graph.Reshape(graph.ReduceMax(xf, axes...), kept...))
		e := graph.Exp(shifted)
		sum := graph.Reshape(graph.ReduceSum(e, axes...), kept...)
		var y *graph.Node
		if isLog {
			y = graph.Sub(shifted, graph.Log(sum))
		} else {
			y = graph.Div(e, sum)
		}
		return one(nodeValue(b.downcast(y)))
	}
}
