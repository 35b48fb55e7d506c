package accel

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// PluginEnv is the environment variable that names the PJRT plugin.
const PluginEnv = "DATAPLUS_PJRT_PLUGIN"

// Plugin is a PJRT plugin file and what it needs around it.
type Plugin struct {
	Path   string // the plugin's shared library
	Source string // where it was found: "flag", PluginEnv, "python", "known location"
	// NvidiaDir is the pip layout's site-packages/nvidia folder beside
	// the plugin ("" when there is none: the system's CUDA is used).
	NvidiaDir string
	// LibDirs are the folders under NvidiaDir that hold shared libraries
	// the plugin loads (cuBLAS, cuDNN, NCCL, ...).
	LibDirs []string
}

// ErrNoPlugin is returned by FindPlugin when no plugin is found.
var ErrNoPlugin = errors.New("no CUDA PJRT plugin found")

// pluginNames are the file names of CUDA PJRT plugins: JAX's wheel and
// the go-xla installer's.
var pluginNames = []string{"xla_cuda_plugin.so", "pjrt_c_api_cuda_plugin.so"}

// FindPlugin looks for the CUDA PJRT plugin: the path given (from the
// --pjrt-plugin flag or the config file), then $DATAPLUS_PJRT_PLUGIN, then
// the jax_plugins package of the Python interpreters it can find, then
// known install locations. The error lists every place it tried.
func FindPlugin(ctx context.Context, given string) (Plugin, error) {
	var tried []string
	check := func(path, source string) (Plugin, bool) {
		tried = append(tried, fmt.Sprintf("%s (%s)", path, source))
		fi, err := os.Stat(path)
		if err != nil || fi.IsDir() {
			return Plugin{}, false
		}
		p := Plugin{Path: path, Source: source}
		p.NvidiaDir, p.LibDirs = nvidiaLibs(path)
		return p, true
	}
	if given != "" {
		if p, ok := check(given, "flag"); ok {
			return p, nil
		}
		return Plugin{}, fmt.Errorf("%w: --pjrt-plugin %s does not exist", ErrNoPlugin, given)
	}
	if env := os.Getenv(PluginEnv); env != "" {
		if p, ok := check(env, PluginEnv); ok {
			return p, nil
		}
		return Plugin{}, fmt.Errorf("%w: $%s=%s does not exist", ErrNoPlugin, PluginEnv, env)
	}
	for _, dir := range pythonPluginDirs(ctx) {
		for _, name := range pluginNames {
			if p, ok := check(filepath.Join(dir, name), "python"); ok {
				return p, nil
			}
		}
	}
	for _, path := range knownPluginPaths() {
		if p, ok := check(path, "known location"); ok {
			return p, nil
		}
	}
	if len(tried) == 0 {
		tried = append(tried, "no Python with jax_plugins and no known location exists")
	}
	return Plugin{}, fmt.Errorf("%w; tried: %s. Install JAX's CUDA plugin (the Python packages jax-cuda13-plugin and jax-cuda13-pjrt, e.g. pip install \"jax[cuda13]\") or point --pjrt-plugin or $%s at xla_cuda_plugin.so",
		ErrNoPlugin, strings.Join(tried, ", "), PluginEnv)
}

// pythonPluginDirs asks each Python interpreter it can find where its
// jax_plugins.xla_cuda13 (or xla_cuda12) package is.
func pythonPluginDirs(ctx context.Context) []string {
	var pythons []string
	if v := os.Getenv("VIRTUAL_ENV"); v != "" {
		pythons = append(pythons, filepath.Join(v, "bin", "python3"))
	}
	for _, name := range []string{"python3", "python"} {
		if p, err := exec.LookPath(name); err == nil {
			pythons = append(pythons, p)
		}
	}
	venvs, _ := filepath.Glob("/opt/*/.venv/bin/python3")
	pythons = append(pythons, venvs...)
	pythons = append(pythons, "/opt/conda/bin/python3")

	const script = `import importlib.util, os
for m in ("jax_plugins.xla_cuda13", "jax_plugins.xla_cuda12"):
    try:
        s = importlib.util.find_spec(m)
    except Exception:
        s = None
    if s is not None and s.origin:
        print(os.path.dirname(s.origin))
    elif s is not None and s.submodule_search_locations:
        print(list(s.submodule_search_locations)[0])`
	var dirs []string
	seen := map[string]bool{}
	for _, py := range pythons {
		real, err := filepath.EvalSymlinks(py)
		if err != nil || seen[real] {
			continue
		}
		seen[real] = true
		cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		out, err := exec.CommandContext(cctx, py, "-c", script).Output()
		cancel()
		if err != nil {
			continue
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if line = strings.TrimSpace(line); line != "" && !slices.Contains(dirs, line) {
				dirs = append(dirs, line)
			}
		}
	}
	return dirs
}

// knownPluginPaths lists plugin files at the usual install locations.
func knownPluginPaths() []string {
	var pats []string
	for _, site := range []string{
		"/opt/*/.venv/lib/python3*/site-packages",
		"/opt/conda/lib/python3*/site-packages",
		"/usr/local/lib/python3*/dist-packages",
		"/usr/local/lib/python3*/site-packages",
		"/usr/lib/python3/dist-packages",
	} {
		pats = append(pats, site+"/jax_plugins/xla_cuda*/xla_cuda_plugin.so")
	}
	if home, err := os.UserHomeDir(); err == nil {
		pats = append(pats,
			home+"/.local/lib/python3*/site-packages/jax_plugins/xla_cuda*/xla_cuda_plugin.so",
			home+"/.local/lib/go-xla/pjrt_c_api_cuda_plugin.so")
	}
	pats = append(pats, "/usr/local/lib/go-xla/pjrt_c_api_cuda_plugin.so")
	for _, dir := range filepath.SplitList(os.Getenv("PJRT_PLUGIN_LIBRARY_PATH")) {
		if dir != "" {
			pats = append(pats, filepath.Join(dir, "pjrt_c_api_cuda_plugin.so"))
		}
	}
	var paths []string
	for _, pat := range pats {
		m, _ := filepath.Glob(pat)
		slices.Sort(m)
		slices.Reverse(m) // newest CUDA (xla_cuda13 before xla_cuda12) first
		paths = append(paths, m...)
	}
	return paths
}

// nvidiaLibs finds the pip layout's nvidia folder for a plugin: JAX's
// plugin sits in site-packages/jax_plugins/xla_cudaNN/, the NVIDIA wheels
// in site-packages/nvidia/<lib>/lib; go-xla's installer puts nvidia/ next
// to the plugin's folder.
func nvidiaLibs(plugin string) (string, []string) {
	dir := filepath.Dir(plugin)
	for _, cand := range []string{
		filepath.Join(dir, "..", "..", "nvidia"),
		filepath.Join(dir, "..", "nvidia"),
		filepath.Join(dir, "nvidia"),
	} {
		cand = filepath.Clean(cand)
		if fi, err := os.Stat(cand); err == nil && fi.IsDir() {
			libs, _ := filepath.Glob(filepath.Join(cand, "*", "lib"))
			slices.Sort(libs)
			return cand, libs
		}
	}
	return "", nil
}

// Env returns the environment changes the plugin needs: GOPJRT_CUDA_CHECKS=0
// (go-xla's own path guess is wrong for a pip layout), XLA_FLAGS with
// --xla_gpu_cuda_data_dir at the nvidia folder (for libdevice and ptxas),
// and LD_LIBRARY_PATH with the NVIDIA library folders. It keeps what the
// user already set and returns only the variables that change.
func (p Plugin) Env(getenv func(string) string) map[string]string {
	env := map[string]string{}
	if getenv("GOPJRT_CUDA_CHECKS") == "" {
		env["GOPJRT_CUDA_CHECKS"] = "0"
	}
	if p.NvidiaDir != "" {
		flags := getenv("XLA_FLAGS")
		if !strings.Contains(flags, "--xla_gpu_cuda_data_dir") {
			env["XLA_FLAGS"] = strings.TrimSpace(flags + " --xla_gpu_cuda_data_dir=" + p.NvidiaDir)
		}
	}
	ld := filepath.SplitList(getenv("LD_LIBRARY_PATH"))
	var missing []string
	for _, d := range p.LibDirs {
		if !slices.Contains(ld, d) {
			missing = append(missing, d)
		}
	}
	if len(missing) > 0 {
		env["LD_LIBRARY_PATH"] = strings.Join(append(missing, ld...), string(filepath.ListSeparator))
	}
	return env
}
