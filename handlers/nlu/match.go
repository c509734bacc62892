package nlu

// optionStopwords are words that do not tell options apart.
var optionStopwords = keysOf("la|el|los|las|de|del|da|do|the|of|a|o|y|e|and|cabana|cabanas|cabin|cabins|casa|house|chale|depto|departamento|quiero|queremos|me|gusta|prefiero|esa|ese|esta|este|that|one|una|un|con|por|para|favor|porfavor|please|i|want|quero")

// MatchOption returns the index of the option (a cabin name, a list row)
// that text names, or -1 when none or more than one fits equally. Words are
// compared by phonetic key, typos of one edit are forgiven in words of five
// letters or more, and generic words ("cabaña", "la", "quiero") are ignored.
func MatchOption(text string, options []string) int {
	var words []string
	for _, t := range tokenize(text) {
		if t.kind == kWord {
			if k := phoneticKey(t.norm); !optionStopwords[k] {
				words = append(words, k)
			}
		}
	}
	if len(words) == 0 {
		return -1
	}
	best, bestScore, tie := -1, 0.0, false
	for i, opt := range options {
		var keys []string
		for _, t := range tokenize(opt) {
			if t.kind == kWord || t.kind == kNum {
				if k := phoneticKey(t.norm); !optionStopwords[k] {
					keys = append(keys, k)
				}
			}
		}
		if len(keys) == 0 {
			continue
		}
		hit := 0
		for _, k := range keys {
			for _, w := range words {
				if w == k || len(k) >= 5 && editDistance(w, k, 1) <= 1 {
					hit++
					break
				}
			}
		}
		score := float64(hit) / float64(len(keys))
		switch {
		case score > bestScore:
			best, bestScore, tie = i, score, false
		case score == bestScore && score > 0:
			tie = true
		}
	}
	if bestScore < 0.5 || tie {
		return -1
	}
	return best
}
