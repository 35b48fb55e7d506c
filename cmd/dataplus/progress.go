package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"
)

// progress redraws one status line on a terminal until stopped.
type progress struct {
	w    io.Writer
	sum  *summary
	done chan struct{}
	once sync.Once
	wg   sync.WaitGroup
}

func newProgress(w io.Writer, mode string, sum *summary) *progress {
	p := &progress{w: w, sum: sum, done: make(chan struct{})}
	on := mode == "always"
	if mode == "auto" {
		on = isTerminal(w)
	}
	if !on {
		close(p.done)
		return p
	}
	p.wg.Go(func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.done:
				fmt.Fprint(p.w, "\r\033[K")
				return
			case now := <-t.C:
				p.draw(now)
			}
		}
	})
	return p
}

func (p *progress) draw(now time.Time) {
	el := now.Sub(p.sum.start).Seconds()
	files := p.sum.files.Load()
	more := "+"
	if p.sum.discovered.Load() {
		more = ""
	}
	fmt.Fprintf(p.w, "\r\033[K%d%s files  %d pages  %.1f files/s  %d errors  %.0fs",
		files, more, p.sum.pages.Load(), float64(files)/el, p.sum.errors.Load(), el)
}

// stop ends the redraw loop and clears the line; safe to call twice.
func (p *progress) stop() {
	p.once.Do(func() {
		select {
		case <-p.done:
		default:
			close(p.done)
		}
	})
	p.wg.Wait()
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
