package booking

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

func cabins() []Accommodation {
	small := Accommodation{ID: 1, Name: "Arrayán", Capacity: 2, NightlyRateCents: 4_000_000}
	mid := Accommodation{ID: 2, Name: "Coihue", Capacity: 4, NightlyRateCents: 6_000_000, BufferDays: 1}
	big := Accommodation{ID: 3, Name: "Lenga", Capacity: 6, NightlyRateCents: 9_000_000, MinNights: 3}
	return []Accommodation{big, mid, small}
}

func occ(id int64, start, until time.Time) Occupancy {
	return Occupancy{AccommodationID: id, Start: start, BlockedUntil: until}
}

func ids(qs []Quote) []int64 {
	out := []int64{}
	for _, q := range qs {
		out = append(out, q.AccommodationID)
	}
	return out
}

func TestSearchAvailability(t *testing.T) {
	in, out := Date(2026, 12, 7), Date(2026, 12, 10) // Mon-Thu, 3 nights
	tests := []struct {
		name     string
		guests   int
		occupied []Occupancy
		want     []int64
		rejected map[int64]string
	}{
		{"all free, cheapest first", 2, nil, []int64{1, 2, 3}, map[int64]string{}},
		{"capacity", 3, nil, []int64{2, 3}, map[int64]string{1: RejectTooManyGuests}},
		{"back to back before", 2, []Occupancy{occ(1, Date(2026, 12, 4), in)}, []int64{1, 2, 3}, map[int64]string{}},
		{"back to back after", 2, []Occupancy{occ(1, out, Date(2026, 12, 12))}, []int64{1, 2, 3}, map[int64]string{}},
		{"overlap left", 2, []Occupancy{occ(1, Date(2026, 12, 5), Date(2026, 12, 8))}, []int64{2, 3}, map[int64]string{1: RejectTaken}},
		{"overlap right", 2, []Occupancy{occ(1, Date(2026, 12, 9), Date(2026, 12, 12))}, []int64{2, 3}, map[int64]string{1: RejectTaken}},
		{"inside", 2, []Occupancy{occ(1, Date(2026, 12, 8), Date(2026, 12, 9))}, []int64{2, 3}, map[int64]string{1: RejectTaken}},
		{"covering", 2, []Occupancy{occ(1, Date(2026, 12, 1), Date(2026, 12, 20))}, []int64{2, 3}, map[int64]string{1: RejectTaken}},
		{"identical", 2, []Occupancy{occ(1, in, out)}, []int64{2, 3}, map[int64]string{1: RejectTaken}},
		// Coihue keeps a 1-day buffer: an occupancy blocking until check-in is fine (its own
		// buffer is already in BlockedUntil) ...
		{"buffer before is in blocked_until", 2, []Occupancy{occ(2, Date(2026, 12, 4), in)}, []int64{1, 2, 3}, map[int64]string{}},
		// ... but the new stay needs its buffer before the next one starts.
		{"own buffer after", 2, []Occupancy{occ(2, out, Date(2026, 12, 12))}, []int64{1, 3}, map[int64]string{2: RejectTaken}},
		{"own buffer after, one day gap", 2, []Occupancy{occ(2, Date(2026, 12, 11), Date(2026, 12, 12))}, []int64{1, 2, 3}, map[int64]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Search(cabins(), tt.occupied, stay(in, out, tt.guests), today)
			if err != nil {
				t.Fatalf("Search: %v", err)
			}
			if got := ids(res.Available); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("available = %v, want %v", got, tt.want)
			}
			got := map[int64]string{}
			for _, r := range res.Rejected {
				got[r.AccommodationID] = r.Reason
			}
			if !reflect.DeepEqual(got, tt.rejected) {
				t.Errorf("rejected = %v, want %v", got, tt.rejected)
			}
			if len(res.Available) > 0 && len(res.Alternatives) != 0 {
				t.Errorf("alternatives offered although something is free: %+v", res.Alternatives)
			}
			for _, q := range res.Available {
				if q.TotalCents != int64(q.Stay.Nights())*cabinByID(q.AccommodationID).NightlyRateCents {
					t.Errorf("quote for %d: %+v", q.AccommodationID, q)
				}
			}
		})
	}
}

func cabinByID(id int64) Accommodation {
	for _, a := range cabins() {
		if a.ID == id {
			return a
		}
	}
	return Accommodation{}
}

func TestSearchRefusesBadRequests(t *testing.T) {
	_, err := Search(cabins(), nil, stay(Date(2026, 12, 7), Date(2026, 12, 9), 7), today)
	var se *StayError
	if !errors.As(err, &se) || se.Reason != ReasonTooManyGuests || se.Limit != 6 {
		t.Errorf("7 guests: got %v, want too_many_guests limit 6", err)
	}
	if _, err := Search(cabins(), nil, stay(Date(2026, 11, 20), Date(2026, 11, 22), 2), today); ReasonOf(err) != ReasonPast {
		t.Errorf("past: got %v", err)
	}
	if _, err := SearchCabin(cabins(), nil, 99, stay(Date(2026, 12, 7), Date(2026, 12, 9), 2), today); !errors.Is(err, ErrUnknownAccommodation) {
		t.Errorf("unknown cabin: got %v", err)
	}
	res, err := Search(nil, nil, stay(Date(2026, 12, 7), Date(2026, 12, 9), 2), today)
	if err != nil || len(res.Available)+len(res.Alternatives) != 0 {
		t.Errorf("no cabins: %+v, %v", res, err)
	}
}

func TestSearchAlternatives(t *testing.T) {
	in, out := Date(2026, 12, 7), Date(2026, 12, 10)
	t.Run("shifted dates, nearest first", func(t *testing.T) {
		// Lenga (the only one for 5) is busy Dec 5-9: the nearest 3-night stay starts Dec 9.
		occupied := []Occupancy{occ(3, Date(2026, 12, 5), Date(2026, 12, 9))}
		res, err := Search(cabins(), occupied, stay(in, out, 5), today)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Available) != 0 || len(res.Alternatives) == 0 {
			t.Fatalf("got %+v", res)
		}
		alt := res.Alternatives[0]
		if alt.Reason != AltOtherDates || alt.ShiftDays != 2 || !alt.Quote.Stay.CheckIn.Equal(Date(2026, 12, 9)) ||
			alt.Quote.Stay.Nights() != 3 || alt.Quote.AccommodationID != 3 {
			t.Errorf("first alternative = %+v", alt)
		}
	})
	t.Run("never in the past", func(t *testing.T) {
		// Arrayán is busy from tomorrow for 20 days; asking for today, the earlier
		// shifts would be in the past and later ones are taken.
		occupied := []Occupancy{occ(1, Date(2026, 12, 1), Date(2026, 12, 21)), occ(2, today, Date(2026, 12, 21)), occ(3, today, Date(2026, 12, 21))}
		res, err := Search(cabins(), occupied, stay(today, Date(2026, 12, 2), 2), today)
		if err != nil {
			t.Fatal(err)
		}
		for _, alt := range res.Alternatives {
			if alt.Quote.Stay.CheckIn.Before(today) {
				t.Errorf("alternative in the past: %+v", alt)
			}
		}
		if len(res.Alternatives) != 0 {
			t.Errorf("nothing fits, got %+v", res.Alternatives)
		}
	})
	t.Run("stretched to the minimum stay", func(t *testing.T) {
		// 5 guests fit only Lenga, whose minimum is 3 nights.
		res, err := Search(cabins(), nil, stay(in, Date(2026, 12, 8), 5), today)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Available) != 0 || len(res.Rejected) != 3 {
			t.Fatalf("got %+v", res)
		}
		var minRej Rejection
		for _, r := range res.Rejected {
			if r.AccommodationID == 3 {
				minRej = r
			}
		}
		if minRej.Reason != RejectMinNights || minRej.Limit != 3 {
			t.Errorf("Lenga rejection = %+v", minRej)
		}
		alt := res.Alternatives[0]
		if alt.Reason != AltLongerStay || !alt.Quote.Stay.CheckIn.Equal(in) || !alt.Quote.Stay.CheckOut.Equal(Date(2026, 12, 10)) {
			t.Errorf("alternative = %+v", alt)
		}
	})
	t.Run("taken says more than the minimum stay", func(t *testing.T) {
		occupied := []Occupancy{occ(3, in, out)}
		res, err := SearchCabin(cabins(), occupied, 3, stay(in, Date(2026, 12, 8), 5), today)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rejected) != 3 || res.Rejected[0].AccommodationID != 3 || res.Rejected[0].Reason != RejectTaken {
			t.Errorf("rejected = %+v", res.Rejected)
		}
	})
	t.Run("the cabin asked for, else another", func(t *testing.T) {
		occupied := []Occupancy{occ(2, in, out)}
		res, err := SearchCabin(cabins(), occupied, 2, stay(in, out, 2), today)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Available) != 0 {
			t.Fatalf("Coihue is taken, got %+v", res.Available)
		}
		if len(res.Alternatives) != 3 {
			t.Fatalf("alternatives = %+v", res.Alternatives)
		}
		// Both other cabins on the same dates (cheapest first), then Coihue on other dates.
		a := res.Alternatives
		if a[0].Reason != AltOtherCabin || a[0].Quote.AccommodationID != 1 || a[1].Reason != AltOtherCabin || a[1].Quote.AccommodationID != 3 {
			t.Errorf("first alternatives = %+v, %+v", a[0], a[1])
		}
		if a[2].Reason != AltOtherDates || a[2].Quote.AccommodationID != 2 || a[2].ShiftDays != 3 {
			t.Errorf("third alternative = %+v", a[2])
		}
		res, err = SearchCabin(cabins(), nil, 2, stay(in, out, 2), today)
		if err != nil || len(res.Available) != 1 || res.Available[0].AccommodationID != 2 {
			t.Errorf("free Coihue: %+v, %v", res, err)
		}
	})
}

// TestSearchWindowIsEnough checks that a search over only the occupancies overlapping
// SearchWindow answers the same as one over all of them: what the store relies on.
func TestSearchWindowIsEnough(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	accs := cabins()
	for i := range 300 {
		var all []Occupancy
		for range 12 {
			start := AddDays(today, rng.IntN(120))
			all = append(all, occ(int64(1+rng.IntN(3)), start, AddDays(start, 1+rng.IntN(10))))
		}
		in := AddDays(today, rng.IntN(100))
		s := stay(in, AddDays(in, 1+rng.IntN(6)), 1+rng.IntN(6))
		from, to := SearchWindow(accs, s)
		var window []Occupancy
		for _, o := range all {
			if o.Start.Before(to) && from.Before(o.BlockedUntil) {
				window = append(window, o)
			}
		}
		want, err1 := Search(accs, all, s, today)
		got, err2 := Search(accs, window, s, today)
		if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(err1, err2) {
			t.Fatalf("case %d: window search differs:\n got %+v\nwant %+v", i, got, want)
		}
	}
}
