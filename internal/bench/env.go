package bench

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// GPU says whether the GPU configurations can run, and on what.
type GPU struct {
	Found     bool    `json:"found"`
	Name      string  `json:"name,omitempty"`
	MemoryMiB float64 `json:"memory_mib,omitempty"`
	Backend   string  `json:"backend,omitempty"`
	// Reason says why no GPU is used, when Found is false.
	Reason string `json:"reason,omitempty"`
	// DeviceFiles are the accelerator device nodes seen (/dev/nvidia*,
	// /dev/dri/renderD*), so a report says whether a GPU was present
	// but unused.
	DeviceFiles []string `json:"device_files,omitempty"`
}

// FindGPU lists the accelerator device nodes and, not knowing any
// backend, says no GPU can be used. dataplus bench passes its own finder
// (Options.GPU), which asks package accel whether the binary has the GPU
// backend and a PJRT plugin is installed.
func FindGPU() GPU {
	var nodes []string
	for _, pat := range []string{"/dev/nvidia[0-9]*", "/dev/dri/renderD*", "/dev/kfd"} {
		m, _ := filepath.Glob(pat)
		nodes = append(nodes, m...)
	}
	g := GPU{DeviceFiles: nodes}
	if len(nodes) == 0 {
		g.Reason = "no GPU device (no /dev/nvidia*, /dev/dri/renderD* or /dev/kfd), and this build has no GPU backend"
	} else {
		g.Reason = "this build has no GPU backend (device present: " + strings.Join(nodes, ", ") + ")"
	}
	return g
}

// hardware describes this machine.
func hardware(gpu GPU) Hardware {
	h := Hardware{
		CPUModel:   cpuInfo("model name"),
		CPUs:       runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		OS:         runtime.GOOS,
		Arch:       runtime.GOARCH,
		GPU:        gpu,
	}
	if h.CPUModel == "" {
		h.CPUModel = cpuInfo("Model") // arm64
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		h.Kernel = strings.TrimSpace(string(b))
	}
	h.MemoryMiB = memInfoMiB("MemTotal")
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if n, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64); err == nil && n/mib < h.MemoryMiB {
			h.MemoryMiB = round(n/mib, 0)
		}
	}
	return h
}

// cpuInfo reads the first value of key in /proc/cpuinfo.
func cpuInfo(key string) string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func memInfoMiB(key string) float64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != key {
			continue
		}
		if f := strings.Fields(v); len(f) > 0 {
			n, _ := strconv.ParseFloat(f[0], 64)
			return round(n/1024, 0)
		}
	}
	return 0
}

// software names dataplus's version and commit (from the build info) and
// Go's.
func software(version string) Software {
	s := Software{Dataplus: version, Go: runtime.Version(), GOGC: os.Getenv("GOGC"), GOMEMLIMIT: os.Getenv("GOMEMLIMIT")}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		s.Notes = "no build info"
		return s
	}
	for _, kv := range bi.Settings {
		switch kv.Key {
		case "vcs.revision":
			s.Commit = kv.Value
		case "vcs.time":
			s.CommitTime = kv.Value
		case "vcs.modified":
			s.Modified = kv.Value == "true"
		}
	}
	if s.Commit == "" {
		s.Notes = "no VCS information in the binary (built outside a checkout, with -buildvcs=false as GOFLAGS may set, or by go test)"
	}
	return s
}
