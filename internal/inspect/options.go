package inspect

// Options bound the work of Document. Zero values take the defaults.
type Options struct {
	MaxFormDepth    int   // nested form XObjects followed; default 8
	MaxContentBytes int64 // decoded content bytes scanned per page, forms included; default 64 MiB
}

// Defaults for Options.
const (
	DefaultMaxFormDepth    = 8
	DefaultMaxContentBytes = 64 << 20
)

func (o Options) withDefaults() Options {
	if o.MaxFormDepth <= 0 {
		o.MaxFormDepth = DefaultMaxFormDepth
	}
	if o.MaxContentBytes <= 0 {
		o.MaxContentBytes = DefaultMaxContentBytes
	}
	return o
}
