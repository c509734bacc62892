//go:build chaos

// Package chaos breaks the running system while guests write to it (make chaos): it kills a
// worker with SIGKILL in the middle of the load, restarts Redis and Postgres, and makes the
// provider fakes answer 500 and stall past the clients' timeouts. After recovery every webhook
// the ingress accepted must have been processed exactly once, no reply sent twice, no booking
// doubled or confirmed without a payment, and every webhook that could not be queued must
// have been answered 503 (never 200, so that Meta retries it).
//
// It needs the chaos build tag, so `make test` never runs it.
package chaos_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reservas/reservas/deploy/e2e"
	"github.com/reservas/reservas/handlers/whatsapp/whatsapptest"
	"github.com/reservas/reservas/tasks"
)

const (
	guests   = 30
	loadFor  = 50 * time.Second
	pace     = time.Second // between one guest's messages, ± half
	recovery = 3 * time.Minute
)

var guestTexts = []string{
	"hola",
	"¿tienen lugar para el finde largo?",
	"somos 4, del 12 al 15 del mes que viene",
	"cuánto sale la noche?",
	"gracias!",
}

// delivery is one guest message and every answer the ingress gave to its attempts.
type delivery struct {
	wamid    string
	waID     string
	codes    []int // HTTP status per attempt; -1 for a transport error
	accepted bool
}

type load struct {
	sys *e2e.System
	mu  sync.Mutex
	all []*delivery
}

func (l *load) add(d *delivery) {
	l.mu.Lock()
	l.all = append(l.all, d)
	l.mu.Unlock()
}

func (l *load) record(d *delivery, code int) {
	l.mu.Lock()
	d.codes = append(d.codes, code)
	if code == http.StatusOK {
		d.accepted = true
	}
	l.mu.Unlock()
}

// deliver posts one message like Meta: again and again with backoff until it is answered 200.
func (l *load) deliver(ctx context.Context, d *delivery, body []byte) {
	backoff := 100 * time.Millisecond
	deadline := time.Now().Add(3 * time.Minute)
	for {
		code, err := l.sys.Post(ctx, body)
		if err != nil {
			code = -1
		}
		l.record(d, code)
		if code == http.StatusOK || time.Now().After(deadline) || ctx.Err() != nil {
			return
		}
		time.Sleep(backoff)
		backoff = min(2*backoff, 2*time.Second)
	}
}

// guest writes one message after another (the next once the last was accepted) until stop.
func (l *load) guest(ctx context.Context, waID string, stop <-chan struct{}) {
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		wamid := l.sys.NewWamid(waID)
		d := &delivery{wamid: wamid, waID: waID}
		l.add(d)
		body := whatsapptest.TextWebhook(l.sys.Graph.PhoneNumberID(), waID, "Huésped", wamid, guestTexts[i%len(guestTexts)], time.Now())
		l.deliver(ctx, d, body)
		time.Sleep(pace/2 + rand.N(pace))
	}
}

func TestChaos(t *testing.T) {
	svc := startServices(t)
	sys := e2e.Start(t, e2e.Options{DatabaseURL: svc.DatabaseURL(), RedisURL: svc.RedisURL(), RedisDB: 1,
		WorkerConcurrency: 10, LogLevel: "warn"})
	ctx := context.Background()
	l := &load{sys: sys}
	start := time.Now()
	logf := func(format string, args ...any) {
		t.Logf("%6.1fs  %s", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range guests {
		waID := fmt.Sprintf("5493510%06d", i)
		wg.Go(func() { l.guest(ctx, waID, stop) })
	}

	at := func(d time.Duration) { time.Sleep(time.Until(start.Add(d))) }
	var refused []string

	// Waves of guests racing for one stay each and paying for what they get, each wave
	// launched just before a fault.
	var bookers []*booker
	var bwg sync.WaitGroup
	wave := func(n, ahead int) {
		in, out := e2e.FutureStay(ahead, 4)
		logf("wave %d: %d guests race for %s", n, int(payModes), e2e.StayES(in, out))
		for m := range payModes {
			b := &booker{sys: sys, mode: m, in: in, out: out,
				g: sys.Guest(fmt.Sprintf("5493517%02d%04d", n, m), fmt.Sprintf("Viajero %d-%d", n, m))}
			bookers = append(bookers, b)
			bwg.Go(func() { b.run(ctx, l) })
		}
	}
	at(3 * time.Second)
	wave(1, 30)

	at(5 * time.Second)
	w1 := sys.Workers[0]
	logf("kill -9 %s (pid %d) mid-load", w1.Name, w1.Pid())
	w1.Kill()
	at(9 * time.Second)
	w1.Restart(t)
	logf("%s restarted", w1.Name)

	at(13 * time.Second)
	logf("Redis down")
	svc.stopRedis(t)
	// While Redis is down nothing can be queued: each webhook must get 503 so Meta retries it.
	for i := range 5 {
		waID := fmt.Sprintf("5493519%06d", i)
		wamid := sys.NewWamid(waID)
		code, err := sys.Post(ctx, whatsapptest.TextWebhook(sys.Graph.PhoneNumberID(), waID, "Sonda", wamid, "hola", time.Now()))
		if err != nil || code != http.StatusServiceUnavailable {
			t.Errorf("webhook while Redis is down: %d %v, want 503", code, err)
		}
		refused = append(refused, wamid)
	}
	time.Sleep(2 * time.Second)
	svc.run(t, "up")
	logf("Redis up again")

	at(19 * time.Second)
	wave(2, 70)
	at(22 * time.Second)
	logf("Postgres restart")
	svc.run(t, "restart-pg")
	logf("Postgres up again")

	at(27 * time.Second)
	wave(3, 100)
	at(28 * time.Second)
	logf("WhatsApp Graph API answers 500 to the next 40 calls")
	sys.Graph.FailNext(40, http.StatusInternalServerError, 2)
	at(33 * time.Second)
	logf("WhatsApp Graph API stalls 35 s (past the client's 30 s timeout) for 2 s")
	sys.Graph.SetLatency(35 * time.Second)
	time.Sleep(2 * time.Second)
	sys.Graph.SetLatency(0)
	logf("WhatsApp Graph API answers in time again")

	at(38 * time.Second)
	w2 := sys.Workers[1]
	logf("kill -9 %s (pid %d) mid-load", w2.Name, w2.Pid())
	w2.Kill()
	at(41 * time.Second)
	w2.Restart(t)
	logf("%s restarted", w2.Name)

	at(40 * time.Second)
	wave(4, 130)
	at(44 * time.Second)
	logf("Mercado Pago API answers 500 to the next 20 calls")
	sys.MP.FailAPI(20, http.StatusInternalServerError)
	at(47 * time.Second)
	logf("Mercado Pago API stalls 35 s on the next 3 calls")
	sys.MP.StallAPI(3, 35*time.Second)

	at(loadFor)
	close(stop)
	wg.Wait()
	bwg.Wait()
	for _, b := range bookers {
		logf("booker %s (%s): %s", b.g.Name, b.mode, b.outcome)
	}
	logf("load stopped; waiting for the system to drain")
	if err := sys.Quiet(recovery, 3*time.Second); err != nil {
		// Go on: the checks below tell what the unfinished work means for the guests.
		t.Errorf("the system did not recover within %s: %v", recovery, err)
		retrying, err := sys.RetryingMessages()
		if err != nil {
			t.Fatal(err)
		}
		for w, next := range retrying {
			handled := sys.Count(t, `SELECT count(*) FROM inbound_messages WHERE wamid = $1 AND processed_at IS NOT NULL`, w) == 1
			what := "NOT handled yet: the guest waits until then"
			if handled {
				what = "already handled by a later message of the guest; were it the guest's last, the guest would wait until then"
			}
			logf("message %s… retries at %s (in %s): %s", w[:24], next.Format(time.TimeOnly), time.Until(next).Round(time.Second), what)
		}
	} else {
		logf("queues idle, no new replies for 3 s")
	}

	// What the guests saw of the ingress.
	codes := map[int]int{}
	var accepted, never []string
	for _, d := range l.all {
		for _, c := range d.codes {
			codes[c]++
		}
		if d.accepted {
			accepted = append(accepted, d.wamid)
		} else {
			never = append(never, d.wamid)
		}
	}
	logf("%d messages from %d guests, %d accepted; answers by status: %v; %d replies sent",
		len(l.all), guests, len(accepted), codes, len(sys.Graph.Sent()))
	if len(never) > 0 {
		t.Errorf("%d messages never accepted after 3 minutes of retries: %v", len(never), never[:min(5, len(never))])
	}
	for c, n := range codes {
		if c != http.StatusOK && c != http.StatusServiceUnavailable {
			t.Errorf("the ingress answered %d (%d times): a webhook it cannot queue must get 503", c, n)
		}
	}
	if codes[http.StatusServiceUnavailable] == 0 {
		t.Errorf("no webhook of the load got a 503 while Redis was down: the outage was not exercised")
	}
	if n := sys.Count(t, `SELECT count(*) FROM inbound_messages WHERE wamid = ANY($1)`, refused); n != 0 {
		t.Errorf("%d webhooks answered 503 while Redis was down were processed anyway", n)
	}

	vs, err := sys.ReplyViolations(ctx, accepted)
	e2e.CheckViolations(t, vs, err)
	vs, err = sys.BookingViolations(ctx)
	e2e.CheckViolations(t, vs, err)
	var confirmed, held int
	if err := sys.DB.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'confirmed'), count(*) FROM reservations
		WHERE kind = 'booking'`).Scan(&confirmed, &held); err != nil {
		t.Fatal(err)
	}
	decisions, err := sys.PaymentDecisions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	logf("%d bookings held, %d confirmed; payments by status/outcome: %v; %d at the fake Mercado Pago",
		held, confirmed, decisions, len(sys.MP.Payments()))
	for _, b := range bookers {
		if b.promised != "" && !b.linkArrived() {
			t.Errorf("%s was promised the payment link for later and never got it", b.g.Name)
		}
	}
	if undecided := decisions["approved/"]; undecided > 0 {
		t.Errorf("%d approved payments nobody acted on (neither confirmed, refunded nor sent to review)", undecided)
	}

	dead, err := sys.DeadTasks()
	if err != nil {
		t.Fatal(err)
	}
	var given []string
	for k, n := range dead {
		// A message that waited out its retries behind an earlier one of the same guest is
		// still handled by the worker that handles the earlier one (checked above).
		if strings.HasPrefix(k, "whatsapp:message: waiting for the guest's earlier message") {
			logf("%d message tasks archived after waiting behind an earlier message (their messages were handled)", n)
			continue
		}
		// A periodic task that failed while a provider was down is given up by design: the
		// next period does the same work.
		if strings.HasPrefix(k, tasks.TypeHoldsExpire+":") || strings.HasPrefix(k, tasks.TypeICalFanout+":") ||
			strings.HasPrefix(k, tasks.TypePaymentReconcile+":") {
			logf("%d× periodic task given up (the next period redoes it): %s", n, k)
			continue
		}
		given = append(given, fmt.Sprintf("%d× %s", n, k))
	}
	sort.Strings(given)
	if len(given) > 0 {
		t.Errorf("tasks given up (archived): %v", given)
	}
	late, err := sys.OutOfOrder(ctx)
	if err != nil {
		t.Fatal(err)
	}
	logf("%d messages handled after a later message of the same guest", len(late))
	for _, p := range sys.Procs() {
		if !p.Running() {
			t.Errorf("%s is not running after recovery", p.Name)
		}
	}
}
