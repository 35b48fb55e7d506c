package bench

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const mib = 1 << 20

// procStatusKiB reads a "Key: N kB" line of /proc/self/status (0 when
// there is none, as off Linux).
func procStatusKiB(key string) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(data) {
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok || string(k) != key {
			continue
		}
		f := strings.Fields(string(v))
		if len(f) == 0 {
			return 0
		}
		n, _ := strconv.ParseFloat(f[0], 64)
		return n
	}
	return 0
}

func rssMiB() float64  { return procStatusKiB("VmRSS") / 1024 }
func peakMiB() float64 { return procStatusKiB("VmHWM") / 1024 }

// resetPeak resets VmHWM to the current RSS (Linux 4.0+: writing 5 to
// clear_refs), so the next peak is the round's own. It reports whether
// that worked; if not, the peak is the process's since it started.
func resetPeak() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

var heapSample = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
var heapMu sync.Mutex

// heapMiB is the Go heap's live and not-yet-swept objects.
func heapMiB() float64 {
	heapMu.Lock()
	defer heapMu.Unlock()
	metrics.Read(heapSample)
	if heapSample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return float64(heapSample[0].Value.Uint64()) / mib
}

// gcPercent is the collector's current target (GOGC).
func gcPercent() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int(s[0].Value.Uint64())
}

// cpuTimes is the process's user and system CPU time so far.
func cpuTimes() (user, sys time.Duration) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}

// machineTicks reads the busy and total ticks of all CPUs from
// /proc/stat (0, 0 when there is none).
func machineTicks() (busy, total float64) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return 0, 0
	}
	fields := strings.Fields(sc.Text())
	if len(fields) < 5 || fields[0] != "cpu" {
		return 0, 0
	}
	for i, s := range fields[1:] {
		n, _ := strconv.ParseFloat(s, 64)
		total += n
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return busy, total
}

// usage measures CPU over an interval: start it, then call done.
type usage struct {
	wall       time.Time
	user, sys  time.Duration
	busy, tick float64
}

func startUsage() usage {
	u := usage{wall: time.Now()}
	u.user, u.sys = cpuTimes()
	u.busy, u.tick = machineTicks()
	return u
}

func (u usage) done() CPU {
	wall := time.Since(u.wall).Seconds()
	user, sys := cpuTimes()
	c := CPU{UserS: round((user - u.user).Seconds(), 3), SysS: round((sys - u.sys).Seconds(), 3)}
	if wall > 0 {
		c.Cores = round((c.UserS+c.SysS)/wall, 2)
	}
	busy, tick := machineTicks()
	if dt := tick - u.tick; dt > 0 {
		c.MachineCores = round((busy-u.busy)/dt*float64(runtime.NumCPU()), 2)
		c.OtherCores = round(max(0, c.MachineCores-c.Cores), 2)
	}
	return c
}

// MemSample is one memory sample.
type MemSample struct {
	T       float64 `json:"t_s"` // since the run started
	RSSMiB  float64 `json:"rss_mib"`
	HeapMiB float64 `json:"heap_mib"`
}

// sampler samples RSS and the Go heap every interval until stopped.
type sampler struct {
	start   time.Time
	stop    chan struct{}
	wg      sync.WaitGroup
	samples []MemSample // written by the sampling goroutine until stop
}

func startSampler(every time.Duration) *sampler {
	s := &sampler{start: time.Now(), stop: make(chan struct{})}
	s.take()
	s.wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				s.take()
			}
		}
	})
	return s
}

func (s *sampler) take() {
	s.samples = append(s.samples, MemSample{
		T:       round(time.Since(s.start).Seconds(), 3),
		RSSMiB:  round(rssMiB(), 1),
		HeapMiB: round(heapMiB(), 1),
	})
}

// Stop ends sampling, takes a last sample and returns them all.
func (s *sampler) Stop() []MemSample {
	close(s.stop)
	s.wg.Wait()
	s.take()
	return s.samples
}

// memoryOf sums samples up.
func memoryOf(samples []MemSample, peak float64, scope string) Memory {
	m := Memory{PeakRSSMiB: round(peak, 1), PeakScope: scope, Samples: len(samples)}
	if len(samples) == 0 {
		return m
	}
	end := samples[len(samples)-1].T
	var steady []float64
	for _, s := range samples {
		m.MaxSampledRSSMiB = max(m.MaxSampledRSSMiB, s.RSSMiB)
		m.MaxHeapMiB = max(m.MaxHeapMiB, s.HeapMiB)
		if s.T >= end/2 {
			steady = append(steady, s.RSSMiB)
		}
	}
	m.SteadyRSSMiB = round(median(steady), 1)
	return m
}
