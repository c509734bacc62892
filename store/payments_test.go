package store_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/store/storetest"
)

type payFixture struct {
	st    *store.Store
	cabin int64
	now   time.Time
	stay  booking.Stay
}

func newPayFixture(t *testing.T) *payFixture {
	t.Helper()
	st := storetest.NewStore(t)
	id, err := st.UpsertAccommodation(t.Context(), booking.Accommodation{Name: "Cabaña Pago", Capacity: 4, NightlyRateCents: 4_000_000})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
	in := booking.Date(2027, 3, 10)
	return &payFixture{st: st, cabin: id, now: now, stay: booking.Stay{CheckIn: in, CheckOut: booking.AddDays(in, 3), Guests: 2}}
}

func (f *payFixture) hold(t *testing.T, phone string, at time.Time) store.Reservation {
	t.Helper()
	r, err := f.st.PlaceHold(t.Context(), store.HoldRequest{AccommodationID: f.cabin, Stay: f.stay, GuestPhone: phone,
		Now: at, HoldFor: 30 * time.Minute}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *payFixture) record(t *testing.T, id int64, r store.Reservation, status string, at time.Time) store.Payment {
	t.Helper()
	p, err := f.st.RecordPayment(t.Context(), store.PaymentUpdate{MPPaymentID: id, ReservationID: r.ID, ExternalReference: r.ID,
		Status: status, StatusDetail: status + "-detail", AmountCents: r.DepositCents, Currency: "ARS", Source: "webhook", Now: at})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRecordPaymentOnceWithHistory(t *testing.T) {
	f := newPayFixture(t)
	r := f.hold(t, "5491100001111", f.now)
	f.record(t, 42, r, "pending", f.now)
	f.record(t, 42, r, "pending", f.now.Add(time.Second)) // redelivered
	p := f.record(t, 42, r, "approved", f.now.Add(time.Minute))
	if p.Status != "approved" || p.ReservationID != r.ID || p.Outcome != store.OutcomeNone || !p.FirstSeenAt.Equal(f.now) {
		t.Fatalf("stored %+v", p)
	}
	h, err := f.st.PaymentHistory(t.Context(), 42)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h[0].Status != "pending" || h[1].Status != "approved" {
		t.Fatalf("history %+v, want pending then approved, once each", h)
	}
	var rows int
	if err := f.st.Pool.QueryRow(t.Context(), `SELECT count(*) FROM payments`).Scan(&rows); err != nil || rows != 1 {
		t.Fatalf("%d payment rows (%v), want 1", rows, err)
	}
}

func TestConfirmWithPayment(t *testing.T) {
	t.Run("live hold", func(t *testing.T) {
		f := newPayFixture(t)
		r := f.hold(t, "5491100001111", f.now)
		f.record(t, 1, r, "approved", f.now)
		got, err := f.st.ConfirmWithPayment(t.Context(), r.ID, 1, f.now.Add(time.Minute), true)
		if err != nil || got.Status != booking.StatusConfirmed {
			t.Fatalf("confirm: %v %v", got.Status, err)
		}
		if id, ok, _ := f.st.ConfirmingPayment(t.Context(), r.ID); !ok || id != 1 {
			t.Fatalf("confirming payment %d %v", id, ok)
		}
		if p, _ := f.st.GetPayment(t.Context(), 1); p.OutcomeReason != "" {
			t.Fatalf("on-time confirmation marked %q", p.OutcomeReason)
		}
		// A retry with the same payment returns the booking as is.
		if again, err := f.st.ConfirmWithPayment(t.Context(), r.ID, 1, f.now.Add(2*time.Minute), true); err != nil || again.Status != booking.StatusConfirmed {
			t.Fatalf("retry: %v %v", again.Status, err)
		}
		// Another payment cannot confirm it again.
		f.record(t, 2, r, "approved", f.now)
		if _, err := f.st.ConfirmWithPayment(t.Context(), r.ID, 2, f.now.Add(2*time.Minute), true); !errors.Is(err, booking.ErrInvalidTransition) {
			t.Fatalf("second payment: %v, want ErrInvalidTransition", err)
		}
	})
	t.Run("expired hold, dates free", func(t *testing.T) {
		f := newPayFixture(t)
		r := f.hold(t, "5491100001111", f.now)
		later := f.now.Add(time.Hour)
		if _, err := f.st.ExpireHolds(t.Context(), later); err != nil {
			t.Fatal(err)
		}
		f.record(t, 1, r, "approved", later)
		if _, err := f.st.ConfirmWithPayment(t.Context(), r.ID, 1, later, false); !errors.Is(err, booking.ErrHoldExpired) {
			t.Fatalf("without allowExpired: %v, want ErrHoldExpired", err)
		}
		got, err := f.st.ConfirmWithPayment(t.Context(), r.ID, 1, later, true)
		if err != nil || got.Status != booking.StatusConfirmed {
			t.Fatalf("late confirm: %v %v", got.Status, err)
		}
		if p, _ := f.st.GetPayment(t.Context(), 1); p.Outcome != store.OutcomeConfirmed || p.OutcomeReason != "late" {
			t.Fatalf("payment %+v", p)
		}
	})
	t.Run("expired hold, dates taken", func(t *testing.T) {
		f := newPayFixture(t)
		r := f.hold(t, "5491100001111", f.now)
		later := f.now.Add(time.Hour)
		f.hold(t, "5491100002222", later) // expires r on its way and takes the dates
		f.record(t, 1, r, "approved", later)
		_, err := f.st.ConfirmWithPayment(t.Context(), r.ID, 1, later, true)
		if !errors.Is(err, booking.ErrDatesTaken) || !errors.Is(err, store.ErrConflict) {
			t.Fatalf("late confirm over a new hold: %v, want ErrDatesTaken", err)
		}
		if cur, _ := f.st.GetReservation(t.Context(), r.ID); cur.Status != booking.StatusExpired {
			t.Fatalf("reservation %s, want still expired", cur.Status)
		}
		if p, _ := f.st.GetPayment(t.Context(), 1); p.Outcome != store.OutcomeNone {
			t.Fatalf("a refused confirmation decided the payment: %+v", p)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		f := newPayFixture(t)
		r := f.hold(t, "5491100001111", f.now)
		if _, err := f.st.CancelReservation(t.Context(), r.ID, f.now); err != nil {
			t.Fatal(err)
		}
		f.record(t, 1, r, "approved", f.now)
		if _, err := f.st.ConfirmWithPayment(t.Context(), r.ID, 1, f.now, true); !errors.Is(err, booking.ErrInvalidTransition) {
			t.Fatalf("cancelled: %v", err)
		}
	})
}

// Two payments of one hold confirmed at the same moment: exactly one confirms it.
func TestConcurrentPaymentsOneConfirms(t *testing.T) {
	f := newPayFixture(t)
	r := f.hold(t, "5491100001111", f.now)
	const n = 8
	for i := int64(1); i <= n; i++ {
		f.record(t, i, r, "approved", f.now)
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins []int64
	)
	for i := int64(1); i <= n; i++ {
		wg.Go(func() {
			if _, err := f.st.ConfirmWithPayment(t.Context(), r.ID, i, f.now.Add(time.Minute), true); err == nil {
				mu.Lock()
				wins = append(wins, i)
				mu.Unlock()
			} else if !errors.Is(err, booking.ErrInvalidTransition) {
				t.Errorf("payment %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if len(wins) != 1 {
		t.Fatalf("winners %v, want exactly one", wins)
	}
	if id, ok, _ := f.st.ConfirmingPayment(t.Context(), r.ID); !ok || id != wins[0] {
		t.Fatalf("confirming payment %d, want %d", id, wins[0])
	}
}

func TestPaymentDecisionsAndNotices(t *testing.T) {
	f := newPayFixture(t)
	r := f.hold(t, "5491100001111", f.now)
	f.record(t, 7, r, "approved", f.now)
	p, err := f.st.DecidePayment(t.Context(), 7, store.OutcomeRefund, "dates_taken", f.now)
	if err != nil || p.Outcome != store.OutcomeRefund || p.Flagged {
		t.Fatalf("decide refund: %+v %v", p, err)
	}
	// Decided once: a later decision does not change it.
	if p, _ = f.st.DecidePayment(t.Context(), 7, store.OutcomeReview, "amount_low", f.now); p.Outcome != store.OutcomeRefund {
		t.Fatalf("decision changed to %q", p.Outcome)
	}
	due, err := f.st.PaymentsAwaitingRefund(t.Context(), 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("awaiting refund %v %v", due, err)
	}
	if err := f.st.RecordRefund(t.Context(), 7, 9001, "approved", f.now); err != nil {
		t.Fatal(err)
	}
	if due, _ = f.st.PaymentsAwaitingRefund(t.Context(), 10); len(due) != 0 {
		t.Fatalf("still awaiting after the refund: %v", due)
	}
	if p, _ = f.st.GetPayment(t.Context(), 7); p.RefundID != 9001 || p.RefundRequestedAt == nil {
		t.Fatalf("refund not stored: %+v", p)
	}

	if sent, _ := f.st.PaymentNoticeSent(t.Context(), 7, "guest:refund"); sent {
		t.Fatal("notice sent before it was")
	}
	for range 2 {
		if err := f.st.MarkPaymentNotice(t.Context(), 7, "guest:refund", f.now); err != nil {
			t.Fatal(err)
		}
	}
	if ns, _ := f.st.PaymentNotices(t.Context(), 7); len(ns) != 1 {
		t.Fatalf("notices %v", ns)
	}
}

func TestPaymentLinksPerAttempt(t *testing.T) {
	f := newPayFixture(t)
	r := f.hold(t, "5491100001111", f.now)
	l0, err := f.st.SavePaymentLink(t.Context(), store.PaymentLink{ReservationID: r.ID, Attempt: 0, PreferenceID: "p0",
		InitPoint: "https://mp/p0", AmountCents: r.DepositCents, Currency: "ARS", ExpiresAt: r.ExpiresAt})
	if err != nil {
		t.Fatal(err)
	}
	// The same attempt again (a retried task) keeps the first link.
	again, err := f.st.SavePaymentLink(t.Context(), store.PaymentLink{ReservationID: r.ID, Attempt: 0, PreferenceID: "p0-bis",
		InitPoint: "https://mp/p0-bis", AmountCents: r.DepositCents, Currency: "ARS"})
	if err != nil || again.PreferenceID != l0.PreferenceID {
		t.Fatalf("second save of attempt 0: %+v %v", again, err)
	}
	n, err := f.st.NextPaymentLinkAttempt(t.Context(), r.ID)
	if err != nil || n != 1 {
		t.Fatalf("next attempt %d %v", n, err)
	}
	if _, err := f.st.SavePaymentLink(t.Context(), store.PaymentLink{ReservationID: r.ID, Attempt: 1, PreferenceID: "p1",
		InitPoint: "https://mp/p1", AmountCents: r.DepositCents, Currency: "ARS", ForPaymentID: 55}); err != nil {
		t.Fatal(err)
	}
	if l, _ := f.st.LatestPaymentLink(t.Context(), r.ID); l.PreferenceID != "p1" {
		t.Fatalf("latest %+v", l)
	}
	if l, _ := f.st.PaymentLinkForPayment(t.Context(), 55); l.Attempt != 1 {
		t.Fatalf("link for payment 55: %+v", l)
	}
	cands, err := f.st.PaymentReconcileCandidates(t.Context(), f.now.Add(-72*time.Hour), 10)
	if err != nil || len(cands) != 1 || cands[0].ID != r.ID {
		t.Fatalf("reconcile candidates %v %v", cands, err)
	}
}
