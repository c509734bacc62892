// Package ingress is the HTTP edge: it verifies each provider webhook's signature over the raw
// body, enqueues one task per event on Redis and answers at once. It never does the work itself.
package ingress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// DefaultMaxBodyBytes caps a webhook body; larger bodies get 413 before any work is done.
const DefaultMaxBodyBytes = 1 << 20

// Config holds the webhook secrets and limits. The secrets are required.
type Config struct {
	WhatsAppAppSecret   string
	WhatsAppVerifyToken string
	MaxBodyBytes        int64
}

// Validate refuses to run without the secrets that authenticate webhooks.
func (c Config) Validate() error {
	var missing []string
	if c.WhatsAppAppSecret == "" {
		missing = append(missing, "WHATSAPP_APP_SECRET")
	}
	if c.WhatsAppVerifyToken == "" {
		missing = append(missing, "WHATSAPP_VERIFY_TOKEN")
	}
	if len(missing) > 0 {
		return &MissingSecretsError{Names: missing}
	}
	return nil
}

// MissingSecretsError names the secrets the process refuses to start without.
type MissingSecretsError struct{ Names []string }

func (e *MissingSecretsError) Error() string {
	s := "refusing to start: required secret(s) not set:"
	for _, n := range e.Names {
		s += " " + n
	}
	return s
}

// Pinger is anything /readyz checks.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Server is the ingress's dependencies.
type Server struct {
	cfg     Config
	queue   *asynq.Client
	redis   redis.UniversalClient
	ready   map[string]Pinger
	log     zerolog.Logger
	metrics *Metrics
	gather  prometheus.Gatherer
}

// Deps wires the ingress.
type Deps struct {
	// Redis takes the webhooks' tasks. The ingress sends its commands (the guest-order
	// script and asynq's enqueue) through the client's autopipeliner, so a webhook pays one
	// round trip and concurrent webhooks share writes and reads: under load, two round trips
	// each had been about a third of the ingress's CPU and half of Redis's per webhook.
	Redis *redis.Client
	// Ready lists what /readyz must reach (e.g. "postgres", "redis").
	Ready    map[string]Pinger
	Log      zerolog.Logger
	Registry *prometheus.Registry
	// Mount adds routes served by other packages (iCal export, admin, asynqmon, payments).
	Mount func(r chi.Router)
}

// New builds the ingress router.
func New(cfg Config, d Deps) (http.Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	reg := d.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	if d.Redis == nil {
		return nil, errors.New("ingress: no Redis to queue webhooks on")
	}
	// The asynchronous autopipeliner, ordered (the default): a webhook submits its guest-order
	// script without waiting and then enqueues, so both share one round trip; commands that
	// arrive while a batch is out go together in the next one. asynq's calls wait for their
	// results, so to asynq it is an ordinary client.
	hot, err := d.Redis.AsyncAutoPipeline()
	if err != nil {
		return nil, fmt.Errorf("ingress: redis autopipeline: %w", err)
	}
	s := &Server{cfg: cfg, queue: asynq.NewClientFromRedisClient(hot), redis: hot, ready: d.Ready, log: d.Log, metrics: NewMetrics(reg), gather: reg}

	r := chi.NewRouter()
	r.Use(middleware.Recoverer)
	r.Use(s.observe)
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	r.Get("/readyz", s.readyz)
	r.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	r.Get("/webhooks/whatsapp", s.whatsAppVerify)
	r.Post("/webhooks/whatsapp", s.whatsAppWebhook)
	if d.Mount != nil {
		d.Mount(r)
	}
	return r, nil
}

// Metrics returns the ingress's metric set (for other mounted handlers that count signature failures).
func (s *Server) Metrics() *Metrics { return s.metrics }

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	status := http.StatusOK
	body := ""
	for name, p := range s.ready {
		if err := p.Ping(ctx); err != nil {
			status = http.StatusServiceUnavailable
			body += name + ": down\n"
			continue
		}
		body += name + ": ok\n"
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// observe counts requests by route pattern and status, and logs them without query strings
// (the verify handshake carries its token there).
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		route := chi.RouteContext(r.Context()).RoutePattern()
		if route == "" {
			route = "unmatched"
		}
		code := ww.Status()
		if code == 0 {
			code = http.StatusOK
		}
		s.metrics.requests.WithLabelValues(r.Method, route, strconv.Itoa(code)).Inc()
		s.metrics.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
		if code >= 400 || s.log.GetLevel() <= zerolog.DebugLevel {
			s.log.Info().Str("method", r.Method).Str("route", route).Int("status", code).
				Dur("took", time.Since(start)).Msg("http")
		}
	})
}

// readBody reads at most limit bytes; a larger body is a 413.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, int, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return nil, http.StatusRequestEntityTooLarge, err
		}
		return nil, http.StatusBadRequest, err
	}
	return body, 0, nil
}
