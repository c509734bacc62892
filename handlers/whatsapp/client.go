package whatsapp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults applied by NewClient to zero Config fields.
const (
	DefaultBaseURL     = "https://graph.facebook.com/v25.0"
	DefaultMaxAttempts = 4
	DefaultBaseBackoff = 500 * time.Millisecond
	// DefaultHTTPTimeout bounds one attempt when NewClient is given a nil *http.Client.
	DefaultHTTPTimeout = 30 * time.Second
)

const (
	maxBackoff = 30 * time.Second
	// maxRetryAfter is the longest Retry-After the client waits for in-process; longer waits
	// are left to the caller (the task queue), with the *APIError's RetryAfter set.
	maxRetryAfter = time.Minute
	// maxResponseBody caps the JSON answers read from the Graph API.
	maxResponseBody = 1 << 20
)

// Config configures a Client.
type Config struct {
	// BaseURL is the Graph API base including the version, e.g.
	// https://graph.facebook.com/v21.0. Empty means DefaultBaseURL.
	BaseURL string
	// PhoneNumberID is the business phone number's ID (not the number itself).
	PhoneNumberID string
	// Token is the system-user access token sent as "Authorization: Bearer".
	Token string
	// MaxAttempts bounds the tries of one call, the first included. Zero means 4.
	MaxAttempts int
	// BaseBackoff is the wait before the first retry; it doubles on each retry (capped at
	// 30 s) with jitter. A Retry-After header, when longer, wins. Zero means 500 ms.
	BaseBackoff time.Duration
}

// Client is a WhatsApp Cloud API client. It is safe for concurrent use. It never logs.
type Client struct {
	cfg Config
	hc  *http.Client
}

// NewClient returns a client for cfg. A nil hc means an *http.Client with a 30 s timeout.
func NewClient(cfg Config, hc *http.Client) *Client {
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.BaseBackoff <= 0 {
		cfg.BaseBackoff = DefaultBaseBackoff
	}
	if hc == nil {
		hc = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	return &Client{cfg: cfg, hc: hc}
}

// response is a 2xx answer.
type response struct {
	header http.Header
	body   []byte
}

// request describes one logical call; do may send it several times.
type request struct {
	op       string // for error messages, e.g. "send text"
	method   string
	url      string
	body     []byte // JSON, nil for GET
	limit    int64  // max body bytes to read; 0 means maxResponseBody
	tooBig   error  // returned when the answer exceeds limit
	notFound error  // returned (not retried) on a 404, if set
}

// do sends req with retries: transport errors, HTTP 429/5xx and the temporary Graph codes
// are retried with exponential backoff and jitter, honouring Retry-After, up to MaxAttempts.
func (c *Client) do(ctx context.Context, req request) (response, error) {
	if c.cfg.Token == "" {
		return response{}, fmt.Errorf("whatsapp: %s: missing token: %w", req.op, ErrNotConfigured)
	}
	var lastErr error
	for attempt := 1; ; attempt++ {
		resp, retryAfter, err := c.once(ctx, req)
		if err == nil {
			return resp, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			return response{}, fmt.Errorf("whatsapp: %s: %w (last error: %w)", req.op, ctx.Err(), lastErr)
		}
		if !retryable(err) || attempt >= c.cfg.MaxAttempts {
			break
		}
		if retryAfter > maxRetryAfter {
			break
		}
		delay := backoff(attempt, c.cfg.BaseBackoff, retryAfter, rand.Int64N)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < delay {
			break
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return response{}, fmt.Errorf("whatsapp: %s: %w (last error: %w)", req.op, ctx.Err(), lastErr)
		case <-t.C:
		}
	}
	return response{}, fmt.Errorf("whatsapp: %s: %w", req.op, lastErr)
}

// once sends req a single time. It returns the Retry-After of a failed answer.
func (c *Client) once(ctx context.Context, req request) (response, time.Duration, error) {
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.method, req.url, body)
	if err != nil {
		return response{}, 0, fmt.Errorf("build request: %w", stripURL(err))
	}
	hreq.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	if req.body != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	hresp, err := c.hc.Do(hreq)
	if err != nil {
		return response{}, 0, &transportError{err: stripURL(err)}
	}
	defer hresp.Body.Close()

	limit := req.limit
	if limit <= 0 {
		limit = maxResponseBody
	}
	if hresp.StatusCode/100 == 2 && hresp.ContentLength > limit && req.tooBig != nil {
		return response{}, 0, req.tooBig
	}
	data, err := io.ReadAll(io.LimitReader(hresp.Body, limit+1))
	if err != nil {
		return response{}, 0, &transportError{err: fmt.Errorf("read response: %w", stripURL(err))}
	}
	if hresp.StatusCode/100 != 2 {
		if hresp.StatusCode == http.StatusNotFound && req.notFound != nil {
			return response{}, 0, req.notFound
		}
		apiErr := newAPIError(hresp.StatusCode, hresp.Header, data)
		return response{}, apiErr.RetryAfter, apiErr
	}
	if int64(len(data)) > limit {
		if req.tooBig != nil {
			return response{}, 0, req.tooBig
		}
		return response{}, 0, fmt.Errorf("response larger than %d bytes", limit)
	}
	return response{header: hresp.Header, body: data}, 0, nil
}

// transportError marks a failure to get an HTTP answer at all.
type transportError struct{ err error }

func (e *transportError) Error() string { return "transport: " + e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// retryable reports whether err from once should be retried.
func retryable(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Temporary()
	}
	var tErr *transportError
	return errors.As(err, &tErr)
}

// backoff returns the wait before retry number attempt (1-based): base·2^(attempt-1), capped
// at 30 s, with "equal jitter" (half fixed, half random), but never less than retryAfter.
// randN returns a uniform value in [0, n).
func backoff(attempt int, base, retryAfter time.Duration, randN func(int64) int64) time.Duration {
	d := base
	for i := 1; i < attempt && d < maxBackoff; i++ {
		d *= 2
	}
	d = min(d, maxBackoff)
	half := d / 2
	d = half + time.Duration(randN(int64(d-half)+1))
	return max(d, retryAfter)
}

// stripURL drops the URL from *url.Error so that media URLs (short-lived credentials) and
// query strings never reach error messages or logs.
func stripURL(err error) error {
	var uErr *url.Error
	if errors.As(err, &uErr) {
		return fmt.Errorf("%s: %w", uErr.Op, uErr.Err)
	}
	return err
}
