package admin

import (
	"context"
	"errors"
	"fmt"

	"github.com/reservas/reservas/store"
)

// payments returns a reservation's payment links and Mercado Pago payments (every status each
// was seen in, and what was decided about it) as timeline entries.
func (s *Server) payments(ctx context.Context, reservationID string) ([]TimelineEntry, error) {
	var out []TimelineEntry
	next, err := s.store.NextPaymentLinkAttempt(ctx, reservationID)
	if err != nil {
		return nil, err
	}
	for attempt := 0; attempt < next; attempt++ {
		l, err := s.store.PaymentLinkByAttempt(ctx, reservationID, attempt)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		text := "Link de pago por " + money(l.AmountCents)
		if l.Attempt > 0 {
			text = fmt.Sprintf("Link de pago nuevo (intento %d) por %s", l.Attempt+1, money(l.AmountCents))
		}
		out = append(out, TimelineEntry{At: l.CreatedAt, Kind: "payment", Text: text, Detail: l.InitPoint})
	}
	pays, err := s.store.ReservationPayments(ctx, reservationID)
	if err != nil {
		return nil, err
	}
	for _, p := range pays {
		hist, err := s.store.PaymentHistory(ctx, p.MPPaymentID)
		if err != nil {
			return nil, err
		}
		for _, h := range hist {
			detail := h.Status
			if h.StatusDetail != "" {
				detail += " (" + h.StatusDetail + ")"
			}
			text := fmt.Sprintf("Pago MP %d: %s %s", p.MPPaymentID, paymentStatusLabel(h.Status), money(h.AmountCents))
			if h.RefundedCents > 0 {
				text += ", devuelto " + money(h.RefundedCents)
			}
			out = append(out, TimelineEntry{At: h.SeenAt, Kind: "payment", Text: text, Detail: detail + " · " + h.Source})
		}
		if p.Outcome != "" {
			out = append(out, TimelineEntry{At: p.UpdatedAt, Kind: "payment",
				Text: fmt.Sprintf("Pago MP %d: %s", p.MPPaymentID, outcomeLabel(p.Outcome)), Detail: p.OutcomeReason})
		}
		if p.Flagged {
			out = append(out, TimelineEntry{At: p.UpdatedAt, Kind: "payment",
				Text: fmt.Sprintf("Pago MP %d: para revisar", p.MPPaymentID), Detail: p.FlagReason})
		}
		if p.RefundRequestedAt != nil {
			out = append(out, TimelineEntry{At: *p.RefundRequestedAt, Kind: "payment",
				Text: fmt.Sprintf("Pago MP %d: devolución pedida", p.MPPaymentID), Detail: p.RefundStatus})
		}
	}
	return out, nil
}

func paymentStatusLabel(status string) string {
	switch status {
	case "approved":
		return "aprobado"
	case "pending", "in_process", "authorized":
		return "pendiente"
	case "rejected":
		return "rechazado"
	case "cancelled":
		return "cancelado"
	case "refunded":
		return "devuelto"
	case "charged_back":
		return "contracargo"
	}
	return status
}

func outcomeLabel(outcome string) string {
	switch outcome {
	case store.OutcomeConfirmed:
		return "confirmó la reserva"
	case store.OutcomeRefund:
		return "se devuelve"
	case store.OutcomeReview:
		return "aprobado pero hay que revisarlo"
	}
	return outcome
}
