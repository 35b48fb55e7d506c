package features

// PoolActivation pools a visual model's activation map, laid out C×H×W
// (channel-major, as ONNX models emit it), into 2c values: the mean of
// each channel, then the max of each channel
// ([mean_0 … mean_{c-1}, max_0 … max_{c-1}]). Mean pooling keeps how much
// of a pattern a page has, max pooling whether it has it at all; both
// together separate sparse pages (a title page) from dense ones better
// than either alone.
//
// A map shorter than c*h*w, or with h*w == 0, gives 2c zeros: the
// caller's shapes are wrong and no value would mean anything.
func PoolActivation(a []float32, c, h, w int) []float32 {
	if c <= 0 {
		return nil
	}
	out := make([]float32, 2*c)
	n := h * w
	if h <= 0 || w <= 0 || len(a) < c*n {
		return out
	}
	for ch := range c {
		plane := a[ch*n : (ch+1)*n]
		var sum float64
		peak := plane[0]
		for _, v := range plane {
			sum += float64(v)
			if v > peak {
				peak = v
			}
		}
		out[ch] = float32(sum / float64(n))
		out[c+ch] = peak
	}
	return out
}

// VisualBlock concatenates the pooled vectors of the scales a page was
// seen at (for example the detector's backbone at 640 and 960 pixels), in
// the order given. The order must be the same for every page of a run.
func VisualBlock(scales [][]float32) []float32 {
	n := 0
	for _, s := range scales {
		n += len(s)
	}
	out := make([]float32, 0, n)
	for _, s := range scales {
		out = append(out, s...)
	}
	return out
}
