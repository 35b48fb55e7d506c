package config

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// EnvAuthTokens holds bearer tokens for dataplus serve, comma-separated.
// It has no flag twin: a token on a command line is visible to every user
// of the machine.
const EnvAuthTokens = EnvPrefix + "AUTH_TOKENS"

// Server is the part of the configuration that only dataplus serve reads.
// JSON names are the flag names with underscores, under "server".
type Server struct {
	Addr                string   `json:"addr"`
	DataRoots           []string `json:"data_root"`
	Store               string   `json:"store"` // job store directory; "" means DefaultStore
	AuthTokensFile      string   `json:"auth_tokens_file"`
	AuthTokens          []string `json:"-"` // from DATAPLUS_AUTH_TOKENS only
	MaxInflightRequests int      `json:"max_inflight_requests"`
	MaxInflightPages    int      `json:"max_inflight_pages"`
	MaxBodySize         Size     `json:"max_body_size"`
	MaxFilesPerRequest  int      `json:"max_files_per_request"`
	MaxQueuedJobs       int      `json:"max_queued_jobs"`
	RequestTimeout      Duration `json:"request_timeout"`
	JobRetention        Duration `json:"job_retention"`
	JobWorkers          int      `json:"job_workers"`
	ShutdownTimeout     Duration `json:"shutdown_timeout"`
}

// DefaultServer returns the server defaults. They are sized so that 32
// concurrent clients stay below every admission limit.
func DefaultServer() Server {
	return Server{
		Addr:                ":8003",
		MaxInflightRequests: 64,
		MaxInflightPages:    16384,
		MaxBodySize:         256 << 20,
		MaxFilesPerRequest:  1000,
		MaxQueuedJobs:       1000,
		RequestTimeout:      Duration(2 * time.Minute),
		JobRetention:        Duration(7 * 24 * time.Hour),
		JobWorkers:          2,
		ShutdownTimeout:     Duration(30 * time.Second),
	}
}

// Validate checks the server settings.
func (s Server) Validate() error {
	var errs []error
	positive := func(name string, v int64) {
		if v < 1 {
			errs = append(errs, fmt.Errorf("config: %s must be positive, got %d", name, v))
		}
	}
	if s.Addr == "" {
		errs = append(errs, errors.New("config: addr must not be empty"))
	}
	positive("max_inflight_requests", int64(s.MaxInflightRequests))
	positive("max_inflight_pages", int64(s.MaxInflightPages))
	positive("max_body_size", int64(s.MaxBodySize))
	positive("max_files_per_request", int64(s.MaxFilesPerRequest))
	positive("max_queued_jobs", int64(s.MaxQueuedJobs))
	positive("request_timeout", int64(s.RequestTimeout))
	positive("job_retention", int64(s.JobRetention))
	positive("job_workers", int64(s.JobWorkers))
	positive("shutdown_timeout", int64(s.ShutdownTimeout))
	for _, r := range s.DataRoots {
		if r == "" {
			errs = append(errs, errors.New("config: data_root entries must not be empty"))
		}
	}
	return errors.Join(errs...)
}

// BindServer registers the server's flags, pointing into s.
func BindServer(fs *flag.FlagSet, s *Server) {
	fs.StringVar(&s.Addr, "addr", s.Addr, "listen address (host:port)")
	fs.Var(&pathList{list: &s.DataRoots}, "data-root", "directory whose PDFs requests may name (repeatable, or a list separated by "+string(os.PathListSeparator)+")")
	fs.StringVar(&s.Store, "store", s.Store, "job store directory (default: dataplus/jobs under the user's state or cache directory)")
	fs.StringVar(&s.AuthTokensFile, "auth-tokens-file", s.AuthTokensFile, "file of bearer tokens, one per line or comma-separated; with it or "+EnvAuthTokens+" every route but /health needs a token")
	fs.IntVar(&s.MaxInflightRequests, "max-inflight-requests", s.MaxInflightRequests, "processing requests served at once; more get 429")
	fs.IntVar(&s.MaxInflightPages, "max-inflight-pages", s.MaxInflightPages, "estimated pages (one per 64KiB of input, at least one per file) in flight in sync requests; more get 429")
	fs.Var(&s.MaxBodySize, "max-body-size", "largest request body (e.g. 256MiB); larger get 413")
	fs.IntVar(&s.MaxFilesPerRequest, "max-files-per-request", s.MaxFilesPerRequest, "files one request may name or upload (after walking directories); more get 413")
	fs.IntVar(&s.MaxQueuedJobs, "max-queued-jobs", s.MaxQueuedJobs, "jobs waiting to run; POST /jobs beyond that gets 429")
	fs.Var(&s.RequestTimeout, "request-timeout", "deadline of one sync request; files not finished by then get a timeout record")
	fs.Var(&s.JobRetention, "job-retention", "how long finished jobs and their results are kept")
	fs.IntVar(&s.JobWorkers, "job-workers", s.JobWorkers, "async jobs run at once")
	fs.Var(&s.ShutdownTimeout, "shutdown-timeout", "how long shutdown waits for in-flight requests and job files")
}

// StoreDir returns the job store directory: Store, or DefaultStore.
func (s Server) StoreDir() (string, error) {
	if s.Store != "" {
		return s.Store, nil
	}
	return DefaultStore()
}

// DefaultStore is dataplus/jobs under $XDG_STATE_HOME, else
// ~/.local/state, else the user's cache directory.
func DefaultStore() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "dataplus", "jobs"), nil
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "state", "dataplus", "jobs"), nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("config: no store given and no state or cache directory: %w", err)
	}
	return filepath.Join(cache, "dataplus", "jobs"), nil
}

// Tokens returns every bearer token: DATAPLUS_AUTH_TOKENS and the lines of
// the tokens file. None means auth is off.
func (s Server) Tokens() ([]string, error) {
	toks := append([]string(nil), s.AuthTokens...)
	if s.AuthTokensFile != "" {
		data, err := os.ReadFile(s.AuthTokensFile)
		if err != nil {
			return nil, fmt.Errorf("config: auth tokens: %w", err)
		}
		for line := range strings.Lines(string(data)) {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			toks = append(toks, splitTokens(line)...)
		}
		if len(toks) == len(s.AuthTokens) {
			return nil, fmt.Errorf("config: auth tokens file %s holds no token", s.AuthTokensFile)
		}
	}
	return toks, nil
}

func splitTokens(s string) []string {
	var out []string
	for t := range strings.SplitSeq(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// pathList is the flag.Value behind a repeatable path flag. The first Set
// replaces what the file or the environment said (later sources win, as
// for every setting); further Sets append. A value may hold several paths
// separated by os.PathListSeparator, which is how the environment twin
// carries a list.
type pathList struct {
	list *[]string
	set  bool
}

func (p *pathList) String() string {
	if p == nil || p.list == nil {
		return ""
	}
	return strings.Join(*p.list, string(os.PathListSeparator))
}

// Set adds one path or a list of paths.
func (p *pathList) Set(v string) error {
	if !p.set {
		*p.list, p.set = nil, true
	}
	for part := range strings.SplitSeq(v, string(os.PathListSeparator)) {
		if part = strings.TrimSpace(part); part != "" {
			*p.list = append(*p.list, part)
		}
	}
	return nil
}
