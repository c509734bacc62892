package handlers_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	dto "github.com/prometheus/client_model/go"

	"github.com/reservas/reservas/handlers"
	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/handlers/handlerstest"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/tasks"
)

// holdsClock is the tests' "now": noon in Buenos Aires on Monday 2026-11-30.
var holdsClock = time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)

func expiredCount(sys *handlerstest.System) float64 {
	var m dto.Metric
	if err := sys.Deps.Metrics.Business.WithLabelValues("hold_expired").Write(&m); err != nil {
		return -1
	}
	return m.GetCounter().GetValue()
}

func placeHold(t *testing.T, st *store.Store, cabin int64, in int, phone, name, lang string) store.Reservation {
	t.Helper()
	r, err := st.PlaceHold(t.Context(), store.HoldRequest{
		AccommodationID: cabin, GuestPhone: phone, GuestName: name, Language: lang,
		Stay: booking.Stay{CheckIn: booking.Date(2026, 12, in), CheckOut: booking.Date(2026, 12, in+2), Guests: 2},
		Now:  holdsClock, HoldFor: 30 * time.Minute,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func demoCabin(t *testing.T, st *store.Store) int64 {
	t.Helper()
	id, err := st.UpsertAccommodation(t.Context(), booking.Accommodation{Name: "Cabaña Coihue", Capacity: 4, NightlyRateCents: 7_000_000})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestHoldsExpireSweepTellsEachGuestOnce(t *testing.T) {
	sweepAt := holdsClock.Add(31 * time.Minute)
	sys := handlerstest.Start(t, handlerstest.Options{NoWorker: true, Configure: func(d *handlers.Deps) {
		d.Now = func() time.Time { return sweepAt }
	}})
	ctx := t.Context()
	cabin := demoCabin(t, sys.Store)
	es := placeHold(t, sys.Store, cabin, 4, "5491150000001", "Ana Pérez", "es")
	en := placeHold(t, sys.Store, cabin, 8, "5491150000002", "John", "en")
	silent := placeHold(t, sys.Store, cabin, 12, "", "", "es") // placed by the owner, no phone
	paid := placeHold(t, sys.Store, cabin, 16, "5491150000003", "Eva", "es")
	if _, err := sys.Store.ConfirmReservation(ctx, paid.ID, holdsClock.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	fresh, err := sys.Store.PlaceHold(ctx, store.HoldRequest{AccommodationID: cabin, GuestPhone: "5491150000004",
		Stay: booking.Stay{CheckIn: booking.Date(2026, 12, 20), CheckOut: booking.Date(2026, 12, 22), Guests: 2},
		Now:  holdsClock.Add(20 * time.Minute), HoldFor: 30 * time.Minute}, nil)
	if err != nil {
		t.Fatal(err)
	}

	if err := sys.Deps.HandleHoldsExpire(ctx, tasks.NewPeriodic(tasks.TypeHoldsExpire, sweepAt, time.Minute, tasks.QueueDefault)); err != nil {
		t.Fatalf("sweep: %v", err)
	}
	for _, want := range []struct {
		r      store.Reservation
		status string
	}{{es, booking.StatusExpired}, {en, booking.StatusExpired}, {silent, booking.StatusExpired},
		{paid, booking.StatusConfirmed}, {fresh, booking.StatusPreReserved}} {
		got, err := sys.Store.GetReservation(ctx, want.r.ID)
		if err != nil || got.Status != want.status {
			t.Errorf("hold %s: %s, %v; want %s", want.r.Code, got.Status, err, want.status)
		}
	}
	toEs := sys.RepliesTo(es.GuestPhone)
	if len(toEs) != 1 || !strings.Contains(toEs[0].Text, "Se venció la pre-reserva "+es.Code+" de Cabaña Coihue (del vie 4/12 al dom 6/12)") ||
		!strings.HasPrefix(toEs[0].Text, "¡Hola, Ana!") {
		t.Errorf("Spanish notice: %+v", toEs)
	}
	toEn := sys.RepliesTo(en.GuestPhone)
	if len(toEn) != 1 || !strings.Contains(toEn[0].Text, "Your hold "+en.Code+" at Cabaña Coihue (Tue Dec 8 to Thu Dec 10) has expired") {
		t.Errorf("English notice: %+v", toEn)
	}
	if n := len(sys.RepliesTo(paid.GuestPhone)) + len(sys.RepliesTo(fresh.GuestPhone)); n != 0 {
		t.Errorf("%d messages to guests whose hold did not expire", n)
	}
	if got := expiredCount(sys); got != 3 {
		t.Errorf("hold_expired = %v, want 3", got)
	}

	// The next minute's run finds nothing new to expire or tell.
	sweepAt = sweepAt.Add(time.Minute)
	if err := sys.Deps.HandleHoldsExpire(ctx, asynq.NewTask(tasks.TypeHoldsExpire, nil)); err != nil {
		t.Fatal(err)
	}
	if n := len(sys.Graph.Sent()); n != 2 {
		t.Errorf("%d messages after the second run, want still 2", n)
	}
	if got := expiredCount(sys); got != 3 {
		t.Errorf("hold_expired = %v after the second run, want 3", got)
	}
}

func TestHoldsExpireNotifiesHoldsExpiredElsewhere(t *testing.T) {
	sweepAt := holdsClock.Add(40 * time.Minute)
	sys := handlerstest.Start(t, handlerstest.Options{NoWorker: true, Configure: func(d *handlers.Deps) {
		d.Now = func() time.Time { return sweepAt }
	}})
	ctx := t.Context()
	cabin := demoCabin(t, sys.Store)
	stale := placeHold(t, sys.Store, cabin, 4, "5491150000011", "Luz", "pt")
	// Another guest asks for those dates after the hold ran out, before any sweep.
	if _, err := sys.Store.PlaceHold(ctx, store.HoldRequest{AccommodationID: cabin, GuestPhone: "5491150000012",
		Stay: booking.Stay{CheckIn: booking.Date(2026, 12, 4), CheckOut: booking.Date(2026, 12, 6), Guests: 2},
		Now:  holdsClock.Add(35 * time.Minute)}, nil); err != nil {
		t.Fatal(err)
	}
	if err := sys.Deps.HandleHoldsExpire(ctx, asynq.NewTask(tasks.TypeHoldsExpire, nil)); err != nil {
		t.Fatal(err)
	}
	got := sys.RepliesTo(stale.GuestPhone)
	if len(got) != 1 || !strings.Contains(got[0].Text, "A pré-reserva "+stale.Code+" em Cabaña Coihue (de sex 4/12 a dom 6/12) expirou") {
		t.Errorf("Portuguese notice: %+v", got)
	}
	if c := expiredCount(sys); c != 1 {
		t.Errorf("hold_expired = %v, want 1", c)
	}
}

func TestHoldsExpireRetriesWhenWhatsAppIsDown(t *testing.T) {
	sweepAt := holdsClock.Add(31 * time.Minute)
	sys := handlerstest.Start(t, handlerstest.Options{NoWorker: true, Configure: func(d *handlers.Deps) {
		d.Now = func() time.Time { return sweepAt }
	}})
	ctx := t.Context()
	cabin := demoCabin(t, sys.Store)
	h := placeHold(t, sys.Store, cabin, 4, "5491150000021", "Ana", "es")
	sys.Graph.FailNext(10, 503, 2) // more than the client's own retries
	err := sys.Deps.HandleHoldsExpire(ctx, asynq.NewTask(tasks.TypeHoldsExpire, nil))
	if err == nil {
		t.Fatal("a temporary WhatsApp failure must fail the task so it is retried")
	}
	if r, _ := sys.Store.GetReservation(ctx, h.ID); r.Status != booking.StatusExpired || r.ExpiryNotifiedAt != nil {
		t.Errorf("after the failed notice: status %s, notified %v", r.Status, r.ExpiryNotifiedAt)
	}
	if c := expiredCount(sys); c != 0 {
		t.Errorf("hold_expired = %v before the guest was told", c)
	}
	sys.Graph.FailNext(0, 0, 0)
	if err := sys.Deps.HandleHoldsExpire(ctx, asynq.NewTask(tasks.TypeHoldsExpire, nil)); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if got := sys.RepliesTo(h.GuestPhone); len(got) != 1 {
		t.Errorf("messages after the retry: %d", len(got))
	}
	if c := expiredCount(sys); c != 1 {
		t.Errorf("hold_expired = %v, want 1", c)
	}

	// A refusal for good (the number is not on WhatsApp) is settled, not retried forever.
	h2 := placeHold(t, sys.Store, cabin, 10, "5491150000022", "Bea", "es")
	sys.Graph.FailNext(1, 400, 131026)
	if err := sys.Deps.HandleHoldsExpire(ctx, asynq.NewTask(tasks.TypeHoldsExpire, nil)); err != nil {
		t.Fatalf("a permanent refusal must not fail the task: %v", err)
	}
	if r, _ := sys.Store.GetReservation(ctx, h2.ID); r.ExpiryNotifiedAt == nil {
		t.Error("the refused notice must be settled")
	}
}

func TestHoldsExpireRunsOnceThroughTheQueue(t *testing.T) {
	sweepAt := holdsClock.Add(31 * time.Minute)
	sys := handlerstest.Start(t, handlerstest.Options{Workers: 2, Configure: func(d *handlers.Deps) {
		d.Now = func() time.Time { return sweepAt }
	}})
	cabin := demoCabin(t, sys.Store)
	var holds []store.Reservation
	for i := range 6 {
		holds = append(holds, placeHold(t, sys.Store, cabin, 1+3*i, "54911500001"+string(rune('0'+i)), "", "es"))
	}
	// Two schedulers enqueue the same minute: the second is refused by the task id.
	period := time.Now().Truncate(time.Minute)
	if _, err := sys.Queue.Enqueue(tasks.NewPeriodic(tasks.TypeHoldsExpire, period, time.Minute, tasks.QueueDefault)); err != nil {
		t.Fatal(err)
	}
	_, err := sys.Queue.Enqueue(tasks.NewPeriodic(tasks.TypeHoldsExpire, period, time.Minute, tasks.QueueDefault))
	if !errors.Is(err, asynq.ErrTaskIDConflict) && !errors.Is(err, asynq.ErrDuplicateTask) {
		t.Fatalf("second scheduler: %v", err)
	}
	for _, h := range holds {
		sys.WaitReplies(t, h.GuestPhone, 1)
	}
	// Two sweeps racing (a retried run overlapping the next minute's) tell nobody twice.
	ctx := t.Context()
	more := placeHold(t, sys.Store, cabin, 25, "5491150000199", "", "es")
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { _ = sys.Deps.HandleHoldsExpire(ctx, asynq.NewTask(tasks.TypeHoldsExpire, nil)) })
	}
	wg.Wait()
	sys.WaitIdle(t)
	for _, h := range append(holds, more) {
		if got := sys.RepliesTo(h.GuestPhone); len(got) != 1 {
			t.Errorf("guest of %s got %d messages, want 1", h.Code, len(got))
		}
	}
	if c := expiredCount(sys); c != 7 {
		t.Errorf("hold_expired = %v, want 7", c)
	}
}

func TestHoldExpiredMessage(t *testing.T) {
	r := store.Reservation{Code: "ABC234", AccommodationName: "Cabaña Lenga",
		CheckIn: booking.Date(2027, 1, 1), CheckOut: booking.Date(2027, 1, 4)}
	for lang, want := range map[string]string{
		"":   "¡Hola! Se venció la pre-reserva ABC234 de Cabaña Lenga (del vie 1/1 al lun 4/1) porque no nos llegó la seña a tiempo, así que liberamos las fechas. Si todavía querés venir, escribinos y nos fijamos si siguen libres.",
		"en": "Hi! Your hold ABC234 at Cabaña Lenga (Fri Jan 1 to Mon Jan 4) has expired",
		"pt": "Olá! A pré-reserva ABC234 em Cabaña Lenga (de sex 1/1 a seg 4/1) expirou",
	} {
		r.GuestLanguage = lang
		if got := handlers.HoldExpiredMessage(r); !strings.HasPrefix(got, want) {
			t.Errorf("%q:\n got %s\nwant %s...", lang, got, want)
		}
	}
}
