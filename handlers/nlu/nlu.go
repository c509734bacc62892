// Package nlu understands one guest message: what the guest wants (intent),
// which dates and how many guests, and in which language they wrote.
//
// It is pure: it imports only the standard library, keeps no mutable state,
// and takes the current time as a parameter (it never calls time.Now).
//
// # Why a hand-written grammar
//
// Dates are parsed by a small hand-written grammar for the phrasings guests
// actually write ("del 12 al 15 de diciembre", "12/12 al 15/12",
// "3 noches desde el 10 de enero", "este finde", "el viernes 18", "1ro de
// enero", "dec 20-23", "de 12 a 15 de dezembro") instead of a general date
// parser such as go-dateparser. A general parser finds single dates, not
// stays: it knows nothing of ranges whose month is written once, of "nights",
// of weekends as Friday-to-Sunday stays, of "el finde que viene", nor of the
// rule that a day already past this year means next year. It also guesses
// aggressively (a price "50.000" or a time "a las 10" can become a date), and
// it is orders of magnitude slower, since it tries every locale's patterns.
// The grammar here is about one page per concern, is table-tested and fuzzed,
// and parses a typical message in 10-25 microseconds (BenchmarkParse).
//
// # Date rules
//
// All dates are civil dates: time.Time at 00:00 UTC. "Today" is now's calendar
// date in now's own location (callers pass the guest's local time in the
// business time zone).
//
//   - A day and month without a year that already passed this year mean next
//     year; today counts as this year.
//   - A day without a month ("el 5", "del 12 al 15") is the next such day,
//     today included.
//   - A range end is the first matching date after the start, so "del 28/12 al
//     3/1" spans into the next year and "del 28 al 3 de enero" starts on 28 Dec.
//   - "el sábado" is the next Saturday, today included; "el próximo sábado",
//     "el sábado que viene" and "next saturday" exclude today.
//     "el sábado de la semana que viene" is the Saturday of next calendar week.
//   - A weekday with a day ("el viernes 18") is the nearest future date whose
//     day is 18 and that falls on a Friday (the weekday is ignored when no
//     such date exists in the next 28 months).
//   - "este finde", "el finde", "this weekend", "este fim de semana": check-in
//     Friday, check-out Sunday (2 nights). From Friday to Sunday it is the
//     current weekend, with check-in today on Saturday (1 night) and on Sunday
//     the next one (a Sunday check-in is not a weekend stay).
//     "el finde que viene", "el próximo finde", "next weekend": the weekend
//     after that.
//   - "finde largo" sets LongWeekend. Only "este finde largo" gets dates
//     (Friday to Monday); which weekend is long depends on the holiday
//     calendar, which this package does not know.
//   - Two days joined by "y" ("el 15 y 16", "viernes y sábado") are the nights
//     of those days, so check-out is the day after the second; a weekday pair
//     ending on Sunday ("sábado y domingo") checks out on Sunday.
//   - "N días" counts as N nights; "una semana" is 7 nights.
//   - Day/month order is Argentinian (12/01 is 12 January); a pair that is
//     only valid month-first (12/15) is read month-first.
package nlu

import (
	"encoding/json"
	"time"
)

// Intent is what the guest wants from this message.
type Intent string

// The intents Parse returns.
const (
	IntentGreeting       Intent = "greeting"
	IntentAvailability   Intent = "availability"
	IntentPrice          Intent = "price"
	IntentBook           Intent = "book"
	IntentAmenities      Intent = "amenities"
	IntentCancel         Intent = "cancel"
	IntentMyReservations Intent = "my_reservations"
	IntentPayment        Intent = "payment"
	IntentHuman          Intent = "human"
	IntentThanks         Intent = "thanks"
	IntentUnknown        Intent = "unknown"
)

// Topics set in Result.Topic.
const (
	TopicCheckin            = "checkin"
	TopicPets               = "pets"
	TopicWifi               = "wifi"
	TopicBreakfast          = "breakfast"
	TopicPolicies           = "policies"
	TopicParking            = "parking"
	TopicPool               = "pool"
	TopicDirections         = "directions"
	TopicCancellationPolicy = "cancellation_policy"
	TopicLinens             = "linens"  // sheets, towels
	TopicGrill              = "grill"   // parrilla, asador, bbq
	TopicClimate            = "climate" // heating, air conditioning
	TopicKitchen            = "kitchen"
)

// MaxInputRunes bounds the work done on one message: Parse reads at most this
// many runes of it.
const MaxInputRunes = 2000

// Result is the understanding of one message.
type Result struct {
	Intent Intent
	// Language is "es", "en" or "pt"; "es" when the message gives no clue
	// (see LanguageDetected).
	Language string
	// LanguageDetected is false when the message had no language markers
	// ("ok", "4", "👍"), so a dialogue engine should keep the language of
	// the conversation instead of Language.
	LanguageDetected bool

	// CheckIn is a civil date (00:00 UTC); zero if absent.
	CheckIn time.Time
	// CheckOut is a civil date (00:00 UTC) after CheckIn; zero if absent.
	// It is set only together with CheckIn.
	CheckOut time.Time
	// Nights is CheckOut-CheckIn in days when both are known, or a stated
	// length ("3 noches", "una semana") without dates; 0 if unknown.
	Nights int
	// Guests is the total number of people, children included; 0 if unknown.
	Guests int
	// Children is how many of Guests were stated as children or babies.
	Children int

	// Topic is what an amenities question (or a mention) is about, one of the
	// Topic constants, or "" when none or a general question ("¿qué incluye?").
	Topic string

	// Yes and No are set for affirmative ("sí", "dale", "ok", "listo", 👍) and
	// negative ("no", "mejor no", "nop") answers.
	Yes, No bool

	// Choice is a 1-based option the guest picked: "la 2", "opción 3",
	// "la segunda", "the first one"; 0 if none.
	Choice int
	// Number is set when the whole message is one number ("4", "cuatro"),
	// which only the conversation state can interpret (guests, an option).
	Number int
	// Month (1-12) is a month mentioned without a day ("¿hay lugar en
	// enero?"); 0 if none.
	Month int
	// Pets is set when the guest mentions travelling with, or asks about, pets.
	Pets bool
	// LongWeekend is set when the guest mentions a long weekend ("finde largo").
	LongWeekend bool
}

const dateLayout = "2006-01-02"

type resultJSON struct {
	Intent           Intent  `json:"intent"`
	Language         string  `json:"language"`
	LanguageDetected bool    `json:"language_detected"`
	CheckIn          *string `json:"check_in"`
	CheckOut         *string `json:"check_out"`
	Nights           *int    `json:"nights"`
	Guests           *int    `json:"guests"`
	Children         *int    `json:"children"`
	Topic            *string `json:"topic"`
	Yes              bool    `json:"yes"`
	No               bool    `json:"no"`
	Choice           *int    `json:"choice"`
	Number           *int    `json:"number"`
	Month            *int    `json:"month"`
	Pets             bool    `json:"pets"`
	LongWeekend      bool    `json:"long_weekend"`
}

// MarshalJSON renders the result with snake_case keys. Dates are "YYYY-MM-DD";
// absent dates, zero counts and an empty topic are null.
func (r Result) MarshalJSON() ([]byte, error) {
	date := func(t time.Time) *string {
		if t.IsZero() {
			return nil
		}
		s := t.Format(dateLayout)
		return &s
	}
	count := func(n int) *int {
		if n == 0 {
			return nil
		}
		return &n
	}
	var topic *string
	if r.Topic != "" {
		topic = &r.Topic
	}
	return json.Marshal(resultJSON{
		Intent:           r.Intent,
		Language:         r.Language,
		LanguageDetected: r.LanguageDetected,
		CheckIn:          date(r.CheckIn),
		CheckOut:         date(r.CheckOut),
		Nights:           count(r.Nights),
		Guests:           count(r.Guests),
		Children:         count(r.Children),
		Topic:            topic,
		Yes:              r.Yes,
		No:               r.No,
		Choice:           count(r.Choice),
		Number:           count(r.Number),
		Month:            count(r.Month),
		Pets:             r.Pets,
		LongWeekend:      r.LongWeekend,
	})
}

// Parse understands one message. now is the guest's local time in the
// business time zone; its calendar date is "today".
func Parse(text string, now time.Time) Result {
	y, m, d := now.Date()
	p := &parser{today: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
	p.toks = tokenize(text)
	return p.run()
}
