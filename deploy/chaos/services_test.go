//go:build chaos

package chaos_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/reservas/reservas/deploy/e2e"
)

// services is a private Postgres and Redis started by deploy/services.sh on ports and a data
// directory of their own, so that restarting them disturbs nobody else's tests.
type services struct {
	script    string
	dir       string
	pgPort    int
	redisPort int
}

func startServices(t *testing.T) *services {
	t.Helper()
	root, err := e2e.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	// Not t.TempDir(): PostgreSQL runs as the postgres user and must reach the directory.
	dir, err := os.MkdirTemp("", "reservas-chaos-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := &services{script: filepath.Join(root, "deploy", "services.sh"), dir: dir,
		pgPort: freePort(t), redisPort: freePort(t)}
	t.Cleanup(func() {
		_ = s.cmd(context.Background(), "down").Run()
		_ = os.RemoveAll(dir)
	})
	s.run(t, "up")
	return s
}

func (s *services) DatabaseURL() string {
	return fmt.Sprintf("postgres://reservas:reservas@127.0.0.1:%d/reservas?sslmode=disable", s.pgPort)
}

func (s *services) RedisURL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", s.redisPort) }

func (s *services) cmd(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, s.script, args...)
	cmd.Env = append(os.Environ(), "RESERVAS_DATA_DIR="+s.dir,
		"RESERVAS_PG_PORT="+strconv.Itoa(s.pgPort), "RESERVAS_REDIS_PORT="+strconv.Itoa(s.redisPort))
	return cmd
}

func (s *services) run(t *testing.T, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := s.cmd(ctx, args...).CombinedOutput(); err != nil {
		t.Fatalf("services.sh %v: %v\n%s", args, err, out)
	}
}

// stopRedis shuts Redis down (it writes its append-only file first, as on a clean restart).
func (s *services) stopRedis(t *testing.T) {
	t.Helper()
	out, err := exec.Command("redis-cli", "-p", strconv.Itoa(s.redisPort), "shutdown").CombinedOutput()
	if err != nil && len(out) > 0 {
		// redis-cli reports the lost connection of a successful shutdown as an error
		t.Logf("redis-cli shutdown: %v %s", err, out)
	}
	for range 100 {
		if exec.Command("redis-cli", "-p", strconv.Itoa(s.redisPort), "ping").Run() != nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("redis did not stop")
}

func freePort(t *testing.T) int {
	t.Helper()
	addr := e2e.FreeAddr(t)
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
