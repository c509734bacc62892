package booking

import (
	"errors"
	"testing"
	"time"
)

var today = Date(2026, 11, 30) // a Monday

func TestValidateStay(t *testing.T) {
	tests := []struct {
		name   string
		stay   Stay
		reason string // "" means valid
		limit  int
	}{
		{"ok", stay(Date(2026, 12, 4), Date(2026, 12, 6), 2), "", 0},
		{"check-in today", stay(today, Date(2026, 12, 1), 1), "", 0},
		{"checkout equals checkin", stay(Date(2026, 12, 4), Date(2026, 12, 4), 2), ReasonCheckoutBeforeCheckin, 0},
		{"checkout before checkin", stay(Date(2026, 12, 6), Date(2026, 12, 4), 2), ReasonCheckoutBeforeCheckin, 0},
		{"yesterday", stay(Date(2026, 11, 29), Date(2026, 12, 2), 2), ReasonPast, 0},
		{"last year", stay(Date(2025, 12, 4), Date(2025, 12, 6), 2), ReasonPast, 0},
		{"zero guests", stay(Date(2026, 12, 4), Date(2026, 12, 6), 0), ReasonNoGuests, 0},
		{"negative guests", stay(Date(2026, 12, 4), Date(2026, 12, 6), -3), ReasonNoGuests, 0},
		{"too many guests", stay(Date(2026, 12, 4), Date(2026, 12, 6), MaxGuests+1), ReasonTooManyGuests, MaxGuests},
		{"60 nights", stay(Date(2026, 12, 4), AddDays(Date(2026, 12, 4), 60), 2), "", 0},
		{"61 nights", stay(Date(2026, 12, 4), AddDays(Date(2026, 12, 4), 61), 2), ReasonTooLong, MaxNights},
		{"two years ahead", stay(AddDays(today, MaxAdvanceDays), AddDays(today, MaxAdvanceDays+2), 2), "", 0},
		{"too far ahead", stay(AddDays(today, MaxAdvanceDays+1), AddDays(today, MaxAdvanceDays+3), 2), ReasonTooFar, MaxAdvanceDays},
		{"zero dates", Stay{Guests: 2}, ReasonInvalidDate, 0},
		{"time of day", stay(time.Date(2026, 12, 4, 14, 0, 0, 0, time.UTC), Date(2026, 12, 6), 2), ReasonInvalidDate, 0},
		{"not UTC", stay(time.Date(2026, 12, 4, 0, 0, 0, 0, time.FixedZone("ART", -3*3600)), Date(2026, 12, 6), 2), ReasonInvalidDate, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateStay(tt.stay, today)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("ValidateStay: %v", err)
				}
				return
			}
			var se *StayError
			if !errors.As(err, &se) || se.Reason != tt.reason || se.Limit != tt.limit {
				t.Fatalf("got %v, want %s (limit %d)", err, tt.reason, tt.limit)
			}
			if !errors.Is(err, ErrInvalidStay) || ReasonOf(err) != tt.reason || se.Error() == "" {
				t.Errorf("%v: should match ErrInvalidStay with reason %s", err, tt.reason)
			}
		})
	}
}

func TestTodayUsesTheBusinessTimeZone(t *testing.T) {
	ba, err := time.LoadLocation(DefaultTimeZone)
	if err != nil {
		t.Fatal(err)
	}
	// 01:30 UTC on Dec 1 is still Nov 30 (22:30) in Buenos Aires.
	now := time.Date(2026, 12, 1, 1, 30, 0, 0, time.UTC)
	if got := Today(now, ba); !got.Equal(Date(2026, 11, 30)) || !IsDate(got) {
		t.Errorf("Today = %s, want 2026-11-30", got)
	}
	if got := Today(now, time.UTC); !got.Equal(Date(2026, 12, 1)) {
		t.Errorf("Today UTC = %s, want 2026-12-01", got)
	}
	// ValidateStay accepts an instant as today: it takes its calendar date.
	if err := ValidateStay(stay(Date(2026, 11, 30), Date(2026, 12, 2), 1), now.In(ba)); err != nil {
		t.Errorf("check-in on the business day: %v", err)
	}
}

func TestStayNightsAndShift(t *testing.T) {
	s := stay(Date(2026, 12, 30), Date(2027, 1, 2), 2)
	if s.Nights() != 3 {
		t.Errorf("Nights = %d, want 3", s.Nights())
	}
	if got := s.Shift(-2); !got.CheckIn.Equal(Date(2026, 12, 28)) || !got.CheckOut.Equal(Date(2026, 12, 31)) || got.Guests != 2 {
		t.Errorf("Shift(-2) = %+v", got)
	}
	if n := stay(Date(2026, 12, 5), Date(2026, 12, 1), 1).Nights(); n != 0 {
		t.Errorf("backwards stay has %d nights", n)
	}
	// Across the March DST change of other zones and leap days, nights are calendar days.
	if n := stay(Date(2028, 2, 27), Date(2028, 3, 2), 1).Nights(); n != 4 {
		t.Errorf("leap-year stay has %d nights, want 4", n)
	}
}
