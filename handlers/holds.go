package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/reservas/reservas/handlers/whatsapp"
	"github.com/reservas/reservas/store"
)

const (
	// expiryNoticeBatch bounds the guests one run tells; the rest wait for the next minute.
	expiryNoticeBatch = 100
	// staleExpiryNotice: a hold that expired longer ago than this (the worker was down) is
	// marked as told without a message, rather than surprising the guest hours later.
	staleExpiryNotice = 6 * time.Hour
)

// HandleHoldsExpire is the periodic hold sweep (holds:expire, every minute). It expires every
// hold whose time ran out, with an UPDATE guarded by status = 'pre_reserved' so that a hold
// confirmed an instant earlier is never touched, then tells each guest whose hold expired
// (whoever expired it), once. Two runs at the same time expire and notify each hold once.
// A temporary WhatsApp failure gives the notice back and fails the task, so it is retried.
func (d *Deps) HandleHoldsExpire(ctx context.Context, _ *asynq.Task) error {
	if d.Store == nil {
		return fmt.Errorf("holds:expire needs the store: %w", asynq.SkipRetry)
	}
	now := d.now()
	expired, err := d.Store.ExpireHolds(ctx, now)
	if err != nil {
		return err
	}
	for _, r := range expired {
		d.Log.Info().Str("code", r.Code).Int64("accommodation_id", r.AccommodationID).Msg("hold expired")
	}
	notices, err := d.Store.ClaimExpiryNotices(ctx, now, expiryNoticeBatch)
	if err != nil {
		return err
	}
	var failed []error
	for _, r := range notices {
		if err := d.tellHoldExpired(ctx, r, now); err != nil {
			if uerr := d.Store.UnclaimExpiryNotice(context.WithoutCancel(ctx), r.ID); uerr != nil {
				err = errors.Join(err, uerr)
			}
			failed = append(failed, fmt.Errorf("hold %s expiry notice: %w", r.Code, err))
			continue
		}
		d.Metrics.Event("hold_expired")
	}
	return errors.Join(failed...)
}

// tellHoldExpired messages the guest of an expired hold. It returns an error only when trying
// again later can help; a refusal for good (a wrong number, say) is logged and settled.
func (d *Deps) tellHoldExpired(ctx context.Context, r store.Reservation, now time.Time) error {
	if d.WhatsApp == nil || r.GuestPhone == "" || r.ExpiresAt == nil || now.Sub(*r.ExpiresAt) > staleExpiryNotice {
		return nil
	}
	err := d.Notify(ctx, r.GuestPhone, HoldExpiredMessage(r))
	var apiErr *whatsapp.APIError
	if err != nil && errors.As(err, &apiErr) && !apiErr.Temporary() {
		d.Log.Warn().Str("code", r.Code).Str("to", maskPhone(r.GuestPhone)).Int("whatsapp_code", apiErr.Code).
			Msg("expiry notice refused")
		return nil
	}
	return err
}

// HoldExpiredMessage is what the guest of an expired hold reads, in their language (Spanish,
// vos, unless the hold says "en" or "pt").
func HoldExpiredMessage(r store.Reservation) string {
	name := ""
	if f := strings.Fields(r.GuestName); len(f) > 0 {
		name = f[0]
	}
	switch r.GuestLanguage {
	case "en":
		hello := "Hi!"
		if name != "" {
			hello = "Hi " + name + "!"
		}
		return fmt.Sprintf("%s Your hold %s at %s (%s to %s) has expired because the deposit didn't arrive in time, "+
			"so the dates were released. If you'd still like to come, message us and we'll check whether they're still free.",
			hello, r.Code, r.AccommodationName, englishDate(r.CheckIn), englishDate(r.CheckOut))
	case "pt":
		hello := "Olá!"
		if name != "" {
			hello = "Olá, " + name + "!"
		}
		return fmt.Sprintf("%s A pré-reserva %s em %s (de %s a %s) expirou porque o sinal não chegou a tempo, "+
			"então liberamos as datas. Se ainda quiser vir, é só escrever que verificamos se continuam livres.",
			hello, r.Code, r.AccommodationName, shortDate(r.CheckIn, ptWeekdays), shortDate(r.CheckOut, ptWeekdays))
	default:
		hello := "¡Hola!"
		if name != "" {
			hello = "¡Hola, " + name + "!"
		}
		return fmt.Sprintf("%s Se venció la pre-reserva %s de %s (del %s al %s) porque no nos llegó la seña a tiempo, "+
			"así que liberamos las fechas. Si todavía querés venir, escribinos y nos fijamos si siguen libres.",
			hello, r.Code, r.AccommodationName, shortDate(r.CheckIn, esWeekdays), shortDate(r.CheckOut, esWeekdays))
	}
}

var (
	esWeekdays = [7]string{"dom", "lun", "mar", "mié", "jue", "vie", "sáb"}
	ptWeekdays = [7]string{"dom", "seg", "ter", "qua", "qui", "sex", "sáb"}
)

// shortDate writes a civil date the Argentine way: "vie 4/12".
func shortDate(d time.Time, weekdays [7]string) string {
	return fmt.Sprintf("%s %d/%d", weekdays[d.Weekday()], d.Day(), int(d.Month()))
}

func englishDate(d time.Time) string { return d.Format("Mon Jan 2") }
