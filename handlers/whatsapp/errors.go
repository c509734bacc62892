package whatsapp

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Graph error codes the rest of the system branches on (providers.md A.5).
const (
	CodeUnknown              = 1      // "An unknown error occurred": transient
	CodeService              = 2      // "Service temporarily unavailable": transient
	CodeInvalidParameter     = 100    // "Invalid parameter"
	CodeAccessToken          = 190    // OAuthException: token invalid or expired
	CodeRateLimit            = 130429 // Cloud API throughput reached
	CodeSomethingWentWrong   = 131000 // transient
	CodeParameterNotValid    = 131009 // "Parameter value is not valid" (e.g. an interactive limit)
	CodeServiceUnavailable   = 131016 // transient
	CodeUndeliverable        = 131026 // recipient cannot receive messages: do not retry
	CodeReEngagement         = 131047 // more than 24 h since the user last wrote
	CodeSpamRateLimit        = 131048 // quality-based limit: stop business-initiated sends
	CodeEcosystemEngagement  = 131049 // not delivered to keep engagement healthy: wait 24 h
	CodeUnsupportedInbound   = 131051 // inbound message type unknown
	CodeInboundMediaTooLarge = 131052 // inbound media over 100 MB
	CodePairRateLimit        = 131056 // too many messages to one recipient: back off for that recipient
	CodeInboundUnavailable   = 131060 // inbound message currently unavailable
)

var (
	// ErrOutsideWindow matches (errors.Is) an *APIError with code 131047: the 24-hour customer
	// service window is closed, so only an approved template may be sent.
	ErrOutsideWindow = errors.New("whatsapp: outside the 24-hour customer service window")
	// ErrMediaTooLarge is returned by DownloadMedia when the media exceeds the caller's cap.
	ErrMediaTooLarge = errors.New("whatsapp: media larger than the allowed size")
	// ErrMediaURLExpired is returned by DownloadMedia on a 404 from the media host: the URL
	// expired (5 minutes) or was not accepted. Fetch a fresh URL with MediaInfo and retry.
	ErrMediaURLExpired = errors.New("whatsapp: media URL expired or not found")
	// ErrInvalidMessage wraps every validation failure of a call's arguments (an outbound
	// message, a recipient, a media id or URL), as a *ValidationError. No request is made
	// when it is returned.
	ErrInvalidMessage = errors.New("whatsapp: invalid message")
	// ErrNotConfigured is returned when the client lacks a token or a phone number id.
	ErrNotConfigured = errors.New("whatsapp: client not configured")
)

// APIError is an error answered by the Graph API (providers.md A.5 error shape), or a non-2xx
// answer without such a body. Error() never contains outbound text or phone numbers: only the
// HTTP status and what Graph itself returned.
type APIError struct {
	HTTPStatus int
	Code       int
	Subcode    int
	Type       string // e.g. "OAuthException"
	Message    string // "(#<code>) <title>"
	Details    string // error_data.details
	FBTraceID  string
	// RetryAfter is the Retry-After header of the answer, zero when absent.
	RetryAfter time.Duration
}

// Error implements error.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("whatsapp: graph api: http ")
	b.WriteString(strconv.Itoa(e.HTTPStatus))
	if e.Code != 0 {
		b.WriteString(", code ")
		b.WriteString(strconv.Itoa(e.Code))
	}
	if e.Subcode != 0 {
		b.WriteString(", subcode ")
		b.WriteString(strconv.Itoa(e.Subcode))
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Details != "" {
		b.WriteString(": ")
		b.WriteString(e.Details)
	}
	if e.FBTraceID != "" {
		b.WriteString(" (fbtrace_id ")
		b.WriteString(e.FBTraceID)
		b.WriteString(")")
	}
	return b.String()
}

// Is makes errors.Is(err, ErrOutsideWindow) true for code 131047.
func (e *APIError) Is(target error) bool {
	return target == ErrOutsideWindow && e.Code == CodeReEngagement
}

// Temporary reports whether the same request may succeed later: HTTP 429 and 5xx, and the
// codes 130429, 131056, 1, 2, 131000 and 131016. For 131056 the limit is per recipient: back
// off for that recipient only.
func (e *APIError) Temporary() bool {
	if e.HTTPStatus == http.StatusTooManyRequests || e.HTTPStatus >= 500 {
		return true
	}
	switch e.Code {
	case CodeRateLimit, CodePairRateLimit, CodeUnknown, CodeService, CodeSomethingWentWrong, CodeServiceUnavailable:
		return true
	}
	return false
}

// graphErrorBody is the Graph API error envelope.
type graphErrorBody struct {
	Error *struct {
		Message   string `json:"message"`
		Type      string `json:"type"`
		Code      int    `json:"code"`
		Subcode   int    `json:"error_subcode"`
		FBTraceID string `json:"fbtrace_id"`
		ErrorData struct {
			Details string `json:"details"`
		} `json:"error_data"`
	} `json:"error"`
}

// newAPIError builds an *APIError from a non-2xx response. A body that is not a Graph error
// (an HTML page from a proxy, say) is not copied into the error.
func newAPIError(status int, header http.Header, body []byte) *APIError {
	e := &APIError{HTTPStatus: status, RetryAfter: parseRetryAfter(header.Get("Retry-After"), time.Now())}
	var g graphErrorBody
	if json.Unmarshal(body, &g) == nil && g.Error != nil {
		e.Code = g.Error.Code
		e.Subcode = g.Error.Subcode
		e.Type = g.Error.Type
		e.Message = g.Error.Message
		e.Details = g.Error.ErrorData.Details
		e.FBTraceID = g.Error.FBTraceID
	} else {
		e.Message = http.StatusText(status)
	}
	return e
}

// parseRetryAfter reads a Retry-After header given in seconds or as an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// ValidationError describes an outbound message that breaks a Meta limit. It matches
// errors.Is(err, ErrInvalidMessage). It names the field, never its content.
type ValidationError struct {
	Field  string // e.g. "buttons[1].title"
	Reason string // e.g. "is 21 characters, max 20"
}

// Error implements error.
func (e *ValidationError) Error() string {
	return "whatsapp: invalid message: " + e.Field + " " + e.Reason
}

// Unwrap makes errors.Is(err, ErrInvalidMessage) true.
func (e *ValidationError) Unwrap() error { return ErrInvalidMessage }

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
