// Package handlers is the worker's application layer: one asynq handler per task type, wired to
// the store, the provider clients and the pure domain packages through Deps.
//
// Error policy: a handler returns nil when the work is done or can never be done (malformed
// payloads are logged and skipped with asynq.SkipRetry); it returns an error only when a retry
// can help (a provider or the database is down), and asynq retries it with backoff.
package handlers

import (
	"context"
	"errors"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/reservas/reservas/handlers/mercadopago"
	"github.com/reservas/reservas/handlers/stt"
	"github.com/reservas/reservas/handlers/whatsapp"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/tasks"
)

// Config is the part of the process configuration the handlers need.
type Config struct {
	PublicBaseURL string
	BusinessTZ    *time.Location
	HoldMinutes   int
	ICalSyncEvery time.Duration
	// OwnerPhone receives alerts and handoffs (digits, international format).
	OwnerPhone string
	// AudioRetention is how long voice notes' audio is kept (audio:purge); 0 keeps it.
	AudioRetention time.Duration
	// OwnerTemplate, when set, is an approved template with one body parameter that carries
	// messages to the owner while their 24-hour window is closed; OwnerTemplateLanguage is
	// its language code (e.g. "es_AR").
	OwnerTemplate         string
	OwnerTemplateLanguage string
}

// Deps is everything the task handlers use. Fields left nil disable the features that need them.
type Deps struct {
	Config   Config
	Store    *store.Store
	Redis    *redis.Client
	Queue    *asynq.Client
	WhatsApp *whatsapp.Client
	// MercadoPago takes deposits (payments.go); nil disables payment links and payment tasks.
	MercadoPago *mercadopago.Client
	// STT transcribes voice notes (audio.go); nil or unconfigured answers them with a request
	// to type instead. The audio is kept for the owner either way.
	STT *stt.Client
	// STTNeedsWAV says the STT backend takes only 16 kHz mono WAV (whisper.cpp; STT_NEEDS_WAV).
	// Mono Ogg/Opus voice notes are then decoded with opusdec, much cheaper than the STT
	// client's ffmpeg conversion, which remains the fallback for everything else.
	STTNeedsWAV bool
	// Responder is the conversation engine; nil answers every message with a greeting.
	Responder Responder
	Log       zerolog.Logger
	Metrics   *Metrics
	// Now is the clock; tests move it.
	Now func() time.Time
}

func (d *Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// Register mounts every task handler on mux.
func (d *Deps) Register(mux *asynq.ServeMux) {
	mux.Use(d.observe)
	mux.HandleFunc(tasks.TypeWhatsAppMessage, d.HandleWhatsAppMessage)
	mux.HandleFunc(tasks.TypeWhatsAppStatus, d.HandleWhatsAppStatus)
	mux.HandleFunc(tasks.TypeReservationNotice, d.HandleReservationNotice)
	mux.HandleFunc(tasks.TypeAudioTranscribe, d.HandleAudioTranscribe)
	mux.HandleFunc(tasks.TypeAudioPurge, d.HandleAudioPurge)
	mux.HandleFunc(tasks.TypeHoldsExpire, d.HandleHoldsExpire)
	mux.HandleFunc(tasks.TypePaymentSync, d.HandlePaymentSync)
	mux.HandleFunc(tasks.TypePaymentReconcile, d.HandlePaymentsReconcile)
	mux.HandleFunc(tasks.TypeICalSync, d.HandleICalSync)
	mux.HandleFunc(tasks.TypeICalFanout, d.HandleICalFanout)
}

// observe records each task's outcome and duration, and logs failures without payloads.
func (d *Deps) observe(next asynq.Handler) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		start := time.Now()
		err := next.ProcessTask(ctx, t)
		outcome := "ok"
		switch {
		case err == nil:
		case errors.Is(err, ErrWaitingForEarlier):
			// Not a failure: the guest's earlier message goes first, this one follows shortly.
			outcome = "waiting"
		default:
			outcome = "error"
			if errors.Is(err, asynq.SkipRetry) {
				outcome = "skipped"
			}
			id, _ := asynq.GetTaskID(ctx)
			d.Log.Warn().Str("task", t.Type()).Str("task_id", id).Err(err).Msg("task failed")
		}
		if d.Metrics != nil {
			d.Metrics.TaskDone(t.Type(), outcome, time.Since(start))
		}
		return err
	})
}

// WorkerConfig is how every worker runs the handlers (reservas worker, the tests' harness, the
// benchmarks): queue priorities, the retry schedule, and polling fast enough for chat replies
// (asynq's default one-second TaskCheckInterval would add up to a second to every answer).
func WorkerConfig(concurrency int) asynq.Config {
	return asynq.Config{
		Concurrency:              concurrency,
		Queues:                   tasks.QueuePriorities(),
		TaskCheckInterval:        10 * time.Millisecond,
		DelayedTaskCheckInterval: 100 * time.Millisecond,
		RetryDelayFunc:           RetryDelay,
		ShutdownTimeout:          20 * time.Second,
		LogLevel:                 asynq.WarnLevel,
	}
}
