package deploy

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// dockerfile is what the test needs of a Dockerfile: its stages with the
// instructions that matter to the Deployments.
type dockerfile struct {
	path   string
	args   map[string]string // global ARG defaults (before the first FROM)
	stages []*stage
}

type stage struct {
	from        string // the image, global ARGs resolved
	runs        []string
	copies      []string
	env         map[string]string
	envOrder    []string
	user        string
	expose      []string
	volumes     []string
	entrypoint  []string
	cmd         []string
	healthcheck bool
}

func (d *dockerfile) final() *stage { return d.stages[len(d.stages)-1] }

// parseDockerfile reads the subset of the Dockerfile syntax the images
// use: continuation lines, comments, ARG, FROM, RUN, COPY, ENV, USER,
// EXPOSE, VOLUME, ENTRYPOINT, CMD, HEALTHCHECK. ENTRYPOINT and CMD must be
// in exec (JSON) form: the shell form runs under /bin/sh -c, which neither
// exists in the distroless image nor passes SIGTERM on to dataplus.
func parseDockerfile(path string) (*dockerfile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d := &dockerfile{path: path, args: map[string]string{}}
	var lines []string
	var cur strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || (line == "" && cur.Len() == 0) {
			continue // comments, also inside continued instructions
		}
		if l, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(l + " ")
			continue
		}
		cur.WriteString(line)
		lines = append(lines, cur.String())
		cur.Reset()
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for _, line := range lines {
		instr, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		instr = strings.ToUpper(instr)
		if instr == "FROM" {
			image := strings.Fields(rest)[0]
			d.stages = append(d.stages, &stage{from: d.expand(image), env: map[string]string{}})
			continue
		}
		if len(d.stages) == 0 {
			if instr == "ARG" {
				k, v, _ := strings.Cut(rest, "=")
				d.args[k] = v
				continue
			}
			return nil, fmt.Errorf("%s: %s before the first FROM", path, instr)
		}
		s := d.stages[len(d.stages)-1]
		var err error
		switch instr {
		case "RUN":
			s.runs = append(s.runs, rest)
		case "COPY":
			s.copies = append(s.copies, rest)
		case "ENV":
			parseEnv(s, rest)
		case "USER":
			s.user = rest
		case "EXPOSE":
			s.expose = append(s.expose, strings.Fields(rest)...)
		case "VOLUME":
			err = json.Unmarshal([]byte(rest), &s.volumes)
		case "ENTRYPOINT":
			err = json.Unmarshal([]byte(rest), &s.entrypoint)
		case "CMD":
			err = json.Unmarshal([]byte(rest), &s.cmd)
		case "HEALTHCHECK":
			s.healthcheck = true
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %s must be a JSON array (exec form): %q: %w", path, instr, rest, err)
		}
	}
	if len(d.stages) == 0 {
		return nil, fmt.Errorf("%s: no FROM", path)
	}
	return d, nil
}

var argRef = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?`)

func (d *dockerfile) expand(s string) string {
	return argRef.ReplaceAllStringFunc(s, func(m string) string {
		return d.args[argRef.FindStringSubmatch(m)[1]]
	})
}

// parseEnv reads ENV k=v [k=v...] (values here hold no spaces) and the
// legacy ENV k v.
func parseEnv(s *stage, rest string) {
	fields := strings.Fields(rest)
	if len(fields) > 0 && !strings.Contains(fields[0], "=") {
		s.setEnv(fields[0], strings.TrimSpace(strings.TrimPrefix(rest, fields[0])))
		return
	}
	for _, f := range fields {
		k, v, _ := strings.Cut(f, "=")
		s.setEnv(k, strings.Trim(v, `"`))
	}
}

func (s *stage) setEnv(k, v string) {
	if _, ok := s.env[k]; !ok {
		s.envOrder = append(s.envOrder, k)
	}
	s.env[k] = v
}

// image is one Dockerfile and how its build must look.
type image struct {
	file     string
	buildEnv []string // must appear in the go build RUN line
	gpu      bool
}

var images = []image{
	{file: "Dockerfile", buildEnv: []string{"CGO_ENABLED=0", "-trimpath"}},
	{file: "Dockerfile.cuda", buildEnv: []string{"CGO_ENABLED=1", "-trimpath", "-tags xla"}, gpu: true},
}

func TestDockerfiles(t *testing.T) {
	for _, img := range images {
		t.Run(img.file, func(t *testing.T) {
			d, err := parseDockerfile(img.file)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.stages) < 2 {
				t.Fatalf("want a multi-stage build (builder + runtime), got %d stage(s)", len(d.stages))
			}
			if b := d.stages[0].from; !strings.HasPrefix(b, "golang:1.26") {
				t.Errorf("builder image %q: want golang:1.26 (go.mod's Go version)", b)
			}
			build := ""
			for _, r := range d.stages[0].runs {
				if strings.Contains(r, "go build") {
					build = r
				}
			}
			if !strings.Contains(build, "./cmd/dataplus") {
				t.Errorf("no go build of ./cmd/dataplus in the builder stage")
			}
			for _, want := range img.buildEnv {
				if !strings.Contains(build, want) {
					t.Errorf("go build line lacks %q: %s", want, build)
				}
			}
			checkRuntimeStage(t, d, img)
		})
	}
}

func checkRuntimeStage(t *testing.T, d *dockerfile, img image) {
	t.Helper()
	s := d.final()
	uid, _, _ := strings.Cut(s.user, ":")
	if !regexp.MustCompile(`^[0-9]+$`).MatchString(uid) || uid == "0" {
		// The kubelet can only enforce runAsNonRoot on a numeric USER.
		t.Errorf("runtime USER %q: want a numeric non-root uid", s.user)
	}
	if s.healthcheck {
		t.Error("runtime stage has a HEALTHCHECK; orchestrators probe GET /health instead")
	}
	if len(s.expose) != 1 {
		t.Fatalf("EXPOSE %v: want exactly the server's port", s.expose)
	}
	if len(s.entrypoint) == 0 {
		t.Fatal("no ENTRYPOINT (exec form)")
	}
	copied := false
	for _, c := range s.copies {
		f := strings.Fields(c)
		copied = copied || (len(f) > 0 && f[len(f)-1] == s.entrypoint[0])
	}
	if !copied {
		t.Errorf("ENTRYPOINT %s is not a file the runtime stage copies in", s.entrypoint[0])
	}
	if !slices.Equal(s.cmd, []string{"serve"}) {
		t.Errorf("CMD %q: want [\"serve\"]", s.cmd)
	}
	if img.gpu {
		installsCA := false
		for _, r := range s.runs {
			installsCA = installsCA || strings.Contains(r, "ca-certificates")
		}
		if !installsCA {
			t.Error("CUDA runtime stage does not install ca-certificates")
		}
	} else if !strings.Contains(s.from, "distroless/static") {
		t.Errorf("runtime base %q: want a distroless static image (ca-certificates, no shell)", s.from)
	}
	// The image's own environment must load as dataplus serve's
	// configuration, and put the port and paths where the image says.
	c, err := loadServe(append([]string(nil), s.cmd[1:]...), s.env)
	if err != nil {
		t.Fatalf("image ENV and CMD do not load as dataplus serve settings: %v", err)
	}
	if p := portOf(c.Server.Addr); strings.TrimSuffix(s.expose[0], "/tcp") != p {
		t.Errorf("EXPOSE %s but the server listens on %q", s.expose[0], c.Server.Addr)
	}
	for _, p := range append([]string{c.Server.Store}, c.Server.DataRoots...) {
		if !slices.Contains(s.volumes, p) {
			t.Errorf("VOLUME %q does not declare %s (store or data root)", s.volumes, p)
		}
	}
}

func portOf(addr string) string {
	i := strings.LastIndex(addr, ":")
	return addr[i+1:]
}
