package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/store/storetest"
)

func TestSeedDemoIsIdempotent(t *testing.T) {
	dsn := storetest.DatabaseURL(t)
	ctx := t.Context()
	cfg := config{DatabaseURL: dsn, BusinessTZ: "America/Argentina/Buenos_Aires", HoldMinutes: 30}
	var out bytes.Buffer
	if err := runSeed(ctx, cfg, []string{"--demo"}, &out); err != nil {
		t.Fatalf("first seed: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), `created cabin`) || !strings.Contains(out.String(), "manual block") {
		t.Errorf("first run output:\n%s", out.String())
	}
	out.Reset()
	if err := runSeed(ctx, cfg, []string{"--demo"}, &out); err != nil {
		t.Fatalf("second seed: %v", err)
	}
	if strings.Contains(out.String(), "created") || !strings.Contains(out.String(), "already there") {
		t.Errorf("second run output:\n%s", out.String())
	}

	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	accs, err := s.ListAccommodations(ctx)
	if err != nil || len(accs) != 3 {
		t.Fatalf("cabins: %d, %v", len(accs), err)
	}
	capacities := map[int]bool{}
	rates := map[int64]bool{}
	for _, a := range accs {
		capacities[a.Capacity] = true
		rates[a.NightlyRateCents] = true
		if len(a.Seasons) != 3 {
			t.Errorf("%s has %d seasons, want 3", a.Name, len(a.Seasons))
		}
	}
	if len(capacities) != 3 || len(rates) != 3 {
		t.Errorf("cabins should differ in capacity and rate: %v %v", capacities, rates)
	}
	all, err := s.ListReservations(ctx, store.ReservationFilter{})
	if err != nil || len(all) != 1 || all[0].Kind != booking.KindManualBlock || !all[0].Active() {
		t.Fatalf("reservations after two seeds: %+v, %v", all, err)
	}

	// The block takes the small cabin off the search for its nights.
	block := all[0]
	today := booking.Today(time.Now(), cfg.location())
	res, err := s.Search(ctx, booking.Stay{CheckIn: block.CheckIn, CheckOut: block.CheckOut, Guests: 2}, today)
	if err != nil {
		t.Fatal(err)
	}
	taken := false
	for _, r := range res.Rejected {
		taken = taken || (r.AccommodationID == block.AccommodationID && r.Reason == booking.RejectTaken)
	}
	if !taken {
		t.Errorf("the blocked cabin is not rejected as taken: %+v", res.Rejected)
	}
	for _, q := range res.Available {
		if q.AccommodationID == block.AccommodationID {
			t.Errorf("blocked cabin offered: %+v", q)
		}
	}
	if err := runSeed(ctx, cfg, nil, &out); !errors.Is(err, errUsage) {
		t.Errorf("seed without --demo: %v", err)
	}
}

func TestDemoSeasons(t *testing.T) {
	for year, want := range map[int]time.Time{
		2024: booking.Date(2024, 3, 31), 2025: booking.Date(2025, 4, 20),
		2026: booking.Date(2026, 4, 5), 2027: booking.Date(2027, 3, 28), 2038: booking.Date(2038, 4, 25),
	} {
		if got := easter(year); !got.Equal(want) {
			t.Errorf("easter(%d) = %s, want %s", year, got.Format(time.DateOnly), want.Format(time.DateOnly))
		}
	}
	// From 2026-11-30: the 2027 summer, Carnaval Sat Feb 6 to Wed Feb 10, Semana Santa
	// Thu Mar 25 to Sun Mar 28.
	cabins := demoCabins(booking.Date(2026, 11, 30))
	s := cabins[0].Seasons
	if !s[0].Start.Equal(booking.Date(2027, 1, 2)) || !s[0].End.Equal(booking.Date(2027, 3, 1)) ||
		!s[1].Start.Equal(booking.Date(2027, 2, 6)) || !s[1].End.Equal(booking.Date(2027, 2, 10)) ||
		!s[2].Start.Equal(booking.Date(2027, 3, 25)) || !s[2].End.Equal(booking.Date(2027, 3, 28)) {
		t.Errorf("seasons from 2026-11-30: %+v", s)
	}
	// In the middle of Carnaval, this year's still counts.
	if c := upcomingHoliday(booking.Date(2027, 2, 8), carnavalNights); !c[0].Equal(booking.Date(2027, 2, 6)) {
		t.Errorf("carnaval seen from inside it: %v", c)
	}
	for _, a := range cabins {
		if err := a.Validate(); err != nil {
			t.Errorf("%s: %v", a.Name, err)
		}
		q, err := booking.QuoteStay(a, booking.Stay{CheckIn: booking.Date(2027, 2, 6), CheckOut: booking.Date(2027, 2, 10), Guests: 2})
		if err != nil || q.Nights[0].Kind != "season:Carnaval" {
			t.Errorf("%s over Carnaval: %+v, %v", a.Name, q.Nights, err)
		}
	}
}
