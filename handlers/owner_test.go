package handlers_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/reservas/reservas/handlers"
	"github.com/reservas/reservas/handlers/handlerstest"
	"github.com/reservas/reservas/handlers/whatsapp"
	"github.com/reservas/reservas/handlers/whatsapp/whatsapptest"
)

func withOwnerTemplate(d *handlers.Deps) {
	d.Config.OwnerTemplate, d.Config.OwnerTemplateLanguage = "aviso_reservas", "es_AR"
}

func lastTo(t *testing.T, sys *handlerstest.System, n int) whatsapptest.SentMessage {
	t.Helper()
	got := sys.WaitReplies(t, handlerstest.OwnerPhone, n)
	if len(got) != n {
		t.Fatalf("the owner got %d messages, want %d", len(got), n)
	}
	return got[n-1]
}

func outboundKind(t *testing.T, sys *handlerstest.System, wamid string) string {
	t.Helper()
	var kind string
	if err := sys.Store.Pool.QueryRow(context.Background(), `SELECT kind FROM outbound_messages WHERE wamid = $1`, wamid).Scan(&kind); err != nil {
		t.Fatalf("outbound %s: %v", wamid, err)
	}
	return kind
}

// Owners rarely write to their own bot, so their 24-hour window is usually closed: alerts then
// go by the configured template, free text while the owner has written in the last day.
func TestOwnerAlertsUseTheTemplateOutsideTheWindow(t *testing.T) {
	sys := handlerstest.Start(t, handlerstest.Options{Configure: withOwnerTemplate})
	ctx := context.Background()

	// Never wrote: the template, without trying text first.
	if err := sys.Deps.Notify(ctx, handlerstest.OwnerPhone, "✅ Reserva *ABC123* confirmada\nCabaña Coihue, del 12 al 15"); err != nil {
		t.Fatal(err)
	}
	m := lastTo(t, sys, 1)
	if m.Type != "template" || m.Template != "aviso_reservas" || m.TemplateLanguage != "es_AR" ||
		len(m.TemplateParams) != 1 || m.TemplateParams[0] != "✅ Reserva *ABC123* confirmada · Cabaña Coihue, del 12 al 15" {
		t.Fatalf("owner alert = %+v", m)
	}
	if k := outboundKind(t, sys, m.WAMID); k != "template" {
		t.Fatalf("recorded as %q", k)
	}

	// The owner writes: the window is open, alerts are plain text again.
	sys.SendText(t, handlerstest.OwnerPhone, "hola")
	sys.WaitReplies(t, handlerstest.OwnerPhone, 2) // the bot's greeting
	sys.WaitIdle(t)
	if err := sys.Deps.Notify(ctx, handlerstest.OwnerPhone, "Nueva reserva"); err != nil {
		t.Fatal(err)
	}
	if m := lastTo(t, sys, 3); m.Type != "text" || m.Text != "Nueva reserva" {
		t.Fatalf("alert inside the window = %+v", m)
	}

	// Graph knows better (131047 at once): the same alert goes by template.
	sys.Graph.CloseWindow(handlerstest.OwnerPhone)
	if err := sys.Deps.Notify(ctx, handlerstest.OwnerPhone, "Otra reserva"); err != nil {
		t.Fatal(err)
	}
	if m := lastTo(t, sys, 4); m.Type != "template" || m.Text != "Otra reserva" {
		t.Fatalf("alert after a 131047 = %+v", m)
	}
}

// Graph may also accept a text and report 131047 later in a failed status: the worker then
// sends the same text by template.
func TestOwnerTextFailedLaterIsResentByTemplate(t *testing.T) {
	sys := handlerstest.Start(t, handlerstest.Options{Configure: withOwnerTemplate})
	ctx := context.Background()
	sys.SendText(t, handlerstest.OwnerPhone, "hola")
	sys.WaitReplies(t, handlerstest.OwnerPhone, 1)
	sys.WaitIdle(t)
	if err := sys.Deps.Notify(ctx, handlerstest.OwnerPhone, "Pago recibido\nReserva XYZ789"); err != nil {
		t.Fatal(err)
	}
	text := lastTo(t, sys, 2)
	if text.Type != "text" {
		t.Fatalf("first try = %+v, want text", text)
	}
	sys.Deliver(t, whatsapptest.StatusWebhook(sys.Graph.PhoneNumberID(), text.WAMID, handlerstest.OwnerPhone, "failed", time.Now(),
		whatsapp.StatusError{Code: whatsapp.CodeReEngagement, Title: "Re-engagement message"}))
	again := lastTo(t, sys, 3)
	if again.Type != "template" || again.Text != "Pago recibido · Reserva XYZ789" {
		t.Fatalf("resent = %+v", again)
	}
	sys.WaitIdle(t)
	if n := len(sys.RepliesTo(handlerstest.OwnerPhone)); n != 3 {
		t.Fatalf("the owner got %d messages, want 3 (no second resend)", n)
	}
}

// Without a template, a closed window refuses the alert as before (recorded failed).
func TestOwnerAlertWithoutTemplateFailsOutsideTheWindow(t *testing.T) {
	sys := handlerstest.Start(t, handlerstest.Options{})
	sys.Graph.CloseWindow(handlerstest.OwnerPhone)
	err := sys.Deps.Notify(context.Background(), handlerstest.OwnerPhone, "Nueva reserva")
	if !errors.Is(err, whatsapp.ErrOutsideWindow) {
		t.Fatalf("Notify = %v, want ErrOutsideWindow", err)
	}
	if n := len(sys.RepliesTo(handlerstest.OwnerPhone)); n != 0 {
		t.Fatalf("%d messages reached the owner", n)
	}
}
