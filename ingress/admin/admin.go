// Package admin is the owner's side of the ingress: the admin web pages under /admin (server
// rendered, usable on a phone), asynqmon under /admin/queues behind the same login, and the
// JSON admin API under /api/v1 with its OpenAPI document at /api/openapi.yaml.
//
// Logins are argon2id password hashes (reservas admin add-user); sessions live in Postgres
// under the keyed hash of a random cookie token; every form carries a CSRF token derived from
// the session, and cross-origin unsafe requests are refused outright. Login attempts are rate
// limited in Redis per client IP and per email. The readonly role sees everything and changes
// nothing (asynqmon runs read-only for it).
package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/hibiken/asynq"
	"github.com/hibiken/asynqmon"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/reservas/reservas/store"
)

// MinSecretLen is the shortest SESSION_SECRET accepted.
const MinSecretLen = 32

// Config is the admin's configuration.
type Config struct {
	// SessionSecret keys the stored session hashes and the CSRF tokens (SESSION_SECRET). Required.
	SessionSecret string
	// APIToken, when set, lets scripts call /api/v1 with "Authorization: Bearer <token>" (ADMIN_API_TOKEN).
	APIToken string
	// PublicBaseURL decides whether cookies are Secure (https) and builds iCal export URLs.
	PublicBaseURL string
	// Location is the business time zone: "today" and the calendars are in it.
	Location *time.Location
	// SessionTTL is how long an idle session lives; zero means 12 hours.
	SessionTTL time.Duration
	// LoginAttempts is how many login attempts one client IP may make per LoginWindow, and
	// how many failed ones one email may take; zero means 10 and 5.
	LoginAttempts      int
	LoginEmailFailures int
	// LoginWindow is the rate limit's window; zero means 15 minutes.
	LoginWindow time.Duration
}

// ErrNoSessionSecret is why the ingress refuses to start without SESSION_SECRET.
var ErrNoSessionSecret = fmt.Errorf("refusing to start: SESSION_SECRET must be set to at least %d characters (e.g. openssl rand -hex 32)", MinSecretLen)

// Validate fails closed: no admin without a session secret.
func (c Config) Validate() error {
	if len(c.SessionSecret) < MinSecretLen {
		return ErrNoSessionSecret
	}
	return nil
}

// Deps are the admin's collaborators.
type Deps struct {
	Store *store.Store
	// Redis holds the login rate limit counters.
	Redis *redis.Client
	// Queues is the asynq Redis connection asynqmon and the queue stats use.
	Queues asynq.RedisConnOpt
	Log    zerolog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Server serves the admin web, asynqmon and the API.
type Server struct {
	cfg       Config
	store     *store.Store
	redis     *redis.Client
	log       zerolog.Logger
	now       func() time.Time
	pages     pageSet
	inspector *asynq.Inspector
	// queue enqueues the guest notices of owner actions (the worker sends them).
	queue   *asynq.Client
	monRW   *asynqmon.HTTPHandler
	monRO   *asynqmon.HTTPHandler
	secure  bool
	cookie  string
	origins *http.CrossOriginProtection
	// dummyHash is checked when the email is unknown.
	dummyHash string
}

// QueuesPath is where asynqmon is mounted.
const QueuesPath = "/admin/queues"

// New builds the admin; it refuses to without a session secret.
func New(cfg Config, d Deps) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.Store == nil || d.Redis == nil || d.Queues == nil {
		return nil, errors.New("admin: Store, Redis and Queues are required")
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.LoginAttempts <= 0 {
		cfg.LoginAttempts = 10
	}
	if cfg.LoginEmailFailures <= 0 {
		cfg.LoginEmailFailures = 5
	}
	if cfg.LoginWindow <= 0 {
		cfg.LoginWindow = 15 * time.Minute
	}
	cfg.PublicBaseURL = strings.TrimRight(cfg.PublicBaseURL, "/")
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	dummy, err := newSessionToken()
	if err != nil {
		return nil, fmt.Errorf("admin: %w", err)
	}
	dummyHash, err := HashPassword(dummy)
	if err != nil {
		return nil, fmt.Errorf("admin: %w", err)
	}
	s := &Server{
		cfg: cfg, store: d.Store, redis: d.Redis, log: d.Log, now: d.Now, pages: pages,
		inspector: asynq.NewInspector(d.Queues),
		queue:     asynq.NewClient(d.Queues),
		monRW:     asynqmon.New(asynqmon.Options{RootPath: QueuesPath, RedisConnOpt: d.Queues}),
		monRO:     asynqmon.New(asynqmon.Options{RootPath: QueuesPath, RedisConnOpt: d.Queues, ReadOnly: true}),
		secure:    strings.HasPrefix(cfg.PublicBaseURL, "https://"),
		origins:   http.NewCrossOriginProtection(),
		dummyHash: dummyHash,
	}
	if s.now == nil {
		s.now = time.Now
	}
	// A __Host- cookie is bound to this exact host and path /, and must be Secure.
	s.cookie = "reservas_session"
	if s.secure {
		s.cookie = "__Host-reservas_session"
	}
	s.origins.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "cross-origin request refused", http.StatusForbidden)
	}))
	return s, nil
}

// Close releases asynqmon's and the inspector's Redis connections.
func (s *Server) Close() error {
	return errors.Join(s.monRW.Close(), s.monRO.Close(), s.inspector.Close(), s.queue.Close())
}

// Mount adds /admin, /admin/queues, /api/v1 and /api/openapi.yaml to r.
func (s *Server) Mount(r chi.Router) {
	r.Get("/admin", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/admin/", http.StatusMovedPermanently)
	})
	r.Route("/admin", func(r chi.Router) {
		r.Use(s.origins.Handler)
		r.Group(func(r chi.Router) {
			r.Use(pageHeaders)
			r.Get("/static/{file}", s.static)
			r.Get("/login", s.loginForm)
			r.Post("/login", s.login)
		})
		r.Group(func(r chi.Router) {
			r.Use(pageHeaders, s.requirePageSession)
			r.Post("/logout", s.logout)
			r.Get("/", s.todayPage)
			r.Get("/calendar", s.calendar)
			r.Get("/reservations", s.reservations)
			r.Get("/reservations.csv", s.reservationsCSV)
			r.Get("/reservations/{id}", s.reservation)
			r.Get("/cabins", s.cabins)
			r.Get("/feeds", s.feeds)
			r.Get("/conversations", s.conversations)
			r.Get("/conversations/{waID}", s.conversation)
			r.Get("/voice-notes/{wamid}", s.voiceNoteAudio)
			r.Group(func(r chi.Router) {
				r.Use(s.requireAdminRole, s.requireCSRF)
				r.Post("/reservations/{id}/confirm", s.confirmReservation)
				r.Post("/reservations/{id}/cancel", s.cancelReservation)
				r.Post("/cabins/{id}/active", s.setCabinActive)
				r.Post("/cabins/{id}/blocks", s.addBlock)
				r.Post("/feeds", s.addFeed)
				r.Post("/feeds/{id}/delete", s.deleteFeed)
				r.Post("/exports/rotate", s.rotateExport)
				r.Post("/conversations/{waID}/takeover", s.takeOver)
				r.Post("/conversations/{waID}/handback", s.giveBack)
			})
		})
		r.With(s.requirePageSession).Handle("/queues", http.RedirectHandler(QueuesPath+"/", http.StatusMovedPermanently))
		r.With(s.requirePageSession).Handle("/queues/*", http.HandlerFunc(s.queues))
	})
	r.Get("/api/openapi.yaml", serveOpenAPI)
	r.Route("/api/v1", s.mountAPI)
}

// queues hands the request to asynqmon, read-only for the readonly role.
func (s *Server) queues(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r.Context())
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	if u.Role != store.RoleAdmin {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "read-only login: queues can be watched, not changed", http.StatusForbidden)
			return
		}
		s.monRO.ServeHTTP(w, r)
		return
	}
	s.monRW.ServeHTTP(w, r)
}

// pageHeaders are the security headers of every admin page (asynqmon, which needs inline
// scripts, sets its own).
func pageHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

type ctxKey int

const userKey ctxKey = iota

func withUser(ctx context.Context, u sessionUser) context.Context {
	return context.WithValue(ctx, userKey, u)
}

func userFrom(ctx context.Context) sessionUser {
	u, _ := ctx.Value(userKey).(sessionUser)
	return u
}
