package conversation

import (
	"errors"
	"fmt"
	"strings"

	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/handlers/whatsapp"
)

// advance moves the booking on: it asks for the first thing missing (dates, then guests),
// then searches and shows the free cabins, a quote, or alternatives.
func (t *turn) advance() error {
	st, c := &t.st, t.c
	st.Offers = nil
	if st.CheckIn == "" {
		st.Step = StepDates
		switch {
		case st.Nights > 0:
			t.say(textReply(fmt.Sprintf(c.AskCheckIn, c.nights(st.Nights))))
		case st.Month > 0:
			t.say(textReply(fmt.Sprintf(c.AskMonthDays, c.MonthsIn[st.Month-1])))
		case st.Guests > 0:
			t.say(textReply(fmt.Sprintf(c.AskDatesNoted, c.persons(st.Guests))))
		default:
			t.say(textReply(c.AskDatesGuests))
		}
		return nil
	}
	if st.CheckOut == "" {
		st.Step = StepCheckOut
		t.say(textReply(fmt.Sprintf(c.AskCheckOut, Day(st.Lang, st.CheckIn.Time()))))
		return nil
	}
	stay := st.stay()
	dates := stay
	dates.Guests = max(dates.Guests, 1)
	if err := booking.ValidateStay(dates, t.today); err != nil {
		return t.stayProblem(err)
	}
	if st.Guests == 0 {
		st.Step = StepGuests
		t.say(textReply(fmt.Sprintf(c.AskGuests, StayText(st.Lang, stay.CheckIn, stay.CheckOut))))
		return nil
	}
	if err := booking.ValidateStay(stay, t.today); err != nil {
		return t.stayProblem(err)
	}

	var (
		res booking.SearchResult
		err error
	)
	if st.CabinID != 0 {
		res, err = t.e.Booking.SearchCabin(t.ctx, st.CabinID, stay, t.today)
		if errors.Is(err, ErrNotFound) {
			t.lead(c.CabinGone)
			st.CabinID = 0
		}
	}
	if st.CabinID == 0 {
		res, err = t.e.Booking.Search(t.ctx, stay, t.today)
	}
	if err != nil {
		if booking.ReasonOf(err) != "" {
			return t.stayProblem(err)
		}
		return err
	}
	switch {
	case len(res.Available) == 1 || (st.CabinID != 0 && len(res.Available) > 0):
		return t.showQuote(res.Available[0])
	case len(res.Available) > 1:
		return t.offerCabins(res)
	}
	return t.noAvailability(res)
}

// askNewDates forgets the dates and asks for others.
func (t *turn) askNewDates() error {
	t.st.CheckIn, t.st.CheckOut, t.st.Nights, t.st.Month, t.st.Offers = "", "", 0, 0, nil
	t.st.Step = StepDates
	t.say(textReply(t.c.AskDates))
	return nil
}

// stayProblem explains why a stay cannot be booked and asks for what would fix it.
func (t *turn) stayProblem(err error) error {
	var se *booking.StayError
	if !errors.As(err, &se) {
		return err
	}
	c, st := t.c, &t.st
	switch se.Reason {
	case booking.ReasonPast, booking.ReasonInvalidDate:
		t.say(textReply(c.Past))
	case booking.ReasonCheckoutBeforeCheckin:
		t.say(textReply(c.OutBeforeIn))
	case booking.ReasonTooLong:
		t.say(textReply(fmt.Sprintf(c.TooLong, se.Limit)))
	case booking.ReasonTooFar:
		t.say(textReply(fmt.Sprintf(c.TooFar, se.Limit)))
	case booking.ReasonNoGuests, booking.ReasonTooManyGuests:
		st.Guests, st.Step, st.Offers = 0, StepGuests, nil
		if se.Reason == booking.ReasonTooManyGuests {
			t.say(textReply(fmt.Sprintf(c.TooMany, se.Limit)))
		} else {
			t.say(textReply(c.GuestsBad))
		}
		return nil
	case booking.ReasonBelowMinNights:
		t.say(buttonsReply(fmt.Sprintf(c.MinNights, se.Limit)+" "+c.TryOther,
			button(Action{Kind: actDates, Arg: "change"}, c.BtnDates)))
		st.Step, st.Offers = StepNone, nil
		return nil
	default:
		return err
	}
	st.CheckIn, st.CheckOut, st.Nights, st.Month, st.Offers = "", "", 0, 0, nil
	st.Step = StepDates
	return nil
}

// offerCabins lists the free cabins with the price of the stay and their capacity.
func (t *turn) offerCabins(res booking.SearchResult) error {
	cabins, err := t.loadCabins()
	if err != nil {
		return err
	}
	capacity := map[int64]int{}
	for _, a := range cabins {
		capacity[a.ID] = a.Capacity
	}
	c, st := t.c, &t.st
	var rows []whatsapp.Row
	st.Offers = nil
	for _, q := range res.Available {
		if len(rows) == whatsapp.MaxListRows {
			break
		}
		o := Offer{CabinID: q.AccommodationID, Name: q.AccommodationName, CheckIn: DateOf(q.Stay.CheckIn), CheckOut: DateOf(q.Stay.CheckOut)}
		desc := Money(q.TotalCents)
		if n := capacity[q.AccommodationID]; n > 0 {
			desc = fmt.Sprintf(c.RowDesc, Money(q.TotalCents), fmt.Sprintf(c.UpTo, n))
		}
		rows = append(rows, whatsapp.Row{ID: o.action().ID(), Title: q.AccommodationName, Description: desc})
		st.Offers = append(st.Offers, o)
	}
	stay := res.Stay
	body := fmt.Sprintf(c.ListBody, StayText(st.Lang, stay.CheckIn, stay.CheckOut), c.persons(stay.Guests))
	st.Step = StepCabin
	t.say(listReply(body, c.ListButton, rows))
	return nil
}

func (o Offer) action() Action {
	return Action{Kind: actCabin, CabinID: o.CabinID, CheckIn: o.CheckIn.Time(), CheckOut: o.CheckOut.Time()}
}

// noAvailability says why nothing is free and offers the alternatives found.
func (t *turn) noAvailability(res booking.SearchResult) error {
	c, st := t.c, &t.st
	if own, err := t.ownHold(); err != nil || own != nil {
		return err
	}
	stayText := StayText(st.Lang, res.Stay.CheckIn, res.Stay.CheckOut)
	lead := fmt.Sprintf(c.NoneFree, stayText)
	if st.CabinID != 0 {
		name := t.cabinName(st.CabinID)
		for _, r := range res.Rejected {
			if r.AccommodationID != st.CabinID {
				continue
			}
			switch r.Reason {
			case booking.RejectTaken:
				lead = fmt.Sprintf(c.CabinTaken, name, stayText)
			case booking.RejectTooManyGuests:
				lead = fmt.Sprintf(c.CabinSmall, name, r.Limit)
			case booking.RejectMinNights:
				lead = fmt.Sprintf(c.CabinMin, name, r.Limit)
			}
		}
	} else if minNights := allBelowMin(res.Rejected); minNights > 0 {
		lead = fmt.Sprintf(c.MinNights, minNights)
	}
	if len(res.Alternatives) == 0 {
		st.Step, st.Offers = StepNone, nil
		if st.CabinID == 0 {
			// "¿Probamos con otras fechas?": the next dates the guest gives are the answer.
			st.CheckIn, st.CheckOut, st.Step = "", "", StepDates
		}
		buttons := []whatsapp.Button{button(Action{Kind: actDates, Arg: "change"}, c.BtnDates)}
		if st.CabinID != 0 {
			buttons = append(buttons, button(Action{Kind: actCabins, Arg: "list"}, c.BtnCabins))
		}
		t.say(buttonsReply(lead+" "+c.TryOther, buttons...))
		return nil
	}
	var rows []whatsapp.Row
	st.Offers = nil
	for _, alt := range res.Alternatives {
		q := alt.Quote
		o := Offer{CabinID: q.AccommodationID, Name: q.AccommodationName, CheckIn: DateOf(q.Stay.CheckIn), CheckOut: DateOf(q.Stay.CheckOut)}
		rows = append(rows, whatsapp.Row{ID: o.action().ID(), Title: q.AccommodationName,
			Description: fmt.Sprintf(c.AltDesc, StayText(st.Lang, q.Stay.CheckIn, q.Stay.CheckOut), Money(q.TotalCents))})
		st.Offers = append(st.Offers, o)
	}
	st.Step = StepCabin
	t.say(listReply(lead+"\n"+c.AltBody, c.AltButton, rows))
	return nil
}

func allBelowMin(rs []booking.Rejection) int {
	minNights := 0
	for _, r := range rs {
		if r.Reason != booking.RejectMinNights {
			return 0
		}
		if minNights == 0 || r.Limit < minNights {
			minNights = r.Limit
		}
	}
	return minNights
}

func (t *turn) cabinName(id int64) string {
	cabins, err := t.loadCabins()
	if err == nil {
		for _, a := range cabins {
			if a.ID == id {
				return a.Name
			}
		}
	}
	for _, o := range t.st.Offers {
		if o.CabinID == id {
			return o.Name
		}
	}
	return "?"
}

// choose takes an offered cabin (and its dates) and shows its quote.
func (t *turn) choose(o Offer) error {
	t.st.CabinID = o.CabinID
	t.st.CheckIn, t.st.CheckOut, t.st.Nights, t.st.Month = o.CheckIn, o.CheckOut, 0, 0
	return t.advance()
}

// showQuote shows the price of the stay in one cabin with "Reservar" and the ways out.
func (t *turn) showQuote(q booking.Quote) error {
	c, st := t.c, &t.st
	st.CabinID, st.Step, st.Offers = q.AccommodationID, StepQuote, nil
	st.CheckIn, st.CheckOut, st.Guests = DateOf(q.Stay.CheckIn), DateOf(q.Stay.CheckOut), q.Stay.Guests
	var b strings.Builder
	fmt.Fprintf(&b, c.QuoteHead, q.AccommodationName, StayText(st.Lang, q.Stay.CheckIn, q.Stay.CheckOut), c.persons(q.Stay.Guests))
	b.WriteString("\n")
	for _, g := range groupNights(q.Nights) {
		format := c.QuoteLine
		switch {
		case g.kind == booking.NightWeekend:
			format = c.QuoteWeekend
		case strings.HasPrefix(g.kind, booking.SeasonNightPrefix):
			format = c.QuoteSeason
		}
		b.WriteString("• " + fmt.Sprintf(format, c.nights(g.count), Money(g.cents)) + "\n")
	}
	if q.CleaningFeeCents > 0 {
		b.WriteString("• " + fmt.Sprintf(c.QuoteCleaning, Money(q.CleaningFeeCents)) + "\n")
	}
	b.WriteString(fmt.Sprintf(c.QuoteTotal, Money(q.TotalCents)) + "\n")
	b.WriteString(fmt.Sprintf(c.QuoteDeposit, q.DepositPercent, Money(q.DepositCents)) + "\n\n")
	b.WriteString(c.QuoteAsk)
	book := Action{Kind: actBook, CabinID: q.AccommodationID, CheckIn: q.Stay.CheckIn, CheckOut: q.Stay.CheckOut, Guests: q.Stay.Guests}
	t.say(buttonsReply(b.String(),
		button(book, c.BtnBook),
		button(Action{Kind: actDates, Arg: "change"}, c.BtnDates),
		button(Action{Kind: actCabins, Arg: "list"}, c.BtnCabins)))
	return nil
}

type nightGroup struct {
	kind  string
	cents int64
	count int
}

// groupNights sums the nights of a quote by price, in order of first appearance.
func groupNights(ns []booking.NightPrice) []nightGroup {
	var gs []nightGroup
	for _, n := range ns {
		found := false
		for i := range gs {
			if gs[i].kind == n.Kind && gs[i].cents == n.Cents {
				gs[i].count++
				found = true
				break
			}
		}
		if !found {
			gs = append(gs, nightGroup{kind: n.Kind, cents: n.Cents, count: 1})
		}
	}
	return gs
}

// book places the hold for the quoted stay and tells the guest how to pay the deposit.
func (t *turn) book() error {
	c, st := t.c, &t.st
	if st.CabinID == 0 || !st.hasDates() || st.Guests == 0 {
		return t.advance()
	}
	r, err := t.e.Booking.Hold(t.ctx, HoldRequest{
		CabinID: st.CabinID, Stay: st.stay(), Phone: t.in.Phone, Name: clip(t.in.ProfileName, 60),
		Language: st.Lang, Now: t.now,
	})
	switch {
	case errors.Is(err, booking.ErrDatesTaken):
		if own, err := t.ownHold(); err != nil || own != nil {
			return err
		}
		t.lead(c.DatesTaken)
		return t.advance()
	case errors.Is(err, booking.ErrTooManyHolds):
		st.Step = StepNone
		t.say(buttonsReply(fmt.Sprintf(c.TooManyHolds, booking.MaxActiveHoldsPerGuest),
			button(Action{Kind: actMenu, Arg: menuMine}, c.BtnMine)))
		return nil
	case errors.Is(err, ErrNotFound):
		t.lead(c.CabinGone)
		st.CabinID = 0
		return t.advance()
	case booking.ReasonOf(err) != "":
		return t.stayProblem(err)
	case err != nil:
		return err
	}
	link, err := t.e.Booking.PaymentLink(t.ctx, r)
	if err != nil {
		t.problems = append(t.problems, fmt.Errorf("payment link for %s: %w", r.Code, err))
		link = ""
	}
	msg := fmt.Sprintf(c.Held, r.CabinName, StayText(st.Lang, r.CheckIn, r.CheckOut), r.Code) + "\n"
	until := deadline(st.Lang, r.ExpiresAt, t.now, t.loc)
	if link != "" {
		msg += fmt.Sprintf(c.HeldLink, Money(r.DepositCents), until, link)
	} else {
		msg += fmt.Sprintf(c.HeldNoLink, Money(r.DepositCents), until)
	}
	st.LastHold = r.Code
	st.clearQuery()
	t.say(textReply(msg))
	return nil
}

// ownHold answers a search or hold that collided with the guest's own live hold (of the
// chosen cabin, or of any when none is chosen): the same stay asked again with another
// party, say. It reports nil when there is none.
func (t *turn) ownHold() (*Reservation, error) {
	rs, err := t.e.Booking.Reservations(t.ctx, t.in.Phone)
	if err != nil {
		return nil, err
	}
	in, out := t.st.CheckIn.Time(), t.st.CheckOut.Time()
	for i, r := range rs {
		if r.pending(t.now) && (t.st.CabinID == 0 || r.CabinID == t.st.CabinID) && r.CheckIn.Before(out) && in.Before(r.CheckOut) {
			t.st.clearQuery()
			t.say(buttonsReply(fmt.Sprintf(t.c.OwnHold, r.Code, StayText(t.st.Lang, r.CheckIn, r.CheckOut)),
				button(Action{Kind: actMenu, Arg: menuMine}, t.c.BtnMine)))
			return &rs[i], nil
		}
	}
	return nil, nil
}
