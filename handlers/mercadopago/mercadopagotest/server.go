// Package mercadopagotest is a fake Mercado Pago for tests and for the
// sandbox binary: the REST API the client uses (preferences, payments, search,
// refunds), a Checkout Pro page a person can "pay" on, and a notifier that
// delivers signed webhooks (and legacy IPN) with Mercado Pago's retry
// behaviour, per /work/shared/contracts/providers.md section B.
//
// It deliberately does not import the client package, so a wrong field name or
// signature rule in the client cannot be mirrored here and go unnoticed.
// It does not import "testing" either: the sandbox links it.
package mercadopagotest

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// defaultRetrySchedule is the delay before each delivery attempt of one
// notification, as Mercado Pago's Checkout Pro docs list it (about 14 days
// in all). Tests pass a schedule in milliseconds instead.
var defaultRetrySchedule = []time.Duration{
	0, 15 * time.Minute, 30 * time.Minute, 6 * time.Hour,
	48 * time.Hour, 96 * time.Hour, 96 * time.Hour, 96 * time.Hour,
}

// DefaultRetrySchedule returns a copy of Mercado Pago's documented schedule.
func DefaultRetrySchedule() []time.Duration {
	return append([]time.Duration(nil), defaultRetrySchedule...)
}

const (
	// DefaultNotificationTimeout is Mercado Pago's 22 s (X-Socket-Timeout: 22000).
	DefaultNotificationTimeout = 22 * time.Second
	// DefaultCollectorID is the fake seller's id, the prefix of preference ids.
	DefaultCollectorID int64 = 1273205088
	timeLayout               = "2006-01-02T15:04:05.000-07:00"
	maxBodyBytes             = 1 << 20
)

// mpZone is the offset Mercado Pago's API writes its dates in.
var mpZone = time.FixedZone("-04:00", -4*60*60)

// siteCurrency is the one currency each site accepts.
var siteCurrency = map[string]string{
	"MLA": "ARS", "MLB": "BRL", "MLM": "MXN", "MLC": "CLP",
	"MCO": "COP", "MPE": "PEN", "MLU": "UYU",
}

// Options configures a Server. Zero values get defaults.
type Options struct {
	// AccessToken is the only Bearer token the API accepts; "" accepts any
	// non-empty token. A missing or wrong token gets the 401 envelope.
	AccessToken string
	// WebhookSecret signs webhook notifications (x-signature). "" sends them
	// unsigned, as an integration with no secret configured would get.
	WebhookSecret string
	// PublicURL is the base of init_point and of the checkout page links,
	// for when Handler() is mounted elsewhere (the sandbox). Default URL().
	PublicURL string
	// CollectorID is the seller id. Default DefaultCollectorID.
	CollectorID int64
	// SiteID decides the accepted currency ("MLA" -> ARS). Default "MLA".
	SiteID string
	// RetrySchedule is the delay before each delivery attempt (its length is
	// the number of attempts). Default DefaultRetrySchedule().
	RetrySchedule []time.Duration
	// NotificationTimeout bounds one delivery attempt. Default 22 s.
	NotificationTimeout time.Duration
	// ResignRetries gives every retry a new x-request-id and ts (and so a new
	// signature). Default false: a retry repeats the first attempt's headers,
	// so its ts grows old, the harsher of the two unconfirmed behaviours.
	ResignRetries bool
	// HTTPClient sends the notifications. Default a plain client; the
	// per-attempt timeout is NotificationTimeout either way.
	HTTPClient *http.Client
}

// Server is a running fake. All methods are safe for concurrent use.
type Server struct {
	opts     Options
	currency string
	srv      *httptest.Server
	handler  http.Handler
	hc       *http.Client
	ipnKey   []byte

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu          sync.Mutex
	prefs       map[string]*StoredPreference
	prefOrder   []string
	prefIdem    map[string]storedResponse
	payments    map[int64]*Payment
	payOrder    []int64
	refunds     []Refund
	refundIdem  map[string]storedResponse
	deliveries  []Delivery
	requests    []Request
	orderOfPref map[string]int64
	hiddenGets  map[int64]int
	lagNew      int
	failN       int
	failStatus  int
	stallN      int
	stallD      time.Duration
	nextPayment int64
	nextOrder   int64
	nextRefund  int64
	nextNotif   int64
	inflight    int
	closed      bool
}

type storedResponse struct {
	status int
	body   []byte
}

// NewServer starts a fake on a loopback httptest server. Close it when done.
func NewServer(opts Options) *Server {
	if opts.CollectorID == 0 {
		opts.CollectorID = DefaultCollectorID
	}
	if opts.SiteID == "" {
		opts.SiteID = "MLA"
	}
	if len(opts.RetrySchedule) == 0 {
		opts.RetrySchedule = DefaultRetrySchedule()
	} else {
		opts.RetrySchedule = append([]time.Duration(nil), opts.RetrySchedule...)
	}
	if opts.NotificationTimeout <= 0 {
		opts.NotificationTimeout = DefaultNotificationTimeout
	}
	s := &Server{
		opts:        opts,
		currency:    siteCurrency[opts.SiteID],
		hc:          opts.HTTPClient,
		prefs:       map[string]*StoredPreference{},
		prefIdem:    map[string]storedResponse{},
		payments:    map[int64]*Payment{},
		refundIdem:  map[string]storedResponse{},
		orderOfPref: map[string]int64{},
		hiddenGets:  map[int64]int{},
		nextPayment: 131_000_000_001,
		nextOrder:   20_000_000_001,
		nextRefund:  1_500_000_001,
		nextNotif:   110_000_000_001,
	}
	if s.currency == "" {
		s.currency = "ARS"
	}
	if s.hc == nil {
		s.hc = &http.Client{}
	}
	// IPN signatures are not made with the webhook secret (providers.md
	// B.2), so the fake signs them with a key nobody knows.
	s.ipnKey = make([]byte, 32)
	_, _ = rand.Read(s.ipnKey)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.handler = s.routes()
	// Unstarted first, so s.srv is set before any handler goroutine runs.
	s.srv = httptest.NewUnstartedServer(s.handler)
	s.srv.Start()
	return s
}

// URL is the fake's base URL: set it as the client's BaseURL.
func (s *Server) URL() string { return s.srv.URL }

// Handler serves the API and the checkout page, for mounting in the sandbox.
func (s *Server) Handler() http.Handler { return s.handler }

// Close stops pending notification retries, then the server.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.cancel()
	s.mu.Unlock()
	s.wg.Wait()
	s.srv.Close()
}

func (s *Server) publicURL() string {
	if s.opts.PublicURL != "" {
		return strings.TrimRight(s.opts.PublicURL, "/")
	}
	return s.srv.URL
}

// FailAPI makes the next n API requests answer status (e.g. 500, 503, 429)
// with Mercado Pago's error envelope; 429 and 503 carry "Retry-After: 1".
// Then the API recovers. The checkout page is not affected.
func (s *Server) FailAPI(n int, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failStatus = n, status
}

// StallAPI makes the next n API requests wait d before being served (or
// until the caller gives up), to simulate timeouts.
func (s *Server) StallAPI(n int, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stallN, s.stallD = n, d
}

// LagNewPayments makes every payment created from now on answer 404 to its
// first n GET /v1/payments/{id}, as Mercado Pago is reported to do right
// after payment.created. n = 0 turns it off.
func (s *Server) LagNewPayments(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lagNew = n
}

// Request is one API request the fake received (checkout page excluded).
type Request struct {
	Method, Path, RawQuery string
	// Header is a copy; the Authorization value is reduced to its scheme
	// ("Bearer <redacted>").
	Header http.Header
	Body   []byte
	// Status is what the fake answered.
	Status int
	At     time.Time
}

// Requests returns the API requests received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Header = r.Header.Clone()
		out[i] = r
	}
	return out
}

// ---- routing ----

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	api := func(pattern, method string, h func(http.ResponseWriter, *http.Request, []byte)) {
		mux.HandleFunc(pattern, s.apiMiddleware(method, h))
	}
	api("/checkout/preferences", http.MethodPost, s.handleCreatePreference)
	api("/checkout/preferences/{id}", http.MethodGet, s.handleGetPreference)
	api("/v1/payments/search", http.MethodGet, s.handleSearchPayments)
	api("/v1/payments/{id}", http.MethodGet, s.handleGetPayment)
	api("/v1/payments/{id}/refunds", http.MethodPost, s.handleRefund)
	mux.HandleFunc("/checkout/v1/redirect", s.handleCheckoutPage)
	mux.HandleFunc("/checkout/v1/pay", s.handleCheckoutPay)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "resource not found", "not_found", nil)
	})
	return mux
}

// apiMiddleware records the request, applies FailAPI/StallAPI, enforces the
// method and the Bearer token.
func (s *Server) apiMiddleware(method string, h func(http.ResponseWriter, *http.Request, []byte)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		rec := &statusRecorder{ResponseWriter: w}
		hdr := r.Header.Clone()
		if a := hdr.Get("Authorization"); a != "" {
			scheme, _, _ := strings.Cut(a, " ")
			hdr.Set("Authorization", scheme+" <redacted>")
		}
		defer func() {
			s.mu.Lock()
			s.requests = append(s.requests, Request{
				Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
				Header: hdr, Body: body, Status: rec.status, At: time.Now(),
			})
			s.mu.Unlock()
		}()
		if err != nil {
			writeError(rec, http.StatusRequestEntityTooLarge, "request body too large", "bad_request", nil)
			return
		}

		s.mu.Lock()
		var stall time.Duration
		if s.stallN > 0 {
			s.stallN--
			stall = s.stallD
		}
		failStatus := 0
		if s.failN > 0 {
			s.failN--
			failStatus = s.failStatus
		}
		s.mu.Unlock()
		if stall > 0 {
			t := time.NewTimer(stall)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			case <-s.ctx.Done():
				t.Stop()
				return
			}
		}
		if failStatus != 0 {
			if failStatus == http.StatusTooManyRequests || failStatus == http.StatusServiceUnavailable {
				rec.Header().Set("Retry-After", "1")
			}
			msg := strings.ToLower(http.StatusText(failStatus))
			writeError(rec, failStatus, msg, strings.ReplaceAll(msg, " ", "_"), nil)
			return
		}
		if r.Method != method {
			writeError(rec, http.StatusMethodNotAllowed, "Method not allowed", "method_not_allowed", nil)
			return
		}
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		token = strings.TrimSpace(token)
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			writeError(rec, http.StatusUnauthorized, "unauthorized", "unauthorized", nil)
			return
		}
		if s.opts.AccessToken != "" && token != s.opts.AccessToken {
			writeError(rec, http.StatusUnauthorized, "invalid access token", "unauthorized", nil)
			return
		}
		h(rec, r, body)
	}
}

type wireCause struct {
	Code        int     `json:"code"`
	Description string  `json:"description"`
	Data        *string `json:"data"`
}

// writeError writes Mercado Pago's error envelope.
func writeError(w http.ResponseWriter, status int, message, code string, causes []wireCause) {
	if causes == nil {
		causes = []wireCause{}
	}
	writeJSON(w, status, struct {
		Message string      `json:"message"`
		Error   string      `json:"error"`
		Status  int         `json:"status"`
		Cause   []wireCause `json:"cause"`
	}{message, code, status, causes})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func badRequest(w http.ResponseWriter, message string) {
	writeError(w, http.StatusBadRequest, message, "bad_request", nil)
}

func fmtTime(t time.Time) string { return t.In(mpZone).Format(timeLayout) }

func fmtTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	v := fmtTime(*t)
	return &v
}

// cents converts an amount to centavos, rounding away binary noise.
func cents(amount float64) int64 {
	if amount >= 0 {
		return int64(amount*100 + 0.5)
	}
	return -int64(-amount*100 + 0.5)
}

func amount(c int64) float64 { return float64(c) / 100 }

func newUUID() string { return uuid.NewString() }

// sortedPayments returns payments in creation order; caller holds s.mu.
func (s *Server) sortedPayments(desc bool) []*Payment {
	out := make([]*Payment, 0, len(s.payOrder))
	for _, id := range s.payOrder {
		out = append(out, s.payments[id])
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.DateCreated.Equal(b.DateCreated) {
			if desc {
				return a.DateCreated.After(b.DateCreated)
			}
			return a.DateCreated.Before(b.DateCreated)
		}
		if desc {
			return a.ID > b.ID
		}
		return a.ID < b.ID
	})
	return out
}

func atoiDefault(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}

// errorf is fmt.Errorf with the package prefix.
func errorf(format string, args ...any) error {
	return fmt.Errorf("mercadopagotest: "+format, args...)
}

// ErrNotDelivered reports that a notification was never acknowledged with
// 200 or 201 before its retry schedule ran out.
var ErrNotDelivered = errors.New("mercadopagotest: notification not acknowledged")
