package mercadopago

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// timeLayout is the format Mercado Pago documents for request dates:
// ISO-8601 with milliseconds and offset, "2016-02-01T12:00:00.000-04:00".
const timeLayout = "2006-01-02T15:04:05.000-07:00"

// FormatTime renders t the way the API expects request dates.
func FormatTime(t time.Time) string {
	return t.Format(timeLayout)
}

// parseTime reads a response date leniently: RFC 3339 with or without
// fraction, "Z" or an offset. Empty or unparsable values give ok=false; the
// API's dates are informative, never decisions, so one odd value must not
// make a whole payment unreadable.
func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05-0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func parseTimePtr(s string) *time.Time {
	t, ok := parseTime(s)
	if !ok {
		return nil
	}
	return &t
}

// flexString decodes a JSON string, number, boolean or null into text. Mercado
// Pago sends some identifiers as numbers in one place and strings in another
// (notification id, user_id, client_id, order.id, cause.code).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return fmt.Errorf("empty JSON value")
	case bytes.Equal(b, []byte("null")):
		*f = ""
		return nil
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	case b[0] == '-' || (b[0] >= '0' && b[0] <= '9'):
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*f = flexString(n.String())
		return nil
	case bytes.Equal(b, []byte("true")) || bytes.Equal(b, []byte("false")):
		*f = flexString(b)
		return nil
	}
	return fmt.Errorf("cannot decode %.20q as a string or number", b)
}

// flexInt decodes a JSON integer, a string holding one, or null (0).
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	if s == "" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseInt(string(s), 10, 64)
	if err != nil {
		return fmt.Errorf("not an integer id: %w", err)
	}
	*f = flexInt(n)
	return nil
}
