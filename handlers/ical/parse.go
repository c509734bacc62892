package ical

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"
	// Time zone data is embedded so TZID values resolve on hosts without /usr/share/zoneinfo.
	_ "time/tzdata"
)

// ErrNotCalendar means the body is not an iCalendar object at all (no BEGIN:VCALENDAR).
var ErrNotCalendar = errors.New("ical: not an iCalendar feed")

// ErrTruncated means the calendar never ended (no END:VCALENDAR): a cut download must not be
// mistaken for a calendar that lost its last events.
var ErrTruncated = errors.New("ical: calendar is truncated (no END:VCALENDAR)")

// Event is one VEVENT reduced to the nights it blocks.
type Event struct {
	UID     string
	Summary string
	// Start and End are civil dates (00:00 UTC); End is exclusive (the checkout day).
	Start, End time.Time
	// Reserved marks a reservation (Airbnb's "Reserved") as opposed to a closed or "Not
	// available" night; only the wording of alerts depends on it.
	Reserved bool
	// Line is the line number (1-based, after unfolding) of the event's BEGIN:VEVENT.
	Line int
}

// Nights is the number of nights the event blocks.
func (e Event) Nights() int { return dayNumber(e.End) - dayNumber(e.Start) }

// Problem is something in the feed that was repaired, ignored or rejected.
type Problem struct {
	Line   int
	UID    string
	Reason string
	// Rejected is true when an event was left out because of it.
	Rejected bool
}

func (p Problem) String() string {
	s := fmt.Sprintf("line %d: %s", p.Line, p.Reason)
	if p.UID != "" {
		s += " (UID " + p.UID + ")"
	}
	return s
}

// Calendar is a parsed feed.
type Calendar struct {
	ProdID   string
	Events   []Event
	Problems []Problem
}

// Rejected counts the events left out.
func (c *Calendar) Rejected() int {
	n := 0
	for _, p := range c.Problems {
		if p.Rejected {
			n++
		}
	}
	return n
}

// contentLine is one unfolded line: NAME;PARAM=V,V2:VALUE.
type contentLine struct {
	name   string
	params map[string][]string
	value  string
	line   int
}

func (l contentLine) param(name string) string {
	if vs := l.params[name]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// Parse reads a feed leniently: CRLF, LF, CR or a mix of them; folded lines (space or tab);
// blank lines; duplicate or parameterised PRODID and VERSION; unknown properties and components;
// DATE, UTC DATE-TIME, floating DATE-TIME and DATE-TIME with TZID. DATE-TIME values become civil
// dates in loc, the cabin's time zone; floating ones are read in loc too.
//
// An event that cannot be understood (no DTSTART, DTEND before DTSTART, ...) is rejected and
// reported in Problems; the rest of the feed still counts. Cancelled events are left out.
// The error is non-nil only when the whole body is unusable: not a calendar, or truncated.
func Parse(data []byte, loc *time.Location) (*Calendar, error) {
	if loc == nil {
		loc = time.UTC
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	lines := unfold(data)
	cal := &Calendar{}
	var (
		stack     []string
		began     bool
		ended     bool
		ev        []contentLine
		evLine    int
		prodIDSet bool
	)
	for _, raw := range lines {
		cl, ok := parseContentLine(raw.text)
		if !ok {
			cal.Problems = append(cal.Problems, Problem{Line: raw.n, Reason: "unparseable line ignored"})
			continue
		}
		cl.line = raw.n
		switch cl.name {
		case "BEGIN":
			comp := strings.ToUpper(strings.TrimSpace(cl.value))
			if comp == "VCALENDAR" {
				began = true
				ended = false
			}
			if comp == "VEVENT" && len(stack) == 1 && stack[0] == "VCALENDAR" {
				ev = ev[:0]
				evLine = raw.n
			}
			stack = append(stack, comp)
			continue
		case "END":
			comp := strings.ToUpper(strings.TrimSpace(cl.value))
			// Pop up to and including the component named; an END without its BEGIN is ignored.
			for i := len(stack) - 1; i >= 0; i-- {
				if stack[i] != comp {
					continue
				}
				for j := len(stack) - 1; j >= i; j-- {
					if stack[j] == "VEVENT" && j == 1 && stack[0] == "VCALENDAR" {
						if j != i {
							cal.Problems = append(cal.Problems, Problem{Line: evLine, Reason: "event without END:VEVENT"})
						}
						cal.addEvent(ev, evLine, loc)
					}
				}
				stack = stack[:i]
				break
			}
			if comp == "VCALENDAR" && began {
				ended = true
			}
			continue
		}
		switch {
		case len(stack) == 1 && stack[0] == "VCALENDAR":
			if cl.name == "PRODID" && !prodIDSet {
				cal.ProdID, prodIDSet = cl.value, true
			}
		case len(stack) == 2 && stack[0] == "VCALENDAR" && stack[1] == "VEVENT":
			ev = append(ev, cl)
		}
	}
	if !began {
		return nil, ErrNotCalendar
	}
	if !ended {
		return nil, ErrTruncated
	}
	return cal, nil
}

type physicalLine struct {
	text string
	n    int
}

// unfold splits on any line ending and joins continuation lines (RFC 5545 §3.1).
func unfold(data []byte) []physicalLine {
	s := string(data)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	var out []physicalLine
	n := 0
	for _, l := range strings.Split(s, "\n") {
		n++
		if l == "" {
			continue
		}
		if (l[0] == ' ' || l[0] == '\t') && len(out) > 0 {
			out[len(out)-1].text += l[1:]
			continue
		}
		if strings.TrimSpace(l) == "" {
			continue
		}
		out = append(out, physicalLine{text: l, n: n})
	}
	return out
}

// parseContentLine splits NAME *(;PARAM=VALUE[,VALUE]) : VALUE, honouring quoted parameter
// values (which may hold ':' and ';'). Names and parameter names are upper-cased.
func parseContentLine(s string) (contentLine, bool) {
	var cl contentLine
	i := strings.IndexAny(s, ";:")
	if i <= 0 {
		return cl, false
	}
	cl.name = strings.ToUpper(strings.TrimSpace(s[:i]))
	for s[i] == ';' {
		i++
		eq := strings.IndexByte(s[i:], '=')
		if eq < 0 {
			return cl, false
		}
		pname := strings.ToUpper(strings.TrimSpace(s[i : i+eq]))
		i += eq + 1
		for {
			var v string
			if i < len(s) && s[i] == '"' {
				end := strings.IndexByte(s[i+1:], '"')
				if end < 0 {
					return cl, false
				}
				v = s[i+1 : i+1+end]
				i += end + 2
			} else {
				end := strings.IndexAny(s[i:], ",;:")
				if end < 0 {
					return cl, false
				}
				v = s[i : i+end]
				i += end
			}
			if cl.params == nil {
				cl.params = map[string][]string{}
			}
			cl.params[pname] = append(cl.params[pname], v)
			if i >= len(s) {
				return cl, false
			}
			if s[i] != ',' {
				break
			}
			i++
		}
		if s[i] != ';' && s[i] != ':' {
			return cl, false
		}
	}
	cl.value = s[i+1:]
	return cl, true
}

// unescapeText undoes TEXT escaping (\\, \;, \,, \n).
func unescapeText(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n', 'N':
				b.WriteByte('\n')
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

type dateValue struct {
	date    time.Time // civil date
	isDate  bool      // VALUE=DATE
	instant time.Time // for DATE-TIME: the instant in loc
}

func (cal *Calendar) addEvent(props []contentLine, line int, loc *time.Location) {
	var (
		uid, summary, status string
		start, end           *contentLine
		duration             *contentLine
		hasRule              bool
	)
	for i := range props {
		p := &props[i]
		switch p.name {
		case "UID":
			if uid == "" {
				uid = strings.TrimSpace(p.value)
			}
		case "SUMMARY":
			if summary == "" {
				summary = strings.TrimSpace(unescapeText(p.value))
			}
		case "STATUS":
			status = strings.ToUpper(strings.TrimSpace(p.value))
		case "DTSTART":
			if start == nil {
				start = p
			}
		case "DTEND":
			if end == nil {
				end = p
			}
		case "DURATION":
			if duration == nil {
				duration = p
			}
		case "RRULE", "RDATE":
			hasRule = true
		}
	}
	reject := func(reason string) {
		cal.Problems = append(cal.Problems, Problem{Line: line, UID: uid, Reason: reason, Rejected: true})
	}
	note := func(reason string) {
		cal.Problems = append(cal.Problems, Problem{Line: line, UID: uid, Reason: reason})
	}
	if status == "CANCELLED" {
		note("cancelled event ignored")
		return
	}
	if start == nil {
		reject("event without DTSTART")
		return
	}
	sv, err := parseDateValue(*start, loc)
	if err != nil {
		reject("DTSTART: " + err.Error())
		return
	}
	if hasRule {
		note("recurrence not expanded: only the first occurrence blocks nights")
	}
	ev := Event{UID: uid, Summary: summary, Start: sv.date, Line: line, Reserved: isReservation(summary)}
	switch {
	case end != nil:
		evv, err := parseDateValue(*end, loc)
		if err != nil {
			reject("DTEND: " + err.Error())
			return
		}
		ev.End = endDate(sv, evv)
	case duration != nil:
		d, days, err := parseDuration(duration.value)
		if err != nil {
			reject("DURATION: " + err.Error())
			return
		}
		if sv.isDate {
			ev.End = sv.date.AddDate(0, 0, days)
			if d > 0 { // a DATE start with hours: every started day counts
				ev.End = ev.End.AddDate(0, 0, int((d+24*time.Hour-1)/(24*time.Hour)))
			}
		} else {
			t := sv.instant.AddDate(0, 0, days).Add(d)
			ev.End = endDate(sv, dateValue{date: civil(t), instant: t})
		}
	default:
		// RFC 5545 §3.6.1: a DATE start without end lasts one day; a DATE-TIME one ends when it
		// starts, which for a rental calendar still means that night is taken.
		ev.End = sv.date.AddDate(0, 0, 1)
	}
	switch {
	case ev.End.Before(ev.Start):
		reject(fmt.Sprintf("DTEND %s is before DTSTART %s", ev.End.Format(time.DateOnly), ev.Start.Format(time.DateOnly)))
		return
	case ev.End.Equal(ev.Start):
		if end != nil && !sv.isDate {
			note("zero-length event ignored")
			return
		}
		note("DTEND equals DTSTART: read as one night")
		ev.End = ev.Start.AddDate(0, 0, 1)
	}
	cal.Events = append(cal.Events, ev)
}

// endDate is the exclusive end date of an event that starts at s and ends at e. A DATE-TIME end
// later on the start's own day still takes that night; a DATE-TIME end on a later day releases
// the night of that day (checkout morning).
func endDate(s, e dateValue) time.Time {
	if !e.isDate && !s.isDate && e.date.Equal(s.date) && e.instant.After(s.instant) {
		return s.date.AddDate(0, 0, 1)
	}
	return e.date
}

func isReservation(summary string) bool {
	s := strings.ToLower(summary)
	return s == "reserved" || strings.HasPrefix(s, "reserved ") || strings.HasPrefix(s, "reserved-")
}

// parseDateValue reads DATE (20251020), DATE-TIME UTC (20251020T150000Z), floating DATE-TIME
// and DATE-TIME with TZID. Dashes and colons (ISO 8601 extended form) are tolerated.
func parseDateValue(cl contentLine, loc *time.Location) (dateValue, error) {
	v := strings.TrimSpace(cl.value)
	v = strings.NewReplacer("-", "", ":", "").Replace(v)
	if i := strings.IndexByte(v, ','); i >= 0 { // a list: the first value counts
		v = v[:i]
	}
	if len(v) == 8 || strings.EqualFold(cl.param("VALUE"), "DATE") && len(v) >= 8 {
		d, err := time.Parse("20060102", v[:8])
		if err != nil {
			return dateValue{}, fmt.Errorf("bad date %q", cl.value)
		}
		return dateValue{date: d, isDate: true}, nil
	}
	utc := strings.HasSuffix(v, "Z") || strings.HasSuffix(v, "z")
	v = strings.TrimRight(v, "Zz")
	if len(v) == 13 { // no seconds: 20251020T1500
		v += "00"
	}
	zone := loc
	if tzid := cl.param("TZID"); tzid != "" && !utc {
		z, ok := loadZone(tzid)
		if !ok {
			return dateValue{}, fmt.Errorf("unknown TZID %q", tzid)
		}
		zone = z
	}
	if utc {
		zone = time.UTC
	}
	t, err := time.ParseInLocation("20060102T150405", v, zone)
	if err != nil {
		return dateValue{}, fmt.Errorf("bad date-time %q", cl.value)
	}
	in := t.In(loc)
	return dateValue{date: civil(in), instant: in}, nil
}

// loadZone resolves an IANA TZID, also the "/mozilla.org/.../Europe/Rome" style.
func loadZone(tzid string) (*time.Location, bool) {
	tzid = strings.Trim(tzid, `"' `)
	if z, err := time.LoadLocation(tzid); err == nil {
		return z, true
	}
	parts := strings.Split(strings.Trim(tzid, "/"), "/")
	for i := 1; i < len(parts); i++ {
		if z, err := time.LoadLocation(path.Join(parts[i:]...)); err == nil {
			return z, true
		}
	}
	return nil, false
}

// parseDuration reads the RFC 5545 duration forms P1D, P2W, PT3H, P1DT12H (sign allowed).
// Whole days are returned apart so that DATE arithmetic stays on the calendar.
func parseDuration(s string) (time.Duration, int, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	if !strings.HasPrefix(s, "P") || len(s) < 3 {
		return 0, 0, fmt.Errorf("bad duration %q", s)
	}
	s = s[1:]
	var (
		d      time.Duration
		days   int
		inTime bool
		num    strings.Builder
	)
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			num.WriteRune(r)
			continue
		case r == 'T':
			inTime = true
			continue
		}
		n, err := strconv.Atoi(num.String())
		if err != nil {
			return 0, 0, fmt.Errorf("bad duration %q", s)
		}
		num.Reset()
		switch {
		case r == 'W' && !inTime:
			days += 7 * n
		case r == 'D' && !inTime:
			days += n
		case r == 'H' && inTime:
			d += time.Duration(n) * time.Hour
		case r == 'M' && inTime:
			d += time.Duration(n) * time.Minute
		case r == 'S' && inTime:
			d += time.Duration(n) * time.Second
		default:
			return 0, 0, fmt.Errorf("bad duration %q", s)
		}
	}
	if num.Len() > 0 {
		return 0, 0, fmt.Errorf("bad duration %q", s)
	}
	if neg {
		return -d, -days, nil
	}
	return d, days, nil
}

// civil is the calendar date of t in t's own location, as 00:00 UTC.
func civil(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Today is the civil date of now in loc.
func Today(now time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return civil(now.In(loc))
}

// dayNumber counts days since 1970-01-01 for a civil date.
func dayNumber(d time.Time) int { return int(d.Unix() / 86400) }

func dateOf(n int) time.Time { return time.Unix(int64(n)*86400, 0).UTC() }
