package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// errNotLoopback is why an address is refused.
var errNotLoopback = errors.New("not a loopback address")

// loopbackBase turns --addr (host:port, :port, or http://host:port) into
// the base URL of a server on this machine. Names must resolve only to
// loopback addresses (127.0.0.0/8, ::1); the first one is used, so a later
// change of the name's address cannot redirect the load.
func loopbackBase(ctx context.Context, addr string, r *net.Resolver) (string, error) {
	hostport := addr
	if rest, ok := strings.CutPrefix(addr, "http://"); ok {
		hostport = strings.TrimSuffix(rest, "/")
	} else if strings.Contains(addr, "://") {
		return "", fmt.Errorf("--addr %q: want host:port or http://host:port", addr)
	}
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return "", fmt.Errorf("--addr %q: %w", addr, err)
	}
	if port == "" {
		return "", fmt.Errorf("--addr %q: no port", addr)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		if r == nil {
			r = net.DefaultResolver
		}
		ips, lerr := r.LookupNetIP(ctx, "ip", host)
		if lerr != nil {
			return "", fmt.Errorf("--addr %q: %w", addr, lerr)
		}
		if len(ips) == 0 {
			return "", fmt.Errorf("--addr %q: %s has no address", addr, host)
		}
		for _, a := range ips {
			if !a.Unmap().IsLoopback() {
				return "", fmt.Errorf("refusing --addr %q: %s resolves to %s, %w; this load generator only drives a server on this machine (127.0.0.1, ::1 or localhost)", addr, host, a, errNotLoopback)
			}
		}
		ip = ips[0]
	}
	if !ip.Unmap().IsLoopback() {
		return "", fmt.Errorf("refusing --addr %q: %s is %w; this load generator only drives a server on this machine (127.0.0.1, ::1 or localhost)", addr, host, errNotLoopback)
	}
	return "http://" + net.JoinHostPort(ip.Unmap().String(), port), nil
}

// loopbackOnly refuses, at connect time, any connection whose remote
// address is not loopback: redirects, proxies or a stray URL cannot take
// the load off this machine.
func loopbackOnly(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !ap.Addr().Unmap().IsLoopback() {
		return fmt.Errorf("loadtest: connection to %s refused: %w", address, errNotLoopback)
	}
	return nil
}

// newClient is an HTTP client for one server on loopback, with enough
// idle connections for every client goroutine and no proxy.
func newClient(clients int, timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, Control: loopbackOnly}
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         d.DialContext,
		MaxIdleConns:        clients + 4,
		MaxIdleConnsPerHost: clients + 4,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a redirect is a result, not something to follow
		},
	}
}
