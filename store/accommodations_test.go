package store_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/store/storetest"
)

func TestUpsertAccommodationRoundTrip(t *testing.T) {
	st := storetest.NewStore(t)
	ctx := t.Context()
	a := booking.Accommodation{
		Name: "Coihue", Description: "Dos ambientes frente al lago", Capacity: 4,
		PhotoURLs: []string{"https://example.com/1.jpg"}, Amenities: []string{"wifi", "parrilla"},
		CheckInTime: "15:00", CheckOutTime: "11:00",
		NightlyRateCents: 7_000_000, WeekendRateCents: 8_500_000,
		WeekendNights: []time.Weekday{time.Friday, time.Saturday, time.Sunday},
		MinNights:     2, CleaningFeeCents: 2_000_000, DepositPercent: 40, BufferDays: 1,
		Seasons: []booking.Season{
			{Name: "Temporada alta", Start: booking.Date(2027, 1, 2), End: booking.Date(2027, 3, 1), NightlyRateCents: 9_500_000, MinNights: 3},
			{Name: "Carnaval", Start: booking.Date(2027, 2, 6), End: booking.Date(2027, 2, 10), NightlyRateCents: 12_000_000, MinNights: 4},
		},
	}
	id, err := st.UpsertAccommodation(ctx, a)
	if err != nil {
		t.Fatalf("insert: %v", err)
	}
	want := a.WithDefaults()
	want.ID = id
	got, err := st.GetAccommodation(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
	}
	if byName, err := st.AccommodationByName(ctx, "Coihue"); err != nil || byName.ID != id {
		t.Errorf("by name: %+v, %v", byName, err)
	}

	// Update: multiplier instead of a weekend rate, no weekend nights at all, one season.
	a.ID = id
	a.WeekendRateCents, a.WeekendMultiplierPct, a.WeekendNights = 0, 125, []time.Weekday{}
	a.Seasons = a.Seasons[:1]
	if _, err := st.UpsertAccommodation(ctx, a); err != nil {
		t.Fatalf("update: %v", err)
	}
	got, err = st.GetAccommodation(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.WeekendRateCents != 0 || got.WeekendMultiplierPct != 125 || got.WeekendNights == nil ||
		len(got.WeekendNights) != 0 || len(got.Seasons) != 1 || got.Seasons[0].Name != "Temporada alta" {
		t.Errorf("after update: %+v", got)
	}
	q, err := booking.QuoteStay(got, booking.Stay{CheckIn: booking.Date(2026, 12, 4), CheckOut: booking.Date(2026, 12, 6), Guests: 2})
	if err != nil || q.LodgingCents != 14_000_000 {
		t.Errorf("no weekend pricing after update: %+v, %v", q, err)
	}

	if _, err := st.UpsertAccommodation(ctx, booking.Accommodation{Name: "Coihue", Capacity: 2}); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("duplicate name: %v", err)
	}
	if _, err := st.UpsertAccommodation(ctx, booking.Accommodation{ID: 999, Name: "Nadie", Capacity: 2}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
	if _, err := st.UpsertAccommodation(ctx, booking.Accommodation{Name: "Sin lugar"}); !errors.Is(err, booking.ErrInvalidAccommodation) {
		t.Errorf("no capacity: %v", err)
	}
	if _, err := st.GetAccommodation(ctx, 12345); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("get unknown: %v", err)
	}
}

func TestWithdrawnAccommodation(t *testing.T) {
	st := storetest.NewStore(t)
	ctx := t.Context()
	keep := newCabin(t, st, booking.Accommodation{Name: "Arrayán", Capacity: 2, NightlyRateCents: 4_000_000})
	gone := newCabin(t, st, booking.Accommodation{Name: "Lenga", Capacity: 6, NightlyRateCents: 9_000_000})
	if err := st.SetAccommodationActive(ctx, gone, false); err != nil {
		t.Fatal(err)
	}
	list, err := st.ListAccommodations(ctx)
	if err != nil || len(list) != 1 || list[0].ID != keep {
		t.Fatalf("on offer: %+v, %v", list, err)
	}
	all, err := st.ListAllAccommodations(ctx)
	if err != nil || len(all) != 2 {
		t.Fatalf("all: %+v, %v", all, err)
	}
	res, err := st.Search(ctx, stayOf(booking.Date(2026, 12, 7), booking.Date(2026, 12, 9), 2), today)
	if err != nil || len(res.Available) != 1 || res.Available[0].AccommodationID != keep {
		t.Errorf("search: %+v, %v", res, err)
	}
	_, err = st.PlaceHold(ctx, holdReq(gone, booking.Date(2026, 12, 7), booking.Date(2026, 12, 9)), nil)
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("hold on a withdrawn cabin: %v", err)
	}
	if err := st.SetAccommodationActive(ctx, 999, true); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown cabin: %v", err)
	}
}
