package conformance

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"strings"

	"dataplus/internal/infer"
)

// Kinds of case.
const (
	KindOp    = "op"
	KindModel = "model"
)

// Case is one model to run on the reference and on the candidate, with
// the inputs to feed it and the outputs to compare.
type Case struct {
	// Name is unique in a catalog: "Conv/group2", "model/resnet50".
	Name string
	// Kind is KindOp for the single-op catalog, KindModel for real models.
	Kind string
	// Op is the operator under test ("Conv"); for a model case, the file
	// name.
	Op string
	// Opset is the default-domain opset the model imports.
	Opset int64
	// Ops lists every operator type of the graph, Op included, so that a
	// catalog can be cut down to the operators a candidate claims.
	Ops []string

	// Model holds the ONNX bytes of an op case; File the path of a model
	// case, read when the case runs (see Bytes).
	Model []byte
	File  string

	// Inputs are the float32 graph inputs, filled with fresh random
	// values each run.
	Inputs []Input
	// Outputs are the tensors to compare; empty means every graph output.
	Outputs []string

	// Tol, when larger than Options.Tol, is this case's tolerance: for a
	// graph whose reference is known to be less exact.
	Tol float64
	// Skip gives a reason not to run the case on a candidate, keyed by a
	// prefix of the candidate runner's Name ("gomlx/go" matches
	// "gomlx/go/float32"). Keep skips rare: each is reported.
	Skip map[string]string
}

// Input describes one float32 graph input.
type Input struct {
	Name  string
	Shape []int64
	Dist  Dist
}

// Dist is the distribution of an input's values: uniform in [Lo, Hi],
// then negated with probability one half when Signed (so a divisor can be
// drawn from ±[0.5, 2], away from zero), then rounded to an integer when
// Round (so that comparisons find equal values). The zero Dist is
// uniform in [-1, 1].
//
// Text replaces all that for an [N, 3, H, W] input: a white page with
// random dark lines of character-like blocks, normalised with the
// ImageNet mean and std as dataplus feeds its models. A text detector
// given noise finds nothing and answers a map of values near 0, which
// compares nothing of interest.
type Dist struct {
	Lo, Hi float32
	Signed bool
	Round  bool
	Text   bool
}

// Standard distributions.
var (
	distDefault  = Dist{Lo: -1, Hi: 1}
	distWide     = Dist{Lo: -3, Hi: 3}
	distPositive = Dist{Lo: 0.1, Hi: 3}
	distNonZero  = Dist{Lo: 0.5, Hi: 2, Signed: true}
	distImage    = Dist{Lo: -1, Hi: 1}
	distInts     = Dist{Lo: -3, Hi: 3, Round: true}
)

// Bytes returns the model: Model, or the contents of File.
func (c *Case) Bytes() ([]byte, error) {
	if c.Model != nil {
		return c.Model, nil
	}
	if c.File == "" {
		return nil, fmt.Errorf("case %s: no model", c.Name)
	}
	data, err := os.ReadFile(c.File)
	if err != nil {
		return nil, fmt.Errorf("case %s: %w", c.Name, err)
	}
	return data, nil
}

// SkipReason returns why the case does not run on the named runner, or
// "" when it runs.
func (c *Case) SkipReason(runner string) string {
	for prefix, reason := range c.Skip {
		if strings.HasPrefix(runner, prefix) {
			return reason
		}
	}
	return ""
}

// MakeInputs draws the case's inputs. The values depend only on seed and
// the case name, so one seed reproduces a failure of any case.
func (c *Case) MakeInputs(seed uint64) map[string]infer.Tensor {
	h := fnv.New64a()
	h.Write([]byte(c.Name))
	rng := rand.New(rand.NewPCG(seed, h.Sum64()))
	out := make(map[string]infer.Tensor, len(c.Inputs))
	for _, in := range c.Inputs {
		t := infer.NewTensor(append([]int64(nil), in.Shape...)...)
		if in.Dist.Text && len(t.Shape) == 4 && t.Shape[1] == 3 {
			drawText(rng, t)
		} else {
			for i := range t.Data {
				t.Data[i] = in.Dist.draw(rng)
			}
		}
		out[in.Name] = t
	}
	return out
}

func (d Dist) draw(rng *rand.Rand) float32 {
	if d == (Dist{}) {
		d = distDefault
	}
	v := d.Lo + (d.Hi-d.Lo)*rng.Float32()
	if d.Signed && rng.IntN(2) == 0 {
		v = -v
	}
	if d.Round {
		v = float32(math.Round(float64(v)))
	}
	return v
}

// ImageNet normalisation (infer's preprocessing for every bundled model).
var (
	imageMean = [3]float32{0.485, 0.456, 0.406}
	imageStd  = [3]float32{0.229, 0.224, 0.225}
)

// drawText fills an [N, 3, H, W] tensor with pages of random text-like
// lines: dark blocks of random widths and gaps on a white background,
// with a little noise, normalised.
func drawText(rng *rand.Rand, t infer.Tensor) {
	n, h, w := int(t.Shape[0]), int(t.Shape[2]), int(t.Shape[3])
	page := make([]float32, h*w)
	for b := range n {
		for i := range page {
			page[i] = 1
		}
		lineH := max(3, h/8)
		for y := 1 + rng.IntN(lineH); y+lineH <= h; y += lineH + lineH/2 + rng.IntN(lineH) {
			glyphH := lineH - rng.IntN(max(1, lineH/3))
			x := 1 + rng.IntN(max(1, w/8))
			end := w - 1 - rng.IntN(max(1, w/3))
			for x < end {
				gw := 1 + rng.IntN(max(1, lineH))
				ink := 0.25 * rng.Float32()
				for yy := y; yy < y+glyphH; yy++ {
					for xx := x; xx < min(x+gw, end); xx++ {
						page[yy*w+xx] = ink
					}
				}
				x += gw + 1 + rng.IntN(max(1, lineH/2))
			}
		}
		for c := range 3 {
			plane := t.Data[(b*3+c)*h*w : (b*3+c+1)*h*w]
			for i, v := range page {
				v += 0.04 * (rng.Float32() - 0.5)
				plane[i] = (v - imageMean[c]) / imageStd[c]
			}
		}
	}
}
