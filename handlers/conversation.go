package handlers

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"

	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/handlers/conversation"
	"github.com/reservas/reservas/store"
)

// PaymentLinker makes the link to pay a hold's deposit. *Deps is one when payments.go is
// built in (Mercado Pago); it answers "" while Mercado Pago is not configured.
type PaymentLinker interface {
	PaymentLink(ctx context.Context, r store.Reservation) (url string, err error)
}

// respondAttempts is how many times a message whose answer failed (the database is down) is
// tried before the guest gets an apology instead of silence.
const respondAttempts = 3

// NewConversationResponder is the dialogue engine (package conversation) wired to the store:
// set it as d.Responder. Holds last Config.HoldMinutes; payment links come from d's
// PaymentLink when it has one; handoffs go to Config.OwnerPhone, who releases a guest by
// writing "liberar <last digits>".
func NewConversationResponder(d *Deps) Responder {
	linker, _ := any(d).(PaymentLinker)
	return newConversationResponder(d, linker)
}

// NewConversationResponderWithPayments is NewConversationResponder with an explicit payment
// linker (nil: the hold reply says the link will follow).
func NewConversationResponderWithPayments(d *Deps, payments PaymentLinker) Responder {
	return newConversationResponder(d, payments)
}

func newConversationResponder(d *Deps, payments PaymentLinker) *conversationResponder {
	r := &conversationResponder{d: d}
	a := &storeBooking{d: d, payments: payments}
	if d.Redis != nil {
		a.lock = store.NewRangeLock(d.Redis)
	}
	r.engine = &conversation.Engine{Booking: a, Loc: d.Config.BusinessTZ, CanHandoff: d.Config.OwnerPhone != ""}
	return r
}

type conversationResponder struct {
	d      *Deps
	engine *conversation.Engine
}

// Respond implements Responder.
func (cr *conversationResponder) Respond(ctx context.Context, turn Turn) ([]Reply, error) {
	d, msg := cr.d, turn.Msg
	if d.Config.OwnerPhone != "" && msg.WaID == d.Config.OwnerPhone && msg.Type == "text" {
		if replies, ok, err := cr.ownerCommand(ctx, turn); ok || err != nil {
			return replies, err
		}
	}
	if turn.Conv.BotPaused {
		return nil, nil // the owner is talking to this guest
	}
	st := conversation.LoadState(turn.Conv.State, turn.Conv.Language)
	name := msg.ProfileName
	if name == "" {
		name = turn.Conv.ProfileName
	}
	out, err := cr.engine.Handle(ctx, st, conversation.Input{
		Phone: msg.WaID, ProfileName: name, Type: msg.Type, Text: msg.Body, ReplyID: msg.ReplyID, Now: turn.Now,
	})
	if err != nil {
		if n, ok := asynq.GetRetryCount(ctx); !ok || n < respondAttempts-1 {
			return nil, fmt.Errorf("conversation: %w", err)
		}
		d.Log.Error().Err(err).Str("guest", maskPhone(msg.WaID)).Msg("conversation failed again; apologising to the guest")
		return []Reply{{Text: conversation.Apology(st.Lang)}}, nil
	}
	for _, p := range out.Problems {
		d.Log.Warn().Err(p).Str("guest", maskPhone(msg.WaID)).Msg("conversation problem hidden from the guest")
	}
	raw, err := out.State.Marshal()
	if err != nil {
		return nil, fmt.Errorf("conversation state: %w", err)
	}
	turn.Conv.State, turn.Conv.Language = raw, out.State.Lang
	replies := make([]Reply, 0, len(out.Replies)+1)
	for _, r := range out.Replies {
		replies = append(replies, Reply{Text: r.Text, Buttons: r.Buttons, List: r.List})
	}
	if out.Pause {
		turn.Conv.BotPaused = true
		d.Metrics.Event("handoff")
	}
	if out.OwnerNotice != "" && d.Config.OwnerPhone != "" && d.Config.OwnerPhone != msg.WaID {
		// A reply part like any other: sent once even if the message is handled again.
		replies = append(replies, Reply{To: d.Config.OwnerPhone, Text: out.OwnerNotice})
	}
	return replies, nil
}

// releaseCommand is the owner's "liberar 1234": hand a guest back to the bot.
var releaseCommand = regexp.MustCompile(`(?i)^\s*(?:liberar|liberá|libera|release|soltar|reactivar)\s*(?:a\s+)?(?:al\s+)?\+?(\d{3,15})?\s*[.!]?\s*$`)

// ownerCommand handles the owner's commands; ok is false for any other message, which then
// goes through the dialogue like anyone's (so the owner can try the bot).
func (cr *conversationResponder) ownerCommand(ctx context.Context, turn Turn) ([]Reply, bool, error) {
	m := releaseCommand.FindStringSubmatch(turn.Msg.Body)
	if m == nil {
		return nil, false, nil
	}
	paused, err := pausedConversations(ctx, turn.Tx, m[1])
	if err != nil {
		return nil, true, err
	}
	var list []string
	for _, p := range paused {
		s := maskPhone(p.WaID)
		if p.ProfileName != "" {
			if name := []rune(p.ProfileName); len(name) > 30 {
				s += " (" + string(name[:30]) + "…)"
			} else {
				s += " (" + p.ProfileName + ")"
			}
		}
		list = append(list, s)
	}
	switch {
	case len(paused) == 0 && m[1] == "":
		return []Reply{{Text: "No hay conversaciones en pausa: el bot está atendiendo a todos."}}, true, nil
	case len(paused) == 0:
		return []Reply{{Text: fmt.Sprintf("No encontré ninguna conversación en pausa que termine en %s.", m[1])}}, true, nil
	case m[1] == "" || len(paused) > 1:
		return []Reply{{Text: "En pausa: " + strings.Join(list, ", ") + ".\nMandame «liberar» con los últimos dígitos del que quieras devolverle al bot."}}, true, nil
	}
	guest := paused[0]
	if err := resumeConversation(ctx, turn.Tx, guest.WaID, turn.Now); err != nil {
		return nil, true, err
	}
	cr.d.Metrics.Event("handoff_released")
	return []Reply{
		{Text: fmt.Sprintf("Listo ✅ vuelvo a atender a %s.", list[0])},
		{To: guest.WaID, Text: conversation.Resumed(guest.Language)},
	}, true, nil
}

type pausedConversation struct {
	WaID, ProfileName, Language string
}

// pausedConversations lists the guests the bot is not answering, those whose number ends in
// suffix when it is given.
func pausedConversations(ctx context.Context, tx pgx.Tx, suffix string) ([]pausedConversation, error) {
	rows, err := tx.Query(ctx, `SELECT wa_id, profile_name, language FROM conversations
		WHERE bot_paused AND ($1 = '' OR right(wa_id, length($1)) = $1) ORDER BY updated_at DESC LIMIT 10`, suffix)
	if err != nil {
		return nil, fmt.Errorf("paused conversations: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pausedConversation, error) {
		var p pausedConversation
		return p, r.Scan(&p.WaID, &p.ProfileName, &p.Language)
	})
	if err != nil {
		return nil, fmt.Errorf("paused conversations: %w", err)
	}
	return out, nil
}

// resumeConversation hands a paused guest back to the bot. If a worker is handling that guest
// right now, this waits for it (its row lock), so the release is never overwritten.
func resumeConversation(ctx context.Context, tx pgx.Tx, waID string, now time.Time) error {
	if _, err := tx.Exec(ctx, `UPDATE conversations SET bot_paused = false, updated_at = $2 WHERE wa_id = $1`, waID, now); err != nil {
		return fmt.Errorf("resume conversation: %w", err)
	}
	return nil
}

// storeBooking is the engine's Booking on the store.
type storeBooking struct {
	d        *Deps
	lock     *store.RangeLock
	payments PaymentLinker
}

func (b *storeBooking) Cabins(ctx context.Context) ([]booking.Accommodation, error) {
	return b.d.Store.ListAccommodations(ctx)
}

func (b *storeBooking) Search(ctx context.Context, stay booking.Stay, today time.Time) (booking.SearchResult, error) {
	return b.d.Store.Search(ctx, stay, today)
}

func (b *storeBooking) SearchCabin(ctx context.Context, id int64, stay booking.Stay, today time.Time) (booking.SearchResult, error) {
	res, err := b.d.Store.SearchCabin(ctx, id, stay, today)
	if errors.Is(err, store.ErrNotFound) {
		return res, fmt.Errorf("%w: %w", conversation.ErrNotFound, err)
	}
	return res, err
}

func (b *storeBooking) Hold(ctx context.Context, req conversation.HoldRequest) (conversation.Reservation, error) {
	hold := time.Duration(b.d.Config.HoldMinutes) * time.Minute
	r, err := b.d.Store.PlaceHold(ctx, store.HoldRequest{
		AccommodationID: req.CabinID, Stay: req.Stay, GuestPhone: req.Phone, GuestName: req.Name,
		Language: req.Language, Source: "whatsapp", Now: req.Now, HoldFor: hold,
	}, b.lock)
	if errors.Is(err, store.ErrNotFound) {
		return conversation.Reservation{}, fmt.Errorf("%w: %w", conversation.ErrNotFound, err)
	}
	if err != nil {
		if errors.Is(err, booking.ErrDatesTaken) {
			b.d.Metrics.Event("hold_dates_taken")
		}
		return conversation.Reservation{}, err
	}
	b.d.Metrics.Event("hold_placed")
	return toConversationReservation(r), nil
}

func (b *storeBooking) Reservations(ctx context.Context, phone string) ([]conversation.Reservation, error) {
	rs, err := b.d.Store.GuestReservations(ctx, phone)
	if err != nil {
		return nil, err
	}
	out := make([]conversation.Reservation, 0, len(rs))
	for _, r := range rs {
		if r.Kind == booking.KindBooking {
			out = append(out, toConversationReservation(r))
		}
	}
	return out, nil
}

// Cancel cancels a guest's own live hold. Confirmed bookings are not cancelled from the chat
// (a refund is the owner's call): they come back as an invalid transition.
func (b *storeBooking) Cancel(ctx context.Context, phone, code string, now time.Time) (conversation.Reservation, error) {
	r, err := b.d.Store.ReservationByCode(ctx, code)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (r.GuestPhone != phone || r.Kind != booking.KindBooking)) {
		return conversation.Reservation{}, fmt.Errorf("cancel %s: %w", code, conversation.ErrNotFound)
	}
	if err != nil {
		return conversation.Reservation{}, err
	}
	if r.Status != booking.StatusPreReserved || (r.ExpiresAt != nil && !now.Before(*r.ExpiresAt)) {
		return toConversationReservation(r), fmt.Errorf("cancel %s (%s): %w", code, r.Status, booking.ErrInvalidTransition)
	}
	r, err = b.d.Store.CancelReservation(ctx, r.ID, now)
	if err != nil {
		return toConversationReservation(r), err
	}
	b.d.Metrics.Event("hold_cancelled_by_guest")
	return toConversationReservation(r), nil
}

func (b *storeBooking) PaymentLink(ctx context.Context, r conversation.Reservation) (string, error) {
	if b.payments == nil {
		return "", nil
	}
	sr, err := b.d.Store.GetReservation(ctx, r.ID)
	if err != nil {
		return "", err
	}
	return b.payments.PaymentLink(ctx, sr)
}

func toConversationReservation(r store.Reservation) conversation.Reservation {
	out := conversation.Reservation{
		ID: r.ID, Code: r.Code, CabinID: r.AccommodationID, CabinName: r.AccommodationName, Status: r.Status, CheckIn: r.CheckIn, CheckOut: r.CheckOut,
		Guests: r.Guests, TotalCents: r.TotalCents, DepositCents: r.DepositCents,
	}
	if r.ExpiresAt != nil {
		out.ExpiresAt = *r.ExpiresAt
	}
	return out
}
