package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/reservas/reservas/store"
)

// config is the process configuration, read from the environment (names in ARCHITECTURE.md).
type config struct {
	DatabaseURL   string `env:"DATABASE_URL,required"`
	RedisURL      string `env:"REDIS_URL,required"`
	HTTPAddr      string `env:"HTTP_ADDR" envDefault:":8080"`
	PublicBaseURL string `env:"PUBLIC_BASE_URL" envDefault:"http://localhost:8080"`
	BusinessTZ    string `env:"BUSINESS_TZ" envDefault:"America/Argentina/Buenos_Aires"`
	LogLevel      string `env:"LOG_LEVEL" envDefault:"info"`
	HoldMinutes   int    `env:"HOLD_MINUTES" envDefault:"30"`
	// ICalSyncMinutes is how often every imported feed is fetched.
	ICalSyncMinutes int    `env:"ICAL_SYNC_MINUTES" envDefault:"5"`
	OwnerPhone      string `env:"OWNER_PHONE"`
	// OwnerAlertTemplate is an approved template with one body parameter ({{1}}) that carries
	// messages to the owner while their 24-hour window is closed; unset, such messages fail.
	OwnerAlertTemplate         string `env:"OWNER_ALERT_TEMPLATE"`
	OwnerAlertTemplateLanguage string `env:"OWNER_ALERT_TEMPLATE_LANGUAGE" envDefault:"es_AR"`
	// WorkerConcurrency is how many tasks one worker runs at once.
	WorkerConcurrency int `env:"WORKER_CONCURRENCY" envDefault:"20"`

	WhatsAppAPIURL        string `env:"WHATSAPP_API_URL" envDefault:"https://graph.facebook.com/v21.0"`
	WhatsAppToken         string `env:"WHATSAPP_TOKEN"`
	WhatsAppPhoneNumberID string `env:"WHATSAPP_PHONE_NUMBER_ID"`
	WhatsAppAppSecret     string `env:"WHATSAPP_APP_SECRET"`
	WhatsAppVerifyToken   string `env:"WHATSAPP_VERIFY_TOKEN"`
	WhatsAppMaxBodyBytes  int64  `env:"WHATSAPP_MAX_BODY_BYTES" envDefault:"1048576"`

	MPAPIURL        string `env:"MP_API_URL" envDefault:"https://api.mercadopago.com"`
	MPAccessToken   string `env:"MP_ACCESS_TOKEN"`
	MPWebhookSecret string `env:"MP_WEBHOOK_SECRET"`

	STTURL      string `env:"STT_URL"`
	STTAPIKey   string `env:"STT_API_KEY"`
	STTModel    string `env:"STT_MODEL" envDefault:"whisper-1"`
	STTLanguage string `env:"STT_LANGUAGE" envDefault:"es"`
	// STTNeedsWAV converts voice notes to 16 kHz mono WAV first (whisper.cpp's server needs it).
	STTNeedsWAV bool `env:"STT_NEEDS_WAV" envDefault:"false"`
	// AudioRetentionDays is how long voice notes' audio is kept; 0 keeps it forever.
	AudioRetentionDays int `env:"AUDIO_RETENTION_DAYS" envDefault:"90"`

	// SessionSecret signs admin session cookies.
	SessionSecret string `env:"SESSION_SECRET"`
	// AdminAPIToken lets scripts call /api/v1 with a Bearer token.
	AdminAPIToken string `env:"ADMIN_API_TOKEN"`
}

func loadConfig() (config, error) {
	var c config
	if err := env.Parse(&c); err != nil {
		return c, fmt.Errorf("configuration: %w", err)
	}
	if _, err := time.LoadLocation(c.BusinessTZ); err != nil {
		return c, fmt.Errorf("BUSINESS_TZ %q: %w", c.BusinessTZ, err)
	}
	if c.HoldMinutes <= 0 || c.ICalSyncMinutes <= 0 {
		return c, fmt.Errorf("HOLD_MINUTES and ICAL_SYNC_MINUTES must be positive")
	}
	if c.AudioRetentionDays < 0 {
		return c, fmt.Errorf("AUDIO_RETENTION_DAYS must be 0 (keep) or a number of days")
	}
	c.PublicBaseURL = strings.TrimRight(c.PublicBaseURL, "/")
	return c, nil
}

func (c config) location() *time.Location {
	loc, err := time.LoadLocation(c.BusinessTZ)
	if err != nil {
		return time.UTC // validated in loadConfig
	}
	return loc
}

func (c config) logger() zerolog.Logger {
	level, err := zerolog.ParseLevel(strings.ToLower(c.LogLevel))
	if err != nil || c.LogLevel == "" {
		level = zerolog.InfoLevel
	}
	return zerolog.New(os.Stderr).Level(level).With().Timestamp().Logger()
}

func openStore(ctx context.Context, cfg config) (*store.Store, error) {
	return store.Open(ctx, cfg.DatabaseURL)
}

// asynqRedis is the asynq connection to the same Redis as opts.
func asynqRedis(opts redis.Options) asynq.RedisClientOpt {
	return asynq.RedisClientOpt{Addr: opts.Addr, Username: opts.Username, Password: opts.Password, DB: opts.DB, TLSConfig: opts.TLSConfig}
}

func openRedis(ctx context.Context, cfg config) (*redis.Client, redis.Options, error) {
	opts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, redis.Options{}, fmt.Errorf("parse REDIS_URL: %w", err)
	}
	// RESP2: nothing here uses RESP3's push notifications (client-side caching, maintenance
	// events), and on RESP3 go-redis inspects every reply for them (4 % of the ingress's CPU).
	opts.Protocol = 2
	c := redis.NewClient(opts)
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		return nil, redis.Options{}, fmt.Errorf("reach redis: %w", err)
	}
	return c, *opts, nil
}
