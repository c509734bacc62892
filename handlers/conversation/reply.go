package conversation

import (
	"strconv"

	"github.com/reservas/reservas/handlers/whatsapp"
)

// Reply is one message to the guest: text, reply buttons or a list. Exactly one of Buttons
// and List is set for an interactive message; Text is the whole message otherwise.
type Reply struct {
	Text    string
	Buttons *whatsapp.Buttons
	List    *whatsapp.List
}

// Body is the reply's main text whatever its kind.
func (r Reply) Body() string {
	switch {
	case r.Buttons != nil:
		return r.Buttons.Body
	case r.List != nil:
		return r.List.Body
	}
	return r.Text
}

// The builders below never produce a message Meta would refuse: they clip titles and
// bodies to Meta's limits, drop repeated ids and titles, keep at most 3 buttons and 10 rows,
// and validate the result; should it still be invalid, the body goes out as plain text.

func textReply(s string) Reply {
	return Reply{Text: clip(s, whatsapp.MaxTextBody)}
}

func buttonsReply(body string, buttons ...whatsapp.Button) Reply {
	b := whatsapp.Buttons{Body: clip(body, whatsapp.MaxButtonsBody)}
	ids, titles := map[string]bool{}, map[string]bool{}
	for _, btn := range buttons {
		if len(b.Buttons) == whatsapp.MaxButtons {
			break
		}
		btn.Title = clip(btn.Title, whatsapp.MaxButtonTitle)
		if btn.ID == "" || btn.Title == "" || ids[btn.ID] || len(btn.ID) > whatsapp.MaxButtonID {
			continue
		}
		if titles[btn.Title] {
			btn.Title = uniqueTitle(btn.Title, titles, whatsapp.MaxButtonTitle)
		}
		ids[btn.ID], titles[btn.Title] = true, true
		b.Buttons = append(b.Buttons, btn)
	}
	if len(b.Buttons) == 0 || b.Validate() != nil {
		return textReply(body)
	}
	return Reply{Buttons: &b}
}

func listReply(body, button string, rows []whatsapp.Row) Reply {
	l := whatsapp.List{Body: clip(body, whatsapp.MaxListBody), ButtonText: clip(button, whatsapp.MaxListButtonText)}
	var sec whatsapp.Section
	ids := map[string]bool{}
	for _, r := range rows {
		if len(sec.Rows) == whatsapp.MaxListRows {
			break
		}
		r.Title = clip(r.Title, whatsapp.MaxListRowTitle)
		r.Description = clip(r.Description, whatsapp.MaxListRowDescription)
		if r.ID == "" || r.Title == "" || ids[r.ID] || len(r.ID) > whatsapp.MaxListRowID {
			continue
		}
		ids[r.ID] = true
		sec.Rows = append(sec.Rows, r)
	}
	if len(sec.Rows) == 0 {
		return textReply(body)
	}
	l.Sections = []whatsapp.Section{sec}
	if l.Validate() != nil {
		return textReply(body)
	}
	return Reply{List: &l}
}

// uniqueTitle appends " 2", " 3"... to a repeated title, clipping to fit.
func uniqueTitle(t string, taken map[string]bool, max int) string {
	for i := 2; ; i++ {
		suffix := " " + strconv.Itoa(i)
		cand := clip(t, max-len(suffix)) + suffix
		if !taken[cand] {
			return cand
		}
	}
}

func button(a Action, title string) whatsapp.Button {
	return whatsapp.Button{ID: a.ID(), Title: title}
}
