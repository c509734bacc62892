package booking

import (
	"cmp"
	"errors"
	"slices"
	"time"
)

// Search tuning.
const (
	// MaxShiftDays is how far (each way) Search moves the dates looking for alternatives.
	MaxShiftDays = 7
	// MaxAlternatives is the most alternatives a search returns.
	MaxAlternatives = 4
)

// Why a search offers an alternative.
const (
	AltOtherDates = "other_dates" // the same number of nights, moved by ShiftDays
	AltLongerStay = "longer_stay" // the same check-in, stretched to the minimum stay
	AltOtherCabin = "other_cabin" // another cabin on the same dates (SearchCabin)
)

// Why a cabin is not in SearchResult.Available.
const (
	RejectTaken         = "taken"            // something occupies (or its buffer touches) the dates
	RejectTooManyGuests = "too_many_guests"  // Limit = capacity
	RejectMinNights     = "below_min_nights" // Limit = the minimum stay
)

// ErrUnknownAccommodation means SearchCabin was asked about a cabin not in the list.
var ErrUnknownAccommodation = errors.New("booking: unknown accommodation")

// Occupancy is something that occupies a cabin's nights [Start, BlockedUntil): a hold, a
// confirmed booking or a block, with its turnover buffer already added.
type Occupancy struct {
	AccommodationID int64     `json:"accommodation_id"`
	Start           time.Time `json:"start"`
	BlockedUntil    time.Time `json:"blocked_until"`
}

// Alternative is a stay that was not asked for but is free.
type Alternative struct {
	Quote  Quote  `json:"quote"`
	Reason string `json:"reason"`
	// ShiftDays is how many days the dates moved for AltOtherDates (negative: earlier).
	ShiftDays int `json:"shift_days"`
}

// Rejection says why a cabin is not available for the stay as asked.
type Rejection struct {
	AccommodationID int64  `json:"accommodation_id"`
	Reason          string `json:"reason"`
	Limit           int    `json:"limit,omitempty"`
}

// SearchResult is what a search found: the cabins free for the stay (cheapest first) and,
// when there are none, up to MaxAlternatives nearby options (nearest first).
type SearchResult struct {
	Stay         Stay          `json:"stay"`
	Available    []Quote       `json:"available"`
	Alternatives []Alternative `json:"alternatives"`
	Rejected     []Rejection   `json:"rejected"`
}

// Search finds which of accs are free for s, given what occupies them, and quotes each.
// occupied may hold any cabin's occupancies (it needs those overlapping SearchWindow). When
// none is free, it proposes alternatives: the same cabins on dates moved by up to
// MaxShiftDays, or a stay stretched to the minimum nights. A party larger than every cabin
// is a *StayError with ReasonTooManyGuests and Limit = the largest capacity.
func Search(accs []Accommodation, occupied []Occupancy, s Stay, today time.Time) (SearchResult, error) {
	return search(accs, occupied, s, today, 0)
}

// SearchCabin is Search for one cabin the guest asked about. When it is not free, the other
// cabins free on the same dates come first as AltOtherCabin, then other dates.
func SearchCabin(accs []Accommodation, occupied []Occupancy, accommodationID int64, s Stay, today time.Time) (SearchResult, error) {
	if !slices.ContainsFunc(accs, func(a Accommodation) bool { return a.ID == accommodationID }) {
		return SearchResult{}, ErrUnknownAccommodation
	}
	return search(accs, occupied, s, today, accommodationID)
}

// SearchWindow returns the nights [from, to) a search for s over accs may look at: load
// every occupancy overlapping it.
func SearchWindow(accs []Accommodation, s Stay) (from, to time.Time) {
	buffer := 0
	for _, a := range accs {
		buffer = max(buffer, a.BufferDays)
	}
	from = AddDays(s.CheckIn, -MaxShiftDays-buffer)
	last := s.CheckOut // a stay stretched to a minimum never goes past MaxNights
	if longest := AddDays(s.CheckIn, MaxNights); longest.After(last) {
		last = longest
	}
	to = AddDays(last, MaxShiftDays+buffer)
	return from, to
}

// IsFree reports whether the stay's nights plus a's buffer overlap none of occupied.
func IsFree(a Accommodation, occupied []Occupancy, s Stay) bool {
	until := AddDays(s.CheckOut, max(a.BufferDays, 0))
	for _, o := range occupied {
		if o.AccommodationID == a.ID && o.Start.Before(until) && s.CheckIn.Before(o.BlockedUntil) {
			return false
		}
	}
	return true
}

func search(accs []Accommodation, occupied []Occupancy, s Stay, today time.Time, want int64) (SearchResult, error) {
	if err := ValidateStay(s, today); err != nil {
		return SearchResult{}, err
	}
	res := SearchResult{Stay: s, Available: []Quote{}, Alternatives: []Alternative{}, Rejected: []Rejection{}}
	if len(accs) == 0 {
		return res, nil
	}
	largest := 0
	for _, a := range accs {
		largest = max(largest, a.Capacity)
	}
	if s.Guests > largest {
		return SearchResult{}, &StayError{Reason: ReasonTooManyGuests, Limit: largest}
	}

	fits := make([]Accommodation, 0, len(accs)) // cabins big enough for the party
	for _, a := range accs {
		a = a.WithDefaults()
		if a.Capacity < s.Guests {
			res.Rejected = append(res.Rejected, Rejection{AccommodationID: a.ID, Reason: RejectTooManyGuests, Limit: a.Capacity})
			continue
		}
		fits = append(fits, a)
		if want != 0 && a.ID != want {
			continue
		}
		if !IsFree(a, occupied, s) { // taken says more than a minimum stay would
			res.Rejected = append(res.Rejected, Rejection{AccommodationID: a.ID, Reason: RejectTaken})
			continue
		}
		q, err := QuoteStay(a, s)
		var se *StayError
		switch {
		case errors.As(err, &se) && se.Reason == ReasonBelowMinNights:
			res.Rejected = append(res.Rejected, Rejection{AccommodationID: a.ID, Reason: RejectMinNights, Limit: se.Limit})
		case err != nil:
			return SearchResult{}, err
		default:
			res.Available = append(res.Available, q)
		}
	}
	sortQuotes(res.Available)
	if len(res.Available) > 0 {
		return res, nil
	}

	var alts []Alternative
	offered := map[int64]bool{} // cabins already proposed on the dates asked for
	if want != 0 {
		for _, a := range fits {
			if a.ID == want {
				continue
			}
			if q, ok := freeQuote(a, occupied, s, today); ok {
				alts = append(alts, Alternative{Quote: q, Reason: AltOtherCabin})
				offered[a.ID] = true
			}
		}
	}
	for _, a := range fits {
		if offered[a.ID] {
			continue
		}
		if alt, ok := longerStay(a, occupied, s, today); ok {
			alts = append(alts, alt)
		}
		if alt, ok := shiftedStay(a, occupied, s, today); ok {
			alts = append(alts, alt)
		}
	}
	rank := func(alt Alternative) int {
		if want != 0 && alt.Quote.AccommodationID == want {
			return 0 // the cabin asked about, on other dates, before other cabins on other dates
		}
		if alt.Reason == AltOtherCabin {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(alts, func(x, y Alternative) int {
		return cmp.Or(
			cmp.Compare(abs(x.ShiftDays), abs(y.ShiftDays)),
			cmp.Compare(rank(x), rank(y)),
			cmp.Compare(x.ShiftDays, y.ShiftDays),
			cmp.Compare(x.Quote.TotalCents, y.Quote.TotalCents),
			cmp.Compare(x.Quote.AccommodationID, y.Quote.AccommodationID),
		)
	})
	if len(alts) > MaxAlternatives {
		alts = alts[:MaxAlternatives]
	}
	res.Alternatives = append(res.Alternatives, alts...)
	return res, nil
}

// freeQuote quotes s in a when s is a valid, free stay there.
func freeQuote(a Accommodation, occupied []Occupancy, s Stay, today time.Time) (Quote, bool) {
	if ValidateStay(s, today) != nil {
		return Quote{}, false
	}
	q, err := QuoteStay(a, s)
	if err != nil || !IsFree(a, occupied, s) {
		return Quote{}, false
	}
	return q, true
}

// longerStay stretches a stay that is below a's minimum nights up to that minimum (which may
// grow as the stay reaches into a season with a longer one).
func longerStay(a Accommodation, occupied []Occupancy, s Stay, today time.Time) (Alternative, bool) {
	stretched := false
	for range 3 {
		_, err := QuoteStay(a, s)
		var se *StayError
		if !errors.As(err, &se) || se.Reason != ReasonBelowMinNights {
			break
		}
		s.CheckOut = AddDays(s.CheckIn, se.Limit)
		stretched = true
	}
	if !stretched {
		return Alternative{}, false
	}
	q, ok := freeQuote(a, occupied, s, today)
	if !ok {
		return Alternative{}, false
	}
	return Alternative{Quote: q, Reason: AltLongerStay}, true
}

// shiftedStay finds the nearest free dates in a with the same number of nights, moving by up
// to MaxShiftDays either way (later first on a tie, since earlier may be too soon).
func shiftedStay(a Accommodation, occupied []Occupancy, s Stay, today time.Time) (Alternative, bool) {
	for d := 1; d <= MaxShiftDays; d++ {
		for _, shift := range []int{d, -d} {
			if q, ok := freeQuote(a, occupied, s.Shift(shift), today); ok {
				return Alternative{Quote: q, Reason: AltOtherDates, ShiftDays: shift}, true
			}
		}
	}
	return Alternative{}, false
}

func sortQuotes(qs []Quote) {
	slices.SortStableFunc(qs, func(x, y Quote) int {
		return cmp.Or(cmp.Compare(x.TotalCents, y.TotalCents), cmp.Compare(x.AccommodationID, y.AccommodationID))
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
