package store

import (
	"context"
	crand "crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/reservas/reservas/handlers/booking"
)

// Reservation is one occupancy of a cabin: a guest's hold or booking, or a block.
type Reservation struct {
	ID                string         `json:"id"`   // random UUID: the unguessable key
	Code              string         `json:"code"` // six characters people quote
	AccommodationID   int64          `json:"accommodation_id"`
	AccommodationName string         `json:"accommodation_name"`
	Kind              string         `json:"kind"`   // booking.Kind*
	Status            string         `json:"status"` // booking.Status*
	CheckIn           time.Time      `json:"check_in"`
	CheckOut          time.Time      `json:"check_out"`
	BlockedUntil      time.Time      `json:"blocked_until"` // CheckOut + the cabin's buffer
	Guests            int            `json:"guests"`
	GuestPhone        string         `json:"guest_phone,omitempty"`
	GuestName         string         `json:"guest_name,omitempty"`
	GuestLanguage     string         `json:"guest_language"`
	TotalCents        int64          `json:"total_cents"`
	DepositCents      int64          `json:"deposit_cents"`
	Quote             *booking.Quote `json:"quote,omitempty"` // the price as quoted when held
	Source            string         `json:"source"`
	Note              string         `json:"note,omitempty"`
	ExpiresAt         *time.Time     `json:"expires_at,omitempty"`
	ConfirmedAt       *time.Time     `json:"confirmed_at,omitempty"`
	CancelledAt       *time.Time     `json:"cancelled_at,omitempty"`
	ExpiryNotifiedAt  *time.Time     `json:"expiry_notified_at,omitempty"`
	CreatedAt         time.Time      `json:"created_at"`
	UpdatedAt         time.Time      `json:"updated_at"`
}

// BalanceCents is what remains to pay after the deposit.
func (r Reservation) BalanceCents() int64 { return r.TotalCents - r.DepositCents }

// Stay is the reservation's nights and party.
func (r Reservation) Stay() booking.Stay {
	return booking.Stay{CheckIn: r.CheckIn, CheckOut: r.CheckOut, Guests: r.Guests}
}

// Active reports whether the reservation occupies its dates.
func (r Reservation) Active() bool { return booking.IsActive(r.Status) }

// reservationColumns reads a reservation r joined with its accommodation a.
const reservationColumns = `r.id::text, r.code, r.accommodation_id, a.name, r.kind, r.status, r.check_in, r.check_out,
	r.blocked_until, r.guests, COALESCE(r.guest_phone, ''), COALESCE(r.guest_name, ''), r.guest_language,
	r.total_cents, r.deposit_cents, r.quote, r.source, r.note, r.expires_at, r.confirmed_at, r.cancelled_at,
	r.expiry_notified_at, r.created_at, r.updated_at`

func scanReservation(row pgx.Row) (Reservation, error) {
	var (
		r     Reservation
		quote []byte
	)
	err := row.Scan(&r.ID, &r.Code, &r.AccommodationID, &r.AccommodationName, &r.Kind, &r.Status, &r.CheckIn, &r.CheckOut,
		&r.BlockedUntil, &r.Guests, &r.GuestPhone, &r.GuestName, &r.GuestLanguage,
		&r.TotalCents, &r.DepositCents, &quote, &r.Source, &r.Note, &r.ExpiresAt, &r.ConfirmedAt, &r.CancelledAt,
		&r.ExpiryNotifiedAt, &r.CreatedAt, &r.UpdatedAt)
	if err != nil {
		return Reservation{}, err
	}
	if len(quote) > 0 && string(quote) != "null" {
		var q booking.Quote
		if err := json.Unmarshal(quote, &q); err != nil {
			return Reservation{}, fmt.Errorf("decode reservation %s quote: %w", r.Code, err)
		}
		r.Quote = &q
	}
	return r, nil
}

func collectReservations(rows pgx.Rows, err error) ([]Reservation, error) {
	if err != nil {
		return nil, MapError(err)
	}
	defer rows.Close()
	out := []Reservation{}
	for rows.Next() {
		r, err := scanReservation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, MapError(err)
	}
	return out, nil
}

// HoldRequest asks to hold a cabin's dates for a guest.
type HoldRequest struct {
	AccommodationID int64
	Stay            booking.Stay
	GuestPhone      string // WhatsApp wa_id (digits); counts against booking.MaxActiveHoldsPerGuest
	GuestName       string
	Language        string // "es" (default), "en", "pt"
	Source          string // "whatsapp" (default), "admin", ...
	// Now is the clock; today (for "dates in the past") is its date in the cabin's time zone.
	Now time.Time
	// HoldFor is how long the hold keeps the dates; zero means booking.DefaultHoldMinutes.
	HoldFor time.Duration
	// Replaces is the id of this guest's live hold that the new one replaces (the guest
	// changed dates or party). It is cancelled in the same transaction as the new hold is
	// inserted, so its nights never go to someone else in between, and it stays if the new
	// hold fails.
	Replaces string
}

// PlaceHold holds the dates for a guest: it checks the stay (past dates, capacity, minimum
// nights: a *booking.StayError), quotes it, and inserts a pre_reserved reservation expiring
// at Now + HoldFor. Holds on those dates that already ran out are expired on the way.
//
// The exclusion constraint decides: dates occupied, or taken by a concurrent hold, come back
// as booking.ErrDatesTaken (also matching ErrConflict). lock, when not nil, keeps racing guests
// off the database: they wait their turn for the overlapping nights; if Redis is down or the
// wait runs out the hold goes ahead, guarded by Postgres alone.
//
// With Replaces, the guest's old hold does not stand in the way of the new one; if it is no
// longer a live hold of this guest (paid, cancelled, expired), the result is
// booking.ErrInvalidTransition.
//
// Asking again for a hold the guest already has (same cabin, dates and guests, not expired,
// e.g. a retried task) returns that hold instead of a conflict. An unknown or withdrawn cabin
// is ErrNotFound; a guest with booking.MaxActiveHoldsPerGuest live holds gets
// booking.ErrTooManyHolds.
func (s *Store) PlaceHold(ctx context.Context, req HoldRequest, lock *RangeLock) (Reservation, error) {
	if req.Now.IsZero() {
		return Reservation{}, errors.New("place hold: Now is required")
	}
	if req.Replaces != "" {
		if _, err := uuid.Parse(req.Replaces); err != nil || req.GuestPhone == "" {
			return Reservation{}, fmt.Errorf("place hold: replace %q: %w", req.Replaces, booking.ErrInvalidTransition)
		}
	}
	holdFor := req.HoldFor
	if holdFor <= 0 {
		holdFor = booking.DefaultHoldMinutes * time.Minute
	}
	acc, active, err := s.getAccommodation(ctx, s.Pool, `id = $1`, req.AccommodationID)
	if err != nil {
		return Reservation{}, fmt.Errorf("place hold: %w", err)
	}
	if !active {
		return Reservation{}, fmt.Errorf("place hold: accommodation %d is withdrawn: %w", acc.ID, ErrNotFound)
	}
	loc, err := acc.Location()
	if err != nil {
		return Reservation{}, fmt.Errorf("place hold: %w", err)
	}
	if err := booking.ValidateStay(req.Stay, booking.Today(req.Now, loc)); err != nil {
		return Reservation{}, fmt.Errorf("place hold: %w", err)
	}
	quote, err := booking.QuoteStay(acc, req.Stay)
	if err != nil {
		return Reservation{}, fmt.Errorf("place hold: %w", err)
	}
	if req.GuestPhone != "" {
		// A retried task asking again for the hold it already got gets that hold back.
		if r, err := s.sameLiveHold(ctx, req); err == nil || !errors.Is(err, ErrNotFound) {
			return r, err
		}
		var live int
		if err := s.Pool.QueryRow(ctx, `SELECT count(*) FROM reservations
			WHERE guest_phone = $1 AND status = 'pre_reserved' AND expires_at > $2 AND id::text <> $3`,
			req.GuestPhone, req.Now, req.Replaces).Scan(&live); err != nil {
			return Reservation{}, fmt.Errorf("place hold: count guest holds: %w", MapError(err))
		}
		if live >= booking.MaxActiveHoldsPerGuest {
			return Reservation{}, fmt.Errorf("place hold: %w", booking.ErrTooManyHolds)
		}
	}
	quoteJSON, err := json.Marshal(quote)
	if err != nil {
		return Reservation{}, fmt.Errorf("place hold: encode quote: %w", err)
	}
	blockedUntil := booking.AddDays(req.Stay.CheckOut, acc.BufferDays)
	if err := s.checkFree(ctx, "place hold", acc.ID, req.Stay.CheckIn, blockedUntil, req.Now, req.Replaces); err != nil {
		return s.sameHoldOr(ctx, req, err)
	}
	if lock != nil {
		lease, err := lock.Acquire(ctx, acc.ID, req.Stay.CheckIn, blockedUntil, func(ctx context.Context) error {
			return s.checkFree(ctx, "place hold", acc.ID, req.Stay.CheckIn, blockedUntil, req.Now, req.Replaces)
		})
		switch {
		case err == nil:
			defer func() { _ = lease.Release(ctx) }()
		case errors.Is(err, booking.ErrDatesTaken):
			return s.sameHoldOr(ctx, req, err) // the guest we waited for took the dates
		case ctx.Err() != nil:
			return Reservation{}, fmt.Errorf("place hold: %w", ctx.Err())
		default:
			// Busy for the whole wait, or Redis unreachable: Postgres alone decides.
		}
	}
	expires := req.Now.Add(holdFor)
	language := cmpOr(req.Language, "es")
	source := cmpOr(req.Source, "whatsapp")
	r, err := s.insertOccupancy(ctx, "place hold", func(tx pgx.Tx, id, code string) pgx.Row {
		if req.Replaces != "" {
			tag, err := tx.Exec(ctx, `UPDATE reservations SET status = 'cancelled', cancelled_at = $3, updated_at = $3
				WHERE id = $1 AND guest_phone = $2 AND kind = 'booking' AND status = 'pre_reserved' AND expires_at > $3`,
				req.Replaces, req.GuestPhone, req.Now)
			if err != nil {
				return errRow{MapError(err)}
			}
			if tag.RowsAffected() == 0 {
				return errRow{fmt.Errorf("hold %s is not a live hold of this guest: %w", req.Replaces, booking.ErrInvalidTransition)}
			}
		}
		return tx.QueryRow(ctx, `
			WITH ins AS (
				INSERT INTO reservations (id, code, accommodation_id, kind, status, check_in, check_out, blocked_until,
					guests, guest_phone, guest_name, guest_language, total_cents, deposit_cents, quote, source,
					expires_at, created_at, updated_at)
				VALUES ($1, $2, $3, 'booking', 'pre_reserved', $4, $5, $6, $7, NULLIF($8, ''), NULLIF($9, ''), $10,
					$11, $12, $13, $14, $15, $16, $16)
				RETURNING *)
			SELECT `+reservationColumns+` FROM ins r JOIN accommodations a ON a.id = r.accommodation_id`,
			id, code, acc.ID, req.Stay.CheckIn, req.Stay.CheckOut, blockedUntil, req.Stay.Guests,
			req.GuestPhone, req.GuestName, language, quote.TotalCents, quote.DepositCents, quoteJSON, source,
			expires, req.Now)
	}, acc.ID, req.Stay.CheckIn, blockedUntil, req.Now)
	if err != nil {
		return s.sameHoldOr(ctx, req, err)
	}
	return r, nil
}

// sameHoldOr returns the guest's identical live hold when err says the dates are taken (the
// same request sent twice at once: the other copy won, for this very guest), else err.
func (s *Store) sameHoldOr(ctx context.Context, req HoldRequest, err error) (Reservation, error) {
	if errors.Is(err, booking.ErrDatesTaken) && req.GuestPhone != "" {
		if same, serr := s.sameLiveHold(ctx, req); serr == nil {
			return same, nil
		}
	}
	return Reservation{}, err
}

// checkFree is the cheap first look: a plain read of what occupies the nights [start, until)
// (holds that ran out by now do not count). Dates already taken fail fast, without queueing
// on any lock; free dates still go through the locks and the constraint, which decide.
// except is the id of a reservation not to count (one being replaced), or "".
func (s *Store) checkFree(ctx context.Context, op string, accID int64, start, until, now time.Time, except string) error {
	var taken bool
	err := s.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM reservations
		WHERE accommodation_id = $1 AND active AND NOT (status = 'pre_reserved' AND expires_at <= $4)
		  AND daterange(check_in, blocked_until, '[)') && daterange($2, $3, '[)') AND id::text <> $5)`,
		accID, start, until, now, except).Scan(&taken)
	if err != nil {
		return fmt.Errorf("%s: check dates: %w", op, MapError(err))
	}
	if taken {
		return fmt.Errorf("%s: %w: %w", op, booking.ErrDatesTaken, ErrConflict)
	}
	return nil
}

// sameLiveHold finds the guest's unexpired hold of exactly this cabin, dates and party.
func (s *Store) sameLiveHold(ctx context.Context, req HoldRequest) (Reservation, error) {
	r, err := scanReservation(s.Pool.QueryRow(ctx, `SELECT `+reservationColumns+`
		FROM reservations r JOIN accommodations a ON a.id = r.accommodation_id
		WHERE r.accommodation_id = $1 AND r.guest_phone = $2 AND r.check_in = $3 AND r.check_out = $4
		  AND r.guests = $5 AND r.kind = 'booking' AND r.status = 'pre_reserved' AND r.expires_at > $6`,
		req.AccommodationID, req.GuestPhone, req.Stay.CheckIn, req.Stay.CheckOut, req.Stay.Guests, req.Now))
	if err != nil {
		return Reservation{}, fmt.Errorf("place hold: find the same hold: %w", MapError(err))
	}
	return r, nil
}

// insertOccupancy runs insert in a transaction that first expires the holds of the cabin
// that ran out by now and overlap [start, until), retrying with a new code on the rare code
// collision. An exclusion violation comes back as booking.ErrDatesTaken.
func (s *Store) insertOccupancy(ctx context.Context, op string, insert func(tx pgx.Tx, id, code string) pgx.Row,
	accID int64, start, until, now time.Time) (Reservation, error) {
	for attempt := 0; ; attempt++ {
		code, err := booking.NewHoldCode(crand.Reader)
		if err != nil {
			return Reservation{}, fmt.Errorf("%s: %w", op, err)
		}
		id, err := uuid.NewRandom()
		if err != nil {
			return Reservation{}, fmt.Errorf("%s: reservation id: %w", op, err)
		}
		var r Reservation
		err = s.InTx(ctx, func(tx pgx.Tx) error {
			// Take the cabin's nights in ascending order (transaction advisory locks, released
			// at commit): inserts for overlapping dates queue here instead of deadlocking on
			// the exclusion constraint, and disjoint dates still go in parallel.
			if _, err := tx.Exec(ctx, `SELECT count(pg_advisory_xact_lock($1, d::int))
				FROM generate_series($2::bigint, $3::bigint - 1) AS d`,
				int32(accID), epochDay(start), epochDay(until)); err != nil {
				return fmt.Errorf("lock nights: %w", MapError(err))
			}
			if _, err := tx.Exec(ctx, `UPDATE reservations SET status = 'expired', updated_at = $4
				WHERE accommodation_id = $1 AND status = 'pre_reserved' AND expires_at <= $4
				  AND daterange(check_in, blocked_until, '[)') && daterange($2, $3, '[)')`, accID, start, until, now); err != nil {
				return fmt.Errorf("expire stale holds: %w", MapError(err))
			}
			var err error
			r, err = scanReservation(insert(tx, id.String(), code))
			return MapError(err)
		})
		switch {
		case err == nil:
			return r, nil
		case errors.Is(err, ErrConflict):
			return Reservation{}, fmt.Errorf("%s: %w: %w", op, booking.ErrDatesTaken, err)
		case isDeadlock(err) && attempt < maxDeadlockRetries:
			// Two inserts racing for overlapping dates each saw the other's index entry and
			// waited for it; Postgres aborted one (only possible against a writer that skips
			// the night locks above). Trying again gets the real answer: the survivor's row
			// (taken) or, if it failed after all, free dates.
			time.Sleep(time.Duration(1+mrand.IntN(5*(attempt+1))) * time.Millisecond)
			continue
		case isDeadlock(err):
			return Reservation{}, fmt.Errorf("%s: %w: %w", op, booking.ErrDatesTaken, err)
		case errors.Is(err, ErrDuplicate) && strings.Contains(err.Error(), "reservations_code_key") && attempt < 5:
			continue // another reservation has this code: draw again
		default:
			return Reservation{}, fmt.Errorf("%s: %w", op, err)
		}
	}
}

// epochDay numbers a civil date: days since 1970-01-01.
func epochDay(d time.Time) int64 { return d.Unix() / 86400 }

// maxDeadlockRetries bounds the retries of an insert chosen as a deadlock victim.
const maxDeadlockRetries = 5

// isDeadlock reports a deadlock_detected error. Concurrent inserts under an exclusion
// constraint can deadlock (unlike a unique index, a GiST exclusion check waits for the other
// transaction after both entries are in), so under contention some losers get 40P01
// instead of 23P01.
func isDeadlock(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "40P01"
}

// BlockRequest closes a cabin's nights [Start, End) outside any guest booking.
type BlockRequest struct {
	AccommodationID int64
	Kind            string // booking.KindManualBlock or booking.KindImportedBlock
	Start, End      time.Time
	Source          string // "owner", "admin", "airbnb", ...
	Note            string
	// Now is the clock; zero means the database's.
	Now time.Time
}

// AddBlock inserts a confirmed block. The cabin's buffer applies after it like after any
// stay. Overlapping an occupancy is booking.ErrDatesTaken (and ErrConflict): a block never
// silently overrides a guest's booking.
func (s *Store) AddBlock(ctx context.Context, req BlockRequest) (Reservation, error) {
	if req.Kind != booking.KindManualBlock && req.Kind != booking.KindImportedBlock {
		return Reservation{}, fmt.Errorf("add block: kind %q is not a block", req.Kind)
	}
	if !booking.IsDate(req.Start) || !booking.IsDate(req.End) || !req.End.After(req.Start) {
		return Reservation{}, fmt.Errorf("add block: %w", &booking.StayError{Reason: booking.ReasonCheckoutBeforeCheckin})
	}
	acc, _, err := s.getAccommodation(ctx, s.Pool, `id = $1`, req.AccommodationID)
	if err != nil {
		return Reservation{}, fmt.Errorf("add block: %w", err)
	}
	now := req.Now
	if now.IsZero() {
		if err := s.Pool.QueryRow(ctx, `SELECT now()`).Scan(&now); err != nil {
			return Reservation{}, fmt.Errorf("add block: %w", MapError(err))
		}
	}
	blockedUntil := booking.AddDays(req.End, acc.BufferDays)
	if err := s.checkFree(ctx, "add block", acc.ID, req.Start, blockedUntil, now, ""); err != nil {
		return Reservation{}, err
	}
	source := cmpOr(req.Source, "owner")
	return s.insertOccupancy(ctx, "add block", func(tx pgx.Tx, id, code string) pgx.Row {
		return tx.QueryRow(ctx, `
			WITH ins AS (
				INSERT INTO reservations (id, code, accommodation_id, kind, status, check_in, check_out, blocked_until,
					source, note, confirmed_at, created_at, updated_at)
				VALUES ($1, $2, $3, $4, 'confirmed', $5, $6, $7, $8, $9, $10, $10, $10)
				RETURNING *)
			SELECT `+reservationColumns+` FROM ins r JOIN accommodations a ON a.id = r.accommodation_id`,
			id, code, acc.ID, req.Kind, req.Start, req.End, blockedUntil, source, req.Note, now)
	}, acc.ID, req.Start, blockedUntil, now)
}

// AddManualBlock closes the nights [start, end) of a cabin on the owner's behalf.
func (s *Store) AddManualBlock(ctx context.Context, accommodationID int64, start, end time.Time, note string) (Reservation, error) {
	return s.AddBlock(ctx, BlockRequest{AccommodationID: accommodationID, Kind: booking.KindManualBlock,
		Start: start, End: end, Source: "owner", Note: note})
}

// transition applies one guarded status change: the UPDATE matches only a row of the kinds
// given in one of the from statuses (and, for extra, whatever else must hold). When nothing
// matched, it reads the row to say why: ErrNotFound, or a *booking.TransitionError with the
// row as it is now.
func (s *Store) transition(ctx context.Context, op, id, to string, kinds, from []string, set, extra string,
	now time.Time) (Reservation, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Reservation{}, fmt.Errorf("%s %q: %w", op, id, ErrNotFound)
	}
	r, err := scanReservation(s.Pool.QueryRow(ctx, `
		WITH u AS (
			UPDATE reservations SET status = $2, updated_at = $5`+set+`
			WHERE id = $1 AND kind = ANY($3) AND status = ANY($4)`+extra+`
			RETURNING *)
		SELECT `+reservationColumns+` FROM u r JOIN accommodations a ON a.id = r.accommodation_id`,
		id, to, kinds, from, now))
	if err == nil {
		return r, nil
	}
	if err = MapError(err); !errors.Is(err, ErrNotFound) {
		return Reservation{}, fmt.Errorf("%s: %w", op, err)
	}
	cur, err := s.GetReservation(ctx, id)
	if err != nil {
		return Reservation{}, fmt.Errorf("%s: %w", op, err)
	}
	terr := &booking.TransitionError{Kind: cur.Kind, From: cur.Status, To: to}
	if to == booking.StatusConfirmed && (cur.Status == booking.StatusExpired ||
		(cur.Status == booking.StatusPreReserved && cur.ExpiresAt != nil && booking.HoldExpired(*cur.ExpiresAt, now))) {
		terr.Expired = true
	}
	return cur, fmt.Errorf("%s %s: %w", op, cur.Code, terr)
}

// ConfirmReservation turns a hold into a booking (the deposit was paid). Only a pre_reserved
// hold whose expiry is still ahead of now is confirmed; an expired one (swept or not) fails
// with booking.ErrHoldExpired, anything else with booking.ErrInvalidTransition, and both
// return the reservation as it is now (so a retried payment can see it is already confirmed).
func (s *Store) ConfirmReservation(ctx context.Context, id string, now time.Time) (Reservation, error) {
	return s.transition(ctx, "confirm reservation", id, booking.StatusConfirmed,
		[]string{booking.KindBooking}, booking.FromStatuses(booking.KindBooking, booking.StatusConfirmed),
		`, confirmed_at = $5`, ` AND expires_at > $5`, now)
}

// CancelReservation cancels a guest's hold or booking, freeing the dates.
func (s *Store) CancelReservation(ctx context.Context, id string, now time.Time) (Reservation, error) {
	return s.transition(ctx, "cancel reservation", id, booking.StatusCancelled,
		[]string{booking.KindBooking}, booking.FromStatuses(booking.KindBooking, booking.StatusCancelled),
		`, cancelled_at = $5`, ``, now)
}

// ReleaseBlock lifts a manual or imported block, freeing the dates.
func (s *Store) ReleaseBlock(ctx context.Context, id string, now time.Time) (Reservation, error) {
	return s.transition(ctx, "release block", id, booking.StatusReleased,
		[]string{booking.KindManualBlock, booking.KindImportedBlock}, []string{booking.StatusConfirmed},
		`, cancelled_at = $5`, ``, now)
}

// ExpireHolds expires every hold whose time ran out by now and returns them. The UPDATE is
// guarded by status = 'pre_reserved', so a hold confirmed an instant earlier is never touched,
// and concurrent sweeps expire each hold once.
func (s *Store) ExpireHolds(ctx context.Context, now time.Time) ([]Reservation, error) {
	rs, err := collectReservations(s.Pool.Query(ctx, `
		WITH u AS (
			UPDATE reservations SET status = 'expired', updated_at = $1
			WHERE status = 'pre_reserved' AND expires_at <= $1
			RETURNING *)
		SELECT `+reservationColumns+` FROM u r JOIN accommodations a ON a.id = r.accommodation_id
		ORDER BY r.expires_at`, now))
	if err != nil {
		return nil, fmt.Errorf("expire holds: %w", err)
	}
	return rs, nil
}

// ClaimExpiryNotices marks up to limit expired guest holds (whoever expired them) as notified
// and returns them, for the caller to tell each guest. Concurrent callers never claim the same
// hold. If telling a guest fails in a way worth retrying, UnclaimExpiryNotice gives it back.
func (s *Store) ClaimExpiryNotices(ctx context.Context, now time.Time, limit int) ([]Reservation, error) {
	rs, err := collectReservations(s.Pool.Query(ctx, `
		WITH c AS (
			SELECT id FROM reservations
			WHERE status = 'expired' AND kind = 'booking' AND expiry_notified_at IS NULL
			ORDER BY expires_at LIMIT $2
			FOR UPDATE SKIP LOCKED),
		u AS (
			UPDATE reservations r SET expiry_notified_at = $1 FROM c WHERE r.id = c.id
			RETURNING r.*)
		SELECT `+reservationColumns+` FROM u r JOIN accommodations a ON a.id = r.accommodation_id
		ORDER BY r.expires_at`, now, limit))
	if err != nil {
		return nil, fmt.Errorf("claim expiry notices: %w", err)
	}
	return rs, nil
}

// UnclaimExpiryNotice returns a claimed notice so a later sweep tells the guest again.
func (s *Store) UnclaimExpiryNotice(ctx context.Context, id string) error {
	if _, err := s.Pool.Exec(ctx, `UPDATE reservations SET expiry_notified_at = NULL WHERE id = $1`, id); err != nil {
		return fmt.Errorf("unclaim expiry notice: %w", MapError(err))
	}
	return nil
}

// GetReservation returns a reservation by id (ErrNotFound for unknown or malformed ids).
func (s *Store) GetReservation(ctx context.Context, id string) (Reservation, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Reservation{}, fmt.Errorf("get reservation %q: %w", id, ErrNotFound)
	}
	r, err := scanReservation(s.Pool.QueryRow(ctx, `SELECT `+reservationColumns+`
		FROM reservations r JOIN accommodations a ON a.id = r.accommodation_id WHERE r.id = $1`, id))
	if err != nil {
		return Reservation{}, fmt.Errorf("get reservation: %w", MapError(err))
	}
	return r, nil
}

// ReservationByCode returns a reservation by its human code, as a guest may type it
// ("abc-234"): ErrNotFound when there is none.
func (s *Store) ReservationByCode(ctx context.Context, code string) (Reservation, error) {
	norm, ok := booking.NormalizeHoldCode(code)
	if !ok {
		norm = strings.ToUpper(strings.TrimSpace(code)) // codes written by other means
	}
	r, err := scanReservation(s.Pool.QueryRow(ctx, `SELECT `+reservationColumns+`
		FROM reservations r JOIN accommodations a ON a.id = r.accommodation_id WHERE r.code = $1`, norm))
	if err != nil {
		return Reservation{}, fmt.Errorf("reservation by code: %w", MapError(err))
	}
	return r, nil
}

// GuestReservations returns a guest's latest reservations (up to 20), newest first.
func (s *Store) GuestReservations(ctx context.Context, phone string) ([]Reservation, error) {
	rs, err := collectReservations(s.Pool.Query(ctx, `SELECT `+reservationColumns+`
		FROM reservations r JOIN accommodations a ON a.id = r.accommodation_id
		WHERE r.guest_phone = $1 ORDER BY r.created_at DESC LIMIT 20`, phone))
	if err != nil {
		return nil, fmt.Errorf("guest reservations: %w", err)
	}
	return rs, nil
}

// ReservationFilter selects reservations; zero fields do not filter.
type ReservationFilter struct {
	AccommodationID int64
	Kinds           []string
	Statuses        []string
	// ActiveOnly keeps the occupancies that hold dates (pre_reserved, confirmed).
	ActiveOnly bool
	// From and To keep reservations whose nights overlap [From, To).
	From, To   time.Time
	GuestPhone string
	// Limit caps the result; zero means 500.
	Limit int
}

// ListReservations returns reservations matching f, by check-in then creation.
func (s *Store) ListReservations(ctx context.Context, f ReservationFilter) ([]Reservation, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.AccommodationID != 0 {
		add("r.accommodation_id = ?", f.AccommodationID)
	}
	if len(f.Kinds) > 0 {
		add("r.kind = ANY(?)", f.Kinds)
	}
	if len(f.Statuses) > 0 {
		add("r.status = ANY(?)", f.Statuses)
	}
	if f.ActiveOnly {
		where = append(where, "r.active")
	}
	if !f.From.IsZero() {
		add("r.check_out > ?", f.From)
	}
	if !f.To.IsZero() {
		add("r.check_in < ?", f.To)
	}
	if f.GuestPhone != "" {
		add("r.guest_phone = ?", f.GuestPhone)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 500
	}
	q := `SELECT ` + reservationColumns + ` FROM reservations r JOIN accommodations a ON a.id = r.accommodation_id`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, limit)
	q += fmt.Sprintf(" ORDER BY r.check_in, r.created_at LIMIT $%d", len(args))
	rs, err := collectReservations(s.Pool.Query(ctx, q, args...))
	if err != nil {
		return nil, fmt.Errorf("list reservations: %w", err)
	}
	return rs, nil
}

// Occupancies returns what occupies any cabin's nights in [from, to): confirmed bookings,
// blocks and holds. Holds whose expiry passed (by the database clock) are left out, although
// the sweep may not have expired them yet: PlaceHold expires them on its way.
func (s *Store) Occupancies(ctx context.Context, from, to time.Time) ([]booking.Occupancy, error) {
	rows, err := s.Pool.Query(ctx, `SELECT accommodation_id, check_in, blocked_until FROM reservations
		WHERE active AND NOT (status = 'pre_reserved' AND expires_at <= now())
		  AND daterange(check_in, blocked_until, '[)') && daterange($1, $2, '[)')
		ORDER BY accommodation_id, check_in`, from, to)
	if err != nil {
		return nil, fmt.Errorf("occupancies: %w", MapError(err))
	}
	defer rows.Close()
	out := []booking.Occupancy{}
	for rows.Next() {
		var o booking.Occupancy
		if err := rows.Scan(&o.AccommodationID, &o.Start, &o.BlockedUntil); err != nil {
			return nil, fmt.Errorf("occupancies: %w", err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("occupancies: %w", MapError(err))
	}
	return out, nil
}

// Search finds the cabins on offer that are free for the stay, with quotes, or the nearest
// alternatives (booking.Search). today is the civil date in the business time zone.
func (s *Store) Search(ctx context.Context, stay booking.Stay, today time.Time) (booking.SearchResult, error) {
	return s.search(ctx, stay, today, 0)
}

// SearchCabin is Search for the cabin the guest asked about (booking.SearchCabin).
func (s *Store) SearchCabin(ctx context.Context, accommodationID int64, stay booking.Stay, today time.Time) (booking.SearchResult, error) {
	return s.search(ctx, stay, today, accommodationID)
}

func (s *Store) search(ctx context.Context, stay booking.Stay, today time.Time, accommodationID int64) (booking.SearchResult, error) {
	accs, err := s.ListAccommodations(ctx)
	if err != nil {
		return booking.SearchResult{}, err
	}
	from, to := booking.SearchWindow(accs, stay)
	occupied, err := s.Occupancies(ctx, from, to)
	if err != nil {
		return booking.SearchResult{}, err
	}
	if accommodationID != 0 {
		res, err := booking.SearchCabin(accs, occupied, accommodationID, stay, today)
		if errors.Is(err, booking.ErrUnknownAccommodation) {
			return booking.SearchResult{}, fmt.Errorf("search cabin %d: %w", accommodationID, ErrNotFound)
		}
		return res, err
	}
	return booking.Search(accs, occupied, stay, today)
}

// errRow is a pgx.Row that only fails, for a step that fails before its query.
type errRow struct{ err error }

func (e errRow) Scan(...any) error { return e.err }

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
