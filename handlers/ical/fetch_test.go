package ical

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestFetchConditionalGET(t *testing.T) {
	body := readSample(t, "booking-com-2025-11_room-berta.ics")
	var gotINM, gotIMS string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotINM, gotIMS = r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")
		if gotINM == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Tue, 18 Nov 2025 12:25:53 GMT")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	var f Fetcher
	resp, err := f.Fetch(t.Context(), srv.URL+"/v1/export?t=secret", Validators{})
	if err != nil {
		t.Fatal(err)
	}
	if resp.NotModified || !bytes.Equal(resp.Body, body) || resp.Validators.ETag != `"v1"` {
		t.Fatalf("first fetch: %+v", resp.Validators)
	}
	resp, err = f.Fetch(t.Context(), srv.URL+"/v1/export?t=secret", resp.Validators)
	if err != nil {
		t.Fatal(err)
	}
	if !resp.NotModified || resp.Body != nil {
		t.Fatalf("second fetch not a 304")
	}
	if gotINM != `"v1"` || gotIMS != "Tue, 18 Nov 2025 12:25:53 GMT" {
		t.Fatalf("validators sent: %q %q", gotINM, gotIMS)
	}
}

func TestFetchFailures(t *testing.T) {
	big := bytes.Repeat([]byte("X-FILLER:0123456789012345678901234567890123456789012345678901234567\r\n"), 20<<20/70)
	mux := http.NewServeMux()
	mux.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(big) // announced by Content-Length
	})
	mux.HandleFunc("/big-chunked", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < len(big); i += 1 << 20 {
			_, _ = w.Write(big[i:min(i+1<<20, len(big))])
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/gzip-bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		_, _ = zw.Write(big)
		_ = zw.Close()
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("/unasked-304", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotModified)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := Fetcher{Timeout: 300 * time.Millisecond}
	for path, check := range map[string]func(error) bool{
		"/500": func(err error) bool {
			var he *HTTPError
			return errors.As(err, &he) && he.Status == 500
		},
		"/big":         func(err error) bool { return errors.Is(err, ErrTooLarge) },
		"/big-chunked": func(err error) bool { return errors.Is(err, ErrTooLarge) },
		"/gzip-bomb":   func(err error) bool { return errors.Is(err, ErrTooLarge) },
		"/slow": func(err error) bool {
			var ne net.Error
			return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
		},
		"/unasked-304": func(err error) bool {
			var he *HTTPError
			return errors.As(err, &he) && he.Status == 304
		},
	} {
		t.Run(strings.Trim(path, "/"), func(t *testing.T) {
			f := f
			if path != "/slow" {
				f.Timeout = time.Minute
			}
			_, err := f.Fetch(t.Context(), srv.URL+path+"?t=very-secret-token", Validators{})
			if err == nil || !check(err) {
				t.Fatalf("err = %v", err)
			}
			if strings.Contains(err.Error(), "very-secret-token") || strings.Contains(err.Error(), srv.URL) {
				t.Fatalf("error leaks the feed URL: %v", err)
			}
		})
	}
}

func TestFetchRefusedConnectionHidesURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close()
	var f Fetcher
	_, err := f.Fetch(t.Context(), u+"/x?t=very-secret-token", Validators{})
	if err == nil || strings.Contains(err.Error(), "very-secret-token") {
		t.Fatalf("err = %v", err)
	}
}

func TestNormalizeURL(t *testing.T) {
	for in, want := range map[string]string{
		"webcal://www.airbnb.com/calendar/ical/1.ics?s=x": "https://www.airbnb.com/calendar/ical/1.ics?s=x",
		" https://ical.booking.com/v1/export?t=abc ":      "https://ical.booking.com/v1/export?t=abc",
	} {
		got, err := NormalizeURL(in)
		if err != nil || got != want {
			t.Errorf("NormalizeURL(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"ftp://x/y", "file:///etc/passwd", "https://", "::"} {
		if _, err := NormalizeURL(in); err == nil {
			t.Errorf("NormalizeURL(%q) accepted", in)
		}
	}
}

func TestFetchReadsWholeBodyUnderCap(t *testing.T) {
	body := readSample(t, "airbnb-2025-10_hosting-calendar-1.0.ics")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(w, bytes.NewReader(body))
	}))
	defer srv.Close()
	f := Fetcher{MaxBytes: int64(len(body))}
	resp, err := f.Fetch(t.Context(), srv.URL, Validators{})
	if err != nil || !bytes.Equal(resp.Body, body) {
		t.Fatalf("exact-cap body: %v", err)
	}
}
