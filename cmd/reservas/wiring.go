package main

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"

	"github.com/reservas/reservas/handlers"
	"github.com/reservas/reservas/store"
)

// mountExtras adds the routes other packages serve under the ingress: iCal export, admin,
// asynqmon, the JSON API and the Mercado Pago webhook.
func mountExtras(r chi.Router, cfg config, s *store.Store, log zerolog.Logger) {
	mountAdmin(r, cfg, s, log)
}

// wireFeatures connects the optional parts of the worker (conversation engine, payments,
// speech-to-text) to their configuration.
func wireFeatures(cfg config, d *handlers.Deps, hc *http.Client) {
}
