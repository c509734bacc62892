package booking

import (
	"errors"
	"fmt"
	"time"
	// The business time zone (America/Argentina/Buenos_Aires) must resolve even on hosts
	// without a zoneinfo database (scratch or distroless images).
	_ "time/tzdata"
)

// Limits on what a guest may ask for.
const (
	// MaxNights is the longest stay the bot books.
	MaxNights = 60
	// MaxGuests is a sanity cap on the party size; each cabin's capacity is checked on top.
	MaxGuests = 30
	// MaxAdvanceDays is how far ahead a check-in may be.
	MaxAdvanceDays = 730
)

// Reasons a stay is refused, for StayError.Reason. They are stable codes meant for choosing a
// friendly reply, never shown to a guest as they are.
const (
	ReasonInvalidDate           = "invalid_date"            // a date is not a civil date (00:00 UTC)
	ReasonCheckoutBeforeCheckin = "checkout_before_checkin" // check_out <= check_in
	ReasonPast                  = "past"                    // check_in before today
	ReasonTooLong               = "too_long"                // more than MaxNights nights; Limit = MaxNights
	ReasonTooFar                = "too_far"                 // check_in more than MaxAdvanceDays ahead; Limit = MaxAdvanceDays
	ReasonNoGuests              = "no_guests"               // fewer than one guest
	ReasonTooManyGuests         = "too_many_guests"         // over MaxGuests or over the capacity; Limit = that maximum
	ReasonBelowMinNights        = "below_min_nights"        // shorter than the minimum stay; Limit = the minimum
)

var (
	// ErrInvalidStay is wrapped by every *StayError: the stay cannot be booked as asked.
	ErrInvalidStay = errors.New("booking: invalid stay")
	// ErrBelowMinNights is also wrapped by a *StayError whose Reason is ReasonBelowMinNights.
	ErrBelowMinNights = errors.New("booking: stay shorter than the minimum nights")
)

// StayError says why a stay was refused. Use errors.As to read Reason and Limit.
type StayError struct {
	Reason string
	// Limit is the bound that was crossed, when there is one (see the Reason constants).
	Limit int
}

func (e *StayError) Error() string {
	switch e.Reason {
	case ReasonInvalidDate:
		return "booking: invalid stay: dates must be civil dates (00:00 UTC)"
	case ReasonCheckoutBeforeCheckin:
		return "booking: invalid stay: check-out must be after check-in"
	case ReasonPast:
		return "booking: invalid stay: check-in is in the past"
	case ReasonTooLong:
		return fmt.Sprintf("booking: invalid stay: longer than %d nights", e.Limit)
	case ReasonTooFar:
		return fmt.Sprintf("booking: invalid stay: check-in more than %d days ahead", e.Limit)
	case ReasonNoGuests:
		return "booking: invalid stay: at least one guest is needed"
	case ReasonTooManyGuests:
		return fmt.Sprintf("booking: invalid stay: more than %d guests", e.Limit)
	case ReasonBelowMinNights:
		return fmt.Sprintf("booking: invalid stay: the minimum stay is %d nights", e.Limit)
	}
	return "booking: invalid stay: " + e.Reason
}

// Unwrap makes errors.Is match ErrInvalidStay, and ErrBelowMinNights for that reason.
func (e *StayError) Unwrap() []error {
	if e.Reason == ReasonBelowMinNights {
		return []error{ErrInvalidStay, ErrBelowMinNights}
	}
	return []error{ErrInvalidStay}
}

// ReasonOf returns the StayError reason inside err, or "" when there is none.
func ReasonOf(err error) string {
	var se *StayError
	if errors.As(err, &se) {
		return se.Reason
	}
	return ""
}

// Stay is a request for the nights [CheckIn, CheckOut) for Guests people. Dates are civil
// dates: time.Time at 00:00 UTC (see Date).
type Stay struct {
	CheckIn  time.Time `json:"check_in"`
	CheckOut time.Time `json:"check_out"`
	Guests   int       `json:"guests"`
}

// Nights is the number of nights of the stay (0 when check-out is not after check-in).
func (s Stay) Nights() int {
	n := DaysBetween(s.CheckIn, s.CheckOut)
	if n < 0 {
		return 0
	}
	return n
}

// Shift returns the same stay moved by days (negative: earlier).
func (s Stay) Shift(days int) Stay {
	s.CheckIn = AddDays(s.CheckIn, days)
	s.CheckOut = AddDays(s.CheckOut, days)
	return s
}

// ValidateStay checks a stay on its own (no cabin yet) against today, the civil date in the
// business time zone (see Today). The error is a *StayError.
func ValidateStay(s Stay, today time.Time) error {
	if !IsDate(s.CheckIn) || !IsDate(s.CheckOut) {
		return &StayError{Reason: ReasonInvalidDate}
	}
	if !s.CheckOut.After(s.CheckIn) {
		return &StayError{Reason: ReasonCheckoutBeforeCheckin}
	}
	today = DateOf(today)
	if s.CheckIn.Before(today) {
		return &StayError{Reason: ReasonPast}
	}
	if s.Nights() > MaxNights {
		return &StayError{Reason: ReasonTooLong, Limit: MaxNights}
	}
	if DaysBetween(today, s.CheckIn) > MaxAdvanceDays {
		return &StayError{Reason: ReasonTooFar, Limit: MaxAdvanceDays}
	}
	if s.Guests < 1 {
		return &StayError{Reason: ReasonNoGuests}
	}
	if s.Guests > MaxGuests {
		return &StayError{Reason: ReasonTooManyGuests, Limit: MaxGuests}
	}
	return nil
}

// Date returns the civil date y-m-d as the project represents it: 00:00 UTC.
func Date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// DateOf returns t's calendar date (in t's own location) as a civil date.
func DateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return Date(y, m, d)
}

// Today returns the civil date it is in loc at the instant now.
func Today(now time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return DateOf(now.In(loc))
}

// IsDate reports whether t is a civil date: 00:00:00 UTC.
func IsDate(t time.Time) bool {
	return t.Location() == time.UTC && t.Equal(DateOf(t)) && !t.IsZero()
}

// AddDays returns the civil date n days after d.
func AddDays(d time.Time, n int) time.Time {
	return d.AddDate(0, 0, n)
}

// DaysBetween returns the number of days from a to b (negative when b is before a).
func DaysBetween(a, b time.Time) int {
	return int(DateOf(b).Sub(DateOf(a)).Hours()) / 24
}
