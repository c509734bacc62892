package ical

import (
	"fmt"
	"io"
	"sort"
	"time"

	goical "github.com/arran4/golang-ical"
)

// ProdID identifies our exports.
const ProdID = "-//Reservas//iCal export 1.0//ES"

// ExportEvent is one occupancy in an export feed. It carries no guest data.
type ExportEvent struct {
	// UID must stay the same for the life of the occupancy (the reservation's id).
	UID string
	// Start and End are civil dates; End is exclusive.
	Start, End time.Time
	Summary    string
	// Stamp is the DTSTAMP: when the occupancy last changed, so an unchanged calendar renders to
	// the same bytes (and the same ETag) on every request.
	Stamp time.Time
}

// ExportCalendar is a whole export feed.
type ExportCalendar struct {
	// Name is shown by calendar apps (X-WR-CALNAME); the cabin's name.
	Name   string
	Events []ExportEvent
}

// Render writes the calendar as RFC 5545 text: CRLF line endings, lines folded at 75 octets,
// all-day events (VALUE=DATE) with an exclusive DTEND, in a stable order.
func Render(w io.Writer, c ExportCalendar) error {
	cal := goical.NewCalendar()
	cal.SetProductId(ProdID)
	cal.SetCalscale("GREGORIAN")
	cal.SetMethod(goical.MethodPublish)
	if c.Name != "" {
		cal.SetXWRCalName(c.Name)
	}
	events := append([]ExportEvent(nil), c.Events...)
	sort.Slice(events, func(i, j int) bool {
		if !events[i].Start.Equal(events[j].Start) {
			return events[i].Start.Before(events[j].Start)
		}
		return events[i].UID < events[j].UID
	})
	for _, e := range events {
		if !e.End.After(e.Start) {
			return fmt.Errorf("export event %s: end %s is not after start %s", e.UID,
				e.End.Format(time.DateOnly), e.Start.Format(time.DateOnly))
		}
		ev := cal.AddEvent(e.UID)
		ev.SetDtStampTime(e.Stamp)
		ev.SetAllDayStartAt(e.Start.UTC())
		ev.SetAllDayEndAt(e.End.UTC())
		if e.Summary != "" {
			ev.SetSummary(e.Summary)
		}
		ev.SetTimeTransparency(goical.TransparencyOpaque)
	}
	if err := cal.SerializeTo(w, goical.WithNewLine("\r\n"), goical.WithLineLength(75)); err != nil {
		return fmt.Errorf("render calendar: %w", err)
	}
	return nil
}
