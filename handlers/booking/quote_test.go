package booking

import (
	"errors"
	"slices"
	"testing"
	"time"
)

var (
	highSeason = Season{Name: "Temporada alta", Start: Date(2027, 1, 2), End: Date(2027, 3, 1), NightlyRateCents: 9_000_000, MinNights: 3}
	carnaval   = Season{Name: "Carnaval", Start: Date(2027, 2, 6), End: Date(2027, 2, 10), NightlyRateCents: 12_000_000, MinNights: 4}
)

func cabin() Accommodation {
	return Accommodation{
		ID: 1, Name: "Arrayán", Capacity: 4,
		NightlyRateCents:     5_000_000, // $50.000
		WeekendMultiplierPct: 120,
		CleaningFeeCents:     1_500_000,
	}
}

func stay(in, out time.Time, guests int) Stay {
	return Stay{CheckIn: in, CheckOut: out, Guests: guests}
}

func TestQuoteStayPricing(t *testing.T) {
	fixedWeekend := cabin()
	fixedWeekend.WeekendRateCents = 7_000_000
	satSun := cabin()
	satSun.WeekendNights = []time.Weekday{time.Saturday, time.Sunday}
	noWeekend := cabin()
	noWeekend.WeekendNights = []time.Weekday{}
	seasonal := cabin()
	seasonal.Seasons = []Season{highSeason, carnaval}
	oddRate := cabin()
	oddRate.NightlyRateCents = 3_333_333 // $33.333,33
	oddRate.WeekendMultiplierPct = 115
	oddRate.CleaningFeeCents = 0

	type night struct {
		cents int64
		kind  string
	}
	tests := []struct {
		name     string
		acc      Accommodation
		stay     Stay
		nights   []night
		lodging  int64
		minNight int
	}{
		{"weekdays only", cabin(), stay(Date(2026, 12, 7), Date(2026, 12, 9), 2),
			[]night{{5_000_000, NightRegular}, {5_000_000, NightRegular}}, 10_000_000, 1},
		{"friday and saturday nights by multiplier", cabin(), stay(Date(2026, 12, 3), Date(2026, 12, 7), 2),
			[]night{{5_000_000, NightRegular}, {6_000_000, NightWeekend}, {6_000_000, NightWeekend}, {5_000_000, NightRegular}}, 22_000_000, 1},
		{"weekend rate wins over multiplier", fixedWeekend, stay(Date(2026, 12, 4), Date(2026, 12, 6), 2),
			[]night{{7_000_000, NightWeekend}, {7_000_000, NightWeekend}}, 14_000_000, 1},
		{"configured weekend nights", satSun, stay(Date(2026, 12, 4), Date(2026, 12, 7), 2),
			[]night{{5_000_000, NightRegular}, {6_000_000, NightWeekend}, {6_000_000, NightWeekend}}, 17_000_000, 1},
		{"no weekend nights", noWeekend, stay(Date(2026, 12, 4), Date(2026, 12, 6), 2),
			[]night{{5_000_000, NightRegular}, {5_000_000, NightRegular}}, 10_000_000, 1},
		{"season starts inside the stay", seasonal, stay(Date(2026, 12, 30), Date(2027, 1, 5), 2),
			[]night{
				{5_000_000, NightRegular}, {5_000_000, NightRegular}, {6_000_000, NightWeekend}, // Wed, Thu, Fri
				{9_000_000, "season:Temporada alta"}, {9_000_000, "season:Temporada alta"}, {9_000_000, "season:Temporada alta"},
			}, 43_000_000, 3},
		{"season ends inside the stay", seasonal, stay(Date(2027, 2, 26), Date(2027, 3, 2), 2),
			[]night{{9_000_000, "season:Temporada alta"}, {9_000_000, "season:Temporada alta"}, {9_000_000, "season:Temporada alta"}, {5_000_000, NightRegular}},
			32_000_000, 3},
		{"long weekend inside high season wins", seasonal, stay(Date(2027, 2, 5), Date(2027, 2, 10), 2),
			[]night{{9_000_000, "season:Temporada alta"}, {12_000_000, "season:Carnaval"}, {12_000_000, "season:Carnaval"}, {12_000_000, "season:Carnaval"}, {12_000_000, "season:Carnaval"}},
			57_000_000, 4},
		{"multiplier rounds half up to pesos", oddRate, stay(Date(2026, 12, 3), Date(2026, 12, 5), 1),
			[]night{{3_333_333, NightRegular}, {3_833_300, NightWeekend}}, 7_166_633, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := QuoteStay(tt.acc, tt.stay)
			if err != nil {
				t.Fatalf("QuoteStay: %v", err)
			}
			if len(q.Nights) != len(tt.nights) {
				t.Fatalf("got %d nights, want %d", len(q.Nights), len(tt.nights))
			}
			for i, n := range q.Nights {
				if want := AddDays(tt.stay.CheckIn, i); !n.Date.Equal(want) {
					t.Errorf("night %d date = %s, want %s", i, n.Date, want)
				}
				if n.Cents != tt.nights[i].cents || n.Kind != tt.nights[i].kind {
					t.Errorf("night %d (%s) = %d %q, want %d %q", i, n.Date.Weekday(), n.Cents, n.Kind, tt.nights[i].cents, tt.nights[i].kind)
				}
			}
			if q.LodgingCents != tt.lodging {
				t.Errorf("lodging = %d, want %d", q.LodgingCents, tt.lodging)
			}
			if q.MinNights != tt.minNight {
				t.Errorf("min nights = %d, want %d", q.MinNights, tt.minNight)
			}
			if q.CleaningFeeCents != tt.acc.CleaningFeeCents || q.TotalCents != q.LodgingCents+q.CleaningFeeCents {
				t.Errorf("cleaning %d total %d for lodging %d", q.CleaningFeeCents, q.TotalCents, q.LodgingCents)
			}
			if q.DepositCents+q.BalanceCents != q.TotalCents {
				t.Errorf("deposit %d + balance %d != total %d", q.DepositCents, q.BalanceCents, q.TotalCents)
			}
			if q.AccommodationID != tt.acc.ID || q.Stay != tt.stay {
				t.Errorf("quote identifies %d %+v", q.AccommodationID, q.Stay)
			}
		})
	}
}

func TestQuoteStayCleaningFeeAndDeposit(t *testing.T) {
	tests := []struct {
		name                    string
		nightly, cleaning       int64
		depositPct, nights      int
		total, deposit, balance int64
	}{
		// 2 × $50.000 + $15.000 = $115.000; 30% = $34.500.
		{"default 30 percent", 5_000_000, 1_500_000, 0, 2, 11_500_000, 3_450_000, 8_050_000},
		// $12.345,67 × 30% = $3.703,701 -> $3.704.
		{"rounds to whole pesos", 1_234_567, 0, 30, 1, 1_234_567, 370_400, 864_167},
		// $50 × 1% = $0,50 -> $1 (half up).
		{"half peso rounds up", 5_000, 0, 1, 1, 5_000, 100, 4_900},
		// $50 × 1% with a $0,49 cleaning fee: $0,5049 -> $1.
		{"just over half", 5_000, 49, 1, 1, 5_049, 100, 4_949},
		// $49,98 × 1% = $0,4998 -> $0.
		{"just under half", 4_998, 0, 1, 1, 4_998, 0, 4_998},
		{"full payment", 5_000_000, 1_000_000, 100, 3, 16_000_000, 16_000_000, 0},
		// 100% of $0,50 would round to $1, more than the total: capped.
		{"deposit never exceeds total", 50, 0, 100, 1, 50, 50, 0},
		{"free stay", 0, 0, 30, 1, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Accommodation{ID: 9, Name: "x", Capacity: 2, NightlyRateCents: tt.nightly, CleaningFeeCents: tt.cleaning,
				DepositPercent: tt.depositPct, WeekendNights: []time.Weekday{}}
			q, err := QuoteStay(a, stay(Date(2026, 12, 7), Date(2026, 12, 7+tt.nights), 2))
			if err != nil {
				t.Fatalf("QuoteStay: %v", err)
			}
			if q.TotalCents != tt.total || q.DepositCents != tt.deposit || q.BalanceCents != tt.balance {
				t.Errorf("total/deposit/balance = %d/%d/%d, want %d/%d/%d",
					q.TotalCents, q.DepositCents, q.BalanceCents, tt.total, tt.deposit, tt.balance)
			}
			if q.CleaningFeeCents != tt.cleaning {
				t.Errorf("cleaning fee = %d, want %d", q.CleaningFeeCents, tt.cleaning)
			}
		})
	}
}

func TestQuoteStayMinimumNights(t *testing.T) {
	a := cabin()
	a.MinNights = 2
	a.Seasons = []Season{highSeason, carnaval}
	tests := []struct {
		name  string
		stay  Stay
		limit int // 0: accepted
	}{
		{"cabin minimum", stay(Date(2026, 12, 7), Date(2026, 12, 8), 2), 2},
		{"cabin minimum met", stay(Date(2026, 12, 7), Date(2026, 12, 9), 2), 0},
		{"high season minimum", stay(Date(2027, 1, 10), Date(2027, 1, 12), 2), 3},
		{"high season minimum met", stay(Date(2027, 1, 10), Date(2027, 1, 13), 2), 0},
		{"one night into the season raises the minimum", stay(Date(2026, 12, 31), Date(2027, 1, 3), 2), 0},
		{"two nights ending as the season starts", stay(Date(2026, 12, 31), Date(2027, 1, 2), 2), 0},
		{"two nights, last one in the season", stay(Date(2027, 1, 1), Date(2027, 1, 3), 2), 3},
		{"long weekend minimum", stay(Date(2027, 2, 4), Date(2027, 2, 7), 2), 4},
		{"long weekend minimum met", stay(Date(2027, 2, 6), Date(2027, 2, 10), 2), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := QuoteStay(a, tt.stay)
			if tt.limit == 0 {
				if err != nil {
					t.Fatalf("QuoteStay: %v", err)
				}
				return
			}
			var se *StayError
			if !errors.As(err, &se) || se.Reason != ReasonBelowMinNights || se.Limit != tt.limit {
				t.Fatalf("got %v (quote %+v), want below_min_nights %d", err, q, tt.limit)
			}
			if !errors.Is(err, ErrBelowMinNights) || !errors.Is(err, ErrInvalidStay) {
				t.Errorf("%v should match ErrBelowMinNights and ErrInvalidStay", err)
			}
		})
	}
}

func TestQuoteStayRefusesBadStays(t *testing.T) {
	a := cabin()
	tests := []struct {
		name   string
		stay   Stay
		reason string
		limit  int
	}{
		{"same day", stay(Date(2026, 12, 7), Date(2026, 12, 7), 2), ReasonCheckoutBeforeCheckin, 0},
		{"backwards", stay(Date(2026, 12, 7), Date(2026, 12, 5), 2), ReasonCheckoutBeforeCheckin, 0},
		{"no guests", stay(Date(2026, 12, 7), Date(2026, 12, 9), 0), ReasonNoGuests, 0},
		{"over capacity", stay(Date(2026, 12, 7), Date(2026, 12, 9), 5), ReasonTooManyGuests, 4},
		{"too long", stay(Date(2026, 12, 7), Date(2027, 2, 6), 2), ReasonTooLong, MaxNights},
		{"not a civil date", stay(time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC), Date(2026, 12, 9), 2), ReasonInvalidDate, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := QuoteStay(a, tt.stay)
			var se *StayError
			if !errors.As(err, &se) || se.Reason != tt.reason || se.Limit != tt.limit {
				t.Fatalf("got %v, want %s (limit %d)", err, tt.reason, tt.limit)
			}
		})
	}
}

func TestSeasonOverlapPrefersShortest(t *testing.T) {
	a := cabin()
	// Listed widest first and narrowest last, and the other way round: same answer.
	for _, seasons := range [][]Season{{highSeason, carnaval}, {carnaval, highSeason}} {
		a.Seasons = seasons
		s, ok := a.seasonFor(Date(2027, 2, 7))
		if !ok || s.Name != "Carnaval" {
			t.Errorf("seasons %v: got %q, want Carnaval", []string{seasons[0].Name, seasons[1].Name}, s.Name)
		}
	}
}

func TestAccommodationValidate(t *testing.T) {
	ok := cabin()
	ok.Seasons = []Season{highSeason}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid cabin: %v", err)
	}
	breakIt := []struct {
		name string
		f    func(*Accommodation)
	}{
		{"no name", func(a *Accommodation) { a.Name = "" }},
		{"no capacity", func(a *Accommodation) { a.Capacity = 0 }},
		{"negative rate", func(a *Accommodation) { a.NightlyRateCents = -1 }},
		{"deposit over 100", func(a *Accommodation) { a.DepositPercent = 101 }},
		{"negative buffer", func(a *Accommodation) { a.BufferDays = -1 }},
		{"bad check-in time", func(a *Accommodation) { a.CheckInTime = "2pm" }},
		{"repeated weekend night", func(a *Accommodation) { a.WeekendNights = []time.Weekday{time.Friday, time.Friday} }},
		{"unknown time zone", func(a *Accommodation) { a.TimeZone = "Mars/Olympus" }},
		{"season backwards", func(a *Accommodation) {
			a.Seasons = []Season{{Name: "x", Start: Date(2027, 1, 5), End: Date(2027, 1, 5)}}
		}},
		{"season without name", func(a *Accommodation) { a.Seasons = []Season{{Start: Date(2027, 1, 5), End: Date(2027, 1, 6)}} }},
	}
	for _, tt := range breakIt {
		a := ok
		a.Seasons = slices.Clone(ok.Seasons)
		tt.f(&a)
		if err := a.Validate(); !errors.Is(err, ErrInvalidAccommodation) {
			t.Errorf("%s: got %v, want ErrInvalidAccommodation", tt.name, err)
		}
	}
	d := Accommodation{Name: "x", Capacity: 1}.WithDefaults()
	if d.DepositPercent != 30 || d.MinNights != 1 || d.WeekendMultiplierPct != 100 || d.CheckInTime != "14:00" ||
		d.CheckOutTime != "10:00" || d.TimeZone != DefaultTimeZone || !slices.Equal(d.WeekendNights, DefaultWeekendNights()) {
		t.Errorf("defaults: %+v", d)
	}
}

// FuzzQuoteStay checks the quote's arithmetic for any rates and stay.
func FuzzQuoteStay(f *testing.F) {
	f.Add(int64(5_000_000), int64(0), 120, int64(1_500_000), 30, 0, 3, uint8(0b0110000))
	f.Add(int64(1_234_567), int64(7_000_000), 100, int64(0), 1, 10, 20, uint8(0))
	f.Fuzz(func(t *testing.T, nightly, weekend int64, mult int, cleaning int64, deposit, startOffset, nights int, weekendMask uint8) {
		if nightly < 0 || weekend < 0 || cleaning < 0 || nightly > 1e10 || weekend > 1e10 || cleaning > 1e10 ||
			mult < 1 || mult > 1000 || deposit < 1 || deposit > 100 || nights < 1 || nights > MaxNights ||
			startOffset < 0 || startOffset > 1000 {
			t.Skip()
		}
		var wn []time.Weekday
		for d := time.Sunday; d <= time.Saturday; d++ {
			if weekendMask&(1<<d) != 0 {
				wn = append(wn, d)
			}
		}
		if wn == nil {
			wn = []time.Weekday{}
		}
		a := Accommodation{ID: 1, Name: "f", Capacity: 2, NightlyRateCents: nightly, WeekendRateCents: weekend,
			WeekendMultiplierPct: mult, WeekendNights: wn, CleaningFeeCents: cleaning, DepositPercent: deposit,
			Seasons: []Season{highSeason, carnaval}}
		in := AddDays(Date(2026, 12, 1), startOffset)
		q, err := QuoteStay(a, stay(in, AddDays(in, nights), 2))
		if errors.Is(err, ErrBelowMinNights) {
			return
		}
		if err != nil {
			t.Fatalf("QuoteStay: %v", err)
		}
		var sum int64
		for i, n := range q.Nights {
			sum += n.Cents
			if n.Cents < 0 || !n.Date.Equal(AddDays(in, i)) {
				t.Fatalf("night %d: %+v", i, n)
			}
		}
		if len(q.Nights) != nights || sum != q.LodgingCents || q.TotalCents != q.LodgingCents+cleaning ||
			q.DepositCents+q.BalanceCents != q.TotalCents || q.DepositCents < 0 || q.DepositCents > q.TotalCents {
			t.Fatalf("inconsistent quote: %+v", q)
		}
		if q.DepositCents%100 != 0 && q.DepositCents != q.TotalCents {
			t.Fatalf("deposit %d is not whole pesos", q.DepositCents)
		}
	})
}
