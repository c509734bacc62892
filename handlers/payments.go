package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/handlers/conversation"
	"github.com/reservas/reservas/handlers/mercadopago"
	"github.com/reservas/reservas/handlers/whatsapp"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/tasks"
)

// DepositCurrency is the currency deposits are asked and accepted in (Mercado Pago Argentina).
const DepositCurrency = "ARS"

const (
	// shortHold: a hold that ends sooner than this cannot wait for cash (Rapipago, Pago
	// Fácil) or ATM payments, which take days to clear, so its link leaves them out.
	shortHold = 24 * time.Hour
	// lateMoneyWindow is how long after a hold expired the reconciliation still looks for its
	// payments (an approval under review, a payer who finished the checkout late).
	lateMoneyWindow = 72 * time.Hour
	// reconcileBatch bounds the holds one reconciliation looks at.
	reconcileBatch = 200
	// refundBatch bounds the stuck refunds one reconciliation retries.
	refundBatch = 50
	// feedCheckHorizon: before confirming a stay that starts within this many days, the
	// cabin's imported calendars are synced first (bounded by feedCheckTimeout).
	feedCheckHorizon = 7
	feedCheckTimeout = 10 * time.Second
	// notFoundTries is how often a payment the API does not know yet (right after
	// payment.created) is asked for again within one task, notFoundWait apart (doubling).
	notFoundTries = 4
	notFoundWait  = 300 * time.Millisecond
	// missingLinkGrace: a chat hold this old without a link gets one from the reconciliation
	// (younger ones may still be getting theirs in the chat).
	missingLinkGrace = 30 * time.Second
	// notFoundGiveUp is the task retry after which an id Mercado Pago never knew is dropped
	// (a forged IPN, say).
	notFoundGiveUp = 8
)

// Sources of payment news, kept in each payment's status history.
const (
	sourceWebhook   = "webhook"
	sourceIPN       = "ipn"
	sourceReconcile = "reconcile"
)

// Reasons for a payment's outcome.
const (
	reasonAmountLow    = "amount_low"
	reasonCurrency     = "currency"
	reasonUnknownRef   = "unknown_reference"
	reasonNotBooking   = "not_a_booking"
	reasonDatesTaken   = "dates_taken"
	reasonDuplicate    = "duplicate"
	reasonCancelled    = "reservation_cancelled"
	reasonPartialRefnd = "partial_refund"
	// refundRefused is the refund status of a payment whose refund Mercado Pago refused.
	refundRefused = "refused"
)

// PaymentLink returns the Checkout Pro link for a hold's deposit, creating the preference the
// first time: external_reference is the hold's id, the link expires with the hold, cash and ATM
// payments are left out for holds shorter than a day, and notifications go to
// PUBLIC_BASE_URL/webhooks/mercadopago. Asking again returns the newest link already made.
// It returns "" without error when Mercado Pago is not configured or there is no deposit.
func (d *Deps) PaymentLink(ctx context.Context, r store.Reservation) (string, error) {
	if d.MercadoPago == nil || d.Store == nil || r.DepositCents <= 0 {
		return "", nil
	}
	if l, err := d.Store.LatestPaymentLink(ctx, r.ID); err == nil {
		return l.InitPoint, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	if r.Kind != booking.KindBooking || r.Status != booking.StatusPreReserved || r.ExpiresAt == nil {
		return "", fmt.Errorf("payment link for %s: not a hold (status %s)", r.Code, r.Status)
	}
	l, err := d.createPaymentLink(ctx, r, 0, 0, true)
	if err != nil {
		return "", err
	}
	return l.InitPoint, nil
}

// createPaymentLink makes and stores a preference for attempt n of a hold's deposit. Its
// idempotency key is derived from the hold and the attempt, so a retried task gets the same
// preference back instead of a second one. sent says the caller delivers the link to the
// guest itself (in the chat reply or a payment message).
func (d *Deps) createPaymentLink(ctx context.Context, r store.Reservation, attempt int, forPayment int64, sent bool) (store.PaymentLink, error) {
	now := d.now()
	base := strings.TrimRight(d.Config.PublicBaseURL, "/")
	req := mercadopago.PreferenceRequest{
		Items: []mercadopago.Item{{
			ID:          r.Code,
			Title:       fmt.Sprintf("Seña reserva %s · %s", r.Code, r.AccommodationName),
			Description: conversation.StayText("es", r.CheckIn, r.CheckOut) + ", " + guestsText("es", r.Guests),
			CurrencyID:  DepositCurrency,
			Quantity:    1,
			UnitPrice:   mercadopago.CentsToAmount(r.DepositCents),
		}},
		ExternalReference: r.ID,
		// Webhooks only: the legacy IPN would only duplicate them, unsigned.
		NotificationURL: base + "/webhooks/mercadopago?source_news=webhooks",
		BackURLs: mercadopago.BackURLs{
			Success: base + "/pago/success", Pending: base + "/pago/pending", Failure: base + "/pago/failure",
		},
		Expires:          true,
		ExpirationDateTo: *r.ExpiresAt,
		Metadata:         map[string]string{"reservation_code": r.Code},
	}
	if !r.CreatedAt.IsZero() {
		req.ExpirationDateFrom = r.CreatedAt.Add(-time.Minute)
	}
	if strings.HasPrefix(base, "https://") {
		// Mercado Pago refuses auto_return with back URLs it cannot redirect to (http, localhost).
		req.AutoReturn = "approved"
	}
	if r.ExpiresAt.Sub(now) < shortHold {
		req.ExcludedPaymentTypes = []string{"ticket", "atm"}
	}
	key := fmt.Sprintf("reservas-pref-%s-%d", r.ID, attempt)
	pref, err := d.MercadoPago.CreatePreference(ctx, req, key)
	d.countMPCall("create_preference", err)
	if err != nil {
		return store.PaymentLink{}, fmt.Errorf("create payment link for %s: %w", r.Code, err)
	}
	l := store.PaymentLink{
		ReservationID: r.ID, Attempt: attempt, PreferenceID: pref.ID, InitPoint: pref.InitPoint,
		AmountCents: r.DepositCents, Currency: DepositCurrency, ExpiresAt: r.ExpiresAt, ForPaymentID: forPayment,
	}
	if sent {
		l.NotifiedAt = &now
	}
	return d.Store.SavePaymentLink(ctx, l)
}

// HandlePaymentSync handles payment:sync: a notification said a payment changed. The payment
// is fetched from Mercado Pago and acted on as the API describes it (SyncPayment).
func (d *Deps) HandlePaymentSync(ctx context.Context, t *asynq.Task) error {
	var p tasks.PaymentSync
	if err := tasks.Decode(t, &p); err != nil {
		return err
	}
	if d.MercadoPago == nil || d.Store == nil {
		return fmt.Errorf("payment:sync needs Mercado Pago and the store: %w", asynq.SkipRetry)
	}
	source := sourceWebhook
	if strings.HasPrefix(p.NotificationID, "ipn-") {
		source = sourceIPN
	}
	err := d.SyncPayment(ctx, p.PaymentID, source)
	if errors.Is(err, mercadopago.ErrNotFound) {
		if n, ok := asynq.GetRetryCount(ctx); ok && n >= notFoundGiveUp {
			d.Log.Warn().Str("payment_id", p.PaymentID).Str("source", source).
				Msg("payment unknown to Mercado Pago after many tries; dropped")
			return fmt.Errorf("payment %s: %w: %w", p.PaymentID, err, asynq.SkipRetry)
		}
	}
	if errors.Is(err, mercadopago.ErrInvalidID) {
		return fmt.Errorf("payment %q: %w: %w", p.PaymentID, err, asynq.SkipRetry)
	}
	return err
}

// SyncPayment fetches one payment from Mercado Pago and acts on what the API says, holding the
// payment's lock so that two notifications of it are handled one after the other:
//
//   - approved, with the hold's id as external_reference, in ARS and for at least the deposit:
//     the hold is confirmed (even if it expired meanwhile, when its dates are still free),
//     and the guest and the owner are told. A late payment whose dates were taken, a second
//     payment of a confirmed booking or a payment of a cancelled one is refunded through
//     Mercado Pago, and guest and owner are told. A payment that does not match (amount,
//     currency, unknown reference) is flagged for the owner; nothing is confirmed.
//   - pending / in_process / authorized: the guest is told it is being processed.
//   - rejected / cancelled: the guest is told, with a fresh link while the hold lasts.
//   - refunded / charged_back / in_mediation of a payment that confirmed a booking: the
//     payment is flagged and the owner alerted.
//
// Every payment is stored once (by its Mercado Pago id) with every status it was seen in;
// every message about it is sent once.
func (d *Deps) SyncPayment(ctx context.Context, paymentID, source string) error {
	id, err := strconv.ParseInt(paymentID, 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("sync payment %q: %w", paymentID, mercadopago.ErrInvalidID)
	}
	return d.Store.WithPaymentLock(ctx, id, func(ctx context.Context) error {
		p, err := d.fetchPayment(ctx, paymentID)
		if err != nil {
			return fmt.Errorf("sync payment %s: %w", paymentID, err)
		}
		return d.applyPayment(ctx, p, source)
	})
}

// fetchPayment GETs a payment, asking again a few times while Mercado Pago answers 404 (it
// may, right after payment.created). Other failures are the client's to retry.
func (d *Deps) fetchPayment(ctx context.Context, id string) (mercadopago.Payment, error) {
	wait := notFoundWait
	for try := 1; ; try++ {
		p, err := d.MercadoPago.GetPayment(ctx, id)
		d.countMPCall("get_payment", err)
		if err == nil || !errors.Is(err, mercadopago.ErrNotFound) || try >= notFoundTries {
			return p, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return p, err
		case <-t.C:
		}
		wait *= 2
	}
}

// applyPayment records the payment and does what its status calls for. The caller holds the
// payment's lock.
func (d *Deps) applyPayment(ctx context.Context, p mercadopago.Payment, source string) error {
	res, found, err := d.paymentReservation(ctx, p.ExternalReference)
	if err != nil {
		return err
	}
	u := store.PaymentUpdate{
		MPPaymentID: p.ID, ExternalReference: p.ExternalReference, Status: p.Status, StatusDetail: p.StatusDetail,
		AmountCents: p.AmountCents(), RefundedCents: p.RefundedCents(), Currency: p.CurrencyID,
		PaymentType: p.PaymentTypeID, DateApproved: p.DateApproved, Source: source, Now: d.now(),
	}
	if found {
		u.ReservationID = res.ID
	}
	rec, err := d.Store.RecordPayment(ctx, u)
	if err != nil {
		return err
	}
	log := d.Log.With().Int64("payment_id", p.ID).Str("status", p.Status).Str("source", source).Logger()
	if found {
		log = log.With().Str("code", res.Code).Logger()
	}
	log.Info().Str("outcome", rec.Outcome).Msg("payment synced")
	if !found {
		return d.unknownReference(ctx, p, rec)
	}
	switch p.Status {
	case mercadopago.StatusApproved:
		return d.approved(ctx, p, rec, res, 0)
	case mercadopago.StatusPending, mercadopago.StatusInProcess, mercadopago.StatusAuthorized:
		return d.processing(ctx, p, rec, res)
	case mercadopago.StatusRejected, mercadopago.StatusCancelled:
		return d.rejected(ctx, p, rec, res)
	case mercadopago.StatusRefunded, mercadopago.StatusChargedBack, mercadopago.StatusInMediation:
		return d.reversed(ctx, p, rec, res)
	}
	return nil
}

// paymentReservation finds the reservation a payment's external_reference names.
func (d *Deps) paymentReservation(ctx context.Context, ref string) (store.Reservation, bool, error) {
	if ref == "" {
		return store.Reservation{}, false, nil
	}
	r, err := d.Store.GetReservation(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return store.Reservation{}, false, nil
	}
	if err != nil {
		return store.Reservation{}, false, err
	}
	return r, true, nil
}

// approved acts on an approved payment of reservation res. depth guards the one re-evaluation
// done when the reservation changed under us.
func (d *Deps) approved(ctx context.Context, p mercadopago.Payment, rec store.Payment, res store.Reservation, depth int) error {
	now := d.now()
	switch rec.Outcome {
	case store.OutcomeConfirmed:
		if p.RefundedCents() > 0 && !rec.Flagged {
			if err := d.Store.FlagPayment(ctx, p.ID, reasonPartialRefnd, now); err != nil {
				return err
			}
			var err error
			if rec, err = d.Store.GetPayment(ctx, p.ID); err != nil {
				return err
			}
		}
		return d.sendNotices(ctx, p.ID, d.confirmedNotices(p, rec, res))
	case store.OutcomeRefund:
		return d.refund(ctx, p, rec, res)
	case store.OutcomeReview:
		return d.sendNotices(ctx, p.ID, d.reviewNotices(p, rec, res))
	}

	if reason := mismatch(p, res); reason != "" {
		return d.review(ctx, p, res, reason)
	}
	if res.Kind != booking.KindBooking {
		return d.review(ctx, p, res, reasonNotBooking)
	}
	switch res.Status {
	case booking.StatusConfirmed:
		if other, ok, err := d.Store.ConfirmingPayment(ctx, res.ID); err != nil {
			return err
		} else if ok && other != p.ID {
			return d.decideRefund(ctx, p, res, reasonDuplicate)
		}
		// Confirmed by other means (the owner): this payment is its deposit.
		attached, err := d.Store.AttachConfirmingPayment(ctx, res.ID, p.ID, now)
		if err != nil {
			return err
		}
		if !attached && depth == 0 {
			return d.reevaluate(ctx, p, res, depth)
		}
		if attached {
			rec, err = d.Store.GetPayment(ctx, p.ID)
			if err != nil {
				return err
			}
			return d.sendNotices(ctx, p.ID, d.confirmedNotices(p, rec, res))
		}
		return fmt.Errorf("payment %d: reservation %s confirmed but the payment could not be attached", p.ID, res.Code)
	case booking.StatusPreReserved, booking.StatusExpired:
		d.checkFeedsBeforeConfirm(ctx, res, now)
		confirmed, err := d.Store.ConfirmWithPayment(ctx, res.ID, p.ID, now, true)
		switch {
		case err == nil:
			rec, err = d.Store.GetPayment(ctx, p.ID)
			if err != nil {
				return err
			}
			if rec.OutcomeReason == "late" {
				d.Metrics.Event("payment_confirmed_late")
			} else {
				d.Metrics.Event("payment_confirmed")
			}
			d.Log.Info().Int64("payment_id", p.ID).Str("code", confirmed.Code).Str("reason", rec.OutcomeReason).
				Msg("reservation confirmed by payment")
			return d.sendNotices(ctx, p.ID, d.confirmedNotices(p, rec, confirmed))
		case errors.Is(err, booking.ErrDatesTaken):
			return d.decideRefund(ctx, p, res, reasonDatesTaken)
		case errors.Is(err, booking.ErrInvalidTransition) && depth == 0:
			return d.reevaluate(ctx, p, res, depth)
		default:
			return err
		}
	case booking.StatusCancelled:
		return d.decideRefund(ctx, p, res, reasonCancelled)
	}
	return d.review(ctx, p, res, "status_"+res.Status)
}

// reevaluate reads the payment and the reservation again after the reservation changed while
// the payment was being applied (another payment confirmed it, the guest cancelled).
func (d *Deps) reevaluate(ctx context.Context, p mercadopago.Payment, res store.Reservation, depth int) error {
	cur, err := d.Store.GetReservation(ctx, res.ID)
	if err != nil {
		return err
	}
	rec, err := d.Store.GetPayment(ctx, p.ID)
	if err != nil {
		return err
	}
	return d.approved(ctx, p, rec, cur, depth+1)
}

// mismatch says why an approved payment cannot pay its reservation's deposit ("" when it can).
func mismatch(p mercadopago.Payment, r store.Reservation) string {
	if !strings.EqualFold(p.CurrencyID, DepositCurrency) {
		return reasonCurrency
	}
	if p.AmountCents()-p.RefundedCents() < r.DepositCents {
		return reasonAmountLow
	}
	return ""
}

// review flags an approved payment that cannot confirm its reservation for the owner to decide.
func (d *Deps) review(ctx context.Context, p mercadopago.Payment, res store.Reservation, reason string) error {
	rec, err := d.Store.DecidePayment(ctx, p.ID, store.OutcomeReview, reason, d.now())
	if err != nil {
		return err
	}
	d.Metrics.Event("payment_review")
	d.Log.Warn().Int64("payment_id", p.ID).Str("code", res.Code).Str("reason", rec.OutcomeReason).
		Msg("payment needs the owner's review")
	return d.sendNotices(ctx, p.ID, d.reviewNotices(p, rec, res))
}

// decideRefund records that the payment goes back to the payer, then refunds it.
func (d *Deps) decideRefund(ctx context.Context, p mercadopago.Payment, res store.Reservation, reason string) error {
	rec, err := d.Store.DecidePayment(ctx, p.ID, store.OutcomeRefund, reason, d.now())
	if err != nil {
		return err
	}
	if rec.Outcome != store.OutcomeRefund {
		// Decided otherwise meanwhile: act on that.
		return d.approved(ctx, p, rec, res, 1)
	}
	d.Log.Warn().Int64("payment_id", p.ID).Str("code", res.Code).Str("reason", reason).Msg("payment to be refunded")
	return d.refund(ctx, p, rec, res)
}

// refund asks Mercado Pago to refund the payment in full (once: the idempotency key is the
// payment's), then tells the guest that the refund is under way, and the owner. A refund
// Mercado Pago refuses for good is left to the owner, who is told.
func (d *Deps) refund(ctx context.Context, p mercadopago.Payment, rec store.Payment, res store.Reservation) error {
	now := d.now()
	if rec.RefundID == 0 && rec.RefundStatus == "" {
		if p.Status != mercadopago.StatusApproved {
			// Already refunded (or charged back): nothing left to give back.
			if err := d.Store.RecordRefund(ctx, p.ID, 0, p.Status, now); err != nil {
				return err
			}
		} else {
			if err := d.Store.NoteRefundRequested(ctx, p.ID, now); err != nil {
				return err
			}
			id := strconv.FormatInt(p.ID, 10)
			ref, err := d.MercadoPago.Refund(ctx, id, "reservas-refund-"+id)
			d.countMPCall("refund", err)
			if err != nil {
				var apiErr *mercadopago.APIError
				if errors.As(err, &apiErr) && (errors.Is(err, mercadopago.ErrBadRequest) || errors.Is(err, mercadopago.ErrConflict)) {
					d.Log.Error().Int64("payment_id", p.ID).Err(err).Msg("Mercado Pago refused the refund")
					if ferr := d.Store.FlagPayment(ctx, p.ID, refundRefused, now); ferr != nil {
						return ferr
					}
					if rerr := d.Store.RecordRefund(ctx, p.ID, 0, refundRefused, now); rerr != nil {
						return rerr
					}
					return d.sendNotices(ctx, p.ID, []notice{{
						key: "owner:refund_refused", to: d.Config.OwnerPhone,
						text: func() (string, error) { return ownerRefundRefusedText(p, rec, res, apiErr.Message), nil },
					}})
				}
				return fmt.Errorf("refund payment %d: %w", p.ID, err)
			}
			if err := d.Store.RecordRefund(ctx, p.ID, ref.ID, ref.Status, now); err != nil {
				return err
			}
			d.Metrics.Event("payment_refunded")
		}
		var err error
		if rec, err = d.Store.GetPayment(ctx, p.ID); err != nil {
			return err
		}
	}
	return d.sendNotices(ctx, p.ID, d.refundNotices(p, rec, res))
}

// processing tells the guest a payment is pending or under review.
func (d *Deps) processing(ctx context.Context, p mercadopago.Payment, rec store.Payment, res store.Reservation) error {
	if rec.Outcome != store.OutcomeNone || res.Status == booking.StatusConfirmed || res.Status == booking.StatusCancelled {
		return nil
	}
	d.Metrics.Event("payment_pending")
	now := d.now()
	return d.sendNotices(ctx, p.ID, []notice{{
		key: "guest:processing", to: res.GuestPhone,
		text: func() (string, error) { return processingText(res, p, now, d.loc()), nil },
	}})
}

// rejected tells the guest a payment did not go through, with a fresh link while the hold lasts.
func (d *Deps) rejected(ctx context.Context, p mercadopago.Payment, rec store.Payment, res store.Reservation) error {
	if rec.Outcome != store.OutcomeNone || res.Status == booking.StatusConfirmed || res.Status == booking.StatusCancelled {
		return nil
	}
	if p.Status == mercadopago.StatusCancelled {
		// A pending payment that lapsed: only worth a word to a guest told it was processing.
		told, err := d.Store.PaymentNoticeSent(ctx, p.ID, "guest:processing")
		if err != nil || !told {
			return err
		}
	}
	d.Metrics.Event("payment_rejected")
	now := d.now()
	return d.sendNotices(ctx, p.ID, []notice{{
		key: "guest:rejected", to: res.GuestPhone,
		text: func() (string, error) {
			live := res.Status == booking.StatusPreReserved && res.ExpiresAt != nil && now.Before(*res.ExpiresAt)
			link := ""
			if live {
				l, err := d.Store.PaymentLinkForPayment(ctx, p.ID)
				if errors.Is(err, store.ErrNotFound) {
					var attempt int
					if attempt, err = d.Store.NextPaymentLinkAttempt(ctx, res.ID); err == nil {
						l, err = d.createPaymentLink(ctx, res, attempt, p.ID, true)
					}
				}
				if err != nil {
					return "", err
				}
				link = l.InitPoint
			}
			return rejectedText(res, p, link, now, d.loc()), nil
		},
	}})
}

// reversed handles a payment refunded, charged back or disputed after the fact.
func (d *Deps) reversed(ctx context.Context, p mercadopago.Payment, rec store.Payment, res store.Reservation) error {
	switch rec.Outcome {
	case store.OutcomeRefund:
		// Our own refund went through (or the payment was reversed before we refunded it).
		return d.refund(ctx, p, rec, res)
	case store.OutcomeConfirmed:
		if err := d.Store.FlagPayment(ctx, p.ID, p.Status, d.now()); err != nil {
			return err
		}
		d.Metrics.Event("payment_reversed")
		d.Log.Warn().Int64("payment_id", p.ID).Str("code", res.Code).Str("status", p.Status).
			Msg("payment of a confirmed booking reversed")
		return d.sendNotices(ctx, p.ID, []notice{{
			key: "owner:reversed:" + p.Status, to: d.Config.OwnerPhone,
			text: func() (string, error) { return ownerReversedText(p, res), nil },
		}})
	}
	return nil
}

// unknownReference flags an approved payment whose external_reference names no reservation.
func (d *Deps) unknownReference(ctx context.Context, p mercadopago.Payment, rec store.Payment) error {
	if p.Status != mercadopago.StatusApproved {
		return nil
	}
	if rec.Outcome == store.OutcomeNone {
		var err error
		if rec, err = d.Store.DecidePayment(ctx, p.ID, store.OutcomeReview, reasonUnknownRef, d.now()); err != nil {
			return err
		}
		d.Metrics.Event("payment_review")
		d.Log.Warn().Int64("payment_id", p.ID).Msg("approved payment with an unknown reference")
	}
	if rec.OutcomeReason != reasonUnknownRef {
		return nil
	}
	return d.sendNotices(ctx, p.ID, []notice{{
		key: "owner:review", to: d.Config.OwnerPhone,
		text: func() (string, error) { return ownerUnknownRefText(p), nil },
	}})
}

// checkFeedsBeforeConfirm syncs the cabin's imported calendars before a stay starting within
// a week is confirmed, so a night sold elsewhere minutes ago is known. It is bounded; when it
// fails the confirmation goes ahead on the local data (the exclusion constraint still guards).
func (d *Deps) checkFeedsBeforeConfirm(ctx context.Context, r store.Reservation, now time.Time) {
	today := booking.Today(now, d.loc())
	if booking.DaysBetween(today, r.CheckIn) > feedCheckHorizon {
		return
	}
	if err := d.SyncCabinFeeds(ctx, r.AccommodationID, feedCheckTimeout); err != nil {
		d.Log.Warn().Err(err).Str("code", r.Code).Int64("accommodation_id", r.AccommodationID).
			Msg("calendar sync before payment confirmation failed; confirming on local data")
	}
}

// HandlePaymentsReconcile is the periodic reconciliation (payments:reconcile, every 2 minutes):
// for every open hold with a payment link, and every hold that expired in the last three days,
// it searches Mercado Pago for payments by external_reference and syncs those it has not
// settled, so a lost, late or unsigned notification never leaves a paying guest unconfirmed.
// Refunds Mercado Pago did not accept yet are retried too.
func (d *Deps) HandlePaymentsReconcile(ctx context.Context, _ *asynq.Task) error {
	if d.MercadoPago == nil || d.Store == nil {
		return nil
	}
	return d.ReconcilePayments(ctx)
}

// ReconcilePayments is one reconciliation pass (see HandlePaymentsReconcile).
func (d *Deps) ReconcilePayments(ctx context.Context) error {
	now := d.now()
	var errs []error
	if err := d.deliverMissingLinks(ctx, now); err != nil {
		errs = append(errs, err)
	}
	holds, err := d.Store.PaymentReconcileCandidates(ctx, now.Add(-lateMoneyWindow), reconcileBatch)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, r := range holds {
		found, err := d.MercadoPago.SearchPayments(ctx, r.ID)
		d.countMPCall("search_payments", err)
		if err != nil {
			// Mercado Pago is down or refusing: the next pass tries again.
			errs = append(errs, fmt.Errorf("search payments of %s: %w", r.Code, err))
			break
		}
		for _, p := range found {
			known, err := d.Store.GetPayment(ctx, p.ID)
			if err == nil && settled(known, p) {
				continue
			}
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				errs = append(errs, err)
				continue
			}
			d.Log.Info().Int64("payment_id", p.ID).Str("code", r.Code).Str("status", p.Status).
				Msg("reconciliation found a payment to sync")
			d.Metrics.Event("payment_reconciled")
			if err := d.SyncPayment(ctx, strconv.FormatInt(p.ID, 10), sourceReconcile); err != nil {
				errs = append(errs, err)
			}
		}
	}
	stuck, err := d.Store.PaymentsAwaitingRefund(ctx, refundBatch)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, p := range stuck {
		if err := d.SyncPayment(ctx, strconv.FormatInt(p.MPPaymentID, 10), sourceReconcile); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// deliverMissingLinks keeps the chat's promise "the payment link is on its way": a hold the
// chat could not make a link for (Mercado Pago was down) gets one now, sent to the guest with
// the amount and the time the hold ends. A link made but never sent (a crash) is sent too.
func (d *Deps) deliverMissingLinks(ctx context.Context, now time.Time) error {
	missing, err := d.Store.HoldsMissingPaymentLink(ctx, now, now.Add(-missingLinkGrace), refundBatch)
	if err != nil {
		return err
	}
	for _, r := range missing {
		if _, err := d.createPaymentLink(ctx, r, 0, 0, false); err != nil {
			return err // Mercado Pago still down: the next pass tries again
		}
	}
	links, holds, err := d.Store.UnsentPaymentLinks(ctx, now, refundBatch)
	if err != nil {
		return err
	}
	var errs []error
	for i, l := range links {
		r := holds[i]
		if d.WhatsApp == nil || r.GuestPhone == "" {
			continue
		}
		err := d.Notify(ctx, r.GuestPhone, linkText(r, l.InitPoint, now, d.loc()))
		var apiErr *whatsapp.APIError
		if err != nil && (!errors.As(err, &apiErr) || apiErr.Temporary()) {
			errs = append(errs, fmt.Errorf("send payment link of %s: %w", r.Code, err))
			continue
		}
		if err := d.Store.MarkPaymentLinkSent(ctx, l.PreferenceID, now); err != nil {
			errs = append(errs, err)
			continue
		}
		d.Log.Info().Str("code", r.Code).Msg("payment link sent after the chat could not make it")
	}
	return errors.Join(errs...)
}

// settled reports whether a stored payment needs nothing more for what the API says now.
func settled(known store.Payment, p mercadopago.Payment) bool {
	if known.Status != p.Status || known.StatusDetail != p.StatusDetail || known.RefundedCents != p.RefundedCents() {
		return false
	}
	if p.Status == mercadopago.StatusApproved {
		return known.Outcome != store.OutcomeNone &&
			!(known.Outcome == store.OutcomeRefund && known.RefundID == 0 && known.RefundStatus == "")
	}
	return true
}

// notice is one message about a payment, sent at most once (its key, per payment).
type notice struct {
	key  string
	to   string
	text func() (string, error)
}

// sendNotices sends the notices not sent yet about payment mpID, recording each one sent. A
// temporary WhatsApp failure stops and returns an error (the task is retried and goes on
// where it stopped); a refusal for good is logged and counted as sent.
func (d *Deps) sendNotices(ctx context.Context, mpID int64, ns []notice) error {
	if d.WhatsApp == nil {
		return nil
	}
	for _, n := range ns {
		if n.to == "" {
			continue
		}
		sent, err := d.Store.PaymentNoticeSent(ctx, mpID, n.key)
		if err != nil {
			return err
		}
		if sent {
			continue
		}
		text, err := n.text()
		if err != nil {
			return fmt.Errorf("payment %d notice %s: %w", mpID, n.key, err)
		}
		if err := d.Notify(ctx, n.to, text); err != nil {
			var apiErr *whatsapp.APIError
			if !errors.As(err, &apiErr) || apiErr.Temporary() {
				return fmt.Errorf("payment %d notice %s: %w", mpID, n.key, err)
			}
			d.Log.Warn().Int64("payment_id", mpID).Str("notice", n.key).Str("to", maskPhone(n.to)).
				Int("whatsapp_code", apiErr.Code).Msg("payment notice refused by WhatsApp")
		}
		if err := d.Store.MarkPaymentNotice(ctx, mpID, n.key, d.now()); err != nil {
			return err
		}
	}
	return nil
}

func (d *Deps) confirmedNotices(p mercadopago.Payment, rec store.Payment, r store.Reservation) []notice {
	late := rec.OutcomeReason == "late"
	ns := []notice{
		{key: "guest:confirmed", to: r.GuestPhone, text: func() (string, error) { return confirmedText(r, p, late), nil }},
		{key: "owner:confirmed", to: d.Config.OwnerPhone, text: func() (string, error) { return ownerConfirmedText(r, p, late), nil }},
	}
	if rec.Flagged && rec.FlagReason == reasonPartialRefnd {
		ns = append(ns, notice{key: "owner:partial_refund", to: d.Config.OwnerPhone,
			text: func() (string, error) { return ownerPartialRefundText(r, p), nil }})
	}
	return ns
}

func (d *Deps) reviewNotices(p mercadopago.Payment, rec store.Payment, r store.Reservation) []notice {
	return []notice{
		{key: "guest:review", to: r.GuestPhone, text: func() (string, error) { return reviewText(r, p), nil }},
		{key: "owner:review", to: d.Config.OwnerPhone, text: func() (string, error) { return ownerReviewText(r, p, rec.OutcomeReason), nil }},
	}
}

func (d *Deps) refundNotices(p mercadopago.Payment, rec store.Payment, r store.Reservation) []notice {
	// Only a refund Mercado Pago accepted (or a payment it shows as given back) is "under way"
	// for the guest.
	if rec.RefundID == 0 && (rec.RefundStatus == "" || rec.RefundStatus == refundRefused) {
		return nil
	}
	return []notice{
		{key: "guest:refund", to: r.GuestPhone, text: func() (string, error) { return refundText(r, p, rec.OutcomeReason), nil }},
		{key: "owner:refund", to: d.Config.OwnerPhone, text: func() (string, error) { return ownerRefundText(r, p, rec.OutcomeReason), nil }},
	}
}

func (d *Deps) loc() *time.Location {
	if d.Config.BusinessTZ != nil {
		return d.Config.BusinessTZ
	}
	return time.UTC
}

// countMPCall counts one Mercado Pago call by operation and HTTP status ("ok", "error" for a
// transport failure).
func (d *Deps) countMPCall(op string, err error) {
	if d.Metrics == nil {
		return
	}
	code := "ok"
	var apiErr *mercadopago.APIError
	switch {
	case errors.As(err, &apiErr):
		code = strconv.Itoa(apiErr.HTTPStatus)
	case err != nil:
		code = "error"
	}
	d.Metrics.ProviderCalls.WithLabelValues("mercadopago", op, code).Inc()
}

// ---- texts ----
//
// Guests read Spanish (vos), or English or Portuguese when their hold says so; the owner reads
// Spanish. Money is "$ 45.000"; times are the business time zone's, "hasta las 18:30".

func firstNameOf(full string) string {
	if f := strings.Fields(full); len(f) > 0 {
		return f[0]
	}
	return ""
}

// amountText is a payment's amount: "$ 45.000" in pesos, "USD 20" in another currency.
func amountText(cents int64, currency string) string {
	if currency == "" || strings.EqualFold(currency, DepositCurrency) {
		return conversation.Money(cents)
	}
	return strings.ToUpper(currency) + " " + strings.TrimPrefix(conversation.Money(cents), "$ ")
}

func guestsText(lang string, n int) string {
	switch lang {
	case "en":
		if n == 1 {
			return "1 guest"
		}
		return strconv.Itoa(n) + " guests"
	case "pt":
		if n == 1 {
			return "1 hóspede"
		}
		return strconv.Itoa(n) + " hóspedes"
	}
	if n == 1 {
		return "1 huésped"
	}
	return strconv.Itoa(n) + " huéspedes"
}

// untilText is "hasta las 18:30" (with the day when it is not today), in the guest's language.
func untilText(lang string, t, now time.Time, loc *time.Location) string {
	t, now = t.In(loc), now.In(loc)
	hm := t.Format("15:04")
	sameDay := booking.DateOf(t).Equal(booking.DateOf(now))
	day := conversation.Day(lang, booking.DateOf(t))
	switch lang {
	case "en":
		if sameDay {
			return "until " + hm
		}
		return "until " + day + " at " + hm
	case "pt":
		if sameDay {
			return "até as " + hm
		}
		return "até " + day + " às " + hm
	}
	if sameDay {
		return "hasta las " + hm
	}
	return "hasta el " + day + " a las " + hm
}

func balanceCents(r store.Reservation, p mercadopago.Payment) int64 {
	return max(r.TotalCents-(p.AmountCents()-p.RefundedCents()), 0)
}

func confirmedText(r store.Reservation, p mercadopago.Payment, late bool) string {
	lang, name := r.GuestLanguage, firstNameOf(r.GuestName)
	paid := amountText(p.AmountCents(), p.CurrencyID)
	stay := conversation.StayText(lang, r.CheckIn, r.CheckOut)
	balance := balanceCents(r, p)
	var b strings.Builder
	switch lang {
	case "en":
		hello := "All set"
		if late {
			hello = "Good news"
		}
		if name != "" {
			hello += ", " + name
		}
		if late {
			fmt.Fprintf(&b, "✅ %s! Your payment of %s arrived after the hold had expired, but the dates were still free: your booking *%s* is confirmed.\n", hello, paid, r.Code)
		} else {
			fmt.Fprintf(&b, "✅ %s! We received your %s deposit and your booking *%s* is confirmed.\n", hello, paid, r.Code)
		}
		fmt.Fprintf(&b, "🏡 %s\n📅 %s, %s\n", r.AccommodationName, stay, guestsText(lang, r.Guests))
		if balance > 0 {
			fmt.Fprintf(&b, "Balance due: %s.\n", conversation.Money(balance))
		}
		b.WriteString("See you soon!")
	case "pt":
		hello := "Tudo certo"
		if late {
			hello = "Boa notícia"
		}
		if name != "" {
			hello += ", " + name
		}
		if late {
			fmt.Fprintf(&b, "✅ %s! Seu pagamento de %s chegou depois que a pré-reserva expirou, mas as datas continuavam livres: sua reserva *%s* está confirmada.\n", hello, paid, r.Code)
		} else {
			fmt.Fprintf(&b, "✅ %s! Recebemos o sinal de %s e sua reserva *%s* está confirmada.\n", hello, paid, r.Code)
		}
		fmt.Fprintf(&b, "🏡 %s\n📅 %s, %s\n", r.AccommodationName, stay, guestsText(lang, r.Guests))
		if balance > 0 {
			fmt.Fprintf(&b, "Saldo a pagar: %s.\n", conversation.Money(balance))
		}
		b.WriteString("Até breve!")
	default:
		hello := "¡Listo"
		if late {
			hello = "¡Buenas noticias"
		}
		if name != "" {
			hello += ", " + name
		}
		if late {
			fmt.Fprintf(&b, "✅ %s! Tu pago de %s llegó después de que venciera la pre-reserva, pero las fechas seguían libres: tu reserva *%s* quedó confirmada.\n", hello, paid, r.Code)
		} else {
			fmt.Fprintf(&b, "✅ %s! Recibimos tu seña de %s y tu reserva *%s* quedó confirmada.\n", hello, paid, r.Code)
		}
		fmt.Fprintf(&b, "🏡 %s\n📅 %s, %s\n", r.AccommodationName, stay, guestsText("es", r.Guests))
		if balance > 0 {
			fmt.Fprintf(&b, "Saldo pendiente: %s.\n", conversation.Money(balance))
		}
		b.WriteString("¡Te esperamos!")
	}
	return b.String()
}

func linkText(r store.Reservation, link string, now time.Time, loc *time.Location) string {
	deposit := conversation.Money(r.DepositCents)
	switch r.GuestLanguage {
	case "en":
		return fmt.Sprintf("Here is the Mercado Pago link to pay the %s deposit for booking *%s* (%s), %s:\n%s",
			deposit, r.Code, r.AccommodationName, untilText("en", *r.ExpiresAt, now, loc), link)
	case "pt":
		return fmt.Sprintf("Aqui está o link do Mercado Pago para pagar o sinal de %s da reserva *%s* (%s), %s:\n%s",
			deposit, r.Code, r.AccommodationName, untilText("pt", *r.ExpiresAt, now, loc), link)
	}
	return fmt.Sprintf("Acá tenés el link de Mercado Pago para pagar la seña de %s de la reserva *%s* (%s), %s:\n%s",
		deposit, r.Code, r.AccommodationName, untilText("es", *r.ExpiresAt, now, loc), link)
}

func processingText(r store.Reservation, p mercadopago.Payment, now time.Time, loc *time.Location) string {
	lang := r.GuestLanguage
	paid := amountText(p.AmountCents(), p.CurrencyID)
	live := r.Status == booking.StatusPreReserved && r.ExpiresAt != nil && now.Before(*r.ExpiresAt)
	switch lang {
	case "en":
		s := fmt.Sprintf("⏳ Mercado Pago is processing your payment of %s for booking *%s*. I'll let you know as soon as it clears.", paid, r.Code)
		if live {
			s += fmt.Sprintf(" The dates are held %s; if it clears later, we'll confirm them if they're still free.", untilText(lang, *r.ExpiresAt, now, loc))
		}
		return s
	case "pt":
		s := fmt.Sprintf("⏳ O Mercado Pago está processando seu pagamento de %s para a reserva *%s*. Aviso assim que for aprovado.", paid, r.Code)
		if live {
			s += fmt.Sprintf(" As datas ficam reservadas %s; se for aprovado depois, confirmamos se continuarem livres.", untilText(lang, *r.ExpiresAt, now, loc))
		}
		return s
	}
	s := fmt.Sprintf("⏳ Mercado Pago está procesando tu pago de %s para la reserva *%s*. Te aviso apenas se acredite.", paid, r.Code)
	if live {
		s += fmt.Sprintf(" Las fechas quedan guardadas %s; si se acredita más tarde, te confirmamos si siguen libres.", untilText(lang, *r.ExpiresAt, now, loc))
	}
	return s
}

func rejectedText(r store.Reservation, p mercadopago.Payment, link string, now time.Time, loc *time.Location) string {
	lang := r.GuestLanguage
	cancelled := p.Status == mercadopago.StatusCancelled
	switch lang {
	case "en":
		s := fmt.Sprintf("❌ Mercado Pago declined the payment for booking *%s*, so nothing was charged.", r.Code)
		if cancelled {
			s = fmt.Sprintf("❌ The pending payment for booking *%s* was cancelled by Mercado Pago without being credited, so nothing was charged.", r.Code)
		}
		if link != "" {
			return s + fmt.Sprintf(" You can try again with another card or payment method here: %s\nThe dates are held %s.", link, untilText(lang, *r.ExpiresAt, now, loc))
		}
		return s + " The hold has expired; message me if you'd like to check the dates again."
	case "pt":
		s := fmt.Sprintf("❌ O Mercado Pago recusou o pagamento da reserva *%s*, então nada foi cobrado.", r.Code)
		if cancelled {
			s = fmt.Sprintf("❌ O pagamento pendente da reserva *%s* foi cancelado pelo Mercado Pago sem ser creditado, então nada foi cobrado.", r.Code)
		}
		if link != "" {
			return s + fmt.Sprintf(" Você pode tentar de novo com outro cartão ou meio de pagamento aqui: %s\nAs datas ficam reservadas %s.", link, untilText(lang, *r.ExpiresAt, now, loc))
		}
		return s + " A pré-reserva expirou; se quiser, me escreva e vemos as datas de novo."
	}
	s := fmt.Sprintf("❌ Mercado Pago rechazó el pago de la reserva *%s*, así que no se cobró nada.", r.Code)
	if cancelled {
		s = fmt.Sprintf("❌ Mercado Pago canceló el pago pendiente de la reserva *%s* sin acreditarlo, así que no se cobró nada.", r.Code)
	}
	if link != "" {
		return s + fmt.Sprintf(" Podés intentar de nuevo con otra tarjeta u otro medio de pago acá: %s\nTe guardo las fechas %s.", link, untilText("es", *r.ExpiresAt, now, loc))
	}
	return s + " La pre-reserva ya venció; si querés, escribime y vemos si las fechas siguen libres."
}

func refundText(r store.Reservation, p mercadopago.Payment, reason string) string {
	paid := amountText(p.AmountCents(), p.CurrencyID)
	switch r.GuestLanguage {
	case "en":
		why := fmt.Sprintf("Your payment of %s for booking *%s* arrived after the hold had expired, and the dates were taken in the meantime. 😔", paid, r.Code)
		switch reason {
		case reasonDuplicate:
			why = fmt.Sprintf("We received a second payment of %s for booking *%s*, which was already confirmed.", paid, r.Code)
		case reasonCancelled:
			why = fmt.Sprintf("Your payment of %s arrived for booking *%s*, which had been cancelled.", paid, r.Code)
		}
		return why + fmt.Sprintf(" We have asked Mercado Pago to refund the full %s; it reaches your payment method within Mercado Pago's usual times.", paid)
	case "pt":
		why := fmt.Sprintf("Seu pagamento de %s para a reserva *%s* chegou depois que a pré-reserva expirou, e nesse meio-tempo as datas foram ocupadas. 😔", paid, r.Code)
		switch reason {
		case reasonDuplicate:
			why = fmt.Sprintf("Recebemos um segundo pagamento de %s para a reserva *%s*, que já estava confirmada.", paid, r.Code)
		case reasonCancelled:
			why = fmt.Sprintf("Seu pagamento de %s chegou para a reserva *%s*, que estava cancelada.", paid, r.Code)
		}
		return why + fmt.Sprintf(" Já pedimos ao Mercado Pago o reembolso total de %s; ele cai no seu meio de pagamento nos prazos do Mercado Pago.", paid)
	}
	why := fmt.Sprintf("Tu pago de %s para la reserva *%s* llegó después de que venciera la pre-reserva, y mientras tanto esas fechas se ocuparon. 😔", paid, r.Code)
	switch reason {
	case reasonDuplicate:
		why = fmt.Sprintf("Recibimos un segundo pago de %s para la reserva *%s*, que ya estaba confirmada.", paid, r.Code)
	case reasonCancelled:
		why = fmt.Sprintf("Tu pago de %s llegó para la reserva *%s*, que estaba cancelada.", paid, r.Code)
	}
	s := why + fmt.Sprintf(" Ya le pedimos a Mercado Pago la devolución completa de los %s; se acredita en tu medio de pago en los plazos de Mercado Pago.", paid)
	if reason == reasonDatesTaken {
		s += " Si querés, escribime y te busco otras fechas."
	}
	return s
}

func reviewText(r store.Reservation, p mercadopago.Payment) string {
	paid := amountText(p.AmountCents(), p.CurrencyID)
	deposit := conversation.Money(r.DepositCents)
	switch r.GuestLanguage {
	case "en":
		return fmt.Sprintf("Mercado Pago told us about a payment of %s for booking *%s*, but it doesn't match the %s deposit, so the booking is not confirmed yet. The owner will look into it and get back to you.", paid, r.Code, deposit)
	case "pt":
		return fmt.Sprintf("O Mercado Pago nos avisou de um pagamento de %s para a reserva *%s*, mas ele não corresponde ao sinal de %s, então a reserva ainda não está confirmada. O proprietário vai verificar e te responde.", paid, r.Code, deposit)
	}
	return fmt.Sprintf("Mercado Pago nos avisó de un pago de %s para la reserva *%s*, pero no coincide con la seña de %s, así que todavía no pudimos confirmar la reserva. El dueño lo va a revisar y te escribe.", paid, r.Code, deposit)
}

// ownerStay is "Cabaña del Lago · vie 18/12 → lun 21/12 (3 noches) · 4 huéspedes".
func ownerStay(r store.Reservation) string {
	return r.AccommodationName + " · " + conversation.StayText("es", r.CheckIn, r.CheckOut) + " · " + guestsText("es", r.Guests)
}

func ownerGuest(r store.Reservation) string {
	g := r.GuestName
	if g == "" {
		g = "Huésped"
	}
	if r.GuestPhone != "" {
		g += " (+" + r.GuestPhone + ")"
	}
	return g
}

func ownerConfirmedText(r store.Reservation, p mercadopago.Payment, late bool) string {
	head := fmt.Sprintf("💰 Reserva confirmada *%s*", r.Code)
	if late {
		head += " (pago tardío: la pre-reserva había vencido y las fechas seguían libres)"
	}
	return fmt.Sprintf("%s\n%s\n%s\nSeña cobrada: %s (Mercado Pago #%d). Total %s, saldo %s.",
		head, ownerStay(r), ownerGuest(r), amountText(p.AmountCents(), p.CurrencyID), p.ID,
		conversation.Money(r.TotalCents), conversation.Money(balanceCents(r, p)))
}

func ownerRefundText(r store.Reservation, p mercadopago.Payment, reason string) string {
	why := "llegó después de vencida la pre-reserva y las fechas ya estaban ocupadas"
	switch reason {
	case reasonDuplicate:
		why = "la reserva ya estaba confirmada con otro pago"
	case reasonCancelled:
		why = "la reserva estaba cancelada"
	}
	return fmt.Sprintf("↩️ Devolví el pago #%d de %s (reserva *%s*, %s): %s. %s.",
		p.ID, amountText(p.AmountCents(), p.CurrencyID), r.Code, ownerStay(r), why, ownerGuest(r))
}

func ownerRefundRefusedText(p mercadopago.Payment, _ store.Payment, r store.Reservation, why string) string {
	return fmt.Sprintf("⚠️ No pude devolver el pago #%d de %s (reserva *%s*): Mercado Pago respondió «%s». Devolvelo desde tu cuenta de Mercado Pago.",
		p.ID, amountText(p.AmountCents(), p.CurrencyID), r.Code, clipText(why, 120))
}

func ownerReviewText(r store.Reservation, p mercadopago.Payment, reason string) string {
	why := "no corresponde a una reserva de huésped"
	switch reason {
	case reasonAmountLow:
		why = fmt.Sprintf("el monto es menor que la seña (%s)", conversation.Money(r.DepositCents))
	case reasonCurrency:
		why = fmt.Sprintf("la moneda es %s, no %s", p.CurrencyID, DepositCurrency)
	}
	return fmt.Sprintf("⚠️ Pago a revisar: Mercado Pago #%d, %s, reserva *%s* (%s): %s. No confirmé la reserva; decidí si la confirmás o devolvés el pago.",
		p.ID, amountText(p.AmountCents(), p.CurrencyID), r.Code, ownerStay(r), why)
}

func ownerUnknownRefText(p mercadopago.Payment) string {
	ref := "sin referencia"
	if p.ExternalReference != "" {
		ref = "referencia «" + clipText(p.ExternalReference, 40) + "»"
	}
	return fmt.Sprintf("⚠️ Llegó un pago aprobado de Mercado Pago (#%d, %s, %s) que no corresponde a ninguna reserva. Revisalo en tu cuenta de Mercado Pago.",
		p.ID, amountText(p.AmountCents(), p.CurrencyID), ref)
}

func ownerReversedText(p mercadopago.Payment, r store.Reservation) string {
	what := "la devolución"
	switch p.Status {
	case mercadopago.StatusChargedBack:
		what = "un contracargo"
	case mercadopago.StatusInMediation:
		what = "una disputa"
	}
	return fmt.Sprintf("⚠️ Mercado Pago informa %s del pago #%d (%s) de la reserva confirmada *%s* (%s, %s). La reserva sigue confirmada: revisala.",
		what, p.ID, amountText(p.AmountCents(), p.CurrencyID), r.Code, ownerStay(r), ownerGuest(r))
}

func ownerPartialRefundText(r store.Reservation, p mercadopago.Payment) string {
	return fmt.Sprintf("⚠️ Mercado Pago informa una devolución parcial de %s del pago #%d de la reserva confirmada *%s* (%s). La reserva sigue confirmada: revisala.",
		amountText(p.RefundedCents(), p.CurrencyID), p.ID, r.Code, ownerStay(r))
}

// clipText shortens s to n characters.
func clipText(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}
