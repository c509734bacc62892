package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reservas/reservas/deploy/e2e"
	"github.com/reservas/reservas/handlers/mercadopago/mercadopagotest"
)

// A guest books a cabin the way Meta and Mercado Pago would drive it: a greeting; a question
// with dates and a party; a cabin picked from the list; "Reservar"; the payment on Mercado
// Pago, whose approved notification reaches the ingress signed; the confirmation in the chat.
// Mercado Pago repeating the notification changes nothing, and the invariants hold.
func TestGuestBooksPaysAndIsConfirmed(t *testing.T) {
	sys := e2e.Start(t, e2e.Options{})
	ctx := context.Background()
	g := sys.Guest("5491155503333", "Martina")
	var wamids []string
	text := func(s string) func() string {
		return func() string { w := g.Text(t, s); wamids = append(wamids, w); return w }
	}

	// 1. A greeting.
	hello := g.Turn(t, text("Hola! Buenas tardes"))
	if !strings.Contains(strings.ToLower(e2e.Texts(hello)), "hola") {
		t.Fatalf("the greeting is not answered with a greeting:%s", e2e.Texts(hello))
	}

	// 2. A question with dates and a party.
	in, out := e2e.FutureStay(45, 4)
	offer := g.Turn(t, text(fmt.Sprintf("¿Tienen lugar %s para 2 personas?", e2e.StayES(in, out))))
	list := e2e.Find(t, offer, "list", "")
	rows := e2e.RowIDs(list)
	if len(rows) == 0 {
		t.Fatalf("no cabins offered:%s", e2e.Texts(offer))
	}
	stay := in.Format("20060102") + ":" + out.Format("20060102")
	if !strings.HasSuffix(rows[0], stay) {
		t.Fatalf("the offered row %q is not for the stay %s", rows[0], stay)
	}

	// 3. A choice from the list.
	quote := g.Turn(t, func() string { w := g.PickRow(t, list, rows[0]); wamids = append(wamids, w); return w })
	qmsg := e2e.Find(t, quote, "buttons", "")
	book := e2e.ButtonWithPrefix(t, qmsg, "book:")

	// 4. "Reservar".
	held := g.Turn(t, func() string { w := g.TapButton(t, qmsg, book); wamids = append(wamids, w); return w })
	hmsg := e2e.Find(t, held, "text", "http")
	var code string
	var status string
	var deposit int64
	if err := sys.DB.QueryRow(ctx, `SELECT code, status, deposit_cents FROM reservations WHERE guest_phone = $1 AND kind = 'booking'`,
		g.WaID).Scan(&code, &status, &deposit); err != nil {
		t.Fatalf("no hold in the database after Reservar: %v%s", err, e2e.Texts(held))
	}
	if status != "pre_reserved" || !strings.Contains(hmsg.Text, code) {
		t.Fatalf("hold %s is %s; message %q", code, status, hmsg.Text)
	}
	var pref mercadopagotest.StoredPreference
	for _, p := range sys.MP.Preferences() {
		if strings.Contains(hmsg.Text, p.InitPoint) {
			pref = p
		}
	}
	if pref.ID == "" {
		t.Fatalf("the payment link in %q is none of the fake Mercado Pago's preferences", hmsg.Text)
	}
	if pref.TotalCents() != deposit {
		t.Fatalf("the preference asks %d cents, the deposit is %d", pref.TotalCents(), deposit)
	}
	if n := sys.Count(t, `SELECT count(*) FROM reservations WHERE code = $1 AND status = 'confirmed'`, code); n != 0 {
		t.Fatal("the booking is confirmed before any payment")
	}

	// 5. Mercado Pago's approved notification (signed, to the URL the preference carries).
	before := len(g.Replies())
	payment, err := sys.MP.Pay(ctx, pref.ID, mercadopagotest.PayOptions{Status: "approved"})
	if err != nil {
		t.Fatalf("pay: %v (deliveries %+v)", err, sys.MP.Deliveries())
	}
	// 6. The confirmation.
	g.WaitReplies(t, before+1)
	sys.WaitQuiet(t, time.Minute, 300*time.Millisecond)
	confirmed := e2e.Find(t, g.Replies()[before:], "text", code)
	if n := sys.Count(t, `SELECT count(*) FROM reservations WHERE code = $1 AND status = 'confirmed'`, code); n != 1 {
		t.Fatalf("booking %s is not confirmed after the approved payment; the guest got:%s", code, e2e.Texts(g.Replies()[before:]))
	}
	if n := sys.Count(t, `SELECT count(*) FROM payments WHERE mp_payment_id = $1 AND outcome = 'confirmed'`, payment.ID); n != 1 {
		t.Fatalf("payment %d is not recorded as the one confirming %s", payment.ID, code)
	}
	t.Logf("confirmation: %q", confirmed.Text)
	if len(sys.RepliesTo(e2e.OwnerPhone)) == 0 {
		t.Errorf("the owner was not told about the confirmed booking")
	}

	// Mercado Pago sends the notification again, twice at once, and as a legacy IPN: the
	// booking stays confirmed once, and nobody is told twice.
	guestBefore, ownerBefore := len(g.Replies()), len(sys.RepliesTo(e2e.OwnerPhone))
	if err := sys.MP.Notify(ctx, payment.ID, mercadopagotest.Duplicate); err != nil {
		t.Fatalf("notify again: %v", err)
	}
	if err := sys.MP.Notify(ctx, payment.ID, mercadopagotest.IPN); err != nil {
		t.Fatalf("notify IPN: %v", err)
	}
	sys.WaitQuiet(t, time.Minute, 500*time.Millisecond)
	if n := len(g.Replies()); n != guestBefore {
		t.Errorf("repeated notifications sent the guest more messages:%s", e2e.Texts(g.Replies()[guestBefore:]))
	}
	if n := len(sys.RepliesTo(e2e.OwnerPhone)); n != ownerBefore {
		t.Errorf("repeated notifications told the owner again:%s", e2e.Texts(sys.RepliesTo(e2e.OwnerPhone)[ownerBefore:]))
	}
	if n := sys.Count(t, `SELECT count(*) FROM payments WHERE reservation_id = (SELECT id FROM reservations WHERE code = $1)`, code); n != 1 {
		t.Errorf("%d payment rows for %s, want 1", n, code)
	}

	vs, err := sys.ReplyViolations(ctx, wamids)
	e2e.RequireNoViolations(t, vs, err)
	vs, err = sys.BookingViolations(ctx)
	e2e.RequireNoViolations(t, vs, err)
}

// An Airbnb calendar imported through `reservas feeds add` and synced blocks its nights: a
// guest asking for them is not offered that cabin, while other cabins stay on offer.
func TestICalImportBlocksDates(t *testing.T) {
	sys := e2e.Start(t, e2e.Options{})
	ctx := context.Background()
	in, out := e2e.FutureStay(60, 3)
	const cabin = "Cabaña Lenga"
	var cabinID int64
	if err := sys.DB.QueryRow(ctx, `SELECT id FROM accommodations WHERE name = $1`, cabin).Scan(&cabinID); err != nil {
		t.Fatalf("seeded cabin %s: %v", cabin, err)
	}

	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
		fmt.Fprint(w, airbnbCalendar(in.AddDate(0, 0, -1), out.AddDate(0, 0, 1)))
	}))
	defer feed.Close()
	sys.Run(t, "feeds", "add", "--cabin", cabin, "--channel", "airbnb", "--url", feed.URL+"/calendar/ical/123.ics")
	sys.Run(t, "feeds", "sync")
	sys.WaitQuiet(t, time.Minute, 200*time.Millisecond)
	if n := sys.Count(t, `SELECT count(*) FROM reservations WHERE accommodation_id = $1 AND kind = 'imported_block'
		AND active AND daterange(check_in, blocked_until) && daterange($2::date, $3::date)`, cabinID, in, out); n == 0 {
		t.Fatalf("the imported calendar blocked nothing of %s %s", cabin, e2e.StayES(in, out))
	}

	g := sys.Guest("5491155504444", "Tomás")
	offer := g.Say(t, fmt.Sprintf("Hola! ¿Tienen algo %s para 2?", e2e.StayES(in, out)))
	for _, m := range offer {
		for _, id := range e2e.RowIDs(m) {
			if strings.HasPrefix(id, "cabin:"+strconv.FormatInt(cabinID, 10)+":") && strings.HasSuffix(id, in.Format("20060102")+":"+out.Format("20060102")) {
				t.Fatalf("%s is offered for nights its imported calendar blocks: %s", cabin, id)
			}
		}
		if strings.Contains(m.Text, cabin) && m.List == nil && m.Buttons != nil {
			t.Fatalf("%s is quoted for blocked nights: %q", cabin, m.Text)
		}
	}
	list := e2e.Find(t, offer, "list", "")
	if len(e2e.RowIDs(list)) == 0 {
		t.Fatalf("the other cabins are not offered:%s", e2e.Texts(offer))
	}
	vs, err := sys.BookingViolations(ctx)
	e2e.RequireNoViolations(t, vs, err)
}

// airbnbCalendar is a feed shaped like Airbnb's export: one reserved block [from, to).
func airbnbCalendar(from, to time.Time) string {
	lines := []string{
		"BEGIN:VCALENDAR",
		"PRODID;X-RICAL-TZSOURCE=TZINFO:-//Airbnb Inc//Hosting Calendar 1.0//EN",
		"CALSCALE:GREGORIAN",
		"VERSION:2.0",
		"BEGIN:VEVENT",
		"DTEND;VALUE=DATE:" + to.Format("20060102"),
		"DTSTART;VALUE=DATE:" + from.Format("20060102"),
		"UID:1418fb94e984-" + from.Format("20060102") + "@airbnb.com",
		"DESCRIPTION:Reservation URL: https://www.airbnb.com/hosting/reservations/details/HMABCDEFGH\\nPhone Number (Last 4 Digits): 1234",
		"SUMMARY:Reserved",
		"END:VEVENT",
		"END:VCALENDAR",
	}
	return strings.Join(lines, "\r\n") + "\r\n"
}
