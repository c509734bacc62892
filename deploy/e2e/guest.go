package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/reservas/reservas/handlers/whatsapp"
	"github.com/reservas/reservas/handlers/whatsapp/whatsapptest"
)

// WebhookURL is the ingress's WhatsApp webhook.
func (s *System) WebhookURL() string { return s.IngressURL + "/webhooks/whatsapp" }

// NewWamid returns a fresh inbound message id from guest from.
func (s *System) NewWamid(from string) string {
	s.mu.Lock()
	s.seq++
	n := s.seq
	s.mu.Unlock()
	return fmt.Sprintf("%s.%d", whatsapptest.InboundWAMID(from), n)
}

// Post sends body to the WhatsApp webhook signed with the app secret, as Meta does, and
// returns the status code.
func (s *System) Post(ctx context.Context, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.WebhookURL(), bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "facebookexternalua")
	req.Header.Set(whatsapp.SignatureHeaderName, s.Graph.Sign(body))
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Deliver posts a signed webhook and requires a 200, retrying transport errors and non-200
// answers for a few seconds as Meta would.
func (s *System) Deliver(t testing.TB, body []byte) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, err := s.Post(context.Background(), body)
		if err == nil && code == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("e2e: webhook not accepted: status %d, %v", code, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Guest is one WhatsApp user writing to the business.
type Guest struct {
	sys  *System
	WaID string
	Name string
}

// Guest returns a guest with WhatsApp id waID (digits) and profile name.
func (s *System) Guest(waID, name string) *Guest {
	return &Guest{sys: s, WaID: waID, Name: name}
}

// Text writes a text message; it returns the message's wamid.
func (g *Guest) Text(t testing.TB, text string) string {
	t.Helper()
	wamid := g.sys.NewWamid(g.WaID)
	g.sys.Deliver(t, whatsapptest.TextWebhook(g.sys.Graph.PhoneNumberID(), g.WaID, g.Name, wamid, text, time.Now()))
	return wamid
}

// TapButton taps reply button id (with its title) of our message ctx.
func (g *Guest) TapButton(t testing.TB, ctx whatsapptest.SentMessage, id string) string {
	t.Helper()
	if ctx.Buttons == nil {
		t.Fatalf("e2e: message %q has no buttons", ctx.Text)
	}
	title := ""
	for _, b := range ctx.Buttons.Buttons {
		if b.ID == id {
			title = b.Title
		}
	}
	if title == "" {
		t.Fatalf("e2e: message %q has no button %q: %+v", ctx.Text, id, ctx.Buttons.Buttons)
	}
	wamid := g.sys.NewWamid(g.WaID)
	g.sys.Deliver(t, whatsapptest.ButtonReplyWebhook(g.sys.Graph.PhoneNumberID(), g.WaID, g.Name, wamid, ctx.WAMID, id, title, time.Now()))
	return wamid
}

// PickRow chooses row id of our list message ctx.
func (g *Guest) PickRow(t testing.TB, ctx whatsapptest.SentMessage, id string) string {
	t.Helper()
	if ctx.List == nil {
		t.Fatalf("e2e: message %q has no list", ctx.Text)
	}
	var title, desc string
	for _, sec := range ctx.List.Sections {
		for _, r := range sec.Rows {
			if r.ID == id {
				title, desc = r.Title, r.Description
			}
		}
	}
	if title == "" {
		t.Fatalf("e2e: list %q has no row %q", ctx.Text, id)
	}
	wamid := g.sys.NewWamid(g.WaID)
	g.sys.Deliver(t, whatsapptest.ListReplyWebhook(g.sys.Graph.PhoneNumberID(), g.WaID, g.Name, wamid, ctx.WAMID, id, title, desc, time.Now()))
	return wamid
}

// Voice sends a voice note with the given audio (registered on the fake media host first).
func (g *Guest) Voice(t testing.TB, audio []byte) string {
	t.Helper()
	wamid := g.sys.NewWamid(g.WaID)
	mediaID := "media" + randomHex(8)
	const mime = "audio/ogg; codecs=opus"
	g.sys.Graph.AddMedia(mediaID, mime, audio)
	g.sys.Deliver(t, whatsapptest.AudioWebhook(g.sys.Graph.PhoneNumberID(), g.WaID, g.Name, wamid,
		whatsapp.MediaRef{ID: mediaID, MimeType: mime, SHA256: whatsapptest.Base64SHA256(audio), Voice: true}, time.Now()))
	return wamid
}

// Replies returns every message the fake Graph API accepted for this guest, oldest first.
func (g *Guest) Replies() []whatsapptest.SentMessage { return g.sys.RepliesTo(g.WaID) }

// WaitReplies waits until the guest has received at least n messages in all and returns them.
func (g *Guest) WaitReplies(t testing.TB, n int) []whatsapptest.SentMessage {
	t.Helper()
	return g.sys.WaitReplies(t, g.WaID, n, 30*time.Second)
}

// Next waits for the guest's next message after the `seen` already received and returns it.
func (g *Guest) Next(t testing.TB, seen *int) whatsapptest.SentMessage {
	t.Helper()
	got := g.WaitReplies(t, *seen+1)
	m := got[*seen]
	*seen++
	return m
}

// RepliesTo returns the messages the fake accepted for one WhatsApp id.
func (s *System) RepliesTo(waID string) []whatsapptest.SentMessage {
	var out []whatsapptest.SentMessage
	for _, m := range s.Graph.Sent() {
		if m.WaID == strings.TrimPrefix(waID, "+") {
			out = append(out, m)
		}
	}
	return out
}

// WaitReplies waits until waID has received at least n messages.
func (s *System) WaitReplies(t testing.TB, waID string, n int, within time.Duration) []whatsapptest.SentMessage {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := s.RepliesTo(waID)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("e2e: waited %s for %d message(s) to %s, got %d: %s", within, n, waID, len(got), Texts(got))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Texts lists the messages' texts, for failure messages.
func Texts(ms []whatsapptest.SentMessage) string {
	var b strings.Builder
	for i, m := range ms {
		fmt.Fprintf(&b, "\n  [%d] %s/%s %q", i, m.Type, m.InteractiveType, m.Text)
	}
	return b.String()
}

// RedisOpt is the asynq connection to the system's Redis database.
func (s *System) RedisOpt() asynq.RedisClientOpt {
	o, err := redis.ParseURL(s.RedisURL)
	if err != nil {
		return asynq.RedisClientOpt{}
	}
	return asynq.RedisClientOpt{Addr: o.Addr, DB: o.DB, Password: o.Password, Username: o.Username}
}

// QueueBusy counts the tasks pending, active, scheduled or waiting for a retry.
func (s *System) QueueBusy() (int, error) {
	insp := asynq.NewInspector(s.RedisOpt())
	defer insp.Close()
	queues, err := insp.Queues()
	if err != nil {
		return 0, err
	}
	busy := 0
	for _, q := range queues {
		info, err := insp.GetQueueInfo(q)
		if err != nil {
			return 0, err
		}
		busy += info.Pending + info.Active + info.Scheduled + info.Retry
	}
	return busy, nil
}

// WaitIdle waits until no task is pending, active, scheduled or retrying.
func (s *System) WaitIdle(t testing.TB, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		busy, err := s.QueueBusy()
		if err == nil && busy == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("e2e: queues still busy (%d tasks, %v) after %s", busy, err, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Count runs a SELECT count(*) ... query.
func (s *System) Count(t testing.TB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.DB.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("e2e: %s: %v", query, err)
	}
	return n
}
