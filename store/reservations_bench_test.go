package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/store/storetest"
)

// BenchmarkPlaceHold measures holds per second against the real Postgres (and Redis for the
// lock), from 8 goroutines per CPU sharing a 32-connection pool:
//
//   - distinct_dates: every attempt wants nights nobody else wants (50 cabins, 2-night stays),
//     so every attempt is a hold: the throughput of the happy path.
//   - same_dates: every attempt wants the same two nights of one cabin; the winner cancels
//     at once so the dates keep changing hands. attempts/s counts every answer (most are
//     booking.ErrDatesTaken), won/s the holds placed.
//
// Run: eval "$(deploy/services.sh env)" && go test -run '^$' -bench BenchmarkPlaceHold -benchtime 5s ./store/
func BenchmarkPlaceHold(b *testing.B) {
	st := poolWith(b, 32)
	rdb, _ := storetest.NewRedis(b)
	var cabins []int64
	for range 50 {
		cabins = append(cabins, plainCabin(b, st, 0))
	}
	base := booking.Date(2026, 12, 1)
	for _, lock := range []struct {
		name string
		lock *store.RangeLock
	}{{"postgres", nil}, {"redis_lock", store.NewRangeLock(rdb)}} {
		b.Run("distinct_dates/"+lock.name, func(b *testing.B) {
			var seq atomic.Int64
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					k := seq.Add(1)
					in := booking.AddDays(base, 3*int(k/int64(len(cabins))))
					req := store.HoldRequest{
						AccommodationID: cabins[k%int64(len(cabins))],
						Stay:            booking.Stay{CheckIn: in, CheckOut: booking.AddDays(in, 2), Guests: 2},
						GuestPhone:      fmt.Sprintf("5493%s%09d", lock.name[:1], k),
						Now:             in.Add(-9 * time.Hour), // the day before, 12:00 in Buenos Aires
					}
					if _, err := st.PlaceHold(context.Background(), req, lock.lock); err != nil {
						b.Errorf("hold %d: %v", k, err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "holds/s")
			// Move the next run's dates past this one's.
			base = booking.AddDays(base, 3*(b.N/len(cabins)+2))
		})
		b.Run("same_dates/"+lock.name, func(b *testing.B) {
			cabin := plainCabin(b, st, 0)
			in := booking.Date(2026, 12, 20)
			var seq, won atomic.Int64
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					k := seq.Add(1)
					r, err := st.PlaceHold(context.Background(), store.HoldRequest{
						AccommodationID: cabin, Stay: booking.Stay{CheckIn: in, CheckOut: booking.AddDays(in, 2), Guests: 2},
						GuestPhone: fmt.Sprintf("5494%s%09d", lock.name[:1], k), Now: now,
					}, lock.lock)
					switch {
					case err == nil:
						won.Add(1)
						if _, err := st.CancelReservation(context.Background(), r.ID, now); err != nil {
							b.Errorf("cancel: %v", err)
							return
						}
					case !errors.Is(err, booking.ErrDatesTaken):
						b.Errorf("hold %d: %v", k, err)
						return
					}
				}
			})
			secs := b.Elapsed().Seconds()
			b.ReportMetric(float64(b.N)/secs, "attempts/s")
			b.ReportMetric(float64(won.Load())/secs, "won/s")
		})
	}
}
