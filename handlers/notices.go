package handlers

import (
	"context"
	"errors"
	"fmt"

	"github.com/hibiken/asynq"

	"github.com/reservas/reservas/handlers/conversation"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/tasks"
)

// HandleReservationNotice tells the guest, in their language, that the owner confirmed or
// cancelled their reservation from the admin.
func (d *Deps) HandleReservationNotice(ctx context.Context, t *asynq.Task) error {
	var p tasks.ReservationNotice
	if err := tasks.Decode(t, &p); err != nil {
		return err
	}
	r, err := d.Store.GetReservation(ctx, p.ReservationID)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("reservation %s: %w", p.ReservationID, asynq.SkipRetry)
	}
	if err != nil {
		return err
	}
	if r.GuestPhone == "" {
		return nil // a block or a booking without a WhatsApp guest
	}
	text, ok := ownerActionText(r, p.Event)
	if !ok {
		return fmt.Errorf("unknown notice %q: %w", p.Event, asynq.SkipRetry)
	}
	d.Metrics.Event("owner_" + p.Event)
	return d.Notify(ctx, r.GuestPhone, text)
}

func ownerActionText(r store.Reservation, event string) (string, bool) {
	stay := conversation.StayText(r.GuestLanguage, r.CheckIn, r.CheckOut)
	switch event {
	case tasks.NoticeConfirmedByOwner:
		switch r.GuestLanguage {
		case "en":
			return fmt.Sprintf("✅ Your booking *%s* at %s, %s, is confirmed. See you soon!", r.Code, r.AccommodationName, stay), true
		case "pt":
			return fmt.Sprintf("✅ Sua reserva *%s* em %s, %s, está confirmada. Até breve!", r.Code, r.AccommodationName, stay), true
		}
		return fmt.Sprintf("✅ Tu reserva *%s* en %s, %s, quedó confirmada. ¡Te esperamos!", r.Code, r.AccommodationName, stay), true
	case tasks.NoticeCancelledByOwner:
		switch r.GuestLanguage {
		case "en":
			return fmt.Sprintf("Your booking *%s* at %s, %s, was cancelled by the owner. Write to us if you have any questions.", r.Code, r.AccommodationName, stay), true
		case "pt":
			return fmt.Sprintf("Sua reserva *%s* em %s, %s, foi cancelada pelo proprietário. Escreva se tiver alguma dúvida.", r.Code, r.AccommodationName, stay), true
		}
		return fmt.Sprintf("Tu reserva *%s* en %s, %s, fue cancelada por el dueño. Si tenés alguna duda, escribinos.", r.Code, r.AccommodationName, stay), true
	}
	return "", false
}
