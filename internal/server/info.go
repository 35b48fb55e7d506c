package server

import (
	"net/http"
	"runtime"

	"dataplus/internal/accel"
	"dataplus/internal/jobs"
	"dataplus/internal/record"
)

type engineInfo struct {
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	Ready bool   `json:"ready"`
}

type deviceInfo struct {
	Kind       string `json:"kind"`
	Count      int    `json:"count"`
	GOMAXPROCS int    `json:"gomaxprocs,omitempty"`
}

type queueInfo struct {
	RequestsInFlight int            `json:"requests_in_flight"`
	RequestSlots     int            `json:"request_slots"`
	PagesInFlight    int64          `json:"pages_in_flight"`
	PageBudget       int            `json:"page_budget"`
	Jobs             map[string]int `json:"jobs"` // by state; absent without a job store
}

type healthResponse struct {
	Status       string       `json:"status"` // "ok" or "shutting_down"
	Version      string       `json:"version"`
	UptimeS      float64      `json:"uptime_s"`
	Engines      []engineInfo `json:"engines"`
	Models       []string     `json:"models"`
	Devices      []deviceInfo `json:"devices"`
	DeepFeatures FeaturesInfo `json:"deep_features"`
	Queue        queueInfo    `json:"queue"`
}

func (s *Server) engines() []engineInfo {
	out := []engineInfo{{Name: record.EngineDataplus, Kind: "metadata+routing", Ready: true}}
	if s.pcfg.Fallback != nil {
		out = append(out, engineInfo{Name: "pdfium", Kind: "fallback reader", Ready: true})
	}
	if s.features.Available {
		out = append(out, engineInfo{Name: s.features.Backend, Kind: "deep features", Ready: true})
	}
	return out
}

// modelNames lists the feature models, never null.
func (s *Server) modelNames() []string {
	if s.features.Models == nil {
		return []string{}
	}
	return s.features.Models
}

func (s *Server) devices() []deviceInfo {
	d := []deviceInfo{{Kind: "cpu", Count: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0)}}
	if s.gpu != nil {
		d = append(d, deviceInfo{Kind: "cuda", Count: len(s.gpu.Devices())})
	}
	return d
}

func (s *Server) queue() queueInfo {
	q := queueInfo{
		RequestsInFlight: s.requests.InUse(),
		RequestSlots:     s.requests.Cap(),
		PagesInFlight:    s.pages.Used(),
		PageBudget:       s.cfg.MaxInflightPages,
	}
	if s.jobs != nil {
		q.Jobs = jobCounts(s.jobs.Counts())
	}
	return q
}

// jobCounts has every state, zeros included, so clients need no defaults.
func jobCounts(c map[jobs.State]int) map[string]int {
	out := map[string]int{}
	for _, st := range jobs.States {
		out[string(st)] = c[st]
	}
	return out
}

// health is GET /health: 200 while serving, 503 once shutdown began, so a
// load balancer stops sending work before the listener closes.
func (s *Server) health(w http.ResponseWriter, r *http.Request) error {
	h := healthResponse{
		Status:       "ok",
		Version:      s.cfg.Version,
		UptimeS:      s.st.snapshot().UptimeS,
		Engines:      s.engines(),
		Models:       s.modelNames(),
		Devices:      s.devices(),
		DeepFeatures: s.features,
		Queue:        s.queue(),
	}
	code := http.StatusOK
	if s.shutting.Load() {
		h.Status, code = kindShuttingDown, http.StatusServiceUnavailable
	}
	writeJSON(w, code, h)
	return nil
}

type modelsResponse struct {
	Models       []string     `json:"models"`
	Engines      []engineInfo `json:"engines"`
	DeepFeatures FeaturesInfo `json:"deep_features"`
}

// models is GET /models: what can process files, and the (so far empty)
// list of feature models.
func (s *Server) models(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, modelsResponse{
		Models:       s.modelNames(),
		Engines:      s.engines(),
		DeepFeatures: s.features,
	})
	return nil
}

type statsResponse struct {
	statsSnapshot
	InFlight inFlight       `json:"in_flight"`
	Jobs     map[string]int `json:"jobs"`
	Workers  int            `json:"workers"`
	GPU      *GPUStats      `json:"gpu"` // null: the model does not run on a GPU
}

// GPUStats is /stats' gpu: the GPU backend's devices and their totals.
type GPUStats struct {
	Backend string              `json:"backend"`
	Devices []accel.DeviceStats `json:"devices"`
	// BusyShare is the time some batch was on a device since the server
	// started, over the uptime, summed over devices (2.0 is two GPUs
	// always busy).
	BusyShare float64 `json:"busy_share"`
}

type inFlight struct {
	Requests int   `json:"requests"`
	Pages    int64 `json:"pages"`
}

// statsHandler is GET /stats.
func (s *Server) statsHandler(w http.ResponseWriter, r *http.Request) error {
	resp := statsResponse{
		statsSnapshot: s.st.snapshot(),
		InFlight:      inFlight{Requests: s.requests.InUse(), Pages: s.pages.Used()},
		Workers:       s.pcfg.Workers,
	}
	if s.jobs != nil {
		resp.Jobs = jobCounts(s.jobs.Counts())
	}
	if g := s.gpu; g != nil {
		st := &GPUStats{Backend: g.Name(), Devices: g.Stats()}
		if up := resp.UptimeS; up > 0 {
			st.BusyShare = g.Busy().Seconds() / up
		}
		resp.GPU = st
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}
