package whatsapp_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reservas/reservas/handlers/whatsapp"
	"github.com/reservas/reservas/handlers/whatsapp/whatsapptest"
)

const (
	testToken   = "EAAG-test-token"
	testPhoneID = "106540352242922"
	guest       = "5491155550000"
)

func newFake(t *testing.T, opts whatsapptest.Options) *whatsapptest.Server {
	t.Helper()
	if opts.Token == "" {
		opts.Token = testToken
	}
	if opts.PhoneNumberID == "" {
		opts.PhoneNumberID = testPhoneID
	}
	s := whatsapptest.NewServer(opts)
	t.Cleanup(s.Close)
	return s
}

func newClient(s *whatsapptest.Server, edit ...func(*whatsapp.Config)) *whatsapp.Client {
	cfg := whatsapp.Config{
		BaseURL:       s.URL(),
		PhoneNumberID: s.PhoneNumberID(),
		Token:         s.Token(),
		BaseBackoff:   time.Millisecond,
	}
	for _, e := range edit {
		e(&cfg)
	}
	return whatsapp.NewClient(cfg, nil)
}

func decodeJSON(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

// sameJSON compares a request body with the exact shape of providers.md A.5.
func sameJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	g, w := decodeJSON(t, got), decodeJSON(t, []byte(want))
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("body =\n%s\nwant\n%s", got, want)
	}
}

func onlySent(t *testing.T, s *whatsapptest.Server) whatsapptest.SentMessage {
	t.Helper()
	sent := s.Sent()
	if len(sent) != 1 {
		t.Fatalf("fake accepted %d messages, want 1", len(sent))
	}
	return sent[0]
}

func TestSendText(t *testing.T) {
	for _, to := range []string{guest, "+" + guest, " +" + guest + " "} {
		t.Run(to, func(t *testing.T) {
			s := newFake(t, whatsapptest.Options{})
			c := newClient(s)
			body := "Hola José, la cabaña <Ñire> está libre & cuesta $ 85.000 🙂"
			wamid, err := c.SendText(t.Context(), to, body)
			if err != nil {
				t.Fatalf("SendText: %v", err)
			}
			m := onlySent(t, s)
			if wamid != m.WAMID || !strings.HasPrefix(wamid, "wamid.") {
				t.Fatalf("wamid = %q, fake assigned %q", wamid, m.WAMID)
			}
			if m.To != "+"+guest || m.WaID != guest || m.Type != "text" || m.Text != body || m.PreviewURL {
				t.Fatalf("sent = %+v", m)
			}
			sameJSON(t, m.Raw, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+5491155550000","type":"text","text":{"preview_url":false,"body":"Hola José, la cabaña <Ñire> está libre & cuesta $ 85.000 🙂"}}`)
			if !strings.Contains(string(m.Raw), "<Ñire>") {
				t.Fatalf("body was HTML-escaped: %s", m.Raw)
			}
		})
	}
}

func TestSendTextRejectedLocally(t *testing.T) {
	s := newFake(t, whatsapptest.Options{})
	c := newClient(s)
	tests := []struct {
		name, to, body, field string
	}{
		{"empty body", guest, "", "text.body"},
		{"body too long", guest, strings.Repeat("á", whatsapp.MaxTextBody+1), "text.body"},
		{"letters in number", "54911abc5555", "hola", "to"},
		{"too short", "+123", "hola", "to"},
		{"too long", "+1234567890123456", "hola", "to"},
		{"empty number", "", "hola", "to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.SendText(t.Context(), tt.to, tt.body)
			checkValidation(t, err, tt.field)
			if tt.to != "" && strings.Contains(err.Error(), strings.TrimPrefix(tt.to, "+")) {
				t.Fatalf("error leaks the number: %v", err)
			}
		})
	}
	// The longest allowed body goes through.
	if _, err := c.SendText(t.Context(), guest, strings.Repeat("á", whatsapp.MaxTextBody)); err != nil {
		t.Fatalf("4096-character body: %v", err)
	}
	if got := s.RequestCount(); got != 1 {
		t.Fatalf("fake saw %d requests, want 1 (invalid messages must not be sent)", got)
	}
}

func TestSendButtons(t *testing.T) {
	s := newFake(t, whatsapptest.Options{})
	c := newClient(s)
	b := validButtons()
	wamid, err := c.SendButtons(t.Context(), guest, b)
	if err != nil {
		t.Fatalf("SendButtons: %v", err)
	}
	m := onlySent(t, s)
	if wamid != m.WAMID || m.Type != "interactive" || m.InteractiveType != "button" || m.Text != b.Body {
		t.Fatalf("sent = %+v", m)
	}
	if !reflect.DeepEqual(*m.Buttons, b) {
		t.Fatalf("fake decoded buttons %+v, want %+v", *m.Buttons, b)
	}
	sameJSON(t, m.Raw, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+5491155550000","type":"interactive",
		"interactive":{"type":"button",
			"header":{"type":"text","text":"Cabaña del Lago"},
			"body":{"text":"¿Confirmás la reserva del 3 al 7 de marzo?"},
			"footer":{"text":"Reservas"},
			"action":{"buttons":[
				{"type":"reply","reply":{"id":"confirm","title":"Confirmar"}},
				{"type":"reply","reply":{"id":"change","title":"Cambiar fechas"}},
				{"type":"reply","reply":{"id":"cancel","title":"Cancelar"}}]}}}`)

	// Without header and footer those keys are left out.
	b.Header, b.Footer, b.Buttons = "", "", b.Buttons[:1]
	if _, err := c.SendButtons(t.Context(), guest, b); err != nil {
		t.Fatalf("SendButtons: %v", err)
	}
	sameJSON(t, s.Sent()[1].Raw, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+5491155550000","type":"interactive",
		"interactive":{"type":"button","body":{"text":"¿Confirmás la reserva del 3 al 7 de marzo?"},
			"action":{"buttons":[{"type":"reply","reply":{"id":"confirm","title":"Confirmar"}}]}}}`)
}

func TestSendList(t *testing.T) {
	s := newFake(t, whatsapptest.Options{})
	c := newClient(s)
	l := validList()
	wamid, err := c.SendList(t.Context(), "+"+guest, l)
	if err != nil {
		t.Fatalf("SendList: %v", err)
	}
	m := onlySent(t, s)
	if wamid != m.WAMID || m.InteractiveType != "list" {
		t.Fatalf("sent = %+v", m)
	}
	if !reflect.DeepEqual(*m.List, l) {
		t.Fatalf("fake decoded list %+v, want %+v", *m.List, l)
	}
	sameJSON(t, m.Raw, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+5491155550000","type":"interactive",
		"interactive":{"type":"list",
			"header":{"type":"text","text":"Cabañas"},
			"body":{"text":"Elegí una cabaña"},
			"footer":{"text":"Precios por noche"},
			"action":{"button":"Ver cabañas","sections":[
				{"title":"Para 2","rows":[{"id":"c1","title":"Cabaña Coihue","description":"Vista al lago"}]},
				{"title":"Para 4","rows":[{"id":"c2","title":"Cabaña Ñire"},{"id":"c3","title":"Cabaña Radal"}]}]}}}`)
}

func TestInteractiveValidatedBeforeSending(t *testing.T) {
	s := newFake(t, whatsapptest.Options{})
	c := newClient(s)
	b := validButtons()
	b.Buttons[0].Title = strings.Repeat("x", 21)
	if _, err := c.SendButtons(t.Context(), guest, b); !errors.Is(err, whatsapp.ErrInvalidMessage) {
		t.Fatalf("SendButtons = %v, want ErrInvalidMessage", err)
	}
	l := validList()
	l.Sections[0].Rows = rows(10)
	if _, err := c.SendList(t.Context(), guest, l); !errors.Is(err, whatsapp.ErrInvalidMessage) {
		t.Fatalf("SendList = %v, want ErrInvalidMessage", err)
	}
	if got := s.RequestCount(); got != 0 {
		t.Fatalf("fake saw %d requests, want 0", got)
	}
}

func TestMarkRead(t *testing.T) {
	s := newFake(t, whatsapptest.Options{})
	c := newClient(s)
	const in = "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA"
	if err := c.MarkRead(t.Context(), in, false); err != nil {
		t.Fatalf("MarkRead: %v", err)
	}
	if err := c.MarkRead(t.Context(), in, true); err != nil {
		t.Fatalf("MarkRead typing: %v", err)
	}
	reads := s.Reads()
	if len(reads) != 2 || reads[0].WAMID != in || reads[0].Typing || !reads[1].Typing {
		t.Fatalf("reads = %+v", reads)
	}
	sameJSON(t, reads[0].Raw, `{"messaging_product":"whatsapp","status":"read","message_id":"`+in+`"}`)
	sameJSON(t, reads[1].Raw, `{"messaging_product":"whatsapp","status":"read","message_id":"`+in+`","typing_indicator":{"type":"text"}}`)
	if len(s.Sent()) != 0 {
		t.Fatal("a read receipt was recorded as a sent message")
	}
	// The fake, like Meta, refuses an id that is not a wamid.
	var apiErr *whatsapp.APIError
	if err := c.MarkRead(t.Context(), "not-a-wamid", false); !errors.As(err, &apiErr) || apiErr.Code != whatsapp.CodeInvalidParameter {
		t.Fatalf("MarkRead(bad id) = %v", err)
	}
}

func TestAuthAndPathErrors(t *testing.T) {
	s := newFake(t, whatsapptest.Options{})
	tests := []struct {
		name              string
		edit              func(*whatsapp.Config)
		status, code, sub int
	}{
		{"wrong token", func(c *whatsapp.Config) { c.Token = "EAAG-other" }, 401, whatsapp.CodeAccessToken, 0},
		{"wrong phone number id", func(c *whatsapp.Config) { c.PhoneNumberID = "999999999999999" }, 400, whatsapp.CodeInvalidParameter, 33},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := s.RequestCount()
			c := newClient(s, tt.edit)
			_, err := c.SendText(t.Context(), guest, "hola secreta")
			var apiErr *whatsapp.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("SendText = %v, want *APIError", err)
			}
			if apiErr.HTTPStatus != tt.status || apiErr.Code != tt.code || apiErr.Subcode != tt.sub || apiErr.Temporary() || apiErr.FBTraceID == "" {
				t.Fatalf("APIError = %+v", apiErr)
			}
			if got := s.RequestCount() - before; got != 1 {
				t.Fatalf("%d requests, want 1 (no retry)", got)
			}
			if msg := err.Error(); strings.Contains(msg, guest) || strings.Contains(msg, "secreta") {
				t.Fatalf("error leaks text or number: %s", msg)
			}
		})
	}
	// A missing token fails before any request.
	c := newClient(s, func(c *whatsapp.Config) { c.Token = "" })
	before := s.RequestCount()
	if _, err := c.SendText(t.Context(), guest, "hola"); !errors.Is(err, whatsapp.ErrNotConfigured) {
		t.Fatalf("no token: %v", err)
	}
	c = newClient(s, func(c *whatsapp.Config) { c.PhoneNumberID = "" })
	if _, err := c.SendText(t.Context(), guest, "hola"); !errors.Is(err, whatsapp.ErrNotConfigured) {
		t.Fatalf("no phone number id: %v", err)
	}
	if err := c.MarkRead(t.Context(), "wamid.X", false); !errors.Is(err, whatsapp.ErrNotConfigured) {
		t.Fatalf("no phone number id: %v", err)
	}
	if s.RequestCount() != before {
		t.Fatal("request sent without a token or phone number id")
	}
}

func TestRetriesTemporaryErrors(t *testing.T) {
	tests := []struct{ status, code int }{
		{429, whatsapp.CodeRateLimit},
		{500, whatsapp.CodeUnknown},
		{503, whatsapp.CodeService},
		{500, whatsapp.CodeSomethingWentWrong},
		{503, whatsapp.CodeServiceUnavailable},
		{400, whatsapp.CodePairRateLimit},
		{400, whatsapp.CodeSomethingWentWrong},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d_%d", tt.status, tt.code), func(t *testing.T) {
			s := newFake(t, whatsapptest.Options{})
			c := newClient(s)
			s.FailNext(2, tt.status, tt.code)
			wamid, err := c.SendText(t.Context(), guest, "hola")
			if err != nil {
				t.Fatalf("SendText = %v, want success on the third attempt", err)
			}
			if got := s.RequestCount(); got != 3 {
				t.Fatalf("%d requests, want 3", got)
			}
			if m := onlySent(t, s); m.WAMID != wamid {
				t.Fatalf("wamid %q, fake %q", wamid, m.WAMID)
			}
		})
	}
	// Mark-as-read is retried the same way.
	s := newFake(t, whatsapptest.Options{})
	c := newClient(s)
	s.FailNext(1, 429, whatsapp.CodeRateLimit)
	if err := c.MarkRead(t.Context(), "wamid.X", true); err != nil || len(s.Reads()) != 1 || s.RequestCount() != 2 {
		t.Fatalf("MarkRead after 429: err %v, reads %d, requests %d", err, len(s.Reads()), s.RequestCount())
	}
}

func TestNoRetryOnPermanentErrors(t *testing.T) {
	tests := []struct {
		status, code  int
		outsideWindow bool
	}{
		{400, whatsapp.CodeReEngagement, true},
		{400, whatsapp.CodeUndeliverable, false},
		{400, whatsapp.CodeInvalidParameter, false},
		{400, whatsapp.CodeSpamRateLimit, false},
		{403, 200, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d_%d", tt.status, tt.code), func(t *testing.T) {
			s := newFake(t, whatsapptest.Options{})
			c := newClient(s)
			s.FailNext(3, tt.status, tt.code)
			_, err := c.SendText(t.Context(), guest, "tu reserva está confirmada")
			var apiErr *whatsapp.APIError
			if !errors.As(err, &apiErr) || apiErr.HTTPStatus != tt.status || apiErr.Code != tt.code || apiErr.Temporary() {
				t.Fatalf("SendText = %v, want a permanent *APIError %d/%d", err, tt.status, tt.code)
			}
			if errors.Is(err, whatsapp.ErrOutsideWindow) != tt.outsideWindow {
				t.Fatalf("errors.Is(ErrOutsideWindow) = %v, want %v", !tt.outsideWindow, tt.outsideWindow)
			}
			if got := s.RequestCount(); got != 1 {
				t.Fatalf("%d requests, want 1", got)
			}
			if len(s.Sent()) != 0 {
				t.Fatal("a failed send was recorded")
			}
			if tt.outsideWindow && (apiErr.Message != "(#131047) Re-engagement message" || !strings.Contains(apiErr.Details, "24 hours")) {
				t.Fatalf("131047 error = %+v", apiErr)
			}
		})
	}
}

func TestRetriesExhausted(t *testing.T) {
	s := newFake(t, whatsapptest.Options{})
	c := newClient(s, func(c *whatsapp.Config) { c.MaxAttempts = 3 })
	s.FailNext(10, 503, whatsapp.CodeService)
	_, err := c.SendText(t.Context(), guest, "hola")
	var apiErr *whatsapp.APIError
	if !errors.As(err, &apiErr) || !apiErr.Temporary() || apiErr.HTTPStatus != 503 {
		t.Fatalf("SendText = %v, want the last 503", err)
	}
	if got := s.RequestCount(); got != 3 {
		t.Fatalf("%d requests, want MaxAttempts=3", got)
	}

	// The default is 4 attempts.
	s2 := newFake(t, whatsapptest.Options{})
	c2 := newClient(s2)
	s2.FailNext(10, 500, whatsapp.CodeUnknown)
	if _, err := c2.SendText(t.Context(), guest, "hola"); err == nil {
		t.Fatal("want an error")
	}
	if got := s2.RequestCount(); got != whatsapp.DefaultMaxAttempts {
		t.Fatalf("%d requests, want %d", got, whatsapp.DefaultMaxAttempts)
	}
}

func TestRetryAfter(t *testing.T) {
	t.Run("too long to wait in-process", func(t *testing.T) {
		s := newFake(t, whatsapptest.Options{})
		c := newClient(s)
		s.FailNextWith(1, whatsapptest.Failure{HTTPStatus: 429, Code: whatsapp.CodeRateLimit, Subcode: 2494055, RetryAfter: 2 * time.Hour})
		_, err := c.SendText(t.Context(), guest, "hola")
		var apiErr *whatsapp.APIError
		if !errors.As(err, &apiErr) || apiErr.RetryAfter != 2*time.Hour || apiErr.Subcode != 2494055 {
			t.Fatalf("SendText = %v (%+v), want the 429 with RetryAfter 2h", err, apiErr)
		}
		if got := s.RequestCount(); got != 1 {
			t.Fatalf("%d requests, want 1: the caller schedules the retry", got)
		}
	})
	t.Run("longer than the context allows", func(t *testing.T) {
		s := newFake(t, whatsapptest.Options{})
		c := newClient(s)
		s.FailNextWith(1, whatsapptest.Failure{HTTPStatus: 429, Code: whatsapp.CodeRateLimit, RetryAfter: 30 * time.Second})
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		_, err := c.SendText(ctx, guest, "hola")
		var apiErr *whatsapp.APIError
		if !errors.As(err, &apiErr) || errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("SendText = %v, want the 429 returned at once", err)
		}
		if got := s.RequestCount(); got != 1 {
			t.Fatalf("%d requests, want 1", got)
		}
	})
	t.Run("short wait then success", func(t *testing.T) {
		s := newFake(t, whatsapptest.Options{})
		c := newClient(s)
		s.FailNextWith(1, whatsapptest.Failure{HTTPStatus: 429, Code: whatsapp.CodeRateLimit, RetryAfter: time.Second})
		if _, err := c.SendText(t.Context(), guest, "hola"); err != nil {
			t.Fatalf("SendText = %v", err)
		}
		if got := s.RequestCount(); got != 2 {
			t.Fatalf("%d requests, want 2", got)
		}
	})
}

// flakyTransport fails the first n round trips without reaching the server.
type flakyTransport struct {
	mu   sync.Mutex
	n    int
	next http.RoundTripper
}

func (f *flakyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	fail := f.n > 0
	f.n--
	f.mu.Unlock()
	if fail {
		return nil, errors.New("connection reset by peer")
	}
	return f.next.RoundTrip(r)
}

func TestRetriesTransportErrors(t *testing.T) {
	s := newFake(t, whatsapptest.Options{})
	hc := &http.Client{Transport: &flakyTransport{n: 2, next: http.DefaultTransport}}
	c := whatsapp.NewClient(whatsapp.Config{BaseURL: s.URL(), PhoneNumberID: s.PhoneNumberID(), Token: s.Token(), BaseBackoff: time.Millisecond}, hc)
	if _, err := c.SendText(t.Context(), guest, "hola"); err != nil {
		t.Fatalf("SendText = %v", err)
	}
	if got := s.RequestCount(); got != 1 || len(s.Sent()) != 1 {
		t.Fatalf("requests %d, sent %d; want 1 and 1", got, len(s.Sent()))
	}

	hc = &http.Client{Transport: &flakyTransport{n: 10, next: http.DefaultTransport}}
	c = whatsapp.NewClient(whatsapp.Config{BaseURL: s.URL(), PhoneNumberID: s.PhoneNumberID(), Token: s.Token(), BaseBackoff: time.Millisecond}, hc)
	_, err := c.SendText(t.Context(), guest, "hola")
	if err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("SendText = %v, want the transport error", err)
	}
	if strings.Contains(err.Error(), "127.0.0.1") {
		t.Fatalf("error carries the URL: %v", err)
	}
}

func TestContextEndsRetries(t *testing.T) {
	s := newFake(t, whatsapptest.Options{})
	c := newClient(s, func(c *whatsapp.Config) { c.BaseBackoff = time.Hour })
	s.FailNext(1, 500, whatsapp.CodeUnknown)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := c.SendText(ctx, guest, "hola")
		done <- err
	}()
	for s.RequestCount() == 0 {
		time.Sleep(time.Millisecond)
	}
	// Usually the client is in its (1 h) backoff by now; if the answer is still in flight the
	// cancellation cuts the request instead. Either way it stops at once, without a retry.
	time.Sleep(20 * time.Millisecond)
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("SendText = %v, want context.Canceled", err)
	}
	if got := s.RequestCount(); got != 1 {
		t.Fatalf("%d requests, want 1", got)
	}

	// A request cut by the context is not retried.
	s.SetLatency(time.Hour)
	ctx2, cancel2 := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel2()
	if _, err := c.SendText(ctx2, guest, "hola"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("SendText = %v, want DeadlineExceeded", err)
	}
	if got := s.RequestCount(); got != 2 {
		t.Fatalf("%d requests, want 2", got)
	}
}

func TestConcurrentSends(t *testing.T) {
	s := newFake(t, whatsapptest.Options{})
	c := newClient(s)
	ch, cancel := s.Subscribe()
	defer cancel()
	const n = 20
	var wg sync.WaitGroup
	ids := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			ids[i], errs[i] = c.SendText(t.Context(), guest, fmt.Sprintf("mensaje %d", i))
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("send %d: %v", i, errs[i])
		}
		seen[ids[i]] = true
	}
	if len(seen) != n {
		t.Fatalf("%d distinct wamids, want %d", len(seen), n)
	}
	sent, err := s.WaitSent(t.Context(), n)
	if err != nil || len(sent) != n {
		t.Fatalf("WaitSent: %d, %v", len(sent), err)
	}
	for i := range n {
		m := <-ch
		if m.WAMID != sent[i].WAMID {
			t.Fatalf("subscription order: got %s at %d, want %s", m.WAMID, i, sent[i].WAMID)
		}
	}
}
