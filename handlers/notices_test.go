package handlers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/handlers/handlerstest"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/tasks"
)

// An owner's change from the admin reaches the guest once, in the guest's language.
func TestOwnerActionsAreToldToTheGuest(t *testing.T) {
	sys := handlerstest.Start(t, handlerstest.Options{})
	ctx := context.Background()
	acc, err := sys.Store.UpsertAccommodation(ctx, booking.Accommodation{Name: "Cabaña Test", Capacity: 4, NightlyRateCents: 5_000_000})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	in := booking.DateOf(now.In(sys.Deps.Config.BusinessTZ)).AddDate(0, 0, 20)
	hold := func(phone, lang string, days int) store.Reservation {
		r, err := sys.Store.PlaceHold(ctx, store.HoldRequest{AccommodationID: acc, GuestPhone: phone, GuestName: "G", Language: lang,
			Stay: booking.Stay{CheckIn: in.AddDate(0, 0, days), CheckOut: in.AddDate(0, 0, days+2), Guests: 2}, Now: now, HoldFor: 30 * time.Minute}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	es, en := hold("5491155551111", "es", 0), hold("5491155552222", "en", 5)
	for _, n := range []tasks.ReservationNotice{
		{ReservationID: es.ID, Event: tasks.NoticeCancelledByOwner},
		{ReservationID: es.ID, Event: tasks.NoticeCancelledByOwner}, // a double click
		{ReservationID: en.ID, Event: tasks.NoticeConfirmedByOwner},
	} {
		task, err := tasks.NewReservationNotice(n)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = sys.Queue.EnqueueContext(ctx, task)
	}
	got := sys.WaitReplies(t, "5491155551111", 1)
	if !strings.Contains(got[0].Text, "fue cancelada por el dueño") || !strings.Contains(got[0].Text, es.Code) {
		t.Fatalf("spanish notice: %q", got[0].Text)
	}
	got = sys.WaitReplies(t, "5491155552222", 1)
	if !strings.Contains(got[0].Text, "is confirmed") || !strings.Contains(got[0].Text, en.Code) {
		t.Fatalf("english notice: %q", got[0].Text)
	}
	sys.WaitIdle(t)
	if n := len(sys.RepliesTo("5491155551111")); n != 1 {
		t.Fatalf("guest told %d times, want once", n)
	}
}
