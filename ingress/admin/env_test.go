package admin_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/ingress/admin"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/store/storetest"
)

var (
	// now is noon in Buenos Aires on Monday 2026-11-30.
	now   = time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
	today = booking.Date(2026, 11, 30)
	ba    = mustLoc("America/Argentina/Buenos_Aires")
)

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

const (
	secret   = "test-session-secret-0123456789abcdef-xyz"
	apiToken = "test-api-token-5f1c9a"
	password = "correct horse battery"
)

// env is an admin served over HTTP on a real Postgres and Redis.
type env struct {
	t       *testing.T
	store   *store.Store
	redis   *redis.Client
	queues  asynq.RedisConnOpt
	admin   *admin.Server
	srv     *httptest.Server
	handler http.Handler
}

type envOption func(*admin.Config)

// newEnv also marks the test parallel: each has its own database and Redis database.
func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	t.Parallel()
	st := storetest.NewStore(t)
	redisURL := storetest.RedisURL(t)
	ropts, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(ropts)
	t.Cleanup(func() { _ = rdb.Close() })
	queues, err := asynq.ParseRedisURI(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	cfg := admin.Config{SessionSecret: secret, APIToken: apiToken, PublicBaseURL: "http://reservas.test", Location: ba}
	for _, o := range opts {
		o(&cfg)
	}
	a, err := admin.New(cfg, admin.Deps{Store: st, Redis: rdb, Queues: queues, Log: zerolog.Nop(), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatalf("admin.New: %v", err)
	}
	t.Cleanup(func() { _ = a.Close() })
	r := chi.NewRouter()
	a.Mount(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return &env{t: t, store: st, redis: rdb, queues: queues, admin: a, srv: srv, handler: r}
}

var userSeq atomic.Int64

// user creates a login and returns its email.
func (e *env) user(role string) string {
	e.t.Helper()
	hash, err := admin.HashPassword(password)
	if err != nil {
		e.t.Fatal(err)
	}
	email := fmt.Sprintf("owner%d@example.com", userSeq.Add(1))
	if _, err := e.store.CreateAdminUser(context.Background(), email, hash, role); err != nil {
		e.t.Fatal(err)
	}
	return email
}

// client is a browser-like client: it keeps cookies and does not follow redirects.
type client struct {
	e   *env
	hc  *http.Client
	jar *cookiejar.Jar
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, jar: jar, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type resp struct {
	status int
	header http.Header
	body   string
}

func (c *client) do(method, path string, form url.Values, headers ...string) resp {
	c.e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.e.srv.URL+path, body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (c *client) get(path string) resp { return c.do(http.MethodGet, path, nil) }

func (c *client) login(email string) {
	c.e.t.Helper()
	r := c.do(http.MethodPost, "/admin/login", url.Values{"email": {email}, "password": {password}, "next": {"/admin/"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/" {
		c.e.t.Fatalf("login: %d %s\n%s", r.status, r.header.Get("Location"), r.body)
	}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the CSRF token from a page.
func (c *client) csrf() string {
	c.e.t.Helper()
	r := c.get("/admin/")
	m := csrfRe.FindStringSubmatch(r.body)
	if m == nil {
		c.e.t.Fatalf("no csrf token on /admin/ (%d)", r.status)
	}
	return m[1]
}

var cabinSeq atomic.Int64

func (e *env) cabin(bufferDays int) booking.Accommodation {
	e.t.Helper()
	a := booking.Accommodation{Name: fmt.Sprintf("Cabaña del Lago %d", cabinSeq.Add(1)), Capacity: 4,
		NightlyRateCents: 8_500_000, CleaningFeeCents: 1_500_000, BufferDays: bufferDays}
	id, err := e.store.UpsertAccommodation(context.Background(), a)
	if err != nil {
		e.t.Fatal(err)
	}
	a, err = e.store.GetAccommodation(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

var guestSeq atomic.Int64

func (e *env) hold(cabinID int64, in, out time.Time, name string) store.Reservation {
	e.t.Helper()
	r, err := e.store.PlaceHold(context.Background(), store.HoldRequest{
		AccommodationID: cabinID, Stay: booking.Stay{CheckIn: in, CheckOut: out, Guests: 2},
		GuestPhone: fmt.Sprintf("5491155%06d", guestSeq.Add(1)), GuestName: name, Now: now, HoldFor: 30 * time.Minute,
	}, nil)
	if err != nil {
		e.t.Fatalf("hold: %v", err)
	}
	return r
}

func (e *env) booking(cabinID int64, in, out time.Time, name string) store.Reservation {
	e.t.Helper()
	r := e.hold(cabinID, in, out, name)
	r, err := e.store.ConfirmReservation(context.Background(), r.ID, now)
	if err != nil {
		e.t.Fatalf("confirm: %v", err)
	}
	return r
}

func wantStatus(t *testing.T, r resp, status int, what string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d\n%.2000s", what, r.status, status, r.body)
	}
}

func wantContains(t *testing.T, r resp, what string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(r.body, s) {
			t.Errorf("%s: body lacks %q\n%.3000s", what, s, r.body)
		}
	}
}
