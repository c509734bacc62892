package admin

import (
	"context"
	"fmt"
	"time"

	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/store"
)

// CalendarItem is one occupancy (or conflict) drawn on a cabin's month.
type CalendarItem struct {
	ReservationID string    `json:"reservation_id"`
	Code          string    `json:"code"`
	Class         string    `json:"class"` // booking, hold, block, imported, conflict
	Label         string    `json:"label"`
	Start         time.Time `json:"start"` // first night
	End           time.Time `json:"end"`   // night after the last (check-out)
	BlockedUntil  time.Time `json:"blocked_until"`
}

// CalendarDay is one cell of the month grid.
type CalendarDay struct {
	Date    time.Time `json:"date"`
	InMonth bool      `json:"in_month"`
	Today   bool      `json:"today"`
	// Items occupy the night that starts on Date; Buffer marks a turnover night kept free.
	Items  []CalendarItem `json:"items"`
	Buffer bool           `json:"buffer"`
}

// CalendarView is a cabin's month: weeks of days, Monday first, and the month's items.
type CalendarView struct {
	Cabin     CabinView       `json:"accommodation"`
	Cabins    []CabinView     `json:"-"`
	Month     time.Time       `json:"month"`
	Prev      time.Time       `json:"-"`
	Next      time.Time       `json:"-"`
	Weeks     [][]CalendarDay `json:"weeks"`
	Items     []CalendarItem  `json:"items"`
	Conflicts int             `json:"conflicts"`
}

func (s *Server) calendarView(ctx context.Context, cabinID int64, month time.Time) (CalendarView, error) {
	cabins, err := s.cabinViews(ctx)
	if err != nil {
		return CalendarView{}, err
	}
	v := CalendarView{Cabins: cabins}
	if len(cabins) == 0 {
		return v, nil
	}
	v.Cabin = cabins[0]
	found := cabinID == 0
	for _, c := range cabins {
		if c.ID == cabinID {
			v.Cabin, found = c, true
		}
	}
	if !found {
		return v, fmt.Errorf("cabin %d: %w", cabinID, store.ErrNotFound)
	}
	if month.IsZero() {
		month = s.todayDate()
	}
	first := booking.Date(month.Year(), month.Month(), 1)
	v.Month = first
	v.Prev = first.AddDate(0, -1, 0)
	v.Next = first.AddDate(0, 1, 0)
	gridStart := booking.AddDays(first, -((int(first.Weekday()) + 6) % 7))
	last := booking.AddDays(v.Next, -1)
	gridEnd := booking.AddDays(last, 7-((int(last.Weekday())+6)%7)) // exclusive, a Monday

	rs, err := s.store.ListReservations(ctx, store.ReservationFilter{
		AccommodationID: v.Cabin.ID, ActiveOnly: true, From: booking.AddDays(gridStart, -booking.MaxBufferDays), To: gridEnd, Limit: 2000,
	})
	if err != nil {
		return v, err
	}
	conflicts, err := s.conflicts(ctx, store.ConflictFilter{AccommodationID: v.Cabin.ID, OpenOnly: true})
	if err != nil {
		return v, err
	}
	v.Items = []CalendarItem{}
	for _, r := range rs {
		v.Items = append(v.Items, calendarItem(r))
	}
	for _, c := range conflicts {
		if c.EndNight.After(gridStart) && c.FirstNight.Before(gridEnd) {
			v.Conflicts++
			v.Items = append(v.Items, CalendarItem{ReservationID: c.ReservationID, Code: c.ReservationCode, Class: "conflict",
				Label: "Conflicto con " + c.Channel + " (" + c.ReservationCode + ")", Start: c.FirstNight, End: c.EndNight, BlockedUntil: c.EndNight})
		}
	}
	v.Weeks = monthGrid(gridStart, gridEnd, first, s.todayDate(), v.Items)
	return v, nil
}

func calendarItem(r store.Reservation) CalendarItem {
	it := CalendarItem{ReservationID: r.ID, Code: r.Code, Start: r.CheckIn, End: r.CheckOut, BlockedUntil: r.BlockedUntil}
	switch {
	case r.Kind == booking.KindManualBlock:
		it.Class, it.Label = "block", "Bloqueo"
		if r.Note != "" {
			it.Label += ": " + r.Note
		}
	case r.Kind == booking.KindImportedBlock:
		it.Class, it.Label = "imported", "Ocupado en "+r.Source
	case r.Status == booking.StatusPreReserved:
		it.Class, it.Label = "hold", r.Code+" seña pendiente"
		if r.GuestName != "" {
			it.Label += " · " + r.GuestName
		}
	default:
		it.Class, it.Label = "booking", r.Code
		if r.GuestName != "" {
			it.Label += " · " + r.GuestName
		}
	}
	return it
}

// monthGrid lays the items on the days of [gridStart, gridEnd), seven to a week.
func monthGrid(gridStart, gridEnd, month, today time.Time, items []CalendarItem) [][]CalendarDay {
	var weeks [][]CalendarDay
	for d := gridStart; d.Before(gridEnd); d = booking.AddDays(d, 1) {
		if len(weeks) == 0 || len(weeks[len(weeks)-1]) == 7 {
			weeks = append(weeks, make([]CalendarDay, 0, 7))
		}
		day := CalendarDay{Date: d, InMonth: d.Month() == month.Month() && d.Year() == month.Year(), Today: d.Equal(today)}
		for _, it := range items {
			switch {
			case !d.Before(it.Start) && d.Before(it.End):
				day.Items = append(day.Items, it)
			case it.Class != "conflict" && !d.Before(it.End) && d.Before(it.BlockedUntil):
				day.Buffer = true
			}
		}
		weeks[len(weeks)-1] = append(weeks[len(weeks)-1], day)
	}
	return weeks
}
