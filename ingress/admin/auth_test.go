package admin_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reservas/reservas/ingress/admin"
	"github.com/reservas/reservas/store"
)

func TestNewRefusesWithoutSessionSecret(t *testing.T) {
	for _, secret := range []string{"", "too-short-secret"} {
		_, err := admin.New(admin.Config{SessionSecret: secret}, admin.Deps{})
		if !errors.Is(err, admin.ErrNoSessionSecret) {
			t.Errorf("secret %q: got %v, want ErrNoSessionSecret", secret, err)
		}
	}
}

func TestLoginSessionAndLogout(t *testing.T) {
	e := newEnv(t)
	email := e.user(store.RoleAdmin)
	c := e.client()

	r := c.get("/admin/calendar?month=2026-12")
	wantStatus(t, r, http.StatusSeeOther, "page without a session")
	if loc := r.header.Get("Location"); loc != "/admin/login?next="+url.QueryEscape("/admin/calendar?month=2026-12") {
		t.Fatalf("redirect to %q", loc)
	}
	r = c.get("/admin/login")
	wantStatus(t, r, http.StatusOK, "login page")
	wantContains(t, r, "login page", `name="email"`, `type="password"`)
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("login page CSP = %q", csp)
	}

	r = c.do(http.MethodPost, "/admin/login", url.Values{"email": {email}, "password": {"wrong password!"}})
	wantStatus(t, r, http.StatusUnauthorized, "wrong password")
	wantContains(t, r, "wrong password", "Email o contraseña incorrectos")
	r = c.do(http.MethodPost, "/admin/login", url.Values{"email": {"nobody@example.com"}, "password": {password}})
	wantStatus(t, r, http.StatusUnauthorized, "unknown email")

	// Emails are case-insensitive; next must stay inside the admin.
	r = c.do(http.MethodPost, "/admin/login", url.Values{"email": {strings.ToUpper(email)}, "password": {password},
		"next": {"https://evil.example/"}})
	wantStatus(t, r, http.StatusSeeOther, "login")
	if loc := r.header.Get("Location"); loc != "/admin/" {
		t.Fatalf("login redirected to %q", loc)
	}
	var cookie string
	for _, sc := range r.header.Values("Set-Cookie") {
		if strings.HasPrefix(sc, "reservas_session=") {
			cookie = sc
		}
	}
	for _, attr := range []string{"HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=43200"} {
		if !strings.Contains(cookie, attr) {
			t.Errorf("session cookie %q lacks %s", cookie, attr)
		}
	}
	r = c.get("/admin/")
	wantStatus(t, r, http.StatusOK, "today with a session")
	wantContains(t, r, "today", "Hoy, lun 30/11/2026", email)

	// The stored session is a keyed hash, never the cookie's token.
	token := strings.TrimPrefix(strings.Split(cookie, ";")[0], "reservas_session=")
	var n int
	if err := e.store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM admin_sessions WHERE token_hash = $1 OR token_hash LIKE '%' || $1 || '%'`, token).Scan(&n); err != nil || n != 0 {
		t.Fatalf("cookie token found in admin_sessions (%d, %v)", n, err)
	}

	csrf := c.csrf()
	r = c.do(http.MethodPost, "/admin/logout", url.Values{"csrf": {"nope"}})
	wantStatus(t, r, http.StatusForbidden, "logout without the CSRF token")
	r = c.do(http.MethodPost, "/admin/logout", url.Values{"csrf": {csrf}})
	wantStatus(t, r, http.StatusSeeOther, "logout")
	if err := e.store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM admin_sessions`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d sessions left after logout (%v)", n, err)
	}
	// Replaying the old cookie does not work either.
	c2 := e.client()
	r = c2.do(http.MethodGet, "/admin/", nil, "Cookie", "reservas_session="+token)
	wantStatus(t, r, http.StatusSeeOther, "old cookie after logout")
}

func TestSecureCookieBehindHTTPS(t *testing.T) {
	e := newEnv(t, func(c *admin.Config) { c.PublicBaseURL = "https://cabanas.example.com" })
	email := e.user(store.RoleAdmin)
	r := e.client().do(http.MethodPost, "/admin/login", url.Values{"email": {email}, "password": {password}})
	wantStatus(t, r, http.StatusSeeOther, "login")
	sc := r.header.Get("Set-Cookie")
	if !strings.HasPrefix(sc, "__Host-reservas_session=") || !strings.Contains(sc, "Secure") {
		t.Fatalf("cookie behind https = %q, want a Secure __Host- cookie", sc)
	}
}

func TestSessionExpiresWhenIdle(t *testing.T) {
	e := newEnv(t, func(c *admin.Config) { c.SessionTTL = time.Hour })
	email := e.user(store.RoleAdmin)
	c := e.client()
	c.login(email)
	if _, err := e.store.Pool.Exec(context.Background(), `UPDATE admin_sessions SET expires_at = $1`, now.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, c.get("/admin/"), http.StatusSeeOther, "expired session")
}

func TestDisabledUserCannotLogIn(t *testing.T) {
	e := newEnv(t)
	email := e.user(store.RoleAdmin)
	c := e.client()
	c.login(email)
	if _, err := e.store.Pool.Exec(context.Background(), `UPDATE admin_users SET disabled = true`); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, c.get("/admin/"), http.StatusSeeOther, "session of a disabled user")
	r := c.do(http.MethodPost, "/admin/login", url.Values{"email": {email}, "password": {password}})
	wantStatus(t, r, http.StatusUnauthorized, "disabled user logging in")
}

func TestLoginAttemptsAreRateLimitedPerIP(t *testing.T) {
	e := newEnv(t, func(c *admin.Config) { c.LoginAttempts = 3; c.LoginEmailFailures = 100 })
	email := e.user(store.RoleAdmin)
	c := e.client()
	// The ingress runs behind nginx on loopback: X-Real-IP names the client.
	for i := 0; i < 3; i++ {
		r := c.do(http.MethodPost, "/admin/login", url.Values{"email": {"x@example.com"}, "password": {"bad password " + strconv.Itoa(i)}},
			"X-Real-IP", "203.0.113.7")
		wantStatus(t, r, http.StatusUnauthorized, "attempt within the limit")
	}
	r := c.do(http.MethodPost, "/admin/login", url.Values{"email": {email}, "password": {password}}, "X-Real-IP", "203.0.113.7")
	wantStatus(t, r, http.StatusTooManyRequests, "attempt over the limit, even with the right password")
	if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < 1 || ra > 15*60+1 {
		t.Errorf("Retry-After = %q", r.header.Get("Retry-After"))
	}
	wantContains(t, r, "rate limited", "Demasiados intentos")
	// Another client IP is not affected.
	r = c.do(http.MethodPost, "/admin/login", url.Values{"email": {email}, "password": {password}}, "X-Real-IP", "198.51.100.9")
	wantStatus(t, r, http.StatusSeeOther, "login from another IP")
}

func TestLoginFailuresAreRateLimitedPerEmail(t *testing.T) {
	e := newEnv(t, func(c *admin.Config) { c.LoginAttempts = 100; c.LoginEmailFailures = 2 })
	email := e.user(store.RoleAdmin)
	other := e.user(store.RoleAdmin)
	c := e.client()
	for i, ip := range []string{"203.0.113.1", "203.0.113.2"} {
		r := c.do(http.MethodPost, "/admin/login", url.Values{"email": {email}, "password": {"bad password " + strconv.Itoa(i)}}, "X-Real-IP", ip)
		wantStatus(t, r, http.StatusUnauthorized, "failure within the limit")
	}
	r := c.do(http.MethodPost, "/admin/login", url.Values{"email": {email}, "password": {password}}, "X-Real-IP", "203.0.113.3")
	wantStatus(t, r, http.StatusTooManyRequests, "the email's failures are over the limit, from a third IP")
	r = c.do(http.MethodPost, "/admin/login", url.Values{"email": {other}, "password": {password}}, "X-Real-IP", "203.0.113.3")
	wantStatus(t, r, http.StatusSeeOther, "another email")
}

func TestForgedClientIPHeaderIsIgnoredFromPublicPeers(t *testing.T) {
	e := newEnv(t, func(c *admin.Config) { c.LoginAttempts = 2; c.LoginEmailFailures = 100 })
	// A request that did not come through a local proxy cannot pick its own IP: the handler
	// sees the peer address. httptest's peer is loopback, so call the handler directly.
	for i := 0; i < 3; i++ {
		req, _ := http.NewRequest(http.MethodPost, "/admin/login", strings.NewReader(url.Values{"email": {"a@example.com"}, "password": {"bad password"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.RemoteAddr = "198.51.100.20:5555"
		req.Header.Set("X-Real-IP", "10.9.9."+strconv.Itoa(i))
		rec := newRecorder()
		e.handler.ServeHTTP(rec, req)
		want := http.StatusUnauthorized
		if i == 2 {
			want = http.StatusTooManyRequests
		}
		if rec.Code != want {
			t.Fatalf("attempt %d with a forged X-Real-IP: %d, want %d", i+1, rec.Code, want)
		}
	}
}

func TestCrossOriginPostsAreRefused(t *testing.T) {
	e := newEnv(t)
	email := e.user(store.RoleAdmin)
	c := e.client()
	r := c.do(http.MethodPost, "/admin/login", url.Values{"email": {email}, "password": {password}}, "Sec-Fetch-Site", "cross-site")
	wantStatus(t, r, http.StatusForbidden, "cross-site login post")
	r = c.do(http.MethodPost, "/admin/login", url.Values{"email": {email}, "password": {password}}, "Origin", "https://evil.example")
	wantStatus(t, r, http.StatusForbidden, "login post from another origin")
	c.login(email)
	r = c.do(http.MethodPost, "/admin/queues/api/queues/default:pause", nil, "Sec-Fetch-Site", "cross-site")
	wantStatus(t, r, http.StatusForbidden, "cross-site asynqmon post")
}
