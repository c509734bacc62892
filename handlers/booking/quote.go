package booking

import (
	"time"
)

// Kinds of night in a quote. A season night's kind is SeasonNightPrefix + the season's name.
const (
	NightRegular      = "regular"
	NightWeekend      = "weekend"
	SeasonNightPrefix = "season:"
)

// NightPrice is the price of the night starting on Date.
type NightPrice struct {
	Date  time.Time `json:"date"`
	Cents int64     `json:"cents"`
	Kind  string    `json:"kind"`
}

// Quote is the price of a stay in one cabin. TotalCents = LodgingCents + CleaningFeeCents =
// DepositCents + BalanceCents.
type Quote struct {
	AccommodationID   int64        `json:"accommodation_id"`
	AccommodationName string       `json:"accommodation_name"`
	Stay              Stay         `json:"stay"`
	Nights            []NightPrice `json:"nights"`
	LodgingCents      int64        `json:"lodging_cents"`
	CleaningFeeCents  int64        `json:"cleaning_fee_cents"`
	TotalCents        int64        `json:"total_cents"`
	DepositPercent    int          `json:"deposit_percent"`
	// DepositCents is the seña that holds the dates; BalanceCents is paid later.
	DepositCents int64 `json:"deposit_cents"`
	BalanceCents int64 `json:"balance_cents"`
	// MinNights is the minimum stay that applied: the cabin's, raised by any season the stay
	// has a night in.
	MinNights int `json:"min_nights"`
}

// QuoteStay prices s in a. It checks the stay's shape, the guests against the capacity and
// the minimum nights (a *StayError, ErrBelowMinNights for the latter), but not today's date
// nor availability: see ValidateStay and Search.
//
// Amounts the owner sets are used as they are; amounts the quote computes (a weekend night
// from a multiplier, the deposit) are rounded half up to whole pesos, as guests read them.
func QuoteStay(a Accommodation, s Stay) (Quote, error) {
	a = a.WithDefaults()
	switch {
	case !IsDate(s.CheckIn) || !IsDate(s.CheckOut):
		return Quote{}, &StayError{Reason: ReasonInvalidDate}
	case !s.CheckOut.After(s.CheckIn):
		return Quote{}, &StayError{Reason: ReasonCheckoutBeforeCheckin}
	case s.Nights() > MaxNights:
		return Quote{}, &StayError{Reason: ReasonTooLong, Limit: MaxNights}
	case s.Guests < 1:
		return Quote{}, &StayError{Reason: ReasonNoGuests}
	case s.Guests > a.Capacity:
		return Quote{}, &StayError{Reason: ReasonTooManyGuests, Limit: a.Capacity}
	}
	q := Quote{
		AccommodationID:   a.ID,
		AccommodationName: a.Name,
		Stay:              s,
		Nights:            make([]NightPrice, 0, s.Nights()),
		MinNights:         a.MinNights,
		DepositPercent:    a.DepositPercent,
	}
	for d := s.CheckIn; d.Before(s.CheckOut); d = AddDays(d, 1) {
		np := NightPrice{Date: d, Cents: a.NightlyRateCents, Kind: NightRegular}
		if season, ok := a.seasonFor(d); ok {
			np.Cents, np.Kind = season.NightlyRateCents, SeasonNightPrefix+season.Name
		} else if a.isWeekendNight(d) {
			np.Kind = NightWeekend
			if a.WeekendRateCents > 0 {
				np.Cents = a.WeekendRateCents
			} else {
				np.Cents = percentOfInPesos(a.NightlyRateCents, a.WeekendMultiplierPct)
			}
		}
		q.Nights = append(q.Nights, np)
		q.LodgingCents += np.Cents
	}
	// A season's minimum counts for every stay with a night in it, even when a shorter
	// season prices that night (a long weekend inside the high season).
	for _, season := range a.Seasons {
		if season.Start.Before(s.CheckOut) && s.CheckIn.Before(season.End) {
			q.MinNights = max(q.MinNights, season.MinNights)
		}
	}
	if s.Nights() < q.MinNights {
		return Quote{}, &StayError{Reason: ReasonBelowMinNights, Limit: q.MinNights}
	}
	q.CleaningFeeCents = a.CleaningFeeCents
	q.TotalCents = q.LodgingCents + q.CleaningFeeCents
	q.DepositCents = min(percentOfInPesos(q.TotalCents, a.DepositPercent), q.TotalCents)
	q.BalanceCents = q.TotalCents - q.DepositCents
	return q, nil
}

// percentOfInPesos returns cents * pct / 100 rounded half up to a whole peso (100 centavos).
func percentOfInPesos(cents int64, pct int) int64 {
	// cents*pct/100 centavos = cents*pct/10000 pesos.
	return (cents*int64(pct) + 5000) / 10000 * 100
}
