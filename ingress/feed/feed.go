// Package feed serves the iCal export: GET /ical/{token}.ics, one secret URL per (cabin,
// channel). It only reads the store (plus one bookkeeping write: when the feed's bytes last
// changed, its Last-Modified).
package feed

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/reservas/reservas/handlers/ical"
	"github.com/reservas/reservas/store"
)

// HorizonDays is how far ahead an export reaches: Airbnb imports up to two years.
const HorizonDays = 731

// Summary is the text of every exported event: the other channel learns that the nights are
// taken, nothing about who or why.
const Summary = "No disponible"

// Handler serves export feeds.
type Handler struct {
	store *store.Store
	log   zerolog.Logger
	now   func() time.Time
}

// NewHandler returns the export handler. It serves GET and HEAD on any path whose last segment
// is "<token>.ics"; mount it as r.Handle("/ical/*", feed.NewHandler(s, log, time.Now)).
func NewHandler(s *store.Store, log zerolog.Logger, now func() time.Time) http.Handler {
	if now == nil {
		now = time.Now
	}
	return &Handler{store: s, log: log, now: now}
}

// ServeHTTP answers one export request. The feed lists the cabin's confirmed bookings, active
// holds, manual blocks and blocks imported from the other channels (never those imported from
// the channel reading it) as all-day events from today to two years ahead, with stable UIDs.
// Conditional requests (If-None-Match, If-Modified-Since) get a 304; an unknown token a 404.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	seg := path.Base(r.URL.Path)
	token, ok := strings.CutSuffix(seg, ".ics")
	if !ok || !store.ValidExportToken(token) {
		http.NotFound(w, r)
		return
	}
	ctx := r.Context()
	exp, err := h.store.FeedExportByToken(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		h.log.Error().Err(err).Msg("ical export: look up token")
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	loc, err := time.LoadLocation(exp.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	now := h.now()
	today := ical.Today(now, loc)
	occ, err := h.store.ExportOccupancies(ctx, exp.AccommodationID, exp.Channel, today, today.AddDate(0, 0, HorizonDays))
	if err != nil {
		h.log.Error().Err(err).Int64("accommodation_id", exp.AccommodationID).Msg("ical export: occupancies")
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	cal := ical.ExportCalendar{Name: exp.CabinName}
	for _, o := range occ {
		cal.Events = append(cal.Events, ical.ExportEvent{
			UID: o.ID + "@reservas", Start: o.Start, End: o.End, Summary: Summary, Stamp: o.UpdatedAt,
		})
	}
	var body bytes.Buffer
	if err := ical.Render(&body, cal); err != nil {
		h.log.Error().Err(err).Int64("accommodation_id", exp.AccommodationID).Msg("ical export: render")
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	sum := sha256.Sum256(body.Bytes())
	hash := hex.EncodeToString(sum[:16])
	modified, err := h.store.NoteFeedExportContent(ctx, exp.ID, hash, now)
	if err != nil {
		h.log.Error().Err(err).Int64("accommodation_id", exp.AccommodationID).Msg("ical export: note content")
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/calendar; charset=utf-8")
	hd.Set("ETag", `"`+hash+`"`)
	hd.Set("Cache-Control", "private, no-cache")
	hd.Set("X-Robots-Tag", "noindex, nofollow")
	hd.Set("Referrer-Policy", "no-referrer")
	h.log.Debug().Int64("accommodation_id", exp.AccommodationID).Str("channel", exp.Channel).
		Int("events", len(cal.Events)).Msg("ical export served")
	// ServeContent answers If-None-Match / If-Modified-Since with 304, HEAD without a body.
	http.ServeContent(w, r, "calendar.ics", modified, bytes.NewReader(body.Bytes()))
}
