package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"strings"
	"testing"
	"time"
)

func decodeNLU(t *testing.T, line string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatalf("output %q is not JSON: %v", line, err)
	}
	return m
}

func TestRunNLUText(t *testing.T) {
	var out bytes.Buffer
	err := runNLU(t.Context(), []string{"--now", "2026-11-30T10:00:00-03:00", "hay lugar del 28/12 al 3/1 para 4?"}, strings.NewReader(""), &out)
	if err != nil {
		t.Fatalf("runNLU: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("got %d lines, want 1: %q", len(lines), out.String())
	}
	m := decodeNLU(t, lines[0])
	want := map[string]any{
		"intent": "availability", "language": "es", "check_in": "2026-12-28", "check_out": "2027-01-03",
		"nights": 6.0, "guests": 4.0,
	}
	for k, w := range want {
		if m[k] != w {
			t.Errorf("%s = %v, want %v (output %s)", k, m[k], w, lines[0])
		}
	}
}

func TestRunNLUNullsWhenAbsent(t *testing.T) {
	var out bytes.Buffer
	if err := runNLU(t.Context(), []string{"--now=2026-11-30T10:00:00-03:00", "hola"}, nil, &out); err != nil {
		t.Fatalf("runNLU: %v", err)
	}
	m := decodeNLU(t, strings.TrimSpace(out.String()))
	if m["intent"] != "greeting" {
		t.Errorf("intent = %v, want greeting", m["intent"])
	}
	for _, k := range []string{"check_in", "check_out", "nights", "guests"} {
		v, ok := m[k]
		if !ok || v != nil {
			t.Errorf("%s = %v (present %v), want null", k, v, ok)
		}
	}
}

func TestRunNLUStdinOneLinePerMessage(t *testing.T) {
	in := "hola\r\nsomos 4\n\nthis weekend for 2 people\ntem vaga amanhã?\n"
	var out bytes.Buffer
	if err := runNLU(t.Context(), []string{"--now", "2026-11-30T10:00:00-03:00"}, strings.NewReader(in), &out); err != nil {
		t.Fatalf("runNLU: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("got %d lines, want 5: %q", len(lines), out.String())
	}
	wants := []map[string]any{
		{"intent": "greeting"},
		{"intent": "availability", "guests": 4.0},
		{"intent": "unknown", "guests": nil},
		{"intent": "availability", "language": "en", "check_in": "2026-12-04", "check_out": "2026-12-06", "guests": 2.0},
		{"intent": "availability", "language": "pt", "check_in": "2026-12-01", "check_out": nil},
	}
	for i, want := range wants {
		m := decodeNLU(t, lines[i])
		for k, w := range want {
			if m[k] != w {
				t.Errorf("line %d: %s = %v, want %v (%s)", i+1, k, m[k], w, lines[i])
			}
		}
	}
}

func TestRunNLUFlagAfterTextAndJoinedWords(t *testing.T) {
	var out bytes.Buffer
	err := runNLU(t.Context(), []string{"el", "finde", "que", "viene", "--now", "2026-12-05"}, nil, &out)
	if err != nil {
		t.Fatalf("runNLU: %v", err)
	}
	m := decodeNLU(t, strings.TrimSpace(out.String()))
	// 2026-12-05 is a Saturday: this weekend is today..Sunday, the next one 11..13.
	if m["check_in"] != "2026-12-11" || m["check_out"] != "2026-12-13" {
		t.Errorf("got %v..%v, want 2026-12-11..2026-12-13", m["check_in"], m["check_out"])
	}
}

func TestRunNLUNowIsReadInBusinessZone(t *testing.T) {
	t.Setenv("BUSINESS_TZ", "")
	var out bytes.Buffer
	// 02:00 UTC on 1 December is still 30 November in Buenos Aires.
	if err := runNLU(t.Context(), []string{"--now", "2026-12-01T02:00:00Z", "hoy"}, nil, &out); err != nil {
		t.Fatalf("runNLU: %v", err)
	}
	if m := decodeNLU(t, strings.TrimSpace(out.String())); m["check_in"] != "2026-11-30" {
		t.Errorf("check_in = %v, want 2026-11-30", m["check_in"])
	}
}

func TestRunNLUDefaultNowIsTheClock(t *testing.T) {
	t.Setenv("BUSINESS_TZ", "")
	loc, err := time.LoadLocation(defaultBusinessTZ)
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now().In(loc).Format(time.DateOnly)
	var out bytes.Buffer
	if err := runNLU(t.Context(), []string{"hoy"}, nil, &out); err != nil {
		t.Fatalf("runNLU: %v", err)
	}
	after := time.Now().In(loc).Format(time.DateOnly)
	got := decodeNLU(t, strings.TrimSpace(out.String()))["check_in"]
	if got != before && got != after {
		t.Errorf("check_in = %v, want today in %s (%s)", got, defaultBusinessTZ, before)
	}
}

func TestRunNLUErrors(t *testing.T) {
	var out bytes.Buffer
	if err := runNLU(t.Context(), []string{"--now", "yesterday", "hola"}, nil, &out); err == nil {
		t.Error("bad --now: want an error")
	}
	if err := runNLU(t.Context(), []string{"--bogus"}, nil, &out); err == nil {
		t.Error("unknown flag: want an error")
	}
	if err := runNLU(t.Context(), []string{"-h"}, nil, &out); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: got %v, want flag.ErrHelp", err)
	}
	t.Setenv("BUSINESS_TZ", "Mars/Olympus_Mons")
	if err := runNLU(t.Context(), []string{"hola"}, nil, &out); err == nil {
		t.Error("bad BUSINESS_TZ: want an error")
	}
	if out.Len() != 0 {
		t.Errorf("errors printed output: %q", out.String())
	}
}

func TestRunNLUStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var out bytes.Buffer
	err := runNLU(ctx, []string{"--now", "2026-11-30"}, strings.NewReader("hola\nchau\n"), &out)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}
