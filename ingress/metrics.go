package ingress

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the ingress's Prometheus series.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	// SignatureFailures counts rejected webhooks by provider and reason.
	SignatureFailures *prometheus.CounterVec
	// Enqueued counts webhook events by provider, kind and result (queued, duplicate, failed).
	Enqueued *prometheus.CounterVec
}

// NewMetrics registers the ingress's series on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "reservas_http_requests_total", Help: "HTTP requests by method, route and status code.",
		}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "reservas_http_request_duration_seconds", Help: "HTTP request duration by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}, []string{"route"}),
		SignatureFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "reservas_webhook_signature_failures_total", Help: "Webhooks rejected for a missing or wrong signature.",
		}, []string{"provider", "reason"}),
		Enqueued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "reservas_webhook_events_total", Help: "Webhook events by provider, kind and enqueue result.",
		}, []string{"provider", "kind", "result"}),
	}
	reg.MustRegister(m.requests, m.duration, m.SignatureFailures, m.Enqueued)
	return m
}
