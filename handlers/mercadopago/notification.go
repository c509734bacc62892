package mercadopago

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Notification kinds.
const (
	// KindWebhook is the current form: POST url?data.id=<id>&type=<topic>.
	KindWebhook = "webhook"
	// KindIPN is the legacy form: POST url?topic=<topic>&id=<id>. Its
	// x-signature cannot be verified with the webhook secret.
	KindIPN = "ipn"
)

// TopicPayment is the only topic the application acts on.
const TopicPayment = "payment"

// DefaultSignatureTolerance is the freshness window this package recommends
// for [VerifySignature]. Mercado Pago retries an unacknowledged notification
// for about 14 days (0, 15m, 30m, 6h, 48h, 96h, 96h, 96h) and does not say
// whether retries are re-signed with a new ts, so anything shorter could
// reject genuine late retries. A replayed authentic notification is harmless:
// it only makes a worker re-fetch the payment from the API.
const DefaultSignatureTolerance = 15 * 24 * time.Hour

// Errors returned by ParseNotification and VerifySignature.
var (
	// ErrMalformedNotification: the request names no usable resource, or its
	// query and body contradict each other.
	ErrMalformedNotification = errors.New("mercadopago: malformed notification")
	// ErrMissingSignature: no x-signature header.
	ErrMissingSignature = errors.New("mercadopago: missing x-signature")
	// ErrBadSignature: the header is malformed or its v1 does not match.
	ErrBadSignature = errors.New("mercadopago: bad x-signature")
	// ErrStaleSignature: authentic, but ts is outside the tolerance.
	ErrStaleSignature = errors.New("mercadopago: stale x-signature")
)

// Notification is what a Mercado Pago notification request says happened. It
// is a hint, never the truth: fetch ResourceID from the API before acting.
type Notification struct {
	// Kind is KindWebhook or KindIPN.
	Kind string
	// Topic is "payment", "merchant_order", "chargebacks", ... (the webhook's
	// type or the IPN's topic).
	Topic string
	// ResourceID is the resource id: the payment id when Topic is "payment".
	// For webhooks it is data.id from the query string (the signed value),
	// exactly as sent.
	ResourceID string
	// NotificationID is the body's "id" (a number or a string on the wire);
	// "" when absent (IPN).
	NotificationID string
	// Action is "payment.created", "payment.updated", ... ("" for IPN).
	Action string
	// RequestID is the x-request-id header ("" when absent).
	RequestID string
	// Timestamp is the raw ts of the x-signature header ("" when absent or
	// unparsable). Seconds or milliseconds: see VerifySignature.
	Timestamp string
	// LiveMode is the body's live_mode (false when absent).
	LiveMode bool
	// UserID is the seller id from the body ("" when absent).
	UserID string
	// DateCreated is the body's date_created, raw.
	DateCreated string
}

// IsPayment reports whether the notification is about a payment.
func (n Notification) IsPayment() bool { return n.Topic == TopicPayment }

type wireNotification struct {
	ID          flexString `json:"id"`
	LiveMode    *bool      `json:"live_mode"`
	Type        string     `json:"type"`
	DateCreated flexString `json:"date_created"`
	UserID      flexString `json:"user_id"`
	APIVersion  string     `json:"api_version"`
	Action      string     `json:"action"`
	Data        *struct {
		ID flexString `json:"id"`
	} `json:"data"`
	// IPN body: {"resource":"96718866362","topic":"payment"} or a URL resource.
	Resource string `json:"resource"`
	Topic    string `json:"topic"`
}

const maxIDLen = 64

// validToken reports whether s is a plausible id or topic: 1..64 characters of
// [A-Za-z0-9_.-]. Anything else is refused before it reaches task ids, logs
// or URLs.
func validToken(s string) bool {
	if s == "" || len(s) > maxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-', c == '.':
		default:
			return false
		}
	}
	return true
}

// ParseNotification reads a notification request: its query string, headers
// and body (which may be empty for IPN). It does not verify the signature;
// call VerifySignature for that.
//
// Webhook form: ?data.id=<id>&type=payment with a body like
// {"id":12345,"type":"payment","action":"payment.created","data":{"id":"999"}}.
// The query's data.id is the signed value and wins; a body data.id that
// differs (other than in letter case) is refused. IPN form:
// ?topic=payment&id=<id>, optionally with {"resource":...,"topic":...}, where
// resource is an id or a URL ending in the id.
func ParseNotification(query url.Values, header http.Header, body []byte) (Notification, error) {
	var w wireNotification
	if b := bytes.TrimSpace(body); len(b) > 0 {
		if b[0] != '{' {
			return Notification{}, fmt.Errorf("%w: body is not a JSON object", ErrMalformedNotification)
		}
		if err := json.Unmarshal(b, &w); err != nil {
			return Notification{}, fmt.Errorf("%w: body: %w", ErrMalformedNotification, err)
		}
	}
	n := Notification{
		NotificationID: string(w.ID),
		Action:         w.Action,
		RequestID:      header.Get("X-Request-Id"),
		UserID:         string(w.UserID),
		DateCreated:    string(w.DateCreated),
	}
	if w.LiveMode != nil {
		n.LiveMode = *w.LiveMode
	}
	if sig, err := parseSignatureHeader(header.Get("X-Signature")); err == nil {
		n.Timestamp = sig.ts
	}
	var bodyDataID string
	if w.Data != nil {
		bodyDataID = string(w.Data.ID)
	}

	qDataID, qType := query.Get("data.id"), query.Get("type")
	qTopic, qID := query.Get("topic"), query.Get("id")
	switch {
	case qDataID != "" || qType != "":
		n.Kind = KindWebhook
	case qTopic != "" || qID != "":
		n.Kind = KindIPN
	case bodyDataID != "" || w.Type != "" || w.Action != "":
		n.Kind = KindWebhook
	case w.Resource != "" || w.Topic != "":
		n.Kind = KindIPN
	default:
		return Notification{}, fmt.Errorf("%w: no resource in query or body", ErrMalformedNotification)
	}

	switch n.Kind {
	case KindWebhook:
		topic, err := pick("type", qType, w.Type, false)
		if err != nil {
			return Notification{}, err
		}
		id, err := pick("data.id", qDataID, bodyDataID, true)
		if err != nil {
			return Notification{}, err
		}
		n.Topic, n.ResourceID = topic, id
	case KindIPN:
		resource := w.Resource
		if i := strings.LastIndexByte(resource, '/'); i >= 0 {
			resource = resource[i+1:]
		}
		topic, err := pick("topic", qTopic, w.Topic, false)
		if err != nil {
			return Notification{}, err
		}
		id, err := pick("id", qID, resource, false)
		if err != nil {
			return Notification{}, err
		}
		n.Topic, n.ResourceID = topic, id
	}
	if !validToken(n.Topic) {
		return Notification{}, fmt.Errorf("%w: invalid topic %.70q", ErrMalformedNotification, n.Topic)
	}
	if !validToken(n.ResourceID) {
		return Notification{}, fmt.Errorf("%w: invalid resource id %.70q", ErrMalformedNotification, n.ResourceID)
	}
	return n, nil
}

// pick returns the query value, or the body value when the query has none,
// and refuses the pair when both are set and differ.
func pick(name, fromQuery, fromBody string, foldCase bool) (string, error) {
	if fromQuery == "" {
		return fromBody, nil
	}
	if fromBody != "" && fromBody != fromQuery && !(foldCase && strings.EqualFold(fromBody, fromQuery)) {
		return "", fmt.Errorf("%w: %s differs between query (%.70q) and body (%.70q)", ErrMalformedNotification, name, fromQuery, fromBody)
	}
	return fromQuery, nil
}

type signatureParts struct {
	ts string
	v1 []string
}

// parseSignatureHeader splits "ts=<ts>,v1=<hex>": parts on ',', each on its
// first '=', keys and values trimmed. Several v1 values are all kept.
func parseSignatureHeader(h string) (signatureParts, error) {
	var p signatureParts
	if strings.TrimSpace(h) == "" {
		return p, ErrMissingSignature
	}
	for part := range strings.SplitSeq(h, ",") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "ts":
			p.ts = strings.TrimSpace(v)
		case "v1":
			p.v1 = append(p.v1, strings.TrimSpace(v))
		}
	}
	if p.ts == "" || len(p.v1) == 0 {
		return p, fmt.Errorf("%w: header lacks ts or v1", ErrBadSignature)
	}
	if len(p.ts) > 19 || strings.Trim(p.ts, "0123456789") != "" {
		return p, fmt.Errorf("%w: ts is not a decimal number", ErrBadSignature)
	}
	return p, nil
}

// SignatureManifest is the text Mercado Pago signs:
// "id:<data.id lower-cased>;request-id:<x-request-id>;ts:<ts>;", where each
// part whose value is empty is left out with its key and ';'.
func SignatureManifest(dataID, requestID, ts string) string {
	var b strings.Builder
	if dataID != "" {
		b.WriteString("id:")
		b.WriteString(strings.ToLower(dataID))
		b.WriteString(";")
	}
	if requestID != "" {
		b.WriteString("request-id:")
		b.WriteString(requestID)
		b.WriteString(";")
	}
	if ts != "" {
		b.WriteString("ts:")
		b.WriteString(ts)
		b.WriteString(";")
	}
	return b.String()
}

func sign(secret, manifest string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(manifest))
	return m.Sum(nil)
}

// SignatureHeader returns the x-signature value Mercado Pago would send for a
// notification whose query data.id is dataID and whose x-request-id is
// requestID: "ts=<ts>,v1=<hex>". For tests and fakes.
func SignatureHeader(secret, dataID, requestID string, ts int64) string {
	t := strconv.FormatInt(ts, 10)
	return "ts=" + t + ",v1=" + hex.EncodeToString(sign(secret, SignatureManifest(dataID, requestID, t)))
}

// msThreshold separates the two ts units seen in Mercado Pago's examples:
// 1704908010 (seconds) and 1742505638683 (milliseconds). 1e11 seconds is the
// year 5138 and 1e11 milliseconds is March 1973, so no real timestamp is
// ambiguous.
const msThreshold = 100_000_000_000

// VerifySignature checks the x-signature header of a webhook notification.
//
// The manifest is built from the query's data.id (lower-cased), the
// x-request-id header and the header's ts, leaving out absent parts (see
// SignatureManifest); its HMAC-SHA256 under secret must equal a v1 of the
// header (hex, compared in constant time). After the MAC matches, ts (seconds
// or milliseconds, told apart by magnitude) must be within tolerance of now in
// either direction; tolerance <= 0 disables that check. See
// DefaultSignatureTolerance for the recommended value.
//
// Errors: ErrMissingSignature (no header), ErrBadSignature (malformed header,
// empty secret, or no matching v1), ErrStaleSignature (authentic but old).
// Legacy IPN notifications cannot pass: their signature is not made with the
// webhook secret.
func VerifySignature(secret string, query url.Values, header http.Header, now time.Time, tolerance time.Duration) error {
	sig, err := parseSignatureHeader(header.Get("X-Signature"))
	if err != nil {
		return err
	}
	if secret == "" {
		return fmt.Errorf("%w: no webhook secret configured", ErrBadSignature)
	}
	want := sign(secret, SignatureManifest(query.Get("data.id"), header.Get("X-Request-Id"), sig.ts))
	matched := false
	for _, v := range sig.v1 {
		got, err := hex.DecodeString(strings.ToLower(v))
		if err != nil {
			continue
		}
		if hmac.Equal(got, want) {
			matched = true
		}
	}
	if !matched {
		return fmt.Errorf("%w: v1 does not match", ErrBadSignature)
	}
	if tolerance <= 0 {
		return nil
	}
	ts, err := strconv.ParseInt(sig.ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: ts: %w", ErrBadSignature, err)
	}
	var at time.Time
	if ts >= msThreshold {
		at = time.UnixMilli(ts)
	} else {
		at = time.Unix(ts, 0)
	}
	if d := now.Sub(at); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: ts %s is %s away from now", ErrStaleSignature, sig.ts, d.Round(time.Second))
	}
	return nil
}
