// Package e2e runs the real reservas binaries as separate processes (an ingress, workers and a
// scheduler) against real Postgres and Redis, with the providers (Meta's Graph API, Mercado
// Pago, speech-to-text) faked in the test process by the same fakes the package tests use,
// listening on loopback. A test plays the guest exactly as Meta and Mercado Pago would: signed
// webhooks over HTTP. The load benchmarks (deploy/bench) and the chaos test (deploy/chaos) use
// the same harness.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/reservas/reservas/handlers/mercadopago/mercadopagotest"
	"github.com/reservas/reservas/handlers/stt/stttest"
	"github.com/reservas/reservas/handlers/whatsapp/whatsapptest"
	"github.com/reservas/reservas/store/storetest"
)

// Secrets the processes are started with; they exist only for the test.
const (
	VerifyToken   = "e2e-verify-token"
	MPAccessToken = "e2e-mp-access-token"
	MPSecret      = "e2e-mp-webhook-secret"
	STTKey        = "e2e-stt-key"
	SessionSecret = "e2e-session-secret-0123456789abcdef0123456789"
	AdminAPIToken = "e2e-admin-api-token"
	// OwnerPhone is the owner's WhatsApp number (OWNER_PHONE).
	OwnerPhone = "5491100000000"
)

// Options shape the system under test. The zero value is the shape: one ingress, two
// workers and one scheduler.
type Options struct {
	// Workers is how many `reservas worker` processes run; 0 means 2, negative means none.
	Workers int
	// NoScheduler leaves the scheduler out.
	NoScheduler bool
	// WorkerConcurrency is WORKER_CONCURRENCY; 0 keeps the default (20).
	WorkerConcurrency int
	// DatabaseURL and RedisURL name the servers to use; empty means DATABASE_URL and REDIS_URL
	// (deploy/services.sh). Either way the system gets a fresh database and Redis database.
	DatabaseURL string
	RedisURL    string
	// RedisDB, with RedisURL set, is the Redis database number to use (flushed first).
	RedisDB int
	// LogLevel is LOG_LEVEL; default "info".
	LogLevel string
	// Env adds or overrides variables of every process.
	Env map[string]string
	// BinDir holds prebuilt reservas binaries; empty builds them from the module.
	BinDir string
	// NoSeed skips `reservas seed --demo`.
	NoSeed bool
	// MPRetrySchedule is the fake Mercado Pago's notification retry schedule; default short.
	MPRetrySchedule []time.Duration
	// Transcript is what the fake speech-to-text hears in every voice note.
	Transcript string
}

// System is a running system under test. Everything stops when the test ends.
type System struct {
	t    testing.TB
	Dir  string
	Bin  string
	opts Options

	DatabaseURL string
	RedisURL    string
	DB          *pgxpool.Pool
	Redis       *redis.Client

	Graph *whatsapptest.Server
	MP    *mercadopagotest.Server
	STT   *stttest.Server

	IngressURL string
	Ingress    *Proc
	Workers    []*Proc
	Scheduler  *Proc

	http *http.Client
	mu   sync.Mutex
	seq  int64
}

// Start builds the binaries (unless opts.BinDir), creates the database and Redis database,
// migrates and seeds through the binary, starts the fakes and the processes, and waits until
// every process answers its health check.
func Start(t testing.TB, opts Options) *System {
	t.Helper()
	if opts.Workers == 0 {
		opts.Workers = 2
	}
	if opts.LogLevel == "" {
		opts.LogLevel = "info"
	}
	dir := t.TempDir()
	s := &System{t: t, Dir: dir, opts: opts, http: &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	s.Bin = filepath.Join(opts.BinDir, "reservas")
	if opts.BinDir == "" {
		s.Bin = Build(t, dir)
	}
	s.DatabaseURL = newDatabase(t, opts.DatabaseURL)
	s.RedisURL = newRedisDB(t, opts.RedisURL, opts.RedisDB)
	flushOnCleanup(t, s.RedisURL)

	ctx := context.Background()
	pool, err := pgxpool.New(ctx, s.DatabaseURL)
	if err != nil {
		t.Fatalf("e2e: open database: %v", err)
	}
	t.Cleanup(pool.Close)
	s.DB = pool
	ropts, err := redis.ParseURL(s.RedisURL)
	if err != nil {
		t.Fatalf("e2e: parse redis url: %v", err)
	}
	s.Redis = redis.NewClient(ropts)
	t.Cleanup(func() { _ = s.Redis.Close() })

	s.Graph = whatsapptest.NewServer(whatsapptest.Options{})
	t.Cleanup(s.Graph.Close)
	sched := opts.MPRetrySchedule
	if len(sched) == 0 {
		sched = []time.Duration{0, 200 * time.Millisecond, time.Second, 3 * time.Second, 10 * time.Second}
	}
	s.MP = mercadopagotest.NewServer(mercadopagotest.Options{AccessToken: MPAccessToken, WebhookSecret: MPSecret,
		RetrySchedule: sched, NotificationTimeout: 10 * time.Second})
	t.Cleanup(s.MP.Close)
	transcript := opts.Transcript
	if transcript == "" {
		transcript = "Hola, quería saber si tienen lugar."
	}
	s.STT = stttest.New(stttest.Options{Transcript: transcript, APIKey: STTKey})
	t.Cleanup(s.STT.Close)

	ingressAddr := FreeAddr(t)
	s.IngressURL = "http://" + ingressAddr

	s.Run(t, "migrate")
	if !opts.NoSeed {
		s.Run(t, "seed", "--demo")
	}

	s.Ingress = s.StartProc(t, "ingress", "ingress", ingressAddr)
	for i := range max(opts.Workers, 0) {
		s.Workers = append(s.Workers, s.StartProc(t, fmt.Sprintf("worker%d", i+1), "worker", FreeAddr(t)))
	}
	if !opts.NoScheduler {
		s.Scheduler = s.StartProc(t, "scheduler", "scheduler", FreeAddr(t))
	}
	for _, p := range s.Procs() {
		p.WaitHealthy(t, 30*time.Second)
	}
	return s
}

// Procs returns every process started, in start order.
func (s *System) Procs() []*Proc {
	var out []*Proc
	if s.Ingress != nil {
		out = append(out, s.Ingress)
	}
	out = append(out, s.Workers...)
	if s.Scheduler != nil {
		out = append(out, s.Scheduler)
	}
	return out
}

// Env is the environment every reservas process of the system gets.
func (s *System) Env(httpAddr string) []string {
	graph := s.Graph
	vars := map[string]string{
		"DATABASE_URL":             s.DatabaseURL,
		"REDIS_URL":                s.RedisURL,
		"HTTP_ADDR":                httpAddr,
		"PUBLIC_BASE_URL":          s.IngressURL,
		"LOG_LEVEL":                s.opts.LogLevel,
		"OWNER_PHONE":              OwnerPhone,
		"WHATSAPP_API_URL":         graph.URL(),
		"WHATSAPP_TOKEN":           graph.Token(),
		"WHATSAPP_PHONE_NUMBER_ID": graph.PhoneNumberID(),
		"WHATSAPP_APP_SECRET":      graph.AppSecret(),
		"WHATSAPP_VERIFY_TOKEN":    VerifyToken,
		"MP_API_URL":               s.MP.URL(),
		"MP_ACCESS_TOKEN":          MPAccessToken,
		"MP_WEBHOOK_SECRET":        MPSecret,
		"STT_URL":                  s.STT.URL + "/v1",
		"STT_API_KEY":              STTKey,
		"SESSION_SECRET":           SessionSecret,
		"ADMIN_API_TOKEN":          AdminAPIToken,
	}
	if s.opts.WorkerConcurrency > 0 {
		vars["WORKER_CONCURRENCY"] = strconv.Itoa(s.opts.WorkerConcurrency)
	}
	for k, v := range s.opts.Env {
		vars[k] = v
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + os.TempDir()}
	if v := os.Getenv("GOCOVERDIR"); v != "" {
		env = append(env, "GOCOVERDIR="+v)
	}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

// Run runs a reservas operator command to completion and returns its standard output.
func (s *System) Run(t testing.TB, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.Bin, args...)
	cmd.Env = s.Env("127.0.0.1:0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("e2e: reservas %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// Proc is one running reservas process.
type Proc struct {
	Name string
	Role string // ingress, worker, scheduler
	Addr string // its HTTP_ADDR
	Log  string // path of its combined output

	sys  *System
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// StartProc starts `reservas <role>` listening on addr; it is stopped when the test ends.
func (s *System) StartProc(t testing.TB, name, role, addr string) *Proc {
	t.Helper()
	p := &Proc{Name: name, Role: role, Addr: addr, Log: filepath.Join(s.Dir, name+".log"), sys: s}
	p.start(t)
	t.Cleanup(func() {
		p.Stop(10 * time.Second)
		if t.Failed() {
			t.Logf("--- last lines of %s ---\n%s", p.Name, tail(p.Log, 30))
		}
	})
	return p
}

func (p *Proc) start(t testing.TB) {
	t.Helper()
	f, err := os.OpenFile(p.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatalf("e2e: log file: %v", err)
	}
	cmd := exec.Command(p.sys.Bin, p.Role)
	cmd.Env = p.sys.Env(p.Addr)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("e2e: start %s: %v", p.Name, err)
	}
	done := make(chan struct{})
	p.mu.Lock()
	p.cmd, p.done, p.err = cmd, done, nil
	p.mu.Unlock()
	go func() {
		err := cmd.Wait()
		f.Close()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		close(done)
	}()
}

// Pid is the process id of the running process.
func (p *Proc) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd.Process.Pid
}

// Running reports whether the process has not exited.
func (p *Proc) Running() bool {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	select {
	case <-done:
		return false
	default:
		return true
	}
}

// Kill sends SIGKILL (kill -9) and waits for the process to be gone.
func (p *Proc) Kill() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// Stop sends SIGTERM, waits up to grace, then kills.
func (p *Proc) Stop(grace time.Duration) {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	select {
	case <-done:
		return
	default:
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(grace):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-done
	}
}

// Restart starts the process again (after Kill or Stop) and waits until it is healthy.
func (p *Proc) Restart(t testing.TB) {
	t.Helper()
	if p.Running() {
		t.Fatalf("e2e: restart %s: still running", p.Name)
	}
	p.start(t)
	p.WaitHealthy(t, 30*time.Second)
}

// WaitHealthy waits until the process answers /readyz (ingress) or /healthz (others).
func (p *Proc) WaitHealthy(t testing.TB, within time.Duration) {
	t.Helper()
	path := "/healthz"
	if p.Role == "ingress" {
		path = "/readyz"
	}
	deadline := time.Now().Add(within)
	for {
		if !p.Running() {
			t.Fatalf("e2e: %s exited: %v\n%s", p.Name, p.exitErr(), tail(p.Log, 30))
		}
		resp, err := http.Get("http://" + p.Addr + path)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("e2e: %s not healthy after %s\n%s", p.Name, within, tail(p.Log, 30))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *Proc) exitErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Build compiles cmd/reservas into dir and returns the binary's path.
func Build(t testing.TB, dir string) string {
	t.Helper()
	root, err := ModuleRoot()
	if err != nil {
		t.Fatalf("e2e: %v", err)
	}
	bin := filepath.Join(dir, "reservas")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/reservas")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("e2e: go build ./cmd/reservas: %v\n%s", err, out)
	}
	return bin
}

// ModuleRoot is the directory of the reservas module (where go.mod is).
func ModuleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the reservas module")
	}
	return filepath.Dir(mod), nil
}

// FreeAddr returns a loopback address with a port nobody listens on right now.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("e2e: free port: %v", err)
	}
	defer l.Close()
	return l.Addr().String()
}

// newDatabase creates an empty database on the server of base (default DATABASE_URL), with
// btree_gist, and drops it when the test ends. `reservas migrate` creates the schema.
func newDatabase(t testing.TB, base string) string {
	t.Helper()
	return storetest.EmptyDatabaseURL(t, base)
}

// newRedisDB returns a flushed Redis database of the test's own: from storetest (on
// REDIS_URL) or, with base set, database db of that server.
func newRedisDB(t testing.TB, base string, db int) string {
	t.Helper()
	if base == "" {
		return storetest.RedisURL(t)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("e2e: parse redis url: %v", err)
	}
	u.Path = "/" + strconv.Itoa(db)
	opts, err := redis.ParseURL(u.String())
	if err != nil {
		t.Fatalf("e2e: parse redis url: %v", err)
	}
	c := redis.NewClient(opts)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.FlushDB(ctx).Err(); err != nil {
		t.Fatalf("e2e: flush redis db %d: %v", db, err)
	}
	return u.String()
}

// flushOnCleanup empties the system's Redis database when the test ends: a load run leaves
// tens of thousands of tasks there.
func flushOnCleanup(t testing.TB, redisURL string) {
	t.Cleanup(func() {
		opts, err := redis.ParseURL(redisURL)
		if err != nil {
			return
		}
		c := redis.NewClient(opts)
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = c.FlushDB(ctx).Err()
	})
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return "(no log)"
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(io.LimitReader(f, 64<<20))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}
