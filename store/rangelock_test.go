package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/store/storetest"
)

func TestRangeLockExcludesOverlappingRanges(t *testing.T) {
	rdb, _ := storetest.NewRedis(t)
	ctx := t.Context()
	l := store.NewRangeLock(rdb)
	held, err := l.TryAcquire(ctx, 1, d(12, 10), d(12, 14))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		acc     int64
		in, out time.Time
		busy    bool
	}{
		{"back to back before", 1, d(12, 7), d(12, 10), false},
		{"back to back after", 1, d(12, 14), d(12, 16), false},
		{"left", 1, d(12, 8), d(12, 11), true},
		{"right", 1, d(12, 13), d(12, 16), true},
		{"inside", 1, d(12, 11), d(12, 12), true},
		{"covering", 1, d(12, 9), d(12, 15), true},
		{"identical", 1, d(12, 10), d(12, 14), true},
		{"another cabin", 2, d(12, 10), d(12, 14), false},
	}
	for _, tt := range tests {
		lease, err := l.TryAcquire(ctx, tt.acc, tt.in, tt.out)
		if tt.busy {
			if !errors.Is(err, store.ErrLockBusy) {
				t.Errorf("%s: got %v, want ErrLockBusy", tt.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if err := lease.Release(ctx); err != nil {
			t.Errorf("%s: release: %v", tt.name, err)
		}
	}
	// A refused attempt set nothing: after releasing the holder, every night is free.
	if err := held.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := held.Release(ctx); err != nil {
		t.Errorf("second release: %v", err)
	}
	if n, err := rdb.DBSize(ctx).Result(); err != nil || n != 0 {
		t.Errorf("keys left: %d, %v", n, err)
	}
	if _, err := l.TryAcquire(ctx, 1, d(12, 3), d(12, 20)); err != nil {
		t.Errorf("covering range after release: %v", err)
	}
	if _, err := l.TryAcquire(ctx, 1, d(12, 25), d(12, 25)); err == nil {
		t.Error("an empty range must be refused")
	}
}

func TestRangeLockReleaseNeverFreesAnotherHolder(t *testing.T) {
	rdb, _ := storetest.NewRedis(t)
	ctx := t.Context()
	l := store.NewRangeLock(rdb)
	l.TTL = 50 * time.Millisecond
	stale, err := l.TryAcquire(ctx, 1, d(12, 10), d(12, 12))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(120 * time.Millisecond) // the stale holder's lease ran out
	l.TTL = time.Minute
	current, err := l.TryAcquire(ctx, 1, d(12, 11), d(12, 13))
	if err != nil {
		t.Fatalf("acquire after expiry: %v", err)
	}
	if err := stale.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := l.TryAcquire(ctx, 1, d(12, 11), d(12, 12)); !errors.Is(err, store.ErrLockBusy) {
		t.Fatalf("the stale release freed the current holder's night: %v", err)
	}
	if err := current.Release(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestRangeLockAcquireWaits(t *testing.T) {
	rdb, _ := storetest.NewRedis(t)
	ctx := t.Context()
	l := store.NewRangeLock(rdb)
	first, err := l.TryAcquire(ctx, 1, d(12, 10), d(12, 12))
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		_ = first.Release(ctx)
	}()
	second, err := l.Acquire(ctx, 1, d(12, 11), d(12, 13), nil)
	if err != nil {
		t.Fatalf("Acquire did not get the range once it was released: %v", err)
	}
	l.Wait = 80 * time.Millisecond
	if _, err := l.Acquire(ctx, 1, d(12, 12), d(12, 14), nil); !errors.Is(err, store.ErrLockBusy) {
		t.Errorf("wait ran out: got %v, want ErrLockBusy", err)
	}
	// whileWaiting can end the wait early (PlaceHold: the holder took the dates).
	gone := errors.New("dates gone")
	l.Wait = time.Second
	calls := 0
	_, err = l.Acquire(ctx, 1, d(12, 12), d(12, 14), func(context.Context) error {
		calls++
		if calls == 3 {
			return gone
		}
		return nil
	})
	if !errors.Is(err, gone) || calls != 3 {
		t.Errorf("whileWaiting: %v after %d calls", err, calls)
	}
	_ = second.Release(ctx)
}

func TestRangeLockWithRedisDown(t *testing.T) {
	l := store.NewRangeLock(deadRedis(t))
	_, err := l.Acquire(t.Context(), 1, d(12, 10), d(12, 12), nil)
	if err == nil || errors.Is(err, store.ErrLockBusy) {
		t.Fatalf("got %v, want the Redis error", err)
	}
	// PlaceHold goes ahead without the lock, and Postgres still refuses overlaps.
	st := storetest.NewStore(t)
	cabin := plainCabin(t, st, 0)
	if _, err := st.PlaceHold(t.Context(), holdReq(cabin, d(12, 10), d(12, 12)), l); err != nil {
		t.Fatalf("hold with Redis down: %v", err)
	}
	_, err = st.PlaceHold(t.Context(), holdReq(cabin, d(12, 11), d(12, 13)), l)
	if !errors.Is(err, booking.ErrDatesTaken) {
		t.Fatalf("overlap with Redis down: %v", err)
	}
}
