package nlu

import "time"

// parser holds the state of one Parse call.
type parser struct {
	today    time.Time
	toks     []token
	lang     string
	detected bool
	cues     cue
	topic    string
	nights   int // a stated length of stay ("3 noches")
	// vagueStay is a stay named without dates ("el finde de carnaval").
	vagueStay bool
	res       Result
}

func (p *parser) run() Result {
	p.detectLanguage()
	p.markNonDates()
	p.scanPhrases()
	p.parseDurations()
	p.parseDates()
	p.parseGuests()
	p.parseChoice()
	p.parseYesNo()
	p.decide()
	p.res.Language = p.lang
	p.res.LanguageDetected = p.detected
	return p.res
}

// word reports whether token i exists, is an unused word and has one of the
// given folded forms.
func (p *parser) word(i int, norms ...string) bool {
	if i < 0 || i >= len(p.toks) || p.toks[i].kind != kWord {
		return false
	}
	for _, n := range norms {
		if p.toks[i].norm == n {
			return true
		}
	}
	return false
}

// keyIn reports whether token i is a word whose key is in set.
func (p *parser) keyIn(i int, set map[string]bool) bool {
	return i >= 0 && i < len(p.toks) && p.toks[i].kind == kWord && set[p.toks[i].key]
}

func (p *parser) punct(i int, s string) bool {
	return i >= 0 && i < len(p.toks) && p.toks[i].kind == kPunct && p.toks[i].raw == s
}

func (p *parser) num(i int) (int, bool) {
	if i < 0 || i >= len(p.toks) || p.toks[i].kind != kNum || p.toks[i].used {
		return 0, false
	}
	return p.toks[i].num, true
}

// count reads a small count at i: a digit run of up to 3 digits or a number
// word ("dos", "four", "cinco").
func (p *parser) count(i int) (int, bool) {
	if i < 0 || i >= len(p.toks) || p.toks[i].used {
		return 0, false
	}
	t := &p.toks[i]
	switch t.kind {
	case kNum:
		if t.ndig <= 3 {
			return t.num, true
		}
	case kWord:
		v, ok := lex.numbers[t.key]
		if !ok {
			return 0, false
		}
		switch t.norm {
		case "dos":
			ok = p.lang != "pt" // Portuguese "dos" is "of the"
		case "ten":
			ok = p.lang == "en" // Spanish "ten" is "have"
		case "once":
			ok = p.lang != "en"
		}
		return v, ok
	}
	return 0, false
}

func (p *parser) use(from, to int) {
	for i := from; i < to && i < len(p.toks); i++ {
		p.toks[i].used = true
	}
}

// isEnd reports whether i is past the end or a punctuation token.
func (p *parser) isEnd(i int) bool {
	return i >= len(p.toks) || p.toks[i].kind == kPunct
}

// detectLanguage scores Spanish, English and Portuguese marker words.
func (p *parser) detectLanguage() {
	var score [3]int
	for i := range p.toks {
		t := &p.toks[i]
		if t.kind == kPunct {
			for l := range score {
				score[l] += lex.langs[l][t.raw]
			}
			continue
		}
		for l := range score {
			score[l] += lex.langs[l][t.norm]
		}
		for _, r := range t.raw {
			switch r {
			case 'ñ':
				score[0] += 3
			case 'ã', 'õ', 'ç', 'ê', 'ô':
				score[2] += 3
			}
		}
	}
	p.lang = "es"
	best := score[0]
	if score[1] > best {
		p.lang, best = "en", score[1]
	}
	if score[2] > best {
		p.lang, best = "pt", score[2]
	}
	p.detected = best > 0
}

var moneyUnits = keysOf("pesos|peso|mil|k|lucas|luca|usd|dolares|dolar|dollars|dollar|reales|reais|real|ars|euros|euro|mangos|palos")

// markNonDates marks prices, phone numbers, clock times and percentages so
// that no later rule reads them as dates or counts.
func (p *parser) markNonDates() {
	n := len(p.toks)
	for i := 0; i < n; i++ {
		t := &p.toks[i]
		switch {
		case t.kind == kPunct && (t.raw == "$" || t.raw == "€"):
			j := i + 1
			if p.word(j, "s") { // u$s
				j++
			}
			if j < n && p.toks[j].kind == kNum {
				p.use(i, p.numberChainEnd(j))
			}
		case t.kind == kPunct && t.raw == "+" && i+1 < n && p.toks[i+1].kind == kNum:
			if end := p.phoneRunEnd(i + 1); end > i+2 || p.toks[i+1].ndig >= 5 {
				p.use(i, end)
			}
		case t.kind == kWord && (t.norm == "usd" || t.norm == "ars" || t.norm == "us") && i+1 < n && p.toks[i+1].kind == kNum:
			p.use(i, p.numberChainEnd(i+1))
		case t.kind == kWord && (t.norm == "las" || t.norm == "as" || t.norm == "at") && i+1 < n && p.toks[i+1].kind == kNum && p.toks[i+1].ndig <= 2:
			end := i + 2
			if p.punct(end, ":") && end+1 < n && p.toks[end+1].kind == kNum {
				end += 2
			}
			if p.word(end, "horas", "am", "pm") {
				end++
			}
			p.use(i+1, end)
		case t.kind == kNum:
			if t.ndig >= 5 {
				p.use(i, p.phoneRunEnd(i))
				continue
			}
			if end := p.phoneRunEnd(i); end > i+1 {
				p.use(i, end)
				i = end - 1
				continue
			}
			next := i + 1
			switch {
			case p.punct(next, ":") && next+1 < n && p.toks[next+1].kind == kNum && p.toks[next+1].ndig == 2 && !p.toks[next+1].space:
				end := next + 2
				if p.word(end, "horas", "am", "pm") {
					end++
				}
				p.use(i, end)
			case (p.punct(next, ".") || p.punct(next, ",")) && next+1 < n && p.toks[next+1].kind == kNum && p.toks[next+1].ndig == 3 && !p.toks[next+1].space:
				p.use(i, p.numberChainEnd(i))
			case p.punct(next, "%"):
				p.use(i, next+1)
			case p.word(next, "horas", "am", "pm") && t.ndig <= 2:
				p.use(i, next+1)
			case p.keyIn(next, moneyUnits):
				p.use(i, next+1)
			case p.word(next, "de") && p.word(next+1, "la") && p.word(next+2, "manana", "tarde", "noche", "madrugada"):
				p.use(i, next+1)
			}
		}
	}
}

// numberChainEnd returns the end of a number written with thousands
// separators or decimals starting at i ("50.000", "1,500.50").
func (p *parser) numberChainEnd(i int) int {
	j := i + 1
	for j+1 < len(p.toks) && (p.punct(j, ".") || p.punct(j, ",")) && p.toks[j+1].kind == kNum && !p.toks[j+1].space && !p.toks[j].space {
		j += 2
	}
	if p.keyIn(j, moneyUnits) {
		j++
	}
	return j
}

// phoneRunEnd returns the end of a phone number starting at i: digit runs
// separated by spaces, hyphens, dots or parentheses with at least 8 digits
// in all and one run of 3 or more digits. It returns i+1 when there is none.
func (p *parser) phoneRunEnd(i int) int {
	digits, long, j, last := 0, false, i, i+1
	for j < len(p.toks) {
		t := &p.toks[j]
		switch {
		case t.kind == kNum:
			digits += t.ndig
			if t.ndig >= 3 {
				long = true
			}
			j++
			last = j
			continue
		case t.kind == kPunct && (t.raw == "-" || t.raw == "(" || t.raw == ")" || t.raw == "."):
			j++
			continue
		}
		break
	}
	if digits >= 8 && long {
		// A date such as 15-12-2026 is not a phone number.
		if last-i == 5 && (p.toks[i].ndig <= 2 || p.toks[i].ndig == 4 && p.toks[i+4].ndig <= 2) && p.toks[i+2].kind == kNum && p.toks[i+2].ndig <= 2 {
			return i + 1
		}
		return last
	}
	if p.toks[i].kind == kNum && p.toks[i].ndig >= 5 {
		return i + 1
	}
	return i + 1
}

// matchPhrase reports how many tokens phrase ph covers from i, or 0.
func (p *parser) matchPhrase(i int, ph *phrase) int {
	for k, w := range ph.words {
		j := i + k
		if j >= len(p.toks) || p.toks[j].kind != kWord {
			return 0
		}
		t := &p.toks[j]
		switch w[0] {
		case '=':
			if t.norm != w[1:] {
				return 0
			}
		case '~':
			if t.raw != w[1:] {
				return 0
			}
		default:
			if t.key != w {
				return 0
			}
		}
	}
	return len(ph.words)
}

// scanPhrases finds the cue and topic phrases, longest match first.
func (p *parser) scanPhrases() {
	for i := 0; i < len(p.toks); {
		t := &p.toks[i]
		if t.kind != kWord {
			i++
			continue
		}
		adv := 1
		for k := range lex.phrases[t.key] {
			ph := &lex.phrases[t.key][k]
			n := p.matchPhrase(i, ph)
			if n == 0 {
				continue
			}
			p.cues |= ph.cue
			if ph.topic != "" && p.topic == "" {
				p.topic = ph.topic
			}
			if ph.cue&cueHuman != 0 {
				p.use(i, i+n)
			}
			adv = n
			break
		}
		i += adv
	}
	if p.topic == TopicPets {
		p.res.Pets = true
	}
}

// parseDurations reads stated lengths of stay: "3 noches", "una semana",
// "a week", "un par de días", "2 diárias". Nights win over days.
func (p *parser) parseDurations() {
	found, fromNights := 0, false
	for i := range p.toks {
		if p.toks[i].used || p.toks[i].kind != kWord {
			continue
		}
		per, ok := lex.units[p.toks[i].key]
		if !ok {
			continue
		}
		start, n := -1, 0
		switch {
		case p.word(i-1, "de") && p.word(i-2, "par") && p.word(i-3, "un", "uno", "a", "um"):
			start, n = i-3, 2
		case p.word(i-1, "a") && p.lang == "en":
			start, n = i-1, 1
		default:
			if v, ok := p.count(i - 1); ok && v > 0 && v <= 365 {
				start, n = i-1, v
				if p.word(i-2, "por", "for", "durante") {
					start = i - 2
				}
			}
		}
		if start < 0 {
			continue
		}
		isNights := per == 1 && (p.toks[i].key == phoneticKey("noches") || p.toks[i].key == phoneticKey("noche") ||
			p.toks[i].key == phoneticKey("nights") || p.toks[i].key == phoneticKey("night") ||
			p.toks[i].key == phoneticKey("noites") || p.toks[i].key == phoneticKey("noite"))
		p.use(start, i+1)
		if found == 0 || (isNights && !fromNights) {
			found, fromNights = n*per, isNights
		}
	}
	p.nights = found
}

// decide picks the intent from the cues and the slots found.
func (p *parser) decide() {
	c := p.cues
	r := &p.res
	hasSlots := !r.CheckIn.IsZero() || r.Guests > 0 || p.nights > 0 || r.Month > 0 || r.LongWeekend || p.vagueStay
	if c&cuePolicy != 0 {
		if c&cueCancel != 0 {
			p.topic = TopicCancellationPolicy
		} else if p.topic == "" {
			p.topic = TopicPolicies
		}
	}
	r.Topic = p.topic
	topical := p.topic != "" || c&cueAmenity != 0
	question := false
	for i := range p.toks {
		if p.toks[i].isPunct("?") || p.toks[i].isPunct("¿") {
			question = true
		}
	}
	switch {
	case c&cueHuman != 0:
		r.Intent = IntentHuman
	case c&cueCancel != 0 && c&cuePolicy != 0:
		r.Intent = IntentAmenities
	case c&cueCancel != 0:
		r.Intent = IntentCancel
	case c&cuePay != 0:
		r.Intent = IntentPayment
	case c&cueMyRes != 0:
		r.Intent = IntentMyReservations
	case c&cueBook != 0:
		r.Intent = IntentBook
	case c&cuePrice != 0:
		r.Intent = IntentPrice
	case c&cueAvail != 0:
		r.Intent = IntentAvailability
	case topical && hasSlots && c&cueAsk == 0 && !question:
		// "del 12 al 15, somos 4 con un perro": a stay request mentioning a pet.
		r.Intent = IntentAvailability
	case topical || c&cuePolicy != 0:
		r.Intent = IntentAmenities
	case c&cueBookWeak != 0:
		r.Intent = IntentBook
	case c&cuePriceWeak != 0:
		r.Intent = IntentPrice
	case c&cueAvailWeak != 0 || hasSlots:
		r.Intent = IntentAvailability
	case c&cueThanks != 0:
		r.Intent = IntentThanks
	case c&cueGreeting != 0:
		r.Intent = IntentGreeting
	default:
		r.Intent = IntentUnknown
	}
	if r.CheckIn.IsZero() && r.Nights == 0 {
		r.Nights = p.nights
	}
}
