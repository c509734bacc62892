package whatsapptest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reservas/reservas/handlers/whatsapp"
	"github.com/reservas/reservas/handlers/whatsapp/whatsapptest"
)

// The providers.md A.2 vector, byte for byte.
const (
	vectorBody   = `{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Jos\u00e9"},"wa_id":"5491155550000"}],"messages":[{"from":"5491155550000","id":"wamid.TEST1","timestamp":"1749416383","type":"text","text":{"body":"Caba\u00f1a"}}]},"field":"messages"}]}]}`
	vectorHeader = "sha256=5c4916d7f1afe10bbdd6e448544afa0914f9f2ac9d4158501d78fd72005bf0e0"
)

func TestTextWebhookMatchesSignatureVector(t *testing.T) {
	body := whatsapptest.TextWebhook("106540352242922", "5491155550000", "José", "wamid.TEST1", "Cabaña", time.Unix(1749416383, 0))
	if string(body) != vectorBody {
		t.Fatalf("TextWebhook =\n%s\nwant\n%s", body, vectorBody)
	}
	s := whatsapptest.NewServer(whatsapptest.Options{AppSecret: "wa-app-secret"})
	defer s.Close()
	if got := s.Sign(body); got != vectorHeader {
		t.Fatalf("Sign = %s, want %s", got, vectorHeader)
	}
}

// receiver is a webhook endpoint that checks signatures the way our ingress must.
type receiver struct {
	mu      sync.Mutex
	bodies  [][]byte
	headers []http.Header
	status  int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.bodies = append(rc.bodies, body)
	rc.headers = append(rc.headers, r.Header.Clone())
	status := rc.status
	rc.mu.Unlock()
	w.WriteHeader(status)
}

func TestDeliverSignsExactBytes(t *testing.T) {
	s := whatsapptest.NewServer(whatsapptest.Options{AppSecret: "wa-app-secret"})
	defer s.Close()
	rc := &receiver{status: http.StatusOK}
	hook := httptest.NewServer(rc)
	defer hook.Close()

	text := "Hola! ¿Tienen la cabaña \"Ñire\" libre del 3/3 al 7/3?\nSomos 4 🙂 <niños> & perro\t🐕"
	body := whatsapptest.TextWebhook(s.PhoneNumberID(), "5491155550000", "María José", "wamid.X", text, time.Unix(1749416383, 0))
	if err := s.DeliverOK(t.Context(), hook.URL+"/webhooks/whatsapp", body); err != nil {
		t.Fatalf("DeliverOK: %v", err)
	}
	got, h := rc.bodies[0], rc.headers[0]
	if string(got) != string(body) {
		t.Fatal("delivered bytes differ from the built body")
	}
	if h.Get("Content-Type") != "application/json" || h.Get("User-Agent") != "facebookexternalua" {
		t.Fatalf("headers = %v", h)
	}
	if err := whatsapp.VerifySignature("wa-app-secret", got, h.Get("X-Hub-Signature-256")); err != nil {
		t.Fatalf("VerifySignature: %v", err)
	}
	// Meta-style escaping: pure ASCII, lowercase \u escapes with surrogate pairs, "\/".
	for i, b := range got {
		if b >= 0x80 {
			t.Fatalf("non-ASCII byte at %d", i)
		}
	}
	for _, want := range []string{`\u00bf`, `caba\u00f1a`, `\"\u00d1ire\"`, `3\/3`, `\n`, `\t`, `\ud83d\ude42`, `\ud83d\udc15`, `<ni\u00f1os> & perro`} {
		if !strings.Contains(string(got), want) {
			t.Errorf("body lacks %s", want)
		}
	}
	env, err := whatsapp.ParseEnvelope(got)
	if err != nil {
		t.Fatal(err)
	}
	msgs := env.Messages()
	if len(msgs) != 1 || msgs[0].Text != text || msgs[0].ProfileName != "María José" {
		t.Fatalf("decoded = %+v", msgs)
	}

	// A non-200 answer is not a delivery.
	rc.status = http.StatusForbidden
	if err := s.DeliverOK(t.Context(), hook.URL, body); !errors.Is(err, whatsapptest.ErrNotDelivered) {
		t.Fatalf("DeliverOK to a 403 = %v", err)
	}
	resp, err := s.Deliver(t.Context(), hook.URL, body)
	if err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("Deliver = %v, %v", resp, err)
	}
	resp.Body.Close()
}

func readExample(t *testing.T, name string) any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// The builders reproduce Meta's examples of providers.md A.3 exactly (same keys, values and
// types) when given the examples' values.
func TestBuildersMatchMetaExamples(t *testing.T) {
	const pn = "106540352242922"
	tests := []struct {
		file string
		body []byte
	}{
		{"text.json", whatsapptest.TextWebhook(pn, "16505551234", "Sheena Nelson",
			"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=", "Does it come in another color?", time.Unix(1749416383, 0))},
		{"audio.json", whatsapptest.AudioWebhook(pn, "16505551234", "Sheena Nelson",
			"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=", whatsapp.MediaRef{
				ID:       "1908647269898587",
				MimeType: "audio/ogg; codecs=opus",
				SHA256:   "wvqXMe6n7n1W0zphvLPoLj+s/NtKqmr3zZ7YzTP7xFI=",
				URL:      "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1908647269898587",
				Voice:    true,
			}, time.Unix(1744344496, 0))},
		{"button_reply.json", whatsapptest.ButtonReplyWebhook(pn, "16505551234", "Pablo Morales",
			"wamid.HBgLMTY0NjcwNDM1OTUVAgASGBQzQThBREYwNzc2RDc2QjA1QTIwMgA=", "wamid.HBgLMTY0NjcwNDM1OTUVAgARGBJBM0Y4RUU0RUNFQkFDMjYzQUMA",
			"change-button", "Change", time.Unix(1714510003, 0))},
		{"list_reply.json", whatsapptest.ListReplyWebhook(pn, "16505551234", "Pablo Morales",
			"wamid.HBgLMTY0NjcwNDM1OTUVAgASGBQzQTZDMzFGRUFBQjlDMzIzMzlEQwA=", "wamid.HBgLMTY0NjcwNDM1OTUVAgARGBIwMjg0RkMxOEMyMkNEQUFFRDgA",
			"priority_express", "Priority Mail Express", "Next Day to 2 Days", time.Unix(1712595443, 0))},
		{"status_read.json", whatsapptest.StatusWebhook(pn, "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=",
			"16505551234", "read", time.Unix(1750030080, 0))},
		{"status_failed_131047.json", whatsapptest.StatusWebhook(pn, "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0QUQ2MjA4NEYyRkExNjMyREUA",
			"16505551234", "failed", time.Unix(1751142888, 0))},
		{"unsupported.json", whatsapptest.UnsupportedWebhook(pn, "16505551234", "Sheena Nelson",
			"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQjlGNjk3RkI2QjBBNTRGRTNGRgA=", "poll_creation", time.Unix(1749416400, 0))},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var got any
			if err := json.Unmarshal(tt.body, &got); err != nil {
				t.Fatalf("builder output is not JSON: %v\n%s", err, tt.body)
			}
			if want := readExample(t, tt.file); !reflect.DeepEqual(got, want) {
				t.Fatalf("builder =\n%s\ndiffers from testdata/%s", tt.body, tt.file)
			}
		})
	}
}

func TestStatusWebhookSent(t *testing.T) {
	body := whatsapptest.StatusWebhook("106540352242922", "wamid.OUT", "5491155550000", "sent", time.Unix(1750030073, 0))
	env, err := whatsapp.ParseEnvelope(body)
	if err != nil {
		t.Fatal(err)
	}
	sts := env.Statuses()
	if len(sts) != 1 || sts[0].ID != "wamid.OUT" || sts[0].Status != "sent" || sts[0].RecipientID != "5491155550000" ||
		sts[0].PricingType != "free_customer_service" || sts[0].Billable == nil || *sts[0].Billable || len(sts[0].Errors) != 0 {
		t.Fatalf("statuses = %+v", sts)
	}
	custom := whatsapptest.StatusWebhook("106540352242922", "wamid.OUT", "5491155550000", "failed", time.Unix(1, 0),
		whatsapp.StatusError{Code: 131026, Title: "Message Undeliverable", Message: "Message Undeliverable", Details: "x"})
	env, err = whatsapp.ParseEnvelope(custom)
	if err != nil {
		t.Fatal(err)
	}
	if e := env.Statuses()[0].Errors; len(e) != 1 || e[0].Code != 131026 || e[0].Details != "x" {
		t.Fatalf("errors = %+v", e)
	}
}

func TestBatchWebhooks(t *testing.T) {
	a := whatsapptest.TextWebhook("106540352242922", "5491155550001", "Ana", "wamid.A", "¿Hay lugar?", time.Unix(10, 0))
	b := whatsapptest.StatusWebhook("106540352242922", "wamid.OUT", "5491155550001", "delivered", time.Unix(11, 0))
	c := whatsapptest.ButtonReplyWebhook("106540352242922", "5491155550002", "Bruno", "wamid.C", "wamid.OUT2", "confirm", "Confirmar", time.Unix(12, 0))
	body, err := whatsapptest.BatchWebhooks(a, b, c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), `\u00bfHay lugar?`) {
		t.Fatal("batching re-encoded the entries")
	}
	env, err := whatsapp.ParseEnvelope(body)
	if err != nil {
		t.Fatal(err)
	}
	msgs, sts := env.Messages(), env.Statuses()
	if len(env.Entries) != 3 || len(msgs) != 2 || msgs[0].ID != "wamid.A" || msgs[1].ReplyID != "confirm" || len(sts) != 1 || sts[0].Status != "delivered" {
		t.Fatalf("batch = %d entries, %+v, %+v", len(env.Entries), msgs, sts)
	}
	if _, err := whatsapptest.BatchWebhooks([]byte("{")); err == nil {
		t.Fatal("BatchWebhooks accepted invalid JSON")
	}
}

func TestAudioWebhookRoundTripsThroughMedia(t *testing.T) {
	s := whatsapptest.NewServer(whatsapptest.Options{})
	defer s.Close()
	data := []byte("OggS-voice-note")
	s.AddMedia("777", "audio/ogg; codecs=opus", data)
	body := whatsapptest.AudioWebhook(s.PhoneNumberID(), "5491155550000", "Ana", whatsapptest.InboundWAMID("5491155550000"),
		whatsapp.MediaRef{ID: "777", SHA256: whatsapptest.Base64SHA256(data), Voice: true}, time.Now())
	env, err := whatsapp.ParseEnvelope(body)
	if err != nil {
		t.Fatal(err)
	}
	m := env.Messages()[0]
	if m.Audio == nil || m.Audio.URL != "" || m.Audio.MimeType != "audio/ogg; codecs=opus" || !m.Audio.Voice {
		t.Fatalf("audio = %+v", m.Audio)
	}
	c := whatsapp.NewClient(whatsapp.Config{BaseURL: s.URL(), PhoneNumberID: s.PhoneNumberID(), Token: s.Token()}, nil)
	info, err := c.MediaInfo(context.Background(), m.Audio.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := c.DownloadMedia(context.Background(), info.URL, 16<<20)
	if err != nil {
		t.Fatal(err)
	}
	if err := whatsapp.CheckSHA256(got, m.Audio.SHA256); err != nil {
		t.Fatal(err)
	}
}
