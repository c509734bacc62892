package whatsapp

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	const base = 100 * time.Millisecond
	lowest := func(n int64) int64 { return 0 }
	highest := func(n int64) int64 { return n - 1 }
	tests := []struct {
		attempt    int
		retryAfter time.Duration
		min, max   time.Duration
	}{
		{1, 0, 50 * time.Millisecond, 100 * time.Millisecond},
		{2, 0, 100 * time.Millisecond, 200 * time.Millisecond},
		{3, 0, 200 * time.Millisecond, 400 * time.Millisecond},
		{20, 0, maxBackoff / 2, maxBackoff},
		{1, 3 * time.Second, 3 * time.Second, 3 * time.Second}, // Retry-After wins when longer
		{3, 150 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond},
	}
	for _, tt := range tests {
		lo := backoff(tt.attempt, base, tt.retryAfter, lowest)
		hi := backoff(tt.attempt, base, tt.retryAfter, highest)
		if lo != tt.min || hi != tt.max {
			t.Errorf("backoff(%d, retryAfter %v) spans [%v, %v], want [%v, %v]", tt.attempt, tt.retryAfter, lo, hi, tt.min, tt.max)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{" 7 ", 7 * time.Second},
		{"0", 0},
		{"-3", 0},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"999999999999", 24 * time.Hour},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// A media host that streams without Content-Length is still capped while reading.
func TestDownloadCapWithoutContentLength(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "audio/ogg")
		for range 10 {
			_, _ = w.Write([]byte(strings.Repeat("x", 1000)))
			w.(http.Flusher).Flush()
		}
	}))
	defer srv.Close()
	c := NewClient(Config{Token: "tok", BaseBackoff: time.Millisecond}, nil)
	if _, _, err := c.DownloadMedia(t.Context(), srv.URL+"/m", 9999); !errors.Is(err, ErrMediaTooLarge) {
		t.Fatalf("DownloadMedia(9999) = %v, want ErrMediaTooLarge", err)
	}
	data, ctype, err := c.DownloadMedia(t.Context(), srv.URL+"/m", 10000)
	if err != nil || len(data) != 10000 || ctype != "audio/ogg" {
		t.Fatalf("DownloadMedia(10000) = %d bytes %q, %v", len(data), ctype, err)
	}
}

func TestAPIErrorWithoutGraphBody(t *testing.T) {
	e := newAPIError(502, http.Header{}, []byte("<html>Bad Gateway from proxy, user 5491155550000</html>"))
	if e.Message != "Bad Gateway" || e.Code != 0 || !e.Temporary() {
		t.Fatalf("APIError = %+v", e)
	}
	if strings.Contains(e.Error(), "5491155550000") || strings.Contains(e.Error(), "html") {
		t.Fatalf("Error() copies a non-Graph body: %s", e.Error())
	}
}
