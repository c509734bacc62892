package conversation_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/handlers/conversation"
	"github.com/reservas/reservas/handlers/whatsapp"
)

// memBooking is an in-memory Booking on the real booking domain (Search, QuoteStay,
// ValidateStay): only persistence is missing.
type memBooking struct {
	cabins   []booking.Accommodation
	res      []memRes
	codes    []string
	link     string
	linkErr  error
	fail     error // every call fails with it when set
	holdFor  time.Duration
	searches int
	now      time.Time // the clock, set by chat for each message
}

type memRes struct {
	conversation.Reservation
	cabinID int64
	phone   string
}

var errDown = errors.New("database down")

func newMem() *memBooking {
	return &memBooking{
		cabins: []booking.Accommodation{
			{ID: 1, Name: "El Arrayán", Capacity: 4, NightlyRateCents: 4_000_000, WeekendRateCents: 5_000_000,
				CleaningFeeCents: 1_000_000, Amenities: []string{"wifi", "parrilla", "cocina equipada"}},
			{ID: 2, Name: "Los Coihues", Capacity: 6, NightlyRateCents: 6_000_000,
				Amenities: []string{"wifi", "pileta", "estacionamiento"}},
		},
		codes:   []string{"ABC234", "DEF567", "GHJ892", "KMN345", "PQR678"},
		holdFor: 30 * time.Minute,
	}
}

func (m *memBooking) occupied(now time.Time) []booking.Occupancy {
	var occ []booking.Occupancy
	for _, r := range m.res {
		if r.Status == booking.StatusConfirmed || (r.Status == booking.StatusPreReserved && now.Before(r.ExpiresAt)) ||
			r.Status == "block" {
			occ = append(occ, booking.Occupancy{AccommodationID: r.cabinID, Start: r.CheckIn, BlockedUntil: r.CheckOut})
		}
	}
	return occ
}

// block occupies a cabin's nights.
func (m *memBooking) block(cabinID int64, in, out time.Time) {
	m.res = append(m.res, memRes{Reservation: conversation.Reservation{Status: "block", CheckIn: in, CheckOut: out}, cabinID: cabinID})
}

func (m *memBooking) Cabins(context.Context) ([]booking.Accommodation, error) {
	if m.fail != nil {
		return nil, m.fail
	}
	return m.cabins, nil
}

func (m *memBooking) Search(_ context.Context, stay booking.Stay, today time.Time) (booking.SearchResult, error) {
	if m.fail != nil {
		return booking.SearchResult{}, m.fail
	}
	m.searches++
	return booking.Search(m.cabins, m.occupied(m.now), stay, today)
}

func (m *memBooking) SearchCabin(_ context.Context, id int64, stay booking.Stay, today time.Time) (booking.SearchResult, error) {
	if m.fail != nil {
		return booking.SearchResult{}, m.fail
	}
	m.searches++
	res, err := booking.SearchCabin(m.cabins, m.occupied(m.now), id, stay, today)
	if errors.Is(err, booking.ErrUnknownAccommodation) {
		return res, conversation.ErrNotFound
	}
	return res, err
}

func (m *memBooking) Hold(_ context.Context, req conversation.HoldRequest) (conversation.Reservation, error) {
	if m.fail != nil {
		return conversation.Reservation{}, m.fail
	}
	var acc *booking.Accommodation
	for i := range m.cabins {
		if m.cabins[i].ID == req.CabinID {
			acc = &m.cabins[i]
		}
	}
	if acc == nil {
		return conversation.Reservation{}, conversation.ErrNotFound
	}
	if err := booking.ValidateStay(req.Stay, booking.Today(req.Now, time.UTC)); err != nil {
		return conversation.Reservation{}, err
	}
	q, err := booking.QuoteStay(*acc, req.Stay)
	if err != nil {
		return conversation.Reservation{}, err
	}
	live := 0
	for _, r := range m.res {
		if r.phone == req.Phone && r.pending(req.Now) {
			if r.cabinID == req.CabinID && r.CheckIn.Equal(req.Stay.CheckIn) && r.CheckOut.Equal(req.Stay.CheckOut) {
				return r.Reservation, nil // the same hold asked again
			}
			live++
		}
	}
	if live >= booking.MaxActiveHoldsPerGuest {
		return conversation.Reservation{}, booking.ErrTooManyHolds
	}
	if !booking.IsFree(*acc, m.occupied(req.Now), req.Stay) {
		return conversation.Reservation{}, fmt.Errorf("place hold: %w", booking.ErrDatesTaken)
	}
	code := m.codes[0]
	m.codes = m.codes[1:]
	r := conversation.Reservation{ID: "id-" + code, Code: code, CabinID: acc.ID, CabinName: acc.Name, Status: booking.StatusPreReserved,
		CheckIn: req.Stay.CheckIn, CheckOut: req.Stay.CheckOut, Guests: req.Stay.Guests, TotalCents: q.TotalCents,
		DepositCents: q.DepositCents, ExpiresAt: req.Now.Add(m.holdFor)}
	m.res = append(m.res, memRes{Reservation: r, cabinID: acc.ID, phone: req.Phone})
	return r, nil
}

func (m *memBooking) Reservations(_ context.Context, phone string) ([]conversation.Reservation, error) {
	if m.fail != nil {
		return nil, m.fail
	}
	var out []conversation.Reservation
	for i := len(m.res) - 1; i >= 0; i-- {
		if m.res[i].phone == phone {
			out = append(out, m.res[i].Reservation)
		}
	}
	return out, nil
}

func (m *memBooking) Cancel(_ context.Context, phone, code string, now time.Time) (conversation.Reservation, error) {
	if m.fail != nil {
		return conversation.Reservation{}, m.fail
	}
	for i := range m.res {
		r := &m.res[i]
		if r.Code != code || r.phone != phone {
			continue
		}
		if !r.pending(now) {
			return r.Reservation, fmt.Errorf("cancel %s: %w", code, booking.ErrInvalidTransition)
		}
		r.Status = booking.StatusCancelled
		return r.Reservation, nil
	}
	return conversation.Reservation{}, conversation.ErrNotFound
}

func (r memRes) pending(now time.Time) bool {
	return r.Status == booking.StatusPreReserved && now.Before(r.ExpiresAt)
}

func (m *memBooking) PaymentLink(_ context.Context, r conversation.Reservation) (string, error) {
	if m.linkErr != nil {
		return "", m.linkErr
	}
	if m.link == "" {
		return "", nil
	}
	return m.link + r.Code, nil
}

// chat drives one guest's conversation through the engine, keeping the state between
// messages like the store does (through JSON), and checks every reply against Meta's limits.
type chat struct {
	t     *testing.T
	eng   *conversation.Engine
	mem   *memBooking
	state conversation.State
	phone string
	name  string
	now   time.Time
	last  conversation.Output
	log   []string
}

var buenosAires = func() *time.Location {
	loc, err := time.LoadLocation("America/Argentina/Buenos_Aires")
	if err != nil {
		panic(err)
	}
	return loc
}()

func newChat(t *testing.T, mem *memBooking) *chat {
	t.Helper()
	return &chat{
		t:     t,
		eng:   &conversation.Engine{Booking: mem, Loc: buenosAires, CanHandoff: true},
		mem:   mem,
		state: conversation.LoadState(nil, ""),
		phone: "5491155550000", name: "Lucía Pérez",
		// Tuesday 1 December 2026, 10:00 in Buenos Aires: Dec 18 2026 is a Friday.
		now: time.Date(2026, 12, 1, 10, 0, 0, 0, buenosAires),
	}
}

func (c *chat) send(in conversation.Input) []conversation.Reply {
	c.t.Helper()
	in.Phone, in.ProfileName, in.Now = c.phone, c.name, c.now
	c.mem.now = c.now
	out, err := c.eng.Handle(context.Background(), c.state, in)
	if err != nil {
		c.t.Fatalf("Handle(%q): %v", in.Text+in.ReplyID, err)
	}
	raw, err := out.State.Marshal()
	if err != nil {
		c.t.Fatal(err)
	}
	c.state = conversation.LoadState(raw, "")
	c.last = out
	c.log = append(c.log, "> "+in.Text)
	for _, r := range out.Replies {
		checkMeta(c.t, r)
		c.log = append(c.log, "< "+render(r))
	}
	c.now = c.now.Add(time.Minute)
	return out.Replies
}

func (c *chat) say(text string) []conversation.Reply {
	c.t.Helper()
	return c.send(conversation.Input{Type: "text", Text: text})
}

// tap taps the button or row titled title in the last reply that has it.
func (c *chat) tap(title string) []conversation.Reply {
	c.t.Helper()
	for i := len(c.last.Replies) - 1; i >= 0; i-- {
		r := c.last.Replies[i]
		if r.Buttons != nil {
			for _, b := range r.Buttons.Buttons {
				if b.Title == title {
					return c.send(conversation.Input{Type: "interactive", Text: b.Title, ReplyID: b.ID})
				}
			}
		}
		if r.List != nil {
			for _, s := range r.List.Sections {
				for _, row := range s.Rows {
					if row.Title == title {
						return c.send(conversation.Input{Type: "interactive", Text: row.Title, ReplyID: row.ID})
					}
				}
			}
		}
	}
	c.t.Fatalf("no button or row %q in the last replies:\n%s", title, strings.Join(c.log, "\n"))
	return nil
}

func (c *chat) transcript() string { return strings.Join(c.log, "\n") }

// checkMeta fails the test when a reply would be refused by Meta.
func checkMeta(t *testing.T, r conversation.Reply) {
	t.Helper()
	n := 0
	if r.Buttons != nil {
		n++
		if err := r.Buttons.Validate(); err != nil {
			t.Fatalf("buttons break Meta's limits: %v\n%+v", err, *r.Buttons)
		}
		for _, b := range r.Buttons.Buttons {
			if _, ok := conversation.ParseAction(b.ID); !ok {
				t.Fatalf("button id %q does not parse", b.ID)
			}
		}
	}
	if r.List != nil {
		n++
		if err := r.List.Validate(); err != nil {
			t.Fatalf("list breaks Meta's limits: %v\n%+v", err, *r.List)
		}
		for _, s := range r.List.Sections {
			for _, row := range s.Rows {
				if _, ok := conversation.ParseAction(row.ID); !ok {
					t.Fatalf("row id %q does not parse", row.ID)
				}
			}
		}
	}
	if n == 0 && strings.TrimSpace(r.Text) == "" {
		t.Fatal("empty reply")
	}
	if n > 1 {
		t.Fatal("reply with both buttons and a list")
	}
	if len([]rune(r.Body())) > whatsapp.MaxTextBody {
		t.Fatal("reply too long")
	}
}

func render(r conversation.Reply) string {
	var b strings.Builder
	b.WriteString(r.Body())
	if r.Buttons != nil {
		for _, btn := range r.Buttons.Buttons {
			b.WriteString(" [" + btn.Title + "]")
		}
	}
	if r.List != nil {
		b.WriteString(" {" + r.List.ButtonText + ":")
		for _, s := range r.List.Sections {
			for _, row := range s.Rows {
				b.WriteString(" " + row.Title + " (" + row.Description + ");")
			}
		}
		b.WriteString("}")
	}
	return b.String()
}

func buttonTitles(r conversation.Reply) []string {
	var out []string
	if r.Buttons != nil {
		for _, b := range r.Buttons.Buttons {
			out = append(out, b.Title)
		}
	}
	return out
}

func rowTitles(r conversation.Reply) []string {
	var out []string
	if r.List != nil {
		for _, s := range r.List.Sections {
			for _, row := range s.Rows {
				out = append(out, row.Title)
			}
		}
	}
	return out
}

func one(t *testing.T, rs []conversation.Reply) conversation.Reply {
	t.Helper()
	if len(rs) != 1 {
		t.Fatalf("got %d replies, want 1: %+v", len(rs), rs)
	}
	return rs[0]
}

func mustContain(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Fatalf("reply %q does not contain %q", got, w)
		}
	}
}

func mustNotContain(t *testing.T, got string, nots ...string) {
	t.Helper()
	for _, w := range nots {
		if strings.Contains(got, w) {
			t.Fatalf("reply %q contains %q", got, w)
		}
	}
}
