package ical

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// feedState applies plans the way the store does, so multi-fetch sequences can be checked in
// memory: the claims, and the nights released so far.
type feedState struct {
	claims   map[time.Time]Claim
	released []time.Time
}

func newFeedState() *feedState { return &feedState{claims: map[time.Time]Claim{}} }

func (s *feedState) list() []Claim {
	out := make([]Claim, 0, len(s.claims))
	for _, c := range s.claims {
		out = append(out, c)
	}
	return out
}

func (s *feedState) apply(p Plan) {
	for _, c := range p.Add {
		s.claims[c.Night] = c
	}
	for _, c := range p.Update {
		s.claims[c.Night] = c
	}
	for _, n := range p.Release {
		delete(s.claims, n)
		s.released = append(s.released, n)
	}
	for _, n := range p.Forget {
		delete(s.claims, n)
	}
}

// blocked lists the claimed nights from..to as "MM-DD" (pending ones marked with '?').
func (s *feedState) blocked() string {
	var ds []time.Time
	for n := range s.claims {
		ds = append(ds, n)
	}
	sortDates(ds)
	var b strings.Builder
	for _, n := range ds {
		b.WriteString(n.Format("01-02"))
		if s.claims[n].Missing {
			b.WriteByte('?')
		}
		b.WriteByte(' ')
	}
	return strings.TrimSpace(b.String())
}

func ev(uid, start, end string) Event { return Event{UID: uid, Start: d(start), End: d(end)} }

func (s *feedState) fetch(t *testing.T, today string, events ...Event) Plan {
	t.Helper()
	p := Reconcile(Input{Today: d(today), Claims: s.list(), Events: events}, DefaultPolicy())
	s.apply(p)
	return p
}

func TestReconcileBookingMergeIsNotACancellation(t *testing.T) {
	s := newFeedState()
	// t0: two separate closed events with a gap night between them.
	s.fetch(t, "2025-11-18", ev("u1", "2025-11-22", "2025-11-24"), ev("u2", "2025-11-25", "2025-11-27"))
	if got := s.blocked(); got != "11-22 11-23 11-25 11-26" {
		t.Fatalf("t0 blocked %s", got)
	}
	// t1: the gap fills; Booking.com grows u1 and drops u2's UID.
	p := s.fetch(t, "2025-11-18", ev("u1", "2025-11-22", "2025-11-27"))
	if len(p.Release) != 0 || p.Pending != 0 || p.Suspect != "" {
		t.Fatalf("merge released or pended: %+v", p)
	}
	if len(p.Add) != 1 || !p.Add[0].Night.Equal(d("2025-11-24")) {
		t.Fatalf("merge added %+v", p.Add)
	}
	if got := s.blocked(); got != "11-22 11-23 11-24 11-25 11-26" {
		t.Fatalf("t1 blocked %s", got)
	}
}

func TestReconcileDailyReissueWithNewUID(t *testing.T) {
	s := newFeedState()
	s.fetch(t, "2025-11-20", ev("stay-a", "2025-11-18", "2025-11-24"), ev("horizon", "2026-01-02", "2027-05-18"))
	before := s.blocked()
	// After local midnight the in-house stay is re-issued with DTSTART = today and a new UID.
	for _, day := range []string{"2025-11-21", "2025-11-22", "2025-11-23"} {
		p := s.fetch(t, day, ev("stay-"+day, day, "2025-11-24"), ev("horizon", "2026-01-02", "2027-05-18"))
		if len(p.Release) != 0 || p.Pending != 0 || len(p.Add) != 0 || p.Suspect != "" {
			t.Fatalf("%s: re-issue changed claims: %+v", day, p)
		}
		if len(p.Forget) != 1 {
			t.Fatalf("%s: forgot %v, want yesterday only", day, p.Forget)
		}
	}
	if !strings.HasPrefix(before, "11-20 11-21 11-22 11-23") || !strings.HasPrefix(s.blocked(), "11-23 01-02") {
		t.Fatalf("before %q after %q", before[:30], s.blocked()[:30])
	}
	// Booking.com switches slightly before our midnight: the feed already starts tomorrow while
	// it is still "today" here. Tonight becomes pending, then history; never released.
	p := s.fetch(t, "2025-11-23", ev("stay-early", "2025-11-24", "2025-11-24"), ev("horizon", "2026-01-02", "2027-05-18"))
	if p.Pending != 1 || len(p.Release) != 0 {
		t.Fatalf("early clip: %+v", p)
	}
	p = s.fetch(t, "2025-11-24", ev("horizon", "2026-01-02", "2027-05-18"))
	if len(p.Release) != 0 || len(p.Forget) != 1 || p.Pending != 0 {
		t.Fatalf("after midnight: %+v", p)
	}
	if len(s.released) != 0 {
		t.Fatalf("released %v", s.released)
	}
}

func TestReconcileCancellationNeedsTwoFetches(t *testing.T) {
	s := newFeedState()
	horizon := ev("nav", "2026-04-01", "2026-10-23")
	s.fetch(t, "2025-10-22", ev("r1", "2025-10-30", "2025-11-01"), ev("r2", "2025-11-02", "2025-11-04"), horizon)
	p := s.fetch(t, "2025-10-22", ev("r1", "2025-10-30", "2025-11-01"), horizon)
	if p.Pending != 2 || len(p.Release) != 0 {
		t.Fatalf("first fetch without r2: %+v", p)
	}
	if !strings.Contains(s.blocked(), "11-02? 11-03?") {
		t.Fatalf("blocked %s", s.blocked())
	}
	p = s.fetch(t, "2025-10-22", ev("r1", "2025-10-30", "2025-11-01"), horizon)
	if len(p.Release) != 2 || p.Pending != 0 {
		t.Fatalf("second fetch: %+v", p)
	}
	if fmt.Sprint(p.Release) != fmt.Sprint([]time.Time{d("2025-11-02"), d("2025-11-03")}) {
		t.Fatalf("released %v", p.Release)
	}
}

func TestReconcileListingVanishesForOneFetch(t *testing.T) {
	s := newFeedState()
	// A merged feed of two listings: listing B's events vanish for one fetch and come back.
	a := []Event{ev("a1", "2025-12-01", "2025-12-05"), ev("a-nav", "2026-03-01", "2026-05-01")}
	b := []Event{ev("b1", "2025-12-10", "2025-12-12"), ev("b2", "2026-01-10", "2026-01-20")}
	s.fetch(t, "2025-11-20", append(append([]Event{}, a...), b...)...)
	want := s.blocked()
	p := s.fetch(t, "2025-11-20", a...)
	if p.Suspect != "" || p.Pending != 12 || len(p.Release) != 0 {
		t.Fatalf("vanish: %+v", p)
	}
	p = s.fetch(t, "2025-11-20", append(append([]Event{}, a...), b...)...)
	if len(p.Release) != 0 || p.Pending != 0 || len(p.Update) != 12 {
		t.Fatalf("return: %+v", p)
	}
	if s.blocked() != want || len(s.released) != 0 {
		t.Fatalf("after return %s, released %v", s.blocked(), s.released)
	}
}

func TestReconcileSuspectFetches(t *testing.T) {
	s := newFeedState()
	full := []Event{ev("r1", "2025-12-01", "2025-12-05"), ev("nav", "2026-04-01", "2026-10-23")}
	s.fetch(t, "2025-11-20", full...)
	want := s.blocked()

	// An empty 200 releases and marks nothing.
	p := s.fetch(t, "2025-11-20")
	if !strings.Contains(p.Suspect, "empty") || p.Pending != 0 || len(p.Release) != 0 || len(p.Update) != 0 {
		t.Fatalf("empty: %+v", p)
	}
	// Events only in the past count as empty too.
	p = s.fetch(t, "2025-11-20", ev("old", "2025-10-01", "2025-10-03"))
	if !strings.Contains(p.Suspect, "empty") {
		t.Fatalf("past-only: %+v", p)
	}
	// A sharp shrink (the horizon block vanishes) is suspect; a new booking in it still blocks.
	p = s.fetch(t, "2025-11-20", ev("r1", "2025-12-01", "2025-12-05"), ev("new", "2025-12-20", "2025-12-22"))
	if !strings.Contains(p.Suspect, "dropped") || len(p.Release) != 0 || p.Pending != 0 || len(p.Add) != 2 {
		t.Fatalf("shrink: %+v", p)
	}
	if s.blocked() != want+"" && !strings.Contains(s.blocked(), "12-20 12-21") {
		t.Fatalf("blocked %s", s.blocked())
	}
	// The full feed again: nothing was lost in between.
	p = s.fetch(t, "2025-11-20", append(full, ev("new", "2025-12-20", "2025-12-22"))...)
	if p.Suspect != "" || len(p.Release) != 0 || p.Pending != 0 {
		t.Fatalf("recovered: %+v", p)
	}
	if len(s.released) != 0 {
		t.Fatal("a suspect fetch released nights")
	}
	// Empty feed with nothing claimed is a plain good fetch.
	if p := Reconcile(Input{Today: d("2025-11-20")}, DefaultPolicy()); p.Suspect != "" {
		t.Fatalf("empty on empty: %+v", p)
	}
}

func TestReconcileForceReleasesAtOnce(t *testing.T) {
	s := newFeedState()
	s.fetch(t, "2025-11-20", ev("r1", "2025-12-01", "2025-12-05"), ev("nav", "2026-04-01", "2026-10-23"))
	p := Reconcile(Input{Today: d("2025-11-20"), Claims: s.list(), Force: true}, DefaultPolicy())
	if p.Suspect != "" || len(p.Release) != 4+205 {
		t.Fatalf("force: suspect %q, released %d", p.Suspect, len(p.Release))
	}
}

func TestReconcileUnchangedConfirmsPending(t *testing.T) {
	s := newFeedState()
	nav := ev("nav", "2026-04-01", "2026-10-23")
	s.fetch(t, "2025-11-20", ev("r1", "2025-12-01", "2025-12-05"), nav)
	s.fetch(t, "2025-11-20", nav)
	p := Reconcile(Input{Today: d("2025-11-20"), Claims: s.list(), Unchanged: true}, DefaultPolicy())
	if len(p.Release) != 4 {
		t.Fatalf("304 after a pending release: %+v", p)
	}
}

func TestReconcileHorizonIsUnknownNotFree(t *testing.T) {
	s := newFeedState()
	s.fetch(t, "2025-11-20", ev("r1", "2025-12-01", "2025-12-05"), ev("nav", "2026-04-01", "2026-10-23"))
	// The feed's horizon shrinks: nights past its last DTEND are unknown and stay blocked.
	p := s.fetch(t, "2025-11-20", ev("r1", "2025-12-01", "2025-12-05"), ev("nav", "2026-04-01", "2026-10-10"))
	if p.KnownUntil != d("2026-10-10") || p.Pending != 0 || p.Suspect != "" || len(s.claims) != 209 {
		t.Fatalf("horizon: %+v", p)
	}
	// Losing most of it at once is suspect (and still releases nothing).
	p = s.fetch(t, "2025-11-20", ev("r1", "2025-12-01", "2025-12-05"), ev("nav", "2026-04-01", "2026-06-01"))
	if !strings.Contains(p.Suspect, "dropped 144 of its 209") || p.Pending != 0 {
		t.Fatalf("horizon collapse: %+v", p)
	}
	// A feed blocking until 2099 is cut at the policy horizon.
	p = Reconcile(Input{Today: d("2025-11-20"), Events: []Event{ev("x", "2025-11-20", "2099-01-01")}}, Policy{HorizonDays: 30})
	if len(p.Add) != 30 {
		t.Fatalf("horizon cap: %d nights", len(p.Add))
	}
}

func TestReconcileReservedFlagFollowsEvents(t *testing.T) {
	s := newFeedState()
	s.fetch(t, "2025-11-20", ev("nav", "2025-12-01", "2025-12-03"))
	r := ev("res", "2025-12-01", "2025-12-03")
	r.Reserved = true
	p := s.fetch(t, "2025-11-20", r)
	if len(p.Update) != 2 || !p.Update[0].Reserved {
		t.Fatalf("update: %+v", p.Update)
	}
}

func TestRuns(t *testing.T) {
	got := Runs([]time.Time{d("2025-12-03"), d("2025-12-01"), d("2025-12-02"), d("2025-12-02"), d("2025-12-07")})
	want := []Range{{d("2025-12-01"), d("2025-12-04")}, {d("2025-12-07"), d("2025-12-08")}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("runs %v, want %v", got, want)
	}
	if Runs(nil) != nil {
		t.Fatal("runs of nothing")
	}
}
