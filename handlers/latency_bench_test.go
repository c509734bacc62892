package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/reservas/reservas/handlers"
	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/handlers/handlerstest"
	"github.com/reservas/reservas/handlers/whatsapp"
	"github.com/reservas/reservas/handlers/whatsapp/whatsapptest"
)

// BenchmarkReplyLatency measures what a guest waits: from the webhook POST reaching the
// ingress to the reply reaching the (fake) Graph API, through the real ingress, Redis queue,
// worker, conversation engine and Postgres, at a fixed arrival rate of new conversations.
// Every message is the heavy kind ("hola! del 12/12 al 15/12 somos 3"): NLU, an availability
// search over six cabins with a priced list, state saved, reply sent and recorded.
//
//	go test -run '^$' -bench BenchmarkReplyLatency -benchtime 600x ./handlers/
//
// b.N is the number of conversations; they arrive every 1/rate seconds whatever the system
// does (an open model, so a slow system shows up as latency instead of a slower load).
func BenchmarkReplyLatency(b *testing.B) {
	const rate = 20 // conversations per second
	interval := time.Second / rate

	sys := handlerstest.Start(b, handlerstest.Options{NoWorker: true, Configure: func(d *handlers.Deps) {
		d.Responder = handlers.NewConversationResponder(d)
	}})
	// The worker as `reservas worker` runs it (cmd/reservas/processes.go).
	wcfg := handlers.WorkerConfig(20)
	wcfg.LogLevel, wcfg.ShutdownTimeout = asynq.ErrorLevel, 5*time.Second
	srv := asynq.NewServer(sys.RedisOpt, wcfg)
	mux := asynq.NewServeMux()
	sys.Deps.Register(mux)
	if err := srv.Start(mux); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Shutdown)
	seedCabins(b, sys.Store)
	for i, name := range []string{"La Lenga", "El Ñire", "Los Maitenes", "La Araucaria"} {
		_, err := sys.Store.UpsertAccommodation(context.Background(), booking.Accommodation{Name: name, Capacity: 2 + 2*(i%3),
			NightlyRateCents: int64(3_500_000 + i*700_000), WeekendMultiplierPct: 120, CleaningFeeCents: 800_000})
		if err != nil {
			b.Fatal(err)
		}
	}

	replies, stop := sys.Graph.Subscribe()
	defer stop()
	var (
		mu      sync.Mutex
		replied = map[string]time.Time{}
		got     = make(chan struct{}, 1)
	)
	go func() {
		for m := range replies {
			mu.Lock()
			if _, ok := replied[m.WaID]; !ok {
				replied[m.WaID] = m.At
			}
			mu.Unlock()
			select {
			case got <- struct{}{}:
			default:
			}
		}
	}()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 200}}
	post := func(phone, text string) time.Time {
		body := whatsapptest.TextWebhook(sys.Graph.PhoneNumberID(), phone, "Huésped", sys.NewWamid(), text, time.Now())
		req, _ := http.NewRequest(http.MethodPost, sys.WebhookURL(), bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(whatsapp.SignatureHeaderName, sys.Graph.Sign(body))
		sent := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Error(err)
			return sent
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Errorf("webhook answered %d", resp.StatusCode)
		}
		return sent
	}
	// run sends n conversations at the fixed rate and returns each one's latency.
	run := func(prefix string, n int) []time.Duration {
		sent := make([]time.Time, n)
		phones := make([]string, n)
		var wg sync.WaitGroup
		start := time.Now()
		for i := range n {
			time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
			phones[i] = fmt.Sprintf("549%s%07d", prefix, i)
			_, _, typed := stayFrom(10+i%40, 2+i%4)
			text := fmt.Sprintf("hola! %s somos %d", typed, 2+i%3)
			wg.Go(func() { sent[i] = post(phones[i], text) })
		}
		wg.Wait()
		deadline := time.Now().Add(60 * time.Second)
		for {
			mu.Lock()
			done := 0
			for _, p := range phones {
				if _, ok := replied[p]; ok {
					done++
				}
			}
			mu.Unlock()
			if done == n {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("%d of %d conversations unanswered after 60s", n-done, n)
			}
			select {
			case <-got:
			case <-time.After(100 * time.Millisecond):
			}
		}
		lat := make([]time.Duration, n)
		mu.Lock()
		for i, p := range phones {
			lat[i] = replied[p].Sub(sent[i])
		}
		mu.Unlock()
		return lat
	}

	run("1190", 2*rate) // warm up: connections, caches
	b.ResetTimer()
	lat := run("1191", b.N)
	b.StopTimer()

	slices.Sort(lat)
	pct := func(q float64) float64 {
		i := int(q*float64(len(lat))+0.999999) - 1
		return float64(lat[max(i, 0)].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(rate, "conv/s")
}
