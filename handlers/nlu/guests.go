package nlu

// maxGuests bounds what is read as a party size.
const maxGuests = 40

var (
	groupWords   = keysOf("familia|family|grupo|group|party|turma")
	countLeads   = keysOf("somos|seremos|seriamos|sariamos|vamos|iriamos|were|are|total|estamos|venimos|viajamos")
	forWords     = map[string]bool{"para": true, "for": true, "por": true, "pra": true}
	selfWords    = keysOf("yo|i|me|eu|mi")
	notCountNext = keysOf("noches|noche|dias|dia|semanas|semana|horas|hora|minutos|km|kms|cuadras|metros|mts|pesos|dolares|usd|reales|reais|mil|lucas|estrellas|stars|camas|dormitorios|habitaciones|ambientes|banos|cuartos|quartos|bedrooms|beds|rooms|meses|mes|months|month|anos|years|finde|fin|fines|weekend|familias|grupos|nights|night|noites|noite|days|weeks|week|am|pm|cabanas|cabana|parejas|matrimonios|couples|casais|opciones|opcion")
	singleWords  = keysOf("solo|sola|sozinho|sozinha|alone|myself")
)

// parseGuests reads the party size. Explicit people counts ("2 adultos y 2
// niños", "una pareja con 3 chicos", "familia de 5") win over a bare
// number after "somos"/"para"/"x".
func (p *parser) parseGuests() {
	r := &p.res
	n := len(p.toks)
	// "familia de 5", "family of 4", "grupo de 6".
	for i := 0; i < n; i++ {
		if !p.keyIn(i, groupWords) || p.toks[i].used {
			continue
		}
		j := i + 1
		if p.word(j, "de", "of", "com") {
			j++
		}
		if v, ok := p.count(j); ok && v > 0 && v <= maxGuests && !p.keyIn(j+1, notCountNext) {
			p.use(i, j+1)
			r.Guests = v
			return
		}
	}

	adults, children, found := 0, 0, false
	for i := 0; i < n; i++ {
		t := &p.toks[i]
		if t.used || t.kind != kWord {
			continue
		}
		switch {
		case lex.adults[t.key] || lex.children[t.key] || lex.couples[t.key]:
			v, ok := p.count(i - 1)
			per := 1
			if lex.couples[t.key] {
				per = 2
			}
			if !ok {
				// "una pareja", "en pareja", "mi pareja y yo", "a couple", "um casal"
				if lex.couples[t.key] && !p.keyIn(i+1, notCountNext) {
					if p.word(i-1, "mi", "my", "minha", "meu", "con", "with", "com") {
						// "con mi pareja": the guest and the partner.
						adults += 2
						found = true
						p.use(i, i+1)
					} else if !p.word(i-1, "las", "los", "para", "de") || p.word(i-1, "para", "de") && !p.word(i+1, "de") {
						adults += 2
						found = true
						p.use(i, i+1)
					}
				}
				continue
			}
			if v <= 0 || v > maxGuests {
				continue
			}
			if p.toks[i-1].kind == kNum && (p.punct(i-2, "/") || p.punct(i-2, ":") || p.punct(i-2, "-")) && i >= 3 && p.toks[i-3].kind == kNum {
				continue
			}
			found = true
			if lex.children[t.key] {
				children += v
			} else {
				adults += v * per
			}
			p.use(i-1, i+1)
			// "2 + 1 bebé", "3 y 2 chicos": a bare count before is the adults.
			if p.punct(i-2, "+") || p.word(i-2, "y", "mas", "and", "e", "plus") {
				if a, ok := p.count(i - 3); ok && a > 0 && a <= maxGuests && p.toks[i-3].kind == kNum {
					adults += a
					p.use(i-3, i-1)
				}
			}
		case lex.partners[t.key] && p.word(i-1, "mi", "my", "minha", "meu", "con", "with", "com"):
			// "mi esposa y yo", "con mi novia", "with my wife"
			adults += 2
			found = true
			p.use(i, i+1)
		case lex.partners[t.key] && p.word(i-1, "mi", "my", "minha", "meu") && p.word(i-2, "con", "with", "com"):
			adults += 2
			found = true
			p.use(i, i+1)
		case singleWords[t.key] && (p.keyIn(i-1, selfWords) || p.keyIn(i+1, selfWords) || p.word(i-1, "voy", "viajo", "vou", "travelling", "traveling")):
			// "para mi solo", "voy sola", "just me" is below
			if adults == 0 {
				adults = 1
				found = true
			}
		case t.norm == "just" && p.word(i+1, "me") || t.norm == "only" && p.word(i+1, "me"):
			if adults == 0 {
				adults = 1
				found = true
			}
		}
	}
	if found && adults+children > 0 && adults+children <= maxGuests {
		r.Guests = adults + children
		r.Children = children
		return
	}

	// "somos 4", "seremos cinco", "we are 3", "en total 6".
	for i := 0; i < n; i++ {
		if !p.keyIn(i, countLeads) || p.toks[i].used {
			continue
		}
		if p.toks[i].norm == "vamos" && p.word(i-1, "nos") {
			continue
		}
		if p.toks[i].norm == "are" && !p.word(i-1, "we", "there") {
			continue
		}
		j := i + 1
		for p.word(j, "a", "ser", "en", "em", "un", "unos", "about", "like") && j < i+3 {
			j++
		}
		if v, ok := p.goodCount(j); ok {
			p.use(j, j+1)
			r.Guests = v
			return
		}
	}
	// "para dos", "x 4", "for 2", "pra 3", "son 4 personas" already counted.
	for i := 0; i < n; i++ {
		t := &p.toks[i]
		if t.kind != kWord || !forWords[t.norm] {
			continue
		}
		j := i + 1
		if p.toks[j-1].norm == "por" && p.word(j, "favor") {
			continue
		}
		if v, ok := p.goodCount(j); ok {
			if p.toks[j].kind == kWord && v == 1 {
				continue // "para un/una ..." is an article
			}
			p.use(j, j+1)
			r.Guests = v
			return
		}
	}
}

// goodCount reads a party size at j: a count 1-40 not followed by a unit
// ("3 noches", "2 dormitorios") nor part of a date or time.
func (p *parser) goodCount(j int) (int, bool) {
	v, ok := p.count(j)
	if !ok || v < 1 || v > maxGuests {
		return 0, false
	}
	if p.keyIn(j+1, notCountNext) {
		return 0, false
	}
	if p.punct(j+1, "/") || p.punct(j+1, ":") || p.punct(j+1, "-") || p.punct(j+1, ".") && j+2 < len(p.toks) && p.toks[j+2].kind == kNum {
		return 0, false
	}
	if j+1 < len(p.toks) && p.toks[j+1].kind == kWord && !p.toks[j+1].space && !lex.adults[p.toks[j+1].key] {
		return 0, false // "10hs", "2da"
	}
	return v, true
}

var choiceLeads = keysOf("opcion|option|opcao|numero|number|nro|alternativa|cabana|cabin")

// parseChoice reads an option pick ("la 2", "opción 3", "la segunda", "the
// first one") and a message that is only a number.
func (p *parser) parseChoice() {
	r := &p.res
	words, last := 0, -1
	for i := range p.toks {
		t := &p.toks[i]
		if t.kind == kPunct {
			continue
		}
		words++
		last = i
	}
	if words == 1 {
		if v, ok := p.count(last); ok && v > 0 && (p.toks[last].kind == kNum || p.toks[last].norm != "un" && p.toks[last].norm != "una" && p.toks[last].norm != "uma") {
			r.Number = v
			return
		}
	}
	for i := range p.toks {
		t := &p.toks[i]
		if t.used || t.kind != kWord {
			continue
		}
		switch {
		case t.norm == "la" || t.norm == "#" || choiceLeads[t.key]:
			if v, ok := p.num(i + 1); ok && p.toks[i+1].ndig <= 2 && v >= 1 && v <= 20 && !p.keyIn(i+2, notCountNext) && !p.punct(i+2, "/") && !p.punct(i+2, ":") {
				if t.norm == "la" && p.word(i-1, "a", "de", "para") {
					continue // "a la 1": a time
				}
				r.Choice = v
				p.use(i, i+2)
				return
			}
		case lex.ordinals[t.key] > 0 && p.word(i-1, "la", "el", "the", "a", "o") &&
			!p.word(i+1, "semana", "quincena", "noche", "vez", "week", "night", "time", "feira", "de", "del", "of", "mitad", "half"):
			r.Choice = lex.ordinals[t.key]
			p.use(i, i+1)
			return
		}
	}
}

// parseYesNo sets Yes or No for affirmative or negative answers. A yes must
// open the message ("dale", "sí, somos 4"); "si" only counts as yes when it
// stands alone or before a comma or another yes word, since "si cancelo"
// is a condition.
func (p *parser) parseYesNo() {
	r := &p.res
	var firsts []int
	for i := range p.toks {
		t := &p.toks[i]
		if t.kind == kWord || (t.kind == kPunct && lex.yes[t.raw] != nil) || (t.kind == kPunct && lex.no[t.raw] != nil) {
			firsts = append(firsts, i)
		}
	}
	yesAt, noAt := -1, -1
	for k, i := range firsts {
		t := &p.toks[i]
		if k < 2 && yesAt < 0 {
			if p.yesAt(i) {
				yesAt = i
			}
		}
		if noAt < 0 {
			if ph := p.phraseAt(lex.no, i); ph > 0 {
				noAt = i
			} else if k == 0 && (t.norm == "no" || t.norm == "nao" || t.norm == "nop") && p.noFollows(i+1) {
				noAt = i
			}
		}
		if k < 2 && p.toks[i].kind == kWord && (t.norm == "hola" || t.norm == "ah" || t.norm == "ok" || t.norm == "bueno") {
			continue
		}
		if k >= 1 && yesAt < 0 {
			break
		}
	}
	// A "no" phrase anywhere ("mejor no", "no gracias") counts.
	if noAt < 0 {
		for i := range p.toks {
			if p.toks[i].kind == kWord && len(lex.no[p.toks[i].key]) > 0 {
				for k := range lex.no[p.toks[i].key] {
					if n := p.matchPhrase(i, &lex.no[p.toks[i].key][k]); n > 1 {
						noAt = i
						break
					}
				}
			}
			if noAt >= 0 {
				break
			}
		}
	}
	switch {
	case yesAt >= 0 && (noAt < 0 || yesAt < noAt):
		r.Yes = true
	case noAt >= 0:
		r.No = true
	}
}

// phraseAt returns the length of the longest phrase of m matching at i.
func (p *parser) phraseAt(m map[string][]phrase, i int) int {
	t := &p.toks[i]
	k := t.key
	if t.kind == kPunct {
		k = t.raw
	}
	for j := range m[k] {
		if t.kind == kPunct {
			return 1
		}
		if n := p.matchPhrase(i, &m[k][j]); n > 0 {
			return n
		}
	}
	return 0
}

func (p *parser) yesAt(i int) bool {
	t := &p.toks[i]
	if t.kind == kWord && (t.norm == "si" || t.norm == "yes" || t.norm == "sim") {
		if t.raw == "sí" || t.norm != "si" {
			return true
		}
		j := i + 1
		if j >= len(p.toks) || p.toks[j].kind == kPunct {
			return true
		}
		return p.word(j, "si", "dale", "claro", "porfavor", "por", "gracias", "quiero", "queremos", "somos", "obvio",
			"perfecto", "seguro", "confirmo", "la", "lo", "todo", "esa", "ese", "exacto", "correcto", "tal", "señor", "senor", "genial", "joya", "listo") ||
			p.phraseAt(lex.yes, j) > 0
	}
	return p.phraseAt(lex.yes, i) > 0
}

func (p *parser) noFollows(j int) bool {
	if j >= len(p.toks) || p.toks[j].kind == kPunct {
		return true
	}
	return p.word(j, "gracias", "thanks", "thank", "obrigado", "obrigada", "por", "todavia", "mejor", "hace", "es", "me", "nos",
		"quiero", "queremos", "interesa", "importa", "necesito", "necesitamos", "quero", "need", "want", "no", "nao")
}
