package handlers_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/reservas/reservas/handlers"
	"github.com/reservas/reservas/handlers/ical"
	"github.com/reservas/reservas/store/storetest"
)

// BenchmarkICalSync1000Feeds syncs 1,000 feeds (250 cabins x 4 channels) from a local server
// with realistic bodies: Airbnb-like (9 events, a 205-night window block) and Booking.com-like
// (3 events, a 500-night horizon block). 8 syncs run at once, like a worker.
//
//	first:     the first sync of every feed (claims and blocks inserted)
//	steady:    a 200 with a new DTSTAMP and the same nights (parse, reconcile, no change)
//	unchanged: a 304
func BenchmarkICalSync1000Feeds(b *testing.B) {
	const cabins, concurrency = 250, 8
	channels := []string{"airbnb", "booking", "vrbo", "expedia"}
	s := storetest.NewStore(b)
	ctx := b.Context()
	ba, _ := time.LoadLocation("America/Argentina/Buenos_Aires")
	now := time.Now()
	base := ical.Today(now, ba)
	day := func(n int) string { return base.AddDate(0, 0, n).Format("20060102") }

	var stamp atomic.Int64
	airbnb := func(seed int) string {
		var bld strings.Builder
		bld.WriteString("BEGIN:VCALENDAR\r\nPRODID:-//Airbnb Inc//Hosting Calendar 1.0//EN\r\nCALSCALE:GREGORIAN\r\nVERSION:2.0\r\n")
		ev := func(i, s, e int, summary string) {
			fmt.Fprintf(&bld, "BEGIN:VEVENT\r\nDTSTAMP:%s\r\nDTSTART;VALUE=DATE:%s\r\nDTEND;VALUE=DATE:%s\r\nSUMMARY:%s\r\nUID:1418fb94e984-%032x@airbnb.com\r\n",
				time.Unix(stamp.Load(), 0).UTC().Format("20060102T150405Z"), day(s), day(e), summary, seed*100+i)
			if summary == "Reserved" {
				bld.WriteString("DESCRIPTION:Reservation URL: https://www.airbnb.com/hosting/reservations/de\r\n tails/HMREDACT01\\nPhone Number (Last 4 Digits): 0000\r\n")
			}
			bld.WriteString("END:VEVENT\r\n")
		}
		o := seed % 7
		for i, sp := range [][2]int{{o + 1, o + 3}, {o + 3, o + 5}, {o + 5, o + 6}, {o + 10, o + 12}, {o + 13, o + 15}, {o + 60, o + 62}} {
			ev(i, sp[0], sp[1], "Reserved")
		}
		ev(6, o+12, o+13, "Airbnb (Not available)")
		ev(7, o+30, o+31, "Airbnb (Not available)")
		ev(8, 160, 365, "Airbnb (Not available)")
		bld.WriteString("END:VCALENDAR\r\n")
		return bld.String()
	}
	booking := func(seed int) string {
		var bld strings.Builder
		bld.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//admin.booking.com\\\\\\, b.v.//NONSGML v1.0//EN\r\nCALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n")
		o := seed % 5
		for i, sp := range [][2]int{{o + 20, o + 23}, {o + 40, o + 41}, {70, 570}} {
			fmt.Fprintf(&bld, "BEGIN:VEVENT\r\nDTSTAMP:%s\r\nDTSTART;VALUE=DATE:%s\r\nDTEND;VALUE=DATE:%s\r\nUID:%032x@booking.com\r\nSUMMARY:CLOSED - Not available\r\nEND:VEVENT\r\n",
				time.Unix(stamp.Load(), 0).UTC().Format("20060102T150405Z"), day(sp[0]), day(sp[1]), seed*10+i)
		}
		bld.WriteString("END:VCALENDAR\r\n")
		return bld.String()
	}
	var notModified atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// /feed/<channel>/<seed>
		parts := strings.Split(r.URL.Path, "/")
		seed, _ := strconv.Atoi(parts[3])
		if notModified.Load() && r.Header.Get("If-None-Match") != "" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		if notModified.Load() {
			w.Header().Set("ETag", `"v1"`)
		}
		if parts[2] == "airbnb" || parts[2] == "vrbo" {
			_, _ = w.Write([]byte(airbnb(seed)))
			return
		}
		_, _ = w.Write([]byte(booking(seed)))
	}))
	defer srv.Close()

	var feeds []int64
	for c := 0; c < cabins; c++ {
		var id int64
		if err := s.Pool.QueryRow(ctx, `INSERT INTO accommodations (name, capacity, nightly_rate_cents) VALUES ($1, 4, 100) RETURNING id`,
			fmt.Sprintf("Cabaña %03d", c)).Scan(&id); err != nil {
			b.Fatal(err)
		}
		for _, ch := range channels {
			f, err := s.AddFeed(ctx, id, ch, fmt.Sprintf("%s/feed/%s/%d", srv.URL, ch, c))
			if err != nil {
				b.Fatal(err)
			}
			feeds = append(feeds, f.ID)
		}
	}
	d := &handlers.Deps{
		Config: handlers.Config{BusinessTZ: ba, ICalSyncEvery: 5 * time.Minute},
		Store:  s, Log: zerolog.Nop(),
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency}}
	syncAll := func(b *testing.B) {
		var next atomic.Int64
		var wg sync.WaitGroup
		var failed atomic.Int64
		for w := 0; w < concurrency; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := next.Add(1) - 1
					if int(i) >= len(feeds) {
						return
					}
					res, err := d.SyncFeed(ctx, feeds[i], handlers.SyncOptions{HTTPClient: client})
					if err != nil || (res.Result != handlers.SyncOK && res.Result != handlers.SyncUnchanged) {
						failed.Add(1)
						if failed.Load() == 1 {
							b.Errorf("feed %d: %v %s", feeds[i], err, res)
						}
					}
				}
			}()
		}
		wg.Wait()
	}
	reset := func(b *testing.B) {
		b.Helper()
		if _, err := s.Pool.Exec(ctx, `DELETE FROM ical_feed_nights`); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Pool.Exec(ctx, `DELETE FROM reservations WHERE kind = 'imported_block'`); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Pool.Exec(ctx, `UPDATE ical_feeds SET etag = '', last_modified = ''`); err != nil {
			b.Fatal(err)
		}
	}
	report := func(b *testing.B) {
		perIter := b.Elapsed().Seconds() / float64(b.N)
		b.ReportMetric(perIter, "s/1000feeds")
		b.ReportMetric(float64(len(feeds))/perIter, "feeds/s")
		b.ReportMetric(0, "ns/op")
	}

	b.Run("first", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			reset(b)
			b.StartTimer()
			syncAll(b)
		}
		report(b)
	})
	b.Run("steady", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			stamp.Add(60)
			syncAll(b)
		}
		report(b)
	})
	b.Run("unchanged", func(b *testing.B) {
		notModified.Store(true)
		syncAll(b) // learn the ETag
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			syncAll(b)
		}
		report(b)
	})
	var n int
	if err := s.Pool.QueryRow(ctx, `SELECT count(*) FROM ical_feed_nights`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	var blocks int
	if err := s.Pool.QueryRow(ctx, `SELECT count(*) FROM reservations WHERE kind = 'imported_block' AND active`).Scan(&blocks); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d feeds, %d claimed nights, %d active imported blocks", len(feeds), n, blocks)
}
