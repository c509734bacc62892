package store_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/store/storetest"
)

var (
	// now is noon in Buenos Aires on Monday 2026-11-30.
	now   = time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
	today = booking.Date(2026, 11, 30)
)

func d(month time.Month, day int) time.Time {
	if month < time.November {
		return booking.Date(2027, month, day)
	}
	return booking.Date(2026, month, day)
}

func stayOf(in, out time.Time, guests int) booking.Stay {
	return booking.Stay{CheckIn: in, CheckOut: out, Guests: guests}
}

var guestSeq atomic.Int64

// holdReq asks for a 2-guest hold from a new guest.
func holdReq(accID int64, in, out time.Time) store.HoldRequest {
	return store.HoldRequest{
		AccommodationID: accID, Stay: stayOf(in, out, 2),
		GuestPhone: fmt.Sprintf("54911%08d", guestSeq.Add(1)), GuestName: "Ana",
		Now: now, HoldFor: 30 * time.Minute,
	}
}

func newCabin(t testing.TB, st *store.Store, a booking.Accommodation) int64 {
	t.Helper()
	id, err := st.UpsertAccommodation(context.Background(), a)
	if err != nil {
		t.Fatalf("create cabin %q: %v", a.Name, err)
	}
	return id
}

var cabinSeq atomic.Int64

func plainCabin(t testing.TB, st *store.Store, buffer int) int64 {
	return newCabin(t, st, booking.Accommodation{
		Name: fmt.Sprintf("Cabaña %d", cabinSeq.Add(1)), Capacity: 4, NightlyRateCents: 5_000_000, BufferDays: buffer,
	})
}

func mustHold(t testing.TB, st *store.Store, req store.HoldRequest) store.Reservation {
	t.Helper()
	r, err := st.PlaceHold(context.Background(), req, nil)
	if err != nil {
		t.Fatalf("hold %s..%s: %v", req.Stay.CheckIn.Format(time.DateOnly), req.Stay.CheckOut.Format(time.DateOnly), err)
	}
	return r
}

func wantTaken(t testing.TB, err error) {
	t.Helper()
	if !errors.Is(err, booking.ErrDatesTaken) || !errors.Is(err, store.ErrConflict) {
		t.Fatalf("got %v, want booking.ErrDatesTaken (store.ErrConflict)", err)
	}
}

// occupy puts an occupancy of the given kind on [in, out).
func occupy(t *testing.T, st *store.Store, kind string, accID int64, in, out time.Time) store.Reservation {
	t.Helper()
	ctx := t.Context()
	switch kind {
	case "hold":
		return mustHold(t, st, holdReq(accID, in, out))
	case "confirmed":
		r := mustHold(t, st, holdReq(accID, in, out))
		r, err := st.ConfirmReservation(ctx, r.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		return r
	case booking.KindManualBlock:
		r, err := st.AddManualBlock(ctx, accID, in, out, "pintura")
		if err != nil {
			t.Fatal(err)
		}
		return r
	case booking.KindImportedBlock:
		r, err := st.AddBlock(ctx, store.BlockRequest{AccommodationID: accID, Kind: booking.KindImportedBlock, Start: in, End: out, Source: "airbnb", Now: now})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	t.Fatalf("unknown kind %q", kind)
	return store.Reservation{}
}

func TestOverlapShapes(t *testing.T) {
	st := storetest.NewStore(t)
	// Existing occupancy: the nights of Dec 10, 11, 12, 13.
	in, out := d(12, 10), d(12, 14)
	shapes := []struct {
		name    string
		in, out time.Time
		taken   bool
	}{
		{"back to back before", d(12, 7), d(12, 10), false},
		{"back to back after", d(12, 14), d(12, 16), false},
		{"left", d(12, 8), d(12, 11), true},
		{"right", d(12, 13), d(12, 16), true},
		{"inside", d(12, 11), d(12, 12), true},
		{"covering", d(12, 9), d(12, 15), true},
		{"identical", in, out, true},
	}
	for _, kind := range []string{"hold", "confirmed", booking.KindManualBlock, booking.KindImportedBlock} {
		for _, sh := range shapes {
			t.Run(kind+"/"+sh.name, func(t *testing.T) {
				cabin, other := plainCabin(t, st, 0), plainCabin(t, st, 0)
				occupy(t, st, kind, cabin, in, out)
				_, err := st.PlaceHold(t.Context(), holdReq(cabin, sh.in, sh.out), nil)
				if sh.taken {
					wantTaken(t, err)
				} else if err != nil {
					t.Fatalf("back to back refused: %v", err)
				}
				// A block on the same shape is refused the same way.
				_, err = st.AddManualBlock(t.Context(), cabin, sh.in, sh.out, "")
				if sh.taken {
					wantTaken(t, err)
				} else if !errors.Is(err, booking.ErrDatesTaken) { // the hold above took it
					t.Fatalf("block over the new hold: %v", err)
				}
				// Another cabin is free on the same dates.
				mustHold(t, st, holdReq(other, sh.in, sh.out))
			})
		}
	}
}

func TestBufferDays(t *testing.T) {
	st := storetest.NewStore(t)
	ctx := t.Context()
	cabin := plainCabin(t, st, 1)
	r := mustHold(t, st, holdReq(cabin, d(12, 10), d(12, 14)))
	if !r.BlockedUntil.Equal(d(12, 15)) || !r.CheckOut.Equal(d(12, 14)) {
		t.Fatalf("blocked until %s, check-out %s", r.BlockedUntil, r.CheckOut)
	}
	_, err := st.PlaceHold(ctx, holdReq(cabin, d(12, 14), d(12, 16)), nil) // arrives on the turnover day
	wantTaken(t, err)
	_, err = st.PlaceHold(ctx, holdReq(cabin, d(12, 8), d(12, 10)), nil) // leaves as the next arrives
	wantTaken(t, err)
	mustHold(t, st, holdReq(cabin, d(12, 15), d(12, 17)))
	mustHold(t, st, holdReq(cabin, d(12, 7), d(12, 9)))
	// Blocks get the buffer too.
	b, err := st.AddManualBlock(ctx, cabin, d(12, 20), d(12, 22), "")
	if err != nil || !b.BlockedUntil.Equal(d(12, 23)) {
		t.Fatalf("block: %+v, %v", b, err)
	}
	_, err = st.PlaceHold(ctx, holdReq(cabin, d(12, 22), d(12, 24)), nil)
	wantTaken(t, err)
	// Search sees the same.
	res, err := st.SearchCabin(ctx, cabin, stayOf(d(12, 22), d(12, 24), 2), today)
	if err != nil || len(res.Available) != 0 || res.Rejected[0].Reason != booking.RejectTaken {
		t.Fatalf("search over the turnover day: %+v, %v", res, err)
	}
	if alt := res.Alternatives[0]; alt.ShiftDays != 1 || !alt.Quote.Stay.CheckIn.Equal(d(12, 23)) {
		t.Errorf("nearest alternative: %+v", alt)
	}
}

func TestCancelledExpiredAndReleasedFreeTheDates(t *testing.T) {
	st := storetest.NewStore(t)
	ctx := t.Context()
	cabin := plainCabin(t, st, 0)

	h := mustHold(t, st, holdReq(cabin, d(12, 10), d(12, 12)))
	if _, err := st.CancelReservation(ctx, h.ID, now); err != nil {
		t.Fatal(err)
	}
	h = mustHold(t, st, holdReq(cabin, d(12, 10), d(12, 12)))

	// Confirmed then cancelled (owner refund).
	if _, err := st.ConfirmReservation(ctx, h.ID, now); err != nil {
		t.Fatal(err)
	}
	if r, err := st.CancelReservation(ctx, h.ID, now); err != nil || r.Status != booking.StatusCancelled || r.CancelledAt == nil {
		t.Fatalf("cancel confirmed: %+v, %v", r, err)
	}

	// Expired by the sweep.
	h = mustHold(t, st, holdReq(cabin, d(12, 10), d(12, 12)))
	expired, err := st.ExpireHolds(ctx, now.Add(31*time.Minute))
	if err != nil || len(expired) != 1 || expired[0].ID != h.ID || expired[0].Status != booking.StatusExpired {
		t.Fatalf("sweep: %+v, %v", expired, err)
	}
	later := holdReq(cabin, d(12, 10), d(12, 12))
	later.Now = now.Add(32 * time.Minute)
	h = mustHold(t, st, later)

	// Ran out but not swept yet: the next hold expires it on its way.
	next := holdReq(cabin, d(12, 11), d(12, 13))
	next.Now = h.ExpiresAt.Add(time.Second)
	if _, err := st.PlaceHold(ctx, next, nil); err != nil {
		t.Fatalf("hold over a stale hold: %v", err)
	}
	if stale, _ := st.GetReservation(ctx, h.ID); stale.Status != booking.StatusExpired {
		t.Errorf("stale hold is %s, want expired", stale.Status)
	}

	// Released block.
	b, err := st.AddManualBlock(ctx, cabin, d(12, 20), d(12, 25), "familia")
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.PlaceHold(ctx, holdReq(cabin, d(12, 21), d(12, 23)), nil)
	wantTaken(t, err)
	if r, err := st.ReleaseBlock(ctx, b.ID, now); err != nil || r.Status != booking.StatusReleased {
		t.Fatalf("release: %+v, %v", r, err)
	}
	mustHold(t, st, holdReq(cabin, d(12, 21), d(12, 23)))
}

func TestPlaceHoldStoresTheQuote(t *testing.T) {
	st := storetest.NewStore(t)
	ctx := t.Context()
	acc := booking.Accommodation{Name: "Lenga", Capacity: 6, NightlyRateCents: 9_000_000, WeekendMultiplierPct: 120,
		CleaningFeeCents: 2_500_000, BufferDays: 1}
	acc.ID = newCabin(t, st, acc)
	req := holdReq(acc.ID, d(12, 3), d(12, 6)) // Thu, Fri, Sat nights
	req.GuestName, req.Language = "Ana Pérez", "pt"
	h := mustHold(t, st, req)

	want, err := booking.QuoteStay(acc, req.Stay)
	if err != nil {
		t.Fatal(err)
	}
	if h.TotalCents != want.TotalCents || h.DepositCents != want.DepositCents || h.BalanceCents() != want.BalanceCents {
		t.Errorf("amounts %d/%d, want %d/%d", h.TotalCents, h.DepositCents, want.TotalCents, want.DepositCents)
	}
	if h.TotalCents != 9_000_000+2*10_800_000+2_500_000 {
		t.Errorf("total %d", h.TotalCents)
	}
	if h.Quote == nil || len(h.Quote.Nights) != 3 || h.Quote.Nights[1].Kind != booking.NightWeekend || h.Quote.TotalCents != h.TotalCents {
		t.Errorf("stored quote: %+v", h.Quote)
	}
	if _, err := uuid.Parse(h.ID); err != nil {
		t.Errorf("id %q: %v", h.ID, err)
	}
	if c, ok := booking.NormalizeHoldCode(h.Code); !ok || c != h.Code {
		t.Errorf("code %q", h.Code)
	}
	if h.Kind != booking.KindBooking || h.Status != booking.StatusPreReserved || h.AccommodationName != "Lenga" ||
		h.GuestPhone != req.GuestPhone || h.GuestName != "Ana Pérez" || h.GuestLanguage != "pt" || h.Source != "whatsapp" ||
		h.Guests != 2 || h.ExpiresAt == nil || !h.ExpiresAt.Equal(now.Add(30*time.Minute)) || !h.CreatedAt.Equal(now) {
		t.Errorf("hold: %+v", h)
	}

	for _, lookup := range []func() (store.Reservation, error){
		func() (store.Reservation, error) { return st.GetReservation(ctx, h.ID) },
		func() (store.Reservation, error) {
			return st.ReservationByCode(ctx, strings.ToLower(h.Code[:3]+"-"+h.Code[3:]))
		},
	} {
		got, err := lookup()
		if err != nil || got.ID != h.ID || got.Quote == nil || got.Quote.TotalCents != h.TotalCents {
			t.Errorf("lookup: %+v, %v", got, err)
		}
	}
	mine, err := st.GuestReservations(ctx, req.GuestPhone)
	if err != nil || len(mine) != 1 || mine[0].ID != h.ID {
		t.Errorf("guest reservations: %+v, %v", mine, err)
	}
	list, err := st.ListReservations(ctx, store.ReservationFilter{AccommodationID: acc.ID, ActiveOnly: true, From: d(12, 5), To: d(12, 6)})
	if err != nil || len(list) != 1 {
		t.Errorf("list overlapping Dec 5: %+v, %v", list, err)
	}
	list, err = st.ListReservations(ctx, store.ReservationFilter{From: d(12, 6), To: d(12, 9)})
	if err != nil || len(list) != 0 {
		t.Errorf("list after check-out: %+v, %v", list, err)
	}
	list, err = st.ListReservations(ctx, store.ReservationFilter{Statuses: []string{booking.StatusConfirmed}})
	if err != nil || len(list) != 0 {
		t.Errorf("list confirmed: %+v, %v", list, err)
	}
	for _, id := range []string{"not-a-uuid", uuid.NewString()} {
		if _, err := st.GetReservation(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("get %q: %v", id, err)
		}
	}
	if _, err := st.ReservationByCode(ctx, "ZZZZZZ"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown code: %v", err)
	}
}

func TestPlaceHoldRefusesBadInput(t *testing.T) {
	st := storetest.NewStore(t)
	ctx := t.Context()
	cabin := newCabin(t, st, booking.Accommodation{Name: "Arrayán", Capacity: 2, NightlyRateCents: 4_000_000, MinNights: 2})
	lateNight := time.Date(2026, 12, 1, 1, 30, 0, 0, time.UTC) // still Nov 30 in Buenos Aires
	tests := []struct {
		name   string
		change func(*store.HoldRequest)
		reason string
	}{
		{"checkout equals checkin", func(r *store.HoldRequest) { r.Stay.CheckOut = r.Stay.CheckIn }, booking.ReasonCheckoutBeforeCheckin},
		{"checkout before checkin", func(r *store.HoldRequest) { r.Stay.CheckIn, r.Stay.CheckOut = d(12, 9), d(12, 7) }, booking.ReasonCheckoutBeforeCheckin},
		{"zero guests", func(r *store.HoldRequest) { r.Stay.Guests = 0 }, booking.ReasonNoGuests},
		{"over capacity", func(r *store.HoldRequest) { r.Stay.Guests = 3 }, booking.ReasonTooManyGuests},
		{"too many guests", func(r *store.HoldRequest) { r.Stay.Guests = 500 }, booking.ReasonTooManyGuests},
		{"in the past", func(r *store.HoldRequest) { r.Stay.CheckIn, r.Stay.CheckOut = d(11, 28), d(12, 2) }, booking.ReasonPast},
		{"yesterday in Buenos Aires", func(r *store.HoldRequest) {
			r.Now, r.Stay.CheckIn, r.Stay.CheckOut = lateNight, d(11, 29), d(12, 2)
		}, booking.ReasonPast},
		{"over 60 nights", func(r *store.HoldRequest) { r.Stay.CheckOut = booking.AddDays(r.Stay.CheckIn, 61) }, booking.ReasonTooLong},
		{"below minimum nights", func(r *store.HoldRequest) { r.Stay.CheckOut = booking.AddDays(r.Stay.CheckIn, 1) }, booking.ReasonBelowMinNights},
		{"not a date", func(r *store.HoldRequest) { r.Stay.CheckIn = r.Stay.CheckIn.Add(3 * time.Hour) }, booking.ReasonInvalidDate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := holdReq(cabin, d(12, 7), d(12, 9))
			tt.change(&req)
			_, err := st.PlaceHold(ctx, req, nil)
			if !errors.Is(err, booking.ErrInvalidStay) || booking.ReasonOf(err) != tt.reason {
				t.Fatalf("got %v, want %s", err, tt.reason)
			}
		})
	}
	// Today in Buenos Aires is fine even when it is already tomorrow in UTC.
	req := holdReq(cabin, d(11, 30), d(12, 2))
	req.Now = lateNight
	mustHold(t, st, req)

	if _, err := st.PlaceHold(ctx, holdReq(424242, d(12, 7), d(12, 9)), nil); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown cabin: %v", err)
	}
	req = holdReq(cabin, d(12, 7), d(12, 9))
	req.Now = time.Time{}
	if _, err := st.PlaceHold(ctx, req, nil); err == nil {
		t.Error("a hold without a clock must fail")
	}
	if list, _ := st.ListReservations(ctx, store.ReservationFilter{}); len(list) != 1 {
		t.Errorf("refused holds left rows: %d", len(list))
	}
}

func TestPlaceHoldIsIdempotentForTheSameGuest(t *testing.T) {
	st := storetest.NewStore(t)
	ctx := t.Context()
	cabin := plainCabin(t, st, 0)
	req := holdReq(cabin, d(12, 7), d(12, 9))
	first := mustHold(t, st, req)
	again := mustHold(t, st, req)
	if again.ID != first.ID {
		t.Errorf("retry made a second hold %s (first %s)", again.ID, first.ID)
	}
	other := req
	other.Stay.Guests = 3
	_, err := st.PlaceHold(ctx, other, nil)
	wantTaken(t, err)

	// The same request twice at once (a redelivered task racing the original).
	req = holdReq(cabin, d(12, 20), d(12, 22))
	var wg sync.WaitGroup
	ids := make([]string, 8)
	errs := make([]error, 8)
	for i := range ids {
		wg.Go(func() {
			r, err := st.PlaceHold(ctx, req, nil)
			ids[i], errs[i] = r.ID, err
		})
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Errorf("attempt %d: %s, %v (first %s)", i, ids[i], errs[i], ids[0])
		}
	}
}

func TestTooManyHoldsPerGuest(t *testing.T) {
	st := storetest.NewStore(t)
	ctx := t.Context()
	cabin := plainCabin(t, st, 0)
	req := holdReq(cabin, d(12, 1), d(12, 2))
	for i := range booking.MaxActiveHoldsPerGuest {
		req.Stay.CheckIn, req.Stay.CheckOut = d(12, 1+2*i), d(12, 2+2*i)
		mustHold(t, st, req)
	}
	req.Stay.CheckIn, req.Stay.CheckOut = d(12, 20), d(12, 21)
	if _, err := st.PlaceHold(ctx, req, nil); !errors.Is(err, booking.ErrTooManyHolds) {
		t.Fatalf("got %v, want ErrTooManyHolds", err)
	}
	req.Now = now.Add(31 * time.Minute) // the first holds ran out
	mustHold(t, st, req)
}

func TestTransitions(t *testing.T) {
	st := storetest.NewStore(t)
	ctx := t.Context()
	cabin := plainCabin(t, st, 0)

	h := mustHold(t, st, holdReq(cabin, d(12, 1), d(12, 3)))
	c, err := st.ConfirmReservation(ctx, h.ID, now.Add(29*time.Minute))
	if err != nil || c.Status != booking.StatusConfirmed || c.ConfirmedAt == nil || !c.ConfirmedAt.Equal(now.Add(29*time.Minute)) {
		t.Fatalf("confirm: %+v, %v", c, err)
	}
	again, err := st.ConfirmReservation(ctx, h.ID, now.Add(29*time.Minute))
	if !errors.Is(err, booking.ErrInvalidTransition) || errors.Is(err, booking.ErrHoldExpired) || again.Status != booking.StatusConfirmed {
		t.Errorf("confirm twice: %+v, %v (the current row must come back)", again.Status, err)
	}
	if exp, err := st.ExpireHolds(ctx, now.Add(time.Hour)); err != nil || len(exp) != 0 {
		t.Errorf("the sweep touched a confirmed booking: %+v, %v", exp, err)
	}

	// A hold confirmed at its expiry instant, before the sweep: refused as expired.
	h = mustHold(t, st, holdReq(cabin, d(12, 5), d(12, 7)))
	r, err := st.ConfirmReservation(ctx, h.ID, *h.ExpiresAt)
	if !errors.Is(err, booking.ErrHoldExpired) || !errors.Is(err, booking.ErrInvalidTransition) || r.Status != booking.StatusPreReserved {
		t.Errorf("confirm at expiry: %s, %v", r.Status, err)
	}
	// After the sweep: still refused, for good.
	if _, err := st.ExpireHolds(ctx, *h.ExpiresAt); err != nil {
		t.Fatal(err)
	}
	r, err = st.ConfirmReservation(ctx, h.ID, now)
	if !errors.Is(err, booking.ErrHoldExpired) || r.Status != booking.StatusExpired {
		t.Errorf("confirm after the sweep, even with an early clock: %s, %v", r.Status, err)
	}
	if _, err := st.CancelReservation(ctx, h.ID, now); !errors.Is(err, booking.ErrInvalidTransition) {
		t.Errorf("cancel expired: %v", err)
	}

	// Blocks are released, not cancelled; bookings are cancelled, not released.
	b, err := st.AddManualBlock(ctx, cabin, d(12, 10), d(12, 12), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CancelReservation(ctx, b.ID, now); !errors.Is(err, booking.ErrInvalidTransition) {
		t.Errorf("cancel a block: %v", err)
	}
	if _, err := st.ConfirmReservation(ctx, b.ID, now); !errors.Is(err, booking.ErrInvalidTransition) {
		t.Errorf("confirm a block: %v", err)
	}
	if _, err := st.ReleaseBlock(ctx, c.ID, now); !errors.Is(err, booking.ErrInvalidTransition) {
		t.Errorf("release a booking: %v", err)
	}
	for _, id := range []string{"nope", uuid.NewString()} {
		if _, err := st.ConfirmReservation(ctx, id, now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("confirm %q: %v", id, err)
		}
	}
	if _, err := st.AddBlock(ctx, store.BlockRequest{AccommodationID: cabin, Kind: booking.KindBooking, Start: d(12, 20), End: d(12, 21)}); err == nil {
		t.Error("AddBlock must refuse a booking kind")
	}
	if _, err := st.AddManualBlock(ctx, cabin, d(12, 21), d(12, 20), ""); !errors.Is(err, booking.ErrInvalidStay) {
		t.Errorf("backwards block: %v", err)
	}
}

// poolWith opens the test database with a pool large enough for real concurrency.
func poolWith(t testing.TB, conns int) *store.Store {
	t.Helper()
	u, err := url.Parse(storetest.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("pool_max_conns", fmt.Sprint(conns))
	u.RawQuery = q.Encode()
	st, err := store.Open(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return st
}

// deadRedis is a client for a port nobody listens on.
func deadRedis(t testing.TB) *redis.Client {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestConcurrentOverlappingHoldsHaveOneWinner(t *testing.T) {
	st := poolWith(t, 40)
	live, _ := storetest.NewRedis(t)
	locks := []struct {
		name string
		lock *store.RangeLock
	}{
		{"postgres alone", nil},
		{"with redis lock", store.NewRangeLock(live)},
		{"redis down", store.NewRangeLock(deadRedis(t))},
	}
	for _, l := range locks {
		t.Run(l.name, func(t *testing.T) {
			cabin := plainCabin(t, st, 0)
			other := plainCabin(t, st, 0)
			// Every range contains the night of Dec 15, with varied shapes around it.
			const attempts = 200
			start := make(chan struct{})
			var wg sync.WaitGroup
			results := make([]error, attempts)
			won := make([]store.Reservation, attempts)
			for i := range attempts {
				in := booking.AddDays(d(12, 15), -(i % 6))
				out := booking.AddDays(d(12, 16), (i/6)%5)
				wg.Go(func() {
					<-start
					won[i], results[i] = st.PlaceHold(context.Background(), holdReq(cabin, in, out), l.lock)
				})
			}
			close(start)
			wg.Wait()
			winners := 0
			for i, err := range results {
				switch {
				case err == nil:
					winners++
				case errors.Is(err, booking.ErrDatesTaken):
				default:
					t.Errorf("attempt %d: unexpected error %v", i, err)
				}
			}
			if winners != 1 {
				t.Fatalf("%d winners, want exactly 1", winners)
			}
			active, err := st.ListReservations(t.Context(), store.ReservationFilter{AccommodationID: cabin, ActiveOnly: true})
			if err != nil || len(active) != 1 {
				t.Fatalf("active rows: %d, %v", len(active), err)
			}
			// The other cabin was never affected, and the lock left nothing behind.
			mustHold(t, st, holdReq(other, d(12, 10), d(12, 20)))
			if l.lock != nil && l.name == "with redis lock" {
				if n, err := live.DBSize(t.Context()).Result(); err != nil || n != 0 {
					t.Errorf("lock keys left in redis: %d, %v", n, err)
				}
			}
		})
	}
}

func TestConfirmRacingExpiryHasOneOutcome(t *testing.T) {
	st := poolWith(t, 10)
	ctx := t.Context()
	cabin := plainCabin(t, st, 0)
	confirmedN, expiredN := 0, 0
	for i := range 60 {
		in := booking.AddDays(d(12, 1), 2*i)
		h := mustHold(t, st, holdReq(cabin, in, booking.AddDays(in, 1)))
		start := make(chan struct{})
		var (
			wg         sync.WaitGroup
			confirmed  store.Reservation
			confirmErr error
			swept      []store.Reservation
			sweepErr   error
		)
		// The payment arrives a millisecond before expiry; the sweep runs at expiry.
		wg.Go(func() {
			<-start
			confirmed, confirmErr = st.ConfirmReservation(ctx, h.ID, h.ExpiresAt.Add(-time.Millisecond))
		})
		wg.Go(func() {
			<-start
			swept, sweepErr = st.ExpireHolds(ctx, *h.ExpiresAt)
		})
		close(start)
		wg.Wait()
		if sweepErr != nil {
			t.Fatal(sweepErr)
		}
		final, err := st.GetReservation(ctx, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case confirmErr == nil && len(swept) == 0:
			confirmedN++
			if final.Status != booking.StatusConfirmed || confirmed.Status != booking.StatusConfirmed {
				t.Fatalf("round %d: confirm won but the row is %s", i, final.Status)
			}
		case errors.Is(confirmErr, booking.ErrHoldExpired) && len(swept) == 1 && swept[0].ID == h.ID:
			expiredN++
			if final.Status != booking.StatusExpired || final.ConfirmedAt != nil {
				t.Fatalf("round %d: the sweep won but the row is %s", i, final.Status)
			}
		default:
			t.Fatalf("round %d: confirm %v and sweep %d rows: not exactly one outcome (row %s)", i, confirmErr, len(swept), final.Status)
		}
	}
	t.Logf("confirm won %d rounds, the sweep %d", confirmedN, expiredN)
}

func TestSearchThroughTheStore(t *testing.T) {
	st := storetest.NewStore(t)
	ctx := t.Context()
	small := newCabin(t, st, booking.Accommodation{Name: "Arrayán", Capacity: 2, NightlyRateCents: 4_000_000})
	big := newCabin(t, st, booking.Accommodation{Name: "Lenga", Capacity: 6, NightlyRateCents: 9_000_000,
		Seasons: []booking.Season{{Name: "Fin de semana largo", Start: d(12, 5), End: d(12, 9), NightlyRateCents: 12_000_000, MinNights: 3}}})
	mustHold(t, st, holdReq(small, d(12, 10), d(12, 12)))
	if _, err := st.AddManualBlock(ctx, big, d(12, 10), d(12, 11), "mantenimiento"); err != nil {
		t.Fatal(err)
	}
	res, err := st.Search(ctx, stayOf(d(12, 10), d(12, 12), 2), today)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Available) != 0 || len(res.Alternatives) == 0 {
		t.Fatalf("both taken: %+v", res)
	}
	res, err = st.Search(ctx, stayOf(d(12, 12), d(12, 14), 2), today)
	if err != nil || len(res.Available) != 2 || res.Available[0].AccommodationID != small {
		t.Fatalf("back to back: %+v, %v", res, err)
	}
	// The long weekend asks for 3 nights: a 2-night stay gets the stretched alternative.
	res, err = st.Search(ctx, stayOf(d(12, 5), d(12, 7), 4), today)
	if err != nil || len(res.Available) != 0 || len(res.Alternatives) == 0 || res.Alternatives[0].Reason != booking.AltLongerStay {
		t.Fatalf("long weekend: %+v, %v", res, err)
	}
	if q := res.Alternatives[0].Quote; q.Stay.Nights() != 3 || q.LodgingCents != 36_000_000 {
		t.Errorf("stretched quote: %+v", q)
	}
	// A hold that ran out (by the database clock) does not hide the dates.
	stale := holdReq(small, d(12, 20), d(12, 22))
	stale.Now = time.Now().Add(-time.Hour)
	stale.Stay = stayOf(booking.Today(time.Now(), time.UTC).AddDate(0, 0, 20), booking.Today(time.Now(), time.UTC).AddDate(0, 0, 22), 2)
	mustHold(t, st, stale)
	res, err = st.SearchCabin(ctx, small, stale.Stay, booking.Today(time.Now(), time.UTC))
	if err != nil || len(res.Available) != 1 {
		t.Errorf("dates of an expired, unswept hold: %+v, %v", res, err)
	}
	if _, err := st.Search(ctx, stayOf(d(12, 10), d(12, 12), 9), today); booking.ReasonOf(err) != booking.ReasonTooManyGuests {
		t.Errorf("9 guests: %v", err)
	}
	if _, err := st.SearchCabin(ctx, 9999, stayOf(d(12, 10), d(12, 12), 2), today); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown cabin: %v", err)
	}
}

func TestClaimExpiryNotices(t *testing.T) {
	st := poolWith(t, 10)
	ctx := t.Context()
	cabin := plainCabin(t, st, 0)
	for i := range 10 {
		in := booking.AddDays(d(12, 1), 2*i)
		mustHold(t, st, holdReq(cabin, in, booking.AddDays(in, 1)))
	}
	confirmed := mustHold(t, st, holdReq(cabin, d(12, 28), d(12, 29)))
	if _, err := st.ConfirmReservation(ctx, confirmed.ID, now); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddManualBlock(ctx, cabin, d(12, 30), d(12, 31), ""); err != nil {
		t.Fatal(err)
	}
	if exp, err := st.ExpireHolds(ctx, now.Add(time.Hour)); err != nil || len(exp) != 10 {
		t.Fatalf("expire: %d, %v", len(exp), err)
	}
	// Four sweepers at once claim each expired hold exactly once.
	var (
		mu     sync.Mutex
		seen   = map[string]int{}
		wg     sync.WaitGroup
		failed atomic.Bool
	)
	for range 4 {
		wg.Go(func() {
			for {
				got, err := st.ClaimExpiryNotices(ctx, now.Add(time.Hour), 2)
				if err != nil {
					failed.Store(true)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, r := range got {
					seen[r.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if failed.Load() {
		t.Fatal("a claim failed")
	}
	if len(seen) != 10 {
		t.Fatalf("claimed %d holds, want 10", len(seen))
	}
	var one string
	for id, n := range seen {
		if n != 1 {
			t.Errorf("hold %s claimed %d times", id, n)
		}
		one = id
	}
	if err := st.UnclaimExpiryNotice(ctx, one); err != nil {
		t.Fatal(err)
	}
	got, err := st.ClaimExpiryNotices(ctx, now.Add(2*time.Hour), 10)
	if err != nil || len(got) != 1 || got[0].ID != one || got[0].ExpiryNotifiedAt == nil {
		t.Errorf("reclaim: %+v, %v", got, err)
	}
}

func TestPlaceHoldReplacesTheGuestsHold(t *testing.T) {
	st := storetest.NewStore(t)
	ctx := t.Context()
	cabin := plainCabin(t, st, 1)
	old := mustHold(t, st, holdReq(cabin, d(12, 10), d(12, 13)))

	// One more night, overlapping the guest's own hold: it replaces it.
	longer := holdReq(cabin, d(12, 10), d(12, 14))
	longer.GuestPhone, longer.Replaces = old.GuestPhone, old.ID
	got, err := st.PlaceHold(ctx, longer, nil)
	if err != nil || got.ID == old.ID || !got.CheckOut.Equal(d(12, 14)) {
		t.Fatalf("replace: %+v, %v", got, err)
	}
	if prev, _ := st.GetReservation(ctx, old.ID); prev.Status != booking.StatusCancelled {
		t.Errorf("replaced hold is %s, want cancelled", prev.Status)
	}
	// Retried: the new hold comes back, nothing else changes.
	again, err := st.PlaceHold(ctx, longer, nil)
	if err != nil || again.ID != got.ID {
		t.Errorf("retried replace: %+v, %v", again.ID, err)
	}

	// New dates taken by someone else: the guest keeps the hold they had.
	mustHold(t, st, holdReq(cabin, d(12, 20), d(12, 22)))
	moved := holdReq(cabin, d(12, 19), d(12, 21))
	moved.GuestPhone, moved.Replaces = got.GuestPhone, got.ID
	_, err = st.PlaceHold(ctx, moved, nil)
	wantTaken(t, err)
	if kept, _ := st.GetReservation(ctx, got.ID); kept.Status != booking.StatusPreReserved {
		t.Errorf("failed replace left the old hold %s", kept.Status)
	}

	// At the hold limit, a replacement is not one more hold.
	for i := range booking.MaxActiveHoldsPerGuest - 1 {
		r := holdReq(cabin, d(12, 24+2*i), d(12, 25+2*i))
		r.GuestPhone = got.GuestPhone
		mustHold(t, st, r)
	}
	moved = holdReq(cabin, d(12, 5), d(12, 8))
	moved.GuestPhone, moved.Replaces = got.GuestPhone, got.ID
	atLimit, err := st.PlaceHold(ctx, moved, nil)
	if err != nil {
		t.Fatalf("replace at the limit: %v", err)
	}

	// A paid hold is not replaced, nor someone else's.
	paid := mustHold(t, st, holdReq(cabin, d(12, 1), d(12, 3)))
	if _, err := st.ConfirmReservation(ctx, paid.ID, now); err != nil {
		t.Fatal(err)
	}
	over := holdReq(cabin, d(11, 30), d(12, 1))
	over.GuestPhone, over.Replaces = paid.GuestPhone, paid.ID
	if _, err := st.PlaceHold(ctx, over, nil); !errors.Is(err, booking.ErrInvalidTransition) {
		t.Errorf("replace a confirmed booking: %v", err)
	}
	stranger := holdReq(cabin, d(12, 15), d(12, 17))
	stranger.Replaces = atLimit.ID
	if _, err := st.PlaceHold(ctx, stranger, nil); !errors.Is(err, booking.ErrInvalidTransition) {
		t.Errorf("replace another guest's hold: %v", err)
	}
	if r, _ := st.GetReservation(ctx, atLimit.ID); r.Status != booking.StatusPreReserved {
		t.Errorf("another guest's hold is %s", r.Status)
	}
	if r, _ := st.GetReservation(ctx, paid.ID); r.Status != booking.StatusConfirmed {
		t.Errorf("paid booking is %s", r.Status)
	}
}
