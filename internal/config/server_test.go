package config

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func loadServe(t *testing.T, args []string, env map[string]string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return LoadServe(fs, args, func(k string) string { return env[k] }, 2)
}

func TestServerPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.json")
	if err := os.WriteFile(file, []byte(`{"workers": 3, "server": {"addr": "127.0.0.1:9000", "data_root": ["/f1", "/f2"], "request_timeout": "10s"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	sep := string(os.PathListSeparator)
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		addr    string
		roots   []string
		timeout time.Duration
	}{
		{"defaults", nil, nil, ":8003", nil, 2 * time.Minute},
		{"file", []string{"--config", file}, nil, "127.0.0.1:9000", []string{"/f1", "/f2"}, 10 * time.Second},
		{"env list replaces file", []string{"--config", file}, map[string]string{"DATAPLUS_DATA_ROOT": "/e1" + sep + "/e2", "DATAPLUS_REQUEST_TIMEOUT": "5s"}, "127.0.0.1:9000", []string{"/e1", "/e2"}, 5 * time.Second},
		{"repeated flags replace env", []string{"--config", file, "--data-root", "/a", "--data-root=/b", "--addr", ":1"}, map[string]string{"DATAPLUS_DATA_ROOT": "/e1"}, ":1", []string{"/a", "/b"}, 10 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadServe(t, tc.args, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			s := c.Server
			if s.Addr != tc.addr || !slices.Equal(s.DataRoots, tc.roots) || time.Duration(s.RequestTimeout) != tc.timeout {
				t.Fatalf("addr %q roots %q timeout %s", s.Addr, s.DataRoots, s.RequestTimeout)
			}
		})
	}
}

func TestServerFlagsOnlyForServe(t *testing.T) {
	if _, _, err := load(t, []string{"--addr", ":1"}, nil); err == nil {
		t.Fatal("process accepted --addr")
	}
}

func TestServerInvalid(t *testing.T) {
	for _, args := range [][]string{
		{"--max-inflight-requests", "0"},
		{"--max-body-size", "0"},
		{"--request-timeout", "-1s"},
		{"--job-workers", "0"},
		{"--addr", ""},
	} {
		if _, err := loadServe(t, args, nil); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

func TestTokens(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "tokens")
	os.WriteFile(file, []byte("# ops\nalpha\n\nbeta, gamma\n"), 0o600)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("# nothing\n"), 0o600)

	c, err := loadServe(t, []string{"--auth-tokens-file", file}, map[string]string{EnvAuthTokens: "env1, env2"})
	if err != nil {
		t.Fatal(err)
	}
	toks, err := c.Server.Tokens()
	if err != nil || !slices.Equal(toks, []string{"env1", "env2", "alpha", "beta", "gamma"}) {
		t.Fatalf("tokens %q, %v", toks, err)
	}
	c, _ = loadServe(t, nil, nil)
	if toks, err := c.Server.Tokens(); err != nil || len(toks) != 0 {
		t.Fatalf("no tokens configured: %q, %v", toks, err)
	}
	c, _ = loadServe(t, []string{"--auth-tokens-file", empty}, nil)
	if _, err := c.Server.Tokens(); err == nil {
		t.Fatal("a tokens file without tokens was accepted (it would turn auth off)")
	}
}

func TestStoreDir(t *testing.T) {
	s := DefaultServer()
	s.Store = "/x/jobs"
	if d, _ := s.StoreDir(); d != "/x/jobs" {
		t.Fatalf("StoreDir %q", d)
	}
	t.Setenv("XDG_STATE_HOME", "/state")
	if d, _ := DefaultServer().StoreDir(); d != "/state/dataplus/jobs" {
		t.Fatalf("default StoreDir %q", d)
	}
}
