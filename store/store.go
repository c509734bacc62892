// Package store is the Postgres data layer: a pgx pool, plain SQL queries, transactions, and the
// mapping of database errors to the domain's (ErrNotFound, ErrConflict, ErrDuplicate).
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

var (
	// ErrNotFound means the row asked for does not exist (or not in the state asked for).
	ErrNotFound = errors.New("store: not found")
	// ErrConflict means the exclusion constraint refused an overlapping occupancy.
	ErrConflict = errors.New("store: dates overlap an existing occupancy")
	// ErrDuplicate means a unique key already holds this value.
	ErrDuplicate = errors.New("store: duplicate")
	// ErrBusy means another worker holds the row; try again shortly.
	ErrBusy = errors.New("store: row locked by another worker")
)

// Store wraps the connection pool. It is safe for concurrent use.
type Store struct {
	Pool *pgxpool.Pool
}

// Open connects to Postgres and checks the connection.
func Open(ctx context.Context, databaseURL string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	if !strings.Contains(databaseURL, "pool_max_conns") {
		// Every busy worker goroutine may hold a transaction and use a second connection.
		cfg.MaxConns = 50
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ping postgres: %w", err)
	}
	return &Store{Pool: pool}, nil
}

// Close releases every connection.
func (s *Store) Close() { s.Pool.Close() }

// Ping reports whether Postgres answers.
func (s *Store) Ping(ctx context.Context) error { return s.Pool.Ping(ctx) }

// InTx runs fn in a transaction, committing when it returns nil.
func (s *Store) InTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.Pool, fn)
}

// MapError turns Postgres constraint errors into the store's sentinel errors, wrapping the cause.
func MapError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23P01": // exclusion_violation
			return fmt.Errorf("%w: %w", ErrConflict, err)
		case "23505": // unique_violation
			return fmt.Errorf("%w: %s: %w", ErrDuplicate, pgErr.ConstraintName, err)
		}
	}
	return err
}
