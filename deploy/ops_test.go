package deploy_test

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// root is the repository root (tests run in deploy/).
const root = ".."

func read(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// configVars are the variables cmd/reservas/config.go reads (its env:"NAME" tags).
func configVars(t *testing.T) map[string]bool {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(root, "cmd/reservas/config.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok || ts.Name.Name != "config" {
			return true
		}
		for _, fld := range ts.Type.(*ast.StructType).Fields.List {
			if fld.Tag == nil {
				continue
			}
			tag := reflect.StructTag(strings.Trim(fld.Tag.Value, "`")).Get("env")
			if name, _, _ := strings.Cut(tag, ","); name != "" {
				vars[name] = true
			}
		}
		return false
	})
	if len(vars) < 20 || !vars["DATABASE_URL"] || !vars["SESSION_SECRET"] {
		t.Fatalf("config vars look wrong: %v", vars)
	}
	return vars
}

var envLine = regexp.MustCompile(`^([A-Z][A-Z0-9_]*)=`)

func envExample(t *testing.T) map[string]string {
	t.Helper()
	vars := map[string]string{}
	for _, line := range strings.Split(string(read(t, "deploy/env.example")), "\n") {
		if m := envLine.FindStringSubmatch(line); m != nil {
			if _, dup := vars[m[1]]; dup {
				t.Errorf("env.example sets %s twice", m[1])
			}
			vars[m[1]] = strings.TrimPrefix(line, m[0])
		}
	}
	return vars
}

var composeVar = regexp.MustCompile(`\$\{([A-Z_][A-Z0-9_]*)`)

type compose struct {
	Services map[string]map[string]any `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

func loadCompose(t *testing.T, name string) (compose, []byte) {
	t.Helper()
	raw := read(t, name)
	var c compose
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(c.Services) == 0 {
		t.Fatalf("%s has no services", name)
	}
	return c, raw
}

func keys[M ~map[string]V, V any](m M) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// isReservas reports whether a compose service runs the reservas binary.
func isReservas(svc map[string]any) bool {
	img, _ := svc["image"].(string)
	_, builds := svc["build"]
	ep, _ := svc["entrypoint"].([]any)
	return (builds || strings.Contains(img, "reservas")) && !(len(ep) > 0 && ep[0] == "sandbox")
}

func TestComposeFilesParseAndReferenceRealPathsAndVariables(t *testing.T) {
	cfgVars := configVars(t)
	example := envExample(t)
	usedByCompose := map[string]bool{}
	for _, name := range []string{"docker-compose.yml", "docker-compose.prod.yml"} {
		c, raw := loadCompose(t, name)
		for _, m := range composeVar.FindAllStringSubmatch(string(raw), -1) {
			usedByCompose[m[1]] = true
			if _, ok := example[m[1]]; !ok {
				t.Errorf("%s uses ${%s}, which deploy/env.example does not list", name, m[1])
			}
		}
		for sname, svc := range c.Services {
			// Paths: build context and Dockerfile, bind mounts, env files.
			if b, ok := svc["build"].(map[string]any); ok {
				ctx, _ := b["context"].(string)
				wantPath(t, name, sname, ctx)
				if df, ok := b["dockerfile"].(string); ok {
					wantPath(t, name, sname, filepath.Join(ctx, df))
				}
			}
			if vols, ok := svc["volumes"].([]any); ok {
				for _, v := range vols {
					src, _, _ := strings.Cut(v.(string), ":")
					if strings.HasPrefix(src, ".") || strings.HasPrefix(src, "/") {
						wantPath(t, name, sname, src)
					} else if _, ok := c.Volumes[src]; !ok {
						t.Errorf("%s: service %s mounts volume %q, not declared under volumes:", name, sname, src)
					}
				}
			}
			if ef, ok := svc["env_file"]; ok {
				t.Errorf("%s: service %s uses env_file %v; use ${VAR} from .env so the test can check names", name, sname, ef)
			}
			if deps, ok := svc["depends_on"].(map[string]any); ok {
				for d := range deps {
					if _, ok := c.Services[d]; !ok {
						t.Errorf("%s: %s depends on unknown service %s", name, sname, d)
					}
				}
			}
			// What reservas is given must be what it reads.
			if isReservas(svc) {
				env, _ := svc["environment"].(map[string]any)
				if len(env) == 0 {
					t.Errorf("%s: reservas service %s has no environment", name, sname)
				}
				for k := range env {
					if !cfgVars[k] {
						t.Errorf("%s: service %s sets %s, which cmd/reservas/config.go does not read", name, sname, k)
					}
				}
				for _, must := range []string{"DATABASE_URL", "REDIS_URL", "SESSION_SECRET", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN", "PUBLIC_BASE_URL"} {
					if _, ok := env[must]; !ok {
						t.Errorf("%s: service %s lacks %s", name, sname, must)
					}
				}
			}
		}
	}
	for v := range cfgVars {
		if _, ok := example[v]; !ok {
			t.Errorf("deploy/env.example does not list %s (read by cmd/reservas/config.go)", v)
		}
	}
	for v := range example {
		if !cfgVars[v] && !usedByCompose[v] {
			t.Errorf("deploy/env.example lists %s, which neither the config nor the compose files use", v)
		}
	}
}

func wantPath(t *testing.T, file, svc, rel string) {
	t.Helper()
	if rel == "" {
		t.Errorf("%s: service %s has an empty path", file, svc)
		return
	}
	if _, err := os.Stat(filepath.Join(root, rel)); err != nil {
		t.Errorf("%s: service %s references %s: %v", file, svc, rel, err)
	}
}

func TestProdComposeShape(t *testing.T) {
	c, _ := loadCompose(t, "docker-compose.prod.yml")
	for _, s := range []string{"postgres", "redis", "migrate", "ingress", "worker", "scheduler", "nginx", "prometheus", "grafana"} {
		if _, ok := c.Services[s]; !ok {
			t.Fatalf("docker-compose.prod.yml has no %s service (has %v)", s, keys(c.Services))
		}
	}
	if img := c.Services["postgres"]["image"]; img != "postgres:16" {
		t.Errorf("postgres image %v, want postgres:16", img)
	}
	cmd := strings.Join(toStrings(c.Services["redis"]["command"]), " ")
	if !strings.Contains(cmd, "--appendonly yes") {
		t.Errorf("redis command %q does not turn AOF on", cmd)
	}
	if r := c.Services["scheduler"]["deploy"].(map[string]any)["replicas"]; r != 1 {
		t.Errorf("scheduler replicas = %v, want exactly 1", r)
	}
	if r := c.Services["worker"]["deploy"].(map[string]any)["replicas"]; r != "${WORKER_REPLICAS:-2}" {
		t.Errorf("worker replicas = %v, want ${WORKER_REPLICAS:-2}", r)
	}
	for svc, want := range map[string]string{"ingress": "ingress", "worker": "worker", "scheduler": "scheduler", "migrate": "migrate"} {
		if got := toStrings(c.Services[svc]["command"]); len(got) != 1 || got[0] != want {
			t.Errorf("%s command %v", svc, got)
		}
	}
	for _, s := range []string{"prometheus", "grafana"} {
		if p := toStrings(c.Services[s]["profiles"]); len(p) != 1 || p[0] != "monitoring" {
			t.Errorf("%s profiles %v, want [monitoring] (optional)", s, p)
		}
	}
	vols := strings.Join(toStrings(c.Services["nginx"]["volumes"]), " ")
	if !strings.Contains(vols, "./nginx/nginx.conf:/etc/nginx/nginx.conf") {
		t.Errorf("nginx does not mount nginx/nginx.conf: %s", vols)
	}
	// nginx's upstream and Prometheus's targets are services of this file.
	if !strings.Contains(string(read(t, "nginx/nginx.conf")), "server ingress:8080;") {
		t.Error("nginx.conf's upstream is not the ingress service")
	}
	var prom struct {
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
			DNSSDConfigs []struct {
				Names []string `yaml:"names"`
			} `yaml:"dns_sd_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal(read(t, "deploy/prometheus/prometheus.yml"), &prom); err != nil {
		t.Fatal(err)
	}
	for _, sc := range prom.ScrapeConfigs {
		var hosts []string
		for _, s := range sc.StaticConfigs {
			for _, tg := range s.Targets {
				h, _, _ := strings.Cut(tg, ":")
				hosts = append(hosts, h)
			}
		}
		for _, d := range sc.DNSSDConfigs {
			hosts = append(hosts, d.Names...)
		}
		for _, h := range hosts {
			if _, ok := c.Services[h]; !ok && h != "localhost" {
				t.Errorf("prometheus job %s scrapes %s, not a service of docker-compose.prod.yml", sc.JobName, h)
			}
		}
	}
}

func toStrings(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		out = append(out, x.(string))
	}
	return out
}

func TestDockerfileIsMultiStageAndBuildsRealPackages(t *testing.T) {
	df := string(read(t, "deploy/Dockerfile"))
	if n := strings.Count(df, "\nFROM "); n < 2 {
		t.Fatalf("Dockerfile has %d stages, want a multi-stage build", n)
	}
	if !strings.Contains(df, "COPY --from=build") {
		t.Error("the runtime stage does not copy from the build stage")
	}
	for _, m := range regexp.MustCompile(`\./cmd/[a-z]+`).FindAllString(df, -1) {
		if _, err := os.Stat(filepath.Join(root, m)); err != nil {
			t.Errorf("Dockerfile builds %s: %v", m, err)
		}
	}
	gomod := string(read(t, "go.mod"))
	goVer := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(gomod)[1]
	if !strings.Contains(df, "golang:"+goVer) {
		t.Errorf("Dockerfile's Go image is not golang:%s (go.mod)", goVer)
	}
	if !strings.Contains(df, "USER ") {
		t.Error("the image runs as root")
	}
}

// promtool finds Debian's promtool; under CI=true its absence fails the test.
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		msg := "promtool is not installed (apt-get install prometheus)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return p
}

func TestAlertRulesPassPromtool(t *testing.T) {
	bin := promtool(t)
	out, err := exec.Command(bin, "check", "rules", "prometheus/alerts.yml").CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	for _, alert := range []string{"ICalFeedStale", "ArchivedTasksGrowing", "QueueLatencyHigh", "HTTP5xxRateHigh"} {
		if !bytes.Contains(read(t, "deploy/prometheus/alerts.yml"), []byte("alert: "+alert)) {
			t.Errorf("alerts.yml has no %s alert", alert)
		}
	}
	cmd := exec.Command(bin, "test", "rules", "alerts_test.yml")
	cmd.Dir = "prometheus"
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
	// prometheus.yml, with its rule file where this checkout has it.
	dir := t.TempDir()
	conf := strings.Replace(string(read(t, "deploy/prometheus/prometheus.yml")), "/etc/prometheus/alerts.yml",
		filepath.Join(mustAbs(t, "prometheus"), "alerts.yml"), 1)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "check", "config", filepath.Join(dir, "prometheus.yml")).CombinedOutput(); err != nil {
		t.Fatalf("promtool check config: %v\n%s", err, out)
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// metricNames are the series the code defines: reservas_* names in the Go source, plus the
// asynq collector's.
func metricNames(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{"up": true}
	for _, n := range []string{"asynq_tasks_enqueued_total", "asynq_queue_size", "asynq_queue_latency_seconds",
		"asynq_queue_memory_usage_approx_bytes", "asynq_tasks_processed_total", "asynq_tasks_failed_total", "asynq_queue_paused_total"} {
		names[n] = true
	}
	re := regexp.MustCompile(`"(reservas_[a-z0-9_]+)"`)
	for _, dir := range []string{"ingress", "handlers"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return err
			}
			b, err := os.ReadFile(p)
			for _, m := range re.FindAllSubmatch(b, -1) {
				names[string(m[1])] = true
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return names
}

var seriesRe = regexp.MustCompile(`\b((?:reservas|asynq)_[a-z0-9_]+|up)\b`)

// known says whether a name used in a query is a defined series (histograms add _bucket etc.).
func known(names map[string]bool, n string) bool {
	if names[n] {
		return true
	}
	for _, suf := range []string{"_bucket", "_sum", "_count"} {
		if names[strings.TrimSuffix(n, suf)] {
			return true
		}
	}
	return false
}

func TestAlertsAndDashboardUseSeriesTheCodeExports(t *testing.T) {
	names := metricNames(t)
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(read(t, "deploy/prometheus/alerts.yml"), &rules); err != nil {
		t.Fatal(err)
	}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			for _, m := range seriesRe.FindAllString(r.Expr, -1) {
				if !known(names, m) {
					t.Errorf("alert %s uses %s, which no code exports", r.Alert, m)
				}
			}
		}
	}
	var dash struct {
		UID    string `json:"uid"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(read(t, "deploy/grafana/dashboards/reservas.json"), &dash); err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	exprs := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			exprs++
			for _, m := range seriesRe.FindAllString(tg.Expr, -1) {
				if !known(names, m) {
					t.Errorf("dashboard panel %q uses %s, which no code exports", p.Title, m)
				}
			}
		}
	}
	if dash.UID == "" || exprs < 10 {
		t.Fatalf("dashboard uid %q with %d queries", dash.UID, exprs)
	}
	// Grafana finds it where the provisioning file says.
	if !bytes.Contains(read(t, "deploy/grafana/provisioning/dashboards/reservas.yml"), []byte("/var/lib/grafana/dashboards")) {
		t.Error("dashboard provisioning does not point at the mounted dashboards directory")
	}
}
