package mercadopagotest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// NotifyMode alters how a notification is sent, to exercise the receiver's
// edge cases. Flags combine with |.
type NotifyMode uint

const (
	// Duplicate sends the same notification (same body id) twice, each with
	// its own x-request-id, as Mercado Pago does now and then.
	Duplicate NotifyMode = 1 << iota
	// UppercaseID sends data.id upper-cased in the query and body while
	// signing the lower-cased value (the Orders/QR lowercase rule). Payment
	// ids are digits, so use NotifyResource with an alphanumeric id to see
	// an effect.
	UppercaseID
	// DropRequestID omits x-request-id; the signature leaves that part out.
	DropRequestID
	// IPN sends the legacy form (?topic=payment&id=<id>, body
	// {"resource","topic"}), whose signature cannot be verified.
	IPN
	// BadSignature signs with a wrong secret.
	BadSignature
	// Unsigned omits x-signature.
	Unsigned
	// SecondsTimestamp puts ts in seconds (the older docs example) instead
	// of milliseconds.
	SecondsTimestamp
	// StringNotificationID sends the body "id" as a JSON string (the
	// simulator's form) instead of a number.
	StringNotificationID
)

// Delivery is one attempt to deliver a notification.
type Delivery struct {
	// NotificationID is the body "id" shared by every attempt and duplicate
	// of one notification (0 for IPN, whose body has none).
	NotificationID int64
	// Kind is "webhook" or "ipn".
	Kind       string
	Topic      string
	ResourceID string
	Action     string
	// Attempt is the X-Retry value: 0 for the first try.
	Attempt   int
	URL       string
	RequestID string
	// Signature is the x-signature sent ("" when unsigned).
	Signature string
	Header    http.Header
	Body      []byte
	// StatusCode is the receiver's answer, 0 on a transport error or timeout.
	StatusCode int
	Err        string
	// Acknowledged: the receiver answered 200 or 201 in time.
	Acknowledged bool
	At           time.Time
	Duration     time.Duration
}

// Deliveries returns every delivery attempt so far, in the order they ended.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Delivery, len(s.deliveries))
	for i, d := range s.deliveries {
		d.Header = d.Header.Clone()
		out[i] = d
	}
	return out
}

// WaitIdle waits until no notification is being delivered or waiting for a
// retry (for instance after paying on the checkout page or refunding through
// the API, which do not wait), or until ctx ends.
func (s *Server) WaitIdle(ctx context.Context) error {
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for {
		s.mu.Lock()
		n := s.inflight
		s.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Notify sends one notification about a payment to its notification_url,
// regardless of source_news: a webhook (action payment.created for a payment
// never updated, else payment.updated), or with IPN the legacy form. It waits
// like Pay and returns ErrNotDelivered (joined) when an attempt series ran
// out without acknowledgement.
func (s *Server) Notify(ctx context.Context, paymentID int64, mode NotifyMode) error {
	s.mu.Lock()
	p, ok := s.payments[paymentID]
	if !ok {
		s.mu.Unlock()
		return errorf("%w: %d", ErrUnknownPayment, paymentID)
	}
	if p.NotificationURL == "" {
		s.mu.Unlock()
		return errorf("payment %d has no notification_url", paymentID)
	}
	action := "payment.updated"
	if p.DateLastUpdated.Equal(p.DateCreated) {
		action = "payment.created"
	}
	id := strconv.FormatInt(p.ID, 10)
	var waits []<-chan error
	if mode&IPN != 0 {
		waits = s.sendLocked(outgoing{kind: "ipn", topic: "payment", resourceID: id, target: p.NotificationURL, mode: mode})
	} else {
		waits = s.sendLocked(outgoing{kind: "webhook", topic: "payment", resourceID: id, action: action, target: p.NotificationURL, mode: mode})
	}
	s.mu.Unlock()
	return wait(ctx, waits)
}

// NotifyResource sends a webhook about any resource (e.g. topic "order"
// with an alphanumeric id like "ORD01JQ4S4KY8HWQ6NA5PXB65B3D3") to
// notificationURL, signed by the same rules. With IPN in mode it sends the
// legacy form instead. It waits like Pay.
func (s *Server) NotifyResource(ctx context.Context, notificationURL, topic, resourceID string, mode NotifyMode) error {
	kind := "webhook"
	if mode&IPN != 0 {
		kind = "ipn"
	}
	s.mu.Lock()
	waits := s.sendLocked(outgoing{kind: kind, topic: topic, resourceID: resourceID, action: topic + ".updated", target: notificationURL, mode: mode})
	s.mu.Unlock()
	return wait(ctx, waits)
}

// fanOutLocked sends what Mercado Pago sends for a payment event, per the
// notification_url's source_news; caller holds s.mu.
func (s *Server) fanOutLocked(p *Payment, action string, mode NotifyMode) []<-chan error {
	if p.NotificationURL == "" {
		return nil
	}
	u, err := url.Parse(p.NotificationURL)
	if err != nil {
		return nil
	}
	news := u.Query().Get("source_news")
	id := strconv.FormatInt(p.ID, 10)
	var waits []<-chan error
	if news != "ipn" {
		waits = append(waits, s.sendLocked(outgoing{kind: "webhook", topic: "payment", resourceID: id, action: action, target: p.NotificationURL, mode: mode &^ IPN})...)
	}
	if news != "webhooks" {
		waits = append(waits, s.sendLocked(outgoing{kind: "ipn", topic: "payment", resourceID: id, target: p.NotificationURL, mode: mode &^ IPN})...)
		waits = append(waits, s.sendLocked(outgoing{
			kind: "ipn", topic: "merchant_order", resourceID: strconv.FormatInt(p.OrderID, 10),
			resourceURL: "https://api.mercadolibre.com/merchant_orders/" + strconv.FormatInt(p.OrderID, 10),
			target:      p.NotificationURL, mode: mode &^ IPN,
		})...)
	}
	return waits
}

type outgoing struct {
	kind, topic, resourceID, action string
	// resourceURL replaces resourceID in an IPN body's "resource".
	resourceURL string
	target      string
	mode        NotifyMode
}

// sendLocked starts the delivery of one notification (two with Duplicate)
// in the background; caller holds s.mu.
func (s *Server) sendLocked(o outgoing) []<-chan error {
	notifID := int64(0)
	if o.kind == "webhook" {
		notifID = s.nextNotif
		s.nextNotif++
	}
	body := s.notificationBody(o, notifID)
	n := 1
	if o.mode&Duplicate != 0 {
		n = 2
	}
	var out []<-chan error
	for range n {
		ch := make(chan error, 1)
		out = append(out, ch)
		if s.closed {
			ch <- errorf("server closed")
			continue
		}
		s.inflight++
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			err := s.deliver(o, notifID, body)
			s.mu.Lock()
			s.inflight--
			s.mu.Unlock()
			ch <- err
		}()
	}
	return out
}

func (s *Server) queryID(o outgoing) string {
	if o.mode&UppercaseID != 0 {
		return strings.ToUpper(o.resourceID)
	}
	return o.resourceID
}

func (s *Server) notificationBody(o outgoing, notifID int64) []byte {
	var v any
	if o.kind == "ipn" {
		res := o.resourceID
		if o.resourceURL != "" {
			res = o.resourceURL
		}
		v = map[string]string{"resource": res, "topic": o.topic}
	} else {
		var id any = notifID
		if o.mode&StringNotificationID != 0 {
			id = strconv.FormatInt(notifID, 10)
		}
		v = map[string]any{
			"action":       o.action,
			"api_version":  "v1",
			"data":         map[string]string{"id": s.queryID(o)},
			"date_created": fmtTime(time.Now()),
			"id":           id,
			"live_mode":    false,
			"type":         o.topic,
			"user_id":      s.opts.CollectorID,
		}
	}
	b, _ := json.Marshal(v)
	return b
}

// targetURL appends the notification's query to the configured URL, keeping
// what it already has (e.g. source_news=webhooks).
func (s *Server) targetURL(o outgoing) string {
	var q string
	if o.kind == "ipn" {
		q = "topic=" + url.QueryEscape(o.topic) + "&id=" + url.QueryEscape(o.resourceID)
	} else {
		q = "data.id=" + url.QueryEscape(s.queryID(o)) + "&type=" + url.QueryEscape(o.topic)
	}
	u := o.target
	frag := ""
	if i := strings.IndexByte(u, '#'); i >= 0 {
		u, frag = u[:i], u[i:]
	}
	switch {
	case !strings.Contains(u, "?"):
		u += "?" + q
	case strings.HasSuffix(u, "?") || strings.HasSuffix(u, "&"):
		u += q
	default:
		u += "&" + q
	}
	return u + frag
}

// signature builds x-signature per providers.md B.3: HMAC-SHA256 (hex) of
// "id:<data.id lower-cased>;request-id:<x-request-id>;ts:<ts>;" with the
// parts whose value is absent left out.
func signature(key []byte, dataID, requestID, ts string) string {
	var m strings.Builder
	if dataID != "" {
		m.WriteString("id:" + strings.ToLower(dataID) + ";")
	}
	if requestID != "" {
		m.WriteString("request-id:" + requestID + ";")
	}
	m.WriteString("ts:" + ts + ";")
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(m.String()))
	return "ts=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

func (s *Server) headers(o outgoing) (requestID, sig string) {
	if o.mode&DropRequestID == 0 {
		requestID = newUUID()
	}
	now := time.Now()
	ts := strconv.FormatInt(now.UnixMilli(), 10)
	if o.mode&SecondsTimestamp != 0 {
		ts = strconv.FormatInt(now.Unix(), 10)
	}
	switch {
	case o.mode&Unsigned != 0:
		return requestID, ""
	case o.kind == "ipn":
		return requestID, signature(s.ipnKey, o.resourceID, requestID, ts)
	case s.opts.WebhookSecret == "":
		return requestID, ""
	case o.mode&BadSignature != 0:
		return requestID, signature([]byte(s.opts.WebhookSecret+"-wrong"), o.resourceID, requestID, ts)
	default:
		return requestID, signature([]byte(s.opts.WebhookSecret), o.resourceID, requestID, ts)
	}
}

// deliver runs the retry schedule for one notification until it is
// acknowledged, the schedule ends, or the server closes.
func (s *Server) deliver(o outgoing, notifID int64, body []byte) error {
	target := s.targetURL(o)
	requestID, sig := s.headers(o)
	var last string
	for attempt, delay := range s.opts.RetrySchedule {
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-s.ctx.Done():
				t.Stop()
				return errorf("%s %s %s: server closed before attempt %d", o.kind, o.topic, o.resourceID, attempt)
			case <-t.C:
			}
		}
		if attempt > 0 && s.opts.ResignRetries {
			requestID, sig = s.headers(o)
		}
		d, err := s.attempt(o, notifID, target, requestID, sig, attempt, body)
		s.mu.Lock()
		s.deliveries = append(s.deliveries, d)
		s.mu.Unlock()
		if err == nil {
			return nil
		}
		last = err.Error()
		if s.ctx.Err() != nil {
			break
		}
	}
	return fmt.Errorf("%s %s %s after %d attempts (last: %s): %w",
		o.kind, o.topic, o.resourceID, len(s.opts.RetrySchedule), last, ErrNotDelivered)
}

func (s *Server) attempt(o outgoing, notifID int64, target, requestID, sig string, attempt int, body []byte) (Delivery, error) {
	d := Delivery{
		NotificationID: notifID, Kind: o.kind, Topic: o.topic, ResourceID: o.resourceID, Action: o.action,
		Attempt: attempt, URL: target, RequestID: requestID, Signature: sig, Body: body, At: time.Now(),
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.opts.NotificationTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		d.Err = err.Error()
		return d, err
	}
	req.Header.Set("Accept", "*/*")
	req.Header.Set("Accept-Encoding", "*")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "restclient-node/4.15.3")
	req.Header.Set("X-Rest-Pool-Name", "/services/webhooks.js")
	req.Header.Set("X-Retry", strconv.Itoa(attempt))
	req.Header.Set("X-Socket-Timeout", strconv.FormatInt(s.opts.NotificationTimeout.Milliseconds(), 10))
	if requestID != "" {
		req.Header.Set("X-Request-Id", requestID)
	}
	if sig != "" {
		req.Header.Set("X-Signature", sig)
	}
	d.Header = req.Header.Clone()
	resp, err := s.hc.Do(req)
	d.Duration = time.Since(d.At)
	if err != nil {
		d.Err = err.Error()
		return d, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	d.StatusCode = resp.StatusCode
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		d.Err = "HTTP " + strconv.Itoa(resp.StatusCode)
		return d, errors.New(d.Err)
	}
	d.Acknowledged = true
	return d, nil
}

// wait collects the results of deliveries; ctx ending stops the waiting,
// not the deliveries.
func wait(ctx context.Context, chans []<-chan error) error {
	var errs []error
	for _, ch := range chans {
		select {
		case err := <-ch:
			if err != nil {
				errs = append(errs, err)
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return errors.Join(errs...)
}
