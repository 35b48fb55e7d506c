package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"dataplus/internal/pipeline"
	"dataplus/internal/route"
)

// ErrInvalid wraps every error Load returns other than the flag package's
// own parse errors (which the flag package has already printed).
var ErrInvalid = errors.New("invalid configuration")

// EnvPrefix starts the name of every environment variable dataplus reads.
const EnvPrefix = "DATAPLUS_"

// Config is the whole configuration. JSON names are the flag names with
// underscores.
type Config struct {
	Workers       int          `json:"workers"`
	Timeout       Duration     `json:"timeout"`
	MaxFileSize   Size         `json:"max_file_size"`
	Password      string       `json:"password"`
	Pages         bool         `json:"pages"` // per-page facts in the output
	LogLevel      string       `json:"log_level"`
	Route         route.Config `json:"route"`
	MaxPages      int          `json:"max_pages"`
	MaxStreamSize Size         `json:"max_stream_size"`
	// Server holds the settings of dataplus serve (the "server" object in
	// the file). Other commands ignore it.
	Features Features `json:"features"`
	Server   Server   `json:"server"`
}

// Default returns the built-in defaults.
func Default(cores int) Config {
	p := pipeline.DefaultConfig()
	return Config{
		Workers:       max(cores, 1),
		Timeout:       Duration(p.Timeout),
		MaxFileSize:   Size(p.MaxFileBytes),
		Pages:         true,
		LogLevel:      "warn",
		Route:         route.DefaultConfig(),
		MaxPages:      p.Limits.MaxPages,
		MaxStreamSize: Size(p.Limits.MaxStreamBytes),
		Features:      DefaultFeatures(),
		Server:        DefaultServer(),
	}
}

// Pipeline returns the pipeline's part.
func (c Config) Pipeline() pipeline.Config {
	p := pipeline.DefaultConfig()
	p.Workers = c.Workers
	p.Timeout = time.Duration(c.Timeout)
	p.MaxFileBytes = int64(c.MaxFileSize)
	p.Password = c.Password
	p.Route = c.Route
	p.Limits.MaxPages = c.MaxPages
	p.Limits.MaxStreamBytes = int64(c.MaxStreamSize)
	return p
}

// Validate checks the whole configuration once, in main.
func (c Config) Validate() error {
	var errs []error
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("config: log_level must be debug, info, warn or error, got %q", c.LogLevel))
	}
	if c.MaxPages < 1 || c.MaxStreamSize < 1 {
		errs = append(errs, errors.New("config: max_pages and max_stream_size must be positive"))
	}
	errs = append(errs, c.Pipeline().Validate(), c.Features.Validate(), c.Server.Validate())
	return errors.Join(errs...)
}

// Bind registers a flag for every setting, pointing into c. Call it after
// the file has been applied, so the flags' defaults show the file's values.
func Bind(fs *flag.FlagSet, c *Config) {
	fs.IntVar(&c.Workers, "workers", c.Workers, "files processed at once")
	fs.Var(&c.Timeout, "timeout", "per-file deadline, e.g. 30s or 2m")
	fs.Var(&c.MaxFileSize, "max-file-size", "larger files get a too_large record without being read (e.g. 512MiB)")
	fs.StringVar(&c.Password, "password", c.Password, "password tried on encrypted files after the empty one")
	fs.BoolVar(&c.Pages, "pages", c.Pages, "include per-page facts and routes in each record")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (logs go to stderr)")
	fs.IntVar(&c.MaxPages, "max-pages", c.MaxPages, "files with more pages get a too_large record")
	fs.Var(&c.MaxStreamSize, "max-stream-size", "decoded size limit of one stream (e.g. 256MiB)")
	BindFeatures(fs, &c.Features)
	r := &c.Route
	fs.IntVar(&r.MinChars, "min-chars", r.MinChars, "visible characters below which a page has no usable text layer")
	fs.Float64Var(&r.OCRImageCoverage, "ocr-image-coverage", r.OCRImageCoverage, "image share of a text-less page that sends it to full-page OCR")
	fs.Float64Var(&r.RegionImageCoverage, "region-image-coverage", r.RegionImageCoverage, "image share beside text that sends images to region OCR")
	fs.Float64Var(&r.RasterCoverage, "raster-coverage", r.RasterCoverage, "image share of a text-less page that makes it a page image for the document label")
	fs.IntVar(&r.UnmappedMin, "unmapped-min", r.UnmappedMin, "unmapped glyphs needed before the unmapped share is considered")
	fs.Float64Var(&r.UnmappedShare, "unmapped-share", r.UnmappedShare, "share of glyphs without Unicode above which a page goes to OCR")
	fs.Float64Var(&r.ReplacementShare, "replacement-share", r.ReplacementShare, "share of U+FFFD/control glyphs above which a page goes to OCR")
	fs.IntVar(&r.VectorTextPathOps, "vector-text-path-ops", r.VectorTextPathOps, "path operators on a text-less, image-less page that suggest text drawn as curves (0: off)")
	fs.Float64Var(&r.ScannedShare, "scanned-share", r.ScannedShare, "page-image share from which a document is scanned")
	fs.Float64Var(&r.MixedShare, "mixed-share", r.MixedShare, "page-image share from which a document is mixed")
}

// Load builds the configuration for one command: defaults, then the JSON
// file named by --config or DATAPLUS_CONFIG, then the environment, then the
// flags in args. It registers the flags on fs (plus any the caller added
// before) and parses args; the remaining arguments are fs.Args().
func Load(fs *flag.FlagSet, args []string, getenv func(string) string, cores int) (Config, error) {
	return loadWith(fs, args, getenv, cores, false)
}

// LoadServe is Load for dataplus serve: it also registers the server's
// flags (BindServer) and reads DATAPLUS_AUTH_TOKENS, which has no flag
// twin so that tokens never show up in a process listing.
func LoadServe(fs *flag.FlagSet, args []string, getenv func(string) string, cores int) (Config, error) {
	return loadWith(fs, args, getenv, cores, true)
}

func loadWith(fs *flag.FlagSet, args []string, getenv func(string) string, cores int, serve bool) (Config, error) {
	c := Default(cores)
	path := getenv(EnvPrefix + "CONFIG")
	if p, ok := flagValue(args, "config"); ok {
		path = p
	}
	if path != "" {
		if err := c.readFile(path); err != nil {
			return c, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	}
	fs.String("config", path, "JSON configuration file (also DATAPLUS_CONFIG)")
	Bind(fs, &c)
	if serve {
		BindServer(fs, &c.Server)
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || f.Name == "config" {
			return
		}
		name := EnvName(f.Name)
		if v := getenv(name); v != "" {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("config: %s=%q: %w", name, v, err))
			}
		}
	})
	if serve {
		if v := getenv(EnvAuthTokens); v != "" {
			c.Server.AuthTokens = splitTokens(v)
		}
	}
	errs = append(errs, c.Validate())
	if err := errors.Join(errs...); err != nil {
		return c, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return c, nil
}

// EnvName is the environment variable for a flag name.
func EnvName(flagName string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func (c *Config) readFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields() // a typo in a key must not be silently ignored
	if err := dec.Decode(c); err != nil {
		return fmt.Errorf("config: %s: %w", path, err)
	}
	return nil
}

// flagValue finds -name V, --name V, -name=V or --name=V before the first
// non-flag argument, without parsing the rest.
func flagValue(args []string, name string) (string, bool) {
	for i, a := range args {
		if a == "--" || !strings.HasPrefix(a, "-") || a == "-" {
			return "", false
		}
		a = strings.TrimLeft(a, "-")
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v, true
		}
		if a == name && i+1 < len(args) {
			return args[i+1], true
		}
	}
	return "", false
}
