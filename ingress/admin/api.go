package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/tasks"
)

//go:embed openapi.yaml
var openAPI []byte

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	_, _ = w.Write(openAPI)
}

// OpenAPI returns the API's OpenAPI document.
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }

func (s *Server) mountAPI(r chi.Router) {
	r.Use(s.origins.Handler, apiHeaders, s.requireAPIAuth)
	r.Get("/me", s.apiMe)
	r.Get("/today", s.apiToday)
	r.Get("/reservations", s.apiReservations)
	r.Get("/reservations/{id}", s.apiReservation)
	r.Get("/calendar", s.apiCalendar)
	r.Get("/cabins", s.apiCabins)
	r.Get("/feeds", s.apiFeeds)
	r.Get("/exports", s.apiExports)
	r.Get("/conversations", s.apiConversations)
	r.Get("/conversations/{waID}", s.apiConversation)
	r.Get("/queues", s.apiQueues)
	r.Group(func(r chi.Router) {
		r.Use(apiRequireWrite)
		r.Post("/reservations/{id}/confirm", s.apiConfirm)
		r.Post("/reservations/{id}/cancel", s.apiCancel)
		r.Post("/feeds", s.apiAddFeed)
		r.Delete("/feeds/{id}", s.apiDeleteFeed)
		r.Post("/exports/rotate", s.apiRotateExport)
		r.Post("/conversations/{waID}/takeover", s.apiTakeOver)
		r.Post("/conversations/{waID}/handback", s.apiGiveBack)
	})
	r.NotFound(func(w http.ResponseWriter, _ *http.Request) {
		writeJSONError(w, http.StatusNotFound, "not_found", "no such endpoint")
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, _ *http.Request) {
		writeJSONError(w, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed")
	})
}

func apiHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

// requireAPIAuth admits the API token (as an admin) or a session; a session's unsafe
// requests must carry its CSRF token in X-CSRF-Token.
func (s *Server) requireAPIAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if auth := r.Header.Get("Authorization"); auth != "" {
			token, ok := strings.CutPrefix(auth, "Bearer ")
			if !ok || !s.validAPIToken(token) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="reservas"`)
				writeJSONError(w, http.StatusUnauthorized, "unauthorized", "invalid API token")
				return
			}
			next.ServeHTTP(w, r.WithContext(withUser(r.Context(), sessionUser{Email: "api-token", Role: store.RoleAdmin})))
			return
		}
		u, ok := s.sessionFromRequest(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="reservas"`)
			writeJSONError(w, http.StatusUnauthorized, "unauthorized", "log in or send Authorization: Bearer <ADMIN_API_TOKEN>")
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !s.validCSRF(u, r.Header.Get("X-CSRF-Token")) {
			writeJSONError(w, http.StatusForbidden, "csrf", "missing or wrong X-CSRF-Token")
			return
		}
		next.ServeHTTP(w, r.WithContext(withUser(r.Context(), u)))
	})
}

func (s *Server) validAPIToken(token string) bool {
	if s.cfg.APIToken == "" || token == "" {
		return false
	}
	a, b := sha256.Sum256([]byte(token)), sha256.Sum256([]byte(s.cfg.APIToken))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

func apiRequireWrite(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !userFrom(r.Context()).CanWrite() {
			writeJSONError(w, http.StatusForbidden, "read_only", "this login is read-only")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// APIError is every error response's body.
type APIError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func writeJSONError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, struct {
		Error APIError `json:"error"`
	}{APIError{Code: code, Message: msg}})
}

// apiFailed maps store and domain errors to status codes.
func (s *Server) apiFailed(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeJSONError(w, http.StatusNotFound, "not_found", "not found")
	case errors.Is(err, booking.ErrHoldExpired):
		writeJSONError(w, http.StatusConflict, "hold_expired", actionError(err))
	case errors.Is(err, booking.ErrInvalidTransition):
		writeJSONError(w, http.StatusConflict, "invalid_transition", actionError(err))
	case errors.Is(err, store.ErrDuplicate):
		writeJSONError(w, http.StatusConflict, "duplicate", "already exists")
	case errors.Is(err, store.ErrConflict):
		writeJSONError(w, http.StatusConflict, "conflict", actionError(err))
	default:
		s.log.Error().Err(err).Str("path", r.URL.Path).Msg("admin api failed")
		writeJSONError(w, http.StatusInternalServerError, "internal", "internal error")
	}
}

type meResponse struct {
	Email     string `json:"email"`
	Role      string `json:"role"`
	CSRFToken string `json:"csrf_token,omitempty"`
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r.Context())
	writeJSON(w, http.StatusOK, meResponse{Email: u.Email, Role: u.Role, CSRFToken: s.csrfToken(u)})
}

func (s *Server) apiToday(w http.ResponseWriter, r *http.Request) {
	v, err := s.todayView(r.Context())
	if err != nil {
		s.apiFailed(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) apiReservations(w http.ResponseWriter, r *http.Request) {
	rq, err := parseReservationQuery(r.URL.Query())
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	rs, err := s.listReservations(r.Context(), rq)
	if err != nil {
		s.apiFailed(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"reservations": rs})
}

func (s *Server) apiReservation(w http.ResponseWriter, r *http.Request) {
	v, err := s.reservationView(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		s.apiFailed(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) apiConfirm(w http.ResponseWriter, r *http.Request) {
	res, err := s.store.ConfirmReservation(r.Context(), chi.URLParam(r, "id"), s.now())
	if err != nil {
		s.apiFailed(w, r, err)
		return
	}
	s.tellGuest(r.Context(), res, tasks.NoticeConfirmedByOwner)
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) apiCancel(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	cur, err := s.store.GetReservation(r.Context(), id)
	if err != nil {
		s.apiFailed(w, r, err)
		return
	}
	if cur.Kind == booking.KindBooking {
		cur, err = s.store.CancelReservation(r.Context(), id, s.now())
	} else {
		cur, err = s.store.ReleaseBlock(r.Context(), id, s.now())
	}
	if err != nil {
		s.apiFailed(w, r, err)
		return
	}
	s.tellGuest(r.Context(), cur, tasks.NoticeCancelledByOwner)
	writeJSON(w, http.StatusOK, cur)
}

func (s *Server) apiCalendar(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var cabinID int64
	var month time.Time
	var err error
	if v := q.Get("cabin"); v != "" {
		if cabinID, err = strconv.ParseInt(v, 10, 64); err != nil {
			writeJSONError(w, http.StatusBadRequest, "bad_request", "cabin is not a number")
			return
		}
	}
	if v := q.Get("month"); v != "" {
		if month, err = time.Parse("2006-01", v); err != nil {
			writeJSONError(w, http.StatusBadRequest, "bad_request", "month is not YYYY-MM")
			return
		}
	}
	v, err := s.calendarView(r.Context(), cabinID, month)
	if err != nil {
		s.apiFailed(w, r, err)
		return
	}
	if len(v.Cabins) == 0 {
		s.apiFailed(w, r, store.ErrNotFound)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) apiCabins(w http.ResponseWriter, r *http.Request) {
	cs, err := s.cabinViews(r.Context())
	if err != nil {
		s.apiFailed(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"accommodations": cs})
}

func (s *Server) apiFeeds(w http.ResponseWriter, r *http.Request) {
	fs, err := s.feedViews(r.Context())
	if err != nil {
		s.apiFailed(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"feeds": fs})
}

type addFeedRequest struct {
	AccommodationID int64  `json:"accommodation_id"`
	Channel         string `json:"channel"`
	URL             string `json:"url"`
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeJSONError(w, http.StatusBadRequest, "bad_request", "body: "+err.Error())
		return false
	}
	return true
}

func (s *Server) apiAddFeed(w http.ResponseWriter, r *http.Request) {
	var req addFeedRequest
	if !decodeBody(w, r, &req) {
		return
	}
	f, err := s.store.AddFeed(r.Context(), req.AccommodationID, req.Channel, req.URL)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrDuplicate) {
			s.apiFailed(w, r, err)
			return
		}
		writeJSONError(w, http.StatusBadRequest, "bad_request", "channel must be letters/digits ('.', '_', '-'), url an absolute http(s) URL, accommodation_id a cabin")
		return
	}
	views, err := s.feedViews(r.Context())
	if err != nil {
		s.apiFailed(w, r, err)
		return
	}
	for _, v := range views {
		if v.ID == f.ID {
			writeJSON(w, http.StatusCreated, v)
			return
		}
	}
	s.apiFailed(w, r, store.ErrNotFound)
}

func (s *Server) apiDeleteFeed(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, "bad_request", "id is not a number")
		return
	}
	if err := s.store.DeleteFeed(r.Context(), id, s.now()); err != nil {
		s.apiFailed(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiExports(w http.ResponseWriter, r *http.Request) {
	es, err := s.exportViews(r.Context())
	if err != nil {
		s.apiFailed(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"exports": es})
}

type rotateRequest struct {
	AccommodationID int64  `json:"accommodation_id"`
	Channel         string `json:"channel"`
}

func (s *Server) apiRotateExport(w http.ResponseWriter, r *http.Request) {
	var req rotateRequest
	if !decodeBody(w, r, &req) {
		return
	}
	e, err := s.store.RotateFeedExport(r.Context(), req.AccommodationID, req.Channel, s.now())
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			s.apiFailed(w, r, err)
			return
		}
		writeJSONError(w, http.StatusBadRequest, "bad_request", "accommodation_id must be a cabin and channel letters/digits")
		return
	}
	writeJSON(w, http.StatusOK, s.exportView(e))
}

func (s *Server) apiConversations(w http.ResponseWriter, r *http.Request) {
	cs, err := s.store.ListConversations(r.Context(), r.URL.Query().Get("q"), r.URL.Query().Get("paused") == "true", 200)
	if err != nil {
		s.apiFailed(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversations": cs})
}

func (s *Server) apiConversation(w http.ResponseWriter, r *http.Request) {
	v, err := s.conversationView(r.Context(), chi.URLParam(r, "waID"))
	if err != nil {
		s.apiFailed(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) apiTakeOver(w http.ResponseWriter, r *http.Request) { s.apiSetPaused(w, r, true) }
func (s *Server) apiGiveBack(w http.ResponseWriter, r *http.Request) { s.apiSetPaused(w, r, false) }

func (s *Server) apiSetPaused(w http.ResponseWriter, r *http.Request, paused bool) {
	c, err := s.store.SetBotPaused(r.Context(), chi.URLParam(r, "waID"), paused, userFrom(r.Context()).Email, s.now())
	if err != nil {
		s.apiFailed(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) apiQueues(w http.ResponseWriter, r *http.Request) {
	qs, err := s.queueViews()
	if err != nil {
		s.apiFailed(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"queues": qs})
}
