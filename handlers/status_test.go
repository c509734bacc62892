package handlers_test

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/reservas/reservas/handlers"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/store/storetest"
	"github.com/reservas/reservas/tasks"
)

// A status can overtake our record of the send (Graph answered, the worker has not written it
// yet): the status task fails so that asynq retries it shortly, and applies once the record is
// there, instead of being dropped.
func TestStatusBeforeTheSendIsRecordedIsRetried(t *testing.T) {
	s := storetest.NewStore(t)
	ctx := context.Background()
	d := &handlers.Deps{Store: s, Log: zerolog.Nop()}
	st, err := tasks.NewWhatsAppStatus(tasks.WhatsAppStatus{ID: "wamid.out.early", State: "delivered",
		Status: []byte(`{"id":"wamid.out.early","status":"delivered","timestamp":"1749416383","recipient_id":"5491155550000"}`)})
	if err != nil {
		t.Fatal(err)
	}
	err = d.HandleWhatsAppStatus(ctx, st)
	if err == nil {
		t.Fatal("a status for an unrecorded send was dropped at once")
	}
	if delay := handlers.RetryDelay(0, err, st); delay > time.Second {
		t.Fatalf("retry in %s, want a quick one", delay)
	}
	if err := s.RecordOutbound(ctx, store.Outbound{Wamid: "wamid.out.early", WaID: "5491155550000", Kind: "text", Body: "hola"}); err != nil {
		t.Fatal(err)
	}
	if err := d.HandleWhatsAppStatus(ctx, st); err != nil {
		t.Fatal(err)
	}
	var status string
	if err := s.Pool.QueryRow(ctx, `SELECT status FROM outbound_messages WHERE wamid = 'wamid.out.early'`).Scan(&status); err != nil || status != "delivered" {
		t.Fatalf("status = %q (%v), want delivered", status, err)
	}
}
