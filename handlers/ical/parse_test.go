package ical

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

var buenosAires = mustZone("America/Argentina/Buenos_Aires")

func mustZone(name string) *time.Location {
	z, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return z
}

func d(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func readSample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type span struct {
	start, end string
	reserved   bool
}

func spans(evs []Event) []span {
	out := make([]span, len(evs))
	for i, e := range evs {
		out[i] = span{e.Start.Format(time.DateOnly), e.End.Format(time.DateOnly), e.Reserved}
	}
	return out
}

func equalSpans(t *testing.T, got []Event, want []span) {
	t.Helper()
	g := spans(got)
	if len(g) != len(want) {
		t.Fatalf("got %d events %v, want %d %v", len(g), g, len(want), want)
	}
	for i := range g {
		if g[i] != want[i] {
			t.Errorf("event %d: got %v, want %v", i, g[i], want[i])
		}
	}
}

func TestParseAirbnbSample(t *testing.T) {
	data := readSample(t, "airbnb-2025-10_hosting-calendar-1.0.ics")
	if !strings.Contains(string(data), "\r\n ") {
		t.Fatal("sample lost its CRLF folding")
	}
	cal, err := Parse(data, buenosAires)
	if err != nil {
		t.Fatal(err)
	}
	if cal.ProdID != "-//Airbnb Inc//Hosting Calendar 1.0//EN" {
		t.Errorf("ProdID = %q", cal.ProdID)
	}
	equalSpans(t, cal.Events, []span{
		{"2025-10-20", "2025-10-22", true},
		{"2025-10-22", "2025-10-24", true},
		{"2025-10-24", "2025-10-25", true},
		{"2025-10-30", "2025-11-01", true},
		{"2025-11-02", "2025-11-04", true},
		{"2025-12-24", "2025-12-26", true},
		{"2025-11-01", "2025-11-02", false},
		{"2025-11-15", "2025-11-16", false},
		{"2026-04-01", "2026-10-23", false},
	})
	if len(cal.Problems) != 0 {
		t.Errorf("problems: %v", cal.Problems)
	}
	if got := cal.Events[0].UID; got != "1418fb94e984-405f87fd6f7ed014c6ece8a82e8c6da3@airbnb.com" {
		t.Errorf("UID = %q", got)
	}
	// Back-to-back stays share a date but no night; the orphan night 1 Nov is a block.
	nights := 0
	for _, e := range cal.Events {
		nights += e.Nights()
	}
	if nights != 2+2+1+2+2+2+1+1+205 {
		t.Errorf("nights = %d", nights)
	}
}

func TestParseLegacyAirbnbRejectsBackwardsEvent(t *testing.T) {
	data := readSample(t, "airbnb-legacy-0.8.8_hand-edited.ics")
	if strings.Contains(string(data), "\r") {
		t.Fatal("legacy sample should be LF only")
	}
	cal, err := Parse(data, buenosAires)
	if err != nil {
		t.Fatal(err)
	}
	if cal.ProdID != "-//Airbnb Inc//Hosting Calendar 0.8.8//EN" {
		t.Errorf("ProdID = %q (parameter on PRODID must not leak into the value)", cal.ProdID)
	}
	equalSpans(t, cal.Events, []span{
		{"2025-02-26", "2025-02-27", false},
		{"2025-04-03", "2025-05-25", false},
	})
	if cal.Rejected() != 1 || len(cal.Problems) != 1 {
		t.Fatalf("problems = %v", cal.Problems)
	}
	p := cal.Problems[0]
	if p.UID != "6fec1092d3fa-b03a1ec3773826d30cf3ccb40229974b@airbnb.com" || !strings.Contains(p.Reason, "before DTSTART") {
		t.Errorf("problem = %v", p)
	}
}

func TestParseBookingSample(t *testing.T) {
	cal, err := Parse(readSample(t, "booking-com-2025-11_room-berta.ics"), buenosAires)
	if err != nil {
		t.Fatal(err)
	}
	if cal.ProdID != `-//admin.booking.com\\\, b.v.//NONSGML v1.0//EN` {
		t.Errorf("ProdID = %q", cal.ProdID)
	}
	equalSpans(t, cal.Events, []span{
		{"2025-11-22", "2025-11-23", false},
		{"2026-01-02", "2027-05-18", false},
	})
	for _, e := range cal.Events {
		if e.Summary != "CLOSED - Not available" {
			t.Errorf("summary %q", e.Summary)
		}
	}
}

func TestParseLenient(t *testing.T) {
	// Mixed line endings, a blank line, duplicate VERSION/PRODID, unknown properties and an
	// unknown component, a folded SUMMARY split with a tab, a VALARM inside an event, TZID and
	// UTC DATE-TIMEs, a DURATION, a missing DTEND, a cancelled event, and a DATE with DTEND=DTSTART.
	feed := "BEGIN:VCALENDAR\r\nVERSION:2.0\nVERSION:2.0\r\nPRODID:-//One//EN\nPRODID:-//Two//EN\r\n" +
		"X-WR-CALNAME:Casa\r\n\r\n" +
		"BEGIN:VTIMEZONE\r\nTZID:Europe/Rome\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n" +
		"BEGIN:VEVENT\nUID:a\nSUMMARY:Reser\r\n\tved\r\nORGANIZER:mailto:noreply@booking.com\r\n" +
		"DTSTART;VALUE=DATE:20251201\r\nDTEND;VALUE=DATE:20251203\r\n" +
		"BEGIN:VALARM\r\nTRIGGER:-PT15M\r\nDTSTART:20200101T000000Z\r\nEND:VALARM\r\nEND:VEVENT\r\n" +
		// 02:30 UTC on 10 Dec is still 9 Dec in Buenos Aires (UTC-3); 13:00 UTC on 12 Dec is 10:00 local.
		"BEGIN:VEVENT\r\nUID:b\r\nDTSTART:20251210T023000Z\r\nDTEND:20251212T130000Z\r\nEND:VEVENT\r\n" +
		// Rome 01:00 on 20 Dec is 19 Dec 21:00 in Buenos Aires; end 18:00 Rome on 22 Dec.
		"BEGIN:VEVENT\r\nUID:c\r\nDTSTART;TZID=\"Europe/Rome\":20251220T010000\r\nDTEND;TZID=/mozilla.org/20070129_1/Europe/Rome:20251222T180000\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:d\r\nDTSTART;VALUE=DATE:20260105\r\nDURATION:P1W\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:e\r\nDTSTART;VALUE=DATE:20260201\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:f\r\nSTATUS:CANCELLED\r\nDTSTART;VALUE=DATE:20260301\r\nDTEND;VALUE=DATE:20260305\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:g\r\nDTSTART;VALUE=DATE:20260401\r\nDTEND;VALUE=DATE:20260401\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:h\r\nDTSTART:2026-05-01\r\nDTEND:2026-05-03\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:i\r\nDTSTART:20260601T100000\r\nDTEND:20260601T140000\r\nEND:VEVENT\r\n" +
		"this line has no colon\r\n" +
		"END:VCALENDAR\r\n"
	cal, err := Parse([]byte(feed), buenosAires)
	if err != nil {
		t.Fatal(err)
	}
	if cal.ProdID != "-//One//EN" {
		t.Errorf("ProdID = %q", cal.ProdID)
	}
	equalSpans(t, cal.Events, []span{
		{"2025-12-01", "2025-12-03", true},
		{"2025-12-09", "2025-12-12", false},
		{"2025-12-19", "2025-12-22", false},
		{"2026-01-05", "2026-01-12", false},
		{"2026-02-01", "2026-02-02", false},
		{"2026-04-01", "2026-04-02", false},
		{"2026-05-01", "2026-05-03", false},
		{"2026-06-01", "2026-06-02", false},
	})
	if cal.Rejected() != 0 {
		t.Errorf("rejected: %v", cal.Problems)
	}
	reasons := ""
	for _, p := range cal.Problems {
		reasons += p.String() + "\n"
	}
	for _, want := range []string{"cancelled event ignored", "DTEND equals DTSTART", "unparseable line"} {
		if !strings.Contains(reasons, want) {
			t.Errorf("problems lack %q:\n%s", want, reasons)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		feed string
		want error
	}{
		"html":      {"<html><body>Service unavailable</body></html>", ErrNotCalendar},
		"empty":     {"", ErrNotCalendar},
		"truncated": {"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20251201\r\n", ErrTruncated},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(tc.feed), buenosAires)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestParseRejectsBadEvents(t *testing.T) {
	feed := "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:nostart\nDTEND;VALUE=DATE:20251201\nEND:VEVENT\n" +
		"BEGIN:VEVENT\nUID:baddate\nDTSTART;VALUE=DATE:2025133\nEND:VEVENT\n" +
		"BEGIN:VEVENT\nUID:badtz\nDTSTART;TZID=Mars/Olympus:20251201T100000\nEND:VEVENT\n" +
		"BEGIN:VEVENT\nUID:zero\nDTSTART:20251201T100000Z\nDTEND:20251201T100000Z\nEND:VEVENT\n" +
		"BEGIN:VEVENT\nUID:ok\nDTSTART;VALUE=DATE:20251201\nDTEND;VALUE=DATE:20251202\nEND:VEVENT\n" +
		"BEGIN:VEVENT\nUID:unclosed\nDTSTART;VALUE=DATE:20251210\nDTEND;VALUE=DATE:20251211\nEND:VCALENDAR\n"
	cal, err := Parse([]byte(feed), buenosAires)
	if err != nil {
		t.Fatal(err)
	}
	equalSpans(t, cal.Events, []span{{"2025-12-01", "2025-12-02", false}, {"2025-12-10", "2025-12-11", false}})
	if cal.Rejected() != 3 {
		t.Errorf("rejected = %d: %v", cal.Rejected(), cal.Problems)
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"airbnb-2025-10_hosting-calendar-1.0.ics", "airbnb-legacy-0.8.8_hand-edited.ics", "booking-com-2025-11_room-berta.ics"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cal, err := Parse(data, buenosAires)
		if err != nil {
			return
		}
		for _, e := range cal.Events {
			if !e.End.After(e.Start) {
				t.Fatalf("event %q ends %v, not after %v", e.UID, e.End, e.Start)
			}
		}
	})
}
