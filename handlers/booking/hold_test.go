package booking

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
)

func TestNewHoldCode(t *testing.T) {
	seen := map[string]bool{}
	counts := map[rune]int{}
	for range 2000 {
		code, err := NewHoldCode(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if len(code) != HoldCodeLength {
			t.Fatalf("code %q has length %d", code, len(code))
		}
		if c, ok := NormalizeHoldCode(code); !ok || c != code {
			t.Fatalf("code %q does not normalize to itself", code)
		}
		seen[code] = true
		for _, r := range code {
			counts[r]++
		}
	}
	if len(seen) < 1999 {
		t.Errorf("only %d distinct codes in 2000", len(seen))
	}
	if len(counts) != len(HoldCodeAlphabet) {
		t.Errorf("used %d symbols, want all %d", len(counts), len(HoldCodeAlphabet))
	}
	for _, bad := range "01OILUV" {
		if strings.ContainsRune(HoldCodeAlphabet, bad) {
			t.Errorf("alphabet contains ambiguous %q", bad)
		}
	}
}

func TestNewHoldCodeHasNoModuloBias(t *testing.T) {
	// Bytes at or above 232 (= 8*29) would make the first letters likelier: they are skipped.
	src := append(bytes.Repeat([]byte{255, 240, 232}, 4), 0, 1, 2, 28, 29, 231)
	src = append(src, make([]byte, 12)...)
	code, err := NewHoldCode(bytes.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	a := HoldCodeAlphabet
	if want := string([]byte{a[0], a[1], a[2], a[28], a[0], a[231%29]}); code != want {
		t.Errorf("code = %q, want %q", code, want)
	}
	if _, err := NewHoldCode(iotest.ErrReader(errors.New("no entropy"))); err == nil {
		t.Error("a failing reader must fail")
	}
}

func TestNormalizeHoldCode(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"ABC234", "ABC234", true},
		{" abc-234 ", "ABC234", true},
		{"#AB C2.34", "ABC234", true},
		{"ABC23", "", false},
		{"ABC2345", "", false},
		{"ABC0I4", "", false}, // 0 and I are never in a code
		{"ÁBC234", "", false},
	}
	for _, tt := range tests {
		got, ok := NormalizeHoldCode(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeHoldCode(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestStateMachine(t *testing.T) {
	statuses := []string{StatusPreReserved, StatusConfirmed, StatusCancelled, StatusExpired, StatusReleased}
	allowed := map[[3]string]bool{
		{KindBooking, StatusPreReserved, StatusConfirmed}:    true,
		{KindBooking, StatusPreReserved, StatusCancelled}:    true,
		{KindBooking, StatusPreReserved, StatusExpired}:      true,
		{KindBooking, StatusConfirmed, StatusCancelled}:      true,
		{KindManualBlock, StatusConfirmed, StatusReleased}:   true,
		{KindImportedBlock, StatusConfirmed, StatusReleased}: true,
	}
	for _, kind := range []string{KindBooking, KindManualBlock, KindImportedBlock} {
		for _, from := range statuses {
			for _, to := range statuses {
				if got := CanTransition(kind, from, to); got != allowed[[3]string{kind, from, to}] {
					t.Errorf("CanTransition(%s, %s, %s) = %v", kind, from, to, got)
				}
			}
		}
	}
	if got := FromStatuses(KindBooking, StatusCancelled); len(got) != 2 || got[0] != StatusPreReserved || got[1] != StatusConfirmed {
		t.Errorf("FromStatuses(booking, cancelled) = %v", got)
	}
	if InitialStatus(KindBooking) != StatusPreReserved || InitialStatus(KindImportedBlock) != StatusConfirmed {
		t.Error("initial statuses")
	}
	for _, s := range statuses {
		if IsActive(s) != (s == StatusPreReserved || s == StatusConfirmed) {
			t.Errorf("IsActive(%s)", s)
		}
	}
	err := error(&TransitionError{Kind: KindBooking, From: StatusExpired, To: StatusConfirmed, Expired: true})
	if !errors.Is(err, ErrInvalidTransition) || !errors.Is(err, ErrHoldExpired) {
		t.Errorf("%v should match ErrInvalidTransition and ErrHoldExpired", err)
	}
	err = &TransitionError{Kind: KindBooking, From: StatusCancelled, To: StatusConfirmed}
	if !errors.Is(err, ErrInvalidTransition) || errors.Is(err, ErrHoldExpired) {
		t.Errorf("%v should match ErrInvalidTransition only", err)
	}
}

func TestHoldExpired(t *testing.T) {
	exp := Date(2026, 12, 1).Add(10 * 60e9)
	if HoldExpired(exp, exp.Add(-1)) || !HoldExpired(exp, exp) || !HoldExpired(exp, exp.Add(1)) {
		t.Error("a hold is good strictly before its expiry instant")
	}
}
