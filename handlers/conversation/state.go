package conversation

import (
	"encoding/json"
	"time"

	"github.com/reservas/reservas/handlers/booking"
)

// StateVersion is the version of State written by this code. A stored state of another
// version (or one that does not decode) starts a fresh conversation, keeping the language.
const StateVersion = 1

// IdleReset is how long a guest may be silent before the half-built booking (dates, guests,
// chosen cabin, pending question) is forgotten. The language is kept.
const IdleReset = 6 * time.Hour

// Step is the question the bot asked last, which decides how a short answer ("4", "sí",
// "la segunda") is read.
type Step string

// Steps.
const (
	StepNone     Step = ""
	StepDates    Step = "dates"     // asked for the dates
	StepCheckOut Step = "check_out" // has the check-in, asked until when
	StepGuests   Step = "guests"    // asked how many people
	StepCabin    Step = "cabin"     // offered cabins (Offers), waiting for a choice
	StepQuote    Step = "quote"     // showed the quote of CabinID, waiting for "Reservar"
	StepCancel   Step = "cancel"    // asked to confirm cancelling Cancel
)

// Date is a civil date as "YYYY-MM-DD" ("" when unknown), so the stored state reads plainly.
type Date string

// DateOf returns the Date of a civil date (zero: "").
func DateOf(t time.Time) Date {
	if t.IsZero() {
		return ""
	}
	return Date(t.Format(time.DateOnly))
}

// Time returns the civil date (00:00 UTC); zero when d is empty or malformed.
func (d Date) Time() time.Time {
	if d == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, string(d))
	if err != nil {
		return time.Time{}
	}
	return t
}

// Offer is one option the guest was shown in a list: a cabin for a stay.
type Offer struct {
	CabinID  int64  `json:"cabin_id"`
	Name     string `json:"name"`
	CheckIn  Date   `json:"check_in"`
	CheckOut Date   `json:"check_out"`
}

// State is what the bot remembers of one guest's conversation. It is stored as JSON in
// conversations.state.
type State struct {
	Version int `json:"version"`
	// Lang is the guest's language: "es", "en" or "pt".
	Lang string `json:"lang,omitempty"`
	Step Step   `json:"step,omitempty"`
	// Greeted is set once the bot introduced itself.
	Greeted bool `json:"greeted,omitempty"`

	// The booking being put together.
	CheckIn  Date `json:"check_in,omitempty"`
	CheckOut Date `json:"check_out,omitempty"`
	// Nights is a stated length without dates yet ("3 noches").
	Nights int `json:"nights,omitempty"`
	// Month is a month named without days ("¿hay lugar en enero?").
	Month  int `json:"month,omitempty"`
	Guests int `json:"guests,omitempty"`
	// CabinID is the cabin the guest chose or named; 0 for any.
	CabinID int64 `json:"cabin_id,omitempty"`
	// Offers are the options of the last list sent (StepCabin).
	Offers []Offer `json:"offers,omitempty"`

	// Cancel is the reservation code waiting for the guest's confirmation (StepCancel).
	Cancel string `json:"cancel,omitempty"`
	// LastHold is the code of the last hold placed in this conversation.
	LastHold string `json:"last_hold,omitempty"`
	// Misses counts messages in a row the bot did not understand.
	Misses int `json:"misses,omitempty"`

	UpdatedAt time.Time `json:"updated_at"`
}

// LoadState decodes a stored state. Anything unreadable or of another version gives a fresh
// state (in lang, the conversation's stored language), never an error: a guest must always
// get an answer.
func LoadState(raw []byte, lang string) State {
	fresh := State{Version: StateVersion, Lang: normLang(lang)}
	if len(raw) == 0 {
		return fresh
	}
	var s State
	if err := json.Unmarshal(raw, &s); err != nil || s.Version != StateVersion {
		if s.Lang != "" && err == nil {
			fresh.Lang = normLang(s.Lang)
		}
		return fresh
	}
	if s.Lang == "" {
		s.Lang = lang
	}
	s.Lang = normLang(s.Lang)
	return s
}

// Marshal encodes the state for storage.
func (s State) Marshal() ([]byte, error) {
	s.Version = StateVersion
	return json.Marshal(s)
}

// stay is the booking's stay (zero dates when unknown).
func (s State) stay() booking.Stay {
	return booking.Stay{CheckIn: s.CheckIn.Time(), CheckOut: s.CheckOut.Time(), Guests: s.Guests}
}

func (s State) hasDates() bool { return s.CheckIn != "" && s.CheckOut != "" }

// hasQuery reports whether a booking is being put together.
func (s State) hasQuery() bool {
	return s.CheckIn != "" || s.Guests > 0 || s.Nights > 0 || s.Month > 0 || s.CabinID != 0
}

// clearQuery forgets the booking being put together.
func (s *State) clearQuery() {
	s.CheckIn, s.CheckOut, s.Nights, s.Month, s.Guests, s.CabinID = "", "", 0, 0, 0, 0
	s.Offers = nil
	s.Step = StepNone
}

// setDates stores a stay's dates; the stated length and month are then known.
func (s *State) setDates(in, out time.Time) {
	s.CheckIn, s.CheckOut = DateOf(in), DateOf(out)
	s.Nights, s.Month = 0, 0
}

func normLang(l string) string {
	switch l {
	case "en", "pt":
		return l
	}
	return "es"
}
