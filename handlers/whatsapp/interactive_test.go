package whatsapp_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/reservas/reservas/handlers/whatsapp"
)

// n returns a string of k runes; "ñ" is two bytes, so limits must count runes, not bytes.
func n(k int) string { return strings.Repeat("ñ", k) }

func validButtons() whatsapp.Buttons {
	return whatsapp.Buttons{
		Header: "Cabaña del Lago",
		Body:   "¿Confirmás la reserva del 3 al 7 de marzo?",
		Footer: "Reservas",
		Buttons: []whatsapp.Button{
			{ID: "confirm", Title: "Confirmar"},
			{ID: "change", Title: "Cambiar fechas"},
			{ID: "cancel", Title: "Cancelar"},
		},
	}
}

func validList() whatsapp.List {
	return whatsapp.List{
		Header:     "Cabañas",
		Body:       "Elegí una cabaña",
		Footer:     "Precios por noche",
		ButtonText: "Ver cabañas",
		Sections: []whatsapp.Section{
			{Title: "Para 2", Rows: []whatsapp.Row{{ID: "c1", Title: "Cabaña Coihue", Description: "Vista al lago"}}},
			{Title: "Para 4", Rows: []whatsapp.Row{{ID: "c2", Title: "Cabaña Ñire"}, {ID: "c3", Title: "Cabaña Radal"}}},
		},
	}
}

func rows(k int) []whatsapp.Row {
	var out []whatsapp.Row
	for i := range k {
		out = append(out, whatsapp.Row{ID: fmt.Sprintf("r%d", i), Title: fmt.Sprintf("Row %d", i)})
	}
	return out
}

func TestButtonsValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*whatsapp.Buttons)
		field string // "" means valid
	}{
		{"valid", func(*whatsapp.Buttons) {}, ""},
		{"one button, no header or footer", func(b *whatsapp.Buttons) { b.Header, b.Footer, b.Buttons = "", "", b.Buttons[:1] }, ""},
		{"limits exactly", func(b *whatsapp.Buttons) {
			b.Body, b.Header, b.Footer = n(1024), n(60), n(60)
			b.Buttons = []whatsapp.Button{{ID: n(256), Title: n(20)}, {ID: "b", Title: n(19)}}
		}, ""},
		{"body required", func(b *whatsapp.Buttons) { b.Body = "" }, "body"},
		{"body too long", func(b *whatsapp.Buttons) { b.Body = n(1025) }, "body"},
		{"header too long", func(b *whatsapp.Buttons) { b.Header = n(61) }, "header"},
		{"footer too long", func(b *whatsapp.Buttons) { b.Footer = n(61) }, "footer"},
		{"no buttons", func(b *whatsapp.Buttons) { b.Buttons = nil }, "buttons"},
		{"four buttons", func(b *whatsapp.Buttons) { b.Buttons = append(b.Buttons, whatsapp.Button{ID: "x", Title: "X"}) }, "buttons"},
		{"title too long", func(b *whatsapp.Buttons) { b.Buttons[1].Title = n(21) }, "buttons[1].title"},
		{"title empty", func(b *whatsapp.Buttons) { b.Buttons[0].Title = "" }, "buttons[0].title"},
		{"id too long", func(b *whatsapp.Buttons) { b.Buttons[2].ID = n(257) }, "buttons[2].id"},
		{"id empty", func(b *whatsapp.Buttons) { b.Buttons[0].ID = "" }, "buttons[0].id"},
		{"duplicate id", func(b *whatsapp.Buttons) { b.Buttons[2].ID = "confirm" }, "buttons[2].id"},
		{"duplicate title", func(b *whatsapp.Buttons) { b.Buttons[1].Title = "Confirmar" }, "buttons[1].title"},
		{"invalid utf-8", func(b *whatsapp.Buttons) { b.Body = "a\xffb" }, "body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := validButtons()
			tt.edit(&b)
			checkValidation(t, b.Validate(), tt.field)
		})
	}
}

func TestListValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*whatsapp.List)
		field string
	}{
		{"valid", func(*whatsapp.List) {}, ""},
		{"one untitled section", func(l *whatsapp.List) {
			l.Header, l.Footer = "", ""
			l.Sections = []whatsapp.Section{{Rows: rows(10)}}
		}, ""},
		{"limits exactly", func(l *whatsapp.List) {
			l.Body, l.Header, l.Footer, l.ButtonText = n(4096), n(60), n(60), n(20)
			l.Sections = []whatsapp.Section{{Title: n(24), Rows: []whatsapp.Row{{ID: n(200), Title: n(24), Description: n(72)}}}}
		}, ""},
		{"ten sections of one row", func(l *whatsapp.List) {
			l.Sections = nil
			for i := range 10 {
				l.Sections = append(l.Sections, whatsapp.Section{Title: fmt.Sprint("S", i), Rows: []whatsapp.Row{{ID: fmt.Sprint("r", i), Title: "R"}}})
			}
		}, ""},
		{"body required", func(l *whatsapp.List) { l.Body = "" }, "body"},
		{"body too long", func(l *whatsapp.List) { l.Body = n(4097) }, "body"},
		{"header too long", func(l *whatsapp.List) { l.Header = n(61) }, "header"},
		{"footer too long", func(l *whatsapp.List) { l.Footer = n(61) }, "footer"},
		{"button text required", func(l *whatsapp.List) { l.ButtonText = "" }, "button_text"},
		{"button text too long", func(l *whatsapp.List) { l.ButtonText = n(21) }, "button_text"},
		{"no sections", func(l *whatsapp.List) { l.Sections = nil }, "sections"},
		{"eleven sections", func(l *whatsapp.List) {
			l.Sections = nil
			for i := range 11 {
				l.Sections = append(l.Sections, whatsapp.Section{Title: fmt.Sprint("S", i), Rows: []whatsapp.Row{{ID: fmt.Sprint("r", i), Title: "R"}}})
			}
		}, "sections"},
		{"eleven rows across sections", func(l *whatsapp.List) {
			l.Sections = []whatsapp.Section{{Title: "A", Rows: rows(6)}, {Title: "B", Rows: rows(11)[6:]}}
		}, "sections"},
		{"empty section", func(l *whatsapp.List) { l.Sections[1].Rows = nil }, "sections[1].rows"},
		{"section title too long", func(l *whatsapp.List) { l.Sections[0].Title = n(25) }, "sections[0].title"},
		{"section title required with two sections", func(l *whatsapp.List) { l.Sections[1].Title = "" }, "sections[1].title"},
		{"row id too long", func(l *whatsapp.List) { l.Sections[0].Rows[0].ID = n(201) }, "sections[0].rows[0].id"},
		{"row id empty", func(l *whatsapp.List) { l.Sections[0].Rows[0].ID = "" }, "sections[0].rows[0].id"},
		{"row title too long", func(l *whatsapp.List) { l.Sections[1].Rows[1].Title = n(25) }, "sections[1].rows[1].title"},
		{"row title empty", func(l *whatsapp.List) { l.Sections[1].Rows[0].Title = "" }, "sections[1].rows[0].title"},
		{"row description too long", func(l *whatsapp.List) { l.Sections[0].Rows[0].Description = n(73) }, "sections[0].rows[0].description"},
		{"duplicate row id across sections", func(l *whatsapp.List) { l.Sections[1].Rows[1].ID = "c1" }, "sections[1].rows[1].id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := validList()
			tt.edit(&l)
			checkValidation(t, l.Validate(), tt.field)
		})
	}
}

func checkValidation(t *testing.T, err error, field string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("Validate = %v, want nil", err)
		}
		return
	}
	if !errors.Is(err, whatsapp.ErrInvalidMessage) {
		t.Fatalf("Validate = %v, want ErrInvalidMessage", err)
	}
	var ve *whatsapp.ValidationError
	if !errors.As(err, &ve) || ve.Field != field {
		t.Fatalf("Validate = %v, want field %q", err, field)
	}
}
