package ical

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	goical "github.com/arran4/golang-ical"
)

func sampleExport() ExportCalendar {
	stamp := time.Date(2025, 11, 2, 15, 4, 5, 0, time.UTC)
	return ExportCalendar{
		// Long and non-ASCII, so the X-WR-CALNAME line has to fold inside multi-byte runes.
		Name: "Cabaña Ñandú del Bosque Encantado, con vista al lago; y al cerro — ñañañañañañañañañañañaña",
		Events: []ExportEvent{
			{UID: "0b4f8f0e-7a4b-4c4e-9d7c-2d1f5b9a0c11@reservas", Start: d("2025-12-24"), End: d("2025-12-27"), Summary: "No disponible", Stamp: stamp},
			{UID: "7e0c3a52-12f4-4a61-8e2b-6c0b8f7d9e22@reservas", Start: d("2025-11-20"), End: d("2025-11-22"), Summary: "No disponible", Stamp: stamp},
			{UID: "a9d1e6b3-55c2-4f0a-b7e4-3f2a1c8d7b33@reservas", Start: d("2025-11-22"), End: d("2025-11-23"), Summary: "No disponible", Stamp: stamp.Add(time.Hour)},
		},
	}
}

func renderString(t *testing.T, c ExportCalendar) string {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, c); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestRenderParsedBackByGolangICal(t *testing.T) {
	out := renderString(t, sampleExport())
	cal, err := goical.ParseCalendar(strings.NewReader(out))
	if err != nil {
		t.Fatalf("golang-ical cannot parse our export: %v\n%s", err, out)
	}
	evs := cal.Events()
	if len(evs) != 3 {
		t.Fatalf("golang-ical sees %d events", len(evs))
	}
	// Sorted by start date; all-day with exclusive DTEND.
	want := [][2]string{{"2025-11-20", "2025-11-22"}, {"2025-11-22", "2025-11-23"}, {"2025-12-24", "2025-12-27"}}
	for i, e := range evs {
		s, err := e.GetAllDayStartAt()
		if err != nil {
			t.Fatal(err)
		}
		en, err := e.GetAllDayEndAt()
		if err != nil {
			t.Fatal(err)
		}
		if got := [2]string{s.Format(time.DateOnly), en.Format(time.DateOnly)}; got != want[i] {
			t.Errorf("event %d: %v, want %v", i, got, want[i])
		}
		if p := e.GetProperty(goical.ComponentPropertyDtStart); p.ICalParameters["VALUE"][0] != "DATE" {
			t.Errorf("DTSTART params %v", p.ICalParameters)
		}
		if _, err := e.GetDtStampTime(); err != nil {
			t.Errorf("DTSTAMP: %v", err)
		}
	}
	if got := evs[0].Id(); got != "7e0c3a52-12f4-4a61-8e2b-6c0b8f7d9e22@reservas" {
		t.Errorf("first UID %q", got)
	}
	// Our own lenient importer reads it back the same.
	own, err := Parse([]byte(out), buenosAires)
	if err != nil {
		t.Fatal(err)
	}
	equalSpans(t, own.Events, []span{{"2025-11-20", "2025-11-22", false}, {"2025-11-22", "2025-11-23", false}, {"2025-12-24", "2025-12-27", false}})
}

func TestRenderPassesStrictRFC5545Check(t *testing.T) {
	out := renderString(t, sampleExport())
	for _, p := range strictCheck(out) {
		t.Error(p)
	}
	if !strings.Contains(out, "\r\n ") {
		t.Error("the long calendar name was not folded")
	}
	// Same input, same bytes: the ETag of an unchanged calendar is stable.
	if again := renderString(t, sampleExport()); again != out {
		t.Error("rendering is not deterministic")
	}
	empty := renderString(t, ExportCalendar{})
	for _, p := range strictCheck(empty) {
		t.Error("empty calendar: ", p)
	}
}

func TestRenderRefusesEmptyEvents(t *testing.T) {
	var b bytes.Buffer
	err := Render(&b, ExportCalendar{Events: []ExportEvent{{UID: "x", Start: d("2025-12-01"), End: d("2025-12-01")}}})
	if err == nil {
		t.Fatal("an event with DTEND = DTSTART was rendered")
	}
}

// strictCheck is a second, independent and deliberately strict RFC 5545 reader for what we
// export: CRLF only, physical lines of at most 75 octets, folds that never split a UTF-8
// sequence, the calendar's required properties exactly once, and for every event UID, DTSTAMP
// (UTC), DTSTART and DTEND as VALUE=DATE with DTEND after DTSTART, and nothing that could carry
// guest data.
func strictCheck(s string) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if !strings.HasSuffix(s, "\r\n") {
		bad("does not end with CRLF")
	}
	physical := strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n")
	var logical []string
	for i, l := range physical {
		if strings.ContainsAny(l, "\r\n") {
			bad("line %d: bare CR or LF", i+1)
		}
		if len(l) > 75 {
			bad("line %d: %d octets", i+1, len(l))
		}
		if !utf8.ValidString(l) {
			bad("line %d: fold split a UTF-8 sequence", i+1)
		}
		if strings.HasPrefix(l, " ") {
			if len(logical) == 0 {
				bad("line %d: continuation first", i+1)
				continue
			}
			logical[len(logical)-1] += l[1:]
			continue
		}
		logical = append(logical, l)
	}
	nameRe := regexp.MustCompile(`^[A-Z][A-Z0-9-]*(;[A-Z][A-Z0-9-]*=[^;:]*)*:`)
	dateRe := regexp.MustCompile(`^\d{8}$`)
	stampRe := regexp.MustCompile(`^\d{8}T\d{6}Z$`)
	allowed := map[string]bool{"UID": true, "DTSTAMP": true, "DTSTART": true, "DTEND": true, "SUMMARY": true, "TRANSP": true}
	if len(logical) < 2 || logical[0] != "BEGIN:VCALENDAR" || logical[len(logical)-1] != "END:VCALENDAR" {
		bad("not wrapped in BEGIN/END:VCALENDAR")
		return problems
	}
	calProps := map[string]int{}
	var event map[string][]string
	for _, l := range logical[1 : len(logical)-1] {
		if !nameRe.MatchString(l) {
			bad("malformed content line %q", l)
			continue
		}
		colon := strings.IndexByte(l, ':')
		head, value := l[:colon], l[colon+1:]
		name, params, _ := strings.Cut(head, ";")
		switch {
		case l == "BEGIN:VEVENT":
			if event != nil {
				bad("nested VEVENT")
			}
			event = map[string][]string{}
		case l == "END:VEVENT":
			if event == nil {
				bad("END:VEVENT without BEGIN")
				continue
			}
			for _, req := range []string{"UID", "DTSTAMP", "DTSTART", "DTEND"} {
				if len(event[req]) != 1 {
					bad("event %v: %s appears %d times", event["UID"], req, len(event[req]))
				}
			}
			if len(event["DTSTART"]) == 1 && len(event["DTEND"]) == 1 && event["DTEND"][0] <= event["DTSTART"][0] {
				bad("event %v: DTEND not after DTSTART", event["UID"])
			}
			event = nil
		case event != nil:
			if !allowed[name] {
				bad("event property %s not allowed in an export", name)
			}
			switch name {
			case "DTSTART", "DTEND":
				if params != "VALUE=DATE" || !dateRe.MatchString(value) {
					bad("%s is not VALUE=DATE: %q", name, l)
				}
			case "DTSTAMP":
				if params != "" || !stampRe.MatchString(value) {
					bad("DTSTAMP not UTC: %q", l)
				}
			}
			event[name] = append(event[name], value)
		default:
			calProps[name]++
		}
	}
	if event != nil {
		bad("unterminated VEVENT")
	}
	for _, req := range []string{"VERSION", "PRODID"} {
		if calProps[req] != 1 {
			bad("calendar has %s %d times", req, calProps[req])
		}
	}
	return problems
}

func TestStrictCheckCatchesMistakes(t *testing.T) {
	good := renderString(t, sampleExport())
	for name, broken := range map[string]string{
		"LF endings":       strings.ReplaceAll(good, "\r\n", "\n"),
		"long line":        strings.Replace(good, "SUMMARY:No disponible", "SUMMARY:"+strings.Repeat("x", 80), 1),
		"date-time start":  strings.Replace(good, "DTSTART;VALUE=DATE:20251120", "DTSTART:20251120T000000Z", 1),
		"guest data":       strings.Replace(good, "SUMMARY:No disponible", "DESCRIPTION:Juan Pérez", 1),
		"inclusive DTEND":  strings.Replace(good, "DTEND;VALUE=DATE:20251123", "DTEND;VALUE=DATE:20251122", 1),
		"missing DTSTAMP":  strings.Replace(good, "DTSTAMP:20251102T150405Z\r\n", "", 1),
		"duplicate PRODID": strings.Replace(good, "VERSION:2.0\r\n", "VERSION:2.0\r\nPRODID:x\r\n", 1),
	} {
		if len(strictCheck(broken)) == 0 {
			t.Errorf("%s: strict check passed a broken calendar", name)
		}
	}
}
