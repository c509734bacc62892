package whatsapp_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reservas/reservas/handlers/whatsapp"
	"github.com/reservas/reservas/handlers/whatsapp/whatsapptest"
)

// clock is a settable clock for the fake's media URL expiry.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const mediaID = "1908647269898587"

var voiceNote = bytes.Repeat([]byte("OggS\x00\x02fake-opus-page "), 100)

func TestMediaInfoAndDownload(t *testing.T) {
	for _, asNumber := range []bool{false, true} {
		name := "file_size string"
		if asNumber {
			name = "file_size number"
		}
		t.Run(name, func(t *testing.T) {
			s := newFake(t, whatsapptest.Options{FileSizeAsNumber: asNumber})
			s.AddMedia(mediaID, "audio/ogg; codecs=opus", voiceNote)
			c := newClient(s)
			m, err := c.MediaInfo(t.Context(), mediaID)
			if err != nil {
				t.Fatalf("MediaInfo: %v", err)
			}
			sum := sha256.Sum256(voiceNote)
			if m.ID != mediaID || m.MimeType != "audio/ogg; codecs=opus" || m.FileSize != int64(len(voiceNote)) ||
				m.SHA256 != hex.EncodeToString(sum[:]) || m.MessagingProduct != "whatsapp" || !strings.HasPrefix(m.URL, s.MediaURL()+"/") {
				t.Fatalf("media = %+v", m)
			}
			data, ctype, err := c.DownloadMedia(t.Context(), m.URL, 16<<20)
			if err != nil {
				t.Fatalf("DownloadMedia: %v", err)
			}
			if !bytes.Equal(data, voiceNote) || ctype != "audio/ogg; codecs=opus" {
				t.Fatalf("downloaded %d bytes of %q", len(data), ctype)
			}
			if err := whatsapp.CheckSHA256(data, m.SHA256); err != nil {
				t.Fatalf("CheckSHA256(hex): %v", err)
			}
			if err := whatsapp.CheckSHA256(data, whatsapptest.Base64SHA256(voiceNote)); err != nil {
				t.Fatalf("CheckSHA256(base64 as in webhooks): %v", err)
			}
			if err := whatsapp.CheckSHA256(data[1:], m.SHA256); err == nil {
				t.Fatal("CheckSHA256 accepted other data")
			}
		})
	}
}

func TestMediaURLExpires(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	s := newFake(t, whatsapptest.Options{Now: clk.Now})
	s.AddMedia(mediaID, "audio/ogg; codecs=opus", voiceNote)
	c := newClient(s)
	m, err := c.MediaInfo(t.Context(), mediaID)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(5*time.Minute - time.Second)
	if _, _, err := c.DownloadMedia(t.Context(), m.URL, 0); err != nil {
		t.Fatalf("download at 4m59s: %v", err)
	}
	clk.Advance(time.Second)
	before := s.MediaRequestCount()
	if _, _, err := c.DownloadMedia(t.Context(), m.URL, 0); !errors.Is(err, whatsapp.ErrMediaURLExpired) {
		t.Fatalf("download at 5m = %v, want ErrMediaURLExpired", err)
	}
	if got := s.MediaRequestCount() - before; got != 1 {
		t.Fatalf("%d media requests, want 1 (a 404 is not retried)", got)
	}
	// A fresh URL works again.
	m2, err := c.MediaInfo(t.Context(), mediaID)
	if err != nil {
		t.Fatal(err)
	}
	if m2.URL == m.URL {
		t.Fatal("MediaInfo returned the expired URL again")
	}
	if data, _, err := c.DownloadMedia(t.Context(), m2.URL, 0); err != nil || !bytes.Equal(data, voiceNote) {
		t.Fatalf("download of fresh URL: %v", err)
	}
}

func TestMediaSizeCap(t *testing.T) {
	s := newFake(t, whatsapptest.Options{})
	s.AddMedia(mediaID, "audio/ogg", voiceNote)
	c := newClient(s)
	m, err := c.MediaInfo(t.Context(), mediaID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.DownloadMedia(t.Context(), m.URL, int64(len(voiceNote))-1); !errors.Is(err, whatsapp.ErrMediaTooLarge) {
		t.Fatalf("DownloadMedia(cap-1) = %v, want ErrMediaTooLarge", err)
	}
	if data, _, err := c.DownloadMedia(t.Context(), m.URL, int64(len(voiceNote))); err != nil || len(data) != len(voiceNote) {
		t.Fatalf("DownloadMedia(cap exact) = %d bytes, %v", len(data), err)
	}
}

func TestMediaErrors(t *testing.T) {
	s := newFake(t, whatsapptest.Options{})
	s.AddMedia(mediaID, "audio/ogg", voiceNote)
	c := newClient(s)

	before := s.RequestCount()
	_, err := c.MediaInfo(t.Context(), "4242424242")
	var apiErr *whatsapp.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatus != 400 || apiErr.Code != whatsapp.CodeInvalidParameter || apiErr.Subcode != 33 {
		t.Fatalf("MediaInfo(unknown) = %v", err)
	}
	if s.RequestCount()-before != 1 {
		t.Fatal("unknown media id was retried")
	}

	for _, id := range []string{"", "..", "1/messages", "1?x=2"} {
		if _, err := c.MediaInfo(t.Context(), id); !errors.Is(err, whatsapp.ErrInvalidMessage) {
			t.Errorf("MediaInfo(%q) = %v, want a validation error", id, err)
		}
	}

	// The media host wants the Bearer token; like Meta it answers 404 without it.
	m, err := c.MediaInfo(t.Context(), mediaID)
	if err != nil {
		t.Fatal(err)
	}
	other := newClient(s, func(cfg *whatsapp.Config) { cfg.Token = "EAAG-other" })
	if _, _, err := other.DownloadMedia(t.Context(), m.URL, 0); !errors.Is(err, whatsapp.ErrMediaURLExpired) {
		t.Fatalf("download with a wrong token = %v, want ErrMediaURLExpired (404)", err)
	}
	// A tampered URL is a 404 too, and the error does not carry the URL.
	_, _, err = c.DownloadMedia(t.Context(), strings.Replace(m.URL, "hash=", "hash=x", 1), 0)
	if !errors.Is(err, whatsapp.ErrMediaURLExpired) || strings.Contains(err.Error(), "hash") {
		t.Fatalf("tampered URL = %v", err)
	}
	for _, u := range []string{"", "lookaside/x", "ftp://host/x", "://bad"} {
		if _, _, err := c.DownloadMedia(t.Context(), u, 0); !errors.Is(err, whatsapp.ErrInvalidMessage) {
			t.Errorf("DownloadMedia(%q) = %v, want a validation error", u, err)
		}
	}
}
