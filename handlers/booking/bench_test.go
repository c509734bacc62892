package booking

import "testing"

// BenchmarkQuoteStay prices a week across a season boundary with weekend nights.
func BenchmarkQuoteStay(b *testing.B) {
	a := cabin()
	a.Seasons = []Season{highSeason, carnaval}
	s := stay(Date(2026, 12, 29), Date(2027, 1, 5), 2)
	for b.Loop() {
		if _, err := QuoteStay(a, s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearchWithAlternatives searches 3 cabins that are all taken, so every search also
// computes the shifted and stretched alternatives (the slow path).
func BenchmarkSearchWithAlternatives(b *testing.B) {
	occupied := []Occupancy{occ(1, Date(2026, 12, 5), Date(2026, 12, 12)), occ(2, Date(2026, 12, 6), Date(2026, 12, 11)),
		occ(3, Date(2026, 12, 1), Date(2026, 12, 10))}
	s := stay(Date(2026, 12, 7), Date(2026, 12, 10), 2)
	for b.Loop() {
		res, err := Search(cabins(), occupied, s, today)
		if err != nil || len(res.Alternatives) == 0 {
			b.Fatal(res, err)
		}
	}
}
