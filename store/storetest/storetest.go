// Package storetest gives tests their own real Postgres database and Redis database, on the
// servers named by DATABASE_URL and REDIS_URL (started by deploy/services.sh).
// Without them a test skips locally and fails under CI=true.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/reservas/reservas/store"
)

func missing(t testing.TB, what string) {
	t.Helper()
	msg := what + " is not set: run `eval \"$(deploy/services.sh env)\"` after `deploy/services.sh up` (or use make test)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// DatabaseURL returns a fresh, migrated database's URL; the database is dropped when the test ends.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	dsn := EmptyDatabaseURL(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
	return dsn
}

// EmptyDatabaseURL creates an empty database (btree_gist only) on the server of base
// (DATABASE_URL when empty) and drops it when the test ends; for tests that migrate it themselves.
func EmptyDatabaseURL(t testing.TB, base string) string {
	t.Helper()
	if base == "" {
		base = os.Getenv("DATABASE_URL")
	}
	if base == "" {
		missing(t, "DATABASE_URL")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to DATABASE_URL: %v", err)
	}
	defer admin.Close(ctx)
	name := "test_" + randomHex(t, 6)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse DATABASE_URL: %v", err)
	}
	u.Path = "/" + name
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatalf("connect to the test database: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS btree_gist"); err != nil {
		t.Fatalf("btree_gist in the test database: %v", err)
	}
	return u.String()
}

// NewStore opens a fresh, migrated database for the test.
func NewStore(t testing.TB) *store.Store {
	t.Helper()
	dsn := DatabaseURL(t)
	s, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// RedisURL returns the URL of a Redis database of the test's own (1..255), flushed first, so
// that test packages running at the same time never take each other's queued tasks.
func RedisURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("REDIS_URL")
	if base == "" {
		missing(t, "REDIS_URL")
	}
	opts, err := redis.ParseURL(base)
	if err != nil {
		t.Fatalf("parse REDIS_URL: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts.DB = 0
	c := redis.NewClient(opts)
	defer c.Close()
	n, err := c.Incr(ctx, "storetest:next-db").Result()
	if err != nil {
		t.Fatalf("reach REDIS_URL: %v", err)
	}
	db := int(n%255) + 1
	opts.DB = db
	own := redis.NewClient(opts)
	defer own.Close()
	if err := own.FlushDB(ctx).Err(); err != nil {
		t.Fatalf("flush test redis db: %v", err)
	}
	// Leave the database empty too: the shared Redis, and its append-only file with its
	// rewrites, would otherwise grow with every run (and slow the benchmarks down).
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c := redis.NewClient(opts)
		defer c.Close()
		_ = c.FlushDB(ctx).Err()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse REDIS_URL: %v", err)
	}
	u.Path = fmt.Sprintf("/%d", db)
	return u.String()
}

// NewRedis returns a client on the test's own Redis database.
func NewRedis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	u := RedisURL(t)
	opts, err := redis.ParseURL(u)
	if err != nil {
		t.Fatalf("parse redis url: %v", err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	return c, u
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("random: %v", err)
	}
	return hex.EncodeToString(b)
}
