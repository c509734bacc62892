package conversation_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/handlers/conversation"
)

func day(m time.Month, d int) time.Time { return booking.Date(2026, m, d) }

// The whole booking: greeting, dates, guests, the list, a cabin, the quote, the hold.
func TestHappyPath(t *testing.T) {
	c := newChat(t, newMem())

	r := one(t, c.say("Hola"))
	mustContain(t, r.Body(), "¡Hola, Lucía! 👋", "asistente de reservas")
	if got := buttonTitles(r); !slices.Equal(got, []string{"Ver disponibilidad", "Mis reservas", "Ayuda"}) {
		t.Fatalf("menu buttons = %v", got)
	}

	r = one(t, c.say("Quiero ir del 18 al 21 de diciembre"))
	mustContain(t, r.Text, "vie 18/12 → lun 21/12 (3 noches)", "¿Cuántas personas son?")
	mustNotContain(t, r.Text, "¡Hola") // greeted once

	r = one(t, c.say("somos 4"))
	if r.List == nil {
		t.Fatalf("want the cabins as a list, got %s", render(r))
	}
	mustContain(t, r.List.Body, "vie 18/12 → lun 21/12 (3 noches)", "4 personas")
	if got := rowTitles(r); !slices.Equal(got, []string{"El Arrayán", "Los Coihues"}) {
		t.Fatalf("rows = %v (cheapest first)", got)
	}
	// El Arrayán: thu 40.000 + fri 50.000 + sat 50.000... 18/12 is a Friday: fri, sat weekend, sun regular.
	row := r.List.Sections[0].Rows[0]
	if row.Description != "$ 150.000 en total · hasta 4 personas" {
		t.Fatalf("row description = %q", row.Description)
	}

	r = one(t, c.tap("El Arrayán"))
	mustContain(t, r.Body(), "🏡 *El Arrayán*", "vie 18/12 → lun 21/12 (3 noches) · 4 personas",
		"• 2 noches de finde × $ 50.000", "• 1 noche × $ 40.000", "• Limpieza: $ 10.000",
		"*Total: $ 150.000*", "Seña para reservar (30%): $ 45.000", "¿Te la reservo?")
	if got := buttonTitles(r); !slices.Equal(got, []string{"Reservar", "Cambiar fechas", "Otras cabañas"}) {
		t.Fatalf("quote buttons = %v", got)
	}

	r = one(t, c.tap("Reservar"))
	mustContain(t, r.Text, "¡Listo! 🎉", "*El Arrayán*", "vie 18/12 → lun 21/12", "Código: *ABC234*",
		"seña de $ 45.000 antes de las 10:34", "te mando el link de pago")
	if len(c.mem.res) != 1 || c.mem.res[0].Status != booking.StatusPreReserved || c.mem.res[0].Guests != 4 {
		t.Fatalf("hold not placed as asked: %+v", c.mem.res)
	}
	if c.state.Step != conversation.StepNone || c.state.CheckIn != "" || c.state.LastHold != "ABC234" {
		t.Fatalf("state after the hold: %+v", c.state)
	}
	t.Log("\n" + c.transcript())
}

// With a payment linker the hold reply carries the link with the deposit and the deadline.
func TestHoldWithPaymentLink(t *testing.T) {
	mem := newMem()
	mem.link = "https://mp.test/pay/"
	c := newChat(t, mem)
	c.say("hola, del 18 al 21 de diciembre somos 5") // only Los Coihues sleeps 5
	r := one(t, c.last.Replies)
	mustContain(t, r.Body(), "¡Hola, Lucía! 👋", "🏡 *Los Coihues*", "*Total: $ 180.000*", "(30%): $ 54.000")
	r = one(t, c.say("dale, reservala"))
	mustContain(t, r.Text, "Código: *ABC234*", "pagá la seña de $ 54.000 antes de las 10:31", "https://mp.test/pay/ABC234")

	// A failing linker never reaches the guest as an error.
	mem.linkErr = errors.New("mercado pago down")
	c.say("del 24 al 26 de diciembre somos 5")
	r = one(t, c.say("sí"))
	mustContain(t, r.Text, "Código: *DEF567*", "te mando el link de pago")
	if len(c.last.Problems) != 1 {
		t.Fatalf("the link failure should be reported for logging: %v", c.last.Problems)
	}
}

// The engine remembers what the guest said and asks only for what is missing.
func TestAsksOnlyForWhatIsMissing(t *testing.T) {
	c := newChat(t, newMem())
	r := one(t, c.say("Hola! quiero reservar una cabaña"))
	mustContain(t, r.Text, "para qué fechas y cuántas personas")

	r = one(t, c.say("somos 2 adultos y 2 chicos"))
	mustContain(t, r.Text, "Anotado, 4 personas. ¿Para qué fechas?")
	mustNotContain(t, r.Text, "cuántas")

	r = one(t, c.say("3 noches"))
	mustContain(t, r.Text, "3 noches. ¿Desde qué día?")

	r = one(t, c.say("desde el viernes 18 de diciembre"))
	if r.List == nil {
		t.Fatalf("want the list, got %s", render(r))
	}
	mustContain(t, r.List.Body, "vie 18/12 → lun 21/12 (3 noches), 4 personas")

	r = one(t, c.say("la segunda"))
	mustContain(t, r.Body(), "*Los Coihues*", "4 personas")

	// A check-in alone asks for the check-out.
	c2 := newChat(t, newMem())
	c2.say("hola")
	r = one(t, c2.say("para 2, llegamos el 18 de diciembre"))
	mustContain(t, r.Text, "Llegada el vie 18/12. ¿Hasta qué día?")
	r = one(t, c2.say("hasta el 20"))
	mustContain(t, r.Body(), "vie 18/12 → dom 20/12 (2 noches), 2 personas")

	// A bare number answers the question asked.
	c3 := newChat(t, newMem())
	c3.say("del 18 al 21 de diciembre")
	r = one(t, c3.say("5"))
	mustContain(t, r.Body(), "*Los Coihues*", "5 personas")
}

// Nothing free: the alternatives come as a list, and picking one quotes its dates.
func TestNoAvailabilityOffersAlternatives(t *testing.T) {
	mem := newMem()
	mem.block(1, day(12, 17), day(12, 22))
	mem.block(2, day(12, 18), day(12, 21))
	c := newChat(t, mem)
	r := one(t, c.say("del 18 al 21 de diciembre, somos 4"))
	if r.List == nil {
		t.Fatalf("want alternatives as a list, got %s", render(r))
	}
	mustContain(t, r.List.Body, "No me quedan cabañas libres para vie 18/12 → lun 21/12 (3 noches)", "estas opciones")
	desc := r.List.Sections[0].Rows[0].Description
	mustContain(t, desc, "(3 noches) · $ ")
	title := r.List.Sections[0].Rows[0].Title
	r = one(t, c.tap(title))
	mustContain(t, r.Body(), "🏡 *"+title+"*", "¿Te la reservo?")
	if got := buttonTitles(r); !slices.Contains(got, "Reservar") {
		t.Fatalf("buttons = %v", got)
	}
	if c.state.CheckIn == conversation.DateOf(day(12, 18)) {
		t.Fatalf("the alternative's dates should replace the asked ones: %+v", c.state)
	}

	// Nothing at all nearby: say so and offer other dates.
	mem2 := newMem()
	mem2.block(1, day(12, 1), day(12, 31))
	mem2.block(2, day(12, 1), day(12, 31))
	c2 := newChat(t, mem2)
	r = one(t, c2.say("del 18 al 21 de diciembre, somos 2"))
	mustContain(t, r.Body(), "No me quedan cabañas libres", "¿Probamos con otras fechas?")
	if got := buttonTitles(r); !slices.Equal(got, []string{"Cambiar fechas"}) {
		t.Fatalf("buttons = %v", got)
	}
	r = one(t, c2.tap("Cambiar fechas"))
	mustContain(t, r.Text, "¿Para qué fechas?")
	r = one(t, c2.say("del 4 al 6 de enero"))
	mustContain(t, r.Body(), "lun 04/01 → mié 06/01", "2 personas") // guests remembered
}

// A change of dates half-way keeps the cabin and the party and quotes again.
func TestChangeOfDatesHalfWay(t *testing.T) {
	c := newChat(t, newMem())
	c.say("del 18 al 21 de diciembre somos 4")
	c.tap("El Arrayán")
	r := one(t, c.say("mmm mejor del 19 al 22?"))
	mustContain(t, r.Body(), "🏡 *El Arrayán*", "sáb 19/12 → mar 22/12 (3 noches) · 4 personas")
	// The old "Reservar" is stale now: it must not book the old dates.
	old := conversation.Action{Kind: "book", CabinID: 1, CheckIn: day(12, 18), CheckOut: day(12, 21), Guests: 4}.ID()
	r = one(t, c.send(conversation.Input{Type: "interactive", Text: "Reservar", ReplyID: old}))
	mustContain(t, r.Body(), "Esa opción era de una consulta anterior", "sáb 19/12 → mar 22/12")
	if len(c.mem.res) != 0 {
		t.Fatalf("a stale button booked: %+v", c.mem.res)
	}
	r = one(t, c.tap("Reservar"))
	mustContain(t, r.Text, "sáb 19/12 → mar 22/12")

	// Changing the party to more than the cabin sleeps offers the cabins that fit.
	c2 := newChat(t, newMem())
	c2.say("del 18 al 21 de diciembre somos 4")
	c2.tap("El Arrayán")
	r = one(t, c2.say("perdón, somos 6"))
	mustContain(t, r.Body(), "*El Arrayán* es para hasta 4 personas.")
	if got := rowTitles(r); !slices.Equal(got, []string{"Los Coihues"}) {
		t.Fatalf("rows = %v", got)
	}
	// "Cambiar fechas" then new dates keeps everything else.
	c3 := newChat(t, newMem())
	c3.say("del 18 al 21 de diciembre somos 4")
	c3.tap("El Arrayán")
	c3.tap("Cambiar fechas")
	r = one(t, c3.say("del 8 al 10 de enero"))
	mustContain(t, r.Body(), "*El Arrayán*", "vie 08/01 → dom 10/01", "4 personas")
}

// Cancelling a hold asks for confirmation; "no" keeps it, "sí" cancels it.
func TestCancelHoldWithConfirmation(t *testing.T) {
	c := newChat(t, newMem())
	c.say("del 18 al 21 de diciembre somos 5")
	c.say("reservar")
	r := one(t, c.say("quiero cancelar"))
	mustContain(t, r.Body(), "¿Seguro que querés cancelar la reserva *ABC234* (Los Coihues, vie 18/12 → lun 21/12 (3 noches))?")
	if got := buttonTitles(r); !slices.Equal(got, []string{"Sí, cancelar", "No, dejala"}) {
		t.Fatalf("buttons = %v", got)
	}
	r = one(t, c.tap("No, dejala"))
	mustContain(t, r.Text, "sigue en pie")
	if c.mem.res[0].Status != booking.StatusPreReserved {
		t.Fatal("cancelled without confirmation")
	}
	c.say("cancelar la ABC-234")
	r = one(t, c.say("sí"))
	mustContain(t, r.Text, "cancelé la reserva *ABC234*")
	if c.mem.res[0].Status != booking.StatusCancelled {
		t.Fatalf("not cancelled: %+v", c.mem.res[0])
	}
	// The confirmation tapped again (a redelivered tap) is answered, not an error.
	yes := conversation.Action{Kind: "cancel", Code: "ABC234", Arg: "yes"}.ID()
	r = one(t, c.send(conversation.Input{Type: "interactive", Text: "Sí, cancelar", ReplyID: yes}))
	mustContain(t, r.Text, "cancelé la reserva *ABC234*")
	// Nothing left to cancel.
	r = one(t, c.say("cancelar"))
	mustContain(t, r.Text, "No tenés reservas pendientes")
	// Someone else's code is not theirs.
	other := conversation.Action{Kind: "cancel", Code: "ZZZ999", Arg: "yes"}.ID()
	r = one(t, c.send(conversation.Input{Type: "interactive", Text: "Sí, cancelar", ReplyID: other}))
	mustContain(t, r.Text, "No encontré la reserva *ZZZ999*")
}

// "Mis reservas" lists holds with their deadline and offers to pay or cancel.
func TestMyReservations(t *testing.T) {
	mem := newMem()
	mem.link = "https://mp.test/pay/"
	c := newChat(t, mem)
	r := one(t, c.say("mis reservas"))
	mustContain(t, r.Body(), "Todavía no tenés reservas")
	c.say("del 18 al 21 de diciembre somos 5")
	c.say("reservar")
	r = one(t, c.tap2("Mis reservas"))
	mustContain(t, r.Body(), "Tus reservas:", "• *ABC234* · Los Coihues · vie 18/12 → lun 21/12 (3 noches) · ⏳ falta la seña (vence 10:32)")
	if got := buttonTitles(r); !slices.Equal(got, []string{"Pagar la seña", "Cancelar ABC234", "Ver disponibilidad"}) {
		t.Fatalf("buttons = %v", got)
	}
	r = one(t, c.tap("Pagar la seña"))
	mustContain(t, r.Text, "Reserva *ABC234*", "$ 54.000", "https://mp.test/pay/ABC234")
	r = one(t, c.tap2("Mis reservas"))
	r = one(t, c.tap("Cancelar ABC234"))
	mustContain(t, r.Body(), "¿Seguro que querés cancelar")
}

// tap2 taps a main-menu button even when the last reply has none (the guest scrolled up).
func (c *chat) tap2(title string) []conversation.Reply {
	c.t.Helper()
	ids := map[string]string{"Mis reservas": "menu:mine", "Ver disponibilidad": "menu:avail", "Ayuda": "menu:help"}
	return c.send(conversation.Input{Type: "interactive", Text: title, ReplyID: ids[title]})
}

// Asking for a person pauses the bot and tells the owner, with what the guest was asking.
func TestHandoff(t *testing.T) {
	c := newChat(t, newMem())
	c.say("del 18 al 21 de diciembre somos 4")
	r := one(t, c.say("quiero hablar con una persona"))
	mustContain(t, r.Text, "le aviso al dueño")
	if !c.last.Pause {
		t.Fatal("the bot must pause for this guest")
	}
	mustContain(t, c.last.OwnerNotice, "Lucía Pérez (+5491155550000) pidió hablar con una persona",
		"vie 18/12 → lun 21/12 (3 noches), 4 personas", "https://wa.me/5491155550000", "«liberar 0000»")

	// Without an owner there is no handoff, but still an answer.
	c2 := newChat(t, newMem())
	c2.eng.CanHandoff = false
	r = one(t, c2.say("hablar con un humano"))
	mustContain(t, r.Body(), "no hay nadie disponible")
	if c2.last.Pause || c2.last.OwnerNotice != "" {
		t.Fatal("paused without an owner")
	}
}

// Help topics answer from the cabins' data.
func TestHelpTopics(t *testing.T) {
	c := newChat(t, newMem())
	c.say("hola")
	r := one(t, c.tap("Ayuda"))
	if got := rowTitles(r); !slices.Equal(got, []string{"Seña y cancelación", "Check-in y check-out", "Qué incluyen", "Cómo llegar", "Hablar con una persona"}) {
		t.Fatalf("help rows = %v", got)
	}
	r = one(t, c.tap("Check-in y check-out"))
	mustContain(t, r.Text, "El check-in es desde las 14:00 y el check-out hasta las 10:00.")
	r = one(t, c.say("¿cuál es la política de cancelación?"))
	mustContain(t, r.Text, "seña del 30%", "48 h")
	r = one(t, c.say("tienen wifi?"))
	mustContain(t, r.Text, "todas las cabañas tienen wifi")
	r = one(t, c.say("hay pileta?"))
	mustContain(t, r.Text, "Los Coihues: pileta")
	r = one(t, c.say("aceptan perros?"))
	mustContain(t, r.Body(), "no lo tengo anotado")
	if got := buttonTitles(r); !slices.Equal(got, []string{"Hablar con alguien"}) {
		t.Fatalf("buttons = %v", got)
	}
	r = one(t, c.say("¿cómo llego?"))
	mustContain(t, r.Body(), "ubicación exacta")
	c.eng.Info.Directions = "Ruta 40 km 2030, tranquera verde."
	r = one(t, c.say("dónde queda?"))
	mustContain(t, r.Text, "tranquera verde")
	r = one(t, c.say("qué incluyen las cabañas?"))
	mustContain(t, r.Text, "*El Arrayán*: wifi, parrilla, cocina equipada", "*Los Coihues*: wifi, pileta")

	// A question in the middle of a booking keeps the booking.
	c.say("del 18 al 21 de diciembre somos 4")
	c.say("tienen wifi?")
	r = one(t, c.say("la primera"))
	mustContain(t, r.Body(), "🏡 *El Arrayán*")
}

// Stale and forged ids get a friendly answer and change nothing.
func TestStaleAndForgedIDs(t *testing.T) {
	c := newChat(t, newMem())
	c.say("hola")
	for _, id := range []string{"book:1:20261218:20261221:4", "cabin:2:20261218:20261221", "cancel:ZZZ999:yes"} {
		r := one(t, c.send(conversation.Input{Type: "interactive", Text: "x", ReplyID: id}))
		if strings.Contains(r.Body(), "error") || r.Body() == "" {
			t.Fatalf("%s: %q", id, r.Body())
		}
	}
	for _, id := range []string{"drop table", "book:1:x:y:4", "book:-1:20261218:20261221:4", "cabin:1:20261221:20261218",
		"cancel:abc234:yes", "menu:nope", strings.Repeat("a", 300), "book:1:20261218:20261221:400"} {
		r := one(t, c.send(conversation.Input{Type: "interactive", Text: "x", ReplyID: id}))
		mustContain(t, r.Body(), "No reconozco esa opción")
	}
	if len(c.mem.res) != 0 {
		t.Fatalf("forged ids changed reservations: %+v", c.mem.res)
	}
}

// Anything else gets an answer; after two misses a person is offered.
func TestEverythingGetsAnAnswer(t *testing.T) {
	c := newChat(t, newMem())
	r := one(t, c.say("asdf qwer"))
	mustContain(t, r.Body(), "¡Hola, Lucía! 👋", "no te entendí")
	r = one(t, c.say("zxcv"))
	mustContain(t, r.Body(), "¿Querés que te pase con una persona?")
	if got := buttonTitles(r); !slices.Contains(got, "Hablar con alguien") {
		t.Fatalf("buttons = %v", got)
	}
	r = one(t, c.say("gracias!"))
	mustContain(t, r.Text, "De nada")

	r = one(t, c.send(conversation.Input{Type: "image"}))
	mustContain(t, r.Text, "mandás escrito o en un audio")
	r = one(t, c.send(conversation.Input{Type: "sticker"}))
	mustContain(t, r.Text, "texto y audios")
	r = one(t, c.send(conversation.Input{Type: "location"}))
	mustContain(t, r.Text, "texto y audios")
	r = one(t, c.send(conversation.Input{Type: "unsupported"}))
	mustContain(t, r.Text, "texto y audios")
	r = one(t, c.send(conversation.Input{Type: "audio", Text: ""}))
	mustContain(t, r.Text, "No pude escuchar el audio", "me lo escribís?")
	// A transcribed voice note is read like text.
	r = one(t, c.send(conversation.Input{Type: "audio", Text: "del 18 al 21 de diciembre para 5"}))
	mustContain(t, r.Body(), "*Los Coihues*")
	if rs := c.send(conversation.Input{Type: "reaction"}); len(rs) != 0 {
		t.Fatalf("a reaction got %d replies", len(rs))
	}

	// Not understood while a question is pending: the question again.
	c2 := newChat(t, newMem())
	c2.say("del 18 al 21 de diciembre")
	r = one(t, c2.say("bla"))
	mustContain(t, r.Text, "no te entendí", "¿Cuántas personas son?")
}

// Past dates, a party too big for every cabin and minimum stays are explained.
func TestInvalidStays(t *testing.T) {
	c := newChat(t, newMem())
	r := one(t, c.say("del 18 al 21 de diciembre somos 12"))
	mustContain(t, r.Text, "La cabaña más grande es para 6 personas")
	r = one(t, c.say("somos 3"))
	if r.List == nil {
		t.Fatalf("want the list after fixing the party, got %s", render(r))
	}
	mem := newMem()
	mem.cabins[0].MinNights, mem.cabins[1].MinNights = 3, 4
	c2 := newChat(t, mem)
	r = one(t, c2.say("del 18 al 20 de diciembre somos 2"))
	if r.List == nil {
		t.Fatalf("want the longer stays as alternatives, got %s", render(r))
	}
	mustContain(t, r.List.Body, "la estadía mínima es de 3 noches")
}

// English and Portuguese guests are answered in their language, and it sticks.
func TestOtherLanguages(t *testing.T) {
	c := newChat(t, newMem())
	c.name = "John"
	r := one(t, c.say("Hi! do you have a cabin for dec 18-21 for 2 people?"))
	if r.List == nil {
		t.Fatalf("want a list, got %s", render(r))
	}
	mustContain(t, r.List.Body, "Hi John! 👋", "Fri Dec 18 → Mon Dec 21 (3 nights), 2 guests")
	r = one(t, c.tap("El Arrayán"))
	mustContain(t, r.Body(), "Deposit to book (30%): $ 45.000", "Shall I book it?")
	if got := buttonTitles(r); !slices.Equal(got, []string{"Book", "Change dates", "Other cabins"}) {
		t.Fatalf("buttons = %v", got)
	}
	r = one(t, c.say("ok"))
	mustContain(t, r.Text, "Done! 🎉", "deposit must be paid before 10:32")

	p := newChat(t, newMem())
	p.name = "João"
	r = one(t, p.say("Olá, tem cabana de 18 a 21 de dezembro para 2 pessoas?"))
	mustContain(t, r.Body(), "Olá, João! 👋", "sex 18/12 → seg 21/12 (3 noites), 2 pessoas")
	r = one(t, p.say("4"))
	mustContain(t, r.Body(), "não entendi") // "4" is no option: the list has two
	r = one(t, p.say("quero falar com uma pessoa"))
	mustContain(t, r.Text, "avisei o dono")
	mustContain(t, p.last.OwnerNotice, "Escribe en portugués.")
}

// A burst of short messages builds the query step by step, in order.
func TestBurstOfThree(t *testing.T) {
	c := newChat(t, newMem())
	a := one(t, c.say("hola"))
	b := one(t, c.say("del 18 al 21 de diciembre"))
	d := one(t, c.say("somos 4"))
	mustContain(t, a.Body(), "¿En qué te ayudo?")
	mustContain(t, b.Text, "¿Cuántas personas son?")
	if d.List == nil {
		t.Fatalf("third reply should be the list: %s", render(d))
	}
}

// After a long silence the half-built booking is forgotten, the language is not.
func TestIdleResetForgetsQuery(t *testing.T) {
	c := newChat(t, newMem())
	c.say("hi, dec 18-21 please")
	c.now = c.now.Add(conversation.IdleReset + time.Minute)
	r := one(t, c.say("4"))
	mustContain(t, r.Body(), "didn't get that")
	if c.state.CheckIn != "" || c.state.Lang != "en" {
		t.Fatalf("state after idle: %+v", c.state)
	}
}

// Another guest taking the dates between the quote and "Reservar" is explained.
func TestDatesTakenMeanwhile(t *testing.T) {
	mem := newMem()
	c := newChat(t, mem)
	c.say("del 18 al 21 de diciembre somos 5")
	mem.block(2, day(12, 18), day(12, 21))
	r := one(t, c.say("reservar"))
	mustContain(t, r.Body(), "alguien acaba de tomar esas fechas")
	if len(mem.res) != 1 {
		t.Fatalf("reservations: %+v", mem.res)
	}
}

// A guest with three live holds cannot take a fourth.
func TestTooManyHolds(t *testing.T) {
	mem := newMem()
	c := newChat(t, mem)
	for _, dates := range []string{"del 1 al 3 de enero", "del 5 al 7 de enero", "del 9 al 11 de enero", "del 13 al 15 de enero"} {
		c.say(dates + " somos 5")
		c.say("reservar")
	}
	mustContain(t, c.last.Replies[0].Body(), "Ya tenés 3 reservas esperando la seña")
}

// A failing database fails the turn (the worker retries it) and changes nothing.
func TestBookingFailureIsAnError(t *testing.T) {
	mem := newMem()
	mem.fail = errDown
	eng := &conversation.Engine{Booking: mem, Loc: buenosAires}
	_, err := eng.Handle(context.Background(), conversation.LoadState(nil, "es"), conversation.Input{
		Type: "text", Text: "del 18 al 21 de diciembre somos 4", Phone: "1", Now: time.Date(2026, 12, 1, 10, 0, 0, 0, buenosAires)})
	if !errors.Is(err, errDown) {
		t.Fatalf("err = %v", err)
	}
}

// Offers are capped at Meta's 10 rows.
func TestManyCabinsCappedAtTenRows(t *testing.T) {
	mem := newMem()
	mem.cabins = nil
	for i := range 14 {
		mem.cabins = append(mem.cabins, booking.Accommodation{ID: int64(i + 1), Name: "Cabaña con un nombre larguísimo " + string(rune('A'+i)),
			Capacity: 4, NightlyRateCents: int64(3_000_000 + i*100_000)})
	}
	c := newChat(t, mem)
	r := one(t, c.say("del 18 al 21 de diciembre somos 2"))
	if r.List == nil || len(r.List.Sections[0].Rows) != 10 {
		t.Fatalf("want 10 rows: %s", render(r))
	}
	if got := r.List.Sections[0].Rows[0].Title; got != "Cabaña con un nombre la…" {
		t.Fatalf("row title = %q", got)
	}
	if len(c.state.Offers) != 10 {
		t.Fatalf("offers = %d", len(c.state.Offers))
	}
	r = one(t, c.say("la 10"))
	mustContain(t, r.Body(), "nombre larguísimo J")
}

// Asking again for dates the guest already holds is not "someone took them".
func TestOwnHoldIsNotSomeoneElses(t *testing.T) {
	c := newChat(t, newMem())
	c.say("del 18 al 21 de diciembre somos 5")
	c.say("reservar")
	r := one(t, c.say("del 18 al 21 de diciembre somos 6"))
	mustContain(t, r.Body(), "ya las tenés reservadas vos: código *ABC234*")
	mustNotContain(t, r.Body(), "alguien")
	if got := buttonTitles(r); !slices.Equal(got, []string{"Mis reservas"}) {
		t.Fatalf("buttons = %v", got)
	}
	// A hold racing the guest's own hold says the same.
	c2 := newChat(t, newMem())
	c2.say("del 18 al 21 de diciembre somos 5")
	c2.mem.res = append(c2.mem.res, memRes{Reservation: conversation.Reservation{Code: "ZZZ222", CabinID: 2, CabinName: "Los Coihues",
		Status: booking.StatusPreReserved, CheckIn: day(12, 19), CheckOut: day(12, 20), ExpiresAt: c2.now.Add(time.Hour)}, cabinID: 2, phone: c2.phone})
	r = one(t, c2.say("reservar"))
	mustContain(t, r.Body(), "código *ZZZ222*")
}

// "Dale" to "¿Probamos con otras fechas?" asks for the dates, keeping the party.
func TestYesToOtherDates(t *testing.T) {
	mem := newMem()
	mem.block(1, day(12, 1), day(12, 31))
	mem.block(2, day(12, 1), day(12, 31))
	c := newChat(t, mem)
	c.say("del 18 al 21 de diciembre somos 2")
	r := one(t, c.say("dale"))
	mustContain(t, r.Text, "Anotado, 2 personas. ¿Para qué fechas?")
	mustNotContain(t, r.Text, "no te entendí")
	r = one(t, c.say("del 5 al 8 de enero"))
	if r.List == nil {
		t.Fatalf("want the list: %s", render(r))
	}
}
