package handlers_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/reservas/reservas/handlers"
	"github.com/reservas/reservas/handlers/ical"
	"github.com/reservas/reservas/handlers/whatsapp"
	"github.com/reservas/reservas/handlers/whatsapp/whatsapptest"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/store/storetest"
	"github.com/reservas/reservas/tasks"
)

const icalOwner = "5491100000000"

// icalClock is the test's movable clock.
type icalClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *icalClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *icalClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// feedServer serves one feed whose body the test swaps between fetches, with an ETag, and can
// fail, hang or send a huge body.
type feedServer struct {
	*httptest.Server
	mu      sync.Mutex
	body    []byte
	status  int
	hang    time.Duration
	huge    bool
	fetches int
}

func newFeedServer(t *testing.T) *feedServer {
	fs := &feedServer{status: http.StatusOK}
	fs.Server = httptest.NewServer(http.HandlerFunc(fs.serve))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *feedServer) set(body string) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.body, fs.status, fs.huge = []byte(body), http.StatusOK, false
}

func (fs *feedServer) fail(status int) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.status = status
}

func (fs *feedServer) serve(w http.ResponseWriter, r *http.Request) {
	fs.mu.Lock()
	body, status, hang, huge := fs.body, fs.status, fs.hang, fs.huge
	fs.fetches++
	fs.mu.Unlock()
	if hang > 0 {
		select {
		case <-r.Context().Done():
		case <-time.After(hang):
		}
		return
	}
	if status != http.StatusOK {
		http.Error(w, "unavailable", status)
		return
	}
	if huge {
		chunk := bytes.Repeat([]byte("X-PAD:"+strings.Repeat("0", 90)+"\r\n"), 10000)
		for written := 0; written < 20<<20; written += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		return
	}
	etag := fmt.Sprintf(`"%x"`, sha256.Sum256(body))
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	_, _ = w.Write(body)
}

type icalEnv struct {
	d     *handlers.Deps
	s     *store.Store
	graph *whatsapptest.Server
	clock *icalClock
	reg   *prometheus.Registry
	base  time.Time // the cabin's today at the start
	cabin int64
}

func newICalEnv(t *testing.T, withQueue bool) *icalEnv {
	t.Helper()
	s := storetest.NewStore(t)
	graph := whatsapptest.NewServer(whatsapptest.Options{})
	t.Cleanup(graph.Close)
	reg := prometheus.NewRegistry()
	ba, err := time.LoadLocation("America/Argentina/Buenos_Aires")
	if err != nil {
		t.Fatal(err)
	}
	clock := &icalClock{now: time.Now()}
	d := &handlers.Deps{
		Config: handlers.Config{BusinessTZ: ba, ICalSyncEvery: 5 * time.Minute, OwnerPhone: icalOwner},
		Store:  s, Log: zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel),
		Metrics: handlers.NewMetrics(reg), Now: clock.Now,
		WhatsApp: whatsapp.NewClient(whatsapp.Config{BaseURL: graph.URL(), PhoneNumberID: graph.PhoneNumberID(),
			Token: graph.Token(), BaseBackoff: time.Millisecond}, &http.Client{Timeout: 5 * time.Second}),
	}
	if withQueue {
		rdb, redisURL := storetest.NewRedis(t)
		opts, err := redis.ParseURL(redisURL)
		if err != nil {
			t.Fatal(err)
		}
		d.Redis = rdb
		d.Queue = asynq.NewClient(asynq.RedisClientOpt{Addr: opts.Addr, DB: opts.DB, Password: opts.Password})
		t.Cleanup(func() { _ = d.Queue.Close() })
	}
	var cabin int64
	if err := s.Pool.QueryRow(t.Context(), `INSERT INTO accommodations (name, capacity, nightly_rate_cents, buffer_days)
		VALUES ('Berta', 4, 5000000, 1) RETURNING id`).Scan(&cabin); err != nil {
		t.Fatal(err)
	}
	return &icalEnv{d: d, s: s, graph: graph, clock: clock, reg: reg, base: ical.Today(clock.now, ba), cabin: cabin}
}

// day is the cabin's date n days after the start, as an iCal DATE.
func (e *icalEnv) day(n int) string { return e.base.AddDate(0, 0, n).Format("20060102") }

func (e *icalEnv) date(n int) time.Time { return e.base.AddDate(0, 0, n) }

// feed builds a Booking.com-style feed (CRLF, DTSTAMP, no guest data) of [start, end) offsets.
func (e *icalEnv) feed(spans ...[2]int) string {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//admin.booking.com\\\\\\, b.v.//NONSGML v1.0//EN\r\nCALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n")
	for _, sp := range spans {
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nDTSTAMP:20251118T122553Z\r\nDTSTART;VALUE=DATE:%s\r\nDTEND;VALUE=DATE:%s\r\nUID:%s@booking.com\r\nSUMMARY:CLOSED - Not available\r\nEND:VEVENT\r\n",
			e.day(sp[0]), e.day(sp[1]), strings.ReplaceAll(uuid.NewString(), "-", ""))
	}
	b.WriteString("END:VCALENDAR\r\n")
	return b.String()
}

func (e *icalEnv) blocks(t *testing.T, channel string) string {
	t.Helper()
	bs, err := e.s.FeedBlocks(t.Context(), e.cabin, channel, true)
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, b := range bs {
		parts = append(parts, fmt.Sprintf("%d..%d", int(b.CheckIn.Sub(e.base).Hours()/24), int(b.CheckOut.Sub(e.base).Hours()/24)))
	}
	return strings.Join(parts, " ")
}

func (e *icalEnv) sync(t *testing.T, feedID int64, opts handlers.SyncOptions) handlers.FeedSyncResult {
	t.Helper()
	res, err := e.d.SyncFeed(t.Context(), feedID, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (e *icalEnv) metric(t *testing.T, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			have := map[string]string{}
			for _, lp := range m.GetLabel() {
				have[lp.GetName()] = lp.GetValue()
			}
			for k, v := range labels {
				if have[k] != v {
					continue next
				}
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue(), true
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue(), true
			}
		}
	}
	return 0, false
}

func TestICalSyncFetchSequence(t *testing.T) {
	e := newICalEnv(t, false)
	fs := newFeedServer(t)
	f, err := e.s.AddFeed(t.Context(), e.cabin, "booking", fs.URL+"/v1/export?t=4f1c")
	if err != nil {
		t.Fatal(err)
	}
	horizon := [2]int{40, 500}

	// 1. An in-house stay (since yesterday), a gap night, another stay, the horizon block.
	fs.set(e.feed([2]int{-1, 2}, [2]int{3, 8}, horizon))
	res := e.sync(t, f.ID, handlers.SyncOptions{})
	if res.Result != handlers.SyncOK || e.blocks(t, "booking") != "0..2 3..8 40..500" {
		t.Fatalf("first: %s / %s", res, e.blocks(t, "booking"))
	}
	// 2. Unchanged body: a 304.
	if res = e.sync(t, f.ID, handlers.SyncOptions{}); res.Result != handlers.SyncUnchanged {
		t.Fatalf("304: %s", res)
	}
	// 3. Merge: the gap fills, one UID grows, the other vanishes. Nothing is released.
	fs.set(e.feed([2]int{-1, 8}, horizon))
	res = e.sync(t, f.ID, handlers.SyncOptions{})
	if res.Outcome.Released != 0 || res.Outcome.Pending != 0 || e.blocks(t, "booking") != "0..3 3..8 40..500" {
		t.Fatalf("merge: %s / %s", res, e.blocks(t, "booking"))
	}
	// 4. Next day after local midnight, the in-house stay is re-issued from today with a new UID.
	e.clock.Add(24 * time.Hour)
	fs.set(e.feed([2]int{1, 8}, [2]int{40, 501}))
	res = e.sync(t, f.ID, handlers.SyncOptions{})
	if res.Outcome.Released != 0 || res.Outcome.Pending != 0 || res.Outcome.BlocksReleased != 0 ||
		e.blocks(t, "booking") != "0..3 3..8 40..501" {
		t.Fatalf("re-issue: %s", res)
	}
	before := e.blocks(t, "booking")
	// 5. HTTP 500: failed, unhealthy, nothing changes.
	fs.fail(http.StatusInternalServerError)
	res = e.sync(t, f.ID, handlers.SyncOptions{})
	var he *ical.HTTPError
	if res.Result != handlers.SyncFailed || !errors.As(res.Err, &he) || he.Status != 500 || res.Outcome.Status.Healthy {
		t.Fatalf("500: %s", res)
	}
	if v, _ := e.metric(t, "reservas_ical_feed_healthy", map[string]string{"channel": "booking"}); v != 0 {
		t.Fatalf("healthy gauge %v after a 500", v)
	}
	// 6. An empty 200: suspect, releases nothing.
	fs.set(e.feed())
	res = e.sync(t, f.ID, handlers.SyncOptions{})
	if res.Result != handlers.SyncSuspect || !strings.Contains(res.Err.Error(), "empty") {
		t.Fatalf("empty: %s", res)
	}
	// 7. A 20 MB body: refused by the size cap.
	fs.mu.Lock()
	fs.huge = true
	fs.mu.Unlock()
	res = e.sync(t, f.ID, handlers.SyncOptions{})
	if res.Result != handlers.SyncFailed || !errors.Is(res.Err, ical.ErrTooLarge) {
		t.Fatalf("20 MB: %s", res)
	}
	// 8. A body cut short: refused as truncated.
	full := e.feed([2]int{1, 8}, [2]int{40, 501})
	fs.set(full[:len(full)-30])
	if res = e.sync(t, f.ID, handlers.SyncOptions{}); res.Result != handlers.SyncFailed || !errors.Is(res.Err, ical.ErrTruncated) {
		t.Fatalf("truncated: %s", res)
	}
	if got := e.blocks(t, "booking"); got != before {
		t.Fatalf("bad fetches changed blocks: %s -> %s", before, got)
	}
	// 9. One listing vanishes for one fetch (the stay), then comes back: pending, never released.
	fs.set(e.feed([2]int{40, 501}))
	if res = e.sync(t, f.ID, handlers.SyncOptions{}); res.Result != handlers.SyncOK || res.Outcome.Pending != 7 {
		t.Fatalf("vanish: %s", res)
	}
	fs.set(e.feed([2]int{1, 8}, [2]int{40, 501}))
	if res = e.sync(t, f.ID, handlers.SyncOptions{}); res.Outcome.Pending != 0 || res.Outcome.Released != 0 {
		t.Fatalf("back: %s", res)
	}
	if got := e.blocks(t, "booking"); got != before {
		t.Fatalf("vanish and return changed blocks: %s -> %s", before, got)
	}
	// 10. An event with DTEND before DTSTART is rejected and reported; the rest applies.
	fs.set(strings.Replace(e.feed([2]int{1, 8}, [2]int{40, 501}, [2]int{20, 22}), "DTEND;VALUE=DATE:"+e.day(22), "DTEND;VALUE=DATE:"+e.day(18), 1))
	res = e.sync(t, f.ID, handlers.SyncOptions{})
	if res.Result != handlers.SyncOK || len(res.Problems) != 1 || !res.Problems[0].Rejected || res.Outcome.Added != 0 {
		t.Fatalf("backwards event: %s %v", res, res.Problems)
	}
	// The cancellation of the stay, confirmed by a second fetch.
	fs.set(e.feed([2]int{40, 501}))
	e.sync(t, f.ID, handlers.SyncOptions{})
	res = e.sync(t, f.ID, handlers.SyncOptions{})
	if res.Outcome.Released != 7 || e.blocks(t, "booking") != "0..1 40..501" {
		t.Fatalf("cancellation: %s / %s", res, e.blocks(t, "booking"))
	}
	if v, ok := e.metric(t, "reservas_ical_syncs_total", map[string]string{"channel": "booking", "result": "failed"}); !ok || v != 3 {
		t.Fatalf("failed syncs counted %v", v)
	}
	// The age series is computed at scrape time from the real clock; the test's clock is a day
	// ahead, so check the timestamp it is computed from.
	if _, ok := e.metric(t, "reservas_ical_feed_seconds_since_success", map[string]string{"channel": "booking", "cabin": "Berta"}); !ok {
		t.Fatal("no seconds-since-success series")
	}
	if v, _ := e.metric(t, "reservas_ical_feed_last_success_timestamp_seconds", map[string]string{"channel": "booking"}); int64(v) != res.Outcome.Status.LastSuccessAt.Unix() {
		t.Fatalf("last success timestamp %v, want %v", v, res.Outcome.Status.LastSuccessAt.Unix())
	}
}

func TestICalConflictAlertsOwnerOnce(t *testing.T) {
	e := newICalEnv(t, false)
	fs := newFeedServer(t)
	f, err := e.s.AddFeed(t.Context(), e.cabin, "airbnb", fs.URL+"/calendar/ical/1.ics?s=x")
	if err != nil {
		t.Fatal(err)
	}
	// A WhatsApp guest holds nights 10..13.
	hold := uuid.NewString()
	if _, err := e.s.Pool.Exec(t.Context(), `INSERT INTO reservations (id, code, accommodation_id, kind, status, check_in,
		check_out, blocked_until, guest_phone, guest_name, expires_at)
		VALUES ($1, 'HOLD42', $2, 'booking', 'pre_reserved', $3, $4, $5, '5491198765432', 'Juana Gómez', now() + interval '1 hour')`,
		hold, e.cabin, e.date(10), e.date(13), e.date(14)); err != nil {
		t.Fatal(err)
	}
	feed := e.feed([2]int{12, 15})
	feed = strings.Replace(feed, "SUMMARY:CLOSED - Not available", "SUMMARY:Reserved", 1)
	fs.set(feed)
	res := e.sync(t, f.ID, handlers.SyncOptions{})
	if res.Outcome.NewConflicts != 1 || e.blocks(t, "airbnb") != "14..15" {
		t.Fatalf("sync: %s / %s", res, e.blocks(t, "airbnb"))
	}
	sent := e.graph.Sent()
	if len(sent) != 1 || sent[0].WaID != icalOwner {
		t.Fatalf("sent %+v", sent)
	}
	msg := sent[0].Text
	for _, want := range []string{"Berta", "Airbnb", "HOLD42", "2 noches", "en espera de pago", e.date(12).Format("02/01")} {
		if !strings.Contains(msg, want) {
			t.Errorf("alert lacks %q: %s", want, msg)
		}
	}
	if strings.Contains(msg, "Juana") || strings.Contains(msg, "98765432") {
		t.Errorf("alert carries guest data: %s", msg)
	}
	// Next syncs: still a conflict, no second message.
	fs.set(feed + "")
	e.sync(t, f.ID, handlers.SyncOptions{Force: true})
	if n := len(e.graph.Sent()); n != 1 {
		t.Fatalf("%d messages after a second sync", n)
	}
	if v, _ := e.metric(t, "reservas_ical_conflicts_total", map[string]string{"channel": "airbnb"}); v != 1 {
		t.Fatalf("conflicts counted %v", v)
	}
	open, err := e.s.ListFeedConflicts(t.Context(), store.ConflictFilter{ReservationID: hold, OpenOnly: true})
	if err != nil || len(open) != 1 || open[0].AlertedAt == nil {
		t.Fatalf("open conflicts: %+v %v", open, err)
	}
}

func TestICalFanoutEnqueuesOncePerPeriodAndAlertsStaleOnce(t *testing.T) {
	e := newICalEnv(t, true)
	fs := newFeedServer(t)
	fs.set(e.feed([2]int{3, 5}))
	var ids []int64
	for _, ch := range []string{"airbnb", "booking"} {
		f, err := e.s.AddFeed(t.Context(), e.cabin, ch, fs.URL+"/"+ch)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, f.ID)
	}
	off, err := e.s.AddFeed(t.Context(), e.cabin, "vrbo", fs.URL+"/vrbo")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.UpdateFeed(t.Context(), off.ID, off.URL, false); err != nil {
		t.Fatal(err)
	}
	// Two fan-outs in one period (a second scheduler, a redelivery) enqueue each feed once.
	for i := 0; i < 2; i++ {
		if err := e.d.HandleICalFanout(t.Context(), asynq.NewTask(tasks.TypeICalFanout, nil)); err != nil {
			t.Fatal(err)
		}
	}
	insp := asynq.NewInspector(asynq.RedisClientOpt{Addr: e.d.Redis.Options().Addr, DB: e.d.Redis.Options().DB})
	defer insp.Close()
	pending, err := insp.ListPendingTasks(tasks.QueueLow)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 2 {
		t.Fatalf("pending %d tasks, want one per enabled feed", len(pending))
	}
	// The sync task handler does the work.
	for _, p := range pending {
		if err := e.d.HandleICalSync(t.Context(), asynq.NewTask(p.Type, p.Payload)); err != nil {
			t.Fatal(err)
		}
	}
	// Next period: enqueued again.
	e.clock.Add(5 * time.Minute)
	n, err := e.d.EnqueueICalSyncs(t.Context(), e.clock.Now().Truncate(5*time.Minute))
	if err != nil || n != 2 {
		t.Fatalf("new period enqueued %d: %v", n, err)
	}
	// 16 minutes without a good sync: the owner hears about it once per feed.
	fs.fail(http.StatusBadGateway)
	e.clock.Add(16 * time.Minute)
	for i := 0; i < 2; i++ {
		if err := e.d.HandleICalFanout(t.Context(), asynq.NewTask(tasks.TypeICalFanout, nil)); err != nil {
			t.Fatal(err)
		}
	}
	sent := e.graph.Sent()
	var stale []string
	for _, m := range sent {
		if strings.Contains(m.Text, "no se sincroniza") || strings.Contains(m.Text, "nunca se sincronizó") {
			stale = append(stale, m.Text)
		}
	}
	if len(stale) != 2 {
		t.Fatalf("stale alerts %d: %v", len(stale), stale)
	}
	// A good sync clears it and tells the owner.
	fs.set(e.feed([2]int{3, 5}))
	res := e.sync(t, ids[0], handlers.SyncOptions{})
	if !res.Outcome.Recovered {
		t.Fatalf("recovery: %s", res)
	}
	if last := e.graph.Sent(); !strings.Contains(last[len(last)-1].Text, "volvió a sincronizar") {
		t.Fatalf("no recovery notice: %+v", last[len(last)-1])
	}
}

func TestSyncCabinFeedsIsBounded(t *testing.T) {
	e := newICalEnv(t, false)
	fast, slow := newFeedServer(t), newFeedServer(t)
	fast.set(e.feed([2]int{2, 4}))
	slow.mu.Lock()
	slow.hang = 10 * time.Second
	slow.mu.Unlock()
	if _, err := e.s.AddFeed(t.Context(), e.cabin, "airbnb", fast.URL); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.AddFeed(t.Context(), e.cabin, "booking", slow.URL); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err := e.d.SyncCabinFeeds(context.Background(), e.cabin, 500*time.Millisecond)
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "booking") {
		t.Fatalf("err = %v", err)
	}
	if took > 5*time.Second {
		t.Fatalf("took %v", took)
	}
	if e.blocks(t, "airbnb") != "2..4" {
		t.Fatalf("fast feed not applied: %s", e.blocks(t, "airbnb"))
	}
}
