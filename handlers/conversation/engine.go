package conversation

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/handlers/nlu"
)

// ErrNotFound is what a Booking returns for a cabin or reservation that does not exist (or
// is not the guest's).
var ErrNotFound = errors.New("conversation: not found")

// Booking is what the engine needs from the booking side (the store, in production). Errors
// the engine turns into answers: booking.ErrDatesTaken, booking.ErrTooManyHolds,
// *booking.StayError, booking.ErrInvalidTransition and ErrNotFound; any other error aborts
// the turn.
type Booking interface {
	// Cabins returns the cabins on offer.
	Cabins(ctx context.Context) ([]booking.Accommodation, error)
	// Search finds the cabins free for the stay, or alternatives (booking.Search).
	Search(ctx context.Context, stay booking.Stay, today time.Time) (booking.SearchResult, error)
	// SearchCabin is Search for one cabin (booking.SearchCabin); ErrNotFound when it is not on offer.
	SearchCabin(ctx context.Context, cabinID int64, stay booking.Stay, today time.Time) (booking.SearchResult, error)
	// Hold places a hold (pre-reservation). Asking again for the same hold returns it.
	Hold(ctx context.Context, req HoldRequest) (Reservation, error)
	// Reservations returns the guest's reservations, newest first.
	Reservations(ctx context.Context, phone string) ([]Reservation, error)
	// Cancel cancels the guest's hold with that code. A reservation that is not the guest's
	// is ErrNotFound; one that is not a live hold is booking.ErrInvalidTransition, returned
	// with the reservation as it is.
	Cancel(ctx context.Context, phone, code string, now time.Time) (Reservation, error)
	// PaymentLink returns the link to pay a hold's deposit, or "" when payments are not set up.
	PaymentLink(ctx context.Context, r Reservation) (string, error)
}

// HoldRequest asks Booking.Hold for a hold.
type HoldRequest struct {
	CabinID  int64
	Stay     booking.Stay
	Phone    string
	Name     string
	Language string
	Now      time.Time
}

// Reservation is a guest's reservation as the conversation shows it.
type Reservation struct {
	ID           string
	Code         string
	CabinID      int64
	CabinName    string
	Status       string // booking.Status*
	CheckIn      time.Time
	CheckOut     time.Time
	Guests       int
	TotalCents   int64
	DepositCents int64
	// ExpiresAt is when a hold runs out (zero for other statuses).
	ExpiresAt time.Time
}

// pending reports whether r is a hold still waiting for its deposit at now.
func (r Reservation) pending(now time.Time) bool {
	return r.Status == booking.StatusPreReserved && now.Before(r.ExpiresAt)
}

// Info is the owner's own texts for help topics; empty fields use the built-in answers.
type Info struct {
	Policies   string
	Directions string
}

// Engine is the dialogue engine. It is stateless: everything about a guest is in State.
type Engine struct {
	Booking Booking
	// Loc is the business time zone: "today", hold deadlines and NLU dates are read in it.
	Loc *time.Location
	// CanHandoff is set when an owner can take over conversations (OWNER_PHONE is set).
	CanHandoff bool
	Info       Info
}

// Input is one guest message.
type Input struct {
	Phone       string // the guest's wa_id
	ProfileName string // WhatsApp profile name (user-chosen)
	// Type is the WhatsApp message type: text, interactive, button, audio, image, sticker,
	// location, reaction, unsupported, ... An audio carries its transcript in Text ("" when
	// it could not be transcribed).
	Type    string
	Text    string
	ReplyID string // the id of a tapped button or list row
	Now     time.Time
}

// Output is the engine's decision for one message.
type Output struct {
	State   State
	Replies []Reply
	// OwnerNotice is a message for the owner (a guest asked for a person), in Spanish.
	OwnerNotice string
	// Pause stops the bot answering this guest until the owner releases the conversation.
	Pause bool
	// Problems are failures the guest was spared (a payment link that could not be made);
	// the caller logs them.
	Problems []error
}

// Handle runs one message through the dialogue. It fails only when Booking fails in a way
// the engine cannot answer (the database is down); the caller may retry the message.
func (e *Engine) Handle(ctx context.Context, st State, in Input) (Output, error) {
	loc := e.Loc
	if loc == nil {
		loc = time.UTC
	}
	if st.Version != StateVersion {
		st = State{Version: StateVersion, Lang: normLang(st.Lang)}
	}
	st.Lang = normLang(st.Lang)
	if !st.UpdatedAt.IsZero() && in.Now.Sub(st.UpdatedAt) > IdleReset {
		st.clearQuery()
		st.Cancel, st.Misses = "", 0
	}
	t := &turn{e: e, ctx: ctx, in: in, st: st, loc: loc, now: in.Now, today: booking.Today(in.Now, loc)}
	t.c = catalogFor(t.st.Lang)
	misses := t.st.Misses
	t.st.Misses = 0
	t.misses = misses
	if err := t.run(); err != nil {
		return Output{}, err
	}
	if len(t.replies) > 0 && !t.st.Greeted {
		t.st.Greeted = true
		hello := t.c.HelloAnon
		if name := firstName(in.ProfileName); name != "" {
			hello = strings.Replace(t.c.Hello, "%s", name, 1)
		}
		t.replies[0] = withPrefix(t.replies[0], hello)
	}
	t.st.UpdatedAt = in.Now
	t.st.Version = StateVersion
	return Output{State: t.st, Replies: t.replies, OwnerNotice: t.ownerNotice, Pause: t.pause, Problems: t.problems}, nil
}

// turn is the work of one Handle call.
type turn struct {
	e     *Engine
	ctx   context.Context
	in    Input
	st    State
	c     *catalog
	loc   *time.Location
	now   time.Time
	today time.Time

	misses      int
	prefix      []string // sentences that lead the next reply
	replies     []Reply
	ownerNotice string
	pause       bool
	problems    []error
	cabins      []booking.Accommodation // loaded once per turn
}

func (t *turn) run() error {
	switch t.in.Type {
	case "text", "interactive", "button":
	case "audio":
		if strings.TrimSpace(t.in.Text) == "" {
			t.say(textReply(t.c.AudioFailed))
			return nil
		}
	case "reaction":
		return nil // an emoji on one of our messages is not a message to answer
	default: // image, sticker, video, document, location, contacts, unsupported, ...
		t.say(textReply(t.c.Unsupported))
		return nil
	}
	if t.in.ReplyID != "" {
		if a, ok := ParseAction(t.in.ReplyID); ok {
			return t.action(a)
		}
		t.lead(t.c.UnknownOpt)
		return t.menu()
	}
	return t.text(t.in.Text)
}

// lead queues a sentence to open the next reply.
func (t *turn) lead(s string) { t.prefix = append(t.prefix, s) }

// say adds a reply, opened by any queued sentences.
func (t *turn) say(r Reply) {
	if len(t.prefix) > 0 {
		r = withPrefix(r, strings.Join(t.prefix, " "))
		t.prefix = nil
	}
	t.replies = append(t.replies, r)
}

func withPrefix(r Reply, p string) Reply {
	sep := " "
	if strings.Contains(r.Body(), "\n") || strings.HasPrefix(r.Body(), "🏡") {
		sep = "\n"
	}
	switch {
	case r.Buttons != nil:
		b := *r.Buttons
		b.Body = clip(p+sep+b.Body, 1024)
		r.Buttons = &b
	case r.List != nil:
		l := *r.List
		l.Body = clip(p+sep+l.Body, 4096)
		r.List = &l
	default:
		r.Text = clip(p+sep+r.Text, 4096)
	}
	return r
}

func (t *turn) loadCabins() ([]booking.Accommodation, error) {
	if t.cabins != nil {
		return t.cabins, nil
	}
	cs, err := t.e.Booking.Cabins(t.ctx)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		cs = []booking.Accommodation{}
	}
	t.cabins = cs
	return cs, nil
}

// action handles a tapped button or list row.
func (t *turn) action(a Action) error {
	switch a.Kind {
	case actMenu:
		switch a.Arg {
		case menuAvail:
			t.st.CabinID, t.st.Offers = 0, nil
			return t.advance()
		case menuMine:
			return t.mine()
		}
		return t.helpMenu()
	case actHelp:
		return t.topic(a.Arg)
	case actHuman:
		return t.handoff()
	case actDates:
		return t.askNewDates()
	case actCabins:
		t.st.CabinID = 0
		return t.advance()
	case actCabin:
		for _, o := range t.st.Offers {
			if o.CabinID == a.CabinID && o.CheckIn == DateOf(a.CheckIn) && o.CheckOut == DateOf(a.CheckOut) {
				return t.choose(o)
			}
		}
		return t.stale()
	case actBook:
		if t.st.CabinID == a.CabinID && t.st.CheckIn == DateOf(a.CheckIn) && t.st.CheckOut == DateOf(a.CheckOut) &&
			t.st.Guests == a.Guests {
			return t.book()
		}
		return t.stale()
	case actCancel:
		switch a.Arg {
		case answerYes:
			return t.confirmCancel(a.Code)
		case answerNo:
			t.st.Step, t.st.Cancel = StepNone, ""
			t.say(textReply(t.c.CancelKept))
			return nil
		}
		return t.cancel(a.Code)
	case actPay:
		return t.pay(a.Code)
	}
	return t.stale()
}

// stale answers a button from an earlier message that no longer applies.
func (t *turn) stale() error {
	t.lead(t.c.StaleOption)
	if t.st.hasDates() || t.st.hasQuery() {
		return t.advance()
	}
	return t.menu()
}

// text handles a typed (or transcribed) message.
func (t *turn) text(msg string) error {
	r := nlu.Parse(msg, t.now.In(t.loc))
	if r.LanguageDetected && r.Language != t.st.Lang {
		t.st.Lang = normLang(r.Language)
		t.c = catalogFor(t.st.Lang)
	}
	if r.Intent == nlu.IntentHuman {
		return t.handoff()
	}

	// A short answer means what the last question asked.
	noNews := r.CheckIn.IsZero() && r.Nights == 0 && r.Guests == 0 && r.Month == 0
	switch t.st.Step {
	case StepCancel:
		if r.Yes && !r.No && noNews {
			return t.confirmCancel(t.st.Cancel)
		}
		if r.No && !r.Yes && noNews {
			t.st.Step, t.st.Cancel = StepNone, ""
			t.say(textReply(t.c.CancelKept))
			return nil
		}
	case StepQuote:
		if (r.Yes || r.Intent == nlu.IntentBook) && !r.No && noNews {
			return t.book()
		}
		if r.No && !r.Yes && noNews && r.Intent != nlu.IntentCancel {
			t.say(buttonsReply(t.c.SeeOther,
				button(Action{Kind: actDates, Arg: "change"}, t.c.BtnDates),
				button(Action{Kind: actCabins, Arg: "list"}, t.c.BtnCabins)))
			return nil
		}
	case StepCabin:
		if n := max(r.Choice, r.Number); n >= 1 && n <= len(t.st.Offers) && r.Guests == 0 {
			return t.choose(t.st.Offers[n-1])
		}
		names := make([]string, len(t.st.Offers))
		for i, o := range t.st.Offers {
			names[i] = o.Name
		}
		if i := nlu.MatchOption(msg, names); i >= 0 && noNews {
			return t.choose(t.st.Offers[i])
		}
	case StepGuests:
		if r.Guests == 0 && r.Number >= 1 && r.Number <= booking.MaxGuests {
			r.Guests = r.Number
		}
	}
	switch t.st.Step {
	case StepDates, StepGuests, StepCheckOut:
		if r.Yes && !r.No && noNews && r.Number == 0 && r.Intent == nlu.IntentUnknown {
			return t.advance() // "dale": the question again, plainly
		}
	}
	if t.st.Step == StepCheckOut {
		if in := t.st.CheckIn.Time(); !in.IsZero() && r.CheckIn.IsZero() {
			// "hasta el 20", "until Sunday", "20": read as the end of a stay from the check-in.
			anchor := "del " + in.Format("02/01") + " "
			for _, text := range []string{anchor + msg, anchor + "al " + msg} {
				if rr := nlu.Parse(text, t.now.In(t.loc)); rr.CheckIn.Equal(in) && !rr.CheckOut.IsZero() {
					r.CheckIn, r.CheckOut = rr.CheckIn, rr.CheckOut
					break
				}
			}
		}
	}
	if r.Guests == 0 && r.Number >= 1 && r.Number <= booking.MaxGuests && t.st.hasDates() && t.st.Guests == 0 {
		r.Guests = r.Number
	}

	changed := t.absorb(r)
	if r.Intent == nlu.IntentBook || r.Intent == nlu.IntentAvailability || r.Intent == nlu.IntentPrice || r.Intent == nlu.IntentUnknown {
		named, err := t.nameCabin(msg)
		if err != nil {
			return err
		}
		changed = changed || named
	}

	switch kw := keyword(msg); {
	case kw == kwMenu && !changed:
		return t.menu()
	case kw == kwHelp && !changed:
		return t.helpMenu()
	case kw == kwDates && r.CheckIn.IsZero():
		return t.askNewDates()
	}

	switch {
	case r.Intent == nlu.IntentMyReservations:
		return t.mine()
	case r.Intent == nlu.IntentCancel:
		return t.cancelText(msg)
	case changed:
		return t.advance()
	case r.Intent == nlu.IntentBook && t.st.CabinID != 0 && t.st.hasDates() && t.st.Guests > 0 && t.st.Step == StepQuote:
		return t.book()
	case r.Intent == nlu.IntentAvailability || r.Intent == nlu.IntentPrice || r.Intent == nlu.IntentBook:
		return t.advance()
	case r.Intent == nlu.IntentAmenities:
		return t.topic(r.Topic)
	case r.Intent == nlu.IntentPayment:
		return t.pay("")
	case r.Intent == nlu.IntentGreeting:
		return t.greet()
	case r.Intent == nlu.IntentThanks:
		t.say(textReply(t.c.Thanks))
		return nil
	case r.No && t.st.hasQuery():
		t.st.clearQuery()
		t.say(textReply(t.c.QueryDropped))
		return nil
	}
	return t.notUnderstood()
}

// absorb stores what the message says about the stay; changed reports whether it said anything.
func (t *turn) absorb(r nlu.Result) (changed bool) {
	st := &t.st
	switch {
	case !r.CheckIn.IsZero() && !r.CheckOut.IsZero():
		st.setDates(r.CheckIn, r.CheckOut)
		changed = true
	case !r.CheckIn.IsZero():
		// One date: the missing check-out, or a new check-in.
		in := st.CheckIn.Time()
		switch {
		case st.Step == StepCheckOut && st.CheckOut == "" && !in.IsZero() && r.CheckIn.After(in):
			st.CheckOut = DateOf(r.CheckIn)
		case r.Nights > 0:
			st.setDates(r.CheckIn, booking.AddDays(r.CheckIn, r.Nights))
		case st.Nights > 0:
			st.setDates(r.CheckIn, booking.AddDays(r.CheckIn, st.Nights))
		case st.hasDates():
			st.setDates(r.CheckIn, booking.AddDays(r.CheckIn, booking.DaysBetween(in, st.CheckOut.Time())))
		default:
			st.CheckIn, st.CheckOut, st.Month = DateOf(r.CheckIn), "", 0
		}
		changed = true
	case r.Nights > 0:
		if st.CheckIn != "" {
			st.CheckOut = DateOf(booking.AddDays(st.CheckIn.Time(), r.Nights))
		} else {
			st.Nights = r.Nights
		}
		changed = true
	case r.Month > 0:
		st.CheckIn, st.CheckOut, st.Month = "", "", r.Month
		changed = true
	}
	if r.Guests > 0 && r.Guests != st.Guests {
		st.Guests = r.Guests
		changed = true
	}
	return changed
}

// nameCabin sets the cabin when the message names one.
func (t *turn) nameCabin(msg string) (bool, error) {
	cabins, err := t.loadCabins()
	if err != nil || len(cabins) < 2 {
		return false, err
	}
	names := make([]string, len(cabins))
	for i, c := range cabins {
		names[i] = c.Name
	}
	i := nlu.MatchOption(msg, names)
	if i < 0 || cabins[i].ID == t.st.CabinID {
		return false, nil
	}
	t.st.CabinID = cabins[i].ID
	return true, nil
}

const (
	kwNone = iota
	kwMenu
	kwHelp
	kwDates
)

// keyword recognises the few commands the NLU has no intent for.
func keyword(msg string) int {
	m := fold(msg)
	m = strings.Trim(m, " .!¡?¿")
	switch m {
	case "menu", "inicio", "start", "volver", "empezar", "opciones", "options", "opcoes":
		return kwMenu
	case "ayuda", "help", "ajuda", "?":
		return kwHelp
	}
	for _, p := range []string{"cambiar fecha", "cambiar las fecha", "otras fechas", "otra fecha", "change date", "other date",
		"different date", "mudar data", "mudar as data", "outras datas", "outra data"} {
		if strings.Contains(m, p) {
			return kwDates
		}
	}
	return kwNone
}

var folder = strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ü", "u", "ñ", "n", "ã", "a", "õ", "o",
	"â", "a", "ê", "e", "ô", "o", "ç", "c", "à", "a")

func fold(s string) string {
	return folder.Replace(strings.ToLower(strings.TrimSpace(s)))
}

// greet answers a greeting with the menu.
func (t *turn) greet() error {
	body := t.c.MenuBody
	if !t.st.Greeted {
		body = t.c.Intro + "\n" + body
	} else {
		body = t.c.HelloAnon + " " + body
	}
	t.say(t.menuButtons(body))
	return nil
}

func (t *turn) menu() error {
	t.say(t.menuButtons(t.c.MenuBody))
	return nil
}

func (t *turn) menuButtons(body string) Reply {
	return buttonsReply(body,
		button(Action{Kind: actMenu, Arg: menuAvail}, t.c.BtnAvail),
		button(Action{Kind: actMenu, Arg: menuMine}, t.c.BtnMine),
		button(Action{Kind: actMenu, Arg: menuHelp}, t.c.BtnHelp))
}

// notUnderstood re-asks the pending question, or shows what the bot can do.
func (t *turn) notUnderstood() error {
	t.st.Misses = t.misses + 1
	t.lead(t.c.NotUnderstd)
	if t.st.Misses >= 2 && t.e.CanHandoff {
		t.say(buttonsReply(t.c.MenuHint+" "+t.c.OfferHuman,
			button(Action{Kind: actMenu, Arg: menuAvail}, t.c.BtnAvail),
			button(Action{Kind: actMenu, Arg: menuHelp}, t.c.BtnHelp),
			button(Action{Kind: actHuman}, t.c.BtnHuman)))
		return nil
	}
	switch t.st.Step {
	case StepDates, StepCheckOut, StepGuests, StepCabin, StepQuote:
		return t.advance()
	case StepCancel:
		return t.cancel(t.st.Cancel)
	}
	t.say(t.menuButtons(t.c.MenuHint))
	return nil
}
