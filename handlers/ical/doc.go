// Package ical imports and exports iCalendar availability feeds (RFC 5545) the way Airbnb,
// Booking.com and the rest actually serve them.
//
// It is pure apart from the fetcher: Parse turns a feed into events on civil dates (DATE and
// DATE-TIME values become dates in the cabin's time zone), Nights turns events into the set of
// blocked nights, Reconcile compares that set with what a feed blocked before and decides what to
// add, what to hold back as a pending release and what to release, Render writes an export feed,
// and Fetcher does a conditional GET with a timeout and a size cap.
//
// # Why a parser of our own
//
// github.com/arran4/golang-ical renders our export and is the first parser the export is checked
// with, but the importer uses the line-based parser in parse.go: one malformed property or event
// must cost that event, not the whole feed (golang-ical fails the calendar on the first bad
// line), a truncated download must be told apart from a complete one (END:VCALENDAR missing),
// and every rejected event must be reported with its line so the owner can be told why.
//
// # Dates
//
// A civil date is a time.Time at 00:00 UTC. A night is named by the date it starts on; an event
// [DTSTART, DTEND) blocks the nights DTSTART .. DTEND-1 (DTEND is the checkout day).
package ical
