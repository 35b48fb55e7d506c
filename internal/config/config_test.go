package config

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func load(t *testing.T, args []string, env map[string]string) (Config, []string, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c, err := Load(fs, args, func(k string) string { return env[k] }, 4)
	return c, fs.Args(), err
}

func TestPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.json")
	if err := os.WriteFile(file, []byte(`{"workers": 3, "timeout": "7s", "max_file_size": "1MiB", "route": {"min_chars": 20}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		args        []string
		env         map[string]string
		workers     int
		timeout     time.Duration
		minChars    int
		maxFileSize int64
	}{
		{"defaults", nil, nil, 4, 30 * time.Second, 10, 512 << 20},
		{"file", []string{"--config", file}, nil, 3, 7 * time.Second, 20, 1 << 20},
		{"file from env", nil, map[string]string{"DATAPLUS_CONFIG": file}, 3, 7 * time.Second, 20, 1 << 20},
		{"env over file", []string{"--config=" + file}, map[string]string{"DATAPLUS_WORKERS": "5", "DATAPLUS_MIN_CHARS": "30"}, 5, 7 * time.Second, 30, 1 << 20},
		{"flag over env", []string{"-config", file, "--workers", "6", "--max-file-size", "2MiB"}, map[string]string{"DATAPLUS_WORKERS": "5"}, 6, 7 * time.Second, 20, 2 << 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _, err := load(t, append(tc.args, "in.pdf"), tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if c.Workers != tc.workers || time.Duration(c.Timeout) != tc.timeout || c.Route.MinChars != tc.minChars || int64(c.MaxFileSize) != tc.maxFileSize {
				t.Fatalf("got workers %d timeout %s min_chars %d max_file_size %d", c.Workers, c.Timeout, c.Route.MinChars, c.MaxFileSize)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	typo := filepath.Join(dir, "typo.json")
	os.WriteFile(typo, []byte(`{"wokers": 3}`), 0o644)
	tests := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"unknown key in file", []string{"--config", typo}, nil},
		{"missing file", []string{"--config", filepath.Join(dir, "nope.json")}, nil},
		{"bad env value", nil, map[string]string{"DATAPLUS_TIMEOUT": "soon"}},
		{"invalid value", []string{"--workers", "0"}, nil},
		{"invalid threshold", []string{"--ocr-image-coverage", "2"}, nil},
		{"bad size", []string{"--max-file-size", "lots"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := load(t, tc.args, tc.env); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestSize(t *testing.T) {
	tests := map[string]int64{"512MiB": 512 << 20, "2GB": 2e9, "1.5K": 1536, "100": 100, "7B": 7, "3 GiB": 3 << 30}
	for in, want := range tests {
		var s Size
		if err := s.Set(in); err != nil || int64(s) != want {
			t.Errorf("Set(%q) = %d, %v; want %d", in, s, err, want)
		}
	}
	if got := Size(512 << 20).String(); got != "512MiB" {
		t.Errorf("String() = %q", got)
	}
}

func TestEnvName(t *testing.T) {
	if got := EnvName("max-file-size"); got != "DATAPLUS_MAX_FILE_SIZE" {
		t.Fatalf("EnvName = %q", got)
	}
}
