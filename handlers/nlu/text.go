package nlu

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

type kind uint8

const (
	kWord kind = iota + 1
	kNum
	kPunct
)

// bigNumber stands for numbers too long to be a day, a count or a year.
const bigNumber = 1 << 30

// token is one word, digit run or punctuation rune of a message.
type token struct {
	kind kind
	// raw is the lower-cased text as written, accents kept ("sí", "reservé").
	raw string
	// norm has accents folded, runs of three or more equal letters collapsed
	// ("holaaa" -> "hola") and WhatsApp shorthand expanded ("q" -> "que").
	norm string
	// key is the phonetic key used to match the lexicon (see phoneticKey),
	// possibly corrected to a close lexicon entry for typos.
	key string
	// num is the value of a digit run (bigNumber when too long); 0 otherwise.
	num int
	// ndig is the number of digits of a digit run.
	ndig int
	// space reports whitespace (or the start of the text) before the token.
	space bool
	// used marks tokens already consumed by a date, time, price, phone,
	// guest count or human-request expression.
	used bool
}

func (t *token) isWord(norm string) bool { return t.kind == kWord && t.norm == norm }
func (t *token) isPunct(s string) bool   { return t.kind == kPunct && t.raw == s }

// fold maps a lower-case rune to its unaccented form. ok is false for runes
// that are neither letters nor digits.
func fold(r rune) rune {
	switch r {
	case 'á', 'à', 'â', 'ä', 'ã', 'å':
		return 'a'
	case 'é', 'è', 'ê', 'ë':
		return 'e'
	case 'í', 'ì', 'î', 'ï':
		return 'i'
	case 'ó', 'ò', 'ô', 'ö', 'õ', 'º':
		return 'o'
	case 'ú', 'ù', 'û', 'ü':
		return 'u'
	case 'ñ':
		return 'n'
	case 'ç':
		return 'c'
	case 'ª':
		return 'a'
	}
	return r
}

// shorthand expands WhatsApp abbreviations and frequent misspellings of
// short words, keyed by the folded word.
var shorthand = map[string]string{
	"q": "que", "k": "que", "ke": "que", "qe": "que", "qu": "que",
	"xq": "porque", "pq": "porque", "porq": "porque", "xque": "porque", "pk": "porque",
	"x": "por", "xa": "para", "p": "para", "flia": "familia", "fam": "familia", "pers": "personas", "psnas": "personas", "pers.": "personas", "pa": "para", "pra": "para",
	"d": "de", "dl": "del",
	"tmb": "tambien", "tb": "tambien", "tmbn": "tambien", "tambn": "tambien",
	"xfa": "porfavor", "porfa": "porfavor", "xfavor": "porfavor", "pls": "porfavor",
	"plis": "porfavor", "plz": "porfavor", "pfv": "porfavor", "pf": "porfavor",
	"grax": "gracias", "graxs": "gracias", "grs": "gracias", "grcs": "gracias", "grasias": "gracias",
	"mnn": "manana", "mna": "manana", "mnna": "manana", "maniana": "manana",
	"fds": "finde", "findes": "finde",
	"hs": "horas", "hrs": "horas", "hr": "horas", "h": "horas", "hora": "horas",
	"vc": "voce", "vcs": "voces", "dsp": "despues", "dps": "depois",
	"obg": "obrigado", "obgd": "obrigado", "obgda": "obrigada", "brigado": "obrigado",
	"vlw": "valeu", "blz": "beleza", "nd": "nada", "bn": "bien",
	"kiero": "quiero", "qiero": "quiero", "qero": "quiero",
	"okey": "ok", "oka": "ok", "okis": "ok", "oki": "ok", "okay": "ok", "okk": "ok", "oky": "ok",
	"thx": "thanks", "ty": "thanks", "tks": "thanks", "thanx": "thanks",
	"u": "you", "ur": "your",
	"whatsap": "whatsapp", "wsp": "whatsapp", "wpp": "whatsapp", "zap": "whatsapp",
	"nro": "numero", "num": "numero",
	"cel": "celular", "tel": "telefono",
	"info": "informacion",
	"wifi": "wifi", "wi": "wi",
}

// tokenize splits text into tokens. Apostrophes inside words are dropped
// ("we're" -> "were"), a hyphen between two letters is dropped ("check-in",
// "wi-fi", "sexta-feira" become two adjacent words), and only the first
// MaxInputRunes runes are read.
func tokenize(text string) []token {
	toks := make([]token, 0, 16)
	var word strings.Builder
	var raw strings.Builder
	space := true
	wordKind := kind(0)
	flush := func() {
		if wordKind == 0 {
			return
		}
		t := token{kind: wordKind, raw: raw.String(), norm: word.String(), space: space}
		if wordKind == kNum {
			t.ndig = len(t.norm)
			if t.ndig > 9 {
				t.num = bigNumber
			} else {
				for _, c := range t.norm {
					t.num = t.num*10 + int(c-'0')
				}
			}
			t.key = t.norm
		} else {
			t.norm = collapseRuns(t.norm, 3)
			if s, ok := shorthand[t.norm]; ok {
				t.norm = s
			}
			t.key = phoneticKey(t.norm)
		}
		toks = append(toks, t)
		word.Reset()
		raw.Reset()
		wordKind = 0
		space = false
	}
	rs := []rune(text)
	if len(rs) > MaxInputRunes {
		rs = rs[:MaxInputRunes]
	}
	for i := 0; i < len(rs); i++ {
		r := unicode.ToLower(rs[i])
		switch {
		case r >= '0' && r <= '9':
			if wordKind == kWord {
				flush()
			}
			wordKind = kNum
			word.WriteRune(r)
			raw.WriteRune(r)
		case unicode.IsLetter(r):
			if wordKind == kNum {
				flush()
			}
			wordKind = kWord
			word.WriteRune(fold(r))
			raw.WriteRune(r)
		case (r == '\'' || r == '’') && wordKind == kWord && i+1 < len(rs) && unicode.IsLetter(rs[i+1]):
			// apostrophe inside a word: drop it
		case r == '-' && wordKind == kWord && i+1 < len(rs) && unicode.IsLetter(rs[i+1]):
			flush()
		case unicode.IsSpace(r):
			flush()
			space = true
		default:
			flush()
			if unicode.IsMark(r) || r == utf8.RuneError || r == '\u200d' || r == '\ufe0f' {
				continue
			}
			s := string(r)
			toks = append(toks, token{kind: kPunct, raw: s, norm: s, key: s, space: space})
			space = false
		}
	}
	flush()
	for i := range toks {
		if toks[i].kind == kWord {
			toks[i].key = lex.correct(toks[i].key)
		}
	}
	return toks
}

// collapseRuns shortens every run of min or more equal letters to one letter.
func collapseRuns(s string, min int) string {
	if len(s) < min {
		return s
	}
	var b []byte
	rs := []rune(s)
	for i := 0; i < len(rs); {
		j := i + 1
		for j < len(rs) && rs[j] == rs[i] {
			j++
		}
		if j-i >= min && unicode.IsLetter(rs[i]) {
			b = utf8.AppendRune(b, rs[i])
		} else {
			for k := i; k < j; k++ {
				b = utf8.AppendRune(b, rs[k])
			}
		}
		i = j
	}
	return string(b)
}

// phoneticKey reduces a folded word to a key that is the same for the usual
// Spanish spelling confusions: doubled letters are single, v is b, z is s,
// c before e or i is s, and a silent h (at the start or after a vowel) is
// dropped. "disponivilidad" and "disponibilidad", "reserba" and "reserva",
// "holaa" and "hola" share their keys.
func phoneticKey(s string) string {
	s = collapseRuns(s, 2)
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case 'v':
			c = 'b'
		case 'z':
			c = 's'
		case 'c':
			if i+1 < len(s) && (s[i+1] == 'e' || s[i+1] == 'i') {
				c = 's'
			}
		case 'h':
			if i == 0 || isVowel(s[i-1]) {
				continue
			}
		}
		if n := len(b); n > 0 && b[n-1] == c && c >= 'a' && c <= 'z' {
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u':
		return true
	}
	return false
}

// editDistance is the optimal-string-alignment distance between a and b
// (insertions, deletions, substitutions and adjacent transpositions), or
// max+1 when it exceeds max.
func editDistance(a, b string, max int) int {
	if d := len(a) - len(b); d > max || -d > max {
		return max + 1
	}
	var buf [3][40]int
	if len(b)+1 > len(buf[0]) {
		return max + 1
	}
	prev2, prev, cur := buf[0][:len(b)+1], buf[1][:len(b)+1], buf[2][:len(b)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			best = min(best, v)
		}
		if best > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
