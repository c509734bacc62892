package whatsapptest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/reservas/reservas/handlers/whatsapp"
)

// The builders below produce webhook bodies byte for byte the way Meta sends them: compact
// JSON, Meta's key order, timestamps as strings, "/" written as "\/" and every non-ASCII
// character escaped as \uXXXX with lowercase hex (providers.md A.2, A.3). A handler that
// re-serialises the body before checking the signature fails against them.

// TextWebhook is an inbound text message from user number from (digits) named name.
func TextWebhook(phoneNumberID, from, name, wamid, text string, ts time.Time) []byte {
	return messageWebhook(phoneNumberID, from, name, obj{
		{"from", from}, {"id", wamid}, {"timestamp", unix(ts)}, {"type", "text"},
		{"text", obj{{"body", text}}},
	})
}

// ButtonReplyWebhook is a tap on a reply button (interactive button_reply) of our message
// contextWamid.
func ButtonReplyWebhook(phoneNumberID, from, name, wamid, contextWamid, buttonID, buttonTitle string, ts time.Time) []byte {
	return messageWebhook(phoneNumberID, from, name, obj{
		{"context", obj{{"from", DisplayPhoneNumber}, {"id", contextWamid}}},
		{"from", from}, {"id", wamid}, {"timestamp", unix(ts)}, {"type", "interactive"},
		{"interactive", obj{{"type", "button_reply"}, {"button_reply", obj{{"id", buttonID}, {"title", buttonTitle}}}}},
	})
}

// ListReplyWebhook is a row chosen in our list message contextWamid (interactive
// list_reply). An empty description is left out.
func ListReplyWebhook(phoneNumberID, from, name, wamid, contextWamid, rowID, rowTitle, rowDescription string, ts time.Time) []byte {
	reply := obj{{"id", rowID}, {"title", rowTitle}}
	if rowDescription != "" {
		reply = append(reply, kv{"description", rowDescription})
	}
	return messageWebhook(phoneNumberID, from, name, obj{
		{"context", obj{{"from", DisplayPhoneNumber}, {"id", contextWamid}}},
		{"from", from}, {"id", wamid}, {"timestamp", unix(ts)}, {"type", "interactive"},
		{"interactive", obj{{"type", "list_reply"}, {"list_reply", reply}}},
	})
}

// AudioWebhook is an inbound audio message; audio.ID should be registered with AddMedia.
// MimeType defaults to "audio/ogg; codecs=opus"; URL is only included when set (Meta is
// still rolling it out).
func AudioWebhook(phoneNumberID, from, name, wamid string, audio whatsapp.MediaRef, ts time.Time) []byte {
	mime := audio.MimeType
	if mime == "" {
		mime = "audio/ogg; codecs=opus"
	}
	a := obj{{"mime_type", mime}, {"sha256", audio.SHA256}, {"id", audio.ID}}
	if audio.URL != "" {
		a = append(a, kv{"url", audio.URL})
	}
	a = append(a, kv{"voice", audio.Voice})
	return messageWebhook(phoneNumberID, from, name, obj{
		{"from", from}, {"id", wamid}, {"timestamp", unix(ts)}, {"type", "audio"},
		{"audio", a},
	})
}

// UnsupportedWebhook is a message type the Cloud API cannot deliver (error 131051), e.g.
// unsupportedType "poll_creation".
func UnsupportedWebhook(phoneNumberID, from, name, wamid, unsupportedType string, ts time.Time) []byte {
	return messageWebhook(phoneNumberID, from, name, obj{
		{"from", from}, {"id", wamid}, {"timestamp", unix(ts)},
		{"errors", []any{obj{
			{"code", 131051}, {"title", "Message type unknown"}, {"message", "Message type unknown"},
			{"error_data", obj{{"details", "Message type is currently not supported."}}},
		}}},
		{"type", "unsupported"},
		{"unsupported", obj{{"type", unsupportedType}}},
	})
}

// StatusWebhook is a status update (sent, delivered, read, failed, played) for our message
// wamid to recipientID. sent and delivered carry service-conversation pricing; failed
// carries errs (a 131047 error when none are given).
func StatusWebhook(phoneNumberID, wamid, recipientID, status string, ts time.Time, errs ...whatsapp.StatusError) []byte {
	st := obj{{"id", wamid}, {"status", status}, {"timestamp", unix(ts)}, {"recipient_id", recipientID}}
	switch status {
	case "sent", "delivered":
		st = append(st, kv{"pricing", obj{
			{"billable", false}, {"pricing_model", "PMP"}, {"type", "free_customer_service"}, {"category", "service"},
		}})
	case "failed":
		if len(errs) == 0 {
			errs = []whatsapp.StatusError{{
				Code:    whatsapp.CodeReEngagement,
				Title:   "Re-engagement message",
				Message: "Re-engagement message",
				Details: codeTexts[whatsapp.CodeReEngagement][1],
			}}
		}
	}
	if len(errs) > 0 {
		var list []any
		for _, e := range errs {
			href := e.Href
			if href == "" {
				href = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"
			}
			list = append(list, obj{
				{"code", e.Code}, {"title", e.Title}, {"message", e.Message},
				{"error_data", obj{{"details", e.Details}}}, {"href", href},
			})
		}
		st = append(st, kv{"errors", list})
	}
	return envelope(obj{
		{"messaging_product", "whatsapp"},
		{"metadata", metadata(phoneNumberID)},
		{"statuses", []any{st}},
	})
}

// BatchWebhooks merges the entries of several webhook bodies into one POST, the way Meta may
// batch deliveries. Entry bytes are kept exactly.
func BatchWebhooks(bodies ...[]byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(`{"object":"whatsapp_business_account","entry":[`)
	n := 0
	for i, b := range bodies {
		var env struct {
			Entry []json.RawMessage `json:"entry"`
		}
		if err := json.Unmarshal(b, &env); err != nil {
			return nil, fmt.Errorf("whatsapptest: batch body %d: %w", i, err)
		}
		for _, e := range env.Entry {
			if n > 0 {
				buf.WriteByte(',')
			}
			buf.Write(e)
			n++
		}
	}
	buf.WriteString(`]}`)
	return buf.Bytes(), nil
}

// Base64SHA256 is the sha256 of data as inbound media webhooks carry it (standard base64).
func Base64SHA256(data []byte) string {
	sum := sha256.Sum256(data)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// Sign returns the X-Hub-Signature-256 value of body under the server's app secret.
func (s *Server) Sign(body []byte) string {
	mac := hmac.New(sha256.New, []byte(s.opts.AppSecret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Deliver POSTs body to webhookURL like Meta: Content-Type application/json and
// X-Hub-Signature-256 computed over exactly these bytes with the app secret. One attempt; the
// caller closes the response body.
func (s *Server) Deliver(ctx context.Context, webhookURL string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, webhookURL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("whatsapptest: deliver: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "facebookexternalua")
	req.Header.Set(whatsapp.SignatureHeaderName, s.Sign(body))
	resp, err := s.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("whatsapptest: deliver: %w", err)
	}
	return resp, nil
}

// ErrNotDelivered is returned by DeliverOK when the endpoint does not answer 200.
var ErrNotDelivered = errors.New("whatsapptest: webhook not acknowledged with 200")

// DeliverOK is Deliver that drains the answer and fails unless it is 200, which is the only
// status Meta treats as delivered.
func (s *Server) DeliverOK(ctx context.Context, webhookURL string, body []byte) error {
	resp, err := s.Deliver(ctx, webhookURL, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var sink bytes.Buffer
	_, _ = sink.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %w", resp.StatusCode, ErrNotDelivered)
	}
	return nil
}

func messageWebhook(phoneNumberID, from, name string, msg obj) []byte {
	return envelope(obj{
		{"messaging_product", "whatsapp"},
		{"metadata", metadata(phoneNumberID)},
		{"contacts", []any{obj{{"profile", obj{{"name", name}}}, {"wa_id", from}}}},
		{"messages", []any{msg}},
	})
}

func metadata(phoneNumberID string) obj {
	return obj{{"display_phone_number", DisplayPhoneNumber}, {"phone_number_id", phoneNumberID}}
}

func envelope(value obj) []byte {
	var buf bytes.Buffer
	writeValue(&buf, obj{
		{"object", whatsapp.ObjectWhatsApp},
		{"entry", []any{obj{
			{"id", WABAID},
			{"changes", []any{obj{{"value", value}, {"field", "messages"}}}},
		}}},
	})
	return buf.Bytes()
}

func unix(ts time.Time) string { return strconv.FormatInt(ts.Unix(), 10) }

// obj is a JSON object with ordered keys.
type obj []kv

type kv struct {
	k string
	v any
}

func writeValue(buf *bytes.Buffer, v any) {
	switch x := v.(type) {
	case string:
		writeString(buf, x)
	case bool:
		buf.WriteString(strconv.FormatBool(x))
	case int:
		buf.WriteString(strconv.Itoa(x))
	case float64:
		buf.WriteString(strconv.FormatFloat(x, 'f', -1, 64))
	case obj:
		buf.WriteByte('{')
		for i, p := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, p.k)
			buf.WriteByte(':')
			writeValue(buf, p.v)
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeValue(buf, e)
		}
		buf.WriteByte(']')
	default: // not used by the builders in this file
		buf.WriteString("null")
	}
}

// writeString writes s as a JSON string the way Meta escapes it.
func writeString(buf *bytes.Buffer, s string) {
	const hexDigits = "0123456789abcdef"
	u4 := func(r rune) {
		buf.WriteString(`\u`)
		for shift := 12; shift >= 0; shift -= 4 {
			buf.WriteByte(hexDigits[(r>>shift)&0xf])
		}
	}
	buf.WriteByte('"')
	for _, r := range strings.ToValidUTF8(s, string(utf8.RuneError)) {
		switch {
		case r == '"':
			buf.WriteString(`\"`)
		case r == '\\':
			buf.WriteString(`\\`)
		case r == '/':
			buf.WriteString(`\/`)
		case r == '\n':
			buf.WriteString(`\n`)
		case r == '\r':
			buf.WriteString(`\r`)
		case r == '\t':
			buf.WriteString(`\t`)
		case r == '\b':
			buf.WriteString(`\b`)
		case r == '\f':
			buf.WriteString(`\f`)
		case r < 0x20 || r >= 0x80:
			if r >= 0x10000 {
				hi, lo := utf16.EncodeRune(r)
				u4(hi)
				u4(lo)
			} else {
				u4(r)
			}
		default:
			buf.WriteRune(r)
		}
	}
	buf.WriteByte('"')
}
