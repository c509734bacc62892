package deploy_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/store/storetest"
)

// TestBackupAndRestoreDrill runs deploy/backup.sh and deploy/restore-drill.sh against a real
// Postgres: the dump restores, and the drill fails on a dump that is not one.
func TestBackupAndRestoreDrill(t *testing.T) {
	for _, tool := range []string{"pg_dump", "pg_restore", "psql"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
	dsn := storetest.DatabaseURL(t)
	ctx := context.Background()
	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.UpsertAccommodation(ctx, booking.Accommodation{Name: "Cabaña Backup", Capacity: 2, NightlyRateCents: 100}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAdminUser(ctx, "owner@example.com", "$argon2id$v=19$m=19456,t=2,p=1$x$y", store.RoleAdmin); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	env := append(os.Environ(), "BACKUP_DATABASE_URL="+dsn, "BACKUP_DIR="+dir)
	run := func(script string, args ...string) (string, error) {
		cmd := exec.Command(filepath.Join(mustAbs(t, "."), script), args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run("backup.sh")
	if err != nil {
		t.Fatalf("backup.sh: %v\n%s", err, out)
	}
	dumps, _ := filepath.Glob(filepath.Join(dir, "reservas-*.dump"))
	partial, _ := filepath.Glob(filepath.Join(dir, "*.partial"))
	if len(dumps) != 1 || len(partial) != 0 {
		t.Fatalf("after backup.sh: dumps %v, partial files %v\n%s", dumps, partial, out)
	}

	out, err = run("restore-drill.sh")
	if err != nil {
		t.Fatalf("restore-drill.sh: %v\n%s", err, out)
	}
	for _, want := range []string{"accommodations 1", "admin_users 1", "restore-drill: OK", "migration "} {
		if !strings.Contains(out, want) {
			t.Errorf("drill output lacks %q:\n%s", want, out)
		}
	}
	var n int
	if err := s.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_database WHERE datname = 'reservas_restore_drill'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("the scratch database was left behind (%d, %v)", n, err)
	}

	bad := filepath.Join(dir, "reservas-broken.dump")
	if err := os.WriteFile(bad, []byte("not a dump"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := run("restore-drill.sh", bad); err == nil {
		t.Fatalf("the drill passed a broken dump:\n%s", out)
	}
}
