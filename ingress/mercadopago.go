package ingress

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"path"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/reservas/reservas/handlers/mercadopago"
	"github.com/reservas/reservas/tasks"
)

// MercadoPagoWebhookPath is where Mercado Pago sends payment notifications.
const MercadoPagoWebhookPath = "/webhooks/mercadopago"

// mpMaxBodyBytes caps a notification body: Mercado Pago's are a few hundred bytes.
const mpMaxBodyBytes = 64 << 10

// ValidateMercadoPago refuses to run the ingress without the webhook secret that authenticates
// Mercado Pago's notifications.
func ValidateMercadoPago(webhookSecret string) error {
	if webhookSecret == "" {
		return &MissingSecretsError{Names: []string{"MP_WEBHOOK_SECRET"}}
	}
	return nil
}

// MercadoPagoWebhook receives Mercado Pago's payment notifications (providers.md B.2, B.3).
type MercadoPagoWebhook struct {
	secret    string
	queue     *asynq.Client
	log       zerolog.Logger
	metrics   *Metrics
	tolerance time.Duration
	now       func() time.Time
}

// NewMercadoPagoWebhook returns the handler for POST /webhooks/mercadopago.
//
// A webhook (?data.id=<id>&type=payment) must carry a valid x-signature: the HMAC-SHA256 with
// secret of "id:<data.id lower-cased>;request-id:<x-request-id>;ts:<ts>;" (absent parts left
// out), compared in constant time, with ts in seconds or milliseconds within
// mercadopago.DefaultSignatureTolerance; otherwise 401. A legacy IPN (?topic=payment&id=<id>)
// cannot be signed with the secret: it is acknowledged and only makes a worker re-fetch the
// payment from the API, which is all the worker ever trusts.
//
// The answer is 200 once the payment:sync task is queued (or was already, for a redelivery),
// 503 when it could not be queued so that Mercado Pago retries. m may be nil (for tests);
// production passes the ingress's metrics (RegisteredMetrics).
func NewMercadoPagoWebhook(secret string, queue *asynq.Client, log zerolog.Logger, m *Metrics) http.Handler {
	if m == nil {
		m = NewMetrics(prometheus.NewRegistry())
	}
	return &MercadoPagoWebhook{secret: secret, queue: queue, log: log, metrics: m,
		tolerance: mercadopago.DefaultSignatureTolerance, now: time.Now}
}

func (h *MercadoPagoWebhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, status, err := readBody(w, r, mpMaxBodyBytes)
	if err != nil {
		http.Error(w, http.StatusText(status), status)
		return
	}
	q := r.URL.Query()
	// The IPN form names its resource with topic and id, never data.id or type.
	ipn := q.Get("data.id") == "" && q.Get("type") == "" && (q.Get("topic") != "" || q.Get("id") != "")
	if !ipn {
		if err := mercadopago.VerifySignature(h.secret, q, r.Header, h.now(), h.tolerance); err != nil {
			reason := "bad"
			switch {
			case errors.Is(err, mercadopago.ErrMissingSignature):
				reason = "missing"
			case errors.Is(err, mercadopago.ErrStaleSignature):
				reason = "stale"
			}
			h.metrics.SignatureFailures.WithLabelValues("mercadopago", reason).Inc()
			h.log.Warn().Str("reason", reason).Msg("mercadopago webhook rejected: signature")
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
	}
	n, err := mercadopago.ParseNotification(q, r.Header, body)
	if err != nil {
		h.metrics.Enqueued.WithLabelValues("mercadopago", "notification", "malformed").Inc()
		h.log.Warn().Err(err).Bool("ipn", ipn).Msg("mercadopago notification rejected: malformed")
		http.Error(w, "malformed notification", http.StatusBadRequest)
		return
	}
	if !n.IsPayment() {
		// merchant_order and other topics: nothing to do, but acknowledge so they are not retried.
		h.metrics.Enqueued.WithLabelValues("mercadopago", n.Kind, "ignored").Inc()
		w.WriteHeader(http.StatusOK)
		return
	}
	if _, err := strconv.ParseUint(n.ResourceID, 10, 63); err != nil {
		h.metrics.Enqueued.WithLabelValues("mercadopago", n.Kind, "malformed").Inc()
		h.log.Warn().Str("kind", n.Kind).Msg("mercadopago notification rejected: payment id is not a number")
		http.Error(w, "malformed payment id", http.StatusBadRequest)
		return
	}
	task, err := tasks.NewPaymentSync(tasks.PaymentSync{PaymentID: n.ResourceID, NotificationID: notificationKey(n, h.now())})
	if err == nil {
		err = h.enqueue(r.Context(), task, n.Kind)
	}
	if err != nil {
		h.log.Error().Err(err).Str("payment_id", n.ResourceID).Msg("mercadopago notification not queued; Mercado Pago will retry")
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// notificationKey names one notification for deduplication: the body's notification id (shared
// by a duplicate and by every retry of one notification), else the signature's ts. An IPN has
// neither that can be trusted, so its re-fetches are merged per payment and minute.
func notificationKey(n mercadopago.Notification, now time.Time) string {
	switch {
	case n.Kind == mercadopago.KindIPN:
		return "ipn-" + strconv.FormatInt(now.Unix()/60, 10)
	case n.NotificationID != "" && validKeyPart(n.NotificationID):
		return n.NotificationID
	case n.Timestamp != "":
		return "ts-" + n.Timestamp
	}
	return "at-" + strconv.FormatInt(now.Unix(), 10)
}

// validKeyPart keeps task ids to short, plain tokens whatever a notification body carries.
func validKeyPart(s string) bool {
	if len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func (h *MercadoPagoWebhook) enqueue(ctx context.Context, task *asynq.Task, kind string) error {
	_, err := h.queue.EnqueueContext(ctx, task)
	switch {
	case err == nil:
		h.metrics.Enqueued.WithLabelValues("mercadopago", kind, "queued").Inc()
		return nil
	case errors.Is(err, asynq.ErrTaskIDConflict), errors.Is(err, asynq.ErrDuplicateTask):
		// The same notification again (a duplicate or a retry): already queued or done.
		h.metrics.Enqueued.WithLabelValues("mercadopago", kind, "duplicate").Inc()
		return nil
	default:
		h.metrics.Enqueued.WithLabelValues("mercadopago", kind, "failed").Inc()
		return err
	}
}

// RegisteredMetrics returns the ingress's metric set on reg: the collectors New registered
// there, or new ones registered now. Handlers mounted beside the ingress count into the same
// series with it.
func RegisteredMetrics(reg prometheus.Registerer) *Metrics {
	fresh := NewMetrics(prometheus.NewRegistry())
	return &Metrics{
		requests:          shared(reg, fresh.requests),
		duration:          shared(reg, fresh.duration),
		SignatureFailures: shared(reg, fresh.SignatureFailures),
		Enqueued:          shared(reg, fresh.Enqueued),
	}
}

// shared registers c on reg, or returns the equal collector already registered there.
func shared[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing
		}
	}
	return c
}

// paymentReturnPage is where Checkout Pro sends the payer back (back_urls). It promises
// nothing: the booking is confirmed in the chat once the payment is checked.
var paymentReturnPage = template.Must(template.New("return").Parse(`<!doctype html>
<html lang="es"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Reservas</title>
<style>body{font-family:system-ui,sans-serif;max-width:30rem;margin:3rem auto;padding:0 1rem;color:#222;line-height:1.5}</style>
</head><body>
<h1>{{.Title}}</h1>
<p>{{.Body}}</p>
<p>Podés cerrar esta página y volver a WhatsApp.</p>
</body></html>
`))

// PaymentReturnPage serves GET /pago/{result} (success, pending, failure): the page the payer
// lands on after Checkout Pro. It states what happens next; only the chat confirms a booking.
func PaymentReturnPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := struct{ Title, Body string }{"Gracias", "Te escribimos por WhatsApp con el estado de tu reserva."}
		switch path.Base(r.URL.Path) {
		case "success":
			v = struct{ Title, Body string }{"¡Gracias!", "Estamos verificando tu pago con Mercado Pago. En unos instantes te confirmamos la reserva por WhatsApp."}
		case "pending":
			v = struct{ Title, Body string }{"Pago en proceso", "Mercado Pago todavía está procesando tu pago. Te avisamos por WhatsApp apenas se acredite."}
		case "failure":
			v = struct{ Title, Body string }{"El pago no se completó", "No se cobró nada. Podés volver a intentar con el link que te mandamos por WhatsApp."}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_ = paymentReturnPage.Execute(w, v)
	})
}
