package store

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// RangeLock defaults.
const (
	DefaultLockTTL       = 10 * time.Second
	DefaultLockWait      = 2 * time.Second
	DefaultLockOpTimeout = 300 * time.Millisecond
)

// ErrLockBusy means another holder kept an overlapping range for the whole wait.
var ErrLockBusy = errors.New("store: range lock busy")

// RangeLock is a short Redis lock over a cabin's nights, taken before inserting a hold so that
// guests racing for overlapping dates reach Postgres one at a time instead of piling up on the
// exclusion constraint. It is an optimisation, never the guarantee: the constraint is. A lease
// covers every night of the range (one key per night, all set or none in one Lua script), so
// two ranges exclude each other exactly when they share a night, whatever their shapes. Keys
// carry a random token and are deleted only by compare-and-delete, so a holder whose lease
// expired can never release someone else's.
type RangeLock struct {
	rdb redis.Scripter
	// TTL bounds how long a crashed holder keeps the nights.
	TTL time.Duration
	// Wait is how long Acquire keeps trying while the range is busy.
	Wait time.Duration
	// OpTimeout bounds each Redis call, so a hung Redis costs a hold little time.
	OpTimeout time.Duration
	// Prefix namespaces the keys.
	Prefix string

	acquire, release *redis.Script
}

// NewRangeLock returns a lock on rdb (a client, a ring or a cluster client: the keys of one
// range share a hash slot) with the default TTL, wait and timeouts.
func NewRangeLock(rdb redis.Scripter) *RangeLock {
	return &RangeLock{
		rdb: rdb, TTL: DefaultLockTTL, Wait: DefaultLockWait, OpTimeout: DefaultLockOpTimeout, Prefix: "reservas:lock:",
		// All keys free -> set them all with the token; else set none and return 0.
		acquire: redis.NewScript(`
for _, k in ipairs(KEYS) do
  if redis.call('EXISTS', k) == 1 then return 0 end
end
for _, k in ipairs(KEYS) do
  redis.call('SET', k, ARGV[1], 'NX', 'PX', ARGV[2])
end
return 1`),
		// Delete only the keys that still hold our token.
		release: redis.NewScript(`
local n = 0
for _, k in ipairs(KEYS) do
  if redis.call('GET', k) == ARGV[1] then redis.call('DEL', k); n = n + 1 end
end
return n`),
	}
}

// RangeLease is a held range; Release it when done.
type RangeLease struct {
	lock  *RangeLock
	keys  []string
	token string
}

// TryAcquire takes the nights [start, end) of the cabin if none is held, in one attempt.
// It returns ErrLockBusy when some night is held, or the Redis error.
func (l *RangeLock) TryAcquire(ctx context.Context, accommodationID int64, start, end time.Time) (*RangeLease, error) {
	keys := l.keys(accommodationID, start, end)
	if len(keys) == 0 {
		return nil, fmt.Errorf("range lock: empty range %s..%s", start.Format(time.DateOnly), end.Format(time.DateOnly))
	}
	token, err := newToken()
	if err != nil {
		return nil, err
	}
	opCtx, cancel := context.WithTimeout(ctx, l.OpTimeout)
	defer cancel()
	got, err := l.acquire.Run(opCtx, l.rdb, keys, token, l.TTL.Milliseconds()).Int()
	if err != nil {
		return nil, fmt.Errorf("range lock: acquire: %w", err)
	}
	if got != 1 {
		return nil, ErrLockBusy
	}
	return &RangeLease{lock: l, keys: keys, token: token}, nil
}

// Acquire is TryAcquire retried with jittered backoff while the range is busy, for up to
// l.Wait. It returns ErrLockBusy when the wait runs out, ctx's error when ctx ends, or the
// Redis error at once (a Redis that is down is not worth waiting for). whileWaiting, when not
// nil, runs after each pause; an error from it ends the wait with that error (PlaceHold
// uses it to give up as soon as the holder's booking shows the dates are gone).
func (l *RangeLock) Acquire(ctx context.Context, accommodationID int64, start, end time.Time,
	whileWaiting func(context.Context) error) (*RangeLease, error) {
	deadline := time.Now().Add(l.Wait)
	backoff := 2 * time.Millisecond
	for {
		lease, err := l.TryAcquire(ctx, accommodationID, start, end)
		if !errors.Is(err, ErrLockBusy) {
			return lease, err
		}
		sleep := backoff/2 + rand.N(backoff) // jitter so waiters do not poll in step
		if time.Now().Add(sleep).After(deadline) {
			return nil, ErrLockBusy
		}
		t := time.NewTimer(sleep)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		if whileWaiting != nil {
			if err := whileWaiting(ctx); err != nil {
				return nil, err
			}
		}
		backoff = min(2*backoff, 20*time.Millisecond)
	}
}

// Release frees the nights still held under this lease. It works after ctx is cancelled, and
// releasing twice is harmless.
func (lease *RangeLease) Release(ctx context.Context) error {
	if lease == nil {
		return nil
	}
	opCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lease.lock.OpTimeout)
	defer cancel()
	if err := lease.lock.release.Run(opCtx, lease.lock.rdb, lease.keys, lease.token).Err(); err != nil {
		return fmt.Errorf("range lock: release: %w", err)
	}
	return nil
}

// keys are one per night, "{acc:ID}" hash-tagged so one range lives in one cluster slot.
func (l *RangeLock) keys(accommodationID int64, start, end time.Time) []string {
	var keys []string
	slot := l.Prefix + "{acc:" + strconv.FormatInt(accommodationID, 10) + "}:"
	for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
		keys = append(keys, slot+d.Format(time.DateOnly))
	}
	return keys
}

func newToken() (string, error) {
	b := make([]byte, 16)
	if _, err := crand.Read(b); err != nil {
		return "", fmt.Errorf("range lock token: %w", err)
	}
	return hex.EncodeToString(b), nil
}
