package booking

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Reservation kinds: everything that occupies a cabin's nights.
const (
	KindBooking       = "booking"        // a guest's stay
	KindManualBlock   = "manual_block"   // the owner closed the dates
	KindImportedBlock = "imported_block" // busy in another channel's calendar (iCal)
)

// Reservation statuses. Only StatusPreReserved and StatusConfirmed occupy the dates.
const (
	StatusPreReserved = "pre_reserved" // a hold, until ExpiresAt
	StatusConfirmed   = "confirmed"
	StatusCancelled   = "cancelled"
	StatusExpired     = "expired"
	StatusReleased    = "released" // a block lifted
)

const (
	// DefaultHoldMinutes is how long a hold keeps the dates when HOLD_MINUTES is not set.
	DefaultHoldMinutes = 30
	// MaxActiveHoldsPerGuest caps the unexpired holds one phone number may keep at once, so
	// nobody can take every free date by asking.
	MaxActiveHoldsPerGuest = 3
	// HoldCodeLength is the length of a reservation's human code.
	HoldCodeLength = 6
	// HoldCodeAlphabet has no 0/O, 1/I/L or U/V look-alikes.
	HoldCodeAlphabet = "23456789ABCDEFGHJKMNPQRSTWXYZ"
)

var (
	// ErrDatesTaken means the dates are occupied (or were taken an instant ago by someone
	// else): the guest should pick other dates or another cabin.
	ErrDatesTaken = errors.New("those dates were just taken")
	// ErrInvalidTransition means a reservation is not in a status that allows the change.
	ErrInvalidTransition = errors.New("booking: invalid status transition")
	// ErrHoldExpired means the hold ran out before it could be confirmed.
	ErrHoldExpired = errors.New("booking: the hold has expired")
	// ErrTooManyHolds means the guest already keeps MaxActiveHoldsPerGuest holds.
	ErrTooManyHolds = errors.New("booking: too many active holds for this guest")
)

// TransitionError is a refused status change. It wraps ErrInvalidTransition, and
// ErrHoldExpired when the hold ran out (Expired).
type TransitionError struct {
	Kind, From, To string
	Expired        bool
}

func (e *TransitionError) Error() string {
	if e.Expired {
		return fmt.Sprintf("booking: cannot move %s from %s to %s: the hold has expired", e.Kind, e.From, e.To)
	}
	return fmt.Sprintf("booking: cannot move %s from %s to %s", e.Kind, e.From, e.To)
}

// Unwrap makes errors.Is match ErrInvalidTransition and, for an expired hold, ErrHoldExpired.
func (e *TransitionError) Unwrap() []error {
	if e.Expired {
		return []error{ErrInvalidTransition, ErrHoldExpired}
	}
	return []error{ErrInvalidTransition}
}

type transition struct{ kind, from, to string }

// transitions is the whole state machine (see the package documentation).
var transitions = []transition{
	{KindBooking, StatusPreReserved, StatusConfirmed},
	{KindBooking, StatusPreReserved, StatusCancelled},
	{KindBooking, StatusPreReserved, StatusExpired},
	{KindBooking, StatusConfirmed, StatusCancelled},
	{KindManualBlock, StatusConfirmed, StatusReleased},
	{KindImportedBlock, StatusConfirmed, StatusReleased},
}

// CanTransition reports whether a reservation of kind may move from one status to another.
func CanTransition(kind, from, to string) bool {
	return slices.Contains(transitions, transition{kind, from, to})
}

// FromStatuses returns the statuses from which a reservation of kind may move to to.
func FromStatuses(kind, to string) []string {
	var from []string
	for _, t := range transitions {
		if t.kind == kind && t.to == to {
			from = append(from, t.from)
		}
	}
	return from
}

// InitialStatus is the status a new reservation of kind starts in.
func InitialStatus(kind string) string {
	if kind == KindBooking {
		return StatusPreReserved
	}
	return StatusConfirmed
}

// IsActive reports whether a reservation in status occupies its dates.
func IsActive(status string) bool {
	return status == StatusPreReserved || status == StatusConfirmed
}

// ValidKind reports whether kind is one of the reservation kinds.
func ValidKind(kind string) bool {
	return kind == KindBooking || kind == KindManualBlock || kind == KindImportedBlock
}

// HoldExpired reports whether a hold expiring at expiresAt has run out at now. A hold is
// good strictly before its expiry instant.
func HoldExpired(expiresAt, now time.Time) bool {
	return !now.Before(expiresAt)
}

// NewHoldCode returns a HoldCodeLength-character code from HoldCodeAlphabet, read from r
// (crypto/rand.Reader in production) without modulo bias. Codes are for people to quote,
// not secrets: a reservation's id is the unguessable key.
func NewHoldCode(r io.Reader) (string, error) {
	const n = len(HoldCodeAlphabet)
	limit := byte(256 - 256%n) // bytes >= limit would favour the first letters
	code := make([]byte, 0, HoldCodeLength)
	buf := make([]byte, 2*HoldCodeLength)
	for len(code) < HoldCodeLength {
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", fmt.Errorf("booking: read randomness for a hold code: %w", err)
		}
		for _, b := range buf {
			if b < limit && len(code) < HoldCodeLength {
				code = append(code, HoldCodeAlphabet[int(b)%n])
			}
		}
	}
	return string(code), nil
}

// NormalizeHoldCode turns what a guest typed ("#abc-234", " ABC 234") into a code, and
// reports whether it can be one.
func NormalizeHoldCode(s string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == ' ' || r == '-' || r == '#' || r == '.':
			continue
		case r < 128 && strings.IndexByte(HoldCodeAlphabet, byte(r)) >= 0:
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	if b.Len() != HoldCodeLength {
		return "", false
	}
	return b.String(), true
}
