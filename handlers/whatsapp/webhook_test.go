package whatsapp_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/reservas/reservas/handlers/whatsapp"
)

// signatureVector is the body of providers.md A.2, byte for byte: note the literal \u escapes
// (a raw string keeps them as six ASCII bytes each).
const signatureVector = `{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Jos\u00e9"},"wa_id":"5491155550000"}],"messages":[{"from":"5491155550000","id":"wamid.TEST1","timestamp":"1749416383","type":"text","text":{"body":"Caba\u00f1a"}}]},"field":"messages"}]}]}`

const signatureVectorHeader = "sha256=5c4916d7f1afe10bbdd6e448544afa0914f9f2ac9d4158501d78fd72005bf0e0"

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustParse(t *testing.T, body []byte) whatsapp.Envelope {
	t.Helper()
	env, err := whatsapp.ParseEnvelope(body)
	if err != nil {
		t.Fatalf("ParseEnvelope: %v", err)
	}
	return env
}

func onlyMessage(t *testing.T, env whatsapp.Envelope) whatsapp.InboundMessage {
	t.Helper()
	msgs := env.Messages()
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want 1", len(msgs))
	}
	if got := len(env.Statuses()); got != 0 {
		t.Fatalf("got %d statuses, want 0", got)
	}
	return msgs[0]
}

func TestSignatureVector(t *testing.T) {
	body := []byte(signatureVector)
	if got := whatsapp.SignatureHeader("wa-app-secret", body); got != signatureVectorHeader {
		t.Fatalf("SignatureHeader = %s, want %s", got, signatureVectorHeader)
	}
	if err := whatsapp.VerifySignature("wa-app-secret", body, signatureVectorHeader); err != nil {
		t.Fatalf("VerifySignature(vector) = %v", err)
	}
	// The file copy of the vector is the same bytes.
	if file := readTestdata(t, "signature_vector.json"); string(file) != signatureVector {
		t.Fatal("testdata/signature_vector.json differs from the providers.md vector")
	}
	// The decoded content is the UTF-8 text.
	m := onlyMessage(t, mustParse(t, body))
	if m.Text != "Cabaña" || m.ProfileName != "José" {
		t.Fatalf("decoded text %q name %q", m.Text, m.ProfileName)
	}
}

func TestVerifySignatureRejects(t *testing.T) {
	body := []byte(signatureVector)
	// Re-serialising the body (as a handler that decodes then re-encodes would) changes the
	// bytes (é becomes UTF-8) and so the HMAC.
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	reencoded, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	upper := "sha256=" + strings.ToUpper(strings.TrimPrefix(signatureVectorHeader, "sha256="))
	tests := []struct {
		name   string
		secret string
		body   []byte
		header string
		want   error
	}{
		{"missing header", "wa-app-secret", body, "", whatsapp.ErrMissingSignature},
		{"blank header", "wa-app-secret", body, "   ", whatsapp.ErrMissingSignature},
		{"wrong secret", "other-secret", body, signatureVectorHeader, whatsapp.ErrBadSignature},
		{"tampered body", "wa-app-secret", []byte(strings.Replace(signatureVector, "TEST1", "TEST2", 1)), signatureVectorHeader, whatsapp.ErrBadSignature},
		{"re-serialised body", "wa-app-secret", reencoded, signatureVectorHeader, whatsapp.ErrBadSignature},
		{"sha1 prefix", "wa-app-secret", body, "sha1=" + strings.TrimPrefix(signatureVectorHeader, "sha256="), whatsapp.ErrBadSignature},
		{"no prefix", "wa-app-secret", body, strings.TrimPrefix(signatureVectorHeader, "sha256="), whatsapp.ErrBadSignature},
		{"bad hex", "wa-app-secret", body, "sha256=zz", whatsapp.ErrBadSignature},
		{"truncated digest", "wa-app-secret", body, signatureVectorHeader[:len(signatureVectorHeader)-2], whatsapp.ErrBadSignature},
		{"no secret", "", body, signatureVectorHeader, whatsapp.ErrNoAppSecret},
		{"uppercase hex accepted", "wa-app-secret", body, upper, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := whatsapp.VerifySignature(tt.secret, tt.body, tt.header)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("VerifySignature = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestParseText(t *testing.T) {
	env := mustParse(t, readTestdata(t, "text.json"))
	if env.Object != "whatsapp_business_account" || len(env.Entries) != 1 || env.Entries[0].ID != "102290129340398" {
		t.Fatalf("envelope header = %+v", env)
	}
	m := onlyMessage(t, env)
	want := whatsapp.InboundMessage{
		ID:                 "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
		From:               "16505551234",
		Timestamp:          "1749416383",
		Type:               "text",
		ProfileName:        "Sheena Nelson",
		WaID:               "16505551234",
		PhoneNumberID:      "106540352242922",
		DisplayPhoneNumber: "15550783881",
		WABAID:             "102290129340398",
		Text:               "Does it come in another color?",
	}
	checkRaw(t, m.Raw, "text")
	m.Raw = nil
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("message =\n%+v\nwant\n%+v", m, want)
	}
	ts, err := m.Time()
	if err != nil || !ts.Equal(time.Unix(1749416383, 0)) {
		t.Fatalf("Time() = %v, %v", ts, err)
	}
}

// checkRaw asserts Raw is the message object itself (it decodes and has the right type).
func checkRaw(t *testing.T, raw json.RawMessage, typ string) {
	t.Helper()
	var v struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &v); err != nil || v.Type != typ {
		t.Fatalf("Raw = %s (err %v), want a %q message", raw, err, typ)
	}
}

func TestParseAudio(t *testing.T) {
	m := onlyMessage(t, mustParse(t, readTestdata(t, "audio.json")))
	if m.Type != "audio" || m.Text != "" || m.Timestamp != "1744344496" {
		t.Fatalf("message = %+v", m)
	}
	want := &whatsapp.MediaRef{
		ID:       "1908647269898587",
		MimeType: "audio/ogg; codecs=opus",
		SHA256:   "wvqXMe6n7n1W0zphvLPoLj+s/NtKqmr3zZ7YzTP7xFI=",
		URL:      "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1908647269898587",
		Voice:    true,
		Kind:     "audio",
	}
	if !reflect.DeepEqual(m.Audio, want) {
		t.Fatalf("Audio = %+v, want %+v", m.Audio, want)
	}
	if m.Media != nil {
		t.Fatalf("Media = %+v, want nil for audio", m.Media)
	}
}

func TestParseButtonReply(t *testing.T) {
	m := onlyMessage(t, mustParse(t, readTestdata(t, "button_reply.json")))
	if m.Type != "interactive" || m.Text != "Change" || m.ReplyID != "change-button" || m.ProfileName != "Pablo Morales" {
		t.Fatalf("message = %+v", m)
	}
	if m.Context == nil || m.Context.ID != "wamid.HBgLMTY0NjcwNDM1OTUVAgARGBJBM0Y4RUU0RUNFQkFDMjYzQUMA" || m.Context.From != "15550783881" {
		t.Fatalf("Context = %+v", m.Context)
	}
}

func TestParseListReply(t *testing.T) {
	m := onlyMessage(t, mustParse(t, readTestdata(t, "list_reply.json")))
	if m.Type != "interactive" || m.Text != "Priority Mail Express" || m.ReplyID != "priority_express" || m.ReplyDescription != "Next Day to 2 Days" {
		t.Fatalf("message = %+v", m)
	}
	if m.Context == nil || m.Context.ID != "wamid.HBgLMTY0NjcwNDM1OTUVAgARGBIwMjg0RkMxOEMyMkNEQUFFRDgA" {
		t.Fatalf("Context = %+v", m.Context)
	}
}

func TestParseTemplateButton(t *testing.T) {
	body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"X"},"wa_id":"16505551234"}],"messages":[{"context":{"from":"15550783881","id":"wamid.T"},"from":"16505551234","id":"wamid.B","timestamp":"1714510003","type":"button","button":{"payload":"pay-now","text":"Pagar"}}]},"field":"messages"}]}]}`)
	m := onlyMessage(t, mustParse(t, body))
	if m.Type != "button" || m.Text != "Pagar" || m.ReplyID != "pay-now" || m.Context == nil || m.Context.ID != "wamid.T" {
		t.Fatalf("message = %+v", m)
	}
}

func TestParseStatuses(t *testing.T) {
	tests := []struct {
		file string
		want whatsapp.StatusUpdate
	}{
		{"status_sent.json", whatsapp.StatusUpdate{
			ID:              "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=",
			Status:          "sent",
			Timestamp:       "1750030073",
			RecipientID:     "16505551234",
			PhoneNumberID:   "106540352242922",
			ConversationID:  "72b14d6bd5407799e66f64d1b338e567",
			PricingCategory: "marketing",
			PricingType:     "regular",
			Billable:        ptr(true),
		}},
		{"status_read.json", whatsapp.StatusUpdate{
			ID:            "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=",
			Status:        "read",
			Timestamp:     "1750030080",
			RecipientID:   "16505551234",
			PhoneNumberID: "106540352242922",
		}},
		{"status_failed_131047.json", whatsapp.StatusUpdate{
			ID:            "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0QUQ2MjA4NEYyRkExNjMyREUA",
			Status:        "failed",
			Timestamp:     "1751142888",
			RecipientID:   "16505551234",
			PhoneNumberID: "106540352242922",
			Errors: []whatsapp.StatusError{{
				Code:    131047,
				Title:   "Re-engagement message",
				Message: "Re-engagement message",
				Details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
				Href:    "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
			}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			env := mustParse(t, readTestdata(t, tt.file))
			if n := len(env.Messages()); n != 0 {
				t.Fatalf("got %d messages, want 0", n)
			}
			sts := env.Statuses()
			if len(sts) != 1 {
				t.Fatalf("got %d statuses, want 1", len(sts))
			}
			got := sts[0]
			var raw map[string]any
			if err := json.Unmarshal(got.Raw, &raw); err != nil || raw["status"] != tt.want.Status {
				t.Fatalf("Raw = %s", got.Raw)
			}
			got.Raw = nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("status =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestParseBatch(t *testing.T) {
	env := mustParse(t, readTestdata(t, "batch.json"))
	msgs := env.Messages()
	type row struct{ ID, From, Name, PhoneNumberID, WABAID, Text, ReplyID string }
	var got []row
	for _, m := range msgs {
		got = append(got, row{m.ID, m.From, m.ProfileName, m.PhoneNumberID, m.WABAID, m.Text, m.ReplyID})
	}
	want := []row{
		{"wamid.B1", "5491155550001", "Ana", "106540352242922", "102290129340398", "hola", ""},
		{"wamid.B2", "5491155550002", "Bruno", "106540352242922", "102290129340398", "¿tienen lugar?", ""},
		{"wamid.B3", "5511999990000", "Carla", "107777777777777", "109999999999999", "Confirmar", "confirm"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("messages =\n%+v\nwant\n%+v", got, want)
	}
	sts := env.Statuses()
	if len(sts) != 2 || sts[0].ID != "wamid.OUT1" || sts[0].Status != "delivered" || sts[1].ID != "wamid.OUT2" || sts[1].Status != "read" {
		t.Fatalf("statuses = %+v", sts)
	}
	// The non-"messages" change is kept by name but yields nothing.
	last := env.Entries[1].Changes[1]
	if last.Field != "account_update" || len(last.Messages) != 0 || len(last.Statuses) != 0 {
		t.Fatalf("account_update change = %+v", last)
	}
}

func TestParseUnknownAndUnsupported(t *testing.T) {
	m := onlyMessage(t, mustParse(t, readTestdata(t, "unknown_type.json")))
	if m.Type != "hologram" || m.ID != "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQ1QjYxQzM0QkNEQzlFQzAwNzVGMAA=" || m.From != "16505551234" || m.Text != "" {
		t.Fatalf("unknown message = %+v", m)
	}
	var raw struct {
		Hologram struct {
			Codec struct {
				Name string `json:"name"`
			} `json:"codec"`
		} `json:"hologram"`
	}
	if err := json.Unmarshal(m.Raw, &raw); err != nil || raw.Hologram.Codec.Name != "h9" {
		t.Fatalf("Raw lost the unknown payload: %s", m.Raw)
	}

	u := onlyMessage(t, mustParse(t, readTestdata(t, "unsupported.json")))
	if u.Type != "unsupported" || u.UnsupportedType != "poll_creation" || len(u.Errors) != 1 ||
		u.Errors[0].Code != whatsapp.CodeUnsupportedInbound || u.Errors[0].Details != "Message type is currently not supported." {
		t.Fatalf("unsupported message = %+v", u)
	}
}

func TestParseOtherTypes(t *testing.T) {
	wrap := func(msg string) []byte {
		return []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"2"},"messages":[` + msg + `]},"field":"messages"}]}]}`)
	}
	loc := onlyMessage(t, mustParse(t, wrap(`{"from":"5491155550000","id":"wamid.L","timestamp":"1","type":"location","location":{"address":"Ruta 40","latitude":-41.13,"longitude":-71.31,"name":"Caba\u00f1a","url":"https:\/\/example.com"}}`)))
	if loc.Location == nil || loc.Location.Latitude != -41.13 || loc.Location.Name != "Cabaña" || loc.Location.URL != "https://example.com" {
		t.Fatalf("location = %+v", loc.Location)
	}
	img := onlyMessage(t, mustParse(t, wrap(`{"from":"5491155550000","id":"wamid.I","timestamp":"1","type":"image","context":{"forwarded":true},"image":{"caption":"vista","mime_type":"image/jpeg","sha256":"abc","id":"555"}}`)))
	if img.Media == nil || img.Media.Kind != "image" || img.Media.ID != "555" || img.Media.Caption != "vista" || img.Context == nil || !img.Context.Forwarded {
		t.Fatalf("image = %+v / %+v", img.Media, img.Context)
	}
	react := onlyMessage(t, mustParse(t, wrap(`{"from":"5491155550000","id":"wamid.R","timestamp":"1","type":"reaction","reaction":{"message_id":"wamid.OUT","emoji":"\ud83d\udc4d"}}`)))
	if react.Reaction == nil || react.Reaction.MessageID != "wamid.OUT" || react.Reaction.Emoji != "👍" {
		t.Fatalf("reaction = %+v", react.Reaction)
	}
	// No contacts: no profile name, and nothing else breaks.
	if loc.ProfileName != "" || loc.PhoneNumberID != "2" {
		t.Fatalf("loc = %+v", loc)
	}
}

func TestParseLenient(t *testing.T) {
	// Numbers where strings are documented, a mistyped field, a non-object message and a
	// value-level error: decoding keeps going.
	body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":102290129340398,"changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":15550783881,"phone_number_id":"106540352242922"},"errors":[{"code":"131000","title":"Something went wrong","error_data":{"details":"x"}}],"messages":[
		{"from":5491155550000,"id":"wamid.N","timestamp":1749416383,"type":"text","text":{"body":"ok"}},
		{"from":"5491155550000","id":"wamid.M","timestamp":"1749416384","type":"text","text":"not an object"},
		42
	]},"field":"messages"}]}]}`)
	env := mustParse(t, body)
	msgs := env.Messages()
	if len(msgs) != 2 {
		t.Fatalf("got %d messages, want 2 (the non-object is dropped)", len(msgs))
	}
	if msgs[0].From != "5491155550000" || msgs[0].Timestamp != "1749416383" || msgs[0].Text != "ok" || msgs[0].WABAID != "102290129340398" {
		t.Fatalf("numeric fields: %+v", msgs[0])
	}
	if msgs[1].ID != "wamid.M" || msgs[1].Text != "" || msgs[1].Type != "text" {
		t.Fatalf("mistyped text: %+v", msgs[1])
	}
	if errs := env.Errors(); len(errs) != 1 || errs[0].Code != 131000 || errs[0].Details != "x" {
		t.Fatalf("value errors = %+v", errs)
	}
}

// Mistyped fields around the messages (the whole body is decoded in one pass) lose only
// themselves: the messages still come out.
func TestParseLenientEnvelope(t *testing.T) {
	body := []byte(`{"object":"whatsapp_business_account","entry":[
		{"id":"1","changes":"not a list"},
		{"id":{"x":1},"changes":[{"field":"messages","value":{"metadata":"not an object","contacts":{"wa_id":"x"},"statuses":"none","messages":[
			{"from":"5491155550000","id":"wamid.L","timestamp":"1749416383","type":"text","text":{"body":"hola"}}]}}]}]}`)
	env := mustParse(t, body)
	m := onlyMessage(t, env)
	if m.ID != "wamid.L" || m.From != "5491155550000" || m.Text != "hola" || m.PhoneNumberID != "" || m.ProfileName != "" {
		t.Fatalf("message = %+v", m)
	}
}

func TestParseRejects(t *testing.T) {
	for _, body := range []string{``, `{`, `[]`, `{"object":"page","entry":[]}`, `{"entry":[]}`, `null`} {
		if _, err := whatsapp.ParseEnvelope([]byte(body)); err == nil {
			t.Errorf("ParseEnvelope(%q) = nil error", body)
		}
	}
	if _, err := whatsapp.ParseEnvelope([]byte(`{"object":"instagram","entry":[]}`)); !errors.Is(err, whatsapp.ErrNotWhatsApp) {
		t.Errorf("foreign object: err = %v, want ErrNotWhatsApp", err)
	}
}

// InboundMessage survives a JSON round trip (it travels in task payloads).
func TestInboundMessageJSONRoundTrip(t *testing.T) {
	m := onlyMessage(t, mustParse(t, readTestdata(t, "audio.json")))
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back whatsapp.InboundMessage
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.ID != m.ID || back.Audio == nil || *back.Audio != *m.Audio || back.PhoneNumberID != m.PhoneNumberID {
		t.Fatalf("round trip = %+v", back)
	}
	var a, b2 any
	if json.Unmarshal(m.Raw, &a) != nil || json.Unmarshal(back.Raw, &b2) != nil || !reflect.DeepEqual(a, b2) {
		t.Fatalf("Raw changed in round trip")
	}
}

func BenchmarkParseEnvelope(b *testing.B) {
	body := readTestdata(b, "batch.json")
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		env, err := whatsapp.ParseEnvelope(body)
		if err != nil || len(env.Messages()) != 3 {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifySignature(b *testing.B) {
	body := []byte(signatureVector)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if err := whatsapp.VerifySignature("wa-app-secret", body, signatureVectorHeader); err != nil {
			b.Fatal(err)
		}
	}
}
