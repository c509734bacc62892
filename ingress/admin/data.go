package admin

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/store"
)

// This file gathers what the pages and the API show; the HTML and JSON handlers only render it.

// today is the civil date in the business time zone (as 00:00 UTC, the domain's date form).
func (s *Server) todayDate() time.Time { return booking.Today(s.now(), s.cfg.Location) }

// TodayView is the day at a glance.
type TodayView struct {
	Date          time.Time                   `json:"date"`
	Arrivals      []store.Reservation         `json:"arrivals"`
	Departures    []store.Reservation         `json:"departures"`
	InHouse       []store.Reservation         `json:"in_house"`
	HoldsExpiring []store.Reservation         `json:"holds_expiring"`
	Conflicts     []ConflictView              `json:"open_conflicts"`
	UnhealthyFeed []FeedView                  `json:"unhealthy_feeds"`
	Paused        []store.ConversationSummary `json:"paused_conversations"`
}

func (s *Server) todayView(ctx context.Context) (TodayView, error) {
	today := s.todayDate()
	v := TodayView{Date: today, Arrivals: []store.Reservation{}, Departures: []store.Reservation{}, InHouse: []store.Reservation{}}
	stays, err := s.store.ListReservations(ctx, store.ReservationFilter{
		Kinds: []string{booking.KindBooking}, Statuses: []string{booking.StatusConfirmed},
		From: booking.AddDays(today, -1), To: booking.AddDays(today, 1),
	})
	if err != nil {
		return v, err
	}
	for _, r := range stays {
		switch {
		case r.CheckIn.Equal(today):
			v.Arrivals = append(v.Arrivals, r)
		case r.CheckOut.Equal(today):
			v.Departures = append(v.Departures, r)
		case r.CheckIn.Before(today) && r.CheckOut.After(today):
			v.InHouse = append(v.InHouse, r)
		}
	}
	holds, err := s.store.ListReservations(ctx, store.ReservationFilter{
		Kinds: []string{booking.KindBooking}, Statuses: []string{booking.StatusPreReserved}, Limit: 100,
	})
	if err != nil {
		return v, err
	}
	sort.SliceStable(holds, func(i, j int) bool { return expiry(holds[i]).Before(expiry(holds[j])) })
	v.HoldsExpiring = holds
	if v.Conflicts, err = s.conflicts(ctx, store.ConflictFilter{OpenOnly: true}); err != nil {
		return v, err
	}
	feeds, err := s.feedViews(ctx)
	if err != nil {
		return v, err
	}
	v.UnhealthyFeed = []FeedView{}
	for _, f := range feeds {
		if f.Enabled && !f.Healthy {
			v.UnhealthyFeed = append(v.UnhealthyFeed, f)
		}
	}
	if v.Paused, err = s.store.ListConversations(ctx, "", true, 50); err != nil {
		return v, err
	}
	return v, nil
}

func expiry(r store.Reservation) time.Time {
	if r.ExpiresAt == nil {
		return time.Time{}
	}
	return *r.ExpiresAt
}

// ReservationQuery is the reservations list's filter, as the page's form and the API take it.
type ReservationQuery struct {
	Status  string // one status, or "" for any, or "active"
	Kind    string
	CabinID int64
	From    time.Time // stays with a night in [From, To)
	To      time.Time
	Search  string // part of the code, the guest's name or phone
	Limit   int
}

func parseReservationQuery(q url.Values) (ReservationQuery, error) {
	var rq ReservationQuery
	rq.Status = q.Get("status")
	rq.Kind = q.Get("kind")
	rq.Search = strings.TrimSpace(q.Get("q"))
	if rq.Status != "" && rq.Status != "active" && !slices.Contains(allStatuses, rq.Status) {
		return rq, fmt.Errorf("unknown status %q", rq.Status)
	}
	if rq.Kind != "" && !booking.ValidKind(rq.Kind) {
		return rq, fmt.Errorf("unknown kind %q", rq.Kind)
	}
	var err error
	if v := q.Get("cabin"); v != "" {
		if rq.CabinID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return rq, fmt.Errorf("cabin %q is not a number", v)
		}
	}
	for name, dst := range map[string]*time.Time{"from": &rq.From, "to": &rq.To} {
		if v := q.Get(name); v != "" {
			if *dst, err = time.Parse(time.DateOnly, v); err != nil {
				return rq, fmt.Errorf("%s %q is not YYYY-MM-DD", name, v)
			}
		}
	}
	if v := q.Get("limit"); v != "" {
		if rq.Limit, err = strconv.Atoi(v); err != nil || rq.Limit < 1 || rq.Limit > 5000 {
			return rq, fmt.Errorf("limit %q is not between 1 and 5000", v)
		}
	}
	return rq, nil
}

var allStatuses = []string{booking.StatusPreReserved, booking.StatusConfirmed, booking.StatusCancelled,
	booking.StatusExpired, booking.StatusReleased}

func (s *Server) listReservations(ctx context.Context, rq ReservationQuery) ([]store.Reservation, error) {
	f := store.ReservationFilter{AccommodationID: rq.CabinID, From: rq.From, To: rq.To, Limit: rq.Limit}
	switch rq.Status {
	case "":
	case "active":
		f.ActiveOnly = true
	default:
		f.Statuses = []string{rq.Status}
	}
	if rq.Kind != "" {
		f.Kinds = []string{rq.Kind}
	}
	if f.Limit == 0 {
		f.Limit = 500
	}
	rs, err := s.store.ListReservations(ctx, f)
	if err != nil {
		return nil, err
	}
	if rq.Search == "" {
		return rs, nil
	}
	needle := strings.ToLower(rq.Search)
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, rq.Search)
	out := rs[:0]
	for _, r := range rs {
		if strings.Contains(strings.ToLower(r.Code), strings.ReplaceAll(needle, "-", "")) ||
			strings.Contains(strings.ToLower(r.GuestName), needle) ||
			(len(digits) >= 3 && strings.Contains(r.GuestPhone, digits)) {
			out = append(out, r)
		}
	}
	return out, nil
}

// TimelineEntry is one thing that happened around a reservation.
type TimelineEntry struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"` // event, inbound, outbound, payment
	Text   string    `json:"text"`
	Detail string    `json:"detail,omitempty"`
}

// ReservationView is one reservation with its timeline.
type ReservationView struct {
	Reservation store.Reservation `json:"reservation"`
	Timeline    []TimelineEntry   `json:"timeline"`
	Conflicts   []ConflictView    `json:"conflicts"`
	CanConfirm  bool              `json:"can_confirm"`
	CanCancel   bool              `json:"can_cancel"`
	CanRelease  bool              `json:"can_release"`
}

func (s *Server) reservationView(ctx context.Context, id string) (ReservationView, error) {
	r, err := s.store.GetReservation(ctx, id)
	if err != nil {
		return ReservationView{}, err
	}
	v := ReservationView{Reservation: r, Timeline: []TimelineEntry{}}
	v.CanConfirm = r.Kind == booking.KindBooking && r.Status == booking.StatusPreReserved
	v.CanCancel = r.Kind == booking.KindBooking && booking.CanTransition(r.Kind, r.Status, booking.StatusCancelled)
	v.CanRelease = r.Kind != booking.KindBooking && r.Status == booking.StatusConfirmed
	add := func(at *time.Time, text string) {
		if at != nil && !at.IsZero() {
			v.Timeline = append(v.Timeline, TimelineEntry{At: *at, Kind: "event", Text: text})
		}
	}
	add(&r.CreatedAt, "Creada ("+kindLabel(r.Kind)+", "+r.Source+")")
	if r.Status == booking.StatusPreReserved || r.Status == booking.StatusExpired {
		add(r.ExpiresAt, "Vence la seña")
	}
	add(r.ConfirmedAt, "Confirmada")
	if r.Status == booking.StatusCancelled {
		add(r.CancelledAt, "Cancelada")
	}
	if r.Status == booking.StatusReleased {
		add(r.CancelledAt, "Bloqueo liberado")
	}
	if r.Status == booking.StatusExpired {
		add(r.ExpiryNotifiedAt, "Se avisó al huésped que venció")
	}
	if r.GuestPhone != "" {
		msgs, err := s.messageTimeline(ctx, r.GuestPhone, 200)
		if err != nil {
			return v, err
		}
		v.Timeline = append(v.Timeline, msgs...)
	}
	pays, err := s.payments(ctx, r.ID)
	if err != nil {
		return v, err
	}
	v.Timeline = append(v.Timeline, pays...)
	sort.SliceStable(v.Timeline, func(i, j int) bool { return v.Timeline[i].At.Before(v.Timeline[j].At) })
	if v.Conflicts, err = s.conflicts(ctx, store.ConflictFilter{ReservationID: r.ID}); err != nil {
		return v, err
	}
	return v, nil
}

func messageText(typ, body string) string {
	if body != "" {
		return body
	}
	switch typ {
	case "audio":
		return "(nota de voz)"
	case "image":
		return "(imagen)"
	}
	return "(" + typ + ")"
}

// ConflictView is an open or past clash between a feed and a guest's stay.
type ConflictView struct {
	ID              int64      `json:"id"`
	CabinID         int64      `json:"accommodation_id"`
	CabinName       string     `json:"accommodation_name"`
	Channel         string     `json:"channel"`
	ReservationID   string     `json:"reservation_id"`
	ReservationCode string     `json:"reservation_code"`
	FirstNight      time.Time  `json:"first_night"`
	EndNight        time.Time  `json:"end_night"`
	Nights          int        `json:"nights"`
	Reserved        bool       `json:"reserved"`
	LikelyEcho      bool       `json:"likely_echo"`
	DetectedAt      time.Time  `json:"detected_at"`
	ResolvedAt      *time.Time `json:"resolved_at,omitempty"`
}

func (s *Server) conflicts(ctx context.Context, f store.ConflictFilter) ([]ConflictView, error) {
	cs, err := s.store.ListFeedConflicts(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]ConflictView, 0, len(cs))
	for _, c := range cs {
		out = append(out, ConflictView{ID: c.ID, CabinID: c.AccommodationID, CabinName: c.CabinName, Channel: c.Channel,
			ReservationID: c.ReservationID, ReservationCode: c.ReservationCode, FirstNight: c.FirstNight, EndNight: c.EndNight,
			Nights: c.NightCount, Reserved: c.Reserved, LikelyEcho: c.LikelyEcho, DetectedAt: c.DetectedAt, ResolvedAt: c.ResolvedAt})
	}
	return out, nil
}

// FeedView is an imported feed and how its syncs go.
type FeedView struct {
	ID            int64      `json:"id"`
	CabinID       int64      `json:"accommodation_id"`
	CabinName     string     `json:"accommodation_name"`
	Channel       string     `json:"channel"`
	URL           string     `json:"url"`
	Enabled       bool       `json:"enabled"`
	Healthy       bool       `json:"healthy"`
	LastResult    string     `json:"last_result"`
	LastError     string     `json:"last_error,omitempty"`
	LastAttemptAt *time.Time `json:"last_attempt_at,omitempty"`
	LastSuccessAt *time.Time `json:"last_success_at,omitempty"`
	Events        int        `json:"events"`
	Nights        int        `json:"nights"`
	Pending       int        `json:"pending_releases"`
	CreatedAt     time.Time  `json:"created_at"`
}

func (s *Server) feedViews(ctx context.Context) ([]FeedView, error) {
	feeds, err := s.store.ListFeeds(ctx, store.FeedFilter{})
	if err != nil {
		return nil, err
	}
	out := make([]FeedView, 0, len(feeds))
	for _, f := range feeds {
		out = append(out, FeedView{ID: f.ID, CabinID: f.AccommodationID, CabinName: f.CabinName, Channel: f.Channel,
			URL: f.URL, Enabled: f.Enabled, Healthy: f.Status.Healthy, LastResult: f.Status.LastResult,
			LastError: f.Status.LastError, LastAttemptAt: f.Status.LastAttemptAt, LastSuccessAt: f.Status.LastSuccessAt,
			Events: f.Status.EventCount, Nights: f.Status.NightCount, Pending: f.Status.PendingCount, CreatedAt: f.CreatedAt})
	}
	return out, nil
}

// ExportView is the secret export URL of a (cabin, channel).
type ExportView struct {
	ID        int64      `json:"id"`
	CabinID   int64      `json:"accommodation_id"`
	CabinName string     `json:"accommodation_name"`
	Channel   string     `json:"channel"`
	URL       string     `json:"url"`
	RotatedAt *time.Time `json:"rotated_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}

func (s *Server) exportView(e store.FeedExport) ExportView {
	return ExportView{ID: e.ID, CabinID: e.AccommodationID, CabinName: e.CabinName, Channel: e.Channel,
		URL: e.URL(s.cfg.PublicBaseURL), RotatedAt: e.RotatedAt, CreatedAt: e.CreatedAt}
}

func (s *Server) exportViews(ctx context.Context) ([]ExportView, error) {
	es, err := s.store.ListFeedExports(ctx, 0)
	if err != nil {
		return nil, err
	}
	out := make([]ExportView, 0, len(es))
	for _, e := range es {
		out = append(out, s.exportView(e))
	}
	return out, nil
}

// CabinView is a cabin with its rates and whether it is on offer.
type CabinView struct {
	booking.Accommodation
	Active bool `json:"active"`
}

func (s *Server) cabinViews(ctx context.Context) ([]CabinView, error) {
	all, err := s.store.ListAllAccommodations(ctx)
	if err != nil {
		return nil, err
	}
	active, err := s.store.ListAccommodations(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]CabinView, 0, len(all))
	for _, a := range all {
		on := slices.ContainsFunc(active, func(b booking.Accommodation) bool { return b.ID == a.ID })
		out = append(out, CabinView{Accommodation: a.WithDefaults(), Active: on})
	}
	return out, nil
}

// ConversationView is a guest's chat, oldest message first.
type ConversationView struct {
	Conversation store.ConversationSummary `json:"conversation"`
	Messages     []TimelineEntry           `json:"messages"`
	Reservations []store.Reservation       `json:"reservations"`
	// VoiceNotes are the guest's voice notes, with what speech-to-text heard (or why not).
	VoiceNotes []store.VoiceNote `json:"voice_notes"`
}

// messageTimeline is a guest's WhatsApp messages, both ways, as timeline entries (unsorted).
func (s *Server) messageTimeline(ctx context.Context, waID string, limit int) ([]TimelineEntry, error) {
	in, out, err := s.store.ConversationMessages(ctx, waID, limit)
	if err != nil {
		return nil, err
	}
	entries := make([]TimelineEntry, 0, len(in)+len(out))
	for _, m := range in {
		entries = append(entries, TimelineEntry{At: m.SentAt, Kind: "inbound", Text: messageText(m.Type, m.Body), Detail: m.Type})
	}
	for _, m := range out {
		entries = append(entries, TimelineEntry{At: m.CreatedAt, Kind: "outbound", Text: m.Body, Detail: m.Kind + " · " + m.Status})
	}
	return entries, nil
}

func (s *Server) conversationView(ctx context.Context, waID string) (ConversationView, error) {
	c, err := s.store.ConversationSummaryByWaID(ctx, waID)
	if err != nil {
		return ConversationView{}, err
	}
	v := ConversationView{Conversation: c}
	if v.Messages, err = s.messageTimeline(ctx, waID, 300); err != nil {
		return v, err
	}
	sort.SliceStable(v.Messages, func(i, j int) bool { return v.Messages[i].At.Before(v.Messages[j].At) })
	if v.Reservations, err = s.store.GuestReservations(ctx, waID); err != nil {
		return v, err
	}
	if v.VoiceNotes, err = s.store.ListVoiceNotes(ctx, waID, 50); err != nil {
		return v, err
	}
	return v, nil
}

// QueueView is one asynq queue's counts.
type QueueView struct {
	Queue     string  `json:"queue"`
	Size      int     `json:"size"`
	Pending   int     `json:"pending"`
	Active    int     `json:"active"`
	Scheduled int     `json:"scheduled"`
	Retry     int     `json:"retry"`
	Archived  int     `json:"archived"`
	Completed int     `json:"completed"`
	LatencyS  float64 `json:"latency_seconds"`
	Paused    bool    `json:"paused"`
}

func (s *Server) queueViews() ([]QueueView, error) {
	names, err := s.inspector.Queues()
	if err != nil {
		return nil, fmt.Errorf("list queues: %w", err)
	}
	sort.Strings(names)
	out := make([]QueueView, 0, len(names))
	for _, q := range names {
		info, err := s.inspector.GetQueueInfo(q)
		if err != nil {
			return nil, fmt.Errorf("queue %s: %w", q, err)
		}
		out = append(out, QueueView{Queue: q, Size: info.Size, Pending: info.Pending, Active: info.Active,
			Scheduled: info.Scheduled, Retry: info.Retry, Archived: info.Archived, Completed: info.Completed,
			LatencyS: info.Latency.Seconds(), Paused: info.Paused})
	}
	return out, nil
}

// actionError turns a refused action into words for the owner.
func actionError(err error) string {
	switch {
	case errors.Is(err, booking.ErrHoldExpired):
		return "La seña ya venció: no se puede confirmar. Creá una reserva nueva."
	case errors.Is(err, booking.ErrInvalidTransition):
		return "La reserva no está en un estado que permita eso (quizás otro la cambió recién)."
	case errors.Is(err, store.ErrNotFound):
		return "No existe."
	case errors.Is(err, store.ErrDuplicate):
		return "Ya existe."
	case errors.Is(err, store.ErrConflict):
		return "Esas fechas se superponen con otra ocupación."
	}
	return ""
}

func kindLabel(kind string) string {
	switch kind {
	case booking.KindBooking:
		return "reserva"
	case booking.KindManualBlock:
		return "bloqueo manual"
	case booking.KindImportedBlock:
		return "bloqueo importado"
	}
	return kind
}

func statusLabel(status string) string {
	switch status {
	case booking.StatusPreReserved:
		return "seña pendiente"
	case booking.StatusConfirmed:
		return "confirmada"
	case booking.StatusCancelled:
		return "cancelada"
	case booking.StatusExpired:
		return "vencida"
	case booking.StatusReleased:
		return "liberada"
	}
	return status
}
