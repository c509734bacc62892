package mercadopago

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// DefaultBaseURL is the production API.
const DefaultBaseURL = "https://api.mercadopago.com"

const (
	defaultMaxAttempts   = 4
	defaultBaseBackoff   = 250 * time.Millisecond
	defaultMaxBackoff    = 10 * time.Second
	defaultMaxRetryAfter = 30 * time.Second
	defaultHTTPTimeout   = 30 * time.Second
	maxResponseBytes     = 8 << 20
	userAgent            = "reservas-mercadopago/1"
)

// Config configures a [Client]. Zero values get defaults in [NewClient].
type Config struct {
	// BaseURL defaults to DefaultBaseURL; tests and the sandbox point it at
	// the fake. A trailing slash is ignored.
	BaseURL string
	// AccessToken is the seller's access token (MP_ACCESS_TOKEN). Calls fail
	// without one.
	AccessToken string
	// MaxAttempts is the number of tries for a call whose answer is
	// retryable (423, 429, 5xx, transport error). Default 4; 1 disables retries.
	MaxAttempts int
	// BaseBackoff is the wait before the second attempt; it doubles each time
	// (with jitter) up to MaxBackoff. Default 250ms.
	BaseBackoff time.Duration
	// MaxBackoff caps one backoff wait. Default 10s.
	MaxBackoff time.Duration
	// MaxRetryAfter caps a server's Retry-After. When the server asks for a
	// longer wait the client gives up at once and returns the error, so the
	// caller (an asynq task) can retry later instead of holding a worker.
	// Default 30s.
	MaxRetryAfter time.Duration
}

// Client calls the Mercado Pago REST API. It is safe for concurrent use.
type Client struct {
	baseURL       string
	token         string
	maxAttempts   int
	baseBackoff   time.Duration
	maxBackoff    time.Duration
	maxRetryAfter time.Duration
	hc            *http.Client
}

// NewClient returns a client for cfg. hc may be nil, for an http.Client with
// a 30s timeout; each attempt is bounded by hc's timeout and by ctx.
func NewClient(cfg Config, hc *http.Client) *Client {
	c := &Client{
		baseURL:       strings.TrimRight(cfg.BaseURL, "/"),
		token:         cfg.AccessToken,
		maxAttempts:   cfg.MaxAttempts,
		baseBackoff:   cfg.BaseBackoff,
		maxBackoff:    cfg.MaxBackoff,
		maxRetryAfter: cfg.MaxRetryAfter,
		hc:            hc,
	}
	if c.baseURL == "" {
		c.baseURL = DefaultBaseURL
	}
	if c.maxAttempts <= 0 {
		c.maxAttempts = defaultMaxAttempts
	}
	if c.baseBackoff <= 0 {
		c.baseBackoff = defaultBaseBackoff
	}
	if c.maxBackoff <= 0 {
		c.maxBackoff = defaultMaxBackoff
	}
	if c.maxRetryAfter <= 0 {
		c.maxRetryAfter = defaultMaxRetryAfter
	}
	if c.hc == nil {
		c.hc = &http.Client{Timeout: defaultHTTPTimeout}
	}
	return c
}

// call sends one logical request, retrying retryable failures, and decodes a
// 2xx JSON body into out (when out is not nil). body is marshalled once; every
// attempt of a non-GET call carries the same X-Idempotency-Key, so a retry
// after a lost answer cannot create a second resource.
func (c *Client) call(ctx context.Context, method, path string, body any, idempotencyKey string, out any) error {
	if c.token == "" {
		return errors.New("mercadopago: no access token configured")
	}
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("mercadopago: encode %s %s: %w", method, path, err)
		}
	}
	if method != http.MethodGet && idempotencyKey == "" {
		idempotencyKey = uuid.NewString()
	}

	var lastErr error
	for attempt := 1; ; attempt++ {
		respBody, wait, err := c.attempt(ctx, method, path, payload, idempotencyKey)
		if err == nil {
			if out == nil || len(bytes.TrimSpace(respBody)) == 0 {
				return nil
			}
			if err := json.Unmarshal(respBody, out); err != nil {
				return fmt.Errorf("mercadopago: decode %s %s: %w", method, path, err)
			}
			return nil
		}
		lastErr = err
		if wait < 0 || attempt >= c.maxAttempts {
			if attempt > 1 {
				return fmt.Errorf("mercadopago: %s %s failed after %d attempts: %w", method, path, attempt, lastErr)
			}
			return fmt.Errorf("mercadopago: %s %s: %w", method, path, lastErr)
		}
		if wait == 0 {
			wait = c.backoff(attempt)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("mercadopago: %s %s: %w (last attempt: %w)", method, path, ctx.Err(), lastErr)
		case <-t.C:
		}
	}
}

// attempt sends one HTTP request. On failure wait tells the retry loop what
// to do: -1 never retry, 0 retry after the default backoff, >0 retry after
// exactly that long (the server's Retry-After).
func (c *Client) attempt(ctx context.Context, method, path string, payload []byte, idempotencyKey string) (body []byte, wait time.Duration, err error) {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, rd)
	if err != nil {
		return nil, -1, err
	}
	requestID := uuid.NewString()
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("X-Request-Id", requestID)
	if method != http.MethodGet {
		req.Header.Set("X-Idempotency-Key", idempotencyKey)
	}

	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, -1, err
		}
		// Connection refused, reset, or the http.Client timeout: the server
		// may or may not have acted; the idempotency key makes a retry safe.
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if readErr != nil {
			if ctx.Err() != nil {
				return nil, -1, readErr
			}
			return nil, 0, fmt.Errorf("read body: %w", readErr)
		}
		return body, 0, nil
	}
	apiErr := newAPIError(resp.StatusCode, body, requestID)
	if !retryableStatus(resp.StatusCode) {
		return nil, -1, apiErr
	}
	if ra, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
		if ra > c.maxRetryAfter {
			return nil, -1, apiErr
		}
		if ra == 0 {
			ra = time.Millisecond
		}
		return nil, ra, apiErr
	}
	return nil, 0, apiErr
}

// backoff is the wait after failed attempt n (1-based): BaseBackoff·2^(n-1),
// capped, with "equal jitter" (half fixed, half random) so that workers that
// failed together do not retry together.
func (c *Client) backoff(n int) time.Duration {
	d := c.baseBackoff
	for i := 1; i < n && d < c.maxBackoff; i++ {
		d *= 2
	}
	d = min(d, c.maxBackoff)
	half := d / 2
	return half + rand.N(half+1)
}

// retryAfter parses a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(365*24*time.Hour/time.Second) {
			secs = int64(365 * 24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
