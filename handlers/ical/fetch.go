package ical

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Fetch limits.
const (
	// DefaultTimeout bounds one whole fetch: connect, headers and body.
	DefaultTimeout = 20 * time.Second
	// DefaultMaxBytes caps a feed's (decompressed) size. Real feeds are a few kB to a few
	// hundred kB; a multi-year merged feed stays under 1 MB.
	DefaultMaxBytes = 4 << 20
)

// ErrTooLarge means the feed was larger than the size cap.
var ErrTooLarge = errors.New("ical: feed larger than the size cap")

// HTTPError is a fetch answered with a status other than 200 or 304.
type HTTPError struct {
	Status int
}

func (e *HTTPError) Error() string {
	return "ical: feed answered HTTP " + strconv.Itoa(e.Status) + " " + http.StatusText(e.Status)
}

// Validators are the conditional-GET values remembered from the last good fetch.
type Validators struct {
	ETag         string
	LastModified string
}

// Response is the outcome of a fetch.
type Response struct {
	// NotModified is a 304: the feed is what it was at the last good fetch.
	NotModified bool
	Body        []byte
	// Validators are those the server sent with this response (empty when it sent none).
	Validators Validators
}

// Fetcher downloads feeds. The zero value is usable.
type Fetcher struct {
	// Client does the requests; nil means a client over http.DefaultTransport. Its own Timeout,
	// if any, applies on top of Timeout.
	Client *http.Client
	// Timeout bounds each fetch (default DefaultTimeout).
	Timeout time.Duration
	// MaxBytes caps the body (default DefaultMaxBytes).
	MaxBytes int64
	// UserAgent is sent with every request.
	UserAgent string
}

// Fetch GETs url, sending If-None-Match / If-Modified-Since from v. The error never contains the
// URL: feed URLs carry the other channel's secret token.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string, v Validators) (Response, error) {
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	maxBytes := f.MaxBytes
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	client := f.Client
	if client == nil {
		client = &http.Client{}
	}
	u, err := NormalizeURL(rawURL)
	if err != nil {
		return Response{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Response{}, fmt.Errorf("ical: build request: %w", stripURL(err))
	}
	req.Header.Set("Accept", "text/calendar, */*;q=0.5")
	if f.UserAgent != "" {
		req.Header.Set("User-Agent", f.UserAgent)
	}
	if v.ETag != "" {
		req.Header.Set("If-None-Match", v.ETag)
	}
	if v.LastModified != "" {
		req.Header.Set("If-Modified-Since", v.LastModified)
	}
	resp, err := client.Do(req)
	if err != nil {
		return Response{}, fmt.Errorf("ical: fetch: %w", stripURL(err))
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
	}()
	got := Validators{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotModified:
		if v.ETag == "" && v.LastModified == "" {
			return Response{}, &HTTPError{Status: resp.StatusCode} // a 304 we did not ask for
		}
		return Response{NotModified: true, Validators: got}, nil
	default:
		return Response{}, &HTTPError{Status: resp.StatusCode}
	}
	if resp.ContentLength > maxBytes {
		return Response{}, fmt.Errorf("%w: %d bytes announced, cap %d", ErrTooLarge, resp.ContentLength, maxBytes)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return Response{}, fmt.Errorf("ical: read body: %w", stripURL(err))
	}
	if int64(len(body)) > maxBytes {
		return Response{}, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, maxBytes)
	}
	return Response{Body: body, Validators: got}, nil
}

// NormalizeURL checks a feed URL and turns webcal:// into https://.
func NormalizeURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("ical: feed URL does not parse")
	}
	switch strings.ToLower(u.Scheme) {
	case "webcal", "webcals":
		u.Scheme = "https"
	case "http", "https":
	default:
		return "", fmt.Errorf("ical: feed URL scheme %q is not http, https or webcal", u.Scheme)
	}
	if u.Host == "" {
		return "", errors.New("ical: feed URL has no host")
	}
	return u.String(), nil
}

// stripURL drops the URL from net/http's errors (*url.Error) and keeps the cause.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("timeout: %w", err)
	}
	return err
}
