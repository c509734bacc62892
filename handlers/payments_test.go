package handlers_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/rs/zerolog"

	"github.com/reservas/reservas/handlers"
	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/handlers/conversation"
	"github.com/reservas/reservas/handlers/handlerstest"
	"github.com/reservas/reservas/handlers/mercadopago"
	"github.com/reservas/reservas/handlers/mercadopago/mercadopagotest"
	"github.com/reservas/reservas/ingress"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/tasks"
)

const (
	mpSecret = "mp-test-secret"
	mpToken  = "TEST-4679935697572392-mp-token"
	payer    = "5491166660000"
	payer2   = "5491177770000"
	owner    = handlerstest.OwnerPhone
)

// payClock is the worker's clock: real time plus an offset the test moves.
type payClock struct{ offset atomic.Int64 }

func (c *payClock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *payClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// frontDoor is the public address (PUBLIC_BASE_URL) in front of the ingress, like nginx: it
// exists before the ingress starts, so payment links can name it.
type frontDoor struct{ h atomic.Pointer[http.Handler] }

func (f *frontDoor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := f.h.Load()
	if h == nil {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	(*h).ServeHTTP(w, r)
}

type payEnv struct {
	periods atomic.Int64
	sys     *handlerstest.System
	mp      *mercadopagotest.Server
	clock   *payClock
	public  string
	cabin   int64
	metrics *ingress.Metrics
}

type payOpts struct {
	noWorker bool
	mp       mercadopagotest.Options
	workers  int
}

// startPayments runs the system with the Mercado Pago webhook mounted, the worker's client
// pointed at a fake Mercado Pago, and one cabin ($ 50.000 a night, 30% deposit).
func startPayments(t *testing.T, o payOpts) *payEnv {
	t.Helper()
	door := &frontDoor{}
	pub := httptest.NewServer(door)
	t.Cleanup(pub.Close)
	mo := o.mp
	mo.AccessToken, mo.WebhookSecret = mpToken, mpSecret
	if mo.RetrySchedule == nil {
		mo.RetrySchedule = []time.Duration{0, 20 * time.Millisecond, 50 * time.Millisecond}
	}
	if mo.NotificationTimeout == 0 {
		mo.NotificationTimeout = 5 * time.Second
	}
	mp := mercadopagotest.NewServer(mo)
	t.Cleanup(mp.Close)
	env := &payEnv{mp: mp, clock: &payClock{}, public: pub.URL}
	env.sys = handlerstest.Start(t, handlerstest.Options{
		NoWorker: o.noWorker, Workers: o.workers,
		Configure: func(d *handlers.Deps) {
			d.Config.PublicBaseURL = pub.URL
			d.Now = env.clock.Now
			d.MercadoPago = mercadopago.NewClient(mercadopago.Config{
				BaseURL: mp.URL(), AccessToken: mpToken, MaxAttempts: 3,
				BaseBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
			}, &http.Client{Timeout: 5 * time.Second})
		},
		Mount: func(r chi.Router, d *handlers.Deps) {
			env.metrics = ingress.NewMetrics(prometheus.NewRegistry())
			r.Method(http.MethodPost, ingress.MercadoPagoWebhookPath, ingress.NewMercadoPagoWebhook(mpSecret, d.Queue, d.Log, env.metrics))
			r.Method(http.MethodGet, "/pago/{result}", ingress.PaymentReturnPage())
		},
	})
	var h http.Handler = env.sys.Ingress.Config.Handler
	door.h.Store(&h)
	id, err := env.sys.Store.UpsertAccommodation(t.Context(), booking.Accommodation{
		Name: "Cabaña del Lago", Capacity: 4, NightlyRateCents: 5_000_000, DepositPercent: 30,
	})
	if err != nil {
		t.Fatal(err)
	}
	env.cabin = id
	return env
}

// stay is nights nights from daysAhead days after today (business time zone).
func (e *payEnv) stay(daysAhead, nights int) booking.Stay {
	today := booking.Today(e.clock.Now(), e.sys.Deps.Config.BusinessTZ)
	in := booking.AddDays(today, daysAhead)
	return booking.Stay{CheckIn: in, CheckOut: booking.AddDays(in, nights), Guests: 2}
}

func (e *payEnv) hold(t *testing.T, phone string, s booking.Stay) store.Reservation {
	t.Helper()
	r, err := e.sys.Store.PlaceHold(t.Context(), store.HoldRequest{
		AccommodationID: e.cabin, Stay: s, GuestPhone: phone, GuestName: "Ana Pérez", Language: "es",
		Now: e.clock.Now(), HoldFor: 30 * time.Minute,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// link makes the hold's payment link and returns it with the preference the fake received.
func (e *payEnv) link(t *testing.T, r store.Reservation) (string, mercadopagotest.StoredPreference) {
	t.Helper()
	u, err := e.sys.Deps.PaymentLink(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range e.mp.Preferences() {
		if p.InitPoint == u {
			return u, p
		}
	}
	t.Fatalf("link %q is not a preference of the fake", u)
	return "", mercadopagotest.StoredPreference{}
}

func (e *payEnv) reservation(t *testing.T, id string) store.Reservation {
	t.Helper()
	r, err := e.sys.Store.GetReservation(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (e *payEnv) payment(t *testing.T, id int64) store.Payment {
	t.Helper()
	p, err := e.sys.Store.GetPayment(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (e *payEnv) history(t *testing.T, id int64) []string {
	t.Helper()
	h, err := e.sys.Store.PaymentHistory(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range h {
		out = append(out, s.Status)
	}
	return out
}

// settle waits until the fake has no notification in flight and the queues are empty.
func (e *payEnv) settle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := e.mp.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	e.sys.WaitIdle(t)
}

func (e *payEnv) texts(to string) []string {
	var out []string
	for _, m := range e.sys.RepliesTo(to) {
		out = append(out, m.Text)
	}
	return out
}

// nextPeriod is a new scheduler period, so each reconciliation the test asks for is its own task.
func (e *payEnv) nextPeriod() time.Time {
	return time.Now().Truncate(2 * time.Minute).Add(time.Duration(e.periods.Add(1)) * 2 * time.Minute)
}

// reconcile runs the periodic reconciliation the way the scheduler enqueues it.
func (e *payEnv) reconcile(t *testing.T) {
	t.Helper()
	task := tasks.NewPeriodic(tasks.TypePaymentReconcile, e.nextPeriod(), 2*time.Minute, tasks.QueueDefault)
	if _, err := e.sys.Queue.Enqueue(task); err != nil {
		t.Fatal(err)
	}
	e.settle(t)
}

func mustContain(t *testing.T, what, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Fatalf("%s should contain %q:\n%s", what, p, s)
		}
	}
}

// The whole happy path: the link is a Checkout Pro preference shaped for the hold; paying it
// confirms the booking once and tells guest and owner once, whatever Mercado Pago redelivers.
func TestPaymentApprovedConfirmsOnce(t *testing.T) {
	e := startPayments(t, payOpts{})
	r := e.hold(t, payer, e.stay(30, 3))
	link, pref := e.link(t, r)

	if pref.ExternalReference != r.ID {
		t.Errorf("external_reference = %q, want the hold id %q", pref.ExternalReference, r.ID)
	}
	if !strings.HasPrefix(pref.NotificationURL, e.public+"/webhooks/mercadopago") {
		t.Errorf("notification_url = %q, want PUBLIC_BASE_URL/webhooks/mercadopago", pref.NotificationURL)
	}
	if !pref.Expires || pref.ExpirationDateTo == nil || pref.ExpirationDateTo.Sub(*r.ExpiresAt).Abs() > time.Second {
		t.Errorf("expiration = %v %v, want the hold's %v", pref.Expires, pref.ExpirationDateTo, r.ExpiresAt)
	}
	if !slices.Contains(pref.ExcludedPaymentTypes, "ticket") || !slices.Contains(pref.ExcludedPaymentTypes, "atm") {
		t.Errorf("a 30-minute hold must exclude cash and ATM: %v", pref.ExcludedPaymentTypes)
	}
	if pref.BackURLs.Success != e.public+"/pago/success" || pref.BackURLs.Failure == "" || pref.BackURLs.Pending == "" {
		t.Errorf("back_urls = %+v", pref.BackURLs)
	}
	if want := "reservas-pref-" + r.ID + "-0"; pref.IdempotencyKey != want {
		t.Errorf("X-Idempotency-Key = %q, want %q", pref.IdempotencyKey, want)
	}
	if len(pref.Items) != 1 || pref.Items[0].CurrencyID != "ARS" || mercadopago.AmountToCents(pref.Items[0].UnitPrice) != r.DepositCents ||
		pref.Items[0].Quantity != 1 {
		t.Errorf("items = %+v, want one ARS item of the deposit %d", pref.Items, r.DepositCents)
	}
	// Asking again (a retried chat turn) gives the same link and no second preference.
	if again, _ := e.link(t, r); again != link || len(e.mp.Preferences()) != 1 {
		t.Fatalf("second PaymentLink: %q (%d preferences), want the same link", again, len(e.mp.Preferences()))
	}
	// The back URL page promises nothing.
	resp, err := http.Get(pref.BackURLs.Success)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("back url: %d", resp.StatusCode)
	}

	pay, err := e.mp.Pay(t.Context(), pref.ID, mercadopagotest.PayOptions{})
	if err != nil {
		t.Fatalf("pay: %v", err)
	}
	guestMsgs := e.sys.WaitReplies(t, payer, 1)
	e.sys.WaitReplies(t, owner, 1)
	e.settle(t)

	got := e.reservation(t, r.ID)
	if got.Status != booking.StatusConfirmed || got.ConfirmedAt == nil {
		t.Fatalf("reservation %s, want confirmed", got.Status)
	}
	mustContain(t, "guest message", guestMsgs[0].Text, "confirmada", r.Code, conversation.Money(r.DepositCents), "Cabaña del Lago")
	mustContain(t, "owner message", e.texts(owner)[0], "Reserva confirmada", r.Code, strconv.FormatInt(pay.ID, 10), "+"+payer)
	rec := e.payment(t, pay.ID)
	if rec.Outcome != store.OutcomeConfirmed || rec.ReservationID != r.ID || rec.AmountCents != r.DepositCents || rec.Currency != "ARS" {
		t.Fatalf("stored payment %+v", rec)
	}
	if h := e.history(t, pay.ID); !slices.Equal(h, []string{"approved"}) {
		t.Fatalf("history %v", h)
	}

	// Mercado Pago sends the notification again, and a duplicate of it: nothing more happens.
	if err := e.mp.Notify(t.Context(), pay.ID, mercadopagotest.Duplicate); err != nil {
		t.Fatal(err)
	}
	e.settle(t)
	if n, m := len(e.sys.RepliesTo(payer)), len(e.sys.RepliesTo(owner)); n != 1 || m != 1 {
		t.Fatalf("after redelivery: %d guest and %d owner messages, want 1 and 1", n, m)
	}
	for _, d := range e.mp.Deliveries() {
		if !d.Acknowledged || d.StatusCode != http.StatusOK {
			t.Fatalf("delivery not acknowledged with 200: %+v", d)
		}
	}
}

// One notification delivered twice at once (same notification id) to two workers: one
// confirmation, one message each to guest and owner.
func TestPaymentApprovedDeliveredTwice(t *testing.T) {
	e := startPayments(t, payOpts{workers: 2})
	r := e.hold(t, payer, e.stay(30, 2))
	_, pref := e.link(t, r)
	pay, err := e.mp.Pay(t.Context(), pref.ID, mercadopagotest.PayOptions{Mode: mercadopagotest.Duplicate})
	if err != nil {
		t.Fatal(err)
	}
	e.sys.WaitReplies(t, payer, 1)
	e.settle(t)
	webhooks := 0
	for _, d := range e.mp.Deliveries() {
		if d.Kind == "webhook" {
			webhooks++
		}
	}
	if webhooks != 2 {
		t.Fatalf("the fake sent %d webhooks, want the duplicate pair", webhooks)
	}
	if n, m := len(e.sys.RepliesTo(payer)), len(e.sys.RepliesTo(owner)); n != 1 || m != 1 {
		t.Fatalf("%d guest and %d owner messages, want 1 and 1: %v", n, m, e.texts(payer))
	}
	if got := e.reservation(t, r.ID); got.Status != booking.StatusConfirmed {
		t.Fatalf("reservation %s", got.Status)
	}
	if rec := e.payment(t, pay.ID); rec.Outcome != store.OutcomeConfirmed {
		t.Fatalf("payment outcome %q", rec.Outcome)
	}
}

func TestPaymentPendingThenApproved(t *testing.T) {
	e := startPayments(t, payOpts{})
	r := e.hold(t, payer, e.stay(20, 2))
	_, pref := e.link(t, r)
	pay, err := e.mp.Pay(t.Context(), pref.ID, mercadopagotest.PayOptions{Status: mercadopagotest.StatusPending})
	if err != nil {
		t.Fatal(err)
	}
	if pay.PaymentTypeID == "ticket" || pay.PaymentTypeID == "atm" {
		t.Fatalf("a short hold's link allowed a %s payment", pay.PaymentTypeID)
	}
	msgs := e.sys.WaitReplies(t, payer, 1)
	e.settle(t)
	mustContain(t, "pending message", msgs[0].Text, "procesando", r.Code, "hasta ", " las ")
	if strings.Contains(msgs[0].Text, "confirmada") {
		t.Fatalf("a pending payment must not read as confirmed: %s", msgs[0].Text)
	}
	if got := e.reservation(t, r.ID); got.Status != booking.StatusPreReserved {
		t.Fatalf("pending payment changed the hold to %s", got.Status)
	}
	if len(e.sys.RepliesTo(owner)) != 0 {
		t.Fatal("the owner is not bothered with pending payments")
	}

	if err := e.mp.SetPaymentStatus(t.Context(), pay.ID, mercadopagotest.StatusApproved); err != nil {
		t.Fatal(err)
	}
	msgs = e.sys.WaitReplies(t, payer, 2)
	e.settle(t)
	mustContain(t, "approval message", msgs[1].Text, "confirmada", r.Code)
	if got := e.reservation(t, r.ID); got.Status != booking.StatusConfirmed {
		t.Fatalf("reservation %s, want confirmed", got.Status)
	}
	if h := e.history(t, pay.ID); !slices.Equal(h, []string{"pending", "approved"}) {
		t.Fatalf("history %v, want pending then approved", h)
	}
	if n := len(e.sys.RepliesTo(payer)); n != 2 {
		t.Fatalf("%d guest messages, want 2", n)
	}
}

func TestPaymentRejectedSendsFreshLink(t *testing.T) {
	e := startPayments(t, payOpts{})
	r := e.hold(t, payer, e.stay(15, 2))
	first, pref := e.link(t, r)
	pay, err := e.mp.Pay(t.Context(), pref.ID, mercadopagotest.PayOptions{Status: mercadopagotest.StatusRejected})
	if err != nil {
		t.Fatal(err)
	}
	msgs := e.sys.WaitReplies(t, payer, 1)
	e.settle(t)
	prefs := e.mp.Preferences()
	if len(prefs) != 2 {
		t.Fatalf("%d preferences, want a fresh one", len(prefs))
	}
	fresh := prefs[1]
	if fresh.InitPoint == first || fresh.ExternalReference != r.ID {
		t.Fatalf("fresh link %+v", fresh)
	}
	mustContain(t, "rejection message", msgs[0].Text, "rechazó", "no se cobró nada", fresh.InitPoint, "hasta ", " las ")
	if got := e.reservation(t, r.ID); got.Status != booking.StatusPreReserved {
		t.Fatalf("a rejected payment changed the hold to %s", got.Status)
	}
	if rec := e.payment(t, pay.ID); rec.Status != "rejected" || rec.Outcome != store.OutcomeNone {
		t.Fatalf("stored %+v", rec)
	}
	// The chat's "send me the link again" now gives the fresh link.
	if again, err := e.sys.Deps.PaymentLink(t.Context(), r); err != nil || again != fresh.InitPoint {
		t.Fatalf("PaymentLink after rejection = %q, %v", again, err)
	}
	// Paying the fresh link confirms.
	if _, err := e.mp.Pay(t.Context(), fresh.ID, mercadopagotest.PayOptions{}); err != nil {
		t.Fatal(err)
	}
	msgs = e.sys.WaitReplies(t, payer, 2)
	e.settle(t)
	mustContain(t, "confirmation", msgs[1].Text, "confirmada")
	if got := e.reservation(t, r.ID); got.Status != booking.StatusConfirmed {
		t.Fatalf("reservation %s", got.Status)
	}
}

// Approved payments that do not match the hold are flagged for the owner; nothing is
// confirmed and the guest is not told they paid.
func TestPaymentMismatchFlagged(t *testing.T) {
	cases := []struct {
		name   string
		opts   func(r store.Reservation) mercadopagotest.PayOptions
		reason string
		owner  string
	}{
		{"amount too low", func(r store.Reservation) mercadopagotest.PayOptions {
			return mercadopagotest.PayOptions{Amount: mercadopago.CentsToAmount(r.DepositCents - 100)}
		}, "amount_low", "menor que la seña"},
		{"currency wrong", func(store.Reservation) mercadopagotest.PayOptions {
			return mercadopagotest.PayOptions{Currency: "USD"}
		}, "currency", "la moneda es USD"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := startPayments(t, payOpts{})
			r := e.hold(t, payer, e.stay(25, 2))
			_, pref := e.link(t, r)
			pay, err := e.mp.Pay(t.Context(), pref.ID, c.opts(r))
			if err != nil {
				t.Fatal(err)
			}
			e.sys.WaitReplies(t, owner, 1)
			e.sys.WaitReplies(t, payer, 1)
			e.settle(t)
			if got := e.reservation(t, r.ID); got.Status != booking.StatusPreReserved {
				t.Fatalf("reservation %s, want still a hold", got.Status)
			}
			rec := e.payment(t, pay.ID)
			if rec.Outcome != store.OutcomeReview || rec.OutcomeReason != c.reason || !rec.Flagged {
				t.Fatalf("stored %+v, want review/%s flagged", rec, c.reason)
			}
			mustContain(t, "owner alert", e.texts(owner)[0], "Pago a revisar", r.Code, c.owner)
			guest := e.texts(payer)
			if len(guest) != 1 || strings.Contains(guest[0], "confirmada") || !strings.Contains(guest[0], "no coincide") {
				t.Fatalf("guest messages %q", guest)
			}
			if len(e.mp.Refunds()) != 0 {
				t.Fatal("a mismatch is the owner's decision, not refunded automatically")
			}
		})
	}
}

func TestPaymentUnknownReference(t *testing.T) {
	e := startPayments(t, payOpts{})
	r := e.hold(t, payer, e.stay(25, 2))
	_, pref := e.link(t, r)
	for _, ref := range []string{uuid.NewString(), "pedido-777"} {
		pay, err := e.mp.Pay(t.Context(), pref.ID, mercadopagotest.PayOptions{ExternalReference: ref})
		if err != nil {
			t.Fatal(err)
		}
		e.settle(t)
		rec := e.payment(t, pay.ID)
		if rec.ReservationID != "" || rec.Outcome != store.OutcomeReview || rec.OutcomeReason != "unknown_reference" || !rec.Flagged {
			t.Fatalf("stored %+v", rec)
		}
	}
	alerts := e.texts(owner)
	if len(alerts) != 2 {
		t.Fatalf("owner alerts %q, want one per payment", alerts)
	}
	mustContain(t, "owner alert", alerts[1], "no corresponde a ninguna reserva", "pedido-777")
	if n := len(e.sys.RepliesTo(payer)); n != 0 {
		t.Fatalf("the hold's guest got %d messages about payments that are not theirs", n)
	}
	if got := e.reservation(t, r.ID); got.Status != booking.StatusPreReserved {
		t.Fatalf("reservation %s", got.Status)
	}
}

// Money for a hold that already expired confirms it when the dates are still free.
func TestLatePaymentDatesFree(t *testing.T) {
	e := startPayments(t, payOpts{})
	r := e.hold(t, payer, e.stay(40, 3))
	_, pref := e.link(t, r)
	e.clock.Advance(31 * time.Minute)
	if expired, err := e.sys.Store.ExpireHolds(t.Context(), e.clock.Now()); err != nil || len(expired) != 1 {
		t.Fatalf("expire: %v %v", expired, err)
	}
	pay, err := e.mp.Pay(t.Context(), pref.ID, mercadopagotest.PayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	msgs := e.sys.WaitReplies(t, payer, 1)
	e.settle(t)
	if got := e.reservation(t, r.ID); got.Status != booking.StatusConfirmed {
		t.Fatalf("reservation %s, want confirmed (dates were free)", got.Status)
	}
	mustContain(t, "late confirmation", msgs[0].Text, "Buenas noticias", "seguían libres", "confirmada", r.Code)
	mustContain(t, "owner", e.texts(owner)[0], "pago tardío")
	if rec := e.payment(t, pay.ID); rec.Outcome != store.OutcomeConfirmed || rec.OutcomeReason != "late" {
		t.Fatalf("stored %+v", rec)
	}
	if len(e.mp.Refunds()) != 0 {
		t.Fatal("refunded a payment that confirmed the booking")
	}
}

// Money for an expired hold whose dates someone else took is refunded through Mercado Pago;
// the guest hears that the refund is under way, the owner is told, the other guest's hold stays.
func TestLatePaymentDatesTakenRefunds(t *testing.T) {
	e := startPayments(t, payOpts{})
	s := e.stay(40, 3)
	r := e.hold(t, payer, s)
	_, pref := e.link(t, r)
	e.clock.Advance(31 * time.Minute)
	other := e.hold(t, payer2, s) // PlaceHold expires r on its way
	if got := e.reservation(t, r.ID); got.Status != booking.StatusExpired {
		t.Fatalf("first hold %s, want expired", got.Status)
	}
	pay, err := e.mp.Pay(t.Context(), pref.ID, mercadopagotest.PayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	msgs := e.sys.WaitReplies(t, payer, 1)
	e.sys.WaitReplies(t, owner, 1)
	e.settle(t)

	refunds := e.mp.Refunds()
	if len(refunds) != 1 || refunds[0].PaymentID != pay.ID || refunds[0].IdempotencyKey != "reservas-refund-"+strconv.FormatInt(pay.ID, 10) ||
		mercadopago.AmountToCents(refunds[0].Amount) != r.DepositCents {
		t.Fatalf("refunds %+v, want one full refund of payment %d", refunds, pay.ID)
	}
	if p, _ := e.mp.Payment(pay.ID); p.Status != mercadopagotest.StatusRefunded {
		t.Fatalf("payment at Mercado Pago is %s", p.Status)
	}
	if got := e.reservation(t, r.ID); got.Status != booking.StatusExpired {
		t.Fatalf("late hold %s, want still expired", got.Status)
	}
	if got := e.reservation(t, other.ID); got.Status != booking.StatusPreReserved {
		t.Fatalf("other guest's hold %s", got.Status)
	}
	mustContain(t, "refund message", msgs[0].Text, "devolución", conversation.Money(r.DepositCents), r.Code)
	if strings.Contains(msgs[0].Text, "confirmada") {
		t.Fatalf("guest told confirmed: %s", msgs[0].Text)
	}
	mustContain(t, "owner", e.texts(owner)[0], "Devolví", r.Code)
	rec := e.payment(t, pay.ID)
	if rec.Outcome != store.OutcomeRefund || rec.OutcomeReason != "dates_taken" || rec.RefundID != refunds[0].ID {
		t.Fatalf("stored %+v", rec)
	}
	// The refund's own payment.updated came back and was recorded, without more messages.
	if h := e.history(t, pay.ID); !slices.Equal(h, []string{"approved", "refunded"}) {
		t.Fatalf("history %v", h)
	}
	if n, m := len(e.sys.RepliesTo(payer)), len(e.sys.RepliesTo(owner)); n != 1 || m != 1 {
		t.Fatalf("%d guest and %d owner messages, want 1 and 1", n, m)
	}
	if n := len(e.sys.RepliesTo(payer2)); n != 0 {
		t.Fatalf("the other guest got %d messages", n)
	}
}

// A late payment for a stay starting within a week syncs the cabin's imported calendars first:
// a night sold on another channel since the hold expired is known, and the money refunded.
func TestLatePaymentChecksFeedsFirst(t *testing.T) {
	e := startPayments(t, payOpts{})
	s := e.stay(3, 2)
	r := e.hold(t, payer, s)
	_, pref := e.link(t, r)
	var fetches atomic.Int32
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fetches.Add(1)
		w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
		fmt.Fprintf(w, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Airbnb Inc//Hosting Calendar 1.0//EN\r\nCALSCALE:GREGORIAN\r\n"+
			"BEGIN:VEVENT\r\nDTSTAMP:20251118T122553Z\r\nDTSTART;VALUE=DATE:%s\r\nDTEND;VALUE=DATE:%s\r\nUID:%s@airbnb.com\r\nSUMMARY:Reserved\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
			s.CheckIn.Format("20060102"), s.CheckOut.Format("20060102"), uuid.NewString())
	}))
	t.Cleanup(feed.Close)
	if _, err := e.sys.Store.AddFeed(t.Context(), e.cabin, "airbnb", feed.URL+"/cal.ics"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(31 * time.Minute)
	if _, err := e.sys.Store.ExpireHolds(t.Context(), e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	pay, err := e.mp.Pay(t.Context(), pref.ID, mercadopagotest.PayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e.sys.WaitReplies(t, payer, 1)
	e.settle(t)
	if fetches.Load() == 0 {
		t.Fatal("the cabin's feed was not fetched before confirming a stay within a week")
	}
	if got := e.reservation(t, r.ID); got.Status != booking.StatusExpired {
		t.Fatalf("hold %s, want expired (the nights were sold on Airbnb)", got.Status)
	}
	if rec := e.payment(t, pay.ID); rec.Outcome != store.OutcomeRefund || rec.OutcomeReason != "dates_taken" {
		t.Fatalf("stored %+v", rec)
	}
	if len(e.mp.Refunds()) != 1 {
		t.Fatalf("refunds %+v", e.mp.Refunds())
	}
}

// A refund or chargeback of a payment that confirmed a booking is flagged for the owner.
func TestPaymentReversedAfterConfirmation(t *testing.T) {
	for _, status := range []string{mercadopagotest.StatusRefunded, mercadopagotest.StatusChargedBack} {
		t.Run(status, func(t *testing.T) {
			e := startPayments(t, payOpts{})
			r := e.hold(t, payer, e.stay(30, 2))
			_, pref := e.link(t, r)
			pay, err := e.mp.Pay(t.Context(), pref.ID, mercadopagotest.PayOptions{})
			if err != nil {
				t.Fatal(err)
			}
			e.sys.WaitReplies(t, owner, 1)
			e.settle(t)
			if err := e.mp.SetPaymentStatus(t.Context(), pay.ID, status); err != nil {
				t.Fatal(err)
			}
			alerts := e.sys.WaitReplies(t, owner, 2)
			e.settle(t)
			mustContain(t, "owner alert", alerts[1].Text, "Mercado Pago informa", r.Code, "revisala")
			rec := e.payment(t, pay.ID)
			if !rec.Flagged || rec.FlagReason != status || rec.Status != status {
				t.Fatalf("stored %+v", rec)
			}
			if got := e.reservation(t, r.ID); got.Status != booking.StatusConfirmed {
				t.Fatalf("reservation %s: the owner decides", got.Status)
			}
			if n := len(e.sys.RepliesTo(payer)); n != 1 {
				t.Fatalf("guest got %d messages", n)
			}
		})
	}
}

// postMP sends a notification the way Mercado Pago does, with the headers given.
func postMP(t *testing.T, rawURL string, body []byte, header map[string]string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func queuedTasks(t *testing.T, sys *handlerstest.System) []*asynq.TaskInfo {
	t.Helper()
	insp := asynq.NewInspector(sys.RedisOpt)
	defer insp.Close()
	ts, err := insp.ListPendingTasks(tasks.QueueCritical)
	if err != nil && !errors.Is(err, asynq.ErrQueueNotFound) {
		t.Fatal(err)
	}
	return ts
}

func TestMercadoPagoWebhookSignatures(t *testing.T) {
	e := startPayments(t, payOpts{noWorker: true})
	base := e.sys.Ingress.URL + ingress.MercadoPagoWebhookPath
	const id = "131000000123"
	hookURL := base + "?data.id=" + id + "&type=payment"
	body := []byte(`{"action":"payment.updated","api_version":"v1","data":{"id":"` + id + `"},"date_created":"2021-11-01T02:02:02Z","id":123456,"live_mode":false,"type":"payment","user_id":724484980}`)
	reqID := uuid.NewString()
	now := time.Now()
	sig := func(secret string, ts int64) string { return mercadopago.SignatureHeader(secret, id, reqID, ts) }

	reject := []struct {
		name, reason string
		header       map[string]string
	}{
		{"missing", "missing", map[string]string{"X-Request-Id": reqID}},
		{"wrong secret", "bad", map[string]string{"X-Request-Id": reqID, "X-Signature": sig("another-secret", now.UnixMilli())}},
		{"garbage", "bad", map[string]string{"X-Request-Id": reqID, "X-Signature": "ts=1,v1=zz"}},
		{"other request id", "bad", map[string]string{"X-Request-Id": uuid.NewString(), "X-Signature": sig(mpSecret, now.UnixMilli())}},
		{"stale", "stale", map[string]string{"X-Request-Id": reqID, "X-Signature": sig(mpSecret, now.Add(-30*24*time.Hour).UnixMilli())}},
	}
	for _, c := range reject {
		if code := postMP(t, hookURL, body, c.header); code != http.StatusUnauthorized {
			t.Errorf("%s signature: %d, want 401", c.name, code)
		}
	}
	for _, reason := range []string{"missing", "bad", "stale"} {
		var m dto.Metric
		if err := e.metrics.SignatureFailures.WithLabelValues("mercadopago", reason).Write(&m); err != nil || m.GetCounter().GetValue() == 0 {
			t.Errorf("signature failure %q not counted", reason)
		}
	}
	if ts := queuedTasks(t, e.sys); len(ts) != 0 {
		t.Fatalf("rejected notifications queued %d tasks", len(ts))
	}

	// Valid: milliseconds, seconds, an hour-old retry, no x-request-id; the same notification
	// twice is one task.
	ok := []map[string]string{
		{"X-Request-Id": reqID, "X-Signature": sig(mpSecret, now.UnixMilli())},
		{"X-Request-Id": reqID, "X-Signature": sig(mpSecret, now.Unix())},
		{"X-Request-Id": reqID, "X-Signature": sig(mpSecret, now.Add(-time.Hour).UnixMilli())},
		{"X-Signature": mercadopago.SignatureHeader(mpSecret, id, "", now.UnixMilli())},
	}
	for i, h := range ok {
		if code := postMP(t, hookURL, body, h); code != http.StatusOK {
			t.Errorf("valid notification %d: %d, want 200", i, code)
		}
	}
	queued := queuedTasks(t, e.sys)
	if len(queued) != 1 || queued[0].Type != tasks.TypePaymentSync || queued[0].ID != "payment:"+id+":123456" {
		t.Fatalf("queued %+v, want one payment:sync for the notification", queued)
	}
	// Another notification of the same payment is its own task.
	body2 := bytes.Replace(body, []byte(`"id":123456`), []byte(`"id":"123457"`), 1)
	if code := postMP(t, hookURL, body2, ok[0]); code != http.StatusOK {
		t.Fatalf("second notification: %d", code)
	}
	if n := len(queuedTasks(t, e.sys)); n != 2 {
		t.Fatalf("%d tasks, want 2", n)
	}

	// A payment id that is not a number, validly signed: refused before queueing.
	bad := "ABC"
	if code := postMP(t, base+"?data.id="+bad+"&type=payment", []byte(`{"type":"payment","data":{"id":"ABC"}}`),
		map[string]string{"X-Request-Id": reqID, "X-Signature": mercadopago.SignatureHeader(mpSecret, bad, reqID, now.UnixMilli())}); code != http.StatusBadRequest {
		t.Fatalf("non-numeric payment id: %d, want 400", code)
	}

	// Legacy IPN: unsigned by design; acknowledged, and only a re-fetch is queued. Other
	// topics are acknowledged and ignored.
	if code := postMP(t, base+"?topic=payment&id=555", []byte(`{"resource":"555","topic":"payment"}`), nil); code != http.StatusOK {
		t.Fatalf("IPN: %d, want 200", code)
	}
	if code := postMP(t, base+"?topic=merchant_order&id=777", []byte(`{"resource":"https://api.mercadolibre.com/merchant_orders/777","topic":"merchant_order"}`), nil); code != http.StatusOK {
		t.Fatalf("merchant_order IPN: %d, want 200", code)
	}
	var ipn int
	for _, ti := range queuedTasks(t, e.sys) {
		var p tasks.PaymentSync
		if err := tasks.Decode(asynq.NewTask(ti.Type, ti.Payload), &p); err != nil {
			t.Fatal(err)
		}
		if p.PaymentID == "555" {
			ipn++
			if !strings.HasPrefix(p.NotificationID, "ipn-") {
				t.Fatalf("IPN task %+v", p)
			}
		}
		if p.PaymentID == "777" {
			t.Fatal("a merchant_order notification was queued as a payment")
		}
	}
	if ipn != 1 {
		t.Fatalf("%d IPN re-fetches queued, want 1", ipn)
	}
	if code := postMP(t, base, []byte(`not json`), ok[0]); code != http.StatusUnauthorized && code != http.StatusBadRequest {
		t.Fatalf("garbage: %d", code)
	}
}

// Notifications that fail the signature check are refused (and Mercado Pago gives up); the
// reconciliation finds the payment anyway. Same for a payment whose notification never came.
func TestUnsignedOrLostNotificationReconciled(t *testing.T) {
	for _, mode := range []struct {
		name string
		pay  mercadopagotest.PayOptions
	}{
		{"bad signature", mercadopagotest.PayOptions{Mode: mercadopagotest.BadSignature}},
		{"unsigned", mercadopagotest.PayOptions{Mode: mercadopagotest.Unsigned}},
		{"lost", mercadopagotest.PayOptions{Silent: true}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			e := startPayments(t, payOpts{})
			r := e.hold(t, payer, e.stay(30, 2))
			_, pref := e.link(t, r)
			_, err := e.mp.Pay(t.Context(), pref.ID, mode.pay)
			if mode.pay.Silent {
				if err != nil {
					t.Fatal(err)
				}
			} else if !errors.Is(err, mercadopagotest.ErrNotDelivered) {
				t.Fatalf("pay: %v, want the notification refused", err)
			}
			e.settle(t)
			if got := e.reservation(t, r.ID); got.Status != booking.StatusPreReserved {
				t.Fatalf("reservation %s before reconciliation", got.Status)
			}
			for _, d := range e.mp.Deliveries() {
				if d.Kind == "webhook" && d.StatusCode != http.StatusUnauthorized {
					t.Fatalf("forged webhook answered %d, want 401", d.StatusCode)
				}
			}
			e.reconcile(t)
			if got := e.reservation(t, r.ID); got.Status != booking.StatusConfirmed {
				t.Fatalf("reservation %s after reconciliation, want confirmed", got.Status)
			}
			e.reconcile(t)
			if n := len(e.sys.RepliesTo(payer)); n != 1 {
				t.Fatalf("%d guest messages after two reconciliations, want 1", n)
			}
		})
	}
}

// A legacy IPN is not trusted beyond "look at this payment": the worker re-fetches it.
func TestIPNLeadsToRefetch(t *testing.T) {
	e := startPayments(t, payOpts{})
	r := e.hold(t, payer, e.stay(30, 2))
	_, pref := e.link(t, r)
	pay, err := e.mp.Pay(t.Context(), pref.ID, mercadopagotest.PayOptions{Silent: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.mp.Notify(t.Context(), pay.ID, mercadopagotest.IPN); err != nil {
		t.Fatalf("IPN not acknowledged: %v", err)
	}
	e.sys.WaitReplies(t, payer, 1)
	e.settle(t)
	if got := e.reservation(t, r.ID); got.Status != booking.StatusConfirmed {
		t.Fatalf("reservation %s", got.Status)
	}
	h, err := e.sys.Store.PaymentHistory(t.Context(), pay.ID)
	if err != nil || len(h) != 1 || h[0].Source != "ipn" {
		t.Fatalf("history %+v %v", h, err)
	}
}

// Mercado Pago's API down for a while: a short outage is absorbed by the client's retries; a
// longer one fails the task, which is retried later; nothing is confirmed or said until the
// API answers, and then exactly once.
func TestMercadoPagoAPIDownForAWhile(t *testing.T) {
	e := startPayments(t, payOpts{mp: mercadopagotest.Options{}})

	// Short: two 500s, then the API answers within the same task run.
	r1 := e.hold(t, payer, e.stay(30, 2))
	_, pref1 := e.link(t, r1)
	e.mp.FailAPI(2, http.StatusInternalServerError)
	pay1, err := e.mp.Pay(t.Context(), pref1.ID, mercadopagotest.PayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e.sys.WaitReplies(t, payer, 1)
	e.settle(t)
	if got := e.reservation(t, r1.ID); got.Status != booking.StatusConfirmed {
		t.Fatalf("short outage: reservation %s", got.Status)
	}
	failed := 0
	for _, rq := range e.mp.Requests() {
		if rq.Path == "/v1/payments/"+strconv.FormatInt(pay1.ID, 10) && rq.Status == http.StatusInternalServerError {
			failed++
		}
	}
	if failed != 2 {
		t.Fatalf("%d failed GETs, want 2 retried", failed)
	}

	// Long: the API fails every request until the test lets it recover.
	r2 := e.hold(t, payer2, e.stay(50, 2))
	_, pref2 := e.link(t, r2)
	e.mp.FailAPI(1_000_000, http.StatusInternalServerError)
	if _, err := e.mp.Pay(t.Context(), pref2.ID, mercadopagotest.PayOptions{}); err != nil {
		t.Fatal(err)
	}
	insp := asynq.NewInspector(e.sys.RedisOpt)
	defer insp.Close()
	var retry *asynq.TaskInfo
	deadline := time.Now().Add(15 * time.Second)
	for retry == nil {
		ts, _ := insp.ListRetryTasks(tasks.QueueCritical)
		for _, ti := range ts {
			if ti.Type == tasks.TypePaymentSync {
				retry = ti
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the failing payment:sync was not scheduled for retry")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The reconciliation during the outage fails too, and changes nothing.
	task := tasks.NewPeriodic(tasks.TypePaymentReconcile, e.nextPeriod(), 2*time.Minute, tasks.QueueDefault)
	if _, err := e.sys.Queue.Enqueue(task); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if got := e.reservation(t, r2.ID); got.Status != booking.StatusPreReserved {
		t.Fatalf("during the outage: reservation %s", got.Status)
	}
	if n := len(e.sys.RepliesTo(payer2)); n != 0 {
		t.Fatalf("during the outage the guest got %d messages", n)
	}

	// The API recovers; the retries run (now rather than after asynq's backoff) and confirm.
	e.mp.FailAPI(0, 0)
	if err := insp.RunTask(tasks.QueueCritical, retry.ID); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(15 * time.Second)
	for {
		if ts, _ := insp.ListRetryTasks(tasks.QueueDefault); len(ts) > 0 {
			// the reconciliation that failed during the outage
			if _, err := insp.RunAllRetryTasks(tasks.QueueDefault); err != nil {
				t.Fatal(err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the reconciliation that failed during the outage was not scheduled for retry")
		}
		time.Sleep(10 * time.Millisecond)
	}
	msgs := e.sys.WaitReplies(t, payer2, 1)
	e.settle(t)
	mustContain(t, "confirmation", msgs[0].Text, "confirmada", r2.Code)
	if got := e.reservation(t, r2.ID); got.Status != booking.StatusConfirmed {
		t.Fatalf("after recovery: reservation %s", got.Status)
	}
	e.reconcile(t)
	if n := len(e.sys.RepliesTo(payer2)); n != 1 {
		t.Fatalf("%d guest messages, want exactly 1", n)
	}
}

// Right after payment.created the API may answer 404 for a moment: the worker asks again.
func TestNewPaymentBriefly404(t *testing.T) {
	e := startPayments(t, payOpts{})
	e.mp.LagNewPayments(2)
	r := e.hold(t, payer, e.stay(30, 2))
	_, pref := e.link(t, r)
	if _, err := e.mp.Pay(t.Context(), pref.ID, mercadopagotest.PayOptions{}); err != nil {
		t.Fatal(err)
	}
	e.sys.WaitReplies(t, payer, 1)
	e.settle(t)
	if got := e.reservation(t, r.ID); got.Status != booking.StatusConfirmed {
		t.Fatalf("reservation %s", got.Status)
	}
}

// A second payment for a booking already confirmed is refunded.
func TestSecondPaymentRefunded(t *testing.T) {
	e := startPayments(t, payOpts{})
	r := e.hold(t, payer, e.stay(30, 2))
	_, pref := e.link(t, r)
	if _, err := e.mp.Pay(t.Context(), pref.ID, mercadopagotest.PayOptions{}); err != nil {
		t.Fatal(err)
	}
	e.sys.WaitReplies(t, payer, 1)
	e.settle(t)
	second, err := e.mp.Pay(t.Context(), pref.ID, mercadopagotest.PayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	msgs := e.sys.WaitReplies(t, payer, 2)
	e.settle(t)
	if refunds := e.mp.Refunds(); len(refunds) != 1 || refunds[0].PaymentID != second.ID {
		t.Fatalf("refunds %+v, want the second payment's", refunds)
	}
	mustContain(t, "duplicate refund", msgs[1].Text, "segundo pago", "devolución")
	if got := e.reservation(t, r.ID); got.Status != booking.StatusConfirmed {
		t.Fatalf("reservation %s", got.Status)
	}
}

func TestIngressRequiresMPWebhookSecret(t *testing.T) {
	err := ingress.ValidateMercadoPago("")
	if err == nil || !strings.Contains(err.Error(), "MP_WEBHOOK_SECRET") {
		t.Fatalf("want a clear error naming MP_WEBHOOK_SECRET, got %v", err)
	}
	if err := ingress.ValidateMercadoPago("s"); err != nil {
		t.Fatal(err)
	}
}

// With Redis gone the webhook answers 503, never 200, so that Mercado Pago retries.
func TestMercadoPagoWebhookRedisDown(t *testing.T) {
	dead := asynq.NewClient(asynq.RedisClientOpt{Addr: "127.0.0.1:1"})
	defer dead.Close()
	srv := httptest.NewServer(ingress.NewMercadoPagoWebhook(mpSecret, dead, zerolog.Nop(), nil))
	defer srv.Close()
	id, reqID := "131000000999", uuid.NewString()
	code := postMP(t, srv.URL+"?data.id="+id+"&type=payment", []byte(`{"id":1,"type":"payment","data":{"id":"`+id+`"}}`),
		map[string]string{"X-Request-Id": reqID, "X-Signature": mercadopago.SignatureHeader(mpSecret, id, reqID, time.Now().UnixMilli())})
	if code != http.StatusServiceUnavailable {
		t.Fatalf("redis down: %d, want 503", code)
	}
}

// The chat could not make a link (Mercado Pago down) and told the guest it would follow: the
// reconciliation makes it once Mercado Pago answers and sends it, with amount and deadline.
func TestMissingLinkSentByReconciliation(t *testing.T) {
	e := startPayments(t, payOpts{})
	r := e.hold(t, payer, e.stay(30, 2))
	e.mp.FailAPI(1_000, http.StatusInternalServerError)
	if _, err := e.sys.Deps.PaymentLink(t.Context(), r); err == nil {
		t.Fatal("PaymentLink succeeded with Mercado Pago down")
	}
	e.clock.Advance(time.Minute)
	// Still down: nothing is sent, the pass fails and is retried by asynq later.
	if err := e.sys.Deps.ReconcilePayments(t.Context()); err == nil {
		t.Fatal("reconciliation reported success with Mercado Pago down")
	}
	if n := len(e.sys.RepliesTo(payer)); n != 0 {
		t.Fatalf("%d messages while Mercado Pago was down", n)
	}
	e.mp.FailAPI(0, 0)
	e.reconcile(t)
	msgs := e.sys.WaitReplies(t, payer, 1)
	prefs := e.mp.Preferences()
	if len(prefs) != 1 || prefs[0].ExternalReference != r.ID {
		t.Fatalf("preferences %+v", prefs)
	}
	mustContain(t, "link message", msgs[0].Text, prefs[0].InitPoint, conversation.Money(r.DepositCents), r.Code, "hasta ", " las ")
	e.reconcile(t)
	if n := len(e.sys.RepliesTo(payer)); n != 1 {
		t.Fatalf("%d link messages, want 1", n)
	}
	// The link works like any other.
	if _, err := e.mp.Pay(t.Context(), prefs[0].ID, mercadopagotest.PayOptions{}); err != nil {
		t.Fatal(err)
	}
	e.sys.WaitReplies(t, payer, 2)
	e.settle(t)
	if got := e.reservation(t, r.ID); got.Status != booking.StatusConfirmed {
		t.Fatalf("reservation %s", got.Status)
	}
}

// BenchmarkMercadoPagoWebhook measures a signed notification from POST to 200: signature check,
// parse and the payment:sync enqueue on the real Redis (each iteration a new notification).
func BenchmarkMercadoPagoWebhook(b *testing.B) {
	sys := handlerstest.Start(b, handlerstest.Options{NoWorker: true,
		Mount: func(r chi.Router, d *handlers.Deps) {
			r.Method(http.MethodPost, ingress.MercadoPagoWebhookPath, ingress.NewMercadoPagoWebhook(mpSecret, d.Queue, d.Log, nil))
		}})
	base := sys.Ingress.URL + ingress.MercadoPagoWebhookPath
	client := &http.Client{}
	for i := 0; b.Loop(); i++ {
		id := strconv.Itoa(131_000_000_000 + i)
		reqID := uuid.NewString()
		body := []byte(`{"action":"payment.created","api_version":"v1","data":{"id":"` + id + `"},"id":` + strconv.Itoa(i+1) + `,"live_mode":false,"type":"payment","user_id":1}`)
		req, _ := http.NewRequest(http.MethodPost, base+"?data.id="+id+"&type=payment", bytes.NewReader(body))
		req.Header.Set("X-Request-Id", reqID)
		req.Header.Set("X-Signature", mercadopago.SignatureHeader(mpSecret, id, reqID, time.Now().UnixMilli()))
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}
