package admin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Login rate limit: fixed windows in Redis, shared by every ingress.
//   admin:login:ip:<ip>        every attempt from one client IP (LoginAttempts per window)
//   admin:login:email:<sha256> failed attempts on one email (LoginEmailFailures per window)

// countScript increments a counter, starting its window on the first hit, and returns the
// count and the milliseconds left in the window.
var countScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`)

func ipKey(ip string) string { return "admin:login:ip:" + ip }

func emailKey(email string) string {
	sum := sha256.Sum256([]byte(email))
	return "admin:login:email:" + hex.EncodeToString(sum[:12])
}

// limitLogin counts this attempt against the client IP and checks the email's failures. It
// returns how long to wait when either is over its limit.
func (s *Server) limitLogin(ctx context.Context, ip, email string) (time.Duration, error) {
	res, err := countScript.Run(ctx, s.redis, []string{ipKey(ip)}, s.cfg.LoginWindow.Milliseconds()).Int64Slice()
	if err != nil {
		return 0, fmt.Errorf("count login attempt: %w", err)
	}
	if res[0] > int64(s.cfg.LoginAttempts) {
		return time.Duration(res[1]) * time.Millisecond, nil
	}
	if email == "" {
		return 0, nil
	}
	key := emailKey(email)
	n, err := s.redis.Get(ctx, key).Int64()
	if err != nil && err != redis.Nil {
		return 0, fmt.Errorf("read login failures: %w", err)
	}
	if n >= int64(s.cfg.LoginEmailFailures) {
		ttl, err := s.redis.PTTL(ctx, key).Result()
		if err != nil {
			return 0, fmt.Errorf("read login failures: %w", err)
		}
		if ttl <= 0 {
			ttl = time.Second
		}
		return ttl, nil
	}
	return 0, nil
}

func (s *Server) noteLoginFailure(ctx context.Context, email string) {
	if email == "" {
		return
	}
	if err := countScript.Run(ctx, s.redis, []string{emailKey(email)}, s.cfg.LoginWindow.Milliseconds()).Err(); err != nil {
		s.log.Error().Err(err).Msg("admin: count login failure")
	}
}

func (s *Server) clearLoginFailures(ctx context.Context, email string) {
	if err := s.redis.Del(ctx, emailKey(email)).Err(); err != nil {
		s.log.Error().Err(err).Msg("admin: clear login failures")
	}
}
