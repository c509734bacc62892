package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/reservas/reservas/handlers/ical"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/store/storetest"
)

var fdTZ = fdZone("America/Argentina/Buenos_Aires")

func fdZone(name string) *time.Location {
	z, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return z
}

func fdDay(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// at is noon of a date in Buenos Aires.
func fdAt(s string) time.Time { return fdDay(s).Add(15 * time.Hour) }

func fdCabin(t *testing.T, s *store.Store, name string, buffer int) int64 {
	t.Helper()
	var id int64
	if err := s.Pool.QueryRow(t.Context(), `INSERT INTO accommodations (name, capacity, nightly_rate_cents, buffer_days)
		VALUES ($1, 4, 5000000, $2) RETURNING id`, name, buffer).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// addBooking inserts a guest's stay directly (kind booking), with the cabin's buffer after it.
func fdBooking(t *testing.T, s *store.Store, cabin int64, status, in, out string, buffer int) string {
	t.Helper()
	id := uuid.NewString()
	var expires *time.Time
	if status == "pre_reserved" {
		e := fdAt(in).Add(-24 * time.Hour)
		expires = &e
	}
	_, err := s.Pool.Exec(t.Context(), `INSERT INTO reservations (id, code, accommodation_id, kind, status, check_in,
		check_out, blocked_until, guest_phone, guest_name, expires_at)
		VALUES ($1, $2, $3, 'booking', $4, $5, $6, $7, '5491112345678', 'Juan Pérez', $8)`,
		id, "T"+strings.ToUpper(id[:6]), cabin, status, fdDay(in), fdDay(out), fdDay(out).AddDate(0, 0, buffer), expires)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func fdManualBlock(t *testing.T, s *store.Store, cabin int64, in, out string) string {
	t.Helper()
	id := uuid.NewString()
	if _, err := s.Pool.Exec(t.Context(), `INSERT INTO reservations (id, code, accommodation_id, kind, status, check_in,
		check_out, blocked_until, source) VALUES ($1, $2, $3, 'manual_block', 'confirmed', $4, $5, $5, 'owner')`,
		id, "M"+strings.ToUpper(id[:6]), cabin, fdDay(in), fdDay(out)); err != nil {
		t.Fatal(err)
	}
	return id
}

// sync applies one fetch through ical.Reconcile, the way the worker does.
func fdSync(t *testing.T, s *store.Store, feedID int64, now time.Time, events ...ical.Event) store.FeedSyncOutcome {
	t.Helper()
	out, err := s.ApplyFeedSync(t.Context(), store.FeedSync{FeedID: feedID, Now: now}, fdPlan(events, false))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func fdPlan(events []ical.Event, unchanged bool) store.FeedPlanFunc {
	return func(today time.Time, claims []store.FeedClaim) (store.FeedClaimChanges, error) {
		in := ical.Input{Today: today, Events: events, Unchanged: unchanged}
		for _, c := range claims {
			in.Claims = append(in.Claims, ical.Claim{Night: c.Night, Reserved: c.Reserved, Missing: c.Missing})
		}
		p := ical.Reconcile(in, ical.DefaultPolicy())
		ch := store.FeedClaimChanges{Release: p.Release, Forget: p.Forget, Suspect: p.Suspect, EventCount: len(events)}
		for _, c := range p.Add {
			ch.Add = append(ch.Add, store.FeedClaim{Night: c.Night, Reserved: c.Reserved})
		}
		for _, c := range p.Update {
			ch.Update = append(ch.Update, store.FeedClaim{Night: c.Night, Reserved: c.Reserved, Missing: c.Missing})
		}
		for _, e := range events {
			if !e.Reserved {
				ch.ClosedRanges = append(ch.ClosedRanges, store.FeedRange{Start: e.Start, End: e.End})
			}
		}
		return ch, nil
	}
}

func fdEv(start, end string) ical.Event { return ical.Event{Start: fdDay(start), End: fdDay(end)} }

func fdReserved(start, end string) ical.Event {
	return ical.Event{Start: fdDay(start), End: fdDay(end), Reserved: true}
}

// blocks renders a (cabin, channel)'s active imported blocks as "start..end" (check_out).
func fdBlocks(t *testing.T, s *store.Store, cabin int64, channel string) string {
	t.Helper()
	bs, err := s.FeedBlocks(t.Context(), cabin, channel, true)
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, b := range bs {
		if !b.BlockedUntil.Equal(b.CheckOut) {
			t.Errorf("imported block %s has a buffer: blocked until %v, checkout %v", b.Code, b.BlockedUntil, b.CheckOut)
		}
		parts = append(parts, b.CheckIn.Format("2006-01-02")+".."+b.CheckOut.Format("2006-01-02"))
	}
	return strings.Join(parts, " ")
}

func fdBlockIDs(t *testing.T, s *store.Store, cabin int64, channel string) []string {
	t.Helper()
	bs, err := s.FeedBlocks(t.Context(), cabin, channel, true)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, b := range bs {
		ids = append(ids, b.ID)
	}
	return ids
}

func fdFeed(t *testing.T, s *store.Store, cabin int64, channel string) store.Feed {
	t.Helper()
	f, err := s.AddFeed(t.Context(), cabin, channel, "https://example.test/"+channel+".ics?t=secret")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFeedsAddListExports(t *testing.T) {
	s := storetest.NewStore(t)
	ctx := t.Context()
	berta := fdCabin(t, s, "Cabaña Berta", 0)
	fdCabin(t, s, "Cabaña Alba", 0)

	c, err := s.FindFeedCabin(ctx, "cabaña berta")
	if err != nil || c.ID != berta || c.TimeZone != "America/Argentina/Buenos_Aires" {
		t.Fatalf("FindFeedCabin: %+v %v", c, err)
	}
	if _, err := s.FindFeedCabin(ctx, "Nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown cabin: %v", err)
	}
	f, err := s.AddFeed(ctx, berta, " Airbnb ", "webcal://www.airbnb.com/calendar/ical/1.ics?s=abc")
	if err != nil {
		t.Fatal(err)
	}
	if f.Channel != "airbnb" || f.URL != "https://www.airbnb.com/calendar/ical/1.ics?s=abc" || !f.Enabled ||
		f.Status.LastResult != "new" || f.CabinName != "Cabaña Berta" {
		t.Fatalf("feed: %+v", f)
	}
	if _, err := s.AddFeed(ctx, berta, "airbnb", "https://other.test/x.ics"); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("second airbnb feed: %v", err)
	}
	for _, bad := range []string{"ftp://x/y", "not a url", ""} {
		if _, err := s.AddFeed(ctx, berta, "vrbo", bad); err == nil {
			t.Errorf("AddFeed accepted URL %q", bad)
		}
	}
	if _, err := s.AddFeed(ctx, berta, "no spaces allowed", "https://x.test/a.ics"); err == nil {
		t.Error("AddFeed accepted a bad channel")
	}
	fdFeed(t, s, berta, "booking")

	exports, err := s.ListFeedExports(ctx, berta)
	if err != nil || len(exports) != 2 || exports[0].Channel != "airbnb" || exports[1].Channel != "booking" {
		t.Fatalf("exports: %+v %v", exports, err)
	}
	tok := exports[0].Token
	if len(tok) != 43 || !store.ValidExportToken(tok) || exports[0].Token == exports[1].Token {
		t.Fatalf("token %q", tok)
	}
	if got := exports[0].URL("https://reservas.example/"); got != "https://reservas.example/ical/"+tok+".ics" {
		t.Fatalf("URL %q", got)
	}
	byTok, err := s.FeedExportByToken(ctx, tok)
	if err != nil || byTok.AccommodationID != berta || byTok.Channel != "airbnb" {
		t.Fatalf("by token: %+v %v", byTok, err)
	}
	// Ensure is idempotent; rotate replaces the token and the old one stops working.
	again, err := s.EnsureFeedExport(ctx, berta, "airbnb")
	if err != nil || again.Token != tok {
		t.Fatalf("ensure: %+v %v", again, err)
	}
	rot, err := s.RotateFeedExport(ctx, berta, "airbnb", fdAt("2025-11-01"))
	if err != nil || rot.Token == tok || rot.RotatedAt == nil || rot.ID != byTok.ID {
		t.Fatalf("rotate: %+v %v", rot, err)
	}
	if _, err := s.FeedExportByToken(ctx, tok); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("old token: %v", err)
	}
	if _, err := s.FeedExportByToken(ctx, "short"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("junk token: %v", err)
	}
	vrbo, err := s.EnsureFeedExport(ctx, berta, "vrbo")
	if err != nil || vrbo.Channel != "vrbo" {
		t.Fatalf("export without a feed: %+v %v", vrbo, err)
	}

	feeds, err := s.ListFeeds(ctx, store.FeedFilter{})
	if err != nil || len(feeds) != 2 {
		t.Fatalf("list: %v %v", feeds, err)
	}
	upd, err := s.UpdateFeed(ctx, f.ID, "https://www.airbnb.com/calendar/ical/2.ics", false)
	if err != nil || upd.Enabled || !strings.HasSuffix(upd.URL, "/2.ics") {
		t.Fatalf("update: %+v %v", upd, err)
	}
	enabled, err := s.ListFeeds(ctx, store.FeedFilter{AccommodationID: berta, EnabledOnly: true})
	if err != nil || len(enabled) != 1 || enabled[0].Channel != "booking" {
		t.Fatalf("enabled only: %+v %v", enabled, err)
	}
}

func TestFeedSyncAirbnbSampleBecomesBlocks(t *testing.T) {
	s := storetest.NewStore(t)
	cabin := fdCabin(t, s, "Berta", 1) // the cabin's buffer must not be added to imported blocks
	f := fdFeed(t, s, cabin, "airbnb")
	data, err := os.ReadFile("../handlers/ical/testdata/airbnb-2025-10_hosting-calendar-1.0.ics")
	if err != nil {
		t.Fatal(err)
	}
	cal, err := ical.Parse(data, fdTZ)
	if err != nil {
		t.Fatal(err)
	}
	// Fetched on 22 Oct 2025 at 19:54 in Buenos Aires (DTSTAMP 22:54Z).
	now := time.Date(2025, 10, 22, 22, 54, 40, 0, time.UTC)
	out := fdSync(t, s, f.ID, now, cal.Events...)
	// 20-22 Oct is past; 22-24 and 24-25 touch; 30 Oct-1 Nov, the orphan night and 2-4 Nov touch.
	want := "2025-10-22..2025-10-25 2025-10-30..2025-11-04 2025-11-15..2025-11-16 2025-12-24..2025-12-26 2026-04-01..2026-10-23"
	if got := fdBlocks(t, s, cabin, "airbnb"); got != want {
		t.Fatalf("blocks\n got %s\nwant %s", got, want)
	}
	if out.BlocksInserted != 5 || out.Added != 3+5+1+2+205 || out.Suspect != "" || !out.Status.Healthy ||
		out.Status.LastResult != "ok" || out.Status.EventCount != 9 || out.Status.LastSuccessAt == nil {
		t.Fatalf("outcome %+v", out)
	}
	// The same feed an hour later changes nothing.
	ids := fdBlockIDs(t, s, cabin, "airbnb")
	out = fdSync(t, s, f.ID, now.Add(time.Hour), cal.Events...)
	if out.Added+out.Released+out.BlocksInserted+out.BlocksUpdated+out.BlocksReleased != 0 {
		t.Fatalf("refetch changed things: %+v", out)
	}
	if fmt.Sprint(fdBlockIDs(t, s, cabin, "airbnb")) != fmt.Sprint(ids) {
		t.Fatal("block ids changed")
	}
}

func TestFeedSyncBookingGrowsMergesAndReissuesInPlace(t *testing.T) {
	s := storetest.NewStore(t)
	cabin := fdCabin(t, s, "Berta", 0)
	f := fdFeed(t, s, cabin, "booking")
	fdSync(t, s, f.ID, fdAt("2025-11-18"), fdEv("2025-11-22", "2025-11-23"), fdEv("2025-11-24", "2025-11-26"), fdEv("2026-01-02", "2027-05-18"))
	if got := fdBlocks(t, s, cabin, "booking"); got != "2025-11-22..2025-11-23 2025-11-24..2025-11-26 2026-01-02..2027-05-18" {
		t.Fatalf("t0 %s", got)
	}
	ids := fdBlockIDs(t, s, cabin, "booking")
	// The gap night fills: Booking.com merges into one event. One block grows, none is released.
	out := fdSync(t, s, f.ID, fdAt("2025-11-18").Add(time.Hour), fdEv("2025-11-22", "2025-11-26"), fdEv("2026-01-02", "2027-05-18"))
	if out.BlocksReleased != 0 || out.Released != 0 || out.BlocksUpdated != 1 || out.BlocksInserted != 0 {
		t.Fatalf("merge: %+v", out)
	}
	if got := fdBlocks(t, s, cabin, "booking"); got != "2025-11-22..2025-11-24 2025-11-24..2025-11-26 2026-01-02..2027-05-18" {
		t.Fatalf("t1 %s", got)
	}
	// Next day, after local midnight: the in-house stay is re-issued from today with a new UID,
	// and the horizon block grows by a day with its UID. Rows change in place.
	out = fdSync(t, s, f.ID, fdAt("2025-11-23"), fdEv("2025-11-23", "2025-11-26"), fdEv("2026-01-02", "2027-05-19"))
	if out.BlocksReleased != 0 || out.Released != 0 || out.BlocksInserted != 0 || out.BlocksUpdated != 1 {
		t.Fatalf("reissue: %+v", out)
	}
	if got := fdBlocks(t, s, cabin, "booking"); got != "2025-11-22..2025-11-24 2025-11-24..2025-11-26 2026-01-02..2027-05-19" {
		t.Fatalf("t2 %s", got)
	}
	if fmt.Sprint(fdBlockIDs(t, s, cabin, "booking")) != fmt.Sprint(ids) {
		t.Fatal("rows were replaced instead of changed in place")
	}
}

func TestFeedSyncReleasesOnlyAfterTwoFetches(t *testing.T) {
	s := storetest.NewStore(t)
	cabin := fdCabin(t, s, "Berta", 0)
	f := fdFeed(t, s, cabin, "airbnb")
	horizon := fdEv("2026-04-01", "2026-10-23")
	fdSync(t, s, f.ID, fdAt("2025-11-01"), fdReserved("2025-11-10", "2025-11-15"), fdReserved("2025-11-20", "2025-11-22"), horizon)
	// The guest shortens the first stay by two nights and cancels the second.
	out := fdSync(t, s, f.ID, fdAt("2025-11-01"), fdReserved("2025-11-10", "2025-11-13"), horizon)
	if out.Released != 0 || out.Pending != 4 || out.BlocksReleased != 0 || out.Status.PendingCount != 4 {
		t.Fatalf("first: %+v", out)
	}
	if got := fdBlocks(t, s, cabin, "airbnb"); got != "2025-11-10..2025-11-15 2025-11-20..2025-11-22 2026-04-01..2026-10-23" {
		t.Fatalf("nothing may be released yet: %s", got)
	}
	out = fdSync(t, s, f.ID, fdAt("2025-11-01"), fdReserved("2025-11-10", "2025-11-13"), horizon)
	if out.Released != 4 || out.Pending != 0 || out.BlocksReleased != 1 || out.BlocksUpdated != 1 {
		t.Fatalf("second: %+v", out)
	}
	if got := fdBlocks(t, s, cabin, "airbnb"); got != "2025-11-10..2025-11-13 2026-04-01..2026-10-23" {
		t.Fatalf("after release: %s", got)
	}
	all, err := s.FeedBlocks(t.Context(), cabin, "airbnb", false)
	if err != nil || len(all) != 3 || all[2].Status != "released" {
		t.Fatalf("released row kept as history: %+v %v", all, err)
	}
}

func TestFeedSyncSuspectFetchReleasesNothing(t *testing.T) {
	s := storetest.NewStore(t)
	cabin := fdCabin(t, s, "Berta", 0)
	f := fdFeed(t, s, cabin, "booking")
	fdSync(t, s, f.ID, fdAt("2025-11-18"), fdEv("2025-11-22", "2025-11-23"), fdEv("2026-01-02", "2027-05-18"))
	before := fdBlocks(t, s, cabin, "booking")
	out, err := s.ApplyFeedSync(t.Context(), store.FeedSync{FeedID: f.ID, Now: fdAt("2025-11-18").Add(time.Minute), ETag: `"x"`}, fdPlan(nil, false))
	if err != nil {
		t.Fatal(err)
	}
	if out.Suspect == "" || out.Status.Healthy || out.Status.LastResult != "suspect" || out.Status.LastError == "" {
		t.Fatalf("empty fetch: %+v", out)
	}
	if !out.Status.LastSuccessAt.Equal(fdAt("2025-11-18")) {
		t.Fatalf("a suspect fetch counted as a good sync: %v", out.Status.LastSuccessAt)
	}
	if got := fdBlocks(t, s, cabin, "booking"); got != before {
		t.Fatalf("blocks changed: %s", got)
	}
	fd, _ := s.GetFeed(t.Context(), f.ID)
	if fd.ETag != "" {
		t.Fatalf("validators of a suspect fetch were stored: %q", fd.ETag)
	}
	// A failed fetch: status only.
	st, err := s.RecordFeedFailure(t.Context(), f.ID, fdAt("2025-11-18").Add(2*time.Minute), "ical: feed answered HTTP 500")
	if err != nil || st.Healthy || st.LastResult != "failed" || st.LastError != "ical: feed answered HTTP 500" {
		t.Fatalf("failure: %+v %v", st, err)
	}
	// Recovery.
	out = fdSync(t, s, f.ID, fdAt("2025-11-18").Add(3*time.Minute), fdEv("2025-11-22", "2025-11-23"), fdEv("2026-01-02", "2027-05-18"))
	if !out.Status.Healthy || out.Status.LastError != "" || out.Status.LastResult != "ok" {
		t.Fatalf("recovery: %+v", out.Status)
	}
}

func TestFeedSyncConflictWithGuestBooking(t *testing.T) {
	s := storetest.NewStore(t)
	ctx := t.Context()
	cabin := fdCabin(t, s, "Berta", 1)
	f := fdFeed(t, s, cabin, "airbnb")
	// A WhatsApp guest confirmed 10-13 Dec (turnover night 13 blocked by the buffer); another
	// holds 20-22 Dec.
	booked := fdBooking(t, s, cabin, "confirmed", "2025-12-10", "2025-12-13", 1)
	held := fdBooking(t, s, cabin, "pre_reserved", "2025-12-20", "2025-12-22", 1)
	// Airbnb sold 12-15 Dec (overlaps the stay and the turnover night) and 18-20 Dec (ends
	// exactly where the hold starts: no conflict), and closes 21 Dec (inside the hold).
	out := fdSync(t, s, f.ID, fdAt("2025-12-01"), fdReserved("2025-12-12", "2025-12-15"), fdReserved("2025-12-18", "2025-12-20"), fdEv("2025-12-21", "2025-12-22"))
	if out.NewConflicts != 2 || out.OpenConflicts != 2 {
		t.Fatalf("outcome %+v", out)
	}
	// Only the free nights became blocks: never double-booked.
	if got := fdBlocks(t, s, cabin, "airbnb"); got != "2025-12-14..2025-12-15 2025-12-18..2025-12-20" {
		t.Fatalf("blocks %s", got)
	}
	cs, err := s.ClaimFeedConflictAlerts(ctx, f.ID, fdAt("2025-12-01"))
	if err != nil || len(cs) != 2 {
		t.Fatalf("claim alerts: %+v %v", cs, err)
	}
	c := cs[0]
	if c.ReservationID != booked || c.FirstNight != fdDay("2025-12-12") || c.EndNight != fdDay("2025-12-14") ||
		c.NightCount != 2 || !c.Reserved || c.LikelyEcho || c.ReservationStatus != "confirmed" || c.CabinName != "Berta" || c.Channel != "airbnb" {
		t.Fatalf("conflict %+v", c)
	}
	if cs[1].ReservationID != held || cs[1].Reserved || cs[1].NightCount != 1 || cs[1].ReservationStatus != "pre_reserved" {
		t.Fatalf("hold conflict %+v", cs[1])
	}
	// Claimed once: the next sync sends nothing new.
	fdSync(t, s, f.ID, fdAt("2025-12-01").Add(5*time.Minute), fdReserved("2025-12-12", "2025-12-15"), fdReserved("2025-12-18", "2025-12-20"), fdEv("2025-12-21", "2025-12-22"))
	if again, _ := s.ClaimFeedConflictAlerts(ctx, f.ID, fdAt("2025-12-01")); len(again) != 0 {
		t.Fatalf("alert claimed twice: %+v", again)
	}
	// An unsent alert is given back.
	if err := s.UnclaimFeedConflictAlert(ctx, cs[1].ID); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.ClaimFeedConflictAlerts(ctx, f.ID, fdAt("2025-12-01")); len(again) != 1 || again[0].ID != cs[1].ID {
		t.Fatalf("unclaimed alert: %+v", again)
	}
	// The hold expires: its night becomes an imported block at once, and its conflict ends.
	if _, err := s.Pool.Exec(ctx, `UPDATE reservations SET status = 'expired' WHERE id = $1`, held); err != nil {
		t.Fatal(err)
	}
	if err := s.MaterializeFeedClaims(ctx, cabin, fdAt("2025-12-01").Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := fdBlocks(t, s, cabin, "airbnb"); got != "2025-12-14..2025-12-15 2025-12-18..2025-12-20 2025-12-21..2025-12-22" {
		t.Fatalf("after expiry %s", got)
	}
	open, err := s.ListFeedConflicts(ctx, store.ConflictFilter{AccommodationID: cabin, OpenOnly: true})
	if err != nil || len(open) != 1 || open[0].ReservationID != booked {
		t.Fatalf("open conflicts %+v %v", open, err)
	}
	// Airbnb's guest cancels: after two fetches the claim goes and the conflict is resolved.
	fdSync(t, s, f.ID, fdAt("2025-12-02"), fdReserved("2025-12-18", "2025-12-20"), fdEv("2025-12-21", "2025-12-22"))
	fdSync(t, s, f.ID, fdAt("2025-12-02"), fdReserved("2025-12-18", "2025-12-20"), fdEv("2025-12-21", "2025-12-22"))
	mine, err := s.ListFeedConflicts(ctx, store.ConflictFilter{ReservationID: booked})
	if err != nil || len(mine) != 1 || mine[0].ResolvedAt == nil {
		t.Fatalf("resolved %+v %v", mine, err)
	}
}

func TestFeedSyncEchoOfOwnExportIsFlagged(t *testing.T) {
	s := storetest.NewStore(t)
	cabin := fdCabin(t, s, "Berta", 1)
	f := fdFeed(t, s, cabin, "booking")
	fdBooking(t, s, cabin, "confirmed", "2025-12-10", "2025-12-13", 1)
	// Booking.com re-exports the occupancy we exported to it (10-14 with the turnover night).
	out := fdSync(t, s, f.ID, fdAt("2025-12-01"), fdEv("2025-12-10", "2025-12-14"))
	if out.NewConflicts != 1 {
		t.Fatalf("outcome %+v", out)
	}
	cs, _ := s.ListFeedConflicts(t.Context(), store.ConflictFilter{AccommodationID: cabin})
	if len(cs) != 1 || !cs[0].LikelyEcho || cs[0].NightCount != 4 {
		t.Fatalf("conflicts %+v", cs)
	}
}

func TestFeedSyncWaitsUnderManualAndOtherChannelBlocks(t *testing.T) {
	s := storetest.NewStore(t)
	ctx := t.Context()
	cabin := fdCabin(t, s, "Berta", 0)
	air := fdFeed(t, s, cabin, "airbnb")
	bkg := fdFeed(t, s, cabin, "booking")
	manual := fdManualBlock(t, s, cabin, "2025-12-01", "2025-12-05")
	fdSync(t, s, bkg.ID, fdAt("2025-11-20"), fdEv("2025-12-10", "2025-12-15"))
	// Airbnb mirrors both: nothing to add there, and no conflict either.
	out := fdSync(t, s, air.ID, fdAt("2025-11-20"), fdEv("2025-12-01", "2025-12-05"), fdEv("2025-12-10", "2025-12-16"))
	if out.NewConflicts != 0 || out.BlocksInserted != 1 {
		t.Fatalf("outcome %+v", out)
	}
	if got := fdBlocks(t, s, cabin, "airbnb"); got != "2025-12-15..2025-12-16" {
		t.Fatalf("airbnb blocks %s", got)
	}
	// The owner lifts the manual block: Airbnb still claims those nights, so they stay blocked.
	if _, err := s.Pool.Exec(ctx, `UPDATE reservations SET status = 'released' WHERE id = $1`, manual); err != nil {
		t.Fatal(err)
	}
	if err := s.MaterializeFeedClaims(ctx, cabin, fdAt("2025-11-20")); err != nil {
		t.Fatal(err)
	}
	if got := fdBlocks(t, s, cabin, "airbnb"); got != "2025-12-01..2025-12-05 2025-12-15..2025-12-16" {
		t.Fatalf("after lifting %s", got)
	}
	// Booking.com frees its nights (two fetches): Airbnb's claim takes them over.
	fdSync(t, s, bkg.ID, fdAt("2025-11-21"), fdEv("2026-06-01", "2026-06-02"))
	fdSync(t, s, bkg.ID, fdAt("2025-11-21"), fdEv("2026-06-01", "2026-06-02"))
	fdSync(t, s, air.ID, fdAt("2025-11-21"), fdEv("2025-12-01", "2025-12-05"), fdEv("2025-12-10", "2025-12-16"))
	if got := fdBlocks(t, s, cabin, "airbnb"); got != "2025-12-01..2025-12-05 2025-12-10..2025-12-15 2025-12-15..2025-12-16" &&
		got != "2025-12-01..2025-12-05 2025-12-10..2025-12-16" {
		t.Fatalf("takeover %s", got)
	}
}

func TestFeedExportOccupancies(t *testing.T) {
	s := storetest.NewStore(t)
	ctx := t.Context()
	cabin := fdCabin(t, s, "Berta", 1)
	air := fdFeed(t, s, cabin, "airbnb")
	bkg := fdFeed(t, s, cabin, "booking")
	fdBooking(t, s, cabin, "confirmed", "2025-12-10", "2025-12-13", 1)
	fdBooking(t, s, cabin, "pre_reserved", "2025-12-20", "2025-12-22", 1)
	fdManualBlock(t, s, cabin, "2026-01-05", "2026-01-07")
	cancelled := fdBooking(t, s, cabin, "confirmed", "2026-02-01", "2026-02-03", 1)
	if _, err := s.Pool.Exec(ctx, `UPDATE reservations SET status = 'cancelled' WHERE id = $1`, cancelled); err != nil {
		t.Fatal(err)
	}
	fdSync(t, s, air.ID, fdAt("2025-12-01"), fdReserved("2026-03-01", "2026-03-04"))
	fdSync(t, s, bkg.ID, fdAt("2025-12-01"), fdEv("2026-04-01", "2026-04-02"))
	show := func(channel string) string {
		occ, err := s.ExportOccupancies(ctx, cabin, channel, fdDay("2025-12-01"), fdDay("2027-12-01"))
		if err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, o := range occ {
			parts = append(parts, fmt.Sprintf("%s:%s..%s", o.Kind, o.Start.Format("01-02"), o.End.Format("01-02")))
		}
		return strings.Join(parts, " ")
	}
	if got := show("airbnb"); got != "booking:12-10..12-14 booking:12-20..12-23 manual_block:01-05..01-07 imported_block:04-01..04-02" {
		t.Fatalf("airbnb export %s", got)
	}
	if got := show("booking"); got != "booking:12-10..12-14 booking:12-20..12-23 manual_block:01-05..01-07 imported_block:03-01..03-04" {
		t.Fatalf("booking export %s", got)
	}
	if got := show("vrbo"); !strings.Contains(got, "03-01..03-04") || !strings.Contains(got, "04-01..04-02") {
		t.Fatalf("vrbo export %s", got)
	}
	exp, _ := s.EnsureFeedExport(ctx, cabin, "airbnb")
	t1, err := s.NoteFeedExportContent(ctx, exp.ID, "h1", fdAt("2025-12-01"))
	if err != nil || !t1.Equal(fdAt("2025-12-01")) {
		t.Fatalf("note: %v %v", t1, err)
	}
	t2, err := s.NoteFeedExportContent(ctx, exp.ID, "h1", fdAt("2025-12-02"))
	if err != nil || !t2.Equal(t1) {
		t.Fatalf("same content moved Last-Modified: %v %v", t2, err)
	}
	t3, err := s.NoteFeedExportContent(ctx, exp.ID, "h2", fdAt("2025-12-03"))
	if err != nil || !t3.Equal(fdAt("2025-12-03")) {
		t.Fatalf("new content: %v %v", t3, err)
	}
}

func TestFeedStaleClaimAndRecovery(t *testing.T) {
	s := storetest.NewStore(t)
	ctx := t.Context()
	cabin := fdCabin(t, s, "Berta", 0)
	f := fdFeed(t, s, cabin, "airbnb")
	t0 := fdAt("2025-12-01")
	fdSync(t, s, f.ID, t0, fdEv("2025-12-10", "2025-12-12"))
	if got, _ := s.ClaimStaleFeeds(ctx, t0.Add(14*time.Minute), 15*time.Minute); len(got) != 0 {
		t.Fatalf("fresh feed claimed stale: %+v", got)
	}
	got, err := s.ClaimStaleFeeds(ctx, t0.Add(16*time.Minute), 15*time.Minute)
	if err != nil || len(got) != 1 || got[0].ID != f.ID {
		t.Fatalf("stale: %+v %v", got, err)
	}
	if again, _ := s.ClaimStaleFeeds(ctx, t0.Add(30*time.Minute), 15*time.Minute); len(again) != 0 {
		t.Fatal("stale alert claimed twice")
	}
	out := fdSync(t, s, f.ID, t0.Add(31*time.Minute), fdEv("2025-12-10", "2025-12-12"))
	if !out.Recovered || out.Status.StaleAlertedAt != nil {
		t.Fatalf("recovery: %+v", out)
	}
	if err := s.DeleteFeed(ctx, f.ID, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := fdBlocks(t, s, cabin, "airbnb"); got != "" {
		t.Fatalf("blocks of a deleted feed: %s", got)
	}
	if _, err := s.GetFeed(ctx, f.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted feed: %v", err)
	}
}

func TestFeedUnchangedConfirmsPendingRelease(t *testing.T) {
	s := storetest.NewStore(t)
	cabin := fdCabin(t, s, "Berta", 0)
	f := fdFeed(t, s, cabin, "airbnb")
	h := fdEv("2026-04-01", "2026-10-23")
	fdSync(t, s, f.ID, fdAt("2025-12-01"), fdEv("2025-12-10", "2025-12-12"), h)
	fdSync(t, s, f.ID, fdAt("2025-12-01"), h)
	out, err := s.ApplyFeedSync(context.Background(), store.FeedSync{FeedID: f.ID, Now: fdAt("2025-12-01").Add(time.Minute), Unchanged: true}, fdPlan(nil, true))
	if err != nil {
		t.Fatal(err)
	}
	if out.Released != 2 || out.Status.LastResult != "unchanged" || out.Status.EventCount != 1 {
		t.Fatalf("304: %+v", out)
	}
}
