package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/reservas/reservas/handlers/whatsapp/whatsapptest"
)

// Turn sends one message with send (Text, TapButton, ...) and returns every message the guest
// received because of it: it waits until the queues are idle and nothing new arrived for a
// moment.
func (g *Guest) Turn(t testing.TB, send func() string) []whatsapptest.SentMessage {
	t.Helper()
	before := len(g.Replies())
	send()
	g.WaitReplies(t, before+1)
	g.sys.WaitQuiet(t, 60*time.Second, 300*time.Millisecond)
	return g.Replies()[before:]
}

// Say is Turn with a text message.
func (g *Guest) Say(t testing.TB, text string) []whatsapptest.SentMessage {
	t.Helper()
	return g.Turn(t, func() string { return g.Text(t, text) })
}

// Find returns the last message among ms that has a list, or buttons, or text containing sub
// (case-insensitive), per kind: "list", "buttons" or "text".
func Find(t testing.TB, ms []whatsapptest.SentMessage, kind, sub string) whatsapptest.SentMessage {
	t.Helper()
	for i := len(ms) - 1; i >= 0; i-- {
		m := ms[i]
		switch {
		case kind == "list" && m.List == nil, kind == "buttons" && m.Buttons == nil:
			continue
		}
		if sub == "" || strings.Contains(strings.ToLower(m.Text), strings.ToLower(sub)) {
			return m
		}
	}
	t.Fatalf("e2e: no %s message containing %q among:%s", kind, sub, Texts(ms))
	return whatsapptest.SentMessage{}
}

// RowIDs lists the ids of a list message's rows.
func RowIDs(m whatsapptest.SentMessage) []string {
	var out []string
	if m.List == nil {
		return nil
	}
	for _, s := range m.List.Sections {
		for _, r := range s.Rows {
			out = append(out, r.ID)
		}
	}
	return out
}

// ButtonWithPrefix returns the id of the first button whose id starts with prefix.
func ButtonWithPrefix(t testing.TB, m whatsapptest.SentMessage, prefix string) string {
	t.Helper()
	if m.Buttons != nil {
		for _, b := range m.Buttons.Buttons {
			if strings.HasPrefix(b.ID, prefix) {
				return b.ID
			}
		}
	}
	t.Fatalf("e2e: no button %q… on %q", prefix, m.Text)
	return ""
}

var monthsES = [...]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
	"septiembre", "octubre", "noviembre", "diciembre"}

// StayES writes a stay the way a guest would: "del 14 al 18 de enero" or "del 30 de enero al
// 3 de febrero".
func StayES(in, out time.Time) string {
	if in.Month() == out.Month() {
		return fmt.Sprintf("del %d al %d de %s", in.Day(), out.Day(), monthsES[in.Month()-1])
	}
	return fmt.Sprintf("del %d de %s al %d de %s", in.Day(), monthsES[in.Month()-1], out.Day(), monthsES[out.Month()-1])
}

// FutureStay returns a stay of nights nights starting at least ahead days from today (in the
// business time zone), inside one month and clear of the first days of a month.
func FutureStay(ahead, nights int) (time.Time, time.Time) {
	loc, err := time.LoadLocation("America/Argentina/Buenos_Aires")
	if err != nil {
		loc = time.UTC
	}
	now := time.Now().In(loc)
	in := time.Date(now.Year(), now.Month(), now.Day()+ahead, 0, 0, 0, 0, time.UTC)
	if in.Day() > 28-nights || in.Day() < 3 {
		in = time.Date(in.Year(), in.Month()+1, 5, 0, 0, 0, 0, time.UTC)
	}
	return in, in.AddDate(0, 0, nights)
}
