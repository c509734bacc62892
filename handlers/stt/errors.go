package stt

import (
	"context"
	"errors"
	"fmt"
)

// Failure reasons: the values of [Error.Reason], fixed so they can label a
// "transcription failures by reason" metric.
const (
	ReasonTimeout       = "timeout"        // the context deadline passed (request or conversion)
	ReasonCanceled      = "canceled"       // the caller canceled the context (e.g. shutdown)
	ReasonNetwork       = "network"        // connection refused/reset, DNS, TLS...
	ReasonRateLimited   = "rate_limited"   // HTTP 429 after all attempts
	ReasonHTTP5xx       = "http_5xx"       // HTTP 5xx after all attempts
	ReasonHTTP4xx       = "http_4xx"       // any other HTTP 4xx (bad key, bad request...); not retried
	ReasonProviderError = "provider_error" // 2xx carrying an error (whisper.cpp) or an unreadable body
	ReasonEmpty         = "empty"          // the provider heard nothing
	ReasonConversion    = "conversion"     // ffmpeg failed, or is missing
	ReasonInvalidAudio  = "invalid_audio"  // no bytes, or bytes that are not audio
	ReasonNotConfigured = "not_configured" // no STT_URL
)

var (
	// ErrNotConfigured means the client has no BaseURL.
	ErrNotConfigured = errors.New("stt: not configured")
	// ErrEmptyTranscript means the provider answered with no words.
	ErrEmptyTranscript = errors.New("stt: empty transcript")
)

// Error is every error [Client.Transcribe] returns. It never holds audio,
// transcript text or credentials.
type Error struct {
	Reason     string // one of the Reason* constants
	StatusCode int    // HTTP status of the last attempt, 0 if none
	Code       string // provider error code or type, when it sent one (e.g. "invalid_api_key")
	Message    string // provider error message, truncated; empty for 401/403
	Attempts   int    // HTTP attempts made
	Err        error  // underlying cause, if any
}

func (e *Error) Error() string {
	s := "stt: " + e.Reason
	if e.StatusCode != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.StatusCode)
	}
	if e.Code != "" {
		s += " [" + e.Code + "]"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Attempts > 1 {
		s += fmt.Sprintf(" after %d attempts", e.Attempts)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// ReasonOf returns the metric label for any error from this package:
// the Reason of an [*Error], "timeout"/"canceled" for bare context errors,
// "" for nil, and "other" for anything else.
func ReasonOf(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Reason
	case errors.Is(err, context.DeadlineExceeded):
		return ReasonTimeout
	case errors.Is(err, context.Canceled):
		return ReasonCanceled
	case errors.Is(err, ErrNotConfigured):
		return ReasonNotConfigured
	case errors.Is(err, ErrEmptyTranscript):
		return ReasonEmpty
	}
	return "other"
}
