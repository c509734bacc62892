package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// grammarRules is what the demo recogniser can hear: the phrases a guest uses to ask for a
// cabin (greeting, dates, party size, short answers), in JSGF with Spanish words. Anything else
// comes out as the nearest of these phrases, or nothing.
var grammarRules = []string{
	`public <frase> = [<saludo>] [<corta>+ | <pedido> <datos>* | <datos>+] ;`,
	`<datos> = <fechas> | <personas> ;`,
	`<saludo> = hola [buenas] | buenas [tardes | noches] | buen día | buenos días | buenas tardes ;`,
	`<pedido> = (quiero | quería | queremos | quisiera | queríamos) [reservar] [una cabaña] [para] | (tienen | hay) (lugar | cabañas | disponibilidad | algo libre) | reservar [una cabaña] ;`,
	`<fechas> = del <dia> al <dia> de <mes> | del <dia> de <mes> al <dia> de <mes> | (para | desde) el <dia> de <mes> | <numero> noches ;`,
	`<personas> = (para | somos) <numero> [personas | adultos] [y <numero> chicos] ;`,
	`<corta> = sí | no | gracias | dale | perfecto | listo | cancelar | mis reservas | cuánto sale | qué precio tiene | tienen wifi | aceptan mascotas ;`,
	`<dia> = primero | <numero> | once | doce | trece | catorce | quince | dieciséis | diecisiete | dieciocho | diecinueve | veinte | veintiuno | veintidós | veintitrés | veinticuatro | veinticinco | veintiséis | veintisiete | veintiocho | veintinueve | treinta | treinta y uno ;`,
	`<numero> = uno | dos | tres | cuatro | cinco | seis | siete | ocho | nueve | diez ;`,
	`<mes> = enero | febrero | marzo | abril | mayo | junio | julio | agosto | septiembre | octubre | noviembre | diciembre ;`,
}

var (
	grammarWord   = regexp.MustCompile(`[\p{L}]+`)
	grammarSyntax = map[string]bool{"public": true}
)

// vocabulary lists the grammar's words once each, in order of appearance.
func vocabulary() []string {
	var words []string
	for _, rule := range grammarRules {
		for _, w := range grammarWord.FindAllString(stripRuleNames(rule), -1) {
			if !grammarSyntax[w] && !slices.Contains(words, w) {
				words = append(words, w)
			}
		}
	}
	return words
}

var ruleName = regexp.MustCompile(`<[a-z]+>`)

func stripRuleNames(rule string) string { return ruleName.ReplaceAllString(rule, " ") }

// token is the ASCII spelling a word has in the grammar and dictionary files (PocketSphinx
// reads them as bytes): accents dropped, ñ as "nn".
func token(word string) string {
	return strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ü", "u", "ñ", "nn").Replace(word)
}

// jsgf renders the grammar file.
func jsgf() string {
	var b strings.Builder
	b.WriteString("#JSGF V1.0;\ngrammar reservas;\n")
	for _, rule := range grammarRules {
		b.WriteString(restoreRuleNames(rule, token) + "\n")
	}
	return b.String()
}

// restoreRuleNames rewrites the words of a rule with f, leaving <names> and syntax alone.
func restoreRuleNames(rule string, f func(string) string) string {
	var out strings.Builder
	last := 0
	for _, loc := range ruleName.FindAllStringIndex(rule, -1) {
		out.WriteString(rewriteWords(rule[last:loc[0]], f))
		out.WriteString(rule[loc[0]:loc[1]])
		last = loc[1]
	}
	out.WriteString(rewriteWords(rule[last:], f))
	return out.String()
}

func rewriteWords(s string, f func(string) string) string {
	return grammarWord.ReplaceAllStringFunc(s, func(w string) string {
		if grammarSyntax[w] {
			return w
		}
		return f(w)
	})
}

// dictionary renders the pronunciation file: every grammar word, with a numbered line for each
// variant ("word(2) ...") as PocketSphinx expects.
func dictionary() string {
	var b strings.Builder
	for _, w := range vocabulary() {
		for i, p := range pronunciations(w) {
			if i == 0 {
				fmt.Fprintf(&b, "%s %s\n", token(w), p)
			} else {
				fmt.Fprintf(&b, "%s(%d) %s\n", token(w), i+1, p)
			}
		}
	}
	return b.String()
}

// display turns recognised tokens back into Spanish words.
func display(tokens []string) string {
	words := vocabulary()
	back := make(map[string]string, len(words))
	for _, w := range words {
		back[token(w)] = w
	}
	out := make([]string, 0, len(tokens))
	for _, t := range tokens {
		if w, ok := back[t]; ok {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}
