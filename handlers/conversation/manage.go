package conversation

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/handlers/nlu"
	"github.com/reservas/reservas/handlers/whatsapp"
)

// maxListed is how many reservations "Mis reservas" shows.
const maxListed = 5

// mine lists the guest's reservations with buttons for what can be done with them.
func (t *turn) mine() error {
	c := t.c
	rs, err := t.e.Booking.Reservations(t.ctx, t.in.Phone)
	if err != nil {
		return err
	}
	var shown, holds []Reservation
	for _, r := range rs {
		if r.Status == booking.StatusConfirmed && r.CheckOut.Before(t.today) {
			continue // a past stay
		}
		if len(shown) < maxListed {
			shown = append(shown, r)
		}
		if r.pending(t.now) {
			holds = append(holds, r)
		}
	}
	if len(shown) == 0 {
		t.say(buttonsReply(c.NoReservations, button(Action{Kind: actMenu, Arg: menuAvail}, c.BtnAvail)))
		return nil
	}
	var b strings.Builder
	b.WriteString(c.MyHeader)
	for _, r := range shown {
		fmt.Fprintf(&b, "\n• *%s* · %s · %s · %s", r.Code, r.CabinName, StayText(t.st.Lang, r.CheckIn, r.CheckOut), t.status(r))
	}
	var buttons []whatsapp.Button
	switch len(holds) {
	case 0:
		buttons = append(buttons, button(Action{Kind: actMenu, Arg: menuAvail}, c.BtnAvail),
			button(Action{Kind: actMenu, Arg: menuHelp}, c.BtnHelp))
	case 1:
		buttons = append(buttons, button(Action{Kind: actPay, Code: holds[0].Code}, c.BtnPay),
			button(Action{Kind: actCancel, Code: holds[0].Code}, fmt.Sprintf(c.BtnCancelC, holds[0].Code)),
			button(Action{Kind: actMenu, Arg: menuAvail}, c.BtnAvail))
	default:
		for _, h := range holds {
			buttons = append(buttons, button(Action{Kind: actCancel, Code: h.Code}, fmt.Sprintf(c.BtnCancelC, h.Code)))
		}
	}
	t.say(buttonsReply(b.String(), buttons...))
	return nil
}

func (t *turn) status(r Reservation) string {
	c := t.c
	switch {
	case r.pending(t.now):
		return fmt.Sprintf(c.StPending, clock(t.st.Lang, r.ExpiresAt, t.now, t.loc))
	case r.Status == booking.StatusConfirmed:
		return c.StConfirmed
	case r.Status == booking.StatusCancelled:
		return c.StCancelled
	}
	return c.StExpired
}

// cancelText handles "quiero cancelar" (with or without a code).
func (t *turn) cancelText(msg string) error {
	rs, err := t.e.Booking.Reservations(t.ctx, t.in.Phone)
	if err != nil {
		return err
	}
	if code := codeIn(msg, rs); code != "" {
		return t.cancelOf(code, rs)
	}
	var holds []Reservation
	for _, r := range rs {
		if r.pending(t.now) {
			holds = append(holds, r)
		}
	}
	switch len(holds) {
	case 0:
		if t.st.hasQuery() {
			t.st.clearQuery()
			t.say(textReply(t.c.QueryDropped))
			return nil
		}
		t.st.Step = StepNone
		t.say(textReply(t.c.CancelNone))
		return nil
	case 1:
		return t.askCancel(holds[0])
	}
	var buttons []whatsapp.Button
	for _, h := range holds {
		buttons = append(buttons, button(Action{Kind: actCancel, Code: h.Code}, fmt.Sprintf(t.c.BtnCancelC, h.Code)))
	}
	t.say(buttonsReply(t.c.CancelWhich, buttons...))
	return nil
}

// codeIn finds one of the guest's reservation codes in a message ("cancelar la abc-234").
func codeIn(msg string, rs []Reservation) string {
	words := strings.FieldsFunc(msg, func(r rune) bool { return unicode.IsSpace(r) || r == ',' || r == ':' || r == '*' })
	for i := range words {
		for j := i + 1; j <= min(i+2, len(words)); j++ { // "ABC 234" is two words
			code, ok := booking.NormalizeHoldCode(strings.Join(words[i:j], ""))
			if ok && slices.ContainsFunc(rs, func(r Reservation) bool { return r.Code == code }) {
				return code
			}
		}
	}
	return ""
}

// cancel asks to confirm cancelling the hold with that code (a "Cancelar X" button).
func (t *turn) cancel(code string) error {
	rs, err := t.e.Booking.Reservations(t.ctx, t.in.Phone)
	if err != nil {
		return err
	}
	return t.cancelOf(code, rs)
}

func (t *turn) cancelOf(code string, rs []Reservation) error {
	c := t.c
	t.st.Step, t.st.Cancel = StepNone, ""
	i := slices.IndexFunc(rs, func(r Reservation) bool { return r.Code == code })
	switch {
	case i < 0:
		t.say(textReply(fmt.Sprintf(c.CancelNotFound, code)))
	case rs[i].Status == booking.StatusConfirmed:
		t.say(t.humanButton(fmt.Sprintf(c.CancelPaid, code)))
	case !rs[i].pending(t.now):
		t.say(textReply(fmt.Sprintf(c.CancelInactive, code)))
	default:
		return t.askCancel(rs[i])
	}
	return nil
}

func (t *turn) askCancel(r Reservation) error {
	c := t.c
	t.st.Step, t.st.Cancel = StepCancel, r.Code
	t.say(buttonsReply(fmt.Sprintf(c.CancelConfirm, r.Code, r.CabinName, StayText(t.st.Lang, r.CheckIn, r.CheckOut)),
		button(Action{Kind: actCancel, Code: r.Code, Arg: answerYes}, c.BtnYesCanc),
		button(Action{Kind: actCancel, Code: r.Code, Arg: answerNo}, c.BtnNoKeep)))
	return nil
}

// confirmCancel cancels the hold the guest confirmed.
func (t *turn) confirmCancel(code string) error {
	c := t.c
	t.st.Step, t.st.Cancel = StepNone, ""
	if code == "" {
		return t.cancelText("")
	}
	r, err := t.e.Booking.Cancel(t.ctx, t.in.Phone, code, t.now)
	switch {
	case errors.Is(err, ErrNotFound):
		t.say(textReply(fmt.Sprintf(c.CancelNotFound, code)))
	case errors.Is(err, booking.ErrInvalidTransition) && r.Status == booking.StatusCancelled:
		t.say(textReply(fmt.Sprintf(c.Cancelled, code))) // already done (a retried message)
	case errors.Is(err, booking.ErrInvalidTransition) && r.Status == booking.StatusConfirmed:
		t.say(t.humanButton(fmt.Sprintf(c.CancelPaid, code)))
	case errors.Is(err, booking.ErrInvalidTransition):
		t.say(textReply(fmt.Sprintf(c.CancelInactive, code)))
	case err != nil:
		return err
	default:
		t.say(textReply(fmt.Sprintf(c.Cancelled, code)))
	}
	return nil
}

// pay sends the payment link of a hold again (the newest one when code is "").
func (t *turn) pay(code string) error {
	c := t.c
	rs, err := t.e.Booking.Reservations(t.ctx, t.in.Phone)
	if err != nil {
		return err
	}
	var hold *Reservation
	for i, r := range rs {
		if r.pending(t.now) && (code == "" || r.Code == code) {
			hold = &rs[i]
			break
		}
	}
	if hold == nil {
		if code != "" {
			return t.cancelOf(code, rs) // explains that it is paid, gone or not theirs
		}
		pct, err := t.depositPercent()
		if err != nil {
			return err
		}
		t.say(buttonsReply(fmt.Sprintf(c.PayNoHold, pct), button(Action{Kind: actMenu, Arg: menuAvail}, c.BtnAvail)))
		return nil
	}
	link, err := t.e.Booking.PaymentLink(t.ctx, *hold)
	if err != nil {
		t.problems = append(t.problems, fmt.Errorf("payment link for %s: %w", hold.Code, err))
		link = ""
	}
	until := deadline(t.st.Lang, hold.ExpiresAt, t.now, t.loc)
	if link != "" {
		t.say(textReply(fmt.Sprintf(c.PayLink, hold.Code, Money(hold.DepositCents), until, link)))
	} else {
		t.say(textReply(fmt.Sprintf(c.PayPending, hold.Code, Money(hold.DepositCents), until)))
	}
	return nil
}

func (t *turn) depositPercent() (int, error) {
	cabins, err := t.loadCabins()
	if err != nil {
		return 0, err
	}
	for _, a := range cabins {
		return a.WithDefaults().DepositPercent, nil
	}
	return booking.DefaultDepositPercent, nil
}

// helpMenu lists the help topics.
func (t *turn) helpMenu() error {
	c := t.c
	rows := []whatsapp.Row{
		{ID: Action{Kind: actHelp, Arg: helpPolicies}.ID(), Title: c.HelpPolicies},
		{ID: Action{Kind: actHelp, Arg: helpCheckin}.ID(), Title: c.HelpCheckin},
		{ID: Action{Kind: actHelp, Arg: helpAmenities}.ID(), Title: c.HelpAmenit},
		{ID: Action{Kind: actHelp, Arg: helpDirections}.ID(), Title: c.HelpDirect},
	}
	if t.e.CanHandoff {
		rows = append(rows, whatsapp.Row{ID: Action{Kind: actHuman}.ID(), Title: c.HelpHuman})
	}
	t.say(listReply(c.HelpBody, c.HelpButton, rows))
	return nil
}

// topicKeywords are the (folded) words that show a cabin has what a topic asks about.
var topicKeywords = map[string][]string{
	nlu.TopicWifi:      {"wifi", "wi-fi", "internet"},
	nlu.TopicPets:      {"mascota", "pet", "perro", "pet friendly"},
	nlu.TopicParking:   {"estacionamiento", "cochera", "garage", "garaje", "parking"},
	nlu.TopicPool:      {"pileta", "piscina", "pool"},
	nlu.TopicGrill:     {"parrilla", "asador", "quincho", "bbq", "barbacoa"},
	nlu.TopicClimate:   {"calefaccion", "aire acondicionado", "estufa", "hogar", "salamandra", "losa radiante", "split"},
	nlu.TopicKitchen:   {"cocina", "kitchen", "anafe", "horno"},
	nlu.TopicLinens:    {"ropa de cama", "sabanas", "toallas", "blanco"},
	nlu.TopicBreakfast: {"desayuno", "breakfast"},
}

// topic answers a help topic or a question about the cabins.
func (t *turn) topic(topic string) error {
	c := t.c
	switch topic {
	case helpPolicies, nlu.TopicCancellationPolicy:
		if t.e.Info.Policies != "" {
			t.say(textReply(t.e.Info.Policies))
			return nil
		}
		pct, err := t.depositPercent()
		if err != nil {
			return err
		}
		t.say(textReply(fmt.Sprintf(c.Policies, pct)))
		return nil
	case helpDirections:
		if t.e.Info.Directions != "" {
			t.say(textReply(t.e.Info.Directions))
			return nil
		}
		t.say(t.humanButton(c.Directions))
		return nil
	case helpCheckin:
		return t.checkinTimes()
	case "", helpAmenities:
		return t.amenities()
	}
	keywords, ok := topicKeywords[topic]
	if !ok {
		t.say(t.humanButton(c.TopicUnknown))
		return nil
	}
	cabins, err := t.loadCabins()
	if err != nil {
		return err
	}
	var with []string
	for _, a := range cabins {
		if hasAmenity(a.Amenities, keywords) {
			with = append(with, a.Name)
		}
	}
	what := topicName(t.st.Lang, topic)
	switch {
	case len(with) == 0:
		t.say(t.humanButton(c.TopicUnknown))
	case len(with) == len(cabins):
		t.say(textReply(fmt.Sprintf(c.TopicAll, what)))
	default:
		t.say(textReply(fmt.Sprintf(c.TopicYes, joinList(t.st.Lang, with), what)))
	}
	return nil
}

func hasAmenity(amenities, keywords []string) bool {
	for _, am := range amenities {
		f := fold(am)
		for _, k := range keywords {
			if strings.Contains(f, k) {
				return true
			}
		}
	}
	return false
}

func (t *turn) checkinTimes() error {
	c := t.c
	cabins, err := t.loadCabins()
	if err != nil {
		return err
	}
	type times struct{ in, out string }
	var distinct []times
	for _, a := range cabins {
		a = a.WithDefaults()
		if tm := (times{a.CheckInTime, a.CheckOutTime}); !slices.Contains(distinct, tm) {
			distinct = append(distinct, tm)
		}
	}
	switch len(distinct) {
	case 0:
		t.say(textReply(fmt.Sprintf(c.CheckinTimes, booking.DefaultCheckInTime, booking.DefaultCheckOutTime)))
	case 1:
		t.say(textReply(fmt.Sprintf(c.CheckinTimes, distinct[0].in, distinct[0].out)))
	default:
		lines := make([]string, 0, len(cabins))
		for _, a := range cabins {
			a = a.WithDefaults()
			lines = append(lines, "• "+fmt.Sprintf(c.CheckinCabin, a.Name, a.CheckInTime, a.CheckOutTime))
		}
		t.say(textReply(strings.Join(lines, "\n")))
	}
	return nil
}

func (t *turn) amenities() error {
	c := t.c
	cabins, err := t.loadCabins()
	if err != nil {
		return err
	}
	var common []string
	same := true
	for i, a := range cabins {
		if i == 0 {
			common = a.Amenities
		} else if !slices.Equal(common, a.Amenities) {
			same = false
		}
	}
	switch {
	case len(cabins) == 0 || (same && len(common) == 0):
		t.say(t.humanButton(c.AmenitiesNo))
	case same:
		t.say(textReply(fmt.Sprintf(c.AmenitiesAll, joinList(t.st.Lang, common))))
	default:
		lines := make([]string, 0, len(cabins))
		for _, a := range cabins {
			if len(a.Amenities) > 0 {
				lines = append(lines, fmt.Sprintf("• *%s*: %s", a.Name, strings.Join(a.Amenities, ", ")))
			}
		}
		t.say(textReply(strings.Join(lines, "\n")))
	}
	return nil
}

// humanButton is a text with a "talk to a person" button when an owner can take over.
func (t *turn) humanButton(body string) Reply {
	if !t.e.CanHandoff {
		return textReply(body)
	}
	return buttonsReply(body, button(Action{Kind: actHuman}, t.c.BtnHuman))
}

// handoff passes the guest to the owner and pauses the bot for this guest.
func (t *turn) handoff() error {
	c := t.c
	if !t.e.CanHandoff {
		t.say(t.menuButtons(c.HandoffNoOwner))
		return nil
	}
	t.pause = true
	t.ownerNotice = t.ownerHandoffNotice()
	t.say(textReply(c.HandoffGuest))
	return nil
}

// ownerHandoffNotice tells the owner who wants a person and what they were asking about.
func (t *turn) ownerHandoffNotice() string {
	st := t.st
	var b strings.Builder
	who := "+" + t.in.Phone
	if name := clip(t.in.ProfileName, 40); name != "" {
		who = name + " (+" + t.in.Phone + ")"
	}
	fmt.Fprintf(&b, "🙋 %s pidió hablar con una persona.", who)
	switch st.Lang {
	case "en":
		b.WriteString(" Escribe en inglés.")
	case "pt":
		b.WriteString(" Escribe en portugués.")
	}
	if st.hasDates() || st.Guests > 0 {
		b.WriteString("\nConsulta:")
		if st.hasDates() {
			b.WriteString(" " + StayText("es", st.CheckIn.Time(), st.CheckOut.Time()))
		}
		if st.Guests > 0 {
			b.WriteString(", " + spanish.persons(st.Guests))
		}
		if st.CabinID != 0 {
			b.WriteString(", " + t.cabinName(st.CabinID))
		}
		b.WriteString(".")
	}
	fmt.Fprintf(&b, "\nEscribile: https://wa.me/%s\nYo no le respondo hasta que me mandes «liberar %s».", t.in.Phone, lastDigits(t.in.Phone))
	return b.String()
}

// lastDigits is the tail of a phone number the owner types to release a conversation.
func lastDigits(phone string) string {
	if len(phone) <= 4 {
		return phone
	}
	return phone[len(phone)-4:]
}
