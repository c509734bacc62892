package admin

import (
	"bytes"
	"embed"
	"fmt"
	"github.com/reservas/reservas/handlers/conversation"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
)

//go:embed templates/*.html static/admin.css static/admin.js
var assets embed.FS

// pageSet is each page's template, parsed with the layout.
type pageSet map[string]*template.Template

var pageNames = []string{"login", "error", "today", "calendar", "reservations", "reservation", "cabins", "feeds",
	"conversations", "conversation"}

var weekdays = [...]string{"dom", "lun", "mar", "mié", "jue", "vie", "sáb"}

var months = [...]string{"", "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
	"septiembre", "octubre", "noviembre", "diciembre"}

func parsePages() (pageSet, error) {
	funcs := template.FuncMap{
		"money": money,
		"date": func(t time.Time) string {
			return fmt.Sprintf("%s %02d/%02d/%d", weekdays[t.Weekday()], t.Day(), t.Month(), t.Year())
		},
		"iso":     func(t time.Time) string { return t.Format(time.DateOnly) },
		"day":     func(t time.Time) int { return t.Day() },
		"monthOf": func(t time.Time) string { return months[t.Month()] + " " + strconv.Itoa(t.Year()) },
		"ym":      func(t time.Time) string { return t.Format("2006-01") },
		"kind":    kindLabel,
		"status":  statusLabel,
		"nights":  func(a, b time.Time) int { return int(b.Sub(a).Hours() / 24) },
		"title": func(s string) string {
			if s == "" {
				return s
			}
			r := []rune(s)
			return strings.ToUpper(string(r[0])) + string(r[1:])
		},
	}
	set := pageSet{}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("admin template %s: %w", name, err)
		}
		set[name] = t
	}
	return set, nil
}

// money writes centavos as pesos the Argentine way, exactly as the bot writes them to guests.
func money(cents int64) string { return conversation.Money(cents) }

// layoutData is what every page's layout reads; Page is the page's own data.
type layoutData struct {
	Title  string
	Nav    string
	User   sessionUser
	CSRF   string
	Notice string
	Error  string
	Page   any
	loc    *time.Location
}

// When formats an instant in the business time zone.
func (l layoutData) When(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(l.loc).Format("02/01 15:04")
}

// WhenP formats an optional instant.
func (l layoutData) WhenP(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return l.When(*t)
}

var pageTitles = map[string]string{
	"login": "Ingresar", "error": "Error", "today": "Hoy", "calendar": "Calendario", "reservations": "Reservas",
	"reservation": "Reserva", "cabins": "Cabañas y tarifas", "feeds": "Calendarios iCal",
	"conversations": "Conversaciones", "conversation": "Conversación",
}

var notices = map[string]string{
	"confirmed": "Reserva confirmada.", "cancelled": "Reserva cancelada.", "released": "Bloqueo liberado.",
	"takeover": "Tomaste la conversación: el bot no le contesta más hasta que se la devuelvas.",
	"handback": "Le devolviste la conversación al bot.", "feed-added": "Calendario agregado.",
	"feed-deleted": "Calendario quitado y sus bloqueos liberados.", "rotated": "URL de exportación nueva: la anterior ya no funciona.",
	"export": "URL de exportación lista.", "cabin": "Cabaña actualizada.",
	"blocked": "Fechas cerradas: el bot ya no las ofrece y se exportan a los otros canales.",
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, page any) {
	u := userFrom(r.Context())
	data := layoutData{Title: pageTitles[name], Nav: name, User: u, CSRF: s.csrfToken(u), Page: page, loc: s.cfg.Location,
		Notice: notices[r.URL.Query().Get("ok")]}
	if e, ok := page.(errorPage); ok {
		data.Error = e.Message
	}
	var buf bytes.Buffer
	if err := s.pages[name].Execute(&buf, data); err != nil {
		s.log.Error().Err(err).Str("page", name).Msg("admin: render")
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

type errorPage struct{ Message string }

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.render(w, r, status, "error", errorPage{Message: msg})
}

func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "file")
	types := map[string]string{"admin.css": "text/css; charset=utf-8", "admin.js": "text/javascript; charset=utf-8"}
	ct, ok := types[name]
	b, err := assets.ReadFile("static/" + name)
	if !ok || err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(b)
}
