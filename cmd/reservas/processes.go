package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/hibiken/asynq"
	"github.com/hibiken/asynq/x/metrics"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"

	"github.com/reservas/reservas/handlers"
	"github.com/reservas/reservas/handlers/whatsapp"
	"github.com/reservas/reservas/ingress"
	"github.com/reservas/reservas/store"
)

// runProcesses runs the ingress, the worker, the scheduler, or all three, until ctx ends.
func runProcesses(ctx context.Context, cfg config, which string) error {
	log := cfg.logger().With().Str("process", which).Logger()
	runIngress := which == "ingress" || which == "all"
	runWorker := which == "worker" || which == "all"
	runScheduler := which == "scheduler" || which == "all"

	icfg := ingress.Config{
		WhatsAppAppSecret: cfg.WhatsAppAppSecret, WhatsAppVerifyToken: cfg.WhatsAppVerifyToken,
		MaxBodyBytes: cfg.WhatsAppMaxBodyBytes,
	}
	if runIngress {
		// Fail closed before touching anything else.
		if err := icfg.Validate(); err != nil {
			return err
		}
		if err := validateAdmin(cfg); err != nil {
			return err
		}
		if err := ingress.ValidateMercadoPago(cfg.MPWebhookSecret); err != nil {
			return err
		}
	}
	if runWorker {
		if err := requireWorkerSecrets(cfg); err != nil {
			return err
		}
	}

	if runIngress && os.Getenv("GOGC") == "" {
		// The ingress's live heap is a few MB, so with the default GOGC=100 it collected
		// every few hundred webhooks; 200 cut its CPU a webhook by about a tenth under load
		// (make bench) for a few MB more. GOGC set in the environment wins.
		debug.SetGCPercent(200)
	}
	s, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	rdb, ropts, err := openRedis(ctx, cfg)
	if err != nil {
		return err
	}
	defer rdb.Close()
	redisOpt := asynqRedis(ropts)
	queue := asynq.NewClient(redisOpt)
	defer queue.Close()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	g, ctx := errgroup.WithContext(ctx)
	if runWorker {
		deps := newDeps(cfg, s, rdb, queue, log, handlers.NewMetrics(reg))
		wcfg := handlers.WorkerConfig(cfg.WorkerConcurrency)
		wcfg.Logger = asynqLogger{log}
		srv := asynq.NewServer(redisOpt, wcfg)
		mux := asynq.NewServeMux()
		deps.Register(mux)
		if err := srv.Start(mux); err != nil {
			return fmt.Errorf("start worker: %w", err)
		}
		g.Go(func() error {
			<-ctx.Done()
			srv.Shutdown()
			return nil
		})
		log.Info().Int("concurrency", cfg.WorkerConcurrency).Msg("worker started")
	}
	if runScheduler {
		g.Go(func() error {
			return runSchedule(ctx, queue, periodicJobs(cfg), log)
		})
	}

	addr := cfg.HTTPAddr
	var handler http.Handler
	if runIngress {
		inspector := asynq.NewInspector(redisOpt)
		defer inspector.Close()
		reg.MustRegister(metrics.NewQueueMetricsCollector(inspector))
		h, err := ingress.New(icfg, ingress.Deps{
			Redis: rdb, Log: log, Registry: reg,
			Ready: map[string]ingress.Pinger{"postgres": s, "redis": redisPinger{rdb}},
			Mount: func(r chi.Router) {
				mountExtras(r, cfg, s, log)
				mountPayments(r, cfg, queue, reg, log)
			},
		})
		if err != nil {
			return err
		}
		handler = h
	} else {
		// Workers and the scheduler still expose health and metrics, on METRICS_ADDR-style port.
		r := chi.NewRouter()
		r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
		r.Handle("/metrics", promHandler(reg))
		handler = r
	}
	httpSrv := &http.Server{Addr: addr, Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second}
	g.Go(func() error {
		log.Info().Str("addr", addr).Msg("http listening")
		if err := httpSrv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http server: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return httpSrv.Shutdown(shutdownCtx)
	})
	return g.Wait()
}

func requireWorkerSecrets(cfg config) error {
	var missing []string
	for name, v := range map[string]string{
		"WHATSAPP_TOKEN": cfg.WhatsAppToken, "WHATSAPP_PHONE_NUMBER_ID": cfg.WhatsAppPhoneNumberID,
	} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return &ingress.MissingSecretsError{Names: missing}
	}
	return nil
}

// newDeps wires the worker's handlers to the store, Redis and the provider clients.
func newDeps(cfg config, s *store.Store, rdb redisClient, queue *asynq.Client, log zerolog.Logger, m *handlers.Metrics) *handlers.Deps {
	hc := &http.Client{Timeout: 30 * time.Second}
	d := &handlers.Deps{
		Config: handlers.Config{
			PublicBaseURL: cfg.PublicBaseURL, BusinessTZ: cfg.location(), HoldMinutes: cfg.HoldMinutes,
			ICalSyncEvery: time.Duration(cfg.ICalSyncMinutes) * time.Minute, OwnerPhone: cfg.OwnerPhone,
			AudioRetention: time.Duration(cfg.AudioRetentionDays) * 24 * time.Hour,
			OwnerTemplate:  cfg.OwnerAlertTemplate, OwnerTemplateLanguage: cfg.OwnerAlertTemplateLanguage,
		},
		Store: s, Redis: rdb, Queue: queue, Log: log, Metrics: m,
		WhatsApp: whatsapp.NewClient(whatsapp.Config{
			BaseURL: cfg.WhatsAppAPIURL, PhoneNumberID: cfg.WhatsAppPhoneNumberID, Token: cfg.WhatsAppToken,
		}, hc),
	}
	wireFeatures(cfg, d, hc)
	d.Responder = handlers.NewConversationResponder(d)
	return d
}
