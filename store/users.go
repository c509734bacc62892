package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Admin roles: RoleAdmin may change things, RoleReadOnly may only look.
const (
	RoleAdmin    = "admin"
	RoleReadOnly = "readonly"
)

// AdminUser is a login of the admin web.
type AdminUser struct {
	ID           int64
	Email        string
	PasswordHash string
	Role         string
	Disabled     bool
	LastLoginAt  *time.Time
	CreatedAt    time.Time
}

// NormalizeEmail is the form emails are stored and looked up in.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

const adminUserColumns = `id, email, password_hash, role, disabled, last_login_at, created_at`

func scanAdminUser(row pgx.Row) (AdminUser, error) {
	var u AdminUser
	err := row.Scan(&u.ID, &u.Email, &u.PasswordHash, &u.Role, &u.Disabled, &u.LastLoginAt, &u.CreatedAt)
	return u, err
}

// CreateAdminUser adds a login; ErrDuplicate when the email is taken.
func (s *Store) CreateAdminUser(ctx context.Context, email, passwordHash, role string) (AdminUser, error) {
	if role == "" {
		role = RoleAdmin
	}
	u, err := scanAdminUser(s.Pool.QueryRow(ctx, `
		INSERT INTO admin_users (email, password_hash, role) VALUES ($1, $2, $3)
		RETURNING `+adminUserColumns, NormalizeEmail(email), passwordHash, role))
	if err != nil {
		return AdminUser{}, fmt.Errorf("create admin user: %w", MapError(err))
	}
	return u, nil
}

// SetAdminPassword replaces a login's password hash and ends its sessions.
func (s *Store) SetAdminPassword(ctx context.Context, email, passwordHash string) error {
	return s.InTx(ctx, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `UPDATE admin_users SET password_hash = $2, updated_at = now() WHERE email = $1 RETURNING id`,
			NormalizeEmail(email), passwordHash).Scan(&id)
		if err != nil {
			return fmt.Errorf("set admin password: %w", MapError(err))
		}
		if _, err := tx.Exec(ctx, `DELETE FROM admin_sessions WHERE user_id = $1`, id); err != nil {
			return fmt.Errorf("end admin sessions: %w", err)
		}
		return nil
	})
}

// AdminUserByEmail returns a login by email (ErrNotFound when there is none).
func (s *Store) AdminUserByEmail(ctx context.Context, email string) (AdminUser, error) {
	u, err := scanAdminUser(s.Pool.QueryRow(ctx, `SELECT `+adminUserColumns+` FROM admin_users WHERE email = $1`, NormalizeEmail(email)))
	if err != nil {
		return AdminUser{}, fmt.Errorf("admin user by email: %w", MapError(err))
	}
	return u, nil
}

// ListAdminUsers returns every login by email.
func (s *Store) ListAdminUsers(ctx context.Context) ([]AdminUser, error) {
	rows, err := s.Pool.Query(ctx, `SELECT `+adminUserColumns+` FROM admin_users ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("list admin users: %w", err)
	}
	us, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AdminUser, error) { return scanAdminUser(r) })
	if err != nil {
		return nil, fmt.Errorf("list admin users: %w", err)
	}
	return us, nil
}

// AdminSession is a logged-in browser.
type AdminSession struct {
	User      AdminUser
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CreateAdminSession stores a session under the keyed hash of its cookie token and records
// the login.
func (s *Store) CreateAdminSession(ctx context.Context, tokenHash string, userID int64, expiresAt time.Time, userAgent, ip string) error {
	return s.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO admin_sessions (token_hash, user_id, expires_at, user_agent, ip) VALUES ($1, $2, $3, $4, $5)`,
			tokenHash, userID, expiresAt, clipString(userAgent, 200), ip); err != nil {
			return fmt.Errorf("create admin session: %w", MapError(err))
		}
		if _, err := tx.Exec(ctx, `UPDATE admin_users SET last_login_at = now() WHERE id = $1`, userID); err != nil {
			return fmt.Errorf("record admin login: %w", err)
		}
		// Sweep this user's dead sessions on the way.
		if _, err := tx.Exec(ctx, `DELETE FROM admin_sessions WHERE user_id = $1 AND expires_at < now()`, userID); err != nil {
			return fmt.Errorf("sweep admin sessions: %w", err)
		}
		return nil
	})
}

// AdminSessionByHash returns the live session stored under tokenHash with its (enabled)
// user, sliding its expiry to at least extendTo; ErrNotFound when there is none.
func (s *Store) AdminSessionByHash(ctx context.Context, tokenHash string, now, extendTo time.Time) (AdminSession, error) {
	var sess AdminSession
	u := &sess.User
	err := s.Pool.QueryRow(ctx, `
		UPDATE admin_sessions s SET last_seen_at = $2, expires_at = GREATEST(s.expires_at, $3)
		FROM admin_users u
		WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.id = s.user_id AND NOT u.disabled
		RETURNING u.id, u.email, u.password_hash, u.role, u.disabled, u.last_login_at, u.created_at, s.created_at, s.expires_at`,
		tokenHash, now, extendTo).Scan(&u.ID, &u.Email, &u.PasswordHash, &u.Role, &u.Disabled, &u.LastLoginAt, &u.CreatedAt,
		&sess.CreatedAt, &sess.ExpiresAt)
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return AdminSession{}, fmt.Errorf("admin session: %w", ErrNotFound)
		}
		return AdminSession{}, fmt.Errorf("admin session: %w", err)
	}
	return sess, nil
}

// DeleteAdminSession ends one session (logout).
func (s *Store) DeleteAdminSession(ctx context.Context, tokenHash string) error {
	if _, err := s.Pool.Exec(ctx, `DELETE FROM admin_sessions WHERE token_hash = $1`, tokenHash); err != nil {
		return fmt.Errorf("delete admin session: %w", err)
	}
	return nil
}

func clipString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
