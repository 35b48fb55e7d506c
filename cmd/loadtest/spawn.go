package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// spawned is a dataplus serve that the load test started (--server-bin):
// on loopback, with a fresh job store, stopped with SIGTERM at the end.
type spawned struct {
	cmd   *exec.Cmd
	store string
	log   *os.File
	done  chan error
}

// spawnServer starts BIN serve --addr HOST:PORT --data-root DIR --store TMP
// plus extra arguments. base is the loopback URL already checked.
func spawnServer(bin, base, dataRoot string, extra []string) (*spawned, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	store, err := os.MkdirTemp("", "loadtest-store-")
	if err != nil {
		return nil, fmt.Errorf("server store: %w", err)
	}
	log, err := os.Create(filepath.Join(store, "server.log"))
	if err != nil {
		os.RemoveAll(store)
		return nil, fmt.Errorf("server log: %w", err)
	}
	args := append([]string{"serve", "--addr", u.Host, "--data-root", dataRoot, "--store", filepath.Join(store, "jobs")}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		os.RemoveAll(store)
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	s := &spawned{cmd: cmd, store: store, log: log, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	return s, nil
}

// exited reports whether the server has already stopped (say, its port
// was taken), with its log's tail.
func (s *spawned) exited() error {
	select {
	case err := <-s.done:
		s.done <- err
		return fmt.Errorf("server exited early (%v): %s", err, s.tail())
	default:
		return nil
	}
}

// stop sends SIGTERM, waits up to grace for the graceful shutdown, and
// says how long it took; past grace the server is killed.
func (s *spawned) stop(grace time.Duration) (time.Duration, error) {
	defer os.RemoveAll(s.store)
	defer s.log.Close()
	start := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return 0, err
	}
	select {
	case err := <-s.done:
		if err != nil {
			return time.Since(start), fmt.Errorf("server exit: %v: %s", err, s.tail())
		}
		return time.Since(start), nil
	case <-time.After(grace):
		s.cmd.Process.Kill()
		<-s.done
		return time.Since(start), fmt.Errorf("server still running %v after SIGTERM; killed", grace)
	}
}

func (s *spawned) tail() string {
	b, _ := os.ReadFile(s.log.Name())
	b = bytes.TrimSpace(b)
	if len(b) > 600 {
		b = b[len(b)-600:]
	}
	return string(b)
}

// portFree fails early when something already listens on the address.
func portFree(ctx context.Context, base string) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	d := net.Dialer{Timeout: 200 * time.Millisecond, Control: loopbackOnly}
	c, err := d.DialContext(ctx, "tcp", u.Host)
	if err == nil {
		c.Close()
		return fmt.Errorf("%s is already in use: stop that server, or drop --server-bin to test it", u.Host)
	}
	return nil
}

func splitArgs(s string) []string { return strings.Fields(s) }
