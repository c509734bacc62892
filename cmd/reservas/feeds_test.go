package main

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/store/storetest"
)

func TestFeedsCommands(t *testing.T) {
	dsn := storetest.DatabaseURL(t)
	ctx := t.Context()
	cfg := config{DatabaseURL: dsn, BusinessTZ: "America/Argentina/Buenos_Aires", PublicBaseURL: "https://reservas.example",
		ICalSyncMinutes: 5}
	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Pool.Exec(ctx, `INSERT INTO accommodations (name, capacity, nightly_rate_cents) VALUES ('Cabaña Berta', 4, 100), ('Cabaña Alba', 2, 100)`); err != nil {
		t.Fatal(err)
	}
	// Booking.com's real sample: a block running 16 months ahead, so there is always something
	// in the future to block.
	sample, err := os.ReadFile("../../handlers/ical/testdata/booking-com-2025-11_room-berta.ics")
	if err != nil {
		t.Fatal(err)
	}
	body := strings.ReplaceAll(string(sample), "20270518", "20991231")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/broken" {
			http.Error(w, "no", http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()

	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := runFeeds(ctx, cfg, args, &out)
		return out.String(), err
	}
	out, err := run("add", "--cabin", "Cabaña Berta", "--channel", "booking", "--url", srv.URL+"/v1/export?t=1")
	if err != nil || !strings.Contains(out, "https://reservas.example/ical/") {
		t.Fatalf("add: %v\n%s", err, out)
	}
	if _, err := run("add", "--cabin", "Cabaña Berta", "--channel", "booking", "--url", srv.URL); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("duplicate add: %v", err)
	}
	if _, err := run("add", "--cabin", "Nadie", "--channel", "airbnb", "--url", srv.URL); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown cabin: %v", err)
	}
	if _, err := run("add", "--cabin", "Cabaña Berta"); !errors.Is(err, errUsage) {
		t.Fatalf("missing flags: %v", err)
	}
	if _, err := run("add", "--cabin", "cabaña alba", "--channel", "airbnb", "--url", srv.URL+"/broken"); err != nil {
		t.Fatal(err)
	}

	out, err = run("urls")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err != nil || len(lines) != 2 || !strings.HasPrefix(lines[0], "Cabaña Alba\tairbnb\thttps://reservas.example/ical/") ||
		!strings.HasPrefix(lines[1], "Cabaña Berta\tbooking\thttps://reservas.example/ical/") || !strings.HasSuffix(lines[1], ".ics") {
		t.Fatalf("urls: %v\n%s", err, out)
	}
	out, _ = run("urls", "--cabin", "Cabaña Berta")
	if strings.Count(out, "\n") != 1 {
		t.Fatalf("urls --cabin:\n%s", out)
	}

	// Sync: one line per feed; the broken one fails the command after every feed was tried.
	out, err = run("sync")
	if err == nil || !strings.Contains(err.Error(), "1 of 2") {
		t.Fatalf("sync err: %v", err)
	}
	lines = strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "Cabaña Alba\tairbnb\tfailed") || !strings.Contains(lines[0], "HTTP 500") ||
		!strings.HasPrefix(lines[1], "Cabaña Berta\tbooking\tok\tevents=2") {
		t.Fatalf("sync:\n%s", out)
	}
	if strings.Contains(out, srv.URL) {
		t.Fatal("sync output shows a feed URL (they carry secrets)")
	}
	out, err = run("sync", "--cabin", "Cabaña Berta")
	if err != nil || !strings.HasPrefix(out, "Cabaña Berta\tbooking\t") || strings.Count(out, "\n") != 1 {
		t.Fatalf("sync --cabin: %v\n%s", err, out)
	}
	out, _ = run("list")
	if !strings.Contains(out, "Cabaña Berta\tbooking\tenabled\t") || !strings.Contains(out, "healthy=false") {
		t.Fatalf("list:\n%s", out)
	}

	before, _ := run("urls", "--cabin", "Cabaña Berta")
	out, err = run("rotate", "--cabin", "Cabaña Berta", "--channel", "booking")
	if err != nil || strings.Contains(out, strings.Split(strings.TrimSpace(before), "\t")[2]) {
		t.Fatalf("rotate: %v\n%s", err, out)
	}
	out, err = run("export", "--cabin", "Cabaña Berta", "--channel", "vrbo")
	if err != nil || !strings.HasPrefix(out, "Cabaña Berta\tvrbo\thttps://") {
		t.Fatalf("export: %v\n%s", err, out)
	}
	out, err = run("remove", "--cabin", "Cabaña Berta", "--channel", "booking")
	if err != nil || !strings.Contains(out, "released") {
		t.Fatalf("remove: %v\n%s", err, out)
	}
	if _, err := run("frobnicate"); !errors.Is(err, errUsage) {
		t.Fatalf("unknown command: %v", err)
	}
}
