package whatsapp_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/reservas/reservas/handlers/whatsapp"
	"github.com/reservas/reservas/handlers/whatsapp/whatsapptest"
)

func TestSendTemplate(t *testing.T) {
	s := newFake(t, whatsapptest.Options{})
	c := newClient(s)
	wamid, err := c.SendTemplate(t.Context(), guest, whatsapp.Template{Name: "aviso_reservas", Language: "es_AR", Body: []string{"Reserva ABC123 confirmada"}})
	if err != nil {
		t.Fatalf("SendTemplate: %v", err)
	}
	m := onlySent(t, s)
	if m.WAMID != wamid || m.Type != "template" || m.Template != "aviso_reservas" || m.TemplateLanguage != "es_AR" || m.Text != "Reserva ABC123 confirmada" {
		t.Fatalf("sent = %+v", m)
	}
	sameJSON(t, m.Raw, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+5491155550000","type":"template",
		"template":{"name":"aviso_reservas","language":{"code":"es_AR"},"components":[{"type":"body","parameters":[{"type":"text","text":"Reserva ABC123 confirmada"}]}]}}`)
}

func TestTemplateParamsFollowMetasRules(t *testing.T) {
	s := newFake(t, whatsapptest.Options{})
	c := newClient(s)
	for _, p := range []string{"two\nlines", "a\ttab", "five     spaces", ""} {
		_, err := c.SendTemplate(t.Context(), guest, whatsapp.Template{Name: "t", Language: "es", Body: []string{p}})
		var ve *whatsapp.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("parameter %q: err = %v, want a ValidationError before any request", p, err)
		}
	}
	if n := len(s.Sent()); n != 0 {
		t.Fatalf("%d invalid templates reached Graph", n)
	}
	text := "✅ Reserva *ABC123* confirmada\n\nCabaña Coihue\tdel 12 al 15      de enero\n"
	p := whatsapp.TemplateParam(text)
	if p != "✅ Reserva *ABC123* confirmada · Cabaña Coihue del 12 al 15 de enero" {
		t.Fatalf("TemplateParam = %q", p)
	}
	if long := whatsapp.TemplateParam(strings.Repeat("á", 2000)); len([]rune(long)) != whatsapp.MaxTemplateParam || !strings.HasSuffix(long, "…") {
		t.Fatalf("long parameter cut to %d runes", len([]rune(long)))
	}
	if _, err := c.SendTemplate(t.Context(), guest, whatsapp.Template{Name: "t", Language: "es", Body: []string{p}}); err != nil {
		t.Fatalf("a TemplateParam result was refused: %v", err)
	}
}

// Outside the 24-hour window Graph refuses free-form messages with 131047 and takes templates.
func TestClosedWindowTakesOnlyTemplates(t *testing.T) {
	s := newFake(t, whatsapptest.Options{})
	c := newClient(s)
	s.CloseWindow(guest)
	if _, err := c.SendText(t.Context(), guest, "hola"); !errors.Is(err, whatsapp.ErrOutsideWindow) {
		t.Fatalf("text outside the window: %v, want ErrOutsideWindow", err)
	}
	if _, err := c.SendTemplate(t.Context(), guest, whatsapp.Template{Name: "t", Language: "es", Body: []string{"hola"}}); err != nil {
		t.Fatalf("template outside the window: %v", err)
	}
	s.OpenWindow(guest)
	if _, err := c.SendText(t.Context(), guest, "hola"); err != nil {
		t.Fatalf("text after the window reopened: %v", err)
	}
}
