package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/reservas/reservas/handlers/booking"
)

const accommodationColumns = `id, name, description, capacity, photo_urls, amenities, check_in_time, check_out_time,
	nightly_rate_cents, COALESCE(weekend_rate_cents, 0), weekend_multiplier_pct, weekend_nights, min_nights,
	cleaning_fee_cents, deposit_percent, buffer_days, time_zone, active`

func scanAccommodation(row pgx.Row) (booking.Accommodation, bool, error) {
	var (
		a       booking.Accommodation
		weekend []int32
		active  bool
	)
	err := row.Scan(&a.ID, &a.Name, &a.Description, &a.Capacity, &a.PhotoURLs, &a.Amenities, &a.CheckInTime, &a.CheckOutTime,
		&a.NightlyRateCents, &a.WeekendRateCents, &a.WeekendMultiplierPct, &weekend, &a.MinNights,
		&a.CleaningFeeCents, &a.DepositPercent, &a.BufferDays, &a.TimeZone, &active)
	a.WeekendNights = make([]time.Weekday, 0, len(weekend)) // empty, not nil: no weekend pricing
	for _, d := range weekend {
		a.WeekendNights = append(a.WeekendNights, time.Weekday(d))
	}
	return a, active, err
}

// ListAccommodations returns the cabins on offer (active ones), by id, with their seasons.
func (s *Store) ListAccommodations(ctx context.Context) ([]booking.Accommodation, error) {
	return s.listAccommodations(ctx, true)
}

// ListAllAccommodations returns every cabin, withdrawn ones included, by id.
func (s *Store) ListAllAccommodations(ctx context.Context) ([]booking.Accommodation, error) {
	return s.listAccommodations(ctx, false)
}

func (s *Store) listAccommodations(ctx context.Context, activeOnly bool) ([]booking.Accommodation, error) {
	rows, err := s.Pool.Query(ctx, `SELECT `+accommodationColumns+` FROM accommodations
		WHERE active OR NOT $1 ORDER BY id`, activeOnly)
	if err != nil {
		return nil, fmt.Errorf("list accommodations: %w", MapError(err))
	}
	var accs []booking.Accommodation
	for rows.Next() {
		a, _, err := scanAccommodation(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("list accommodations: %w", err)
		}
		accs = append(accs, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list accommodations: %w", MapError(err))
	}
	if err := s.loadSeasons(ctx, s.Pool, accs); err != nil {
		return nil, err
	}
	return accs, nil
}

// GetAccommodation returns one cabin with its seasons (ErrNotFound when there is none).
func (s *Store) GetAccommodation(ctx context.Context, id int64) (booking.Accommodation, error) {
	a, _, err := s.getAccommodation(ctx, s.Pool, `id = $1`, id)
	return a, err
}

// AccommodationByName returns the cabin with that exact name (ErrNotFound when there is none).
func (s *Store) AccommodationByName(ctx context.Context, name string) (booking.Accommodation, error) {
	a, _, err := s.getAccommodation(ctx, s.Pool, `name = $1`, name)
	return a, err
}

// AccommodationActive reports whether the cabin is on offer.
func (s *Store) AccommodationActive(ctx context.Context, id int64) (bool, error) {
	_, active, err := s.getAccommodation(ctx, s.Pool, `id = $1`, id)
	return active, err
}

func (s *Store) getAccommodation(ctx context.Context, db DB, where string, arg any) (booking.Accommodation, bool, error) {
	a, active, err := scanAccommodation(db.QueryRow(ctx, `SELECT `+accommodationColumns+` FROM accommodations WHERE `+where, arg))
	if err != nil {
		return booking.Accommodation{}, false, fmt.Errorf("get accommodation: %w", MapError(err))
	}
	accs := []booking.Accommodation{a}
	if err := s.loadSeasons(ctx, db, accs); err != nil {
		return booking.Accommodation{}, false, err
	}
	return accs[0], active, nil
}

func (s *Store) loadSeasons(ctx context.Context, db DB, accs []booking.Accommodation) error {
	if len(accs) == 0 {
		return nil
	}
	ids := make([]int64, len(accs))
	index := make(map[int64]int, len(accs))
	for i, a := range accs {
		ids[i] = a.ID
		index[a.ID] = i
		accs[i].Seasons = []booking.Season{}
	}
	rows, err := db.Query(ctx, `SELECT accommodation_id, name, starts_on, ends_on, nightly_rate_cents, min_nights
		FROM rate_seasons WHERE accommodation_id = ANY($1) ORDER BY accommodation_id, starts_on, id`, ids)
	if err != nil {
		return fmt.Errorf("load seasons: %w", MapError(err))
	}
	defer rows.Close()
	for rows.Next() {
		var (
			accID int64
			se    booking.Season
		)
		if err := rows.Scan(&accID, &se.Name, &se.Start, &se.End, &se.NightlyRateCents, &se.MinNights); err != nil {
			return fmt.Errorf("load seasons: %w", err)
		}
		accs[index[accID]].Seasons = append(accs[index[accID]].Seasons, se)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load seasons: %w", MapError(err))
	}
	return nil
}

// UpsertAccommodation stores a cabin and replaces its seasons, in one transaction. A zero ID
// inserts (ErrDuplicate when the name is taken); any other ID updates that cabin (ErrNotFound
// when there is none). Zero optional fields get booking's defaults. Changing BufferDays affects
// occupancies created from then on; existing ones keep the buffer they were created with.
func (s *Store) UpsertAccommodation(ctx context.Context, a booking.Accommodation) (int64, error) {
	a = a.WithDefaults()
	if err := a.Validate(); err != nil {
		return 0, err
	}
	weekend := make([]int32, len(a.WeekendNights))
	for i, d := range a.WeekendNights {
		weekend[i] = int32(d)
	}
	var weekendRate *int64
	if a.WeekendRateCents > 0 {
		weekendRate = &a.WeekendRateCents
	}
	args := []any{a.Name, a.Description, a.Capacity, a.PhotoURLs, a.Amenities, a.CheckInTime, a.CheckOutTime,
		a.NightlyRateCents, weekendRate, a.WeekendMultiplierPct, weekend, a.MinNights,
		a.CleaningFeeCents, a.DepositPercent, a.BufferDays, a.TimeZone}
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		if a.ID == 0 {
			err := tx.QueryRow(ctx, `INSERT INTO accommodations (name, description, capacity, photo_urls, amenities,
					check_in_time, check_out_time, nightly_rate_cents, weekend_rate_cents, weekend_multiplier_pct,
					weekend_nights, min_nights, cleaning_fee_cents, deposit_percent, buffer_days, time_zone)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`, args...).Scan(&a.ID)
			if err != nil {
				return fmt.Errorf("insert accommodation: %w", MapError(err))
			}
		} else {
			tag, err := tx.Exec(ctx, `UPDATE accommodations SET name = $1, description = $2, capacity = $3,
					photo_urls = $4, amenities = $5, check_in_time = $6, check_out_time = $7, nightly_rate_cents = $8,
					weekend_rate_cents = $9, weekend_multiplier_pct = $10, weekend_nights = $11, min_nights = $12,
					cleaning_fee_cents = $13, deposit_percent = $14, buffer_days = $15, time_zone = $16, updated_at = now()
				WHERE id = $17`, append(args, a.ID)...)
			if err != nil {
				return fmt.Errorf("update accommodation: %w", MapError(err))
			}
			if tag.RowsAffected() == 0 {
				return fmt.Errorf("update accommodation %d: %w", a.ID, ErrNotFound)
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM rate_seasons WHERE accommodation_id = $1`, a.ID); err != nil {
			return fmt.Errorf("replace seasons: %w", MapError(err))
		}
		for _, se := range a.Seasons {
			if _, err := tx.Exec(ctx, `INSERT INTO rate_seasons (accommodation_id, name, starts_on, ends_on, nightly_rate_cents, min_nights)
				VALUES ($1, $2, $3, $4, $5, $6)`, a.ID, se.Name, se.Start, se.End, se.NightlyRateCents, se.MinNights); err != nil {
				return fmt.Errorf("insert season %q: %w", se.Name, MapError(err))
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return a.ID, nil
}

// SetAccommodationActive puts a cabin on offer or withdraws it. A withdrawn cabin keeps its
// reservations but is not searched and takes no new holds.
func (s *Store) SetAccommodationActive(ctx context.Context, id int64, active bool) error {
	tag, err := s.Pool.Exec(ctx, `UPDATE accommodations SET active = $2, updated_at = now() WHERE id = $1`, id, active)
	if err != nil {
		return fmt.Errorf("set accommodation active: %w", MapError(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("set accommodation %d active: %w", id, ErrNotFound)
	}
	return nil
}
