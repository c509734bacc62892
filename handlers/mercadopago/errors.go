package mercadopago

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Sentinel errors. An [*APIError] matches the one for its HTTP status with
// errors.Is, so callers never compare status codes or strings.
var (
	// ErrNotFound: HTTP 404 (unknown payment, or one Mercado Pago has not
	// made visible yet right after payment.created).
	ErrNotFound = errors.New("mercadopago: not found")
	// ErrUnauthorized: HTTP 401 or 403 (bad or missing access token).
	ErrUnauthorized = errors.New("mercadopago: unauthorized")
	// ErrBadRequest: HTTP 400 or 422 (the request was refused as invalid).
	ErrBadRequest = errors.New("mercadopago: bad request")
	// ErrConflict: HTTP 409 (idempotency key reused with another request).
	ErrConflict = errors.New("mercadopago: conflict")
	// ErrUnavailable: HTTP 423, 429 or 5xx after the client used up its attempts.
	ErrUnavailable = errors.New("mercadopago: unavailable")
	// ErrInvalidID: an id argument that cannot be a Mercado Pago payment id.
	ErrInvalidID = errors.New("mercadopago: invalid id")
)

// Cause is one element of the error envelope's "cause" array.
type Cause struct {
	// Code is a number in the observed envelopes (2000); kept as text.
	Code        string
	Description string
	// Data may be null; "" then.
	Data string
}

// APIError is a non-2xx answer, decoded from Mercado Pago's error envelope
//
//	{"message":"Payment not found","error":"not_found","status":404,"cause":[{"code":2000,"description":"Payment not found","data":"..."}]}
//
// When the body is not such an envelope (an HTML page from a proxy, say),
// Message is the HTTP status text and Code is empty.
type APIError struct {
	HTTPStatus int
	Message    string
	// Code is the envelope's "error" field, e.g. "not_found", "bad_request".
	Code   string
	Causes []Cause
	// RequestID is the X-Request-Id the client sent on the failed attempt,
	// useful when asking Mercado Pago support about a call.
	RequestID string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP %d", e.HTTPStatus)
	if e.Code != "" {
		b.WriteString(" ")
		b.WriteString(e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	for _, c := range e.Causes {
		if c.Code == "" && c.Description == "" {
			continue
		}
		fmt.Fprintf(&b, " [%s %s]", c.Code, c.Description)
	}
	return b.String()
}

// Is maps the HTTP status to the package's sentinel errors.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.HTTPStatus == http.StatusNotFound
	case ErrUnauthorized:
		return e.HTTPStatus == http.StatusUnauthorized || e.HTTPStatus == http.StatusForbidden
	case ErrBadRequest:
		return e.HTTPStatus == http.StatusBadRequest || e.HTTPStatus == http.StatusUnprocessableEntity
	case ErrConflict:
		return e.HTTPStatus == http.StatusConflict
	case ErrUnavailable:
		return retryableStatus(e.HTTPStatus)
	}
	return false
}

// retryableStatus reports whether an answer with this status may succeed if
// the same request is sent again: 423 (idempotency key locked), 429 and 5xx,
// as the official SDK classifies them.
func retryableStatus(status int) bool {
	return status == http.StatusLocked || status == http.StatusTooManyRequests || status >= 500
}

type wireError struct {
	Message string     `json:"message"`
	Error   string     `json:"error"`
	Status  flexString `json:"status"`
	Cause   []struct {
		Code        flexString `json:"code"`
		Description string     `json:"description"`
		Data        flexString `json:"data"`
	} `json:"cause"`
}

// newAPIError builds the error for a non-2xx answer from its status and body.
func newAPIError(status int, body []byte, requestID string) *APIError {
	e := &APIError{HTTPStatus: status, RequestID: requestID}
	var w wireError
	if json.Unmarshal(body, &w) == nil && (w.Message != "" || w.Error != "") {
		e.Message = w.Message
		e.Code = w.Error
		for _, c := range w.Cause {
			e.Causes = append(e.Causes, Cause{Code: string(c.Code), Description: c.Description, Data: string(c.Data)})
		}
		return e
	}
	e.Message = http.StatusText(status)
	return e
}
