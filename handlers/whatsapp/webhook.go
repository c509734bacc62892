package whatsapp

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	// Decoding webhooks is the largest part of the ingress's CPU per webhook. This is
	// encoding/json's behaviour on the json/v2 engine (the module mirrors encoding/json/v2,
	// which Go 1.27 turns on by default): the same results at about twice the speed
	// (BenchmarkParseEnvelope). With Go 1.27 it can go back to plain encoding/json.
	"errors"
	"fmt"
	jsonv1 "github.com/go-json-experiment/json/v1"
	"strconv"
	"strings"
	"time"
)

// ObjectWhatsApp is the "object" of every WhatsApp Business webhook.
const ObjectWhatsApp = "whatsapp_business_account"

// SignatureHeaderName is the header Meta signs event notifications with.
const SignatureHeaderName = "X-Hub-Signature-256"

var (
	// ErrMissingSignature: the X-Hub-Signature-256 header is absent or empty.
	ErrMissingSignature = errors.New("whatsapp: missing webhook signature")
	// ErrBadSignature: the header is malformed or does not match the body.
	ErrBadSignature = errors.New("whatsapp: bad webhook signature")
	// ErrNoAppSecret: VerifySignature was called without an app secret (fails closed).
	ErrNoAppSecret = errors.New("whatsapp: app secret not configured")
	// ErrNotWhatsApp: the payload's "object" is not "whatsapp_business_account".
	ErrNotWhatsApp = errors.New("whatsapp: webhook object is not whatsapp_business_account")
)

// Envelope is a decoded webhook POST (providers.md A.3). Build it with ParseEnvelope and read
// it with Messages and Statuses, which walk every entry, change, message and status.
type Envelope struct {
	Object  string  `json:"object"`
	Entries []Entry `json:"entries"`
}

// Entry is one entry[] element: the changes of one WhatsApp Business Account.
type Entry struct {
	ID      string   `json:"id"` // WABA id
	Changes []Change `json:"changes"`
}

// Change is one changes[] element. For Field "messages" the value's messages, statuses,
// contacts and errors are decoded; other fields (account updates and the like, which the app
// does not subscribe to) keep only their name.
type Change struct {
	Field              string           `json:"field"`
	MessagingProduct   string           `json:"messaging_product,omitempty"`
	DisplayPhoneNumber string           `json:"display_phone_number,omitempty"`
	PhoneNumberID      string           `json:"phone_number_id,omitempty"`
	Contacts           []Contact        `json:"contacts,omitempty"`
	Messages           []InboundMessage `json:"messages,omitempty"`
	Statuses           []StatusUpdate   `json:"statuses,omitempty"`
	Errors             []StatusError    `json:"errors,omitempty"` // value.errors
}

// Contact is one value.contacts[] element. ProfileName is chosen by the user: do not trust it.
type Contact struct {
	WaID            string `json:"wa_id"`
	ProfileName     string `json:"profile_name,omitempty"`
	IdentityKeyHash string `json:"identity_key_hash,omitempty"`
}

// InboundMessage is one value.messages[] element, flattened with its change's metadata and
// contact. Unknown types decode too: Type says what it is and Raw keeps the original JSON,
// from which DecodeMessage gives the message back (without the change's metadata).
type InboundMessage struct {
	ID        string `json:"id"`        // wamid; dedupe on it
	From      string `json:"from"`      // the user's number, digits without "+"
	Timestamp string `json:"timestamp"` // Unix seconds as sent by Meta
	Type      string `json:"type"`      // text, audio, interactive, button, image, ..., unsupported

	ProfileName        string `json:"profile_name,omitempty"` // contact name, user-chosen
	WaID               string `json:"wa_id,omitempty"`        // contact wa_id
	PhoneNumberID      string `json:"phone_number_id"`        // our business number's id: route on it
	DisplayPhoneNumber string `json:"display_phone_number,omitempty"`
	WABAID             string `json:"waba_id,omitempty"` // entry id

	// Text is text.body; for interactive replies the button_reply or list_reply title; for
	// template quick replies (type "button") button.text.
	Text string `json:"text,omitempty"`
	// ReplyID is interactive button_reply.id or list_reply.id, or button.payload.
	ReplyID string `json:"reply_id,omitempty"`
	// ReplyDescription is list_reply.description.
	ReplyDescription string `json:"reply_description,omitempty"`

	Context  *MessageContext `json:"context,omitempty"`
	Audio    *MediaRef       `json:"audio,omitempty"`
	Media    *MediaRef       `json:"media,omitempty"` // image, video, document or sticker
	Location *Location       `json:"location,omitempty"`
	Reaction *Reaction       `json:"reaction,omitempty"`
	// UnsupportedType is unsupported.type (e.g. "poll_creation") for type "unsupported".
	UnsupportedType string        `json:"unsupported_type,omitempty"`
	Errors          []StatusError `json:"errors,omitempty"`

	Raw json.RawMessage `json:"raw"`
}

// Time parses Timestamp.
func (m InboundMessage) Time() (time.Time, error) { return parseUnix(m.Timestamp) }

// MessageContext is messages[].context: the quoted message on replies, or forward flags.
type MessageContext struct {
	From                string `json:"from,omitempty"`
	ID                  string `json:"id,omitempty"`
	Forwarded           bool   `json:"forwarded,omitempty"`
	FrequentlyForwarded bool   `json:"frequently_forwarded,omitempty"`
}

// MediaRef is an inbound media object. Resolve ID with Client.MediaInfo; URL is optional.
type MediaRef struct {
	ID       string `json:"id"`
	MimeType string `json:"mime_type,omitempty"`
	SHA256   string `json:"sha256,omitempty"` // base64 in current Meta examples
	URL      string `json:"url,omitempty"`
	Voice    bool   `json:"voice,omitempty"` // audio recorded as a voice note
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
	Animated bool   `json:"animated,omitempty"`
	Kind     string `json:"kind,omitempty"` // the message type it came from
}

// Location is a shared location.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
	URL       string  `json:"url,omitempty"`
}

// Reaction is an emoji reaction to a message (empty Emoji removes it).
type Reaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji,omitempty"`
}

// StatusUpdate is one value.statuses[] element: news about a message we sent.
type StatusUpdate struct {
	ID            string `json:"id"`     // our outbound wamid
	Status        string `json:"status"` // sent, delivered, read, failed, played
	Timestamp     string `json:"timestamp"`
	RecipientID   string `json:"recipient_id"`
	PhoneNumberID string `json:"phone_number_id"`

	BizOpaqueCallbackData string        `json:"biz_opaque_callback_data,omitempty"`
	ConversationID        string        `json:"conversation_id,omitempty"`
	PricingCategory       string        `json:"pricing_category,omitempty"`
	PricingType           string        `json:"pricing_type,omitempty"`
	Billable              *bool         `json:"billable,omitempty"`
	Errors                []StatusError `json:"errors,omitempty"`

	Raw json.RawMessage `json:"raw"`
}

// Time parses Timestamp.
func (s StatusUpdate) Time() (time.Time, error) { return parseUnix(s.Timestamp) }

// StatusError is an errors[] element of a status, a message or a value.
type StatusError struct {
	Code    int    `json:"code"`
	Title   string `json:"title,omitempty"`
	Message string `json:"message,omitempty"`
	Details string `json:"details,omitempty"` // error_data.details
	Href    string `json:"href,omitempty"`
}

// ParseEnvelope decodes a webhook body. Only invalid JSON and a foreign "object" are errors:
// fields of unexpected types are skipped and unknown message types are kept (see Raw).
// The body is decoded in one pass down to each message's raw JSON (the ingress does this for
// every webhook, so passes count); each message is then decoded from its raw bytes.
func ParseEnvelope(body []byte) (Envelope, error) {
	var w wireEnvelope
	if err := jsonv1.Unmarshal(body, &w); err != nil && !isTypeError(err) {
		return Envelope{}, fmt.Errorf("whatsapp: parse webhook: %w", err)
	}
	if w.Object != ObjectWhatsApp {
		return Envelope{}, ErrNotWhatsApp
	}
	env := Envelope{Object: w.Object}
	for _, we := range w.Entry {
		e := Entry{ID: string(we.ID)}
		for _, wc := range we.Changes {
			e.Changes = append(e.Changes, decodeChange(string(we.ID), wc))
		}
		env.Entries = append(env.Entries, e)
	}
	return env, nil
}

// Messages returns every inbound message of every entry and change with field "messages",
// in payload order.
func (e Envelope) Messages() []InboundMessage {
	var out []InboundMessage
	for _, en := range e.Entries {
		for _, c := range en.Changes {
			out = append(out, c.Messages...)
		}
	}
	return out
}

// Statuses returns every status update of every entry and change, in payload order.
func (e Envelope) Statuses() []StatusUpdate {
	var out []StatusUpdate
	for _, en := range e.Entries {
		for _, c := range en.Changes {
			out = append(out, c.Statuses...)
		}
	}
	return out
}

// Errors returns every value-level errors[] element (errors not tied to a message).
func (e Envelope) Errors() []StatusError {
	var out []StatusError
	for _, en := range e.Entries {
		for _, c := range en.Changes {
			out = append(out, c.Errors...)
		}
	}
	return out
}

// SignatureHeader returns the X-Hub-Signature-256 value for body: "sha256=" and the
// lowercase hex HMAC-SHA256 keyed with the app secret.
func SignatureHeader(appSecret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifySignature checks header (the X-Hub-Signature-256 value) against the HMAC of the raw
// body bytes, in constant time. Pass the exact bytes read from the request, never a
// re-serialised body.
func VerifySignature(appSecret string, body []byte, header string) error {
	if appSecret == "" {
		return ErrNoAppSecret
	}
	header = strings.TrimSpace(header)
	if header == "" {
		return ErrMissingSignature
	}
	hexSum, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return fmt.Errorf("not a sha256= signature: %w", ErrBadSignature)
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("malformed hex digest: %w", ErrBadSignature)
	}
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return ErrBadSignature
	}
	return nil
}

// Wire shapes, decoded leniently.

type wireEnvelope struct {
	Object string      `json:"object"`
	Entry  []wireEntry `json:"entry"`
}

type wireEntry struct {
	ID      flexString   `json:"id"`
	Changes []wireChange `json:"changes"`
}

type wireChange struct {
	Field string    `json:"field"`
	Value wireValue `json:"value"`
}

type wireValue struct {
	MessagingProduct string `json:"messaging_product"`
	Metadata         struct {
		DisplayPhoneNumber flexString `json:"display_phone_number"`
		PhoneNumberID      flexString `json:"phone_number_id"`
	} `json:"metadata"`
	Contacts []struct {
		Profile struct {
			Name string `json:"name"`
		} `json:"profile"`
		WaID            flexString `json:"wa_id"`
		IdentityKeyHash string     `json:"identity_key_hash"`
	} `json:"contacts"`
	Messages []json.RawMessage `json:"messages"`
	Statuses []json.RawMessage `json:"statuses"`
	Errors   []wireError       `json:"errors"`
}

type wireError struct {
	Code      flexInt `json:"code"`
	Title     string  `json:"title"`
	Message   string  `json:"message"`
	ErrorData struct {
		Details string `json:"details"`
	} `json:"error_data"`
	Href string `json:"href"`
}

type wireMediaRef struct {
	ID       flexString `json:"id"`
	MimeType string     `json:"mime_type"`
	SHA256   string     `json:"sha256"`
	URL      string     `json:"url"`
	Voice    bool       `json:"voice"`
	Caption  string     `json:"caption"`
	Filename string     `json:"filename"`
	Animated bool       `json:"animated"`
}

type wireMessage struct {
	From      flexString `json:"from"`
	ID        string     `json:"id"`
	Timestamp flexString `json:"timestamp"`
	Type      string     `json:"type"`
	Context   *struct {
		From                flexString `json:"from"`
		ID                  string     `json:"id"`
		Forwarded           bool       `json:"forwarded"`
		FrequentlyForwarded bool       `json:"frequently_forwarded"`
	} `json:"context"`
	Text *struct {
		Body string `json:"body"`
	} `json:"text"`
	Audio       *wireMediaRef `json:"audio"`
	Image       *wireMediaRef `json:"image"`
	Video       *wireMediaRef `json:"video"`
	Document    *wireMediaRef `json:"document"`
	Sticker     *wireMediaRef `json:"sticker"`
	Interactive *struct {
		Type        string `json:"type"`
		ButtonReply *struct {
			ID    string `json:"id"`
			Title string `json:"title"`
		} `json:"button_reply"`
		ListReply *struct {
			ID          string `json:"id"`
			Title       string `json:"title"`
			Description string `json:"description"`
		} `json:"list_reply"`
	} `json:"interactive"`
	Button *struct {
		Payload string `json:"payload"`
		Text    string `json:"text"`
	} `json:"button"`
	Location *struct {
		Latitude  float64 `json:"latitude"`
		Longitude float64 `json:"longitude"`
		Name      string  `json:"name"`
		Address   string  `json:"address"`
		URL       string  `json:"url"`
	} `json:"location"`
	Reaction *struct {
		MessageID string `json:"message_id"`
		Emoji     string `json:"emoji"`
	} `json:"reaction"`
	Unsupported *struct {
		Type string `json:"type"`
	} `json:"unsupported"`
	Errors []wireError `json:"errors"`
}

type wireStatus struct {
	ID                    string     `json:"id"`
	Status                string     `json:"status"`
	Timestamp             flexString `json:"timestamp"`
	RecipientID           flexString `json:"recipient_id"`
	BizOpaqueCallbackData string     `json:"biz_opaque_callback_data"`
	Conversation          *struct {
		ID string `json:"id"`
	} `json:"conversation"`
	Pricing *struct {
		Billable *bool  `json:"billable"`
		Type     string `json:"type"`
		Category string `json:"category"`
	} `json:"pricing"`
	Errors []wireError `json:"errors"`
}

func decodeChange(wabaID string, wc wireChange) Change {
	c := Change{Field: wc.Field}
	if wc.Field != "messages" {
		return c
	}
	v := wc.Value
	c.MessagingProduct = v.MessagingProduct
	c.DisplayPhoneNumber = string(v.Metadata.DisplayPhoneNumber)
	c.PhoneNumberID = string(v.Metadata.PhoneNumberID)
	for _, ct := range v.Contacts {
		c.Contacts = append(c.Contacts, Contact{WaID: string(ct.WaID), ProfileName: ct.Profile.Name, IdentityKeyHash: ct.IdentityKeyHash})
	}
	c.Errors = convertErrors(v.Errors)
	for _, raw := range v.Messages {
		if !isObject(raw) {
			continue
		}
		m := DecodeMessage(raw)
		m.PhoneNumberID = c.PhoneNumberID
		m.DisplayPhoneNumber = c.DisplayPhoneNumber
		m.WABAID = wabaID
		if ct, ok := contactFor(c.Contacts, m.From); ok {
			m.ProfileName = ct.ProfileName
			m.WaID = ct.WaID
		}
		c.Messages = append(c.Messages, m)
	}
	for _, raw := range v.Statuses {
		if !isObject(raw) {
			continue
		}
		s := DecodeStatus(raw)
		s.PhoneNumberID = c.PhoneNumberID
		c.Statuses = append(c.Statuses, s)
	}
	return c
}

// contactFor finds the contact of a message: the one whose wa_id equals from, else the only one.
func contactFor(contacts []Contact, from string) (Contact, bool) {
	for _, ct := range contacts {
		if ct.WaID == from {
			return ct, true
		}
	}
	if len(contacts) == 1 {
		return contacts[0], true
	}
	return Contact{}, false
}

// DecodeMessage decodes one value.messages[] element as Meta sent it (InboundMessage.Raw),
// leniently: mistyped fields stay empty. The change's metadata and contact are not in it.
func DecodeMessage(raw json.RawMessage) InboundMessage {
	var w wireMessage
	_ = jsonv1.Unmarshal(raw, &w) // lenient: mistyped fields stay empty, Raw keeps everything
	m := InboundMessage{
		ID:        w.ID,
		From:      string(w.From),
		Timestamp: string(w.Timestamp),
		Type:      w.Type,
		Errors:    convertErrors(w.Errors),
		Raw:       cloneRaw(raw),
	}
	if w.Context != nil {
		m.Context = &MessageContext{
			From:                string(w.Context.From),
			ID:                  w.Context.ID,
			Forwarded:           w.Context.Forwarded,
			FrequentlyForwarded: w.Context.FrequentlyForwarded,
		}
	}
	switch w.Type {
	case "text":
		if w.Text != nil {
			m.Text = w.Text.Body
		}
	case "audio":
		m.Audio = mediaRef("audio", w.Audio)
	case "image":
		m.Media = mediaRef("image", w.Image)
	case "video":
		m.Media = mediaRef("video", w.Video)
	case "document":
		m.Media = mediaRef("document", w.Document)
	case "sticker":
		m.Media = mediaRef("sticker", w.Sticker)
	case "interactive":
		if in := w.Interactive; in != nil {
			switch {
			case in.ButtonReply != nil:
				m.Text, m.ReplyID = in.ButtonReply.Title, in.ButtonReply.ID
			case in.ListReply != nil:
				m.Text, m.ReplyID, m.ReplyDescription = in.ListReply.Title, in.ListReply.ID, in.ListReply.Description
			}
		}
	case "button":
		if w.Button != nil {
			m.Text, m.ReplyID = w.Button.Text, w.Button.Payload
		}
	case "location":
		if l := w.Location; l != nil {
			m.Location = &Location{Latitude: l.Latitude, Longitude: l.Longitude, Name: l.Name, Address: l.Address, URL: l.URL}
		}
	case "reaction":
		if r := w.Reaction; r != nil {
			m.Reaction = &Reaction{MessageID: r.MessageID, Emoji: r.Emoji}
		}
	case "unsupported":
		if w.Unsupported != nil {
			m.UnsupportedType = w.Unsupported.Type
		}
	}
	return m
}

func mediaRef(kind string, w *wireMediaRef) *MediaRef {
	if w == nil {
		return nil
	}
	return &MediaRef{
		ID:       string(w.ID),
		MimeType: w.MimeType,
		SHA256:   w.SHA256,
		URL:      w.URL,
		Voice:    w.Voice,
		Caption:  w.Caption,
		Filename: w.Filename,
		Animated: w.Animated,
		Kind:     kind,
	}
}

// DecodeStatus decodes one value.statuses[] element as Meta sent it (StatusUpdate.Raw),
// leniently. PhoneNumberID, which comes from the change's metadata, is not in it.
func DecodeStatus(raw json.RawMessage) StatusUpdate {
	var w wireStatus
	_ = jsonv1.Unmarshal(raw, &w) // lenient, as for messages
	s := StatusUpdate{
		ID:                    w.ID,
		Status:                w.Status,
		Timestamp:             string(w.Timestamp),
		RecipientID:           string(w.RecipientID),
		BizOpaqueCallbackData: w.BizOpaqueCallbackData,
		Errors:                convertErrors(w.Errors),
		Raw:                   cloneRaw(raw),
	}
	if w.Conversation != nil {
		s.ConversationID = w.Conversation.ID
	}
	if p := w.Pricing; p != nil {
		s.PricingCategory, s.PricingType, s.Billable = p.Category, p.Type, p.Billable
	}
	return s
}

func convertErrors(ws []wireError) []StatusError {
	var out []StatusError
	for _, w := range ws {
		out = append(out, StatusError{Code: int(w.Code), Title: w.Title, Message: w.Message, Details: w.ErrorData.Details, Href: w.Href})
	}
	return out
}

// flexString decodes a JSON string, or a number kept as its literal text.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 1 && b[0] == '"' && bytes.IndexByte(b, '\\') < 0:
		// The usual case (ids and digits): no escapes to undo, and no second decoder.
		*f = flexString(b[1 : len(b)-1])
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := jsonv1.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("string: %w", err)
		}
		*f = flexString(s)
	case len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')):
		*f = flexString(b)
	}
	return nil
}

// flexInt decodes a JSON number, or a string holding an integer.
type flexInt int

func (f *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := jsonv1.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("int: %w", err)
		}
		b = []byte(s)
	}
	if n, err := strconv.Atoi(string(b)); err == nil {
		*f = flexInt(n)
	}
	return nil
}

func isTypeError(err error) bool {
	var te *jsonv1.UnmarshalTypeError
	return errors.As(err, &te)
}

func isObject(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{'
}

func cloneRaw(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return nil
	}
	return append(json.RawMessage(nil), raw...)
}

func parseUnix(ts string) (time.Time, error) {
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("whatsapp: timestamp: %w", err)
	}
	return time.Unix(secs, 0).UTC(), nil
}
