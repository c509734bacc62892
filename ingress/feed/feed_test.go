package feed_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	goical "github.com/arran4/golang-ical"
	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/reservas/reservas/handlers/ical"
	"github.com/reservas/reservas/ingress/feed"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/store/storetest"
)

type exportEnv struct {
	s      *store.Store
	srv    *httptest.Server
	cabin  int64
	today  time.Time
	now    time.Time
	guests []string // ids of guest bookings
}

func (e *exportEnv) date(n int) time.Time { return e.today.AddDate(0, 0, n) }

func (e *exportEnv) insert(t *testing.T, kind, status, source string, in, out, until int) string {
	t.Helper()
	id := uuid.NewString()
	var expires any
	if status == "pre_reserved" {
		expires = e.now.Add(30 * time.Minute)
	}
	if _, err := e.s.Pool.Exec(t.Context(), `INSERT INTO reservations (id, code, accommodation_id, kind, status,
		check_in, check_out, blocked_until, source, guest_phone, guest_name, expires_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '5491187654321', 'Juana Gómez', $10, $11)`,
		id, "C"+strings.ToUpper(id[:7]), e.cabin, kind, status, e.date(in), e.date(out), e.date(until), source,
		expires, e.now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	return id
}

func newExportEnv(t *testing.T) *exportEnv {
	t.Helper()
	s := storetest.NewStore(t)
	ba, _ := time.LoadLocation("America/Argentina/Buenos_Aires")
	now := time.Now().Truncate(time.Second)
	e := &exportEnv{s: s, now: now, today: ical.Today(now, ba)}
	if err := s.Pool.QueryRow(t.Context(), `INSERT INTO accommodations (name, capacity, nightly_rate_cents, buffer_days)
		VALUES ('Cabaña Berta', 4, 5000000, 1) RETURNING id`).Scan(&e.cabin); err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return e.now }
	mux := http.NewServeMux()
	mux.Handle("/ical/", feed.NewHandler(s, zerolog.Nop(), clock))
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	return e
}

func get(t *testing.T, url string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestExportFeed(t *testing.T) {
	e := newExportEnv(t)
	ctx := t.Context()
	// Guest booking 5..8 (+1 turnover night), a hold 10..12, an owner block 20..22, a
	// cancelled booking, a stay that ended yesterday, one that started two days ago, a stay past
	// two years.
	confirmed := e.insert(t, "booking", "confirmed", "whatsapp", 5, 8, 9)
	hold := e.insert(t, "booking", "pre_reserved", "whatsapp", 10, 12, 13)
	e.insert(t, "manual_block", "confirmed", "owner", 20, 22, 22)
	e.insert(t, "booking", "cancelled", "whatsapp", 30, 33, 34)
	e.insert(t, "booking", "confirmed", "whatsapp", -9, -4, -3)
	inHouse := e.insert(t, "booking", "confirmed", "whatsapp", -2, 2, 3)
	e.insert(t, "booking", "confirmed", "whatsapp", 800, 803, 804)
	// Imported: Airbnb blocks 40..45, Booking.com blocks 50..52.
	for ch, span := range map[string][2]int{"airbnb": {40, 45}, "booking": {50, 52}} {
		f, err := e.s.AddFeed(ctx, e.cabin, ch, "https://example.test/"+ch)
		if err != nil {
			t.Fatal(err)
		}
		evs := []ical.Event{{Start: e.date(span[0]), End: e.date(span[1])}}
		if _, err := e.s.ApplyFeedSync(ctx, store.FeedSync{FeedID: f.ID, Now: e.now}, func(today time.Time, claims []store.FeedClaim) (store.FeedClaimChanges, error) {
			p := ical.Reconcile(ical.Input{Today: today, Events: evs}, ical.DefaultPolicy())
			var ch store.FeedClaimChanges
			for _, c := range p.Add {
				ch.Add = append(ch.Add, store.FeedClaim{Night: c.Night})
			}
			return ch, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	exports, err := e.s.ListFeedExports(ctx, e.cabin)
	if err != nil || len(exports) != 2 {
		t.Fatalf("exports %v %v", exports, err)
	}
	airbnbURL := e.srv.URL + "/ical/" + exports[0].Token + ".ics"
	bookingURL := e.srv.URL + "/ical/" + exports[1].Token + ".ics"

	resp, body := get(t, airbnbURL, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/calendar; charset=utf-8" {
		t.Fatalf("GET: %d %v", resp.StatusCode, resp.Header)
	}
	etag, lastMod := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if etag == "" || lastMod == "" {
		t.Fatalf("no validators: %v", resp.Header)
	}
	// No guest data, CRLF only, short lines.
	for _, leak := range []string{"Juana", "Gómez", "87654321", "whatsapp", "CONFIRMED"} {
		if strings.Contains(body, leak) {
			t.Errorf("export leaks %q", leak)
		}
	}
	if strings.Contains(strings.ReplaceAll(body, "\r\n", ""), "\n") || !strings.HasSuffix(body, "\r\n") {
		t.Error("export is not CRLF")
	}
	for _, l := range strings.Split(body, "\r\n") {
		if len(l) > 75 {
			t.Errorf("line of %d octets", len(l))
		}
	}
	// Parsed back by golang-ical.
	cal, err := goical.ParseCalendar(strings.NewReader(body))
	if err != nil {
		t.Fatalf("golang-ical: %v", err)
	}
	type span struct {
		uid        string
		start, end time.Time
	}
	var got []span
	for _, ev := range cal.Events() {
		s, err1 := ev.GetAllDayStartAt()
		en, err2 := ev.GetAllDayEndAt()
		if err1 != nil || err2 != nil {
			t.Fatalf("dates: %v %v", err1, err2)
		}
		if _, err := ev.GetDtStampTime(); err != nil {
			t.Fatalf("DTSTAMP: %v", err)
		}
		got = append(got, span{ev.Id(), civil(s), civil(en)})
	}
	want := []span{
		{inHouse + "@reservas", e.date(-2), e.date(3)},
		{confirmed + "@reservas", e.date(5), e.date(9)}, // the turnover night is exported as taken
		{hold + "@reservas", e.date(10), e.date(13)},
		{"", e.date(20), e.date(22)},
		{"", e.date(50), e.date(52)}, // Booking.com's block goes to Airbnb; Airbnb's own does not
	}
	if len(got) != len(want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	for i := range want {
		if (want[i].uid != "" && got[i].uid != want[i].uid) || !got[i].start.Equal(want[i].start) || !got[i].end.Equal(want[i].end) {
			t.Errorf("event %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	// Booking.com's export has Airbnb's block and not its own.
	_, bbody := get(t, bookingURL, nil)
	if !strings.Contains(bbody, "DTSTART;VALUE=DATE:"+e.date(40).Format("20060102")) ||
		strings.Contains(bbody, "DTSTART;VALUE=DATE:"+e.date(50).Format("20060102")) {
		t.Errorf("booking export:\n%s", bbody)
	}

	// Conditional GETs.
	if resp, _ := get(t, airbnbURL, map[string]string{"If-None-Match": etag}); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", resp.StatusCode)
	}
	if resp, _ := get(t, airbnbURL, map[string]string{"If-Modified-Since": lastMod}); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-Modified-Since: %d", resp.StatusCode)
	}
	// Same content later: same ETag, same Last-Modified, same UIDs.
	e.now = e.now.Add(10 * time.Minute)
	resp2, body2 := get(t, airbnbURL, nil)
	if resp2.Header.Get("ETag") != etag || resp2.Header.Get("Last-Modified") != lastMod || body2 != body {
		t.Errorf("unchanged calendar changed validators: %v", resp2.Header)
	}
	// A change (the hold is cancelled): new ETag, later Last-Modified, and a stale conditional
	// GET gets the new body.
	if _, err := e.s.Pool.Exec(ctx, `UPDATE reservations SET status = 'cancelled', updated_at = $2 WHERE id = $1`, hold, e.now); err != nil {
		t.Fatal(err)
	}
	resp3, body3 := get(t, airbnbURL, map[string]string{"If-None-Match": etag, "If-Modified-Since": lastMod})
	if resp3.StatusCode != 200 || resp3.Header.Get("ETag") == etag || strings.Contains(body3, hold) {
		t.Fatalf("after a change: %d %v", resp3.StatusCode, resp3.Header)
	}
	lm3, _ := http.ParseTime(resp3.Header.Get("Last-Modified"))
	lm1, _ := http.ParseTime(lastMod)
	if !lm3.After(lm1) {
		t.Errorf("Last-Modified did not move: %v -> %v", lm1, lm3)
	}
	if resp, _ := get(t, airbnbURL, map[string]string{"If-Modified-Since": lastMod}); resp.StatusCode != 200 {
		t.Errorf("If-Modified-Since older than the change: %d", resp.StatusCode)
	}

	// HEAD, other methods, unknown and rotated tokens.
	req, _ := http.NewRequestWithContext(ctx, http.MethodHead, airbnbURL, nil)
	hr, err := http.DefaultClient.Do(req)
	if err != nil || hr.StatusCode != 200 {
		t.Fatalf("HEAD: %v %v", hr, err)
	}
	hr.Body.Close()
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, airbnbURL, nil)
	if pr, err := http.DefaultClient.Do(req); err != nil || pr.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %v %v", pr, err)
	} else {
		pr.Body.Close()
	}
	for _, u := range []string{
		e.srv.URL + "/ical/" + strings.Repeat("A", 43) + ".ics",
		e.srv.URL + "/ical/nope.ics",
		e.srv.URL + "/ical/" + exports[0].Token,
		e.srv.URL + "/ical/" + exports[0].Token + ".ics.bak",
	} {
		if resp, _ := get(t, u, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d", strings.TrimPrefix(u, e.srv.URL), resp.StatusCode)
		}
	}
	rot, err := e.s.RotateFeedExport(context.Background(), e.cabin, "airbnb", e.now)
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := get(t, airbnbURL, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("old token after rotation: %d", resp.StatusCode)
	}
	if resp, _ := get(t, e.srv.URL+"/ical/"+rot.Token+".ics", nil); resp.StatusCode != 200 {
		t.Errorf("new token: %d", resp.StatusCode)
	}
}

func civil(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
