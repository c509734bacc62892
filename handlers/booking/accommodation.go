package booking

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Defaults for zero Accommodation fields (see WithDefaults).
const (
	DefaultCheckInTime       = "14:00"
	DefaultCheckOutTime      = "10:00"
	DefaultDepositPercent    = 30
	DefaultTimeZone          = "America/Argentina/Buenos_Aires"
	DefaultWeekendMultiplier = 100
	// MaxBufferDays bounds the turnover gap an owner may set.
	MaxBufferDays = 30
)

// DefaultWeekendNights are the nights priced as weekend nights unless configured: the nights
// that start on Friday and on Saturday.
func DefaultWeekendNights() []time.Weekday { return []time.Weekday{time.Friday, time.Saturday} }

// ErrInvalidAccommodation is wrapped by Validate's errors.
var ErrInvalidAccommodation = errors.New("booking: invalid accommodation")

// Accommodation is a cabin with its rates. Money is integer centavos (ARS).
//
// Pricing of one night, first rule that applies:
//  1. a Season containing the night: its NightlyRateCents (when seasons overlap, the
//     shortest one wins, so a long weekend inside the high season takes precedence);
//  2. a weekend night (one that starts on a day in WeekendNights): WeekendRateCents when it
//     is set (> 0), else NightlyRateCents * WeekendMultiplierPct / 100;
//  3. NightlyRateCents.
type Accommodation struct {
	ID           int64    `json:"id"`
	Name         string   `json:"name"`
	Description  string   `json:"description"`
	Capacity     int      `json:"capacity"`
	PhotoURLs    []string `json:"photo_urls"`
	Amenities    []string `json:"amenities"`
	CheckInTime  string   `json:"check_in_time"`  // "HH:MM", local to TimeZone; "" means 14:00
	CheckOutTime string   `json:"check_out_time"` // "HH:MM"; "" means 10:00

	NightlyRateCents int64 `json:"nightly_rate_cents"`
	// WeekendRateCents, when > 0, is the price of a weekend night; 0 means use the multiplier.
	WeekendRateCents int64 `json:"weekend_rate_cents"`
	// WeekendMultiplierPct prices weekend nights as a percentage of the nightly rate when
	// WeekendRateCents is 0; 0 means 100 (no surcharge).
	WeekendMultiplierPct int `json:"weekend_multiplier_pct"`
	// WeekendNights are the weekdays on which a weekend night starts. nil means Friday and
	// Saturday; an empty non-nil slice means no weekend pricing at all.
	WeekendNights []time.Weekday `json:"weekend_nights"`
	// MinNights is the minimum stay outside seasons; 0 means 1.
	MinNights        int   `json:"min_nights"`
	CleaningFeeCents int64 `json:"cleaning_fee_cents"`
	// DepositPercent is the seña asked to hold the dates, 1..100; 0 means 30.
	DepositPercent int `json:"deposit_percent"`
	// BufferDays is the turnover gap kept free after every occupancy of this cabin.
	BufferDays int `json:"buffer_days"`
	// TimeZone is the IANA zone of the cabin; "" means America/Argentina/Buenos_Aires.
	TimeZone string   `json:"time_zone"`
	Seasons  []Season `json:"seasons"`
}

// Season is a period with its own nightly rate and minimum stay: the nights [Start, End).
type Season struct {
	Name             string    `json:"name"`
	Start            time.Time `json:"start"`
	End              time.Time `json:"end"`
	NightlyRateCents int64     `json:"nightly_rate_cents"`
	// MinNights is the minimum stay of any booking that has a night in the season; 0 means
	// no minimum of its own.
	MinNights int `json:"min_nights"`
}

// Contains reports whether the night starting on date d is in the season.
func (s Season) Contains(d time.Time) bool {
	return !d.Before(s.Start) && d.Before(s.End)
}

// WithDefaults returns a with every zero-valued optional field set to its default.
func (a Accommodation) WithDefaults() Accommodation {
	if a.CheckInTime == "" {
		a.CheckInTime = DefaultCheckInTime
	}
	if a.CheckOutTime == "" {
		a.CheckOutTime = DefaultCheckOutTime
	}
	if a.WeekendMultiplierPct == 0 {
		a.WeekendMultiplierPct = DefaultWeekendMultiplier
	}
	if a.WeekendNights == nil {
		a.WeekendNights = DefaultWeekendNights()
	}
	if a.MinNights == 0 {
		a.MinNights = 1
	}
	if a.DepositPercent == 0 {
		a.DepositPercent = DefaultDepositPercent
	}
	if a.TimeZone == "" {
		a.TimeZone = DefaultTimeZone
	}
	if a.PhotoURLs == nil {
		a.PhotoURLs = []string{}
	}
	if a.Amenities == nil {
		a.Amenities = []string{}
	}
	return a
}

// Location returns the cabin's time zone.
func (a Accommodation) Location() (*time.Location, error) {
	tz := a.TimeZone
	if tz == "" {
		tz = DefaultTimeZone
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("%w: time zone %q: %w", ErrInvalidAccommodation, tz, err)
	}
	return loc, nil
}

// Validate checks a (after WithDefaults) for values the pricing cannot work with.
func (a Accommodation) Validate() error {
	a = a.WithDefaults()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidAccommodation, fmt.Sprintf(format, args...))
	}
	switch {
	case a.Name == "":
		return bad("name is empty")
	case a.Capacity < 1 || a.Capacity > MaxGuests:
		return bad("capacity %d is not between 1 and %d", a.Capacity, MaxGuests)
	case a.NightlyRateCents < 0:
		return bad("nightly rate is negative")
	case a.WeekendRateCents < 0:
		return bad("weekend rate is negative")
	case a.WeekendMultiplierPct < 1 || a.WeekendMultiplierPct > 1000:
		return bad("weekend multiplier %d%% is not between 1 and 1000", a.WeekendMultiplierPct)
	case a.MinNights < 1 || a.MinNights > MaxNights:
		return bad("minimum nights %d is not between 1 and %d", a.MinNights, MaxNights)
	case a.CleaningFeeCents < 0:
		return bad("cleaning fee is negative")
	case a.DepositPercent < 1 || a.DepositPercent > 100:
		return bad("deposit %d%% is not between 1 and 100", a.DepositPercent)
	case a.BufferDays < 0 || a.BufferDays > MaxBufferDays:
		return bad("buffer of %d days is not between 0 and %d", a.BufferDays, MaxBufferDays)
	}
	if !validClock(a.CheckInTime) {
		return bad("check-in time %q is not HH:MM", a.CheckInTime)
	}
	if !validClock(a.CheckOutTime) {
		return bad("check-out time %q is not HH:MM", a.CheckOutTime)
	}
	seen := make([]time.Weekday, 0, len(a.WeekendNights))
	for _, d := range a.WeekendNights {
		if d < time.Sunday || d > time.Saturday || slices.Contains(seen, d) {
			return bad("weekend nights %v are not distinct weekdays", a.WeekendNights)
		}
		seen = append(seen, d)
	}
	if _, err := a.Location(); err != nil {
		return err
	}
	for _, s := range a.Seasons {
		switch {
		case s.Name == "":
			return bad("a season has no name")
		case !IsDate(s.Start) || !IsDate(s.End):
			return bad("season %q: dates must be civil dates", s.Name)
		case !s.End.After(s.Start):
			return bad("season %q ends before it starts", s.Name)
		case s.NightlyRateCents < 0:
			return bad("season %q: nightly rate is negative", s.Name)
		case s.MinNights < 0 || s.MinNights > MaxNights:
			return bad("season %q: minimum nights %d is not between 0 and %d", s.Name, s.MinNights, MaxNights)
		}
	}
	return nil
}

func validClock(s string) bool {
	t, err := time.Parse("15:04", s)
	return err == nil && t.Format("15:04") == s
}

// isWeekendNight reports whether the night starting on d is a weekend night for a (after
// WithDefaults).
func (a Accommodation) isWeekendNight(d time.Time) bool {
	return slices.Contains(a.WeekendNights, d.Weekday())
}

// seasonFor returns the season pricing the night starting on d: the shortest season that
// contains it, ties broken by the later start, then by the order in a.Seasons.
func (a Accommodation) seasonFor(d time.Time) (Season, bool) {
	var best Season
	found := false
	for _, s := range a.Seasons {
		if !s.Contains(d) {
			continue
		}
		if !found || s.End.Sub(s.Start) < best.End.Sub(best.Start) ||
			(s.End.Sub(s.Start) == best.End.Sub(best.Start) && s.Start.After(best.Start)) {
			best, found = s, true
		}
	}
	return best, found
}
