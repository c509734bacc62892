package conversation

import (
	"strconv"
	"strings"
	"time"

	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/handlers/nlu"
)

// Interactive reply ids. Every button and list row the bot sends carries one of these, and
// whatever comes back is parsed and checked before anything is done with it: ids come from
// the guest's phone and may be stale (an old message) or forged.
//
//	menu:avail | menu:mine | menu:help        main menu
//	cabin:<id>:<yyyymmdd>:<yyyymmdd>          a cabin offered for a stay (list row)
//	book:<id>:<yyyymmdd>:<yyyymmdd>:<guests>  "Reservar" on a quote
//	dates:change                              ask for other dates
//	cabins:list                               show every free cabin again
//	cancel:<code>                             ask to confirm cancelling a hold
//	cancel:<code>:yes | cancel:<code>:no      the confirmation's answer
//	pay:<code>                                send the payment link of a hold again
//	help:<topic>                              a help topic (see helpTopics)
//	human                                     talk to a person
const (
	actMenu   = "menu"
	actCabin  = "cabin"
	actBook   = "book"
	actDates  = "dates"
	actCabins = "cabins"
	actCancel = "cancel"
	actPay    = "pay"
	actHelp   = "help"
	actHuman  = "human"
)

// Menu entries, help topics and cancel answers carried in Action.Arg.
const (
	menuAvail = "avail"
	menuMine  = "mine"
	menuHelp  = "help"

	// Help topics share the NLU's topic words, so a typed question and a tapped topic meet.
	helpPolicies   = nlu.TopicPolicies
	helpCheckin    = nlu.TopicCheckin
	helpAmenities  = "amenities"
	helpDirections = nlu.TopicDirections

	answerYes = "yes"
	answerNo  = "no"
)

// maxIDLength is below both of Meta's limits (256 for buttons, 200 for list rows).
const maxIDLength = 120

const idDate = "20060102"

// Action is a parsed interactive reply id.
type Action struct {
	Kind     string
	Arg      string
	CabinID  int64
	CheckIn  time.Time
	CheckOut time.Time
	Guests   int
	Code     string
}

// ID renders the action as a reply id.
func (a Action) ID() string {
	switch a.Kind {
	case actMenu, actHelp, actDates, actCabins:
		return a.Kind + ":" + a.Arg
	case actCabin:
		return actCabin + ":" + strconv.FormatInt(a.CabinID, 10) + ":" + a.CheckIn.Format(idDate) + ":" + a.CheckOut.Format(idDate)
	case actBook:
		return actBook + ":" + strconv.FormatInt(a.CabinID, 10) + ":" + a.CheckIn.Format(idDate) + ":" +
			a.CheckOut.Format(idDate) + ":" + strconv.Itoa(a.Guests)
	case actCancel:
		if a.Arg != "" {
			return actCancel + ":" + a.Code + ":" + a.Arg
		}
		return actCancel + ":" + a.Code
	case actPay:
		return actPay + ":" + a.Code
	case actHuman:
		return actHuman
	}
	return ""
}

// ParseAction parses and checks a reply id; ok is false for anything this bot never sends.
func ParseAction(id string) (Action, bool) {
	if id == "" || len(id) > maxIDLength {
		return Action{}, false
	}
	parts := strings.Split(id, ":")
	a := Action{Kind: parts[0]}
	switch a.Kind {
	case actMenu:
		if len(parts) != 2 || (parts[1] != menuAvail && parts[1] != menuMine && parts[1] != menuHelp) {
			return Action{}, false
		}
		a.Arg = parts[1]
	case actHelp:
		if len(parts) != 2 || !isHelpTopic(parts[1]) {
			return Action{}, false
		}
		a.Arg = parts[1]
	case actDates:
		if len(parts) != 2 || parts[1] != "change" {
			return Action{}, false
		}
		a.Arg = parts[1]
	case actCabins:
		if len(parts) != 2 || parts[1] != "list" {
			return Action{}, false
		}
		a.Arg = parts[1]
	case actCabin, actBook:
		want := 4
		if a.Kind == actBook {
			want = 5
		}
		if len(parts) != want {
			return Action{}, false
		}
		var ok bool
		if a.CabinID, ok = positive(parts[1]); !ok {
			return Action{}, false
		}
		in, err1 := time.Parse(idDate, parts[2])
		out, err2 := time.Parse(idDate, parts[3])
		if err1 != nil || err2 != nil || !out.After(in) {
			return Action{}, false
		}
		a.CheckIn, a.CheckOut = in, out
		if a.Kind == actBook {
			g, ok := positive(parts[4])
			if !ok || g > booking.MaxGuests {
				return Action{}, false
			}
			a.Guests = int(g)
		}
	case actCancel, actPay:
		if len(parts) < 2 || len(parts) > 3 || (a.Kind == actPay && len(parts) != 2) {
			return Action{}, false
		}
		code, ok := booking.NormalizeHoldCode(parts[1])
		if !ok || code != parts[1] {
			return Action{}, false
		}
		a.Code = code
		if len(parts) == 3 {
			if parts[2] != answerYes && parts[2] != answerNo {
				return Action{}, false
			}
			a.Arg = parts[2]
		}
	case actHuman:
		if len(parts) != 1 {
			return Action{}, false
		}
	default:
		return Action{}, false
	}
	return a, true
}

func positive(s string) (int64, bool) {
	if s == "" || len(s) > 12 || s[0] == '0' {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

func isHelpTopic(t string) bool {
	switch t {
	case helpPolicies, helpCheckin, helpAmenities, helpDirections:
		return true
	}
	return false
}
