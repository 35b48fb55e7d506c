package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"dataplus/internal/accel"
	"dataplus/internal/jobs"
	"dataplus/internal/pipeline"
)

// Config is the server's part of the dataplus configuration; main fills it
// from config.Server.
type Config struct {
	DataRoots           []string      // directories requests may name files under
	MaxInflightRequests int           // work requests at once; more get 429
	MaxInflightPages    int           // estimated pages in flight in sync requests; more get 429
	MaxBodyBytes        int64         // largest request body; larger get 413
	MaxFilesPerRequest  int           // after walking directories; more get 413
	MaxQueuedJobs       int           // queued jobs; POST /jobs beyond that gets 429
	RequestTimeout      time.Duration // deadline of one sync request or benchmark
	AuthTokens          []string      // bearer tokens; none means auth is off
	IncludePages        bool          // default of include_pages
	Version             string        // reported by /health and /benchmark
}

// DefaultConfig returns the defaults the config package also uses.
func DefaultConfig() Config {
	return Config{
		MaxInflightRequests: 64,
		MaxInflightPages:    16384,
		MaxBodyBytes:        256 << 20,
		MaxFilesPerRequest:  1000,
		MaxQueuedJobs:       1000,
		RequestTimeout:      2 * time.Minute,
		IncludePages:        true,
		Version:             "dev",
	}
}

// Validate checks the values a caller can get wrong.
func (c Config) Validate() error {
	// Not %+v of c: it holds the tokens.
	if c.MaxInflightRequests < 1 || c.MaxInflightPages < 1 || c.MaxBodyBytes < 1 ||
		c.MaxFilesPerRequest < 1 || c.MaxQueuedJobs < 1 || c.RequestTimeout <= 0 {
		return fmt.Errorf("server: limits must be positive: requests %d, pages %d, body %d, files %d, queued jobs %d, timeout %s",
			c.MaxInflightRequests, c.MaxInflightPages, c.MaxBodyBytes, c.MaxFilesPerRequest, c.MaxQueuedJobs, c.RequestTimeout)
	}
	for _, t := range c.AuthTokens {
		if t == "" {
			return errors.New("server: empty auth token")
		}
	}
	return nil
}

// Deps are what the server is built from besides its Config.
type Deps struct {
	Pipeline        pipeline.Config   // validated
	PipelineMetrics *pipeline.Metrics // shared by every processor the server makes; may be nil
	// Jobs opens the job manager with the processor it must use (one that
	// also counts into the server's stats). Nil: the /jobs routes answer
	// 422 backend_unavailable.
	Jobs func(jobs.Processor) (*jobs.Manager, error)
	// Features computes deep features for requests that ask for them; nil
	// when they are not available (FeaturesInfo.Message says why).
	Features     pipeline.Featurizer
	FeaturesInfo FeaturesInfo
	GPU          *accel.GoMLX          // the GPU backend the features run on; nil on the CPU
	Log          *slog.Logger          // nil: discard
	Registerer   prometheus.Registerer // the server's series go here
	Gatherer     prometheus.Gatherer   // what GET /metrics exposes
}

// FeaturesInfo describes the deep-feature backend for /health and
// /models.
type FeaturesInfo struct {
	Available bool     `json:"available"`
	Message   string   `json:"message"`           // why not, or what runs
	Model     string   `json:"model,omitempty"`   // the visual model
	Dim       int      `json:"dim,omitempty"`     // document vector length
	Backend   string   `json:"backend,omitempty"` // e.g. onnxruntime-cpu 1.30.0
	Models    []string `json:"models,omitempty"`  // every model the registry lists
}

// Server is the HTTP API. Build it with New, run it with Serve and stop it
// with Shutdown.
type Server struct {
	cfg    Config
	log    *slog.Logger
	m      *metrics
	st     *stats
	roots  *roots
	tokens [][sha256.Size]byte

	pcfg     pipeline.Config
	pmetrics *pipeline.Metrics
	proc     *pipeline.Processor // metadata and routing
	fproc    *pipeline.Processor // with deep features; nil without
	features FeaturesInfo
	gpu      *accel.GoMLX
	jobs     *jobs.Manager

	requests *gate   // work requests
	pages    *budget // estimated pages of sync requests
	bench    *gate   // one benchmark at a time

	mux      *http.ServeMux
	routes   []string // registered patterns, for /openapi.json's test
	metricsH http.Handler
	http     *http.Server

	base       context.Context // parent of every request context
	cancelBase context.CancelFunc
	active     sync.WaitGroup // handlers running
	shutting   atomic.Bool

	// testHookAdmitted, when set, runs after a work request has its slot
	// and before its handler: tests use it to hold slots deterministically.
	testHookAdmitted func(r *http.Request)
	// testHookBeforeRun, when set, runs before a sync request's files go
	// to the pipeline, with the request's work context.
	testHookBeforeRun func(ctx context.Context)
}

// New validates the configuration, resolves the data roots, registers the
// metrics and opens the job manager. Call Shutdown to release what it
// opened, whether or not Serve ran.
func New(cfg Config, d Deps) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := d.Pipeline.Validate(); err != nil {
		return nil, err
	}
	if d.Registerer == nil || d.Gatherer == nil {
		return nil, errors.New("server: a metrics registerer and gatherer are required")
	}
	log := d.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rs, err := newRoots(cfg.DataRoots)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	base, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:        cfg,
		log:        log,
		m:          newMetrics(d.Registerer),
		st:         newStats(time.Now),
		roots:      rs,
		pcfg:       d.Pipeline,
		pmetrics:   d.PipelineMetrics,
		requests:   newGate(cfg.MaxInflightRequests),
		pages:      newBudget(cfg.MaxInflightPages),
		bench:      newGate(1),
		mux:        http.NewServeMux(),
		base:       base,
		cancelBase: cancel,
	}
	for _, t := range cfg.AuthTokens {
		s.tokens = append(s.tokens, sha256.Sum256([]byte(t)))
	}
	s.proc = pipeline.NewProcessor(d.Pipeline, log, d.PipelineMetrics)
	s.features = d.FeaturesInfo
	s.gpu = d.GPU
	if d.Features == nil && s.features.Message == "" {
		s.features.Message = "the server was started without a feature extractor (dataplus serve loads one when `dataplus setup` has installed the models)"
	}
	if d.Features != nil {
		fc := d.Pipeline
		fc.Features = d.Features
		if fc.FeatureTimeout <= 0 {
			fc.FeatureTimeout = pipeline.DefaultConfig().FeatureTimeout
		}
		s.fproc = pipeline.NewProcessor(fc, log, d.PipelineMetrics)
		s.features.Available = true
	}
	s.metricsH = promhttp.HandlerFor(d.Gatherer, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelError),
		ErrorHandling: promhttp.ContinueOnError,
	})
	s.routesInit()
	s.http = &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return s.base },
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if d.Jobs != nil {
		s.jobs, err = d.Jobs(tallying{s.proc, s})
		if err != nil {
			cancel()
			return nil, fmt.Errorf("server: open jobs: %w", err)
		}
	}
	return s, nil
}

// Handler is the server's handler, for tests and embedding.
func (s *Server) Handler() http.Handler { return s.mux }

// Serve answers requests on ln until Shutdown; it returns nil after a
// Shutdown and the listener's error otherwise.
func (s *Server) Serve(ln net.Listener) error {
	s.log.Info("serving", "addr", ln.Addr().String(), "data_roots", s.cfg.DataRoots, "auth", len(s.tokens) > 0)
	if err := s.http.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown stops accepting connections, answers 503 to new work and on
// /health, and waits for in-flight requests until ctx ends; then it
// cancels what is left, waits for those handlers to return, and shuts the
// job manager down (its unfinished jobs stay persisted and resume at the
// next start).
func (s *Server) Shutdown(ctx context.Context) error {
	s.shutting.Store(true)
	var errs []error
	if err := s.http.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("http shutdown: %w", err))
		s.log.Warn("in-flight requests did not finish before the shutdown deadline; canceling them")
	}
	s.cancelBase()
	if err := s.http.Close(); err != nil {
		errs = append(errs, err)
	}
	s.active.Wait()
	if s.jobs != nil {
		if err := s.jobs.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("jobs shutdown: %w", err))
		}
	}
	return errors.Join(errs...)
}

// routeOpts say what a route's middleware does.
type routeOpts struct {
	open    bool // no auth (probes)
	work    bool // admission control: a request slot, 503 while shutting down
	latency bool // counted in /stats latency percentiles
}

type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *Server) routesInit() {
	s.handle("GET /health", s.health, routeOpts{open: true})
	s.handle("GET /models", s.models, routeOpts{})
	s.handle("GET /stats", s.statsHandler, routeOpts{})
	s.handle("GET /metrics", s.metricsHandler, routeOpts{})
	s.handle("GET /openapi.json", s.openapi, routeOpts{})
	s.handle("POST /process", s.process, routeOpts{work: true, latency: true})
	s.handle("POST /benchmark", s.benchmark, routeOpts{work: true})
	s.handle("POST /jobs", s.submitJob, routeOpts{work: true})
	s.handle("GET /jobs", s.listJobs, routeOpts{})
	s.handle("GET /jobs/{id}", s.getJob, routeOpts{})
	s.handle("GET /jobs/{id}/results", s.jobResults, routeOpts{})
	s.handle("DELETE /jobs/{id}", s.cancelJob, routeOpts{})
	// Everything else: a JSON 404, or 405 with Allow. Not in s.routes.
	s.mux.Handle("/", s.wrap("unmatched", s.unmatched, routeOpts{}))
}

func (s *Server) handle(pattern string, h handlerFunc, o routeOpts) {
	s.routes = append(s.routes, pattern)
	s.mux.Handle(pattern, s.wrap(pattern, h, o))
}

// wrap is the middleware of every route: metrics and stats, auth,
// admission, and turning a returned error into the JSON error answer.
func (s *Server) wrap(route string, h handlerFunc, o routeOpts) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.active.Add(1)
		defer s.active.Done()
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		if err := s.run(sw, r, h, o); err != nil {
			if sw.code != 0 {
				// The answer had begun (a results stream); all that is
				// left is to cut it so the client sees it is incomplete.
				s.log.Warn("response aborted", "route", route, "err", err)
				panic(http.ErrAbortHandler)
			}
			writeError(sw, r, s.log, err)
		}
		code := sw.code
		if code == 0 {
			code = http.StatusOK
		}
		d := time.Since(start)
		s.m.observeRequest(route, code, d.Seconds())
		s.st.addRequest(code)
		if o.latency && code == http.StatusOK {
			s.st.addLatency(d)
		}
		s.log.Debug("request", "route", route, "status", code, "ms", float64(d.Microseconds())/1000)
	})
}

func (s *Server) run(w http.ResponseWriter, r *http.Request, h handlerFunc, o routeOpts) error {
	if !o.open {
		if err := s.authorize(r); err != nil {
			return err
		}
	}
	if o.work {
		if s.shutting.Load() {
			s.reject(rejectShutdown)
			return errorf(kindShuttingDown, "the server is shutting down; retry on another instance")
		}
		if !s.requests.TryStart() {
			s.reject(rejectRequests)
			return &Error{Kind: kindOverloaded, Message: fmt.Sprintf("all %d request slots are busy; retry later", s.requests.Cap()), RetryAfter: 1}
		}
		defer s.requests.Done()
		s.m.inFlight.Inc()
		defer s.m.inFlight.Dec()
		if s.testHookAdmitted != nil {
			s.testHookAdmitted(r)
		}
	}
	return h(w, r)
}

func (s *Server) reject(reason string) {
	s.m.rejections.WithLabelValues(reason).Inc()
	s.st.addRejection(reason)
}

// authorize checks the bearer token when auth is on. Every configured
// token is compared, in constant time, whether or not one already matched.
func (s *Server) authorize(r *http.Request) error {
	if len(s.tokens) == 0 {
		return nil
	}
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return errorf(kindUnauthorized, "this server needs an \"Authorization: Bearer TOKEN\" header")
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(tok)))
	match := 0
	for _, t := range s.tokens {
		match |= subtle.ConstantTimeCompare(sum[:], t[:])
	}
	if match != 1 {
		return errorf(kindUnauthorized, "the bearer token is not valid")
	}
	return nil
}

// unmatched answers requests no route takes: 405 with Allow when the path
// exists for other methods, else 404.
func (s *Server) unmatched(w http.ResponseWriter, r *http.Request) error {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		probe := &http.Request{Method: m, URL: r.URL, Host: r.Host, Header: http.Header{}}
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		return &Error{Kind: kindMethodNotAllowed, Message: fmt.Sprintf("%s %s: use %s", r.Method, r.URL.Path, strings.Join(allow, ", ")), Allow: strings.Join(allow, ", ")}
	}
	return errorf(kindNotFound, "no route %s %s; GET /openapi.json lists them", r.Method, r.URL.Path)
}

// requestContext is the context of a request's work: the request's
// (canceled when the client goes away or at shutdown) with the request
// deadline.
func (s *Server) requestContext(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
}

// bodyDeadline makes the body arrive within the request timeout (a slow
// sender cannot hold a slot forever) and returns the func that lifts the
// deadline once the body is read. It must be lifted: net/http cancels the
// request's context when a read deadline passes on its connection.
func (s *Server) bodyDeadline(w http.ResponseWriter) func() {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(s.cfg.RequestTimeout))
	return func() { _ = rc.SetReadDeadline(time.Time{}) }
}

// statusWriter remembers the status code. Unwrap lets
// http.ResponseController reach the connection for Flush and deadlines.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

//go:embed openapi.json
var openapiDoc []byte

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(openapiDoc)
	return err
}

func (s *Server) metricsHandler(w http.ResponseWriter, r *http.Request) error {
	s.metricsH.ServeHTTP(w, r)
	return nil
}
