package admin_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/hibiken/asynq"

	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/store"
)

// chromiumPath finds Debian's chromium; under CI=true its absence fails the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	msg := "chromium is not installed (apt-get install chromium)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// browser starts a headless Chromium with a phone-sized window.
func browser(t *testing.T) context.Context {
	t.Helper()
	// Not t.TempDir(): Chromium's helpers may still write there for a moment after it is killed.
	profile, err := os.MkdirTemp("", "admin-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(412, 915),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc(); _ = os.RemoveAll(profile) })
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(ctx, actions...); err != nil {
		var url, body string
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_ = chromedp.Run(dctx, chromedp.Location(&url), chromedp.OuterHTML("body", &body, chromedp.ByQuery))
		cancel()
		if len(body) > 3000 {
			body = body[:3000]
		}
		t.Fatalf("%s: %v\nat %s\n%s", what, err, url, body)
	}
}

// TestBrowserLoginCalendarCancelAndRetryDeadTask drives the admin in a real headless Chromium
// the way an owner would on a phone: log in, find a booking on the month's calendar, cancel it,
// then retry a dead task in asynqmon.
func TestBrowserLoginCalendarCancelAndRetryDeadTask(t *testing.T) {
	e := newEnv(t)
	ctx := browser(t)
	email := e.user(store.RoleAdmin)
	cab := e.cabin(0)
	b := e.booking(cab.ID, booking.Date(2026, 12, 18), booking.Date(2026, 12, 21), "Lucía Fernández")
	e.deadTask("pay:browser-1")

	// 1. Log in (the admin sends us to the login page and back to where we were going).
	run(t, ctx, "log in",
		chromedp.Navigate(e.srv.URL+"/admin/calendar?cabin="+itoa(cab.ID)+"&month=2026-12"),
		chromedp.WaitVisible(`input[name=email]`, chromedp.ByQuery),
		chromedp.SendKeys(`input[name=email]`, email, chromedp.ByQuery),
		chromedp.SendKeys(`input[name=password]`, password, chromedp.ByQuery),
		chromedp.Submit(`input[name=password]`, chromedp.ByQuery),
		chromedp.WaitVisible(`table.cal`, chromedp.ByQuery),
	)

	// 2. The booking is on the calendar, on its three nights.
	var chips []*cdp.Node
	run(t, ctx, "find the booking on the calendar",
		chromedp.Nodes(`td[data-date="2026-12-19"] a.chip.booking`, &chips, chromedp.ByQuery),
	)
	var title string
	run(t, ctx, "read the booking chip",
		chromedp.Text(`td[data-date="2026-12-19"] a.chip.booking`, &title, chromedp.ByQuery),
	)
	if strings.TrimSpace(title) != b.Code {
		t.Fatalf("calendar chip on 19 December reads %q, want %s", title, b.Code)
	}
	var nights int
	run(t, ctx, "count the booking's nights",
		chromedp.Evaluate(`document.querySelectorAll('a.chip.booking[href$="`+b.ID+`"]').length`, &nights))
	if nights != 3+1 { // three nights in the grid plus the month's list below it
		t.Errorf("the booking shows %d times, want 3 nights + 1 list entry", nights)
	}

	// 3. Open it and cancel it, accepting the "are you sure?" dialog.
	dialogs := make(chan string, 4)
	chromedp.ListenTarget(ctx, func(ev any) {
		if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			dialogs <- d.Message
			go func() { _ = chromedp.Run(ctx, page.HandleJavaScriptDialog(true)) }()
		}
	})
	var status string
	run(t, ctx, "open the booking and cancel it",
		chromedp.Click(`td[data-date="2026-12-19"] a.chip.booking`, chromedp.ByQuery),
		chromedp.WaitVisible(`#cancel`, chromedp.ByID),
		chromedp.Click(`#cancel`, chromedp.ByID),
		chromedp.WaitVisible(`p.notice`, chromedp.ByQuery),
		chromedp.Text(`#status`, &status, chromedp.ByID),
	)
	if status != "cancelada" {
		t.Fatalf("status after cancel reads %q", status)
	}
	if dialog := <-dialogs; !strings.Contains(dialog, "¿Cancelar la reserva "+b.Code+" de Lucía Fernández?") {
		t.Errorf("confirmation dialog said %q", dialog)
	}
	got, err := e.store.GetReservation(context.Background(), b.ID)
	if err != nil || got.Status != booking.StatusCancelled {
		t.Fatalf("after cancelling in the browser: %s %v", got.Status, err)
	}
	run(t, ctx, "the calendar no longer shows it",
		chromedp.Navigate(e.srv.URL+"/admin/calendar?cabin="+itoa(cab.ID)+"&month=2026-12"),
		chromedp.WaitVisible(`table.cal`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('a.chip.booking').length`, &nights),
	)
	if nights != 0 {
		t.Fatalf("%d booking chips after the cancel", nights)
	}

	// 4. Retry the dead task in asynqmon, behind the same login.
	const row = `//table[@aria-label="archived tasks table"]//tbody/tr[.//th[contains(., "pay:browser")]]`
	run(t, ctx, "retry the archived task in asynqmon",
		chromedp.Navigate(e.srv.URL+"/admin/queues/queues/default?status=archived"),
		chromedp.WaitVisible(row, chromedp.BySearch),
		chromedp.Click(row+`//input[@type="checkbox"]`, chromedp.BySearch),
		chromedp.WaitVisible(`button[title="Run"]`, chromedp.ByQuery),
		chromedp.Click(`button[title="Run"]`, chromedp.ByQuery),
		chromedp.WaitNotPresent(row, chromedp.BySearch),
	)
	if st := e.taskState("pay:browser-1"); st != asynq.TaskStatePending {
		t.Fatalf("task state after Run in asynqmon = %v, want pending", st)
	}
}
