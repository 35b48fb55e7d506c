package pdf

// Limits bound the work one document may cause. A zero field means "use
// the default" (see DefaultLimits).
type Limits struct {
	MaxObjects     int   // cross-reference entries accepted
	MaxDepth       int   // array/dict nesting
	MaxStreamBytes int64 // decoded bytes of one stream
	MaxWork        int64 // per document: decoded stream bytes + parsed objects*64
	MaxPages       int   // pages accepted from the page tree
}

// DefaultLimits returns the limits used when Options.Limits is zero.
func DefaultLimits() Limits {
	return Limits{
		MaxObjects:     10_000_000,
		MaxDepth:       200,
		MaxStreamBytes: 256 << 20,
		MaxWork:        4 << 30,
		MaxPages:       1_000_000,
	}
}

// withDefaults fills zero (or negative) fields with the defaults.
func (l Limits) withDefaults() Limits {
	def := DefaultLimits()
	if l.MaxObjects <= 0 {
		l.MaxObjects = def.MaxObjects
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = def.MaxDepth
	}
	if l.MaxStreamBytes <= 0 {
		l.MaxStreamBytes = def.MaxStreamBytes
	}
	if l.MaxWork <= 0 {
		l.MaxWork = def.MaxWork
	}
	if l.MaxPages <= 0 {
		l.MaxPages = def.MaxPages
	}
	return l
}

// Options configure Open.
type Options struct {
	Limits   Limits // zero fields take their defaults
	Password []byte // tried as user password, then as owner password
}

// workPerValue is what parsing one value (token) costs against MaxWork:
// the contract's "parsed objects*64", counting direct objects too.
const workPerValue = 64

// ctxCheckEvery is how many iterations of a loop over file-controlled counts
// may pass between two checks of the context.
const ctxCheckEvery = 4096
