package handlers

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the worker's Prometheus series. Build one per process with NewMetrics.
type Metrics struct {
	tasks        *prometheus.CounterVec
	taskDuration *prometheus.HistogramVec
	// ProviderCalls counts calls to Meta, Mercado Pago and STT by operation and result code.
	ProviderCalls *prometheus.CounterVec
	// Business counts what owners care about: holds, confirmations, expiries, conflicts, ...
	Business *prometheus.CounterVec
	// ReplyLatency is from the webhook reaching the ingress to the reply accepted by Meta.
	ReplyLatency prometheus.Histogram
	// ICal are the iCal sync's series (icalmetrics.go).
	ICal *ICalMetrics
	// Transcription is the time of each speech-to-text call (conversion included), by outcome
	// (ok, error); TranscriptionFailures counts failed voice-note attempts by reason
	// (stt.Reason* labels plus too_large, too_long, media_expired, media_unavailable, download).
	Transcription         *prometheus.HistogramVec
	TranscriptionFailures *prometheus.CounterVec
}

// NewMetrics registers the worker's series on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		tasks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "reservas_tasks_processed_total", Help: "Tasks handled, by type and outcome (ok, error, skipped).",
		}, []string{"type", "outcome"}),
		taskDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "reservas_task_duration_seconds", Help: "Task handling time by type.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"type"}),
		ProviderCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "reservas_provider_calls_total", Help: "Calls to external providers by provider, operation and code.",
		}, []string{"provider", "operation", "code"}),
		Business: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "reservas_business_events_total", Help: "Holds, confirmations, expiries, conflicts and other business events.",
		}, []string{"event"}),
		ReplyLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "reservas_reply_latency_seconds", Help: "From webhook received to reply accepted by WhatsApp.",
			Buckets: []float64{.025, .05, .1, .15, .2, .25, .5, 1, 2.5, 5},
		}),
		Transcription: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "reservas_transcription_duration_seconds", Help: "Speech-to-text time per voice note attempt (conversion included), by outcome.",
			Buckets: []float64{.25, .5, 1, 2, 3, 5, 8, 13, 20, 30, 60, 90},
		}, []string{"outcome"}),
		TranscriptionFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "reservas_transcription_failures_total", Help: "Failed voice-note transcription attempts, by reason.",
		}, []string{"reason"}),
	}
	reg.MustRegister(m.tasks, m.taskDuration, m.ProviderCalls, m.Business, m.ReplyLatency, m.Transcription, m.TranscriptionFailures)
	m.ICal = newICalMetrics(reg)
	return m
}

// TaskDone records one handled task.
func (m *Metrics) TaskDone(taskType, outcome string, took time.Duration) {
	m.tasks.WithLabelValues(taskType, outcome).Inc()
	m.taskDuration.WithLabelValues(taskType).Observe(took.Seconds())
}

// Event counts one business event; safe on a nil *Metrics.
func (m *Metrics) Event(name string) {
	if m == nil {
		return
	}
	m.Business.WithLabelValues(name).Inc()
}
