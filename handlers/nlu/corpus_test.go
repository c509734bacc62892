package nlu

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// corpusNow is the fixed "now" of testdata/phrases.tsv: a Monday.
var corpusNow = time.Date(2026, 11, 30, 10, 0, 0, 0, time.FixedZone("ART", -3*3600))

// corpusThreshold is the accuracy every field must reach on the corpus.
const corpusThreshold = 0.95

type corpusCase struct {
	line                            int
	text, intent, checkIn, checkOut string
	guests                          int
}

func loadCorpus(t *testing.T) []corpusCase {
	t.Helper()
	f, err := os.Open("testdata/phrases.tsv")
	if err != nil {
		t.Fatalf("open corpus: %v", err)
	}
	defer f.Close()
	var cases []corpusCase
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		s := sc.Text()
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		cols := strings.Split(s, "\t")
		if len(cols) != 5 {
			t.Fatalf("phrases.tsv:%d: want 5 tab-separated columns, got %d", line, len(cols))
		}
		c := corpusCase{line: line, text: cols[0], intent: cols[1], checkIn: cols[2], checkOut: cols[3]}
		if cols[4] != "-" {
			n, err := strconv.Atoi(cols[4])
			if err != nil {
				t.Fatalf("phrases.tsv:%d: guests %q: %v", line, cols[4], err)
			}
			c.guests = n
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read corpus: %v", err)
	}
	return cases
}

func dateOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format("2006-01-02")
}

// TestCorpusAccuracy measures per-field accuracy on testdata/phrases.tsv and
// fails when any field is below corpusThreshold.
func TestCorpusAccuracy(t *testing.T) {
	cases := loadCorpus(t)
	if len(cases) < 100 {
		t.Fatalf("corpus has %d phrases, want at least 100", len(cases))
	}
	fields := []string{"intent", "check_in", "check_out", "guests", "all"}
	right := make(map[string]int)
	for _, c := range cases {
		r := Parse(c.text, corpusNow)
		got := map[string]string{
			"intent":    string(r.Intent),
			"check_in":  dateOrDash(r.CheckIn),
			"check_out": dateOrDash(r.CheckOut),
			"guests":    strconv.Itoa(r.Guests),
		}
		want := map[string]string{
			"intent":    c.intent,
			"check_in":  c.checkIn,
			"check_out": c.checkOut,
			"guests":    strconv.Itoa(c.guests),
		}
		all := true
		for _, f := range fields[:4] {
			if got[f] == want[f] {
				right[f]++
			} else {
				all = false
				t.Logf("phrases.tsv:%d %q: %s = %s, want %s", c.line, c.text, f, got[f], want[f])
			}
		}
		if all {
			right["all"]++
		}
	}
	for _, f := range fields {
		acc := float64(right[f]) / float64(len(cases))
		t.Logf("accuracy %-9s %5.1f%% (%d/%d)", f, 100*acc, right[f], len(cases))
		if acc < corpusThreshold {
			t.Errorf("accuracy of %s is %.1f%%, below %.0f%%", f, 100*acc, 100*corpusThreshold)
		}
	}
}
