package main

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/reservas/reservas/handlers"
	"github.com/reservas/reservas/handlers/mercadopago"
	"github.com/reservas/reservas/handlers/stt"
	"github.com/reservas/reservas/ingress"
	"github.com/reservas/reservas/ingress/feed"
	"github.com/reservas/reservas/store"
)

// mountExtras adds the routes other packages serve under the ingress: iCal export, admin,
// asynqmon, the JSON API and the Mercado Pago webhook.
func mountExtras(r chi.Router, cfg config, s *store.Store, log zerolog.Logger) {
	r.Handle("/ical/*", feed.NewHandler(s, log, time.Now))
	mountAdmin(r, cfg, s, log)
}

// mountPayments serves Mercado Pago's notifications (POST /webhooks/mercadopago, counted in
// the ingress's webhook metrics) and the page Checkout Pro sends the payer back to.
func mountPayments(r chi.Router, cfg config, queue *asynq.Client, reg prometheus.Registerer, log zerolog.Logger) {
	r.Method(http.MethodPost, ingress.MercadoPagoWebhookPath,
		ingress.NewMercadoPagoWebhook(cfg.MPWebhookSecret, queue, log, ingress.RegisteredMetrics(reg)))
	r.Method(http.MethodGet, "/pago/{result}", ingress.PaymentReturnPage())
}

// wireFeatures connects the optional parts of the worker (conversation engine, payments,
// speech-to-text) to their configuration.
func wireFeatures(cfg config, d *handlers.Deps, hc *http.Client) {
	if cfg.MPAccessToken != "" {
		// Payment links (d.PaymentLink, used by the conversation engine), payment:sync and the
		// reconciliation. Without a token holds get no link and payment tasks are skipped.
		d.MercadoPago = mercadopago.NewClient(mercadopago.Config{BaseURL: cfg.MPAPIURL, AccessToken: cfg.MPAccessToken}, hc)
	}
	if cfg.STTURL != "" {
		// Voice notes (audio:transcribe) through an OpenAI-compatible endpoint: OpenAI, Groq,
		// or a whisper.cpp server (STT_NEEDS_WAV=true unless it runs with --convert). Without
		// STT_URL guests are asked to type, and the audio is still kept for the owner.
		d.STT = stt.NewClient(stt.Config{
			BaseURL: cfg.STTURL, APIKey: cfg.STTAPIKey, Model: cfg.STTModel, Language: cfg.STTLanguage,
			NeedsWAV: cfg.STTNeedsWAV,
		}, hc)
		d.STTNeedsWAV = cfg.STTNeedsWAV // opusdec first for voice notes, ffmpeg in the client otherwise
	}
}
