package admin

import (
	"context"
	"encoding/csv"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/hibiken/asynq"

	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/tasks"
)

// failed renders a store error: 404 for what does not exist, else 500 (logged).
func (s *Server) failed(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, store.ErrNotFound) {
		s.renderError(w, r, http.StatusNotFound, "No existe (o ya no existe).")
		return
	}
	s.log.Error().Err(err).Str("path", r.URL.Path).Msg("admin: page failed")
	s.renderError(w, r, http.StatusInternalServerError, "Algo falló al leer los datos. Probá de nuevo en un rato.")
}

func (s *Server) todayPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.todayView(r.Context())
	if err != nil {
		s.failed(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "today", v)
}

func (s *Server) calendar(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var cabinID int64
	if v := q.Get("cabin"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			s.renderError(w, r, http.StatusBadRequest, "Cabaña inválida.")
			return
		}
		cabinID = id
	}
	var month time.Time
	if v := q.Get("month"); v != "" {
		m, err := time.Parse("2006-01", v)
		if err != nil {
			s.renderError(w, r, http.StatusBadRequest, "Mes inválido: usá AAAA-MM.")
			return
		}
		month = m
	}
	v, err := s.calendarView(r.Context(), cabinID, month)
	if err != nil {
		s.failed(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "calendar", v)
}

type reservationsPage struct {
	Query        ReservationQuery
	Reservations []store.Reservation
	Cabins       []CabinView
	Statuses     []string
	Kinds        []string
	CSVQuery     string
}

func (s *Server) reservations(w http.ResponseWriter, r *http.Request) {
	rq, err := parseReservationQuery(r.URL.Query())
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, "Filtro inválido: "+err.Error())
		return
	}
	rs, err := s.listReservations(r.Context(), rq)
	if err != nil {
		s.failed(w, r, err)
		return
	}
	cabins, err := s.cabinViews(r.Context())
	if err != nil {
		s.failed(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "reservations", reservationsPage{Query: rq, Reservations: rs, Cabins: cabins,
		Statuses: allStatuses, Kinds: []string{booking.KindBooking, booking.KindManualBlock, booking.KindImportedBlock},
		CSVQuery: r.URL.RawQuery})
}

// reservationsCSV exports the filtered list, one reservation a line, money in pesos.
func (s *Server) reservationsCSV(w http.ResponseWriter, r *http.Request) {
	rq, err := parseReservationQuery(r.URL.Query())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if rq.Limit == 0 {
		rq.Limit = 5000
	}
	rs, err := s.listReservations(r.Context(), rq)
	if err != nil {
		s.failed(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="reservas-`+s.todayDate().Format("2006-01-02")+`.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"code", "cabin", "kind", "status", "check_in", "check_out", "nights", "guests", "guest_name",
		"guest_phone", "total", "deposit", "source", "created_at", "confirmed_at", "cancelled_at", "id"})
	pesos := func(c int64) string { return strconv.FormatFloat(float64(c)/100, 'f', 2, 64) }
	ts := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(s.cfg.Location).Format(time.RFC3339)
	}
	for _, x := range rs {
		_ = cw.Write([]string{x.Code, x.AccommodationName, x.Kind, x.Status, x.CheckIn.Format(time.DateOnly),
			x.CheckOut.Format(time.DateOnly), strconv.Itoa(booking.DaysBetween(x.CheckIn, x.CheckOut)), strconv.Itoa(x.Guests),
			csvSafe(x.GuestName), x.GuestPhone, pesos(x.TotalCents), pesos(x.DepositCents), x.Source,
			ts(&x.CreatedAt), ts(x.ConfirmedAt), ts(x.CancelledAt), x.ID})
	}
	cw.Flush()
}

// csvSafe keeps a spreadsheet from reading a guest-typed name as a formula.
func csvSafe(v string) string {
	if v != "" && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r') {
		return "'" + v
	}
	return v
}

func (s *Server) reservation(w http.ResponseWriter, r *http.Request) {
	v, err := s.reservationView(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		s.failed(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "reservation", v)
}

func (s *Server) confirmReservation(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	res, err := s.store.ConfirmReservation(r.Context(), id, s.now())
	if err != nil {
		s.actionFailed(w, r, err)
		return
	}
	s.log.Info().Int64("user_id", userFrom(r.Context()).ID).Str("reservation", id).Msg("admin: confirmed reservation")
	s.tellGuest(r.Context(), res, tasks.NoticeConfirmedByOwner)
	http.Redirect(w, r, "/admin/reservations/"+url.PathEscape(id)+"?ok=confirmed", http.StatusSeeOther)
}

func (s *Server) cancelReservation(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	cur, err := s.store.GetReservation(r.Context(), id)
	if err != nil {
		s.failed(w, r, err)
		return
	}
	ok := "cancelled"
	if cur.Kind == booking.KindBooking {
		cur, err = s.store.CancelReservation(r.Context(), id, s.now())
	} else {
		cur, err = s.store.ReleaseBlock(r.Context(), id, s.now())
		ok = "released"
	}
	if err != nil {
		s.actionFailed(w, r, err)
		return
	}
	s.log.Info().Int64("user_id", userFrom(r.Context()).ID).Str("reservation", id).Msg("admin: cancelled reservation")
	s.tellGuest(r.Context(), cur, tasks.NoticeCancelledByOwner)
	http.Redirect(w, r, "/admin/reservations/"+url.PathEscape(id)+"?ok="+ok, http.StatusSeeOther)
}

// tellGuest queues a WhatsApp message to the guest about an owner's change. The change itself
// is already saved; a failed enqueue is logged for the owner to follow up by hand.
func (s *Server) tellGuest(ctx context.Context, r store.Reservation, event string) {
	if r.Kind != booking.KindBooking || r.GuestPhone == "" {
		return
	}
	task, err := tasks.NewReservationNotice(tasks.ReservationNotice{ReservationID: r.ID, Event: event})
	if err == nil {
		_, err = s.queue.EnqueueContext(ctx, task)
	}
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		s.log.Error().Err(err).Str("reservation", r.ID).Msg("admin: guest notice not queued")
	}
}

// actionFailed explains a refused change (409) or fails like a read.
func (s *Server) actionFailed(w http.ResponseWriter, r *http.Request, err error) {
	if msg := actionError(err); msg != "" && !errors.Is(err, store.ErrNotFound) {
		s.renderError(w, r, http.StatusConflict, msg)
		return
	}
	s.failed(w, r, err)
}

func (s *Server) cabins(w http.ResponseWriter, r *http.Request) {
	cs, err := s.cabinViews(r.Context())
	if err != nil {
		s.failed(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "cabins", cs)
}

func (s *Server) setCabinActive(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, "Cabaña inválida.")
		return
	}
	if err := s.store.SetAccommodationActive(r.Context(), id, r.PostFormValue("active") == "true"); err != nil {
		s.actionFailed(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/cabins?ok=cabin", http.StatusSeeOther)
}

// maxBlockNights bounds one manual block (a typo in a year should not close a cabin for ten).
const maxBlockNights = 366

// addBlock closes a cabin's nights [from, to) for the owner (family, repairs). Like any stay
// it is refused when it overlaps an occupancy: a block never overrides a guest's booking.
func (s *Server) addBlock(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, "Cabaña inválida.")
		return
	}
	from, errFrom := time.Parse(time.DateOnly, r.PostFormValue("from"))
	to, errTo := time.Parse(time.DateOnly, r.PostFormValue("to"))
	today := booking.DateOf(s.now().In(s.cfg.Location))
	note := strings.TrimSpace(r.PostFormValue("note"))
	switch {
	case errFrom != nil || errTo != nil:
		s.renderError(w, r, http.StatusBadRequest, "Elegí desde qué día y hasta qué día (el de salida) cerrar.")
		return
	case !to.After(from):
		s.renderError(w, r, http.StatusBadRequest, "El día de salida tiene que ser posterior al de entrada.")
		return
	case from.Before(today):
		s.renderError(w, r, http.StatusBadRequest, "No se pueden cerrar fechas pasadas.")
		return
	case booking.DaysBetween(from, to) > maxBlockNights:
		s.renderError(w, r, http.StatusBadRequest, "Se puede cerrar hasta un año de una vez.")
		return
	case utf8.RuneCountInString(note) > 200:
		s.renderError(w, r, http.StatusBadRequest, "La nota puede tener hasta 200 caracteres.")
		return
	}
	res, err := s.store.AddBlock(r.Context(), store.BlockRequest{AccommodationID: id, Kind: booking.KindManualBlock,
		Start: from, End: to, Source: "admin", Note: note})
	if err != nil {
		s.actionFailed(w, r, err)
		return
	}
	s.log.Info().Int64("user_id", userFrom(r.Context()).ID).Str("reservation", res.ID).Msg("admin: closed dates")
	http.Redirect(w, r, "/admin/reservations/"+url.PathEscape(res.ID)+"?ok=blocked", http.StatusSeeOther)
}

type feedsPage struct {
	Feeds   []FeedView
	Exports []ExportView
	Cabins  []CabinView
}

func (s *Server) feeds(w http.ResponseWriter, r *http.Request) {
	var p feedsPage
	var err error
	if p.Feeds, err = s.feedViews(r.Context()); err == nil {
		if p.Exports, err = s.exportViews(r.Context()); err == nil {
			p.Cabins, err = s.cabinViews(r.Context())
		}
	}
	if err != nil {
		s.failed(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "feeds", p)
}

func (s *Server) addFeed(w http.ResponseWriter, r *http.Request) {
	cabinID, err := strconv.ParseInt(r.PostFormValue("cabin"), 10, 64)
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, "Elegí una cabaña.")
		return
	}
	if _, err := s.store.AddFeed(r.Context(), cabinID, r.PostFormValue("channel"), r.PostFormValue("url")); err != nil {
		if msg := actionError(err); msg != "" {
			s.renderError(w, r, http.StatusConflict, "No se pudo agregar el calendario: "+msg)
			return
		}
		s.log.Info().Err(err).Msg("admin: add feed refused")
		s.renderError(w, r, http.StatusBadRequest, "No se pudo agregar el calendario: revisá el canal (letras y números) y la URL (http o https).")
		return
	}
	http.Redirect(w, r, "/admin/feeds?ok=feed-added", http.StatusSeeOther)
}

func (s *Server) deleteFeed(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, "Calendario inválido.")
		return
	}
	if err := s.store.DeleteFeed(r.Context(), id, s.now()); err != nil {
		s.failed(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/feeds?ok=feed-deleted", http.StatusSeeOther)
}

// rotateExport gives a (cabin, channel) a new export token, or creates its export URL.
func (s *Server) rotateExport(w http.ResponseWriter, r *http.Request) {
	cabinID, err := strconv.ParseInt(r.PostFormValue("cabin"), 10, 64)
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, "Elegí una cabaña.")
		return
	}
	channel := r.PostFormValue("channel")
	ok := "rotated"
	if r.PostFormValue("create") == "true" {
		_, err = s.store.EnsureFeedExport(r.Context(), cabinID, channel)
		ok = "export"
	} else {
		_, err = s.store.RotateFeedExport(r.Context(), cabinID, channel, s.now())
	}
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			s.failed(w, r, err)
			return
		}
		s.log.Info().Err(err).Msg("admin: export refused")
		s.renderError(w, r, http.StatusBadRequest, "No se pudo: revisá la cabaña y el canal (letras y números).")
		return
	}
	http.Redirect(w, r, "/admin/feeds?ok="+ok, http.StatusSeeOther)
}

type conversationsPage struct {
	Search        string
	PausedOnly    bool
	Conversations []store.ConversationSummary
}

func (s *Server) conversations(w http.ResponseWriter, r *http.Request) {
	p := conversationsPage{Search: r.URL.Query().Get("q"), PausedOnly: r.URL.Query().Get("paused") == "1"}
	cs, err := s.store.ListConversations(r.Context(), p.Search, p.PausedOnly, 200)
	if err != nil {
		s.failed(w, r, err)
		return
	}
	p.Conversations = cs
	s.render(w, r, http.StatusOK, "conversations", p)
}

func (s *Server) conversation(w http.ResponseWriter, r *http.Request) {
	v, err := s.conversationView(r.Context(), chi.URLParam(r, "waID"))
	if err != nil {
		s.failed(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "conversation", v)
}

// voiceNoteAudio plays a guest's stored voice note back to the owner.
func (s *Server) voiceNoteAudio(w http.ResponseWriter, r *http.Request) {
	n, err := s.store.GetVoiceNote(r.Context(), chi.URLParam(r, "wamid"))
	if err != nil {
		s.failed(w, r, err)
		return
	}
	if n.AudioPurgedAt != nil {
		http.Error(w, "el audio se borró por antigüedad", http.StatusGone)
		return
	}
	if len(n.Audio) == 0 {
		http.Error(w, "el audio no se pudo descargar", http.StatusNotFound)
		return
	}
	ctype := n.MimeType
	if ctype == "" {
		ctype = "audio/ogg"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "private, max-age=3600")
	_, _ = w.Write(n.Audio)
}

func (s *Server) takeOver(w http.ResponseWriter, r *http.Request) { s.setPaused(w, r, true) }
func (s *Server) giveBack(w http.ResponseWriter, r *http.Request) { s.setPaused(w, r, false) }

func (s *Server) setPaused(w http.ResponseWriter, r *http.Request, paused bool) {
	waID := chi.URLParam(r, "waID")
	u := userFrom(r.Context())
	if _, err := s.store.SetBotPaused(r.Context(), waID, paused, u.Email, s.now()); err != nil {
		s.failed(w, r, err)
		return
	}
	ok := "handback"
	if paused {
		ok = "takeover"
	}
	s.log.Info().Int64("user_id", u.ID).Bool("paused", paused).Msg("admin: conversation handoff")
	http.Redirect(w, r, "/admin/conversations/"+url.PathEscape(waID)+"?ok="+ok, http.StatusSeeOther)
}
