package nlu

import "time"

const day = 24 * time.Hour

// mention is one date expression found in a message.
type mention struct {
	start, end int // token span [start, end)

	day   int
	month time.Month
	year  int
	wd    time.Weekday
	hasWD bool

	date     time.Time // already resolved (hoy, mañana)
	strict   bool      // "próximo sábado": today excluded
	nextWeek bool      // "el sábado de la semana que viene"
	weekend  int       // 1 this weekend, 2 the weekend after
	long     bool      // "finde largo"

	role     int  // roleStart or roleEnd, from the words before it
	linkNext bool // forms a range with the next mention ("15-18 dic")
	pairNext bool // "15 y 16": the nights of both days
	between  bool // introduced by "entre"/"between"
}

const (
	roleNone = iota
	roleStart
	roleEnd
)

var (
	startWords = keysOf("desde|from|entrada|llegamos|llego|llegaria|llegariamos|llegando|ingreso|ingresamos|ingresariamos|entramos|entrariamos|partir|starting|arriving|arrive|arrival|chegamos|chegada|chegando|checkin|in|del|de|do|da|entre|between|inicio|empezando")
	endWords   = keysOf("hasta|until|till|salida|salimos|saldriamos|irnos|iriamos|out|checkout|saida|saimos|ate|volvemos|regresamos|leave|leaving|departure|depart|al|ao|retiramos|vamos")
	dayContext = keysOf("el|del|dia|the|desde|from|de")
	rangeWords = keysOf("al|a|hasta|to|until|till|thru|through|ao|ate|-|–|—")
	fillers    = keysOf("el|la|the|dia|day|o|dias")
	ordSuffix  = map[string]bool{"ro": true, "ero": true, "er": true, "do": true, "to": true, "vo": true, "no": true,
		"mo": true, "st": true, "nd": true, "rd": true, "th": true, "o": true, "a": true, "da": true, "ra": true}
	notDayAfter = keysOf("horas|minutos|personas|persona|pax|adultos|ninos|noches|noche|nights|dias|semanas|km|cuadras|metros|pesos|mil|huespedes|people|guests|adults|kids|pessoas|noites|estrellas|camas|dormitorios|ambientes|habitaciones|banos|am|pm|matrimonios|parejas|chicos|menores|hijos|amigos|veces")
)

// parseDates finds date mentions, links them into a stay, and sets CheckIn,
// CheckOut and Nights.
func (p *parser) parseDates() {
	ms := p.collectMentions()
	p.setMonthOnly()
	if len(ms) == 0 {
		return
	}
	for k := range ms {
		p.setRole(ms, k)
	}
	ci, co, explicit := p.stay(ms)
	r := &p.res
	if ci.IsZero() {
		return
	}
	r.CheckIn = ci
	if !explicit && p.nights > 0 {
		co = ci.Add(time.Duration(p.nights) * day)
	}
	if !co.IsZero() && co.After(ci) {
		r.CheckOut = co
		r.Nights = int(co.Sub(ci) / day)
	}
}

// stay turns the mentions into a check-in and an optional check-out;
// explicit reports a check-out the guest wrote (not implied by a weekend).
func (p *parser) stay(ms []mention) (ci, co time.Time, explicit bool) {
	// An explicit range wins over anything else in the message.
	for k := 0; k+1 < len(ms); k++ {
		a, b := &ms[k], &ms[k+1]
		if a.weekend != 0 || b.weekend != 0 {
			continue
		}
		kind := p.link(ms, k)
		if kind == linkNone {
			continue
		}
		ci, co = p.rangeOf(a, b, kind == linkPair)
		if !ci.IsZero() {
			return ci, co, !co.IsZero()
		}
	}
	m := &ms[0]
	for k := range ms {
		if ms[k].weekend == 0 && ms[k].role != roleEnd {
			m = &ms[k]
			break
		}
	}
	if m.weekend != 0 {
		ci, co = p.weekend(m.weekend)
		if m.long {
			co = co.Add(day)
		}
		return ci, co, false
	}
	if m.role == roleEnd {
		return time.Time{}, time.Time{}, false
	}
	ci, _ = p.resolve(m, p.today, false)
	return ci, time.Time{}, false
}

const (
	linkNone = iota
	linkRange
	linkPair
)

// link says how mention k relates to mention k+1.
func (p *parser) link(ms []mention, k int) int {
	a, b := &ms[k], &ms[k+1]
	if a.linkNext {
		return linkRange
	}
	if a.pairNext {
		return linkPair
	}
	// The words between the two mentions, fillers aside.
	var between []int
	for i := a.end; i < b.start; i++ {
		t := &p.toks[i]
		if t.kind == kWord && fillers[t.key] {
			continue
		}
		if t.kind == kPunct && t.raw != "-" && t.raw != "–" && t.raw != "—" && t.raw != "," {
			continue
		}
		between = append(between, i)
	}
	if len(between) == 1 {
		t := &p.toks[between[0]]
		if rangeWords[t.key] || rangeWords[t.raw] {
			return linkRange
		}
		if t.norm == "y" || t.norm == "and" || t.norm == "e" {
			if a.between {
				return linkRange
			}
			return linkPair
		}
	}
	if len(between) == 2 && p.toks[between[0]].raw == "," {
		t := &p.toks[between[1]]
		if rangeWords[t.key] {
			return linkRange
		}
	}
	if b.role == roleEnd {
		return linkRange
	}
	if len(ms) == 2 {
		return linkRange
	}
	return linkNone
}

// rangeOf resolves a linked pair of mentions.
func (p *parser) rangeOf(a, b *mention, pair bool) (ci, co time.Time) {
	// "del 12 al 15 de diciembre": the month (and year) written once.
	if a.day > 0 && a.month == 0 && b.day > 0 && b.month != 0 && a.date.IsZero() {
		a.month, a.year = b.month, b.year
		if a.day > b.day {
			a.month--
			if a.month == 0 {
				a.month = 12
				if a.year != 0 {
					a.year--
				}
			}
		}
	}
	if a.month != 0 && a.year == 0 && b.year != 0 && b.month != 0 {
		a.year = b.year
		if a.month > b.month {
			a.year--
		}
	}
	ci, ok := p.resolve(a, p.today, false)
	if !ok {
		return time.Time{}, time.Time{}
	}
	co, ok = p.resolve(b, ci, true)
	if !ok {
		return ci, time.Time{}
	}
	if pair && !(b.hasWD && b.wd == time.Sunday) {
		co = co.Add(day)
	}
	return ci, co
}

// weekend returns the stay of this weekend (which 1) or the next (which 2).
func (p *parser) weekend(which int) (ci, co time.Time) {
	t := p.today
	var fri time.Time
	switch wd := t.Weekday(); wd {
	case time.Friday:
		fri = t
	case time.Saturday:
		fri = t.Add(-day)
	case time.Sunday:
		fri = t.Add(5 * day)
	default:
		fri = t.Add(time.Duration(time.Friday-wd) * day)
	}
	if which == 2 {
		fri = fri.Add(7 * day)
	}
	ci = fri
	if which == 1 && t.Weekday() == time.Saturday {
		ci = t
	}
	return ci, fri.Add(2 * day)
}

func civil(y int, m time.Month, d int) (time.Time, bool) {
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return t, t.Day() == d
}

// resolve finds the date of m: the first one on or after base (after base
// when strict or m.strict) that fits what m says.
func (p *parser) resolve(m *mention, base time.Time, strict bool) (time.Time, bool) {
	if !m.date.IsZero() {
		return m.date, true
	}
	if m.weekend != 0 {
		ci, _ := p.weekend(m.weekend)
		return ci, true
	}
	ok := func(t time.Time) bool { return t.After(base) || (!strict && t.Equal(base)) }
	if m.day == 0 && m.hasWD {
		from := base
		if strict || m.strict {
			from = base.Add(day)
		}
		if m.nextWeek {
			// Monday of the calendar week after base's.
			off := (int(base.Weekday()) + 6) % 7
			from = base.Add(time.Duration(7-off) * day)
		}
		off := (int(m.wd) - int(from.Weekday()) + 7) % 7
		return from.Add(time.Duration(off) * day), true
	}
	if m.day == 0 {
		return time.Time{}, false
	}
	if m.year != 0 {
		return civil(m.year, m.month, m.day)
	}
	if m.month != 0 {
		for y := base.Year(); y <= base.Year()+8; y++ {
			if t, valid := civil(y, m.month, m.day); valid && ok(t) {
				return t, true
			}
		}
		return time.Time{}, false
	}
	for pass := 0; pass < 2; pass++ {
		y, mo := base.Year(), base.Month()
		for k := 0; k < 28; k++ {
			if t, valid := civil(y, mo, m.day); valid && ok(t) && (pass == 1 || !m.hasWD || t.Weekday() == m.wd) {
				return t, true
			}
			mo++
			if mo > 12 {
				mo, y = 1, y+1
			}
		}
		if !m.hasWD {
			break
		}
	}
	return time.Time{}, false
}

// setRole looks at the words before mention k for "desde"/"hasta"-like markers.
func (p *parser) setRole(ms []mention, k int) {
	from := 0
	if k > 0 {
		from = ms[k-1].end
	}
	m := &ms[k]
	for i := m.start - 1; i >= from && i >= m.start-4; i-- {
		t := &p.toks[i]
		if t.kind != kWord {
			continue
		}
		if t.norm == "entre" || t.norm == "between" {
			m.between = true
		}
		if t.norm == "vamos" && !p.word(i-1, "nos") {
			continue
		}
		if t.norm == "de" || t.norm == "del" || t.norm == "al" || t.norm == "da" || t.norm == "do" {
			continue // too common to mark a role on their own
		}
		if startWords[t.key] {
			m.role = roleStart
			return
		}
		if endWords[t.key] {
			m.role = roleEnd
			return
		}
	}
}

// setMonthOnly records a month named without a day ("¿hay lugar en enero?").
func (p *parser) setMonthOnly() {
	for i := range p.toks {
		t := &p.toks[i]
		if t.used || t.kind != kWord {
			continue
		}
		m, ok := lex.months[t.key]
		if !ok {
			if a, isAbbr := lex.monAbbr[t.key]; isAbbr && p.word(i-1, "en", "in", "em", "para", "for") && len(t.norm) >= 3 && t.norm != "mar" && t.norm != "may" && t.norm != "set" && t.norm != "out" {
				m, ok = a, true
			}
		}
		if ok {
			p.res.Month = int(m)
			t.used = true
			return
		}
	}
}

// collectMentions finds the date expressions in order and marks their tokens.
func (p *parser) collectMentions() []mention {
	var ms []mention
	for i := 0; i < len(p.toks); {
		if p.toks[i].used {
			i++
			continue
		}
		got := p.mentionAt(i, ms)
		if len(got) == 0 {
			i++
			continue
		}
		end := got[len(got)-1].end
		p.use(got[0].start, end)
		ms = append(ms, got...)
		i = end
	}
	// "12 al 15/12", "de 10 a 17 de enero", "20 y 21 de diciembre": a bare
	// day before a range word before a mention starts the range.
	for k := 0; k < len(ms); k++ {
		b := &ms[k]
		if b.weekend != 0 || !b.date.IsZero() {
			continue
		}
		i := b.start - 1
		for i >= 0 && p.toks[i].kind == kWord && fillers[p.toks[i].key] && p.toks[i].norm != "dias" {
			i--
		}
		if i < 1 {
			continue
		}
		conn := &p.toks[i]
		isRange := rangeWords[conn.key] || rangeWords[conn.raw]
		isPair := conn.norm == "y" || conn.norm == "and" || conn.norm == "e"
		if !isRange && !isPair {
			continue
		}
		d, ok := p.num(i - 1)
		if !ok || p.toks[i-1].ndig > 2 || d < 1 || d > 31 || (k > 0 && ms[k-1].end > i-1) {
			continue
		}
		if p.word(i-2, "somos", "para", "por", "seremos", "seriamos", "son", "for", "we", "are", "sao", "pra") ||
			p.punct(i-2, "/") || p.punct(i-2, "-") || p.punct(i-2, ".") || p.punct(i-2, ":") {
			continue
		}
		a := mention{start: i - 1, end: i, day: d}
		if p.word(i-2, "entre", "between") {
			a.between = true
			isPair = false
		}
		if isPair && !a.between {
			a.pairNext = true
		} else {
			a.linkNext = true
		}
		p.use(i-1, i)
		// "el 7, 8 y 9 de enero": a list of days reaches back to its first.
		for j := a.start - 1; isPair; j = a.start - 1 {
			if p.punct(j, ",") {
				j--
			}
			j++ // j is now the token after the previous day
			if k > 0 && ms[k-1].end == j && ms[k-1].day > 0 && ms[k-1].month == 0 && !ms[k-1].hasWD && ms[k-1].end-ms[k-1].start == 1 {
				a.day, a.start = ms[k-1].day, ms[k-1].start
				ms = append(ms[:k-1], ms[k:]...)
				k--
				continue
			}
			d, ok := p.num(j - 1)
			if !ok || p.toks[j-1].ndig > 2 || d < 1 || d > 31 || d >= a.day {
				break
			}
			a.day, a.start = d, j-1
			p.use(j-1, j)
		}
		ms = append(ms[:k], append([]mention{a}, ms[k:]...)...)
		k++
	}
	// "december 12 to 15", "el 28 de diciembre al 3": a bare day after a
	// range word after a mention ends the range.
	for k := 0; k < len(ms); k++ {
		a := &ms[k]
		if a.weekend != 0 || a.linkNext || a.pairNext || k > 0 && (ms[k-1].linkNext || ms[k-1].pairNext) {
			continue
		}
		i := a.end
		// "el 7, 8 y 9": skip the middle of a list of days.
		for last := a.day; a.day > 0 && a.month == 0 && !a.hasWD; {
			j := i
			if p.punct(j, ",") {
				j++
			}
			d, ok := p.num(j)
			if !ok || p.toks[j].ndig > 2 || d <= last || d > 31 || p.punct(j+1, "/") || p.punct(j+1, "-") {
				break
			}
			last, i = d, j+1
		}
		if p.punct(i, ",") {
			i++
		}
		if i >= len(p.toks) || p.toks[i].used {
			continue
		}
		conn := &p.toks[i]
		isRange := rangeWords[conn.key] || rangeWords[conn.raw]
		isPair := conn.kind == kWord && (conn.norm == "y" || conn.norm == "and" || conn.norm == "e")
		if !isRange && !isPair {
			continue
		}
		j := i + 1
		for j < len(p.toks) && p.toks[j].kind == kWord && fillers[p.toks[j].key] && p.toks[j].norm != "dias" {
			j++
		}
		d, n, _ := p.dayAt(j)
		if d == 0 || p.notDay(j+n) || p.punct(j+n, "/") || p.punct(j+n, ":") || (k+1 < len(ms) && ms[k+1].start <= j) {
			continue
		}
		if j > a.end+n+1 { // a list: the days in the middle belong to the stay
			p.use(a.end, i)
		}
		b := mention{start: j, end: j + n, day: d}
		between := p.word(a.start-1, "entre", "between") || p.word(a.start-2, "entre", "between") && p.word(a.start-1, "el", "the")
		if between || isRange {
			a.linkNext = true
		} else {
			a.pairNext = true
		}
		p.use(i, j+n)
		ms = append(ms[:k+1], append([]mention{b}, ms[k+1:]...)...)
		k++
	}
	return ms
}

// monthFirstAbbrOK reports whether the abbreviation at i may start a
// month-first date: "mar", "may", "mai", "out" and "set" are also common
// words, so they only count in the language where they are months.
func (p *parser) monthFirstAbbrOK(i int) bool {
	switch p.toks[i].norm {
	case "mar", "set":
		return false
	case "may":
		return p.lang == "en"
	case "out", "mai":
		return p.lang == "pt"
	}
	return true
}

func (p *parser) monthAt(i int, abbrOK bool) (time.Month, bool) {
	if i < 0 || i >= len(p.toks) || p.toks[i].kind != kWord || p.toks[i].used {
		return 0, false
	}
	if m, ok := lex.months[p.toks[i].key]; ok {
		return m, true
	}
	if abbrOK {
		m, ok := lex.monAbbr[p.toks[i].key]
		return m, ok
	}
	return 0, false
}

// yearAt reads a year at i ("2027", "27" after "de" or a comma); n is the
// number of tokens it takes.
func (p *parser) yearAt(i int) (y, n int) {
	j := i
	if p.word(j, "de", "del", "of") || p.punct(j, ",") {
		j++
	}
	v, ok := p.num(j)
	if !ok {
		return 0, 0
	}
	switch p.toks[j].ndig {
	case 4:
		if v >= 2000 && v <= 2100 {
			return v, j - i + 1
		}
	case 2:
		if j > i && p.toks[j-1].kind == kWord { // "de 27"
			return 2000 + v, j - i + 1
		}
	}
	return 0, 0
}

// dayAt reads a day of the month at i (a number 1-31 of one or two digits,
// with an optional ordinal suffix: "1ro", "3rd", "5th", "2º"); n is the number
// of tokens it takes and ord whether a suffix was present.
func (p *parser) dayAt(i int) (d, n int, ord bool) {
	v, ok := p.num(i)
	if !ok || p.toks[i].ndig > 2 || v < 1 || v > 31 {
		if i < len(p.toks) && p.toks[i].kind == kWord && !p.toks[i].used {
			if o, isOrd := lex.ordinals[p.toks[i].key]; isOrd && o == 1 && (p.toks[i].norm == "primero" || p.toks[i].norm == "primer" || p.toks[i].norm == "first" || p.toks[i].norm == "primeiro") {
				return 1, 1, true
			}
		}
		return 0, 0, false
	}
	n = 1
	if j := i + 1; j < len(p.toks) && !p.toks[j].space && !p.toks[j].used {
		switch {
		case p.toks[j].kind == kWord && ordSuffix[p.toks[j].norm]:
			return v, 2, true
		case p.toks[j].kind == kPunct && p.toks[j].raw == "°":
			return v, 2, true
		}
	}
	return v, n, false
}

// notDay reports whether the token at i makes the number before it a time
// or a quantity rather than a day.
func (p *parser) notDay(i int) bool {
	if i >= len(p.toks) {
		return false
	}
	t := &p.toks[i]
	if t.kind == kPunct {
		return t.raw == ":" || t.raw == "%" || t.raw == "$"
	}
	return notDayAfter[t.key]
}

// mentionAt tries every date form at token i.
func (p *parser) mentionAt(i int, prev []mention) []mention {
	t := &p.toks[i]
	if t.kind == kWord {
		if m, ok := p.weekendAt(i); ok {
			return []mention{m}
		}
		if m, ok := p.relativeAt(i); ok {
			return []mention{m}
		}
		if m, ok := p.weekdayAt(i); ok {
			return []mention{m}
		}
		// "diciembre 15", "dec 20-23", "enero 5 al 9"
		if mo, ok := p.monthAt(i, p.monthFirstAbbrOK(i)); ok {
			if d, n, _ := p.dayAt(i + 1); d > 0 && !p.notDay(i+1+n) {
				m := mention{start: i, end: i + 1 + n, day: d, month: mo}
				if p.punct(m.end, "-") {
					if d2, n2, _ := p.dayAt(m.end + 1); d2 > d {
						m.linkNext = true
						b := mention{start: m.end + 1, end: m.end + 1 + n2, day: d2, month: mo}
						if y, yn := p.yearAt(b.end); y != 0 {
							m.year, b.year, b.end = y, y, b.end+yn
						}
						return []mention{m, b}
					}
				}
				if y, yn := p.yearAt(m.end); y != 0 {
					m.year, m.end = y, m.end+yn
				}
				return []mention{m}
			}
		}
		// "el primero de enero"
		if d, n, _ := p.dayAt(i); d == 1 && n == 1 && t.kind == kWord {
			if m, ok := p.dayMonthAt(i, d, n); ok {
				return []mention{m}
			}
		}
		// Days in words, as voice notes are transcribed: "del doce al quince
		// de diciembre", "el veinticuatro".
		if v, ok := p.count(i); ok && v >= 1 && v <= 31 && t.norm != "un" && t.norm != "una" && t.norm != "uno" && t.norm != "um" && t.norm != "uma" && t.norm != "one" {
			if m, ok := p.dayMonthAt(i, v, 1); ok {
				return []mention{m}
			}
			if p.word(i-1, "el", "del", "al", "dia", "desde", "hasta") && !p.notDay(i+1) && !p.keyIn(i+1, lex.adults) && !p.keyIn(i+1, lex.children) {
				return []mention{{start: i, end: i + 1, day: v}}
			}
		}
		return nil
	}
	if t.kind != kNum {
		return nil
	}
	if ms := p.numericAt(i); len(ms) > 0 {
		return ms
	}
	d, n, ord := p.dayAt(i)
	if d == 0 {
		return nil
	}
	if m, ok := p.dayMonthAt(i, d, n); ok {
		return []mention{m}
	}
	if p.notDay(i + n) {
		return nil
	}
	// A bare day needs a word that makes it one: "el 5", "del 12", "dia 3",
	// "the 5th", "hasta el 15", or an ordinal suffix.
	if ord || p.word(i-1, "el", "del", "dia", "the", "al", "ao", "desde", "hasta", "ate", "from", "until", "till", "entre", "between") {
		return []mention{{start: i, end: i + n, day: d}}
	}
	return nil
}

// dayMonthAt reads "15 de diciembre", "15 dic", "15th of december",
// "1ro de enero de 2027" whose day (n tokens) starts at i.
func (p *parser) dayMonthAt(i, d, n int) (mention, bool) {
	j := i + n
	if p.word(j, "de", "del", "of", "do") {
		j++
	}
	mo, ok := p.monthAt(j, true)
	if !ok {
		return mention{}, false
	}
	m := mention{start: i, end: j + 1, day: d, month: mo}
	if y, yn := p.yearAt(m.end); y != 0 {
		m.year, m.end = y, m.end+yn
	}
	return m, true
}

// numericAt reads "12/12", "15-01", "28/12/2026", "12.12", "15/dic",
// "2026-12-15", and the day ranges "15-18 de diciembre" and "15-18/12".
func (p *parser) numericAt(i int) []mention {
	if i >= len(p.toks) || p.toks[i].kind != kNum || p.toks[i].used {
		return nil
	}
	a := &p.toks[i]
	sepAt := i + 1
	if sepAt >= len(p.toks) || p.toks[sepAt].kind != kPunct {
		return nil
	}
	sep := p.toks[sepAt].raw
	if sep != "/" && sep != "-" && sep != "." {
		return nil
	}
	tight := !p.toks[sepAt].space
	if sep != "/" && !tight {
		return nil
	}
	j := sepAt + 1
	if j >= len(p.toks) || p.toks[j].used || (sep != "/" && p.toks[j].space) {
		return nil
	}
	// ISO 2026-12-15
	if a.ndig == 4 && sep == "-" && p.toks[j].kind == kNum && p.punct(j+1, "-") {
		if mo, ok := p.num(j); ok {
			if d, ok := p.num(j + 2); ok {
				if t, valid := civil(a.num, time.Month(mo), d); valid {
					return []mention{{start: i, end: j + 3, date: t}}
				}
			}
		}
		return nil
	}
	if a.ndig > 2 || a.num < 1 || a.num > 31 {
		return nil
	}
	// "15/dic", "15-dic"
	if mo, ok := p.monthAt(j, true); ok {
		m := mention{start: i, end: j + 1, day: a.num, month: mo}
		if p.punct(m.end, "/") || p.punct(m.end, "-") {
			if y, ok := p.num(m.end + 1); ok && (p.toks[m.end+1].ndig == 4 || p.toks[m.end+1].ndig == 2) {
				m.year, m.end = normYear(y), m.end+2
			}
		}
		return []mention{m}
	}
	b, ok := p.num(j)
	if !ok || p.toks[j].ndig > 2 || b < 1 {
		return nil
	}
	end := j + 1
	// A day range "15-18 de diciembre", "15-18/12", "10-12 dic".
	if sep == "-" {
		k := end
		if p.word(k, "de", "del", "of") {
			k++
		}
		if mo, ok := p.monthAt(k, true); ok && b <= 31 {
			ma := mention{start: i, end: sepAt, day: a.num, month: mo, linkNext: true}
			mb := mention{start: j, end: k + 1, day: b, month: mo}
			if y, yn := p.yearAt(mb.end); y != 0 {
				ma.year, mb.year, mb.end = y, y, mb.end+yn
			}
			return []mention{ma, mb}
		}
		if p.punct(end, "/") {
			if mo, ok := p.num(end + 1); ok && mo >= 1 && mo <= 12 && b > a.num {
				return []mention{
					{start: i, end: sepAt, day: a.num, month: time.Month(mo), linkNext: true},
					{start: j, end: end + 2, day: b, month: time.Month(mo)},
				}
			}
		}
	}
	if sep == "." && (p.toks[j].ndig != 2 && p.toks[j].ndig != 1) {
		return nil
	}
	d, mo := a.num, b
	if mo > 12 {
		if sep == "-" && b > a.num && b <= 31 && p.keyIn(i-1, dayContext) {
			return []mention{
				{start: i, end: sepAt, day: a.num, linkNext: true},
				{start: j, end: end, day: b},
			}
		}
		if d > 12 || b > 31 {
			return nil
		}
		d, mo = b, a.num // only valid month-first: 12/15
	}
	m := mention{start: i, end: end, day: d, month: time.Month(mo)}
	if p.punct(end, sep) && !p.toks[end].space && end+1 < len(p.toks) && !p.toks[end+1].space {
		if y, ok := p.num(end + 1); ok && (p.toks[end+1].ndig == 4 || p.toks[end+1].ndig == 2) {
			m.year, m.end = normYear(y), end+2
		}
	}
	if _, valid := civil(2000, m.month, m.day); !valid { // 2000 is a leap year
		return nil
	}
	return []mention{m}
}

func normYear(y int) int {
	if y < 100 {
		return 2000 + y
	}
	return y
}

// weekendAt reads "este finde", "el finde que viene", "next weekend",
// "o próximo fim de semana", "finde largo", "long weekend".
func (p *parser) weekendAt(i int) (mention, bool) {
	end := i
	switch {
	case p.word(i, "finde", "weekend", "fds"):
		end = i + 1
	case p.word(i, "fin", "fim") && p.word(i+1, "de") && p.word(i+2, "semana"):
		end = i + 3
	case p.word(i, "week") && p.word(i+1, "end"):
		end = i + 2
	default:
		return mention{}, false
	}
	m := mention{start: i, weekend: 1}
	// Words before: "este", "el próximo", "next", "long", "o".
	for k := i - 1; k >= 0 && k >= i-3; k-- {
		t := &p.toks[k]
		if t.kind != kWord || t.used {
			break
		}
		switch t.norm {
		case "proximo", "next", "siguiente", "otro", "following":
			m.weekend = 2
		case "long":
			m.long = true
		case "este", "esta", "this", "el", "o", "the", "a", "para", "for", "pro", "no", "en", "neste", "nesse", "esse":
		default:
			k = -1
			continue
		}
		if t.norm != "para" && t.norm != "for" && t.norm != "en" && t.norm != "no" {
			m.start = k
		}
	}
	// Words after: "largo", "que viene", "próximo".
	for {
		switch {
		case p.word(end, "largo", "long", "prolongado"):
			m.long = true
			end++
			continue
		case p.word(end, "que") && p.word(end+1, "viene", "vem"):
			m.weekend = 2
			end += 2
			continue
		case p.word(end, "proximo", "siguiente"):
			m.weekend = 2
			end++
			continue
		}
		break
	}
	m.end = end
	// "el finde de carnaval", "finde de pascua": a named weekend needs a
	// holiday calendar; "el finde del 12" is a date and handled by it.
	if p.word(end, "de", "del") && end+1 < len(p.toks) && p.toks[end+1].kind == kWord && !p.toks[end+1].used {
		if _, isMonth := p.monthAt(end+1, false); !isMonth {
			if _, isNum := p.count(end + 1); !isNum {
				p.use(m.start, end+2)
				p.vagueStay = true
				return mention{}, false
			}
		}
	}
	if m.long {
		p.res.LongWeekend = true
		// Only "este finde largo" names a weekend; others need a holiday calendar.
		if !p.wordBefore(m.start, i, "este", "esta", "this", "neste", "esse") {
			m.weekend = 0
			m.day = 0
			p.use(m.start, m.end)
			return mention{}, false
		}
	}
	return m, true
}

func (p *parser) wordBefore(from, to int, norms ...string) bool {
	for k := from; k < to; k++ {
		if p.word(k, norms...) {
			return true
		}
	}
	return false
}

// relativeAt reads hoy, mañana, pasado mañana, esta noche and their
// English and Portuguese forms.
func (p *parser) relativeAt(i int) (mention, bool) {
	t := &p.toks[i]
	off, n := -1, 1
	switch t.norm {
	case "hoy", "hoje", "today", "tonight":
		off = 0
		if p.word(i-1, "de") && p.word(i-2, "partir") {
			break
		}
	case "manana":
		if p.word(i-1, "pasado") {
			return mention{}, false // handled at "pasado"
		}
		if p.word(i-1, "la", "esta", "cada", "toda", "las") {
			return mention{}, false // "a la mañana": in the morning
		}
		off = 1
	case "amanha", "tomorrow":
		off = 1
	case "pasado":
		if p.word(i+1, "manana") {
			off, n = 2, 2
		}
	case "depois":
		if p.word(i+1, "de") && p.word(i+2, "amanha") {
			off, n = 2, 3
		}
	case "day":
		if p.word(i+1, "after") && p.word(i+2, "tomorrow") {
			off, n = 2, 3
		}
	case "esta":
		if p.word(i+1, "noche") {
			off, n = 0, 2
		}
	}
	if off < 0 {
		return mention{}, false
	}
	return mention{start: i, end: i + n, date: p.today.Add(time.Duration(off) * day)}, true
}

// weekdayAt reads "el sábado", "el próximo viernes", "el viernes 18",
// "viernes 18 de diciembre", "next friday", "sexta-feira", "el sábado de la
// semana que viene".
func (p *parser) weekdayAt(i int) (mention, bool) {
	t := &p.toks[i]
	wd, ok := lex.weekdays[t.key]
	end := i + 1
	if !ok {
		wd, ok = lex.ptDays[t.key]
		if !ok {
			return mention{}, false
		}
		if p.word(i+1, "feira") {
			end++
		} else if p.lang != "pt" {
			return mention{}, false
		}
	} else if p.word(i+1, "feira") {
		end++
	}
	// Short forms (sab, vie, sun) only next to a number or after "el"/"on".
	if len(t.norm) <= 4 && t.norm != "sabado" {
		if _, isNum := p.num(end); !isNum && !p.word(i-1, "el", "on", "this", "next", "este", "proximo") {
			return mention{}, false
		}
	}
	m := mention{start: i, wd: wd, hasWD: true}
	if p.word(i-1, "proximo", "proxima", "next") {
		m.strict = true
		m.start = i - 1
	}
	if p.word(end, "que") && p.word(end+1, "viene", "vem") {
		m.strict = true
		end += 2
	} else if p.word(end, "proximo", "proxima") {
		m.strict = true
		end++
	}
	if p.word(end, "the") {
		if d, n, _ := p.dayAt(end + 1); d > 0 && !p.notDay(end+1+n) {
			m.day = d
			end += 1 + n
		}
	} else if d, n, _ := p.dayAt(end); d > 0 && !p.notDay(end+n) && !p.punct(end+n, "/") && !p.punct(end+n, "-") {
		m.day = d
		end += n
	}
	if m.day > 0 {
		k := end
		if p.word(k, "de", "del", "of") {
			k++
		}
		if mo, ok := p.monthAt(k, true); ok {
			m.month = mo
			end = k + 1
			if y, yn := p.yearAt(end); y != 0 {
				m.year, end = y, end+yn
			}
		}
	} else if ms := p.numericAt(end); len(ms) == 1 && ms[0].date.IsZero() {
		// "el viernes 18/12"
		m.day, m.month, m.year = ms[0].day, ms[0].month, ms[0].year
		end = ms[0].end
	}
	// "de la semana que viene", "de la próxima semana", "next week".
	k := end
	if p.word(k, "de", "da") {
		k++
	}
	if p.word(k, "la", "a") {
		k++
	}
	switch {
	case p.word(k, "semana") && p.word(k+1, "que") && p.word(k+2, "viene", "vem"):
		m.nextWeek, end = true, k+3
	case p.word(k, "proxima") && p.word(k+1, "semana"):
		m.nextWeek, end = true, k+2
	case p.word(k, "semana") && p.word(k+1, "proxima", "siguiente"):
		m.nextWeek, end = true, k+2
	case p.word(end, "next") && p.word(end+1, "week"):
		m.nextWeek, end = true, end+2
	}
	m.end = end
	return m, true
}
