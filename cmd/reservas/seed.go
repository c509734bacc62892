package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/store"
)

// runSeed is `reservas seed --demo`: three demo cabins with different capacities and rates,
// the coming summer high season, the coming Carnaval and Semana Santa long weekends, and one
// manual block. Running it again updates the same cabins and adds no second block.
func runSeed(ctx context.Context, cfg config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stdout)
	demo := fs.Bool("demo", false, "create the demo cabins, seasons and a manual block")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("seed: %v: %w", err, errUsage)
	}
	if !*demo || fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("seed: only --demo is available: %w", errUsage)
	}
	s, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		return err
	}
	return seedDemo(ctx, s, booking.Today(time.Now(), cfg.location()), stdout)
}

// seedSource marks what the seed created, so a second run finds it.
const seedSource = "seed"

// demoCabins are the demo cabins, priced and scheduled relative to today.
func demoCabins(today time.Time) []booking.Accommodation {
	summer := upcomingSummer(today)
	carnaval := upcomingHoliday(today, carnavalNights)
	easter := upcomingHoliday(today, semanaSantaNights)
	season := func(name string, nights [2]time.Time, rate int64, minNights int) booking.Season {
		return booking.Season{Name: name, Start: nights[0], End: nights[1], NightlyRateCents: rate, MinNights: minNights}
	}
	const peso = 100
	return []booking.Accommodation{
		{
			Name:        "Cabaña Arrayán",
			Description: "Para dos, con hogar a leña, deck al bosque y a cinco minutos del lago.",
			Capacity:    2, Amenities: []string{"wifi", "hogar a leña", "cocina equipada", "ropa de cama", "estacionamiento"},
			NightlyRateCents: 45_000 * peso, WeekendMultiplierPct: 120, CleaningFeeCents: 12_000 * peso,
			MinNights: 2,
			Seasons: []booking.Season{
				season("Temporada alta de verano", summer, 60_000*peso, 3),
				season("Carnaval", carnaval, 70_000*peso, 3),
				season("Semana Santa", easter, 65_000*peso, 3),
			},
		},
		{
			Name:        "Cabaña Coihue",
			Description: "Dos dormitorios para cuatro, parrilla, jardín y vista a la montaña.",
			Capacity:    4, Amenities: []string{"wifi", "parrilla", "calefacción", "cocina equipada", "jardín", "estacionamiento"},
			NightlyRateCents: 70_000 * peso, WeekendRateCents: 85_000 * peso, CleaningFeeCents: 18_000 * peso,
			MinNights: 2, BufferDays: 1,
			Seasons: []booking.Season{
				season("Temporada alta de verano", summer, 95_000*peso, 3),
				season("Carnaval", carnaval, 110_000*peso, 3),
				season("Semana Santa", easter, 100_000*peso, 3),
			},
		},
		{
			Name:        "Cabaña Lenga",
			Description: "La grande: tres dormitorios para seis, quincho, pileta climatizada y bajada al río.",
			Capacity:    6, Amenities: []string{"wifi", "pileta climatizada", "quincho", "parrilla", "lavarropas", "calefacción", "estacionamiento"},
			CheckInTime: "15:00", CheckOutTime: "11:00",
			NightlyRateCents: 95_000 * peso, WeekendMultiplierPct: 115, CleaningFeeCents: 25_000 * peso,
			MinNights: 2, DepositPercent: 50, BufferDays: 1,
			Seasons: []booking.Season{
				season("Temporada alta de verano", summer, 130_000*peso, 4),
				season("Carnaval", carnaval, 150_000*peso, 4),
				season("Semana Santa", easter, 140_000*peso, 3),
			},
		},
	}
}

func seedDemo(ctx context.Context, s *store.Store, today time.Time, stdout io.Writer) error {
	var ids []int64
	for _, a := range demoCabins(today) {
		existing, err := s.AccommodationByName(ctx, a.Name)
		switch {
		case err == nil:
			a.ID = existing.ID
		case !errors.Is(err, store.ErrNotFound):
			return fmt.Errorf("seed %s: %w", a.Name, err)
		}
		id, err := s.UpsertAccommodation(ctx, a)
		if err != nil {
			return fmt.Errorf("seed %s: %w", a.Name, err)
		}
		if err := s.SetAccommodationActive(ctx, id, true); err != nil {
			return fmt.Errorf("seed %s: %w", a.Name, err)
		}
		ids = append(ids, id)
		verb := "created"
		if a.ID != 0 {
			verb = "updated"
		}
		fmt.Fprintf(stdout, "%s cabin %d %q: %d guests, $%d a night, %d seasons\n",
			verb, id, a.Name, a.Capacity, a.NightlyRateCents/100, len(a.Seasons))
	}
	for _, a := range demoCabins(today)[0].Seasons {
		fmt.Fprintf(stdout, "season %q: nights %s to %s\n", a.Name, a.Start.Format(time.DateOnly),
			booking.AddDays(a.End, -1).Format(time.DateOnly))
	}

	// One manual block on the small cabin, unless an earlier run left one.
	blocks, err := s.ListReservations(ctx, store.ReservationFilter{AccommodationID: ids[0],
		Kinds: []string{booking.KindManualBlock}, Statuses: []string{booking.StatusConfirmed}})
	if err != nil {
		return fmt.Errorf("seed block: %w", err)
	}
	for _, b := range blocks {
		if b.Source == seedSource {
			fmt.Fprintf(stdout, "manual block %s already there: %s to %s\n", b.Code,
				b.CheckIn.Format(time.DateOnly), b.CheckOut.Format(time.DateOnly))
			return nil
		}
	}
	// Ten days from now, moved a week at a time if guests already took those nights.
	for week := range 8 {
		start := booking.AddDays(today, 10+7*week)
		b, err := s.AddBlock(ctx, store.BlockRequest{AccommodationID: ids[0], Kind: booking.KindManualBlock,
			Start: start, End: booking.AddDays(start, 2), Source: seedSource, Note: "Mantenimiento: pintura del deck"})
		if errors.Is(err, booking.ErrDatesTaken) {
			continue
		}
		if err != nil {
			return fmt.Errorf("seed block: %w", err)
		}
		fmt.Fprintf(stdout, "manual block %s on %q: %s to %s\n", b.Code, b.AccommodationName,
			b.CheckIn.Format(time.DateOnly), b.CheckOut.Format(time.DateOnly))
		return nil
	}
	fmt.Fprintln(stdout, "no free dates for the demo block in the next two months: skipped")
	return nil
}

// upcomingSummer is the high season's nights [Jan 2, Mar 1) of the summer in course or the next.
func upcomingSummer(today time.Time) [2]time.Time {
	y := today.Year()
	if !today.Before(booking.Date(y, time.March, 1)) {
		y++
	}
	return [2]time.Time{booking.Date(y, time.January, 2), booking.Date(y, time.March, 1)}
}

// upcomingHoliday returns nights(year) for this year, or next year's once this year's ended.
func upcomingHoliday(today time.Time, nights func(year int) [2]time.Time) [2]time.Time {
	n := nights(today.Year())
	if !today.Before(n[1]) {
		n = nights(today.Year() + 1)
	}
	return n
}

// carnavalNights: Carnaval Monday and Tuesday are national holidays (48 and 47 days before
// Easter); the long weekend is the nights from Saturday to Tuesday, leaving on Ash Wednesday.
func carnavalNights(year int) [2]time.Time {
	e := easter(year)
	return [2]time.Time{booking.AddDays(e, -50), booking.AddDays(e, -46)}
}

// semanaSantaNights: Holy Thursday and Good Friday; the nights from Thursday to Saturday,
// leaving on Easter Sunday.
func semanaSantaNights(year int) [2]time.Time {
	e := easter(year)
	return [2]time.Time{booking.AddDays(e, -3), e}
}

// easter is Easter Sunday of the Gregorian calendar (the anonymous Gregorian algorithm).
func easter(year int) time.Time {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return booking.Date(year, time.Month(month), day)
}
