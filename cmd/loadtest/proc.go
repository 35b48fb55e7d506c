package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The /proc readers below are Linux-only, like the load test's purpose
// (a server on this machine); elsewhere they report nothing.

// serverMemory reads the peak (VmHWM) and current (VmRSS) resident set of
// a process from /proc/<pid>/status (Linux).
func serverMemory(pid int) (*ServerMemory, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, fmt.Errorf("server memory: %w", err)
	}
	m := &ServerMemory{PID: pid}
	found := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmHWM" && key != "VmRSS") {
			continue
		}
		f := strings.Fields(val) // "123456 kB"
		if len(f) != 2 || f[1] != "kB" {
			return nil, fmt.Errorf("server memory: unexpected %s line %q", key, val)
		}
		kb, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return nil, fmt.Errorf("server memory: %s: %w", key, err)
		}
		mib := round3(kb / 1024)
		if key == "VmHWM" {
			m.PeakRSS = mib
		} else {
			m.RSS = mib
		}
		found++
	}
	if found != 2 {
		return nil, fmt.Errorf("server memory: no VmHWM/VmRSS in /proc/%d/status (a kernel thread?)", pid)
	}
	return m, nil
}

// clockTick is USER_HZ, the unit of /proc's CPU times: 100 on every Linux
// architecture Go supports.
const clockTick = 100

// cpuSample is the machine's and the processes' CPU time at one moment.
type cpuSample struct {
	at       time.Time
	busy     float64 // seconds, all CPUs: user+nice+system+irq+softirq+steal
	self     float64 // this process, user+system
	server   float64 // the server's, when its pid is known
	serverOK bool
}

func takeCPU(pid int) cpuSample {
	s := cpuSample{at: time.Now(), busy: machineBusy()}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.self = tv(ru.Utime) + tv(ru.Stime)
	}
	if pid > 0 {
		s.server, s.serverOK = processCPU(pid)
	}
	return s
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

// machineBusy reads the non-idle CPU time of all CPUs from /proc/stat.
func machineBusy() float64 {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	var busy float64
	for i, v := range f[1:9] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		n, _ := strconv.ParseFloat(v, 64)
		busy += n
	}
	return busy / clockTick
}

// processCPU reads a process's user+system time from /proc/<pid>/stat.
func processCPU(pid int) (float64, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The command name may hold spaces and parentheses: fields start
	// after the last ')'; utime and stime are fields 14 and 15.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseFloat(f[11], 64)
	s, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return (u + s) / clockTick, true
}

// CPUReport says where the machine's CPU time went during the run, so a
// run disturbed by other work on the machine shows it.
type CPUReport struct {
	Cores       int     `json:"cores"`
	WallS       float64 `json:"wall_s"`
	MachineBusy float64 `json:"machine_busy_cores"` // average cores busy, all processes
	Server      float64 `json:"server_cores,omitempty"`
	Loadtest    float64 `json:"loadtest_cores"`
	Other       float64 `json:"other_cores"` // busy minus server minus loadtest
	ServerMsDoc float64 `json:"server_cpu_ms_per_doc,omitempty"`
}

func cpuReport(a, b cpuSample, cores, docs int) *CPUReport {
	wall := b.at.Sub(a.at).Seconds()
	if wall <= 0 {
		return nil
	}
	r := &CPUReport{Cores: cores, WallS: round3(wall), MachineBusy: round3((b.busy - a.busy) / wall),
		Loadtest: round3((b.self - a.self) / wall)}
	other := b.busy - a.busy - (b.self - a.self)
	if a.serverOK && b.serverOK {
		r.Server = round3((b.server - a.server) / wall)
		other -= b.server - a.server
		if docs > 0 {
			r.ServerMsDoc = round3((b.server - a.server) * 1000 / float64(docs))
		}
	}
	r.Other = round3(max(other, 0) / wall)
	return r
}
