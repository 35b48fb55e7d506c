package bench

import (
	"crypto/sha256"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// probeFor is how long the machine-speed probe runs before each round.
const probeFor = 250 * time.Millisecond

// probeSpeed measures how fast this machine computes right now: SHA-256
// over a 64 KiB buffer on every usable core for probeFor, in MB/s summed
// over the cores. It does no I/O and allocates nothing, so it moves only
// with the CPU's speed and with what else runs on the machine (a shared
// VM's neighbours, frequency changes, throttling), not with dataplus's own
// state. Rounds carry it, so a report can tell a slower program from a
// slower machine.
func probeSpeed() float64 {
	n := runtime.GOMAXPROCS(0)
	var total atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(probeFor)
	start := time.Now()
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 64<<10)
			for i := range buf {
				buf[i] = byte(i)
			}
			var done int64
			for time.Now().Before(deadline) {
				for range 8 {
					sum := sha256.Sum256(buf)
					buf[0] = sum[0]
					done += int64(len(buf))
				}
			}
			total.Add(done)
		}()
	}
	wg.Wait()
	return round(float64(total.Load())/1e6/time.Since(start).Seconds(), 1)
}
