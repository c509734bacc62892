// Package booking is the booking domain: stays, pricing and quotes, availability search,
// hold codes and the reservation state machine. It is pure: standard library only, no I/O,
// and the clock is always a parameter (now, or today as a civil date), never time.Now.
// The store (package store) persists what this package decides; Postgres enforces the one
// rule that must hold under concurrency (no two active occupancies of a cabin overlap).
//
// # Dates
//
// A civil date is a time.Time at 00:00 UTC (Date, DateOf, Today). A stay is the half-open
// range of nights [CheckIn, CheckOut): a stay checking out on the 10th and one checking in
// on the 10th do not overlap. A cabin's BufferDays keep a turnover gap after every
// occupancy (holds, bookings, manual and imported blocks alike): an occupancy blocks
// [start, end + BufferDays), so with a one-day buffer the next guest may arrive one day
// after the previous one leaves.
//
// # Money
//
// Integer centavos (ARS) everywhere. Rates the owner sets are used as they are; computed
// amounts (a weekend night from a multiplier, the deposit or "seña") are rounded half up
// to whole pesos. TotalCents = LodgingCents + CleaningFeeCents = DepositCents + BalanceCents.
//
// # Reservation states
//
// Every occupancy is one reservation row of a kind (booking, manual_block,
// imported_block) in a status. Only pre_reserved and confirmed occupy dates. Every change
// is an UPDATE guarded by the status it leaves (and, for a hold, by its expiry instant),
// so two paths racing over one row produce exactly one outcome:
//
//	booking (a guest's stay)
//
//	    PlaceHold
//	        |
//	        v
//	+--------------+   ConfirmReservation              +-----------+
//	| pre_reserved |---------------------------------->| confirmed |
//	|   (a hold)   |   (payment approved in time)      +-----------+
//	+--------------+                                         |
//	   |        |                                            | CancelReservation
//	   |        | CancelReservation                          | (owner, refund)
//	   |        | (guest changed plans, owner)               v
//	   |        +------------------------------------->+-----------+
//	   |                                               | cancelled |
//	   | ExpireHolds (the holds:expire sweep),         +-----------+
//	   | or PlaceHold clearing a stale hold
//	   | from the dates it wants
//	   v
//	+---------+
//	| expired |   a late payment can never confirm it
//	+---------+
//
//	manual_block, imported_block
//
//	AddBlock --> confirmed --ReleaseBlock--> released
//
// cancelled, expired and released are terminal and free the dates. The guards:
//
//   - confirm:  WHERE status = 'pre_reserved' AND expires_at > now
//   - expire:   WHERE status = 'pre_reserved' AND expires_at <= now
//   - cancel:   WHERE status IN ('pre_reserved', 'confirmed') AND kind = 'booking'
//   - release:  WHERE status = 'confirmed' AND kind <> 'booking'
//
// A confirm and an expiry racing over the same hold both want status pre_reserved; the row
// lock makes one of them wait, re-read the row and find it no longer pre_reserved, so the
// hold is either confirmed or expired, never both, and a confirmed row is never expired.
// CanTransition and FromStatuses expose the same table.
//
// # Holds
//
// A hold has an unguessable id (a random UUID) and a short human code (NewHoldCode: six
// characters from HoldCodeAlphabet, no look-alikes) that guests and the owner quote. It
// keeps the dates for HOLD_MINUTES; the deposit payment confirms it. Each guest keeps at
// most MaxActiveHoldsPerGuest unexpired holds.
//
// # Errors
//
// Invalid requests are a *StayError with a Reason code (ReasonPast, ReasonTooLong,
// ReasonBelowMinNights, ...) that the conversation turns into a friendly reply; they all
// match ErrInvalidStay. Dates someone else took match ErrDatesTaken, refused status
// changes ErrInvalidTransition (and ErrHoldExpired when the hold ran out).
package booking
