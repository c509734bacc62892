package e2e_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/reservas/reservas/deploy/e2e"
	"github.com/reservas/reservas/handlers/whatsapp/whatsapptest"
)

// The Foundation over real processes: a greeting signed like Meta's gets answered, Meta's
// redelivery of the same POST gets 200 and no second answer, a forged POST gets 401 and
// nothing else, and every process of the system is up and healthy throughout.
func TestGreetingAnsweredOnceAcrossProcesses(t *testing.T) {
	sys := e2e.Start(t, e2e.Options{})
	g := sys.Guest("5491155501234", "Lucía")

	wamid := sys.NewWamid(g.WaID)
	body := whatsapptest.TextWebhook(sys.Graph.PhoneNumberID(), g.WaID, g.Name, wamid, "Hola! ¿cómo va?", time.Now())
	sys.Deliver(t, body)
	first := g.WaitReplies(t, 1)
	if !strings.Contains(first[0].Text, "Lucía") && !strings.Contains(strings.ToLower(first[0].Text), "hola") {
		t.Fatalf("the first answer to a greeting does not greet: %s", e2e.Texts(first))
	}
	sys.WaitIdle(t, 30*time.Second)
	answered := len(g.Replies())

	// Meta redelivers the same bytes (it did not see our 200 in time).
	for range 3 {
		if code, err := sys.Post(context.Background(), body); err != nil || code != http.StatusOK {
			t.Fatalf("redelivery: %d %v, want 200", code, err)
		}
	}
	sys.WaitIdle(t, 30*time.Second)
	time.Sleep(300 * time.Millisecond) // a duplicate reply would have been sent by now
	if got := len(g.Replies()); got != answered {
		t.Fatalf("redelivery produced more replies: %d, want %d%s", got, answered, e2e.Texts(g.Replies()))
	}
	if n := sys.Count(t, `SELECT count(*) FROM inbound_messages WHERE wamid = $1`, wamid); n != 1 {
		t.Fatalf("inbound rows for the message: %d, want 1", n)
	}
	if n := sys.Count(t, `SELECT count(*) FROM inbound_messages WHERE wamid = $1 AND processed_at IS NOT NULL`, wamid); n != 1 {
		t.Fatalf("the message is not marked processed")
	}

	// A forged POST is refused and changes nothing.
	forged := whatsapptest.TextWebhook(sys.Graph.PhoneNumberID(), g.WaID, g.Name, sys.NewWamid(g.WaID), "hola", time.Now())
	req, _ := http.NewRequest(http.MethodPost, sys.WebhookURL(), strings.NewReader(string(forged)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", "sha256="+strings.Repeat("ab", 32))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("forged webhook: %d, want 401", resp.StatusCode)
	}
	sys.WaitIdle(t, 10*time.Second)
	if n := sys.Count(t, `SELECT count(*) FROM inbound_messages`); n != 1 {
		t.Fatalf("the forged webhook reached the database: %d inbound rows", n)
	}
	for _, p := range sys.Procs() {
		if !p.Running() {
			t.Fatalf("%s exited during the test", p.Name)
		}
	}
}
