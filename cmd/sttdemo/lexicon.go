package main

import (
	"fmt"
	"slices"
	"strings"
)

// pronunciations spells a Spanish word with the phones of PocketSphinx's US English acoustic
// model (CMU phone set), the only acoustic model Debian ships. Spanish spelling is regular
// enough for rules; a word whose c/z or ll/y is said differently across Spanish-speaking
// regions gets one variant per accent: seseo (Latin America) and Castilian /θ/, and /ʝ/ and the
// Rioplatense /ʒ ʃ/ for ll and y.
func pronunciations(word string) []string {
	const maxVariants = 16
	variants := [][]string{{}}
	add := func(alts ...string) {
		var next [][]string
		for _, v := range variants {
			for _, a := range alts {
				next = append(next, append(slices.Clone(v), strings.Fields(a)...))
			}
		}
		variants = next
	}
	r := []rune(strings.ToLower(word))
	at := func(i int) rune {
		if i < 0 || i >= len(r) {
			return 0
		}
		return r[i]
	}
	front := func(c rune) bool { return strings.ContainsRune("eéií", c) }
	vowel := func(c rune) bool { return strings.ContainsRune("aáeéiíoóuúü", c) }
	for i := 0; i < len(r); i++ {
		c, n := r[i], at(i+1)
		switch {
		case c == 'c' && n == 'h':
			add("CH")
			i++
		case c == 'l' && n == 'l':
			add("Y", "ZH", "SH")
			i++
		case c == 'r' && n == 'r':
			add("R")
			i++
		case c == 'q' && n == 'u':
			add("K")
			i++
		case c == 'g' && n == 'u' && front(at(i+2)):
			add("G")
			i++
		case c == 'c' && front(n), c == 'z':
			add("S", "TH")
		case c == 'c', c == 'k':
			add("K")
		case c == 'g' && front(n), c == 'j':
			add("HH")
		case c == 'g':
			add("G")
		case c == 'h':
			// silent
		case (c == 'v' || c == 'b') && i > 0 && (vowel(at(i-1)) || at(i-1) == 'r' || at(i-1) == 'l'):
			add("B", "V") // the soft b between vowels
		case c == 'v', c == 'b':
			add("B")
		case c == 'r' && i > 0 && vowel(at(i-1)) && vowel(n):
			add("R", "D") // the tapped r between vowels sounds like an English flap
		case c == 'ñ':
			add("N Y")
		case c == 'x':
			add("K S")
		case c == 'y' && (n == 0 || !vowel(n)):
			add("IY") // "y" as a word or at the end: a vowel
		case c == 'y':
			add("Y", "ZH", "SH")
		case c == 'd' && vowel(at(i-1)) && vowel(n):
			add("D", "DH") // the soft d between vowels
		case c == 'w':
			add("W")
		case strings.ContainsRune("dfklmnprst", c):
			add(strings.ToUpper(string(c)))
		case strings.ContainsRune("aeo", c) && (n == 'i' || n == 'u') && !vowel(at(i+2)):
			// Falling diphthongs: "veinte", "aire", "oigo", "auto".
			add(map[string]string{"ai": "AY", "ei": "EY", "oi": "OY", "au": "AW", "eu": "EH UW", "ou": "OW"}[string(c)+string(n)])
			i++
		case vowel(c):
			add(vowelPhones(r, i))
		default:
			panic(fmt.Sprintf("sttdemo: no phone for %q in %q", c, word))
		}
	}
	out := make([]string, 0, len(variants))
	for _, v := range variants[:min(len(variants), maxVariants)] {
		s := strings.Join(v, " ")
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// vowelPhones is the phone of the vowel at r[i]; an unstressed i or u next to another vowel
// glides (Y, W), as in "quiero", "cuatro", "veinte".
func vowelPhones(r []rune, i int) string {
	c := r[i]
	isVowel := func(j int) bool {
		return j >= 0 && j < len(r) && strings.ContainsRune("aáeéiíoóuú", r[j])
	}
	switch c {
	case 'i':
		if isVowel(i + 1) {
			return "Y"
		}
		return "IY"
	case 'u', 'ü':
		if isVowel(i + 1) {
			return "W"
		}
		return "UW"
	case 'a', 'á':
		return "AA"
	case 'e', 'é':
		return "EH"
	case 'í':
		return "IY"
	case 'o', 'ó':
		return "OW"
	case 'ú':
		return "UW"
	}
	return "AH"
}
