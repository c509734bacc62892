// Package handlerstest runs the real system in-process for tests: the ingress router on an
// httptest server, an asynq worker with the real handlers, a fresh Postgres database and Redis
// database of the test's own, and the fake WhatsApp Graph API. Only providers are fake.
package handlerstest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/reservas/reservas/handlers"
	"github.com/reservas/reservas/handlers/whatsapp"
	"github.com/reservas/reservas/handlers/whatsapp/whatsapptest"
	"github.com/reservas/reservas/ingress"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/store/storetest"
)

// VerifyToken is the harness's WHATSAPP_VERIFY_TOKEN.
const VerifyToken = "harness-verify-token"

// OwnerPhone is the harness's OWNER_PHONE.
const OwnerPhone = "5491100000000"

// Options adjust the system under test.
type Options struct {
	// Configure changes the worker's dependencies before it starts (responder, providers...).
	Configure func(d *handlers.Deps)
	// Mount adds routes to the ingress (e.g. the Mercado Pago webhook).
	Mount func(r chi.Router, d *handlers.Deps)
	// Workers is how many asynq servers run (each with Concurrency goroutines); default 1.
	Workers     int
	Concurrency int
	// NoWorker starts only the ingress (tasks stay queued).
	NoWorker bool
}

// System is a running system under test.
type System struct {
	Store    *store.Store
	Redis    *redis.Client
	RedisOpt asynq.RedisClientOpt
	Queue    *asynq.Client
	Graph    *whatsapptest.Server
	Ingress  *httptest.Server
	Deps     *handlers.Deps
	Registry *prometheus.Registry
	servers  []*asynq.Server
	wamidSeq atomic.Int64
}

// Start brings the system up; everything stops when the test ends.
func Start(t testing.TB, opts Options) *System {
	t.Helper()
	s := storetest.NewStore(t)
	rdb, redisURL := storetest.NewRedis(t)
	ropts, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	redisOpt := asynq.RedisClientOpt{Addr: ropts.Addr, DB: ropts.DB, Password: ropts.Password}
	queue := asynq.NewClient(redisOpt)
	t.Cleanup(func() { _ = queue.Close() })

	graph := whatsapptest.NewServer(whatsapptest.Options{})
	t.Cleanup(graph.Close)

	log := zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel)
	reg := prometheus.NewRegistry()
	deps := &handlers.Deps{
		Config: handlers.Config{
			PublicBaseURL: "http://reservas.test", BusinessTZ: mustLoc("America/Argentina/Buenos_Aires"),
			HoldMinutes: 30, ICalSyncEvery: 5 * time.Minute, OwnerPhone: OwnerPhone,
		},
		Store: s, Redis: rdb, Queue: queue, Log: log, Metrics: handlers.NewMetrics(reg),
		WhatsApp: whatsapp.NewClient(whatsapp.Config{
			BaseURL: graph.URL(), PhoneNumberID: graph.PhoneNumberID(), Token: graph.Token(),
			BaseBackoff: 5 * time.Millisecond,
		}, &http.Client{Timeout: 10 * time.Second}),
	}
	if opts.Configure != nil {
		opts.Configure(deps)
	}
	sys := &System{Store: s, Redis: rdb, RedisOpt: redisOpt, Queue: queue, Graph: graph, Deps: deps, Registry: reg}

	h, err := ingress.New(ingress.Config{WhatsAppAppSecret: graph.AppSecret(), WhatsAppVerifyToken: VerifyToken},
		ingress.Deps{Redis: rdb, Log: log, Registry: reg,
			Ready: map[string]ingress.Pinger{"postgres": s},
			Mount: func(r chi.Router) {
				if opts.Mount != nil {
					opts.Mount(r, deps)
				}
			}})
	if err != nil {
		t.Fatal(err)
	}
	sys.Ingress = httptest.NewServer(h)
	t.Cleanup(sys.Ingress.Close)

	if !opts.NoWorker {
		n := max(opts.Workers, 1)
		for range n {
			sys.StartWorker(t, opts.Concurrency)
		}
	}
	return sys
}

// StartWorker starts one more asynq server on the system's queues.
func (s *System) StartWorker(t testing.TB, concurrency int) *asynq.Server {
	t.Helper()
	if concurrency <= 0 {
		concurrency = 10
	}
	cfg := handlers.WorkerConfig(concurrency)
	// Tighter polling and a quick shutdown keep the tests short; the rest is production's.
	cfg.TaskCheckInterval, cfg.DelayedTaskCheckInterval = 5*time.Millisecond, 50*time.Millisecond
	cfg.LogLevel, cfg.ShutdownTimeout = asynq.ErrorLevel, 5*time.Second
	srv := asynq.NewServer(s.RedisOpt, cfg)
	mux := asynq.NewServeMux()
	s.Deps.Register(mux)
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	s.servers = append(s.servers, srv)
	return srv
}

// WebhookURL is the ingress's WhatsApp webhook.
func (s *System) WebhookURL() string { return s.Ingress.URL + "/webhooks/whatsapp" }

// NewWamid returns a fresh inbound message id.
func (s *System) NewWamid() string {
	return whatsapptest.InboundWAMID("549115555") + "." + itoa(s.wamidSeq.Add(1))
}

// SendText delivers a signed text message from guest `from`, as Meta would, and requires a 200.
func (s *System) SendText(t testing.TB, from, text string) string {
	t.Helper()
	wamid := s.NewWamid()
	body := whatsapptest.TextWebhook(s.Graph.PhoneNumberID(), from, "Huésped", wamid, text, time.Now())
	s.Deliver(t, body)
	return wamid
}

// Deliver POSTs a signed webhook body and requires a 200.
func (s *System) Deliver(t testing.TB, body []byte) {
	t.Helper()
	resp, err := s.Graph.Deliver(context.Background(), s.WebhookURL(), body)
	if err != nil {
		t.Fatalf("deliver webhook: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("webhook answered %d, want 200", resp.StatusCode)
	}
}

// WaitReplies waits until the fake Graph API has accepted at least n messages to `to` and
// returns them all.
func (s *System) WaitReplies(t testing.TB, to string, n int) []whatsapptest.SentMessage {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := s.RepliesTo(to)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited for %d message(s) to %s, got %d: %+v", n, to, len(got), texts(got))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// RepliesTo returns the messages the fake accepted for one recipient.
func (s *System) RepliesTo(to string) []whatsapptest.SentMessage {
	var out []whatsapptest.SentMessage
	for _, m := range s.Graph.Sent() {
		if m.WaID == strings.TrimPrefix(to, "+") {
			out = append(out, m)
		}
	}
	return out
}

// WaitIdle waits until no task is pending, active, scheduled or retrying.
func (s *System) WaitIdle(t testing.TB) {
	t.Helper()
	insp := asynq.NewInspector(s.RedisOpt)
	defer insp.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		busy := 0
		queues, _ := insp.Queues()
		for _, q := range queues {
			info, err := insp.GetQueueInfo(q)
			if err == nil {
				busy += info.Pending + info.Active + info.Scheduled + info.Retry
			}
		}
		if busy == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("queues still busy (%d tasks) after 20s", busy)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func texts(ms []whatsapptest.SentMessage) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Text
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}
