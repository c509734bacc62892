package whatsapp

import (
	"fmt"
	"unicode/utf8"
)

// Meta limits for outbound messages (providers.md A.5), counted in characters (runes).
const (
	MaxTextBody           = 4096
	MaxButtons            = 3
	MaxButtonID           = 256
	MaxButtonTitle        = 20
	MaxButtonsBody        = 1024
	MaxHeader             = 60
	MaxFooter             = 60
	MaxListBody           = 4096
	MaxListButtonText     = 20
	MaxListSections       = 10
	MaxListRows           = 10 // across all sections
	MaxListSectionTitle   = 24
	MaxListRowID          = 200
	MaxListRowTitle       = 24
	MaxListRowDescription = 72
)

// Button is one reply button.
type Button struct {
	ID    string // returned as ReplyID when tapped; at most 256 characters, unique
	Title string // at most 20 characters, unique
}

// Buttons is an interactive reply-buttons message (interactive type "button"). Header and
// Footer are optional; Header is sent as a text header.
type Buttons struct {
	Header  string
	Body    string
	Footer  string
	Buttons []Button
}

// Row is one selectable row of a list message.
type Row struct {
	ID          string // at most 200 characters, unique in the list
	Title       string // at most 24 characters
	Description string // optional, at most 72 characters
}

// Section groups rows of a list message.
type Section struct {
	Title string // at most 24 characters; required when the list has more than one section
	Rows  []Row
}

// List is an interactive list message (interactive type "list").
type List struct {
	Header     string
	Body       string
	Footer     string
	ButtonText string // the button that opens the list; at most 20 characters
	Sections   []Section
}

// Validate checks b against Meta's limits for reply buttons.
func (b Buttons) Validate() error {
	if err := checkText("body", b.Body, true, MaxButtonsBody); err != nil {
		return err
	}
	if err := checkText("header", b.Header, false, MaxHeader); err != nil {
		return err
	}
	if err := checkText("footer", b.Footer, false, MaxFooter); err != nil {
		return err
	}
	if n := len(b.Buttons); n < 1 || n > MaxButtons {
		return invalid("buttons", "has %d entries, want 1 to %d", n, MaxButtons)
	}
	ids := make(map[string]int, len(b.Buttons))
	titles := make(map[string]int, len(b.Buttons))
	for i, btn := range b.Buttons {
		if err := checkText(fmt.Sprintf("buttons[%d].id", i), btn.ID, true, MaxButtonID); err != nil {
			return err
		}
		if err := checkText(fmt.Sprintf("buttons[%d].title", i), btn.Title, true, MaxButtonTitle); err != nil {
			return err
		}
		if j, dup := ids[btn.ID]; dup {
			return invalid(fmt.Sprintf("buttons[%d].id", i), "repeats buttons[%d].id", j)
		}
		if j, dup := titles[btn.Title]; dup {
			return invalid(fmt.Sprintf("buttons[%d].title", i), "repeats buttons[%d].title", j)
		}
		ids[btn.ID] = i
		titles[btn.Title] = i
	}
	return nil
}

// Validate checks l against Meta's limits for list messages.
func (l List) Validate() error {
	if err := checkText("body", l.Body, true, MaxListBody); err != nil {
		return err
	}
	if err := checkText("header", l.Header, false, MaxHeader); err != nil {
		return err
	}
	if err := checkText("footer", l.Footer, false, MaxFooter); err != nil {
		return err
	}
	if err := checkText("button_text", l.ButtonText, true, MaxListButtonText); err != nil {
		return err
	}
	if n := len(l.Sections); n < 1 || n > MaxListSections {
		return invalid("sections", "has %d entries, want 1 to %d", n, MaxListSections)
	}
	rows := 0
	ids := make(map[string]string)
	for i, s := range l.Sections {
		if err := checkText(fmt.Sprintf("sections[%d].title", i), s.Title, len(l.Sections) > 1, MaxListSectionTitle); err != nil {
			return err
		}
		if len(s.Rows) == 0 {
			return invalid(fmt.Sprintf("sections[%d].rows", i), "is empty")
		}
		for j, r := range s.Rows {
			rows++
			field := fmt.Sprintf("sections[%d].rows[%d]", i, j)
			if err := checkText(field+".id", r.ID, true, MaxListRowID); err != nil {
				return err
			}
			if err := checkText(field+".title", r.Title, true, MaxListRowTitle); err != nil {
				return err
			}
			if err := checkText(field+".description", r.Description, false, MaxListRowDescription); err != nil {
				return err
			}
			if prev, dup := ids[r.ID]; dup {
				return invalid(field+".id", "repeats %s.id", prev)
			}
			ids[r.ID] = field
		}
	}
	if rows > MaxListRows {
		return invalid("sections", "hold %d rows in total, max %d", rows, MaxListRows)
	}
	return nil
}

func checkText(field, s string, required bool, max int) error {
	if s == "" {
		if required {
			return invalid(field, "is required")
		}
		return nil
	}
	if !utf8.ValidString(s) {
		return invalid(field, "is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return invalid(field, "is %d characters, max %d", n, max)
	}
	return nil
}
