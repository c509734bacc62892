package handlers_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reservas/reservas/handlers"
	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/handlers/conversation"
	"github.com/reservas/reservas/handlers/handlerstest"
	"github.com/reservas/reservas/handlers/whatsapp"
	"github.com/reservas/reservas/handlers/whatsapp/whatsapptest"
	"github.com/reservas/reservas/store"
)

// The dialogue tests drive whole conversations through the real system: signed webhooks into
// the ingress, the asynq worker with the conversation responder, Postgres and Redis, and the
// fake Graph API, whose accepted messages are the guest's screen.

var buenosAires = func() *time.Location {
	loc, err := time.LoadLocation("America/Argentina/Buenos_Aires")
	if err != nil {
		panic(err)
	}
	return loc
}()

// cabins is what the dialogue tests rent out.
type cabins struct {
	arrayan, coihues booking.Accommodation
}

func seedCabins(t testing.TB, s *store.Store) cabins {
	t.Helper()
	c := cabins{
		arrayan: booking.Accommodation{Name: "El Arrayán", Capacity: 4, NightlyRateCents: 4_000_000, WeekendRateCents: 5_000_000,
			CleaningFeeCents: 1_000_000, Amenities: []string{"wifi", "parrilla"}},
		coihues: booking.Accommodation{Name: "Los Coihues", Capacity: 6, NightlyRateCents: 6_000_000, Amenities: []string{"wifi", "pileta"}},
	}
	for _, a := range []*booking.Accommodation{&c.arrayan, &c.coihues} {
		id, err := s.UpsertAccommodation(context.Background(), *a)
		if err != nil {
			t.Fatal(err)
		}
		a.ID = id
	}
	return c
}

type convOptions struct {
	payments handlers.PaymentLinker
	workers  int
}

func startConversations(t testing.TB, o convOptions) (*handlerstest.System, cabins) {
	t.Helper()
	sys := handlerstest.Start(t, handlerstest.Options{Workers: max(o.workers, 1), Concurrency: 8,
		Configure: func(d *handlers.Deps) {
			if o.payments == nil {
				d.Responder = handlers.NewConversationResponder(d) // as cmd wires it; no Mercado Pago here
			} else {
				d.Responder = handlers.NewConversationResponderWithPayments(d, o.payments)
			}
		}})
	t.Cleanup(func() { requireMetaLimits(t, sys.Graph.Sent()) })
	return sys, seedCabins(t, sys.Store)
}

// requireMetaLimits fails when any interactive message the fake accepted breaks Meta's limits
// (the fake refuses those itself; this checks with the client's own Validate too).
func requireMetaLimits(t testing.TB, sent []whatsapptest.SentMessage) {
	t.Helper()
	for _, m := range sent {
		if m.Buttons != nil {
			if err := m.Buttons.Validate(); err != nil {
				t.Errorf("buttons to %s break Meta's limits: %v", m.WaID, err)
			}
		}
		if m.List != nil {
			if err := m.List.Validate(); err != nil {
				t.Errorf("list to %s breaks Meta's limits: %v", m.WaID, err)
			}
		}
		if m.Type == "interactive" && m.Buttons == nil && m.List == nil {
			t.Errorf("interactive message without buttons or list: %s", m.Raw)
		}
	}
}

// guestChat is one guest's phone.
type guestChat struct {
	t       testing.TB
	sys     *handlerstest.System
	phone   string
	name    string
	seen    int
	last    whatsapptest.SentMessage
	history []string
}

func newGuest(t testing.TB, sys *handlerstest.System, phone, name string) *guestChat {
	return &guestChat{t: t, sys: sys, phone: phone, name: name}
}

// deliver POSTs a webhook and returns the next reply the guest receives.
func (g *guestChat) deliver(body []byte, shown string) whatsapptest.SentMessage {
	g.t.Helper()
	g.sys.Deliver(g.t, body)
	g.history = append(g.history, "> "+shown)
	got := g.sys.WaitReplies(g.t, g.phone, g.seen+1)
	g.seen++
	g.last = got[g.seen-1]
	requireMetaLimits(g.t, []whatsapptest.SentMessage{g.last})
	g.history = append(g.history, "< "+screen(g.last))
	return g.last
}

func (g *guestChat) say(text string) whatsapptest.SentMessage {
	g.t.Helper()
	body := whatsapptest.TextWebhook(g.sys.Graph.PhoneNumberID(), g.phone, g.name, g.sys.NewWamid(), text, time.Now())
	return g.deliver(body, text)
}

// tap taps a button or list row of the last message the guest received.
func (g *guestChat) tap(title string) whatsapptest.SentMessage {
	g.t.Helper()
	return g.tapIn(g.last, title)
}

func (g *guestChat) tapIn(m whatsapptest.SentMessage, title string) whatsapptest.SentMessage {
	g.t.Helper()
	pn := g.sys.Graph.PhoneNumberID()
	if m.Buttons != nil {
		for _, b := range m.Buttons.Buttons {
			if b.Title == title {
				return g.deliver(whatsapptest.ButtonReplyWebhook(pn, g.phone, g.name, g.sys.NewWamid(), m.WAMID, b.ID, b.Title, time.Now()), "["+title+"]")
			}
		}
	}
	if m.List != nil {
		for _, s := range m.List.Sections {
			for _, r := range s.Rows {
				if r.Title == title {
					return g.deliver(whatsapptest.ListReplyWebhook(pn, g.phone, g.name, g.sys.NewWamid(), m.WAMID, r.ID, r.Title, r.Description, time.Now()), "{"+title+"}")
				}
			}
		}
	}
	g.t.Fatalf("no %q to tap in %s\n%s", title, screen(m), strings.Join(g.history, "\n"))
	return whatsapptest.SentMessage{}
}

func (g *guestChat) transcript() string { return strings.Join(g.history, "\n") }

// screen renders a message as the guest sees it.
func screen(m whatsapptest.SentMessage) string {
	var b strings.Builder
	b.WriteString(m.Text)
	if m.Buttons != nil {
		for _, x := range m.Buttons.Buttons {
			b.WriteString(" [" + x.Title + "]")
		}
	}
	if m.List != nil {
		b.WriteString(" {" + m.List.ButtonText + ":")
		for _, s := range m.List.Sections {
			for _, r := range s.Rows {
				b.WriteString(" " + r.Title + " — " + r.Description + ";")
			}
		}
		b.WriteString("}")
	}
	return b.String()
}

func has(t testing.TB, m whatsapptest.SentMessage, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(m.Text, w) {
			t.Fatalf("message %q does not contain %q", screen(m), w)
		}
	}
}

func titles(m whatsapptest.SentMessage) []string {
	var out []string
	if m.Buttons != nil {
		for _, b := range m.Buttons.Buttons {
			out = append(out, b.Title)
		}
	}
	if m.List != nil {
		for _, s := range m.List.Sections {
			for _, r := range s.Rows {
				out = append(out, r.Title)
			}
		}
	}
	return out
}

// stayFrom is a stay starting days from today in Buenos Aires, and how a guest types it.
func stayFrom(days, nights int) (in, out time.Time, typed string) {
	today := booking.Today(time.Now(), buenosAires)
	in = booking.AddDays(today, days)
	out = booking.AddDays(in, nights)
	return in, out, fmt.Sprintf("del %s al %s", in.Format("02/01"), out.Format("02/01"))
}

func guestReservations(t testing.TB, sys *handlerstest.System, phone string) []store.Reservation {
	t.Helper()
	rs, err := sys.Store.GuestReservations(context.Background(), phone)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func quoteOf(t testing.TB, a booking.Accommodation, in, out time.Time, guests int) booking.Quote {
	t.Helper()
	q, err := booking.QuoteStay(a, booking.Stay{CheckIn: in, CheckOut: out, Guests: guests})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// A guest books a cabin from "Hola" to the hold.
func TestDialogueHappyPath(t *testing.T) {
	sys, cab := startConversations(t, convOptions{workers: 2})
	g := newGuest(t, sys, "5491155551001", "Lucía Pérez")
	in, out, typed := stayFrom(20, 3)
	stay := conversation.StayText("es", in, out)

	m := g.say("Hola")
	has(t, m, "¡Hola, Lucía! 👋", "¿En qué te ayudo?")
	if !slices.Equal(titles(m), []string{"Ver disponibilidad", "Mis reservas", "Ayuda"}) {
		t.Fatalf("menu: %v", titles(m))
	}
	m = g.say("Quiero ir " + typed)
	has(t, m, "Perfecto: "+stay+". ¿Cuántas personas son?")
	m = g.say("somos 4")
	if m.List == nil {
		t.Fatalf("want the free cabins as a list: %s", screen(m))
	}
	has(t, m, stay, "4 personas")
	qa, qc := quoteOf(t, cab.arrayan, in, out, 4), quoteOf(t, cab.coihues, in, out, 4)
	rows := m.List.Sections[0].Rows
	if len(rows) != 2 || rows[0].Title != "El Arrayán" || rows[0].Description != conversation.Money(qa.TotalCents)+" en total · hasta 4 personas" ||
		rows[1].Description != conversation.Money(qc.TotalCents)+" en total · hasta 6 personas" {
		t.Fatalf("rows: %+v", rows)
	}
	m = g.tap("El Arrayán")
	has(t, m, "🏡 *El Arrayán*", stay+" · 4 personas", "*Total: "+conversation.Money(qa.TotalCents)+"*",
		"Seña para reservar (30%): "+conversation.Money(qa.DepositCents))
	if !slices.Equal(titles(m), []string{"Reservar", "Cambiar fechas", "Otras cabañas"}) {
		t.Fatalf("quote buttons: %v", titles(m))
	}
	m = g.tap("Reservar")
	has(t, m, "¡Listo! 🎉 Te reservé *El Arrayán*", "seña de "+conversation.Money(qa.DepositCents), "te mando el link de pago")

	rs := guestReservations(t, sys, g.phone)
	if len(rs) != 1 || rs[0].Status != booking.StatusPreReserved || rs[0].AccommodationID != cab.arrayan.ID ||
		!rs[0].CheckIn.Equal(in) || !rs[0].CheckOut.Equal(out) || rs[0].Guests != 4 || rs[0].GuestName != "Lucía Pérez" {
		t.Fatalf("hold: %+v", rs)
	}
	has(t, m, "Código: *"+rs[0].Code+"*", "las "+rs[0].ExpiresAt.In(buenosAires).Format("15:04"))
	if got := rs[0].ExpiresAt.Sub(rs[0].CreatedAt); got != 30*time.Minute {
		t.Fatalf("hold lasts %v, want HOLD_MINUTES", got)
	}
	sys.WaitIdle(t) // the state is saved with the message marked handled, just after the reply
	conv, err := sys.Store.GetConversation(context.Background(), g.phone)
	if err != nil {
		t.Fatal(err)
	}
	st := conversation.LoadState(conv.State, conv.Language)
	if st.LastHold != rs[0].Code || st.Step != conversation.StepNone || conv.Language != "es" {
		t.Fatalf("stored state: %s", conv.State)
	}
	t.Log("\n" + g.transcript())
}

// linkMaker is a PaymentLinker that records what it was asked for.
type linkMaker struct {
	mu    sync.Mutex
	asked []store.Reservation
}

func (l *linkMaker) PaymentLink(_ context.Context, r store.Reservation) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.asked = append(l.asked, r)
	return "https://pay.example/" + r.ID, nil
}

// With a payment linker the hold reply carries the link, the deposit and the hold's end.
func TestDialogueHoldWithPaymentLink(t *testing.T) {
	links := &linkMaker{}
	sys, cab := startConversations(t, convOptions{payments: links})
	g := newGuest(t, sys, "5491155551002", "Ana")
	in, out, typed := stayFrom(30, 2)
	m := g.say("hola! " + typed + " para 6")
	has(t, m, "🏡 *Los Coihues*") // the only cabin for 6: the quote right away
	m = g.tap("Reservar")
	rs := guestReservations(t, sys, g.phone)
	if len(rs) != 1 {
		t.Fatalf("reservations: %+v", rs)
	}
	q := quoteOf(t, cab.coihues, in, out, 6)
	has(t, m, "pagá la seña de "+conversation.Money(q.DepositCents)+" antes d", "las "+rs[0].ExpiresAt.In(buenosAires).Format("15:04"),
		"https://pay.example/"+rs[0].ID)
	if len(links.asked) != 1 || links.asked[0].ID != rs[0].ID {
		t.Fatalf("linker asked for %+v", links.asked)
	}
}

// The guest gives the details one at a time; the bot asks only for what is missing.
func TestDialogueMissingInformation(t *testing.T) {
	sys, _ := startConversations(t, convOptions{})
	g := newGuest(t, sys, "5491155551003", "Pedro")
	in, out, typed := stayFrom(15, 3)
	m := g.say("quiero reservar una cabaña")
	has(t, m, "para qué fechas y cuántas personas")
	m = g.say("somos 2")
	has(t, m, "Anotado, 2 personas. ¿Para qué fechas?")
	m = g.say(typed)
	if m.List == nil {
		t.Fatalf("want the list: %s", screen(m))
	}
	has(t, m, conversation.StayText("es", in, out), "2 personas")
	m = g.say("la segunda")
	has(t, m, "🏡 *Los Coihues*", "2 personas")
	t.Log("\n" + g.transcript())
}

// Nothing free on the dates asked: the nearest alternatives come as a list.
func TestDialogueNoAvailabilityWithAlternatives(t *testing.T) {
	sys, cab := startConversations(t, convOptions{})
	in, out, typed := stayFrom(25, 3)
	ctx := context.Background()
	if _, err := sys.Store.AddManualBlock(ctx, cab.arrayan.ID, booking.AddDays(in, -1), booking.AddDays(out, 1), "arreglos"); err != nil {
		t.Fatal(err)
	}
	if _, err := sys.Store.AddManualBlock(ctx, cab.coihues.ID, in, out, "familia"); err != nil {
		t.Fatal(err)
	}
	g := newGuest(t, sys, "5491155551004", "Marta")
	m := g.say(typed + ", somos 2")
	if m.List == nil {
		t.Fatalf("want alternatives as a list: %s", screen(m))
	}
	has(t, m, "No me quedan cabañas libres para "+conversation.StayText("es", in, out), "estas opciones")
	first := m.List.Sections[0].Rows[0]
	m = g.tap(first.Title)
	has(t, m, "🏡 *"+first.Title+"*", "2 personas")
	if !slices.Contains(titles(m), "Reservar") {
		t.Fatalf("buttons: %v", titles(m))
	}
	m = g.tap("Reservar")
	has(t, m, "¡Listo! 🎉")
	rs := guestReservations(t, sys, g.phone)
	if len(rs) != 1 || rs[0].CheckIn.Equal(in) {
		t.Fatalf("the hold should be on the alternative's dates: %+v", rs)
	}
	t.Log("\n" + g.transcript())
}

// Half-way through, the guest changes the dates: the quote follows, and the old
// "Reservar" no longer books the old dates.
func TestDialogueChangeOfDates(t *testing.T) {
	sys, _ := startConversations(t, convOptions{})
	g := newGuest(t, sys, "5491155551005", "Juan")
	_, _, typed := stayFrom(40, 3)
	in2, out2, typed2 := stayFrom(41, 3)
	g.say(typed + " somos 4")
	oldQuote := g.tap("El Arrayán")
	m := g.say("uy, mejor " + typed2)
	has(t, m, "🏡 *El Arrayán*", conversation.StayText("es", in2, out2)+" · 4 personas")
	newQuote := m
	m = g.tapIn(oldQuote, "Reservar")
	has(t, m, "Esa opción era de una consulta anterior", conversation.StayText("es", in2, out2))
	if rs := guestReservations(t, sys, g.phone); len(rs) != 0 {
		t.Fatalf("a stale button booked: %+v", rs)
	}
	g.tapIn(newQuote, "Reservar")
	rs := guestReservations(t, sys, g.phone)
	if len(rs) != 1 || !rs[0].CheckIn.Equal(in2) || !rs[0].CheckOut.Equal(out2) {
		t.Fatalf("hold: %+v", rs)
	}
	t.Log("\n" + g.transcript())
}

// The guest cancels the hold, confirming first; the dates are free again.
func TestDialogueCancelHold(t *testing.T) {
	sys, cab := startConversations(t, convOptions{})
	g := newGuest(t, sys, "5491155551006", "Sofía")
	in, out, typed := stayFrom(50, 2)
	g.say(typed + " para 5")
	g.tap("Reservar")
	code := guestReservations(t, sys, g.phone)[0].Code

	m := g.say("mis reservas")
	has(t, m, "Tus reservas:", "*"+code+"* · Los Coihues", "falta la seña")
	m = g.tap("Cancelar " + code)
	has(t, m, "¿Seguro que querés cancelar la reserva *"+code+"*")
	m = g.tap("No, dejala")
	has(t, m, "sigue en pie")
	if rs := guestReservations(t, sys, g.phone); rs[0].Status != booking.StatusPreReserved {
		t.Fatalf("cancelled without confirmation: %s", rs[0].Status)
	}
	g.say("quiero cancelar la reserva")
	m = g.tap("Sí, cancelar")
	has(t, m, "cancelé la reserva *"+code+"*")
	if rs := guestReservations(t, sys, g.phone); rs[0].Status != booking.StatusCancelled {
		t.Fatalf("status %s, want cancelled", rs[0].Status)
	}
	res, err := sys.Store.SearchCabin(context.Background(), cab.coihues.ID, booking.Stay{CheckIn: in, CheckOut: out, Guests: 5},
		booking.Today(time.Now(), buenosAires))
	if err != nil || len(res.Available) != 1 {
		t.Fatalf("dates not free again: %+v %v", res, err)
	}
	t.Log("\n" + g.transcript())
}

// The guest asks for a person: the owner is told, the bot goes quiet for that guest (but
// keeps the messages), and the owner hands the guest back with "liberar <digits>".
func TestDialogueHandoff(t *testing.T) {
	sys, _ := startConversations(t, convOptions{})
	g := newGuest(t, sys, "5491155551007", "Carla")
	_, _, typed := stayFrom(20, 2)
	g.say(typed + " somos 2")
	m := g.say("prefiero hablar con una persona")
	has(t, m, "le aviso al dueño")
	owner := sys.WaitReplies(t, handlerstest.OwnerPhone, 1)[0]
	has(t, owner, "Carla (+5491155551007) pidió hablar con una persona", "https://wa.me/5491155551007", "«liberar 1007»")

	// While paused: stored, not answered.
	sys.SendText(t, g.phone, "hola? alguien?")
	sys.WaitIdle(t)
	if n := len(sys.RepliesTo(g.phone)); n != g.seen {
		t.Fatalf("the bot answered a paused guest: %d replies, want %d", n, g.seen)
	}
	var stored int
	if err := sys.Store.Pool.QueryRow(context.Background(),
		`SELECT count(*) FROM inbound_messages WHERE wa_id = $1 AND processed_at IS NOT NULL`, g.phone).Scan(&stored); err != nil || stored != 3 {
		t.Fatalf("stored messages: %d %v", stored, err)
	}

	// The owner lists and releases.
	o := newGuest(t, sys, handlerstest.OwnerPhone, "Dueño")
	o.seen = 1
	m = o.say("liberar")
	has(t, m, "En pausa: …1007 (Carla)")
	m = o.say("liberar 1007")
	has(t, m, "vuelvo a atender a …1007")
	back := sys.WaitReplies(t, g.phone, g.seen+1)[g.seen]
	has(t, back, "¡Hola de nuevo!")
	g.seen++
	m = g.say("mis reservas")
	has(t, m, "Todavía no tenés reservas")
	t.Log("\n" + g.transcript())
}

// Three messages sent at once, to several workers: answered in order, each seeing the last.
func TestDialogueBurstOfThree(t *testing.T) {
	sys, _ := startConversations(t, convOptions{workers: 3})
	phone := "5491155551008"
	in, out, typed := stayFrom(35, 3)
	var wg sync.WaitGroup
	bodies := make([][]byte, 3)
	for i, text := range []string{"hola", typed, "somos 4"} {
		bodies[i] = whatsapptest.TextWebhook(sys.Graph.PhoneNumberID(), phone, "Ema", sys.NewWamid(), text, time.Now())
	}
	// Sent back to back, without waiting for any answer, the way a quick typist does.
	for _, b := range bodies {
		sys.Deliver(t, b)
	}
	wg.Wait()
	got := sys.WaitReplies(t, phone, 3)
	has(t, got[0], "¡Hola, Ema! 👋", "¿En qué te ayudo?")
	has(t, got[1], "Perfecto: "+conversation.StayText("es", in, out)+". ¿Cuántas personas son?")
	if got[2].List == nil {
		t.Fatalf("third answer should be the cabins: %s", screen(got[2]))
	}
	has(t, got[2], "4 personas")
	sys.WaitIdle(t)
	if n := len(sys.RepliesTo(phone)); n != 3 {
		t.Fatalf("%d replies, want 3", n)
	}

	// The same burst as one batched webhook (Meta may group them) from another guest.
	phone2 := "5491155551009"
	var batch [][]byte
	for _, text := range []string{"hola", typed, "somos 4"} {
		batch = append(batch, whatsapptest.TextWebhook(sys.Graph.PhoneNumberID(), phone2, "Leo", sys.NewWamid(), text, time.Now()))
	}
	body, err := whatsapptest.BatchWebhooks(batch...)
	if err != nil {
		t.Fatal(err)
	}
	sys.Deliver(t, body)
	got = sys.WaitReplies(t, phone2, 3)
	has(t, got[0], "¿En qué te ayudo?")
	has(t, got[1], "¿Cuántas personas son?")
	if got[2].List == nil {
		t.Fatalf("third answer should be the cabins: %s", screen(got[2]))
	}
}

// A redelivered "Reservar" (Meta retries) neither books twice nor answers twice.
func TestDialogueRedeliveredTapBooksOnce(t *testing.T) {
	sys, _ := startConversations(t, convOptions{})
	g := newGuest(t, sys, "5491155551010", "Tomás")
	_, _, typed := stayFrom(60, 2)
	quote := g.say(typed + " para 6")
	var id string
	for _, b := range quote.Buttons.Buttons {
		if b.Title == "Reservar" {
			id = b.ID
		}
	}
	body := whatsapptest.ButtonReplyWebhook(sys.Graph.PhoneNumberID(), g.phone, g.name, sys.NewWamid(), quote.WAMID, id, "Reservar", time.Now())
	g.deliver(body, "[Reservar]")
	sys.Deliver(t, body)
	sys.WaitIdle(t)
	if n := len(sys.RepliesTo(g.phone)); n != 2 {
		t.Fatalf("%d replies, want 2", n)
	}
	if rs := guestReservations(t, sys, g.phone); len(rs) != 1 {
		t.Fatalf("%d reservations, want 1", len(rs))
	}
}

// Images, unsupported messages and untranscribed voice notes get a helpful answer; English
// and Portuguese guests are answered in their language.
func TestDialogueOtherMessagesAndLanguages(t *testing.T) {
	sys, _ := startConversations(t, convOptions{})
	pn := sys.Graph.PhoneNumberID()
	g := newGuest(t, sys, "5491155551011", "Kim")
	m := g.deliver(whatsapptest.UnsupportedWebhook(pn, g.phone, g.name, sys.NewWamid(), "poll_creation", time.Now()), "(poll)")
	has(t, m, "mandás escrito o en un audio")
	m = g.deliver(whatsapptest.AudioWebhook(pn, g.phone, g.name, sys.NewWamid(), whatsapp.MediaRef{ID: "m1", Voice: true}, time.Now()), "(voice note)")
	has(t, m, "No pude escuchar el audio", "¿me lo escribís?")

	en := newGuest(t, sys, "15551230001", "John")
	in, out, _ := stayFrom(20, 3)
	m = en.say(fmt.Sprintf("Hi! Do you have a cabin from %s to %s for 2 people?", in.Format("Jan 2"), out.Format("Jan 2")))
	has(t, m, "Hi John! 👋", conversation.StayText("en", in, out), "2 guests")
	m = en.tap("El Arrayán")
	has(t, m, "Shall I book it?")
	if !slices.Equal(titles(m), []string{"Book", "Change dates", "Other cabins"}) {
		t.Fatalf("buttons: %v", titles(m))
	}

	pt := newGuest(t, sys, "5511999990001", "João")
	m = pt.say("Olá! vocês têm wifi?")
	has(t, m, "Olá, João! 👋", "todas as cabanas têm wi-fi")
	t.Log("\n" + g.transcript() + "\n" + en.transcript() + "\n" + pt.transcript())
}

// A reply refused on send with 131047 (outside the 24-hour window) is recorded as failed
// and the owner is told.
func TestReplyOutsideWindowSurfacedToOwner(t *testing.T) {
	sys, _ := startConversations(t, convOptions{})
	// The next two Graph calls fail: the mark-as-read (made before the reply) and the reply.
	sys.Graph.FailNextWith(2, whatsapptest.Failure{HTTPStatus: 400, Code: whatsapp.CodeReEngagement})
	phone := "5491155551012"
	wamid := sys.SendText(t, phone, "hola")
	alert := sys.WaitReplies(t, handlerstest.OwnerPhone, 1)[0]
	has(t, alert, "No pude entregarle un mensaje a …1012", "24 horas")
	sys.WaitIdle(t)
	var (
		status string
		code   *int
	)
	if err := sys.Store.Pool.QueryRow(context.Background(),
		`SELECT status, error_code FROM outbound_messages WHERE in_reply_to = $1`, wamid).Scan(&status, &code); err != nil {
		t.Fatal(err)
	}
	if status != "failed" || code == nil || *code != whatsapp.CodeReEngagement {
		t.Fatalf("outbound status %s code %v, want failed 131047", status, code)
	}
	if n := len(sys.RepliesTo(phone)); n != 0 {
		t.Fatalf("%d replies reached the guest", n)
	}
}

// Two guests tap "Reservar" on the same cabin and dates at the same moment: one gets the
// hold, the other is told the dates were just taken and gets what is still free.
func TestDialogueTwoGuestsRaceForTheSameCabin(t *testing.T) {
	sys, cab := startConversations(t, convOptions{workers: 2})
	in, out, typed := stayFrom(45, 3)
	a := newGuest(t, sys, "5491155551021", "Ana")
	b := newGuest(t, sys, "5491155551022", "Beto")
	qa := a.say(typed + " somos 5")
	qb := b.say(typed + " somos 5")
	has(t, qa, "🏡 *Los Coihues*")
	has(t, qb, "🏡 *Los Coihues*")
	pn := sys.Graph.PhoneNumberID()
	bookID := func(m whatsapptest.SentMessage) string {
		for _, x := range m.Buttons.Buttons {
			if x.Title == "Reservar" {
				return x.ID
			}
		}
		t.Fatal("no Reservar")
		return ""
	}
	bodyA := whatsapptest.ButtonReplyWebhook(pn, a.phone, a.name, sys.NewWamid(), qa.WAMID, bookID(qa), "Reservar", time.Now())
	bodyB := whatsapptest.ButtonReplyWebhook(pn, b.phone, b.name, sys.NewWamid(), qb.WAMID, bookID(qb), "Reservar", time.Now())
	var wg sync.WaitGroup
	wg.Go(func() { sys.Deliver(t, bodyA) })
	wg.Go(func() { sys.Deliver(t, bodyB) })
	wg.Wait()
	ra := sys.WaitReplies(t, a.phone, 2)[1]
	rb := sys.WaitReplies(t, b.phone, 2)[1]
	requireMetaLimits(t, []whatsapptest.SentMessage{ra, rb})
	won, lost := ra, rb
	if !strings.Contains(ra.Text, "¡Listo!") {
		won, lost = rb, ra
	}
	has(t, won, "¡Listo! 🎉")
	has(t, lost, "alguien acaba de tomar esas fechas")
	if strings.Contains(lost.Text, "¡Listo!") {
		t.Fatal("both guests got the cabin")
	}
	res, err := sys.Store.ListReservations(context.Background(), store.ReservationFilter{AccommodationID: cab.coihues.ID, ActiveOnly: true, From: in, To: out})
	if err != nil || len(res) != 1 {
		t.Fatalf("active holds on the dates: %d %v", len(res), err)
	}
}
