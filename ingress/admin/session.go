package admin

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/reservas/reservas/store"
)

// sessionUser is who a request acts as: a logged-in user, or the API token.
type sessionUser struct {
	ID    int64
	Email string
	Role  string
	// token is the session cookie's token ("" for the API token); the CSRF token derives from it.
	token string
}

func (u sessionUser) CanWrite() bool { return u.Role == store.RoleAdmin }

// mac is HMAC-SHA256 keyed with the session secret, for one purpose.
func (s *Server) mac(purpose, msg string) []byte {
	h := hmac.New(sha256.New, []byte(s.cfg.SessionSecret))
	h.Write([]byte(purpose))
	h.Write([]byte{0})
	h.Write([]byte(msg))
	return h.Sum(nil)
}

// tokenHash is what the database stores for a session token.
func (s *Server) tokenHash(token string) string { return hex.EncodeToString(s.mac("session", token)) }

// csrfToken is the token forms and API calls with a session must send back.
func (s *Server) csrfToken(u sessionUser) string {
	if u.token == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(s.mac("csrf", u.token))
}

func (s *Server) validCSRF(u sessionUser, got string) bool {
	want := s.csrfToken(u)
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

func newSessionToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// sessionFromRequest returns the user of a live session cookie.
func (s *Server) sessionFromRequest(r *http.Request) (sessionUser, bool) {
	c, err := r.Cookie(s.cookie)
	if err != nil || len(c.Value) != 43 {
		return sessionUser{}, false
	}
	now := s.now()
	sess, err := s.store.AdminSessionByHash(r.Context(), s.tokenHash(c.Value), now, now.Add(s.cfg.SessionTTL))
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.Error().Err(err).Msg("admin: read session")
		}
		return sessionUser{}, false
	}
	return sessionUser{ID: sess.User.ID, Email: sess.User.Email, Role: sess.User.Role, token: c.Value}, true
}

func (s *Server) setSessionCookie(w http.ResponseWriter, token string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: s.cookie, Value: token, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	})
}

// requirePageSession sends browsers without a session to the login page.
func (s *Server) requirePageSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := s.sessionFromRequest(r)
		if !ok {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/admin/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			http.Error(w, "not logged in", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r.WithContext(withUser(r.Context(), u)))
	})
}

// requireAdminRole refuses changes to the readonly role.
func (s *Server) requireAdminRole(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !userFrom(r.Context()).CanWrite() {
			s.renderError(w, r, http.StatusForbidden, "Tu usuario es de solo lectura: podés mirar, no cambiar.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requireCSRF checks the form's csrf field against the session.
func (s *Server) requireCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if !s.validCSRF(userFrom(r.Context()), r.PostFormValue("csrf")) {
			s.renderError(w, r, http.StatusForbidden, "El formulario venció o no vino de esta página. Volvé atrás, recargá e intentá de nuevo.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.sessionFromRequest(r); ok {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login", loginPage{Next: safeNext(r.URL.Query().Get("next"))})
}

type loginPage struct {
	Next, Email, Error string
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		s.render(w, r, http.StatusBadRequest, "login", loginPage{Error: "Formulario inválido."})
		return
	}
	email := store.NormalizeEmail(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	page := loginPage{Next: safeNext(r.PostFormValue("next")), Email: email}
	ip := clientIP(r)

	ctx := r.Context()
	wait, err := s.limitLogin(ctx, ip, email)
	if err != nil {
		s.log.Error().Err(err).Msg("admin: login rate limit unavailable")
		page.Error = "No se puede iniciar sesión ahora (límite de intentos no disponible). Probá en un rato."
		s.render(w, r, http.StatusServiceUnavailable, "login", page)
		return
	}
	if wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		page.Error = "Demasiados intentos. Esperá " + humanWait(wait) + " y probá de nuevo."
		s.log.Warn().Str("ip", ip).Msg("admin: login rate limited")
		s.render(w, r, http.StatusTooManyRequests, "login", page)
		return
	}

	user, err := s.store.AdminUserByEmail(ctx, email)
	hash := user.PasswordHash
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.renderError(w, r, http.StatusInternalServerError, "No se pudo iniciar sesión.")
			s.log.Error().Err(err).Msg("admin: look up user")
			return
		}
		hash = s.dummyHash // a wrong email takes as long as a wrong password
	}
	if !CheckPassword(hash, password) || err != nil || user.Disabled {
		s.noteLoginFailure(ctx, email)
		s.log.Info().Str("ip", ip).Msg("admin: login failed")
		page.Error = "Email o contraseña incorrectos."
		s.render(w, r, http.StatusUnauthorized, "login", page)
		return
	}
	token, err := newSessionToken()
	if err != nil {
		s.renderError(w, r, http.StatusInternalServerError, "No se pudo iniciar sesión.")
		return
	}
	if err := s.store.CreateAdminSession(ctx, s.tokenHash(token), user.ID, s.now().Add(s.cfg.SessionTTL),
		r.UserAgent(), ip); err != nil {
		s.log.Error().Err(err).Msg("admin: create session")
		s.renderError(w, r, http.StatusInternalServerError, "No se pudo iniciar sesión.")
		return
	}
	s.clearLoginFailures(ctx, email)
	s.setSessionCookie(w, token, int(s.cfg.SessionTTL.Seconds()))
	s.log.Info().Int64("user_id", user.ID).Msg("admin: logged in")
	http.Redirect(w, r, page.Next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r.Context())
	if !s.validCSRF(u, r.PostFormValue("csrf")) {
		s.renderError(w, r, http.StatusForbidden, "El formulario venció. Recargá e intentá de nuevo.")
		return
	}
	if err := s.store.DeleteAdminSession(r.Context(), s.tokenHash(u.token)); err != nil {
		s.log.Error().Err(err).Msg("admin: delete session")
	}
	s.setSessionCookie(w, "", -1)
	http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
}

// safeNext keeps redirects after login inside the admin.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/admin/") || strings.HasPrefix(next, "/admin/login") ||
		strings.ContainsAny(next, "\\\r\n") || strings.HasPrefix(next, "//") {
		return "/admin/"
	}
	return next
}

// clientIP is the peer's address, or the X-Real-IP (else the last X-Forwarded-For hop) set by
// a proxy on a loopback or private address, such as nginx in front of the ingress.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	if peer.IsLoopback() || peer.IsPrivate() {
		if v := strings.TrimSpace(r.Header.Get("X-Real-IP")); v != "" {
			if a, err := netip.ParseAddr(v); err == nil {
				return a.Unmap().String()
			}
		}
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			hops := strings.Split(xff, ",")
			if a, err := netip.ParseAddr(strings.TrimSpace(hops[len(hops)-1])); err == nil {
				return a.Unmap().String()
			}
		}
	}
	return peer.String()
}

func humanWait(d time.Duration) string {
	m := int(d.Round(time.Minute).Minutes())
	if m <= 1 {
		return "un minuto"
	}
	return strconv.Itoa(m) + " minutos"
}
