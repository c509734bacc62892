package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	_ "time/tzdata" // the business time zone must resolve on minimal images too

	"github.com/reservas/reservas/handlers/nlu"
)

// defaultBusinessTZ is the zone "now" is taken in when BUSINESS_TZ is unset.
const defaultBusinessTZ = "America/Argentina/Buenos_Aires"

// maxNLULine bounds one stdin message.
const maxNLULine = 1 << 20

// runNLU implements `reservas nlu [--now RFC3339] [TEXT]`: it prints the NLU
// parse of TEXT as one JSON object, or, without TEXT, of each stdin line as
// one JSON line. --now may also be a plain date (YYYY-MM-DD, taken as
// midnight); either way it is read in the business time zone (BUSINESS_TZ,
// default America/Argentina/Buenos_Aires), whose calendar date is "today".
// Flags may come before or after TEXT; several TEXT arguments are joined
// with spaces.
func runNLU(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("nlu", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	nowFlag := fs.String("now", "", "the current time, RFC3339 or YYYY-MM-DD (default: the clock)")
	var words []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			return fmt.Errorf("nlu: %w (usage: reservas nlu [--now RFC3339] [TEXT])", err)
		}
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
		words, rest = append(words, rest[0]), rest[1:]
	}

	tz := os.Getenv("BUSINESS_TZ")
	if tz == "" {
		tz = defaultBusinessTZ
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return fmt.Errorf("nlu: business time zone %q: %w", tz, err)
	}
	now, err := parseNow(*nowFlag, loc)
	if err != nil {
		return err
	}

	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	if len(words) > 0 {
		if err := enc.Encode(nlu.Parse(strings.Join(words, " "), now)); err != nil {
			return fmt.Errorf("nlu: write result: %w", err)
		}
		return nil
	}
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64*1024), maxNLULine)
	for sc.Scan() {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("nlu: %w", err)
		}
		line := strings.TrimSuffix(sc.Text(), "\r")
		if err := enc.Encode(nlu.Parse(line, now)); err != nil {
			return fmt.Errorf("nlu: write result: %w", err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("nlu: read stdin: %w", err)
	}
	return nil
}

// parseNow reads --now in loc; empty means the clock.
func parseNow(s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Now().In(loc), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.In(loc), nil
	}
	t, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("nlu: --now %q is neither RFC3339 nor YYYY-MM-DD: %w", s, err)
	}
	return t, nil
}
