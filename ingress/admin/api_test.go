package admin_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"gopkg.in/yaml.v3"

	"github.com/reservas/reservas/handlers/booking"
	"github.com/reservas/reservas/ingress/admin"
	"github.com/reservas/reservas/store"
)

func (c *client) api(method, path, body string, headers ...string) (int, map[string]any) {
	c.e.t.Helper()
	req, err := http.NewRequest(method, c.e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		c.e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var m map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			c.e.t.Fatalf("%s %s: %d, body is not JSON: %s", method, path, res.StatusCode, b)
		}
	}
	return res.StatusCode, m
}

const bearer = "Bearer " + apiToken

func TestAPIRequiresASessionOrTheToken(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	for _, p := range []string{"/api/v1/me", "/api/v1/reservations", "/api/v1/today", "/api/v1/queues", "/api/v1/nope"} {
		code, body := c.api(http.MethodGet, p, "")
		if code != http.StatusUnauthorized || body["error"].(map[string]any)["code"] != "unauthorized" {
			t.Errorf("GET %s without credentials: %d %v", p, code, body)
		}
	}
	code, _ := c.api(http.MethodPost, "/api/v1/reservations/00000000-0000-0000-0000-000000000000/cancel", "")
	if code != http.StatusUnauthorized {
		t.Errorf("POST without credentials: %d", code)
	}
	for _, h := range []string{"Bearer wrong", "Basic " + apiToken, apiToken, "Bearer "} {
		if code, _ := c.api(http.MethodGet, "/api/v1/me", "", "Authorization", h); code != http.StatusUnauthorized {
			t.Errorf("Authorization %q: %d", h, code)
		}
	}
	code, me := c.api(http.MethodGet, "/api/v1/me", "", "Authorization", bearer)
	if code != http.StatusOK || me["role"] != "admin" {
		t.Fatalf("token: %d %v", code, me)
	}
	// The OpenAPI document is public.
	if r := c.get("/api/openapi.yaml"); r.status != http.StatusOK || !strings.HasPrefix(r.body, "openapi: 3") {
		t.Fatalf("openapi.yaml: %d", r.status)
	}
}

func TestAPINoTokenConfiguredMeansNoTokenAccess(t *testing.T) {
	e := newEnv(t, func(c *admin.Config) { c.APIToken = "" })
	if code, _ := e.client().api(http.MethodGet, "/api/v1/me", "", "Authorization", "Bearer "); code != http.StatusUnauthorized {
		t.Fatalf("empty token accepted: %d", code)
	}
}

func TestAPIReservationsWithTheToken(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	cab := e.cabin(0)
	b := e.booking(cab.ID, booking.Date(2026, 12, 4), booking.Date(2026, 12, 7), "Ana")
	h := e.hold(cab.ID, booking.Date(2026, 12, 14), booking.Date(2026, 12, 16), "Bruno")

	code, body := c.api(http.MethodGet, "/api/v1/reservations?status=pre_reserved", "", "Authorization", bearer)
	if code != http.StatusOK {
		t.Fatalf("list: %d %v", code, body)
	}
	rs := body["reservations"].([]any)
	if len(rs) != 1 || rs[0].(map[string]any)["code"] != h.Code {
		t.Fatalf("pre_reserved list: %v", rs)
	}
	code, body = c.api(http.MethodGet, "/api/v1/reservations/"+b.ID, "", "Authorization", bearer)
	if code != http.StatusOK || body["reservation"].(map[string]any)["code"] != b.Code || body["can_cancel"] != true {
		t.Fatalf("detail: %d %v", code, body)
	}
	code, body = c.api(http.MethodPost, "/api/v1/reservations/"+h.ID+"/confirm", "", "Authorization", bearer)
	if code != http.StatusOK || body["status"] != "confirmed" {
		t.Fatalf("confirm: %d %v", code, body)
	}
	code, body = c.api(http.MethodPost, "/api/v1/reservations/"+h.ID+"/confirm", "", "Authorization", bearer)
	if code != http.StatusConflict || body["error"].(map[string]any)["code"] != "invalid_transition" {
		t.Fatalf("confirm twice: %d %v", code, body)
	}
	code, body = c.api(http.MethodPost, "/api/v1/reservations/"+b.ID+"/cancel", "", "Authorization", bearer)
	if code != http.StatusOK || body["status"] != "cancelled" {
		t.Fatalf("cancel: %d %v", code, body)
	}
	code, _ = c.api(http.MethodGet, "/api/v1/reservations/6a1f0000-0000-4000-8000-000000000000", "", "Authorization", bearer)
	if code != http.StatusNotFound {
		t.Fatalf("unknown reservation: %d", code)
	}
	code, _ = c.api(http.MethodGet, "/api/v1/reservations?from=yesterday", "", "Authorization", bearer)
	if code != http.StatusBadRequest {
		t.Fatalf("bad filter: %d", code)
	}
	code, body = c.api(http.MethodGet, "/api/v1/calendar?cabin="+itoa(cab.ID)+"&month=2026-12", "", "Authorization", bearer)
	if code != http.StatusOK || len(body["items"].([]any)) != 1 || len(body["weeks"].([]any)) != 5 {
		t.Fatalf("calendar: %d %v", code, body)
	}
	code, body = c.api(http.MethodGet, "/api/v1/cabins", "", "Authorization", bearer)
	if code != http.StatusOK || body["accommodations"].([]any)[0].(map[string]any)["name"] != cab.Name {
		t.Fatalf("cabins: %d %v", code, body)
	}
	code, body = c.api(http.MethodGet, "/api/v1/today", "", "Authorization", bearer)
	if code != http.StatusOK || body["date"] != "2026-11-30T00:00:00Z" {
		t.Fatalf("today: %d %v", code, body)
	}
}

func TestAPIWithASessionNeedsTheCSRFHeaderToChange(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.login(e.user(store.RoleAdmin))
	cab := e.cabin(0)
	b := e.booking(cab.ID, booking.Date(2026, 12, 4), booking.Date(2026, 12, 7), "Ana")
	code, me := c.api(http.MethodGet, "/api/v1/me", "")
	if code != http.StatusOK || me["csrf_token"] == "" {
		t.Fatalf("me: %d %v", code, me)
	}
	code, body := c.api(http.MethodPost, "/api/v1/reservations/"+b.ID+"/cancel", "")
	if code != http.StatusForbidden || body["error"].(map[string]any)["code"] != "csrf" {
		t.Fatalf("cancel without X-CSRF-Token: %d %v", code, body)
	}
	code, _ = c.api(http.MethodPost, "/api/v1/reservations/"+b.ID+"/cancel", "", "X-CSRF-Token", me["csrf_token"].(string))
	if code != http.StatusOK {
		t.Fatalf("cancel with X-CSRF-Token: %d", code)
	}
}

func TestAPIReadOnlySessionCannotChange(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.login(e.user(store.RoleReadOnly))
	cab := e.cabin(0)
	b := e.booking(cab.ID, booking.Date(2026, 12, 4), booking.Date(2026, 12, 7), "Ana")
	_, me := c.api(http.MethodGet, "/api/v1/me", "")
	code, body := c.api(http.MethodPost, "/api/v1/reservations/"+b.ID+"/cancel", "", "X-CSRF-Token", me["csrf_token"].(string))
	if code != http.StatusForbidden || body["error"].(map[string]any)["code"] != "read_only" {
		t.Fatalf("read-only cancel: %d %v", code, body)
	}
	if code, _ := c.api(http.MethodGet, "/api/v1/reservations", ""); code != http.StatusOK {
		t.Fatalf("read-only list: %d", code)
	}
}

func TestAPIFeedsExportsAndConversations(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	cab := e.cabin(0)
	code, feed := c.api(http.MethodPost, "/api/v1/feeds", `{"accommodation_id":`+itoa(cab.ID)+`,"channel":"booking","url":"https://admin.booking.com/hotel/ical/1.ics"}`, "Authorization", bearer)
	if code != http.StatusCreated || feed["channel"] != "booking" || feed["last_result"] != "new" {
		t.Fatalf("add feed: %d %v", code, feed)
	}
	code, _ = c.api(http.MethodPost, "/api/v1/feeds", `{"accommodation_id":`+itoa(cab.ID)+`,"channel":"booking","url":"https://admin.booking.com/hotel/ical/1.ics"}`, "Authorization", bearer)
	if code != http.StatusConflict {
		t.Fatalf("same feed twice: %d", code)
	}
	code, _ = c.api(http.MethodPost, "/api/v1/feeds", `{"accommodation_id":`+itoa(cab.ID)+`,"channel":"x","url":"https://a/b","extra":1}`, "Authorization", bearer)
	if code != http.StatusBadRequest {
		t.Fatalf("unknown field: %d", code)
	}
	code, body := c.api(http.MethodGet, "/api/v1/exports", "", "Authorization", bearer)
	exports := body["exports"].([]any)
	if code != http.StatusOK || len(exports) != 1 {
		t.Fatalf("exports: %d %v", code, body)
	}
	oldURL := exports[0].(map[string]any)["url"].(string)
	code, rotated := c.api(http.MethodPost, "/api/v1/exports/rotate", `{"accommodation_id":`+itoa(cab.ID)+`,"channel":"booking"}`, "Authorization", bearer)
	if code != http.StatusOK || rotated["url"] == oldURL || !strings.HasPrefix(rotated["url"].(string), "http://reservas.test/ical/") {
		t.Fatalf("rotate: %d %v (old %s)", code, rotated, oldURL)
	}
	code, _ = c.api(http.MethodDelete, "/api/v1/feeds/"+itoa(int64(feed["id"].(float64))), "", "Authorization", bearer)
	if code != http.StatusNoContent {
		t.Fatalf("delete feed: %d", code)
	}
	code, _ = c.api(http.MethodDelete, "/api/v1/feeds/"+itoa(int64(feed["id"].(float64))), "", "Authorization", bearer)
	if code != http.StatusNotFound {
		t.Fatalf("delete feed twice: %d", code)
	}

	ctx := context.Background()
	wa := "5491166778899"
	if err := e.store.EnsureConversation(ctx, wa, "Ana"); err != nil {
		t.Fatal(err)
	}
	code, conv := c.api(http.MethodPost, "/api/v1/conversations/"+wa+"/takeover", "", "Authorization", bearer)
	if code != http.StatusOK || conv["bot_paused"] != true || conv["paused_by"] != "api-token" {
		t.Fatalf("take over: %d %v", code, conv)
	}
	code, body = c.api(http.MethodGet, "/api/v1/conversations?paused=true", "", "Authorization", bearer)
	if code != http.StatusOK || len(body["conversations"].([]any)) != 1 {
		t.Fatalf("paused conversations: %d %v", code, body)
	}
	code, conv = c.api(http.MethodPost, "/api/v1/conversations/"+wa+"/handback", "", "Authorization", bearer)
	if code != http.StatusOK || conv["bot_paused"] != false {
		t.Fatalf("give back: %d %v", code, conv)
	}
	code, body = c.api(http.MethodGet, "/api/v1/conversations/"+wa, "", "Authorization", bearer)
	if code != http.StatusOK || body["conversation"].(map[string]any)["wa_id"] != wa {
		t.Fatalf("conversation: %d %v", code, body)
	}
}

// TestOpenAPIDocumentMatchesTheRoutes keeps openapi.yaml in step with the router: every API
// route is documented with its method, and every documented operation is served.
func TestOpenAPIDocumentMatchesTheRoutes(t *testing.T) {
	e := newEnv(t)
	var doc struct {
		OpenAPI string `yaml:"openapi"`
		Servers []struct {
			URL string `yaml:"url"`
		} `yaml:"servers"`
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(admin.OpenAPI(), &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") || len(doc.Servers) != 1 || doc.Servers[0].URL != "/api/v1" {
		t.Fatalf("openapi %q servers %v", doc.OpenAPI, doc.Servers)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths {
		for method := range item {
			if method == "parameters" || method == "summary" || method == "description" {
				continue
			}
			documented[strings.ToUpper(method)+" /api/v1"+path] = true
		}
	}
	served := map[string]bool{}
	err := chi.Walk(e.handler.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if strings.HasPrefix(route, "/api/v1/") {
			served[method+" "+strings.TrimSuffix(route, "/")] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var missing, extra []string
	for k := range served {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !served[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Fatalf("openapi.yaml out of step with the routes:\n served, not documented: %v\n documented, not served: %v", missing, extra)
	}
	if len(served) < 15 {
		t.Fatalf("only %d API routes found: %v", len(served), served)
	}
}
