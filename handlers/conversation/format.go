package conversation

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/reservas/reservas/handlers/booking"
)

// Money formats ARS centavos the way Argentines write prices: "$ 45.000", "$ 45.000,50".
func Money(cents int64) string {
	neg := cents < 0
	if neg {
		cents = -cents
	}
	pesos, frac := cents/100, cents%100
	digits := strconv.FormatInt(pesos, 10)
	var b strings.Builder
	if neg {
		b.WriteString("-")
	}
	b.WriteString("$ ")
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	if frac != 0 {
		b.WriteByte(',')
		if frac < 10 {
			b.WriteByte('0')
		}
		b.WriteString(strconv.FormatInt(frac, 10))
	}
	return b.String()
}

// Day formats a civil date short, with the weekday: "vie 18/12" (es), "Fri Dec 18" (en),
// "sex 18/12" (pt).
func Day(lang string, d time.Time) string {
	c := catalogFor(lang)
	wd := c.Weekdays[d.Weekday()]
	if lang == "en" {
		return wd + " " + c.Months[d.Month()-1] + " " + strconv.Itoa(d.Day())
	}
	return wd + " " + d.Format("02/01")
}

// StayText is "vie 18/12 → lun 21/12 (3 noches)".
func StayText(lang string, in, out time.Time) string {
	c := catalogFor(lang)
	return Day(lang, in) + " → " + Day(lang, out) + " (" + c.nights(booking.DaysBetween(in, out)) + ")"
}

// clock formats an instant in loc as "15:42", with the day when it is not today.
func clock(lang string, t, now time.Time, loc *time.Location) string {
	t, now = t.In(loc), now.In(loc)
	if booking.DateOf(t).Equal(booking.DateOf(now)) {
		return t.Format("15:04")
	}
	return Day(lang, booking.DateOf(t)) + " " + t.Format("15:04")
}

// deadline is what follows "antes"/"before" for an instant in loc: "de las 15:42" or, on
// another day, "del mié 02/12 a las 00:20" (en: "15:42", "Wed 02/12 at 00:20"; pt: "das 15:42",
// "de qua 02/12 às 00:20"), so the sentence reads right on both sides of midnight.
func deadline(lang string, t, now time.Time, loc *time.Location) string {
	t, now = t.In(loc), now.In(loc)
	hm := t.Format("15:04")
	if booking.DateOf(t).Equal(booking.DateOf(now)) {
		switch lang {
		case "en":
			return hm
		case "pt":
			return "das " + hm
		}
		return "de las " + hm
	}
	day := Day(lang, booking.DateOf(t))
	switch lang {
	case "en":
		return day + " at " + hm
	case "pt":
		return "de " + day + " às " + hm
	}
	return "del " + day + " a las " + hm
}

// clip shortens s to at most n characters, ending in "…" when it had to cut.
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// firstName is the first word of a WhatsApp profile name (chosen by the user, so only used
// to greet), clipped.
func firstName(profile string) string {
	f := strings.Fields(profile)
	if len(f) == 0 {
		return ""
	}
	name := f[0]
	for _, r := range name {
		if r == '*' || r == '_' || r == '~' || r == '`' {
			return ""
		}
	}
	return clip(name, 20)
}

// joinList joins items as "a, b y c".
func joinList(lang string, items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + catalogFor(lang).And + " " + items[len(items)-1]
}
