package admin_test

import (
	"context"
	"encoding/csv"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/tasks"
)

func TestTodayListsArrivalsDeparturesAndHolds(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.login(e.user(store.RoleAdmin))
	cab := e.cabin(0)
	arriving := e.booking(cab.ID, today, booking.AddDays(today, 3), "Lucía Arrival")
	// A stay that ends today was placed in the past: put it straight in the table.
	leaving := e.booking(cab.ID, booking.AddDays(today, 10), booking.AddDays(today, 12), "Martín Departure")
	if _, err := e.store.Pool.Exec(context.Background(), `UPDATE reservations SET check_in = $2, check_out = $3, blocked_until = $3 WHERE id = $1`,
		leaving.ID, booking.AddDays(today, -2), today); err != nil {
		t.Fatal(err)
	}
	hold := e.hold(cab.ID, booking.AddDays(today, 20), booking.AddDays(today, 22), "Sofía Hold")

	r := c.get("/admin/")
	wantStatus(t, r, http.StatusOK, "today")
	arr, dep, holds := section(r.body, "Llegan hoy"), section(r.body, "Se van hoy"), section(r.body, "Señas pendientes")
	if !strings.Contains(arr, arriving.Code) || strings.Contains(arr, leaving.Code) {
		t.Errorf("arrivals section: %s", arr)
	}
	if !strings.Contains(dep, leaving.Code) || strings.Contains(dep, arriving.Code) {
		t.Errorf("departures section: %s", dep)
	}
	if !strings.Contains(holds, hold.Code) || !strings.Contains(holds, "Sofía Hold") || !strings.Contains(holds, "30/11 12:30") {
		t.Errorf("holds section (expiry in Buenos Aires time): %s", holds)
	}
}

// section is the HTML from a heading to the next section.
func section(body, heading string) string {
	i := strings.Index(body, heading)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	if j := strings.Index(rest, "</section>"); j >= 0 {
		return rest[:j]
	}
	return rest
}

func TestCalendarShowsBookingsHoldsBlocksAndBuffers(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.login(e.user(store.RoleReadOnly))
	cab := e.cabin(1)
	b := e.booking(cab.ID, booking.Date(2026, 12, 4), booking.Date(2026, 12, 7), "Ana Booking")
	h := e.hold(cab.ID, booking.Date(2026, 12, 20), booking.Date(2026, 12, 22), "Bruno Hold")
	if _, err := e.store.AddManualBlock(context.Background(), cab.ID, booking.Date(2026, 12, 10), booking.Date(2026, 12, 12), "pintura"); err != nil {
		t.Fatal(err)
	}
	other := e.cabin(0)
	ob := e.booking(other.ID, booking.Date(2026, 12, 4), booking.Date(2026, 12, 6), "Otra Cabaña")

	r := c.get("/admin/calendar?cabin=" + itoa(cab.ID) + "&month=2026-12")
	wantStatus(t, r, http.StatusOK, "calendar")
	wantContains(t, r, "calendar", cab.Name, "diciembre 2026", "Ana Booking", "Bruno Hold", "Bloqueo: pintura")
	if strings.Contains(r.body, ob.Code) {
		t.Error("the calendar shows another cabin's booking")
	}
	// The booking's nights are 4, 5 and 6 December; the 7th is the turnover day kept free.
	for _, d := range []string{"2026-12-04", "2026-12-05", "2026-12-06"} {
		if cell := dayCell(r.body, d); !strings.Contains(cell, `chip booking`) || !strings.Contains(cell, b.Code) {
			t.Errorf("%s: %s", d, cell)
		}
	}
	if cell := dayCell(r.body, "2026-12-07"); !strings.Contains(cell, "buffer") || strings.Contains(cell, b.Code) {
		t.Errorf("turnover day 2026-12-07: %s", cell)
	}
	if cell := dayCell(r.body, "2026-12-03"); strings.Contains(cell, "chip") {
		t.Errorf("free day 2026-12-03: %s", cell)
	}
	if cell := dayCell(r.body, "2026-12-20"); !strings.Contains(cell, "chip hold") || !strings.Contains(cell, h.Code) {
		t.Errorf("hold night 2026-12-20: %s", cell)
	}
	if cell := dayCell(r.body, "2026-12-11"); !strings.Contains(cell, "chip block") {
		t.Errorf("blocked night 2026-12-11: %s", cell)
	}
	// Weeks start on Monday: 30 November 2026 is a Monday and opens the grid.
	if !strings.Contains(r.body, `data-date="2026-11-30"`) || strings.Contains(r.body, `data-date="2026-11-29"`) {
		t.Error("the December 2026 grid does not start on Monday 30 November")
	}
	wantStatus(t, c.get("/admin/calendar?cabin=99999"), http.StatusNotFound, "unknown cabin")
	wantStatus(t, c.get("/admin/calendar?month=diciembre"), http.StatusBadRequest, "bad month")
}

func dayCell(body, date string) string {
	i := strings.Index(body, `data-date="`+date+`"`)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	if j := strings.Index(rest, "</td>"); j >= 0 {
		return rest[:j]
	}
	return rest
}

func TestCancelAndConfirmFromTheReservationPage(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.login(e.user(store.RoleAdmin))
	cab := e.cabin(0)
	b := e.booking(cab.ID, booking.Date(2026, 12, 4), booking.Date(2026, 12, 7), "Ana")
	h := e.hold(cab.ID, booking.Date(2026, 12, 14), booking.Date(2026, 12, 16), "Bruno")

	r := c.get("/admin/reservations/" + b.ID)
	wantStatus(t, r, http.StatusOK, "reservation page")
	wantContains(t, r, "reservation page", b.Code, "Cancelar reserva", "Creada", "Confirmada", "$ 270.000") // 3 × 85.000 + 15.000
	if strings.Contains(r.body, "Confirmar a mano") {
		t.Error("a confirmed booking offers to be confirmed")
	}
	csrf := csrfRe.FindStringSubmatch(r.body)[1]

	r = c.do(http.MethodPost, "/admin/reservations/"+b.ID+"/cancel", url.Values{})
	wantStatus(t, r, http.StatusForbidden, "cancel without CSRF")
	r = c.do(http.MethodPost, "/admin/reservations/"+b.ID+"/cancel", url.Values{"csrf": {csrf + "x"}})
	wantStatus(t, r, http.StatusForbidden, "cancel with a wrong CSRF token")
	if got, _ := e.store.GetReservation(context.Background(), b.ID); got.Status != booking.StatusConfirmed {
		t.Fatalf("refused cancel changed the status to %s", got.Status)
	}
	r = c.do(http.MethodPost, "/admin/reservations/"+b.ID+"/cancel", url.Values{"csrf": {csrf}})
	wantStatus(t, r, http.StatusSeeOther, "cancel")
	if got, _ := e.store.GetReservation(context.Background(), b.ID); got.Status != booking.StatusCancelled {
		t.Fatalf("status after cancel = %s", got.Status)
	}
	r = c.get(r.header.Get("Location"))
	wantContains(t, r, "after cancel", "Reserva cancelada.", ">cancelada<")
	r = c.do(http.MethodPost, "/admin/reservations/"+b.ID+"/cancel", url.Values{"csrf": {csrf}})
	wantStatus(t, r, http.StatusConflict, "cancelling twice")

	r = c.do(http.MethodPost, "/admin/reservations/"+h.ID+"/confirm", url.Values{"csrf": {csrf}})
	wantStatus(t, r, http.StatusSeeOther, "manual confirm")
	if got, _ := e.store.GetReservation(context.Background(), h.ID); got.Status != booking.StatusConfirmed {
		t.Fatalf("status after manual confirm = %s", got.Status)
	}
	wantStatus(t, c.get("/admin/reservations/00000000-0000-0000-0000-000000000000"), http.StatusNotFound, "unknown reservation")
	wantStatus(t, c.get("/admin/reservations/not-a-uuid"), http.StatusNotFound, "malformed id")

	// Each guest is told by the worker: one notice task per change, none for the refused repeat.
	insp := asynq.NewInspector(e.queues)
	defer insp.Close()
	pending, err := insp.ListPendingTasks(tasks.QueueDefault)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, ti := range pending {
		if ti.Type == tasks.TypeReservationNotice {
			got[ti.ID] = true
		}
	}
	want := []string{"notice:" + b.ID + ":" + tasks.NoticeCancelledByOwner, "notice:" + h.ID + ":" + tasks.NoticeConfirmedByOwner}
	if len(got) != len(want) || !got[want[0]] || !got[want[1]] {
		t.Fatalf("guest notices queued %v, want %v", got, want)
	}
}

func TestReleaseABlockFromItsPage(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.login(e.user(store.RoleAdmin))
	cab := e.cabin(0)
	blk, err := e.store.AddManualBlock(context.Background(), cab.ID, booking.Date(2026, 12, 10), booking.Date(2026, 12, 12), "obra")
	if err != nil {
		t.Fatal(err)
	}
	r := c.get("/admin/reservations/" + blk.ID)
	wantContains(t, r, "block page", "Liberar bloqueo")
	r = c.do(http.MethodPost, "/admin/reservations/"+blk.ID+"/cancel", url.Values{"csrf": {csrfRe.FindStringSubmatch(r.body)[1]}})
	wantStatus(t, r, http.StatusSeeOther, "release")
	if got, _ := e.store.GetReservation(context.Background(), blk.ID); got.Status != booking.StatusReleased {
		t.Fatalf("status after release = %s", got.Status)
	}
}

func TestReadOnlyUserCanLookButNotChange(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.login(e.user(store.RoleReadOnly))
	cab := e.cabin(0)
	b := e.booking(cab.ID, booking.Date(2026, 12, 4), booking.Date(2026, 12, 7), "Ana")
	r := c.get("/admin/reservations/" + b.ID)
	wantStatus(t, r, http.StatusOK, "read-only reservation page")
	if strings.Contains(r.body, "Cancelar reserva") {
		t.Error("read-only user is offered the cancel button")
	}
	wantContains(t, r, "read-only page", "(solo lectura)")
	csrf := c.csrf()
	r = c.do(http.MethodPost, "/admin/reservations/"+b.ID+"/cancel", url.Values{"csrf": {csrf}})
	wantStatus(t, r, http.StatusForbidden, "read-only cancel")
	if got, _ := e.store.GetReservation(context.Background(), b.ID); got.Status != booking.StatusConfirmed {
		t.Fatalf("read-only cancel changed the status to %s", got.Status)
	}
}

func TestReservationsFilterAndCSV(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.login(e.user(store.RoleAdmin))
	a, b := e.cabin(0), e.cabin(0)
	r1 := e.booking(a.ID, booking.Date(2026, 12, 4), booking.Date(2026, 12, 7), "=HYPERLINK(\"x\")")
	r2 := e.hold(a.ID, booking.Date(2026, 12, 20), booking.Date(2026, 12, 22), "Bruno")
	r3 := e.booking(b.ID, booking.Date(2027, 1, 10), booking.Date(2027, 1, 12), "Carla")

	r := c.get("/admin/reservations?status=confirmed")
	wantStatus(t, r, http.StatusOK, "filtered list")
	if !strings.Contains(r.body, r1.Code) || !strings.Contains(r.body, r3.Code) || strings.Contains(r.body, r2.Code) {
		t.Errorf("status=confirmed shows the wrong rows")
	}
	r = c.get("/admin/reservations?cabin=" + itoa(a.ID) + "&from=2026-12-15&to=2026-12-31")
	if !strings.Contains(r.body, r2.Code) || strings.Contains(r.body, r1.Code) || strings.Contains(r.body, r3.Code) {
		t.Errorf("cabin+dates filter shows the wrong rows")
	}
	r = c.get("/admin/reservations?q=carla")
	if !strings.Contains(r.body, r3.Code) || strings.Contains(r.body, r1.Code) {
		t.Errorf("search by name shows the wrong rows")
	}
	r = c.get("/admin/reservations?q=" + strings.ToLower(r2.Code))
	if !strings.Contains(r.body, r2.Code) || strings.Contains(r.body, r3.Code) {
		t.Errorf("search by code shows the wrong rows")
	}
	wantStatus(t, c.get("/admin/reservations?status=nope"), http.StatusBadRequest, "unknown status")

	r = c.get("/admin/reservations.csv?cabin=" + itoa(a.ID))
	wantStatus(t, r, http.StatusOK, "csv")
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("content type %q", ct)
	}
	if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, "reservas-2026-11-30.csv") {
		t.Errorf("content disposition %q", cd)
	}
	rows, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v", err)
	}
	if len(rows) != 3 || rows[0][0] != "code" {
		t.Fatalf("csv rows: %q", rows)
	}
	if rows[1][0] != r1.Code || rows[1][4] != "2026-12-04" || rows[1][6] != "3" || rows[1][10] != "270000.00" {
		t.Errorf("first row %q", rows[1])
	}
	if !strings.HasPrefix(rows[1][8], "'=") {
		t.Errorf("a formula-looking guest name is not neutralised: %q", rows[1][8])
	}
	if rows[2][0] != r2.Code || rows[2][3] != "pre_reserved" {
		t.Errorf("second row %q", rows[2])
	}
}

func TestCabinsPageShowsRatesAndWithdraws(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.login(e.user(store.RoleAdmin))
	a := booking.Accommodation{Name: "Cabaña Alerce", Capacity: 5, NightlyRateCents: 9_000_000, WeekendRateCents: 11_000_000,
		CleaningFeeCents: 2_000_000, MinNights: 2, Seasons: []booking.Season{{Name: "Temporada alta", Start: booking.Date(2026, 12, 20),
			End: booking.Date(2027, 3, 1), NightlyRateCents: 12_500_000, MinNights: 3}}}
	id, err := e.store.UpsertAccommodation(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	r := c.get("/admin/cabins")
	wantStatus(t, r, http.StatusOK, "cabins")
	wantContains(t, r, "cabins", "Cabaña Alerce", "$ 90.000", "$ 110.000", "$ 20.000", "Temporada alta", "$ 125.000", "5 personas")
	r = c.do(http.MethodPost, "/admin/cabins/"+itoa(id)+"/active", url.Values{"csrf": {c.csrf()}, "active": {"false"}})
	wantStatus(t, r, http.StatusSeeOther, "withdraw")
	if on, _ := e.store.AccommodationActive(context.Background(), id); on {
		t.Fatal("cabin still on offer")
	}
	wantContains(t, c.get("/admin/cabins"), "withdrawn cabin", "fuera de oferta", "Volver a ofrecer")
}

func TestFeedsPageAddRotateRemove(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.login(e.user(store.RoleAdmin))
	cab := e.cabin(0)
	csrf := c.csrf()
	r := c.do(http.MethodPost, "/admin/feeds", url.Values{"csrf": {csrf}, "cabin": {itoa(cab.ID)}, "channel": {"Airbnb"},
		"url": {"https://www.airbnb.com/calendar/ical/123.ics?s=abc"}})
	wantStatus(t, r, http.StatusSeeOther, "add feed")
	r = c.do(http.MethodPost, "/admin/feeds", url.Values{"csrf": {csrf}, "cabin": {itoa(cab.ID)}, "channel": {"booking"}, "url": {"ftp://x"}})
	wantStatus(t, r, http.StatusBadRequest, "bad feed URL")

	r = c.get("/admin/feeds")
	wantStatus(t, r, http.StatusOK, "feeds")
	wantContains(t, r, "feeds", cab.Name, "airbnb", "http://reservas.test/ical/")
	exports, err := e.store.ListFeedExports(context.Background(), cab.ID)
	if err != nil || len(exports) != 1 {
		t.Fatalf("exports %v %v", exports, err)
	}
	old := exports[0].Token
	wantContains(t, r, "export url", exports[0].URL("http://reservas.test"))

	r = c.do(http.MethodPost, "/admin/exports/rotate", url.Values{"csrf": {csrf}, "cabin": {itoa(cab.ID)}, "channel": {"airbnb"}})
	wantStatus(t, r, http.StatusSeeOther, "rotate")
	exports, _ = e.store.ListFeedExports(context.Background(), cab.ID)
	if exports[0].Token == old {
		t.Fatal("token not rotated")
	}
	r = c.get("/admin/feeds?ok=rotated")
	if strings.Contains(r.body, old) || !strings.Contains(r.body, exports[0].Token) {
		t.Error("the feeds page does not show the new export URL only")
	}
	r = c.do(http.MethodPost, "/admin/exports/rotate", url.Values{"csrf": {csrf}, "cabin": {itoa(cab.ID)}, "channel": {"vrbo"}, "create": {"true"}})
	wantStatus(t, r, http.StatusSeeOther, "create export")
	if exports, _ = e.store.ListFeedExports(context.Background(), cab.ID); len(exports) != 2 {
		t.Fatalf("%d exports after creating one for vrbo", len(exports))
	}

	feeds, _ := e.store.ListFeeds(context.Background(), store.FeedFilter{})
	r = c.do(http.MethodPost, "/admin/feeds/"+itoa(feeds[0].ID)+"/delete", url.Values{"csrf": {csrf}})
	wantStatus(t, r, http.StatusSeeOther, "remove feed")
	if feeds, _ = e.store.ListFeeds(context.Background(), store.FeedFilter{}); len(feeds) != 0 {
		t.Fatalf("%d feeds after removing the only one", len(feeds))
	}
}

func TestConversationTakeOverAndGiveBack(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	email := e.user(store.RoleAdmin)
	c.login(email)
	ctx := context.Background()
	wa := "5491155001122"
	if err := e.store.EnsureConversation(ctx, wa, "Ana"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.InsertInbound(ctx, store.Inbound{Wamid: "wamid.A1", WaID: wa, ProfileName: "Ana", Type: "text",
		Body: "hola, hay lugar el finde?", Seq: 1, SentAt: now.Add(-time5m)}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.RecordOutbound(ctx, store.Outbound{Wamid: "wamid.B1", WaID: wa, InReplyTo: "wamid.A1", Kind: "text",
		Body: "¡Hola Ana! Sí, tenemos lugar."}); err != nil {
		t.Fatal(err)
	}
	r := c.get("/admin/conversations")
	wantStatus(t, r, http.StatusOK, "conversations")
	wantContains(t, r, "conversations", "Ana", "+"+wa)
	r = c.get("/admin/conversations/" + wa)
	wantContains(t, r, "conversation", "hola, hay lugar el finde?", "¡Hola Ana! Sí, tenemos lugar.", "Tomar la conversación")

	csrf := csrfRe.FindStringSubmatch(r.body)[1]
	r = c.do(http.MethodPost, "/admin/conversations/"+wa+"/takeover", url.Values{"csrf": {csrf}})
	wantStatus(t, r, http.StatusSeeOther, "take over")
	conv, err := e.store.GetConversation(ctx, wa)
	if err != nil || !conv.BotPaused {
		t.Fatalf("after take over: paused=%v err=%v", conv.BotPaused, err)
	}
	r = c.get(r.header.Get("Location"))
	wantContains(t, r, "taken over", "La atiende una persona", email, "Devolver al bot")
	wantContains(t, c.get("/admin/conversations?paused=1"), "paused filter", "+"+wa)
	wantContains(t, c.get("/admin/"), "today lists paused", "Conversaciones tomadas por una persona")

	r = c.do(http.MethodPost, "/admin/conversations/"+wa+"/handback", url.Values{"csrf": {csrf}})
	wantStatus(t, r, http.StatusSeeOther, "give back")
	if conv, _ = e.store.GetConversation(ctx, wa); conv.BotPaused {
		t.Fatal("still paused after giving back")
	}
	r = c.do(http.MethodPost, "/admin/conversations/5490000000000/takeover", url.Values{"csrf": {csrf}})
	wantStatus(t, r, http.StatusNotFound, "unknown conversation")
}

func TestReservationTimelineShowsMessagesAndPayments(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.login(e.user(store.RoleReadOnly))
	ctx := context.Background()
	cab := e.cabin(0)
	h := e.hold(cab.ID, booking.Date(2026, 12, 4), booking.Date(2026, 12, 7), "Ana")
	if err := e.store.EnsureConversation(ctx, h.GuestPhone, "Ana"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.InsertInbound(ctx, store.Inbound{Wamid: "wamid.T1", WaID: h.GuestPhone, Type: "text",
		Body: "quiero reservar del 4 al 7", Seq: 1, SentAt: now.Add(-2 * time5m)}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.RecordOutbound(ctx, store.Outbound{Wamid: "wamid.T2", WaID: h.GuestPhone, InReplyTo: "wamid.T1",
		Kind: "text", Body: "Te reservé la Cabaña. Pagá la seña acá"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.SavePaymentLink(ctx, store.PaymentLink{ReservationID: h.ID, PreferenceID: "pref-1",
		InitPoint: "https://www.mercadopago.com.ar/checkout/v1/redirect?pref_id=pref-1", AmountCents: h.DepositCents, Currency: "ARS"}); err != nil {
		t.Fatal(err)
	}
	approved := now.Add(time5m)
	for _, st := range []string{"pending", "approved"} {
		if _, err := e.store.RecordPayment(ctx, store.PaymentUpdate{MPPaymentID: 987654321, ReservationID: h.ID,
			ExternalReference: h.ID, Status: st, AmountCents: h.DepositCents, Currency: "ARS", Source: "webhook",
			DateApproved: &approved, Now: approved}); err != nil {
			t.Fatal(err)
		}
	}
	r := c.get("/admin/reservations/" + h.ID)
	wantStatus(t, r, http.StatusOK, "reservation page")
	wantContains(t, r, "timeline", "quiero reservar del 4 al 7", "Te reservé la Cabaña. Pagá la seña acá",
		"Link de pago por $ 81.000", "Pago MP 987654321: pendiente $ 81.000", "Pago MP 987654321: aprobado $ 81.000")
	if i, j := strings.Index(r.body, "quiero reservar"), strings.Index(r.body, "aprobado $ 81.000"); i < 0 || j < i {
		t.Error("the timeline is not in time order")
	}
	code, body := c.api(http.MethodGet, "/api/v1/reservations/"+h.ID, "")
	if code != http.StatusOK || !strings.Contains(toJSON(body), `"kind":"payment"`) {
		t.Fatalf("API timeline: %d %v", code, body)
	}
}

// The owner finds a guest's voice notes on the conversation page, with what was heard (or why
// not) and the audio itself to play.
func TestConversationShowsVoiceNotes(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.login(e.user(store.RoleAdmin))
	ctx := context.Background()
	wa := "5491155003344"
	audio := []byte("OggS fake opus bytes for the player")
	for _, n := range []struct {
		wamid, transcript string
	}{{"wamid.V1", "quiero reservar del doce al quince"}, {"wamid.V2", ""}} {
		if _, err := e.store.InsertInbound(ctx, store.Inbound{Wamid: n.wamid, WaID: wa, ProfileName: "Beto", Type: "audio",
			Seq: 1, SentAt: now.Add(-time5m)}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.EnsureVoiceNote(ctx, store.VoiceNote{Wamid: n.wamid, WaID: wa, MediaID: "m-" + n.wamid, Voice: true}); err != nil {
			t.Fatal(err)
		}
		if err := e.store.SaveVoiceNoteAudio(ctx, n.wamid, store.VoiceNoteAudio{MimeType: "audio/ogg", Size: int64(len(audio)), Audio: audio}); err != nil {
			t.Fatal(err)
		}
		if n.transcript != "" {
			if err := e.store.RecordVoiceNoteTranscript(ctx, n.wamid, n.transcript, "es"); err != nil {
				t.Fatal(err)
			}
		} else if err := e.store.RecordVoiceNoteFailure(ctx, n.wamid, "timeout", "stt timed out", true); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.store.EnsureConversation(ctx, wa, "Beto"); err != nil {
		t.Fatal(err)
	}
	r := c.get("/admin/conversations/" + wa)
	wantStatus(t, r, http.StatusOK, "conversation")
	wantContains(t, r, "voice notes", "Notas de voz", "quiero reservar del doce al quince", "no se pudo transcribir", "timeout",
		`src="/admin/voice-notes/wamid.V1"`)
	r = c.get("/admin/voice-notes/wamid.V1")
	wantStatus(t, r, http.StatusOK, "audio")
	if r.body != string(audio) || r.header.Get("Content-Type") != "audio/ogg" {
		t.Fatalf("audio served %q as %q", r.body, r.header.Get("Content-Type"))
	}
	wantStatus(t, c.get("/admin/voice-notes/wamid.nope"), http.StatusNotFound, "unknown voice note")

	// Past AUDIO_RETENTION_DAYS the audio is gone and the page says so; the transcript stays.
	if _, err := e.store.Pool.Exec(ctx, `UPDATE voice_notes SET created_at = now() - interval '100 days' WHERE wamid = 'wamid.V1'`); err != nil {
		t.Fatal(err)
	}
	if n, err := e.store.PurgeVoiceNoteAudio(ctx, time.Now().Add(-90*24*time.Hour)); err != nil || n != 1 {
		t.Fatalf("purge = %d, %v", n, err)
	}
	r = c.get("/admin/conversations/" + wa)
	wantContains(t, r, "purged voice note", "quiero reservar del doce al quince", "el audio se borró por antigüedad")
	wantStatus(t, c.get("/admin/voice-notes/wamid.V1"), http.StatusGone, "purged audio")
}

// The owner closes a cabin's dates from the cabins page; a block never overrides a booking,
// and a read-only login cannot close anything.
func TestCabinsPageClosesDates(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.login(e.user(store.RoleAdmin))
	cab := e.cabin(0)
	e.booking(cab.ID, booking.AddDays(today, 20), booking.AddDays(today, 23), "Ana")
	wantContains(t, c.get("/admin/cabins"), "block form", `action="/admin/cabins/`+itoa(cab.ID)+`/blocks"`, "Cerrar fechas")
	block := func(from, to time.Time, note string) resp {
		return c.do(http.MethodPost, "/admin/cabins/"+itoa(cab.ID)+"/blocks", url.Values{"csrf": {c.csrf()},
			"from": {from.Format(time.DateOnly)}, "to": {to.Format(time.DateOnly)}, "note": {note}})
	}

	r := block(booking.AddDays(today, 10), booking.AddDays(today, 14), "uso propio")
	wantStatus(t, r, http.StatusSeeOther, "close dates")
	loc := r.header.Get("Location")
	if !strings.HasPrefix(loc, "/admin/reservations/") || !strings.HasSuffix(loc, "?ok=blocked") {
		t.Fatalf("redirect to %q", loc)
	}
	wantContains(t, c.get(strings.TrimSuffix(loc, "?ok=blocked")), "the block", "bloqueo manual", "uso propio")
	// The nights are closed for guests too: a hold on them is refused.
	if _, err := e.store.PlaceHold(context.Background(), store.HoldRequest{AccommodationID: cab.ID, GuestPhone: "5491155550099",
		GuestName: "Beto", Stay: booking.Stay{CheckIn: booking.AddDays(today, 12), CheckOut: booking.AddDays(today, 13), Guests: 2},
		Now: now}, nil); !errors.Is(err, booking.ErrDatesTaken) {
		t.Fatalf("hold on closed dates: %v, want ErrDatesTaken", err)
	}

	r = block(booking.AddDays(today, 21), booking.AddDays(today, 25), "")
	wantStatus(t, r, http.StatusConflict, "block over a booking")
	wantContains(t, r, "overlap", "se superponen")
	wantStatus(t, block(booking.AddDays(today, 30), booking.AddDays(today, 30), ""), http.StatusBadRequest, "empty range")
	wantStatus(t, block(booking.AddDays(today, -3), booking.AddDays(today, 2), ""), http.StatusBadRequest, "past dates")
	wantStatus(t, block(booking.AddDays(today, 40), booking.AddDays(today, 40+400), ""), http.StatusBadRequest, "over a year")
	wantStatus(t, c.do(http.MethodPost, "/admin/cabins/"+itoa(cab.ID)+"/blocks", url.Values{"csrf": {c.csrf()}, "from": {"mañana"}, "to": {"x"}}),
		http.StatusBadRequest, "unparsable dates")

	ro := e.client()
	ro.login(e.user(store.RoleReadOnly))
	wantStatus(t, ro.do(http.MethodPost, "/admin/cabins/"+itoa(cab.ID)+"/blocks", url.Values{"csrf": {ro.csrf()},
		"from": {booking.AddDays(today, 50).Format(time.DateOnly)}, "to": {booking.AddDays(today, 52).Format(time.DateOnly)}}),
		http.StatusForbidden, "read-only login")
}
