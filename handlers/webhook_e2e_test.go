package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/reservas/reservas/handlers"
	"github.com/reservas/reservas/handlers/handlerstest"
	"github.com/reservas/reservas/handlers/whatsapp"
	"github.com/reservas/reservas/handlers/whatsapp/whatsapptest"
	"github.com/reservas/reservas/ingress"
)

const guest = "5491155550000"

func post(t *testing.T, url string, body []byte, sig string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set(whatsapp.SignatureHeaderName, sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func countRows(t *testing.T, sys *handlerstest.System, table string) int {
	t.Helper()
	var n int
	if err := sys.Store.Pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The Foundation journey: a signed message in Meta's shape (non-ASCII as \u escapes) gets
// exactly one reply, a redelivery gets none more, a forged one gets nothing and changes nothing.
func TestSignedMessageAnsweredOnce(t *testing.T) {
	sys := handlerstest.Start(t, handlerstest.Options{})
	wamid := sys.NewWamid()
	body := whatsapptest.TextWebhook(sys.Graph.PhoneNumberID(), guest, "José", wamid, "Hola, ¿tenés cabaña libre?", time.Now())
	if !bytes.Contains(body, []byte(`\u00bf`)) || !bytes.Contains(body, []byte(`Jos\u00e9`)) {
		t.Fatalf("webhook body should carry \\u escapes like Meta's: %s", body)
	}
	sig := sys.Graph.Sign(body)
	if code := post(t, sys.WebhookURL(), body, sig); code != http.StatusOK {
		t.Fatalf("signed webhook: got %d, want 200", code)
	}
	replies := sys.WaitReplies(t, guest, 1)
	if !strings.Contains(replies[0].Text, "Hola, José") || !strings.Contains(replies[0].Text, "Mercado Pago") {
		t.Fatalf("unexpected greeting: %q", replies[0].Text)
	}

	// Meta redelivers the same POST: still 200, still one reply, one stored message.
	if code := post(t, sys.WebhookURL(), body, sig); code != http.StatusOK {
		t.Fatalf("redelivery: got %d, want 200", code)
	}
	sys.WaitIdle(t)
	time.Sleep(100 * time.Millisecond)
	if got := len(sys.RepliesTo(guest)); got != 1 {
		t.Fatalf("after redelivery: %d replies, want 1", got)
	}
	if n := countRows(t, sys, "inbound_messages"); n != 1 {
		t.Fatalf("inbound rows = %d, want 1", n)
	}
	if n := countRows(t, sys, "outbound_messages WHERE in_reply_to = '"+wamid+"' AND wamid IS NOT NULL"); n != 1 {
		t.Fatalf("outbound rows = %d, want 1", n)
	}
	// The message was marked read with the typing indicator.
	reads := sys.Graph.Reads()
	if len(reads) == 0 || reads[0].WAMID != wamid || !reads[0].Typing {
		t.Fatalf("mark-as-read with typing not sent: %+v", reads)
	}

	// A forged POST: wrong signature, missing signature.
	forged := whatsapptest.TextWebhook(sys.Graph.PhoneNumberID(), guest, "Mallory", sys.NewWamid(), "hola", time.Now())
	if code := post(t, sys.WebhookURL(), forged, "sha256="+strings.Repeat("0", 64)); code != http.StatusUnauthorized {
		t.Fatalf("wrong signature: got %d, want 401", code)
	}
	if code := post(t, sys.WebhookURL(), forged, ""); code != http.StatusUnauthorized {
		t.Fatalf("missing signature: got %d, want 401", code)
	}
	// A signature over other bytes (re-serialised JSON) is wrong too.
	if code := post(t, sys.WebhookURL(), bytes.ReplaceAll(body, []byte(`\u00e9`), []byte("é")), sig); code != http.StatusUnauthorized {
		t.Fatalf("re-encoded body with the original signature: got %d, want 401", code)
	}
	sys.WaitIdle(t)
	if got := len(sys.RepliesTo(guest)); got != 1 {
		t.Fatalf("forged posts produced replies: %d", got)
	}
	if n := countRows(t, sys, "inbound_messages"); n != 1 {
		t.Fatalf("forged posts changed the database: %d inbound rows", n)
	}
}

func TestVerifyHandshake(t *testing.T) {
	sys := handlerstest.Start(t, handlerstest.Options{NoWorker: true})
	get := func(token string) (int, string, string) {
		resp, err := http.Get(sys.WebhookURL() + "?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=" + token)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header.Get("Content-Type")
	}
	code, body, ctype := get(handlerstest.VerifyToken)
	if code != 200 || body != "1158201444" || !strings.HasPrefix(ctype, "text/plain") {
		t.Fatalf("handshake: %d %q %q", code, body, ctype)
	}
	if code, _, _ := get("wrong"); code != http.StatusForbidden {
		t.Fatalf("wrong verify token: %d, want 403", code)
	}
}

func TestOversizedBodyIs413(t *testing.T) {
	sys := handlerstest.Start(t, handlerstest.Options{NoWorker: true})
	big := bytes.Repeat([]byte("a"), ingress.DefaultMaxBodyBytes+1)
	if code := post(t, sys.WebhookURL(), big, sys.Graph.Sign(big)); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized body: %d, want 413", code)
	}
}

func TestMalformedSignedPayloadRejected(t *testing.T) {
	sys := handlerstest.Start(t, handlerstest.Options{NoWorker: true})
	body := []byte(`{"object":"whatsapp_business_account","entry":[`)
	if code := post(t, sys.WebhookURL(), body, sys.Graph.Sign(body)); code != http.StatusBadRequest {
		t.Fatalf("malformed payload: %d, want 400", code)
	}
}

// With Redis gone the ingress must answer 503 so that Meta retries, never 200.
func TestRedisDownIs503(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	defer rdb.Close()
	h, err := ingress.New(ingress.Config{WhatsAppAppSecret: "s", WhatsAppVerifyToken: "v"},
		ingress.Deps{Redis: rdb, Log: zerolog.Nop(), Ready: map[string]ingress.Pinger{"redis": pinger{rdb}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	body := whatsapptest.TextWebhook("1", guest, "x", "wamid.X", "hola", time.Now())
	if code := post(t, srv.URL+"/webhooks/whatsapp", body, whatsapp.SignatureHeader("s", body)); code != http.StatusServiceUnavailable {
		t.Fatalf("redis down: %d, want 503", code)
	}
	resp, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz with redis down: %d, want 503", resp.StatusCode)
	}
}

type pinger struct{ c *redis.Client }

func (p pinger) Ping(ctx context.Context) error { return p.c.Ping(ctx).Err() }

func TestIngressRefusesToStartWithoutSecrets(t *testing.T) {
	_, err := ingress.New(ingress.Config{WhatsAppVerifyToken: "v"}, ingress.Deps{})
	if err == nil || !strings.Contains(err.Error(), "WHATSAPP_APP_SECRET") {
		t.Fatalf("want a clear error naming WHATSAPP_APP_SECRET, got %v", err)
	}
}

// echo answers each message with its own text, so the order of replies shows the order of handling.
type echo struct {
	mu      sync.Mutex
	delay   time.Duration
	handled []string
}

func (e *echo) Respond(_ context.Context, turn handlers.Turn) ([]handlers.Reply, error) {
	time.Sleep(e.delay)
	e.mu.Lock()
	e.handled = append(e.handled, turn.Msg.Body)
	e.mu.Unlock()
	return []handlers.Reply{{Text: "eco: " + turn.Msg.Body}}, nil
}

// A burst of messages from one guest, delivered at once to several workers, is handled one at
// a time and in the order sent; a batch POST with several messages is split and ordered too.
func TestBurstHandledInOrder(t *testing.T) {
	e := &echo{delay: 20 * time.Millisecond}
	sys := handlerstest.Start(t, handlerstest.Options{Workers: 3, Concurrency: 8,
		Configure: func(d *handlers.Deps) { d.Responder = e }})
	const n = 12
	for i := range n {
		// each POST answered 200 before the next is sent, as Meta does per conversation
		sys.SendText(t, guest, fmt.Sprintf("mensaje %02d", i))
	}
	// a batched POST: three messages in one webhook
	var bodies [][]byte
	for i := n; i < n+3; i++ {
		bodies = append(bodies, whatsapptest.TextWebhook(sys.Graph.PhoneNumberID(), guest, "x", sys.NewWamid(), fmt.Sprintf("mensaje %02d", i), time.Now()))
	}
	batch, err := whatsapptest.BatchWebhooks(bodies...)
	if err != nil {
		t.Fatal(err)
	}
	sys.Deliver(t, batch)
	got := sys.WaitReplies(t, guest, n+3)
	for i, m := range got {
		if want := fmt.Sprintf("eco: mensaje %02d", i); m.Text != want {
			t.Fatalf("reply %d = %q, want %q (all: %v)", i, m.Text, want, got)
		}
	}
	sys.WaitIdle(t)
	if len(sys.RepliesTo(guest)) != n+3 {
		t.Fatalf("duplicate replies: %d", len(sys.RepliesTo(guest)))
	}
}

// Status callbacks update the stored outbound message and never go back from read to delivered.
func TestStatusCallbacksUpdateOutbound(t *testing.T) {
	sys := handlerstest.Start(t, handlerstest.Options{})
	sys.SendText(t, guest, "hola")
	reply := sys.WaitReplies(t, guest, 1)[0]
	for _, st := range []string{"sent", "read", "delivered"} {
		sys.Deliver(t, whatsapptest.StatusWebhook(sys.Graph.PhoneNumberID(), reply.WAMID, guest, st, time.Now()))
	}
	sys.WaitIdle(t)
	var status string
	if err := sys.Store.Pool.QueryRow(context.Background(), `SELECT status FROM outbound_messages WHERE wamid = $1`, reply.WAMID).Scan(&status); err != nil {
		t.Fatal(err)
	}
	if status != "read" {
		t.Fatalf("status = %q, want read (a late delivered must not downgrade it)", status)
	}
}
