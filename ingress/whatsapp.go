package ingress

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/hibiken/asynq"

	"github.com/reservas/reservas/handlers/whatsapp"
	"github.com/reservas/reservas/tasks"
)

// whatsAppVerify answers Meta's subscription handshake (providers.md A.1). It carries no
// signature, so it must not sit behind the signature check.
func (s *Server) whatsAppVerify(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	token := q.Get("hub.verify_token")
	if q.Get("hub.mode") != "subscribe" ||
		subtle.ConstantTimeCompare([]byte(token), []byte(s.cfg.WhatsAppVerifyToken)) != 1 {
		s.metrics.SignatureFailures.WithLabelValues("whatsapp", "verify_token").Inc()
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte(q.Get("hub.challenge")))
}

// whatsAppWebhook verifies X-Hub-Signature-256 over the raw bytes, then enqueues one task per
// message and per status. 200 means every event is safely queued; 503 makes Meta retry.
func (s *Server) whatsAppWebhook(w http.ResponseWriter, r *http.Request) {
	body, status, err := readBody(w, r, s.cfg.MaxBodyBytes)
	if err != nil {
		if status == http.StatusRequestEntityTooLarge {
			s.log.Warn().Int64("limit", s.cfg.MaxBodyBytes).Msg("whatsapp webhook body too large")
		}
		http.Error(w, http.StatusText(status), status)
		return
	}
	if err := whatsapp.VerifySignature(s.cfg.WhatsAppAppSecret, body, r.Header.Get(whatsapp.SignatureHeaderName)); err != nil {
		reason := "bad"
		if errors.Is(err, whatsapp.ErrMissingSignature) {
			reason = "missing"
		}
		s.metrics.SignatureFailures.WithLabelValues("whatsapp", reason).Inc()
		s.log.Warn().Str("reason", reason).Int("bytes", len(body)).Msg("whatsapp webhook rejected: signature")
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	env, err := whatsapp.ParseEnvelope(body)
	if err != nil {
		s.metrics.Enqueued.WithLabelValues("whatsapp", "envelope", "malformed").Inc()
		s.log.Warn().Err(err).Int("bytes", len(body)).Msg("whatsapp webhook rejected: malformed payload")
		http.Error(w, "malformed payload", http.StatusBadRequest)
		return
	}
	if err := s.enqueueWhatsApp(r.Context(), env); err != nil {
		s.log.Error().Err(err).Msg("whatsapp webhook not queued; Meta will retry")
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (s *Server) enqueueWhatsApp(ctx context.Context, env whatsapp.Envelope) error {
	now := time.Now().UTC()
	for _, m := range env.Messages() {
		if m.ID == "" || m.From == "" {
			s.metrics.Enqueued.WithLabelValues("whatsapp", "message", "malformed").Inc()
			s.log.Warn().Str("type", m.Type).Msg("whatsapp message without id or sender skipped")
			continue
		}
		// The guest's order number and the task go to Redis in one round trip, in that order,
		// so a worker finds the number already there (and would assign it the same if not).
		seq := tasks.SubmitGuestSeq(ctx, s.redis, m.From, m.ID)
		task, err := tasks.NewWhatsAppMessage(tasks.WhatsAppMessage{
			PhoneNumberID: m.PhoneNumberID, ProfileName: m.ProfileName, WaID: m.From, Wamid: m.ID,
			ReceivedAt: now, Message: m.Raw,
		})
		if err != nil {
			return err
		}
		if err := s.enqueue(ctx, task, "message"); err != nil {
			return err
		}
		if seq.Err() != nil {
			if _, err := tasks.GuestSeq(ctx, s.redis, m.From, m.ID); err != nil {
				return fmt.Errorf("assign message order: %w", err)
			}
		}
	}
	for _, st := range env.Statuses() {
		if st.ID == "" || st.Status == "" {
			continue
		}
		task, err := tasks.NewWhatsAppStatus(tasks.WhatsAppStatus{ID: st.ID, State: st.Status, Status: st.Raw})
		if err != nil {
			return err
		}
		if err := s.enqueue(ctx, task, "status"); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) enqueue(ctx context.Context, task *asynq.Task, kind string) error {
	_, err := s.queue.EnqueueContext(ctx, task)
	switch {
	case err == nil:
		s.metrics.Enqueued.WithLabelValues("whatsapp", kind, "queued").Inc()
		return nil
	case errors.Is(err, asynq.ErrTaskIDConflict), errors.Is(err, asynq.ErrDuplicateTask):
		// Already queued or recently done: a redelivery, harmless.
		s.metrics.Enqueued.WithLabelValues("whatsapp", kind, "duplicate").Inc()
		return nil
	default:
		s.metrics.Enqueued.WithLabelValues("whatsapp", kind, "failed").Inc()
		return fmt.Errorf("enqueue %s: %w", task.Type(), err)
	}
}
