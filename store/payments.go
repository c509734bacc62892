package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/reservas/reservas/handlers/booking"
)

// Payment outcomes: what the application decided about a payment (see migration 0006).
const (
	OutcomeNone      = ""
	OutcomeConfirmed = "confirmed" // the payment confirmed its reservation
	OutcomeRefund    = "refund"    // the money goes back to the payer
	OutcomeReview    = "review"    // approved but not acceptable as is: the owner decides
)

// PaymentLink is a Checkout Pro preference made for a reservation.
type PaymentLink struct {
	ReservationID string
	// Attempt is 0 for the link sent with the hold, then 1, 2, ... for fresh links.
	Attempt      int
	PreferenceID string
	InitPoint    string
	AmountCents  int64
	Currency     string
	ExpiresAt    *time.Time
	// ForPaymentID is the rejected payment a fresh link was made for (0 for attempt 0).
	ForPaymentID int64
	// NotifiedAt is when the guest was sent the link (nil: not yet).
	NotifiedAt *time.Time
	CreatedAt  time.Time
}

const paymentLinkColumns = `reservation_id::text, attempt, preference_id, init_point, amount_cents, currency,
	expires_at, COALESCE(for_payment_id, 0), notified_at, created_at`

func scanPaymentLink(row pgx.Row) (PaymentLink, error) {
	var l PaymentLink
	err := row.Scan(&l.ReservationID, &l.Attempt, &l.PreferenceID, &l.InitPoint, &l.AmountCents, &l.Currency,
		&l.ExpiresAt, &l.ForPaymentID, &l.NotifiedAt, &l.CreatedAt)
	return l, err
}

// SavePaymentLink stores a link; when the reservation already has a link for that attempt (a
// retried task), the stored one is returned unchanged.
func (s *Store) SavePaymentLink(ctx context.Context, l PaymentLink) (PaymentLink, error) {
	var forPayment *int64
	if l.ForPaymentID != 0 {
		forPayment = &l.ForPaymentID
	}
	_, err := s.Pool.Exec(ctx, `INSERT INTO payment_links (reservation_id, attempt, preference_id, init_point,
			amount_cents, currency, expires_at, for_payment_id, notified_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT DO NOTHING`,
		l.ReservationID, l.Attempt, l.PreferenceID, l.InitPoint, l.AmountCents, l.Currency, l.ExpiresAt, forPayment,
		l.NotifiedAt)
	if err != nil {
		return PaymentLink{}, fmt.Errorf("save payment link: %w", MapError(err))
	}
	return s.PaymentLinkByAttempt(ctx, l.ReservationID, l.Attempt)
}

// PaymentLinkByAttempt returns a reservation's link of one attempt (ErrNotFound when none).
func (s *Store) PaymentLinkByAttempt(ctx context.Context, reservationID string, attempt int) (PaymentLink, error) {
	if _, err := uuid.Parse(reservationID); err != nil {
		return PaymentLink{}, fmt.Errorf("payment link %q: %w", reservationID, ErrNotFound)
	}
	l, err := scanPaymentLink(s.Pool.QueryRow(ctx, `SELECT `+paymentLinkColumns+` FROM payment_links
		WHERE reservation_id = $1 AND attempt = $2`, reservationID, attempt))
	if err != nil {
		return PaymentLink{}, fmt.Errorf("payment link: %w", MapError(err))
	}
	return l, nil
}

// LatestPaymentLink returns a reservation's newest link (ErrNotFound when it has none).
func (s *Store) LatestPaymentLink(ctx context.Context, reservationID string) (PaymentLink, error) {
	if _, err := uuid.Parse(reservationID); err != nil {
		return PaymentLink{}, fmt.Errorf("latest payment link %q: %w", reservationID, ErrNotFound)
	}
	l, err := scanPaymentLink(s.Pool.QueryRow(ctx, `SELECT `+paymentLinkColumns+` FROM payment_links
		WHERE reservation_id = $1 ORDER BY attempt DESC LIMIT 1`, reservationID))
	if err != nil {
		return PaymentLink{}, fmt.Errorf("latest payment link: %w", MapError(err))
	}
	return l, nil
}

// PaymentLinkForPayment returns the fresh link made after a payment was rejected.
func (s *Store) PaymentLinkForPayment(ctx context.Context, mpPaymentID int64) (PaymentLink, error) {
	l, err := scanPaymentLink(s.Pool.QueryRow(ctx, `SELECT `+paymentLinkColumns+` FROM payment_links
		WHERE for_payment_id = $1`, mpPaymentID))
	if err != nil {
		return PaymentLink{}, fmt.Errorf("payment link for payment %d: %w", mpPaymentID, MapError(err))
	}
	return l, nil
}

// NextPaymentLinkAttempt is the attempt number a new link of the reservation gets.
func (s *Store) NextPaymentLinkAttempt(ctx context.Context, reservationID string) (int, error) {
	var n int
	if err := s.Pool.QueryRow(ctx, `SELECT COALESCE(max(attempt) + 1, 0) FROM payment_links WHERE reservation_id = $1`,
		reservationID).Scan(&n); err != nil {
		return 0, fmt.Errorf("next payment link attempt: %w", MapError(err))
	}
	return n, nil
}

// Payment is a Mercado Pago payment as last fetched from the API, with what was decided about it.
type Payment struct {
	MPPaymentID int64
	// ReservationID is "" when the external reference names no reservation of ours.
	ReservationID     string
	ExternalReference string
	Status            string
	StatusDetail      string
	AmountCents       int64
	RefundedCents     int64
	Currency          string
	PaymentType       string
	DateApproved      *time.Time
	// Outcome is one of the Outcome* constants; OutcomeReason says why (e.g. "amount_low").
	Outcome       string
	OutcomeReason string
	Flagged       bool
	FlagReason    string
	// RefundID is Mercado Pago's refund id once a refund we asked for was accepted (0 before).
	RefundID          int64
	RefundStatus      string
	RefundRequestedAt *time.Time
	FirstSeenAt       time.Time
	UpdatedAt         time.Time
}

// PaymentStatus is one status a payment was seen in.
type PaymentStatus struct {
	Status        string
	StatusDetail  string
	AmountCents   int64
	RefundedCents int64
	Source        string
	SeenAt        time.Time
}

const paymentColumns = `mp_payment_id, COALESCE(reservation_id::text, ''), external_reference, status, status_detail,
	amount_cents, refunded_cents, currency, payment_type, date_approved, outcome, outcome_reason, flagged, flag_reason,
	COALESCE(refund_id, 0), refund_status, refund_requested_at, first_seen_at, updated_at`

func scanPayment(row pgx.Row) (Payment, error) {
	var p Payment
	err := row.Scan(&p.MPPaymentID, &p.ReservationID, &p.ExternalReference, &p.Status, &p.StatusDetail,
		&p.AmountCents, &p.RefundedCents, &p.Currency, &p.PaymentType, &p.DateApproved, &p.Outcome, &p.OutcomeReason,
		&p.Flagged, &p.FlagReason, &p.RefundID, &p.RefundStatus, &p.RefundRequestedAt, &p.FirstSeenAt, &p.UpdatedAt)
	return p, err
}

// PaymentUpdate is what the API says about a payment now.
type PaymentUpdate struct {
	MPPaymentID int64
	// ReservationID is "" when the external reference names no reservation of ours.
	ReservationID     string
	ExternalReference string
	Status            string
	StatusDetail      string
	AmountCents       int64
	RefundedCents     int64
	Currency          string
	PaymentType       string
	DateApproved      *time.Time
	// Source is where the news came from: "webhook", "ipn", "reconcile".
	Source string
	Now    time.Time
}

// RecordPayment stores a payment once (by Mercado Pago id), updating it to what the API says
// now and adding the status to its history when it was not seen before. The decision columns
// (outcome, flags, refund) are kept.
func (s *Store) RecordPayment(ctx context.Context, u PaymentUpdate) (Payment, error) {
	if u.Now.IsZero() {
		u.Now = time.Now()
	}
	var resID *string
	if u.ReservationID != "" {
		resID = &u.ReservationID
	}
	var p Payment
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		var (
			rowID int64
			err   error
		)
		err = tx.QueryRow(ctx, `
			INSERT INTO payments (mp_payment_id, reservation_id, external_reference, status, status_detail, amount_cents,
				refunded_cents, currency, payment_type, date_approved, first_seen_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
			ON CONFLICT (mp_payment_id) DO UPDATE SET
				reservation_id = COALESCE(payments.reservation_id, EXCLUDED.reservation_id),
				external_reference = EXCLUDED.external_reference, status = EXCLUDED.status,
				status_detail = EXCLUDED.status_detail, amount_cents = EXCLUDED.amount_cents,
				refunded_cents = EXCLUDED.refunded_cents, currency = EXCLUDED.currency,
				payment_type = EXCLUDED.payment_type,
				date_approved = COALESCE(EXCLUDED.date_approved, payments.date_approved), updated_at = $11
			RETURNING id`,
			u.MPPaymentID, resID, u.ExternalReference, u.Status, u.StatusDetail, u.AmountCents, u.RefundedCents,
			u.Currency, u.PaymentType, u.DateApproved, u.Now).Scan(&rowID)
		if err != nil {
			return fmt.Errorf("upsert payment: %w", MapError(err))
		}
		if _, err := tx.Exec(ctx, `INSERT INTO payment_statuses (payment_id, status, status_detail, amount_cents,
				refunded_cents, source, seen_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
			rowID, u.Status, u.StatusDetail, u.AmountCents, u.RefundedCents, u.Source, u.Now); err != nil {
			return fmt.Errorf("payment status history: %w", MapError(err))
		}
		p, err = scanPayment(tx.QueryRow(ctx, `SELECT `+paymentColumns+` FROM payments WHERE id = $1`, rowID))
		return MapError(err)
	})
	if err != nil {
		return Payment{}, fmt.Errorf("record payment %d: %w", u.MPPaymentID, err)
	}
	return p, nil
}

// GetPayment returns a stored payment by Mercado Pago id (ErrNotFound when unknown).
func (s *Store) GetPayment(ctx context.Context, mpPaymentID int64) (Payment, error) {
	p, err := scanPayment(s.Pool.QueryRow(ctx, `SELECT `+paymentColumns+` FROM payments WHERE mp_payment_id = $1`, mpPaymentID))
	if err != nil {
		return Payment{}, fmt.Errorf("get payment %d: %w", mpPaymentID, MapError(err))
	}
	return p, nil
}

// PaymentHistory returns every status a payment was seen in, oldest first.
func (s *Store) PaymentHistory(ctx context.Context, mpPaymentID int64) ([]PaymentStatus, error) {
	rows, err := s.Pool.Query(ctx, `SELECT h.status, h.status_detail, h.amount_cents, h.refunded_cents, h.source, h.seen_at
		FROM payment_statuses h JOIN payments p ON p.id = h.payment_id
		WHERE p.mp_payment_id = $1 ORDER BY h.seen_at, h.status`, mpPaymentID)
	if err != nil {
		return nil, fmt.Errorf("payment history: %w", MapError(err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (PaymentStatus, error) {
		var h PaymentStatus
		err := row.Scan(&h.Status, &h.StatusDetail, &h.AmountCents, &h.RefundedCents, &h.Source, &h.SeenAt)
		return h, err
	})
	if err != nil {
		return nil, fmt.Errorf("payment history: %w", MapError(err))
	}
	return out, nil
}

// ReservationPayments returns the payments of a reservation, oldest first.
func (s *Store) ReservationPayments(ctx context.Context, reservationID string) ([]Payment, error) {
	if _, err := uuid.Parse(reservationID); err != nil {
		return nil, fmt.Errorf("reservation payments %q: %w", reservationID, ErrNotFound)
	}
	rows, err := s.Pool.Query(ctx, `SELECT `+paymentColumns+` FROM payments WHERE reservation_id = $1
		ORDER BY first_seen_at, mp_payment_id`, reservationID)
	if err != nil {
		return nil, fmt.Errorf("reservation payments: %w", MapError(err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Payment, error) { return scanPayment(row) })
	if err != nil {
		return nil, fmt.Errorf("reservation payments: %w", MapError(err))
	}
	return out, nil
}

// ConfirmingPayment returns the Mercado Pago id of the payment that confirmed a reservation
// (ok false when none did: a hold, or a booking the owner confirmed by other means).
func (s *Store) ConfirmingPayment(ctx context.Context, reservationID string) (int64, bool, error) {
	var id int64
	err := s.Pool.QueryRow(ctx, `SELECT mp_payment_id FROM payments WHERE reservation_id = $1 AND outcome = 'confirmed'`,
		reservationID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("confirming payment: %w", MapError(err))
	}
	return id, true, nil
}

// ConfirmWithPayment confirms a guest's hold because payment mpPaymentID paid it, and records
// that payment as the one that confirmed it, in one transaction.
//
// Normally only a pre_reserved hold whose expiry is ahead of now is confirmed. With
// allowExpired, a hold that ran out (swept to 'expired' or not yet) is re-activated too, if
// its dates are still free: the exclusion constraint refuses it otherwise, and the error
// matches booking.ErrDatesTaken (and ErrConflict). A reservation in any other state gives a
// *booking.TransitionError (ErrInvalidTransition, plus ErrHoldExpired for an expired hold
// without allowExpired), with the reservation as it is now.
//
// A reservation that is already confirmed by this very payment is returned as is (a retry).
func (s *Store) ConfirmWithPayment(ctx context.Context, reservationID string, mpPaymentID int64, now time.Time,
	allowExpired bool) (Reservation, error) {
	if _, err := uuid.Parse(reservationID); err != nil {
		return Reservation{}, fmt.Errorf("confirm with payment %q: %w", reservationID, ErrNotFound)
	}
	var r Reservation
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		r, err = scanReservation(tx.QueryRow(ctx, `
			WITH u AS (
				UPDATE reservations SET status = 'confirmed', confirmed_at = $2, updated_at = $2
				WHERE id = $1 AND kind = 'booking'
				  AND ((status = 'pre_reserved' AND expires_at > $2)
				    OR ($3 AND status IN ('pre_reserved', 'expired')))
				RETURNING *)
			SELECT `+reservationColumns+` FROM u r JOIN accommodations a ON a.id = r.accommodation_id`,
			reservationID, now, allowExpired))
		if err != nil {
			return MapError(err)
		}
		tag, err := tx.Exec(ctx, `UPDATE payments SET outcome = 'confirmed', outcome_reason = $3, updated_at = $4
			WHERE mp_payment_id = $1 AND reservation_id = $2 AND outcome = ''`,
			mpPaymentID, reservationID, confirmReason(r, now), now)
		if err != nil {
			return fmt.Errorf("mark confirming payment: %w", MapError(err))
		}
		if tag.RowsAffected() != 1 {
			return fmt.Errorf("mark confirming payment %d: not recorded for reservation %s, or already decided",
				mpPaymentID, reservationID)
		}
		return nil
	})
	switch {
	case err == nil:
		return r, nil
	case errors.Is(err, ErrConflict):
		return Reservation{}, fmt.Errorf("confirm with payment: %w: %w", booking.ErrDatesTaken, err)
	case !errors.Is(err, ErrNotFound):
		return Reservation{}, fmt.Errorf("confirm with payment: %w", err)
	}
	cur, gerr := s.GetReservation(ctx, reservationID)
	if gerr != nil {
		return Reservation{}, fmt.Errorf("confirm with payment: %w", gerr)
	}
	if cur.Status == booking.StatusConfirmed {
		if id, ok, cerr := s.ConfirmingPayment(ctx, reservationID); cerr == nil && ok && id == mpPaymentID {
			return cur, nil
		}
	}
	terr := &booking.TransitionError{Kind: cur.Kind, From: cur.Status, To: booking.StatusConfirmed}
	if !allowExpired && (cur.Status == booking.StatusExpired ||
		(cur.Status == booking.StatusPreReserved && cur.ExpiresAt != nil && booking.HoldExpired(*cur.ExpiresAt, now))) {
		terr.Expired = true
	}
	return cur, fmt.Errorf("confirm with payment %s: %w", cur.Code, terr)
}

// confirmReason tells an on-time confirmation from a late one (the hold had run out).
func confirmReason(r Reservation, now time.Time) string {
	if r.ExpiresAt != nil && !r.ExpiresAt.After(now) {
		return "late"
	}
	return ""
}

// AttachConfirmingPayment records payment mpPaymentID as the one that paid a reservation that
// is already confirmed by other means (the owner confirmed it). ok is false when another
// payment already holds that place or the payment was already decided otherwise.
func (s *Store) AttachConfirmingPayment(ctx context.Context, reservationID string, mpPaymentID int64, now time.Time) (bool, error) {
	tag, err := s.Pool.Exec(ctx, `UPDATE payments SET outcome = 'confirmed', outcome_reason = 'attached', updated_at = $3
		WHERE mp_payment_id = $1 AND reservation_id = $2 AND outcome = ''
		  AND EXISTS (SELECT 1 FROM reservations WHERE id = $2 AND status = 'confirmed')`,
		mpPaymentID, reservationID, now)
	if errors.Is(MapError(err), ErrDuplicate) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("attach confirming payment: %w", MapError(err))
	}
	return tag.RowsAffected() == 1, nil
}

// DecidePayment sets a payment's outcome (OutcomeRefund or OutcomeReview) with a reason, once:
// a payment already decided keeps its outcome, and the stored payment is returned either way.
func (s *Store) DecidePayment(ctx context.Context, mpPaymentID int64, outcome, reason string, now time.Time) (Payment, error) {
	if outcome != OutcomeRefund && outcome != OutcomeReview {
		return Payment{}, fmt.Errorf("decide payment: outcome %q is not refund or review", outcome)
	}
	flag := outcome == OutcomeReview
	if _, err := s.Pool.Exec(ctx, `UPDATE payments SET outcome = $2, outcome_reason = $3, updated_at = $4,
			flagged = flagged OR $5, flag_reason = CASE WHEN $5 THEN $3 ELSE flag_reason END
		WHERE mp_payment_id = $1 AND outcome = ''`, mpPaymentID, outcome, reason, now, flag); err != nil {
		return Payment{}, fmt.Errorf("decide payment: %w", MapError(err))
	}
	return s.GetPayment(ctx, mpPaymentID)
}

// FlagPayment marks a payment for the owner to look at, with the reason.
func (s *Store) FlagPayment(ctx context.Context, mpPaymentID int64, reason string, now time.Time) error {
	if _, err := s.Pool.Exec(ctx, `UPDATE payments SET flagged = true, flag_reason = $2, updated_at = $3
		WHERE mp_payment_id = $1`, mpPaymentID, reason, now); err != nil {
		return fmt.Errorf("flag payment: %w", MapError(err))
	}
	return nil
}

// NoteRefundRequested records when a refund was first asked for.
func (s *Store) NoteRefundRequested(ctx context.Context, mpPaymentID int64, now time.Time) error {
	if _, err := s.Pool.Exec(ctx, `UPDATE payments SET refund_requested_at = COALESCE(refund_requested_at, $2), updated_at = $2
		WHERE mp_payment_id = $1`, mpPaymentID, now); err != nil {
		return fmt.Errorf("note refund requested: %w", MapError(err))
	}
	return nil
}

// RecordRefund stores the refund Mercado Pago accepted for a payment. refundID 0 (a refund
// seen only as the payment's status) keeps any id already stored.
func (s *Store) RecordRefund(ctx context.Context, mpPaymentID, refundID int64, status string, now time.Time) error {
	var id *int64
	if refundID != 0 {
		id = &refundID
	}
	if _, err := s.Pool.Exec(ctx, `UPDATE payments SET refund_id = COALESCE($2, refund_id), refund_status = $3,
			updated_at = $4, refund_requested_at = COALESCE(refund_requested_at, $4)
		WHERE mp_payment_id = $1`, mpPaymentID, id, status, now); err != nil {
		return fmt.Errorf("record refund: %w", MapError(err))
	}
	return nil
}

// PaymentNoticeSent reports whether the notice (e.g. "guest:confirmed") about a payment was sent.
func (s *Store) PaymentNoticeSent(ctx context.Context, mpPaymentID int64, notice string) (bool, error) {
	var ok bool
	if err := s.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM payment_notices WHERE mp_payment_id = $1 AND notice = $2)`,
		mpPaymentID, notice).Scan(&ok); err != nil {
		return false, fmt.Errorf("payment notice sent: %w", MapError(err))
	}
	return ok, nil
}

// MarkPaymentNotice records that a notice about a payment was sent (or given up on).
func (s *Store) MarkPaymentNotice(ctx context.Context, mpPaymentID int64, notice string, now time.Time) error {
	if _, err := s.Pool.Exec(ctx, `INSERT INTO payment_notices (mp_payment_id, notice, sent_at) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, mpPaymentID, notice, now); err != nil {
		return fmt.Errorf("mark payment notice: %w", MapError(err))
	}
	return nil
}

// PaymentNotices returns the notices sent about a payment, in the order sent.
func (s *Store) PaymentNotices(ctx context.Context, mpPaymentID int64) ([]string, error) {
	rows, err := s.Pool.Query(ctx, `SELECT notice FROM payment_notices WHERE mp_payment_id = $1 ORDER BY sent_at, notice`, mpPaymentID)
	if err != nil {
		return nil, fmt.Errorf("payment notices: %w", MapError(err))
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("payment notices: %w", MapError(err))
	}
	return out, nil
}

// WithPaymentLock runs fn while holding a lock on one Mercado Pago payment id, so the same
// payment is handled by one worker at a time (two notifications of it may arrive at once).
// The lock is a transaction-scoped advisory lock: a crashed worker releases it.
func (s *Store) WithPaymentLock(ctx context.Context, mpPaymentID int64, fn func(ctx context.Context) error) error {
	return s.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('mercadopago-payment:' || $1::bigint, 0))`,
			mpPaymentID); err != nil {
			return fmt.Errorf("lock payment %d: %w", mpPaymentID, MapError(err))
		}
		return fn(ctx)
	})
}

// HoldsMissingPaymentLink returns the guests' chat holds (source whatsapp) created before
// createdBefore that have no payment link although they still run for a while after now: the
// chat could not make one (Mercado Pago was down) and told the guest it would follow.
func (s *Store) HoldsMissingPaymentLink(ctx context.Context, now, createdBefore time.Time, limit int) ([]Reservation, error) {
	rs, err := collectReservations(s.Pool.Query(ctx, `SELECT `+reservationColumns+`
		FROM reservations r JOIN accommodations a ON a.id = r.accommodation_id
		WHERE r.kind = 'booking' AND r.status = 'pre_reserved' AND r.source = 'whatsapp'
		  AND r.guest_phone IS NOT NULL AND r.deposit_cents > 0
		  AND r.expires_at > $1::timestamptz + interval '2 minutes' AND r.created_at < $2
		  AND NOT EXISTS (SELECT 1 FROM payment_links l WHERE l.reservation_id = r.id)
		ORDER BY r.created_at LIMIT $3`, now, createdBefore, limit))
	if err != nil {
		return nil, fmt.Errorf("holds missing a payment link: %w", err)
	}
	return rs, nil
}

// UnsentPaymentLinks returns the links never sent to their guest whose hold still runs at now,
// with their reservations.
func (s *Store) UnsentPaymentLinks(ctx context.Context, now time.Time, limit int) ([]PaymentLink, []Reservation, error) {
	rows, err := s.Pool.Query(ctx, `SELECT l.preference_id FROM payment_links l JOIN reservations r ON r.id = l.reservation_id
		WHERE l.notified_at IS NULL AND r.status = 'pre_reserved' AND r.expires_at > $1
		ORDER BY l.created_at LIMIT $2`, now, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("unsent payment links: %w", MapError(err))
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, nil, fmt.Errorf("unsent payment links: %w", MapError(err))
	}
	var (
		links []PaymentLink
		res   []Reservation
	)
	for _, id := range ids {
		l, err := scanPaymentLink(s.Pool.QueryRow(ctx, `SELECT `+paymentLinkColumns+` FROM payment_links WHERE preference_id = $1`, id))
		if err != nil {
			return nil, nil, fmt.Errorf("unsent payment link: %w", MapError(err))
		}
		r, err := s.GetReservation(ctx, l.ReservationID)
		if err != nil {
			return nil, nil, err
		}
		links, res = append(links, l), append(res, r)
	}
	return links, res, nil
}

// MarkPaymentLinkSent records that a link was sent to its guest.
func (s *Store) MarkPaymentLinkSent(ctx context.Context, preferenceID string, now time.Time) error {
	if _, err := s.Pool.Exec(ctx, `UPDATE payment_links SET notified_at = COALESCE(notified_at, $2) WHERE preference_id = $1`,
		preferenceID, now); err != nil {
		return fmt.Errorf("mark payment link sent: %w", MapError(err))
	}
	return nil
}

// PaymentReconcileCandidates returns the guest holds that have a payment link and may still be
// paid: every pre_reserved one, and those that expired after expiredSince (money may arrive
// late). At most limit, the longest waiting first.
func (s *Store) PaymentReconcileCandidates(ctx context.Context, expiredSince time.Time, limit int) ([]Reservation, error) {
	rs, err := collectReservations(s.Pool.Query(ctx, `SELECT `+reservationColumns+`
		FROM reservations r JOIN accommodations a ON a.id = r.accommodation_id
		WHERE r.kind = 'booking'
		  AND (r.status = 'pre_reserved' OR (r.status = 'expired' AND r.expires_at > $1))
		  AND EXISTS (SELECT 1 FROM payment_links l WHERE l.reservation_id = r.id)
		ORDER BY r.expires_at LIMIT $2`, expiredSince, limit))
	if err != nil {
		return nil, fmt.Errorf("payment reconcile candidates: %w", err)
	}
	return rs, nil
}

// PaymentsAwaitingRefund returns the payments decided for refund whose refund Mercado Pago has
// not accepted yet (and that were still approved when last seen), at most limit.
func (s *Store) PaymentsAwaitingRefund(ctx context.Context, limit int) ([]Payment, error) {
	rows, err := s.Pool.Query(ctx, `SELECT `+paymentColumns+` FROM payments
		WHERE outcome = 'refund' AND refund_id IS NULL AND refund_status = '' AND status = 'approved'
		ORDER BY updated_at LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("payments awaiting refund: %w", MapError(err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Payment, error) { return scanPayment(row) })
	if err != nil {
		return nil, fmt.Errorf("payments awaiting refund: %w", MapError(err))
	}
	return out, nil
}
