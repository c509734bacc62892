package ical

import (
	"fmt"
	"sort"
	"time"
)

// Claim is a night a feed blocks in the store, as the reconciliation sees it.
type Claim struct {
	Night    time.Time
	Reserved bool
	// Missing means the last good fetch no longer listed the night: it stays blocked until the
	// next good fetch agrees (pending release).
	Missing bool
}

// Policy holds the thresholds of Reconcile.
type Policy struct {
	// HorizonDays bounds how far ahead nights are taken from a feed (a feed blocking until 2099
	// must not create millions of rows). Nights past it stay unknown.
	HorizonDays int
	// A fetch is suspect, and releases nothing, when it would release more than ShrinkFraction
	// of the nights the feed blocks and at least ShrinkMinNights of them, or when it blocks no
	// night at all while the feed blocked some.
	ShrinkFraction  float64
	ShrinkMinNights int
}

// DefaultPolicy: three years of horizon (Airbnb exports one, Booking.com eighteen months), and a
// fetch losing more than half of at least two weeks of blocked nights is suspect.
func DefaultPolicy() Policy {
	return Policy{HorizonDays: 1100, ShrinkFraction: 0.5, ShrinkMinNights: 14}
}

// Input is what Reconcile compares: the nights a feed blocks now, and what a fetch said.
type Input struct {
	// Today is the cabin's civil date: earlier nights are history and never change.
	Today  time.Time
	Claims []Claim
	// Unchanged is a 304 Not Modified: the feed says what it said at the last good fetch.
	Unchanged bool
	Events    []Event
	// Force is the owner vouching for this fetch: it is never suspect and absent nights are
	// released at once, without waiting for a second fetch.
	Force bool
}

// Plan is what to do with a feed's claims after one fetch.
type Plan struct {
	// Suspect is why the fetch is not trusted ("" when it is). A suspect fetch still blocks the
	// nights it lists (blocking is the safe side) but releases nothing and marks nothing.
	Suspect string
	// Add are nights the feed blocks for the first time.
	Add []Claim
	// Update are claimed nights whose Reserved or Missing flag changes.
	Update []Claim
	// Release are nights no longer blocked, confirmed by two fetches (or forced).
	Release []time.Time
	// Forget are past nights: dropped from tracking, their blocks kept as history.
	Forget []time.Time
	// FetchedNights counts the nights from today on that the fetch blocks.
	FetchedNights int
	// Pending counts the nights waiting for a second fetch after this plan.
	Pending int
	// KnownUntil is the end of what the fetch covered (its last DTEND, or the horizon): claimed
	// nights from there on are past the feed's horizon, unknown rather than free, and kept.
	KnownUntil time.Time
}

// Changed reports whether the plan changes any claim.
func (p Plan) Changed() bool {
	return len(p.Add)+len(p.Update)+len(p.Release)+len(p.Forget) > 0
}

// Reconcile compares the nights a fetch blocks with the feed's claims. It works on nights, not
// UIDs: Booking.com merging touching events, or re-issuing an in-house stay each day with a new
// UID, leaves the night set unchanged and so changes nothing. A night absent from one good fetch
// becomes pending; it is released only when the next good fetch (or a 304) agrees.
func Reconcile(in Input, p Policy) Plan {
	if p.HorizonDays <= 0 {
		p = DefaultPolicy()
	}
	today := dayNumber(in.Today)
	horizon := today + p.HorizonDays
	var plan Plan
	claims := make(map[int]Claim, len(in.Claims))
	future := 0
	for _, c := range in.Claims {
		n := dayNumber(c.Night)
		if n < today {
			plan.Forget = append(plan.Forget, c.Night)
			continue
		}
		claims[n] = c
		future++
	}
	if in.Unchanged {
		plan.KnownUntil = dateOf(horizon)
		for n, c := range claims {
			if c.Missing {
				plan.Release = append(plan.Release, dateOf(n))
			}
		}
		sortPlan(&plan)
		return plan
	}

	fetched := map[int]bool{} // night -> reserved
	known := today
	for _, ev := range in.Events {
		s, e := max(dayNumber(ev.Start), today), min(dayNumber(ev.End), horizon)
		known = max(known, min(dayNumber(ev.End), horizon))
		for n := s; n < e; n++ {
			fetched[n] = fetched[n] || ev.Reserved
		}
	}
	if in.Force {
		known = horizon
	}
	plan.KnownUntil = dateOf(known)
	plan.FetchedNights = len(fetched)

	// absent nights become pending (or released); lost ones, which include those past the end
	// of what the fetch covered, tell how much the feed shrank.
	var absent []int
	lost := 0
	for n := range claims {
		if _, ok := fetched[n]; !ok {
			lost++
			if n < known {
				absent = append(absent, n)
			}
		}
	}
	switch {
	case in.Force:
	case len(fetched) == 0 && future > 0:
		plan.Suspect = fmt.Sprintf("the feed came back empty while it blocked %d nights", future)
	case lost >= p.ShrinkMinNights && float64(lost) > p.ShrinkFraction*float64(future):
		plan.Suspect = fmt.Sprintf("the feed dropped %d of its %d blocked nights at once", lost, future)
	}

	for n, reserved := range fetched {
		c, ok := claims[n]
		switch {
		case !ok:
			plan.Add = append(plan.Add, Claim{Night: dateOf(n), Reserved: reserved})
		case c.Missing || c.Reserved != reserved:
			plan.Update = append(plan.Update, Claim{Night: dateOf(n), Reserved: reserved})
		}
	}
	pending := 0
	for n, c := range claims {
		if c.Missing {
			pending++
		}
		if _, ok := fetched[n]; ok && c.Missing {
			pending--
		}
	}
	if plan.Suspect == "" {
		for _, n := range absent {
			c := claims[n]
			switch {
			case c.Missing || in.Force:
				plan.Release = append(plan.Release, dateOf(n))
				if c.Missing {
					pending--
				}
			default:
				c.Missing = true
				plan.Update = append(plan.Update, c)
				pending++
			}
		}
	}
	plan.Pending = pending
	sortPlan(&plan)
	return plan
}

func sortPlan(p *Plan) {
	sort.Slice(p.Add, func(i, j int) bool { return p.Add[i].Night.Before(p.Add[j].Night) })
	sort.Slice(p.Update, func(i, j int) bool { return p.Update[i].Night.Before(p.Update[j].Night) })
	sortDates(p.Release)
	sortDates(p.Forget)
}

func sortDates(ds []time.Time) {
	sort.Slice(ds, func(i, j int) bool { return ds[i].Before(ds[j]) })
}

// Range is a half-open run of nights [Start, End).
type Range struct {
	Start, End time.Time
}

// Nights is the number of nights in the range.
func (r Range) Nights() int { return dayNumber(r.End) - dayNumber(r.Start) }

// Runs groups dates (any order, duplicates allowed) into maximal runs of consecutive nights.
func Runs(nights []time.Time) []Range {
	if len(nights) == 0 {
		return nil
	}
	ns := make([]int, len(nights))
	for i, d := range nights {
		ns[i] = dayNumber(d)
	}
	sort.Ints(ns)
	var out []Range
	start, prev := ns[0], ns[0]
	for _, n := range ns[1:] {
		if n == prev {
			continue
		}
		if n != prev+1 {
			out = append(out, Range{dateOf(start), dateOf(prev + 1)})
			start = n
		}
		prev = n
	}
	return append(out, Range{dateOf(start), dateOf(prev + 1)})
}
