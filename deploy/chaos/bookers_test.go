//go:build chaos

package chaos_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/reservas/reservas/deploy/e2e"
	"github.com/reservas/reservas/handlers/mercadopago/mercadopagotest"
	"github.com/reservas/reservas/handlers/whatsapp/whatsapptest"
)

// stepWait is how long a booker waits for each answer before giving up on its journey: under
// chaos some journeys stall, and the invariants must hold whatever happened to them.
const stepWait = 90 * time.Second

// payMode is how a booker pays the link it gets.
type payMode int

const (
	payApproved      payMode = iota // one approved payment
	payRejectedFirst                // a rejected card, then an approved payment
	payTwice                        // two approved payments of one link (the second must be refunded)
	payNever                        // holds the dates and never pays
	payModes
)

func (m payMode) String() string {
	return [...]string{"approved", "rejected-then-approved", "twice", "never"}[m]
}

// booker is a guest racing others for the same stay and paying for the hold it gets.
type booker struct {
	sys     *e2e.System
	g       *e2e.Guest
	mode    payMode
	in, out time.Time

	mu      sync.Mutex
	outcome string
	// promised is the WhatsApp id of a hold message that promised the payment link for later.
	promised string
	code     string
	payments []int64
	wamids   []string
}

func (b *booker) logf(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.outcome = fmt.Sprintf(format, args...)
}

// deliver sends one message like Meta (retrying until 200) and records its wamid.
func (b *booker) deliver(ctx context.Context, l *load, wamid string, body []byte) {
	d := &delivery{wamid: wamid, waID: b.g.WaID}
	l.add(d)
	b.mu.Lock()
	b.wamids = append(b.wamids, wamid)
	b.mu.Unlock()
	l.deliver(ctx, d, body)
}

// wait waits for a message after the first `seen` that satisfies ok.
func (b *booker) wait(seen int, ok func(whatsapptest.SentMessage) bool) (whatsapptest.SentMessage, bool) {
	deadline := time.Now().Add(stepWait)
	for time.Now().Before(deadline) {
		got := b.g.Replies()
		for i := seen; i < len(got); i++ {
			if ok(got[i]) {
				return got[i], true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return whatsapptest.SentMessage{}, false
}

func hasBook(m whatsapptest.SentMessage) bool {
	if m.Buttons == nil {
		return false
	}
	for _, bt := range m.Buttons.Buttons {
		if strings.HasPrefix(bt.ID, "book:") {
			return true
		}
	}
	return false
}

func (b *booker) run(ctx context.Context, l *load) {
	pnid := b.sys.Graph.PhoneNumberID()
	seen := len(b.g.Replies())
	wamid := b.sys.NewWamid(b.g.WaID)
	b.deliver(ctx, l, wamid, whatsapptest.TextWebhook(pnid, b.g.WaID, b.g.Name, wamid,
		fmt.Sprintf("Hola! ¿Tienen lugar %s para 2 personas?", e2e.StayES(b.in, b.out)), time.Now()))
	for attempt := 0; attempt < 3; attempt++ {
		m, ok := b.wait(seen, func(m whatsapptest.SentMessage) bool { return m.List != nil || hasBook(m) })
		if !ok {
			b.logf("no offer within %s", stepWait)
			return
		}
		seen = b.index(m) + 1
		if m.List != nil {
			rows := e2e.RowIDs(m)
			wamid := b.sys.NewWamid(b.g.WaID)
			title, desc := rowText(m, rows[0])
			b.deliver(ctx, l, wamid, whatsapptest.ListReplyWebhook(pnid, b.g.WaID, b.g.Name, wamid, m.WAMID, rows[0], title, desc, time.Now()))
			if m, ok = b.wait(seen, hasBook); !ok {
				b.logf("no quote within %s", stepWait)
				return
			}
			seen = b.index(m) + 1
		}
		var book, title string
		for _, bt := range m.Buttons.Buttons {
			if strings.HasPrefix(bt.ID, "book:") {
				book, title = bt.ID, bt.Title
			}
		}
		wamid := b.sys.NewWamid(b.g.WaID)
		b.deliver(ctx, l, wamid, whatsapptest.ButtonReplyWebhook(pnid, b.g.WaID, b.g.Name, wamid, m.WAMID, book, title, time.Now()))
		held, ok := b.wait(seen, func(whatsapptest.SentMessage) bool { return true })
		if !ok {
			b.logf("no answer to Reservar within %s", stepWait)
			return
		}
		if held.List != nil || hasBook(held) {
			// the dates were taken meanwhile: the bot offers something else; take it
			seen = b.index(held)
			continue
		}
		if !strings.Contains(held.Text, "http") {
			// e.g. held, but Mercado Pago could not make the link just now
			b.mu.Lock()
			b.promised = held.WAMID
			b.mu.Unlock()
			b.logf("answer to Reservar without a link: %q", held.Text)
			return
		}
		b.pay(ctx, held)
		return
	}
	b.logf("no hold after 3 tries")
}

// linkArrived reports whether a payment link reached the guest after the message that
// promised it.
func (b *booker) linkArrived() bool {
	after := false
	for _, m := range b.g.Replies() {
		if m.WAMID == b.promised {
			after = true
			continue
		}
		if after && strings.Contains(m.Text, "http") {
			return true
		}
	}
	return false
}

func (b *booker) index(m whatsapptest.SentMessage) int {
	for i, r := range b.g.Replies() {
		if r.WAMID == m.WAMID {
			return i
		}
	}
	return 0
}

func (b *booker) pay(ctx context.Context, held whatsapptest.SentMessage) {
	var pref mercadopagotest.StoredPreference
	for _, p := range b.sys.MP.Preferences() {
		if strings.Contains(held.Text, p.InitPoint) {
			pref = p
		}
	}
	if pref.ID == "" {
		b.logf("held, but the link is no preference of the fake")
		return
	}
	code := pref.ExternalReference
	_ = b.sys.DB.QueryRow(ctx, `SELECT code FROM reservations WHERE id::text = $1 OR code = $1`, pref.ExternalReference).Scan(&code)
	b.mu.Lock()
	b.code = code
	b.mu.Unlock()
	var opts []mercadopagotest.PayOptions
	switch b.mode {
	case payApproved:
		opts = []mercadopagotest.PayOptions{{Status: "approved"}}
	case payRejectedFirst:
		opts = []mercadopagotest.PayOptions{{Status: "rejected"}, {Status: "approved"}}
	case payTwice:
		opts = []mercadopagotest.PayOptions{{Status: "approved"}, {Status: "approved"}}
	case payNever:
		b.logf("held %s, never paid", b.code)
		return
	}
	for _, o := range opts {
		// Pay returns once Mercado Pago's notifications were acknowledged or ran out of
		// retries; the payment exists either way.
		p, err := b.sys.MP.Pay(ctx, pref.ID, o)
		if p.ID != 0 {
			b.mu.Lock()
			b.payments = append(b.payments, p.ID)
			b.mu.Unlock()
		}
		if err != nil && p.ID == 0 {
			b.logf("pay %s: %v", o.Status, err)
			return
		}
	}
	b.logf("held %s, paid %s", b.code, b.mode)
}

func rowText(m whatsapptest.SentMessage, id string) (string, string) {
	for _, s := range m.List.Sections {
		for _, r := range s.Rows {
			if r.ID == id {
				return r.Title, r.Description
			}
		}
	}
	return "", ""
}
