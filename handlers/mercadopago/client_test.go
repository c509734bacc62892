package mercadopago_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/reservas/reservas/handlers/mercadopago"
	"github.com/reservas/reservas/handlers/mercadopago/mercadopagotest"
)

const token = "APP_USR-test-token"

type bundle struct {
	fake   *mercadopagotest.Server
	client *mercadopago.Client
}

func setup(t *testing.T, cfg mercadopago.Config, hc *http.Client) bundle {
	t.Helper()
	fake := mercadopagotest.NewServer(mercadopagotest.Options{AccessToken: token, WebhookSecret: "whsec"})
	t.Cleanup(fake.Close)
	cfg.BaseURL = fake.URL()
	if cfg.AccessToken == "" {
		cfg.AccessToken = token
	}
	if cfg.BaseBackoff == 0 {
		cfg.BaseBackoff = time.Millisecond
	}
	return bundle{fake: fake, client: mercadopago.NewClient(cfg, hc)}
}

var buenosAires = time.FixedZone("-03:00", -3*60*60)

func bookingPreference(ref string, priceCents int64) mercadopago.PreferenceRequest {
	from := time.Date(2026, 1, 10, 12, 0, 0, 0, buenosAires)
	return mercadopago.PreferenceRequest{
		Items: []mercadopago.Item{{
			ID: "cabin-3", Title: "Cabaña Los Coihues, 3 noches", Description: "10/01 al 13/01",
			CurrencyID: "ARS", Quantity: 1, UnitPrice: mercadopago.CentsToAmount(priceCents),
		}},
		ExternalReference:    ref,
		NotificationURL:      "https://reservas.example/webhooks/mercadopago?source_news=webhooks",
		BackURLs:             mercadopago.BackURLs{Success: "https://reservas.example/pago/ok", Failure: "https://reservas.example/pago/error"},
		AutoReturn:           "approved",
		Expires:              true,
		ExpirationDateFrom:   from,
		ExpirationDateTo:     from.Add(30 * time.Minute),
		ExcludedPaymentTypes: []string{"ticket", "atm"},
		StatementDescriptor:  "RESERVAS",
		Metadata:             map[string]string{"booking_id": ref},
		Payer:                &mercadopago.Payer{Name: "Ana", PhoneAreaCode: "294", PhoneNumber: "4000000"},
	}
}

// pay creates a preference for ref and pays it on the fake, silently.
func (b bundle) pay(t *testing.T, ref string, priceCents int64, o mercadopagotest.PayOptions) mercadopagotest.Payment {
	t.Helper()
	req := bookingPreference(ref, priceCents)
	req.Expires = false
	req.ExpirationDateFrom, req.ExpirationDateTo = time.Time{}, time.Time{}
	pref, err := b.client.CreatePreference(t.Context(), req, "")
	if err != nil {
		t.Fatalf("CreatePreference: %v", err)
	}
	o.Silent = true
	p, err := b.fake.Pay(t.Context(), pref.ID, o)
	if err != nil {
		t.Fatalf("Pay: %v", err)
	}
	return p
}

func TestCreatePreference(t *testing.T) {
	b := setup(t, mercadopago.Config{}, nil)
	req := bookingPreference("bk-1001", 15_000_050)
	pref, err := b.client.CreatePreference(t.Context(), req, "pref-bk-1001-1")
	if err != nil {
		t.Fatalf("CreatePreference: %v", err)
	}
	if !strings.HasPrefix(pref.ID, strconv.FormatInt(mercadopagotest.DefaultCollectorID, 10)+"-") {
		t.Errorf("ID = %q, want <collector>-<uuid>", pref.ID)
	}
	if _, err := uuid.Parse(strings.SplitN(pref.ID, "-", 2)[1]); err != nil {
		t.Errorf("ID suffix is not a uuid: %q", pref.ID)
	}
	if want := b.fake.URL() + "/checkout/v1/redirect?pref_id=" + pref.ID; pref.InitPoint != want {
		t.Errorf("InitPoint = %q, want %q", pref.InitPoint, want)
	}
	if pref.CollectorID != mercadopagotest.DefaultCollectorID || pref.ExternalReference != "bk-1001" || !pref.Expires {
		t.Errorf("preference = %+v", pref)
	}
	if pref.ExpirationDateTo == nil || !pref.ExpirationDateTo.Equal(req.ExpirationDateTo) {
		t.Errorf("ExpirationDateTo = %v, want %v", pref.ExpirationDateTo, req.ExpirationDateTo)
	}
	if len(pref.Items) != 1 || pref.Items[0].UnitPrice != 150000.5 || pref.Items[0].Title != req.Items[0].Title {
		t.Errorf("Items = %+v", pref.Items)
	}

	// What went over the wire.
	reqs := b.fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	h := reqs[0].Header
	for name, want := range map[string]string{
		"Authorization":     "Bearer <redacted>",
		"Content-Type":      "application/json; charset=UTF-8",
		"Accept":            "application/json",
		"X-Idempotency-Key": "pref-bk-1001-1",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
	if _, err := uuid.Parse(h.Get("X-Request-Id")); err != nil {
		t.Errorf("X-Request-Id %q is not a uuid", h.Get("X-Request-Id"))
	}
	var raw map[string]any
	if err := json.Unmarshal(reqs[0].Body, &raw); err != nil {
		t.Fatal(err)
	}
	if got := raw["expiration_date_to"]; got != "2026-01-10T12:30:00.000-03:00" {
		t.Errorf("expiration_date_to = %v, want ISO-8601 with milliseconds and offset", got)
	}
	if !strings.Contains(string(reqs[0].Body), `"unit_price":150000.5`) {
		t.Errorf("unit_price not exact in %s", reqs[0].Body)
	}
	stored := b.fake.Preferences()
	if len(stored) != 1 {
		t.Fatalf("%d stored preferences", len(stored))
	}
	sp := stored[0]
	if sp.TotalCents() != 15_000_050 || sp.NotificationURL != req.NotificationURL || sp.AutoReturn != "approved" ||
		sp.BackURLs.Success != req.BackURLs.Success || sp.StatementDescriptor != "RESERVAS" || sp.Metadata["booking_id"] != "bk-1001" {
		t.Errorf("stored = %+v", sp)
	}
	if strings.Join(sp.ExcludedPaymentTypes, ",") != "ticket,atm" {
		t.Errorf("excluded = %v", sp.ExcludedPaymentTypes)
	}
}

func TestCreatePreferenceIdempotency(t *testing.T) {
	b := setup(t, mercadopago.Config{}, nil)
	req := bookingPreference("bk-1", 100_00)
	first, err := b.client.CreatePreference(t.Context(), req, "same-key")
	if err != nil {
		t.Fatal(err)
	}
	second, err := b.client.CreatePreference(t.Context(), req, "same-key")
	if err != nil {
		t.Fatal(err)
	}
	if first.ID != second.ID {
		t.Fatalf("repeated key gave %q then %q", first.ID, second.ID)
	}
	if n := len(b.fake.Preferences()); n != 1 {
		t.Fatalf("%d preferences stored, want 1", n)
	}
	// No key: the client makes one up, so each call is a new preference.
	third, err := b.client.CreatePreference(t.Context(), req, "")
	if err != nil {
		t.Fatal(err)
	}
	if third.ID == first.ID {
		t.Fatal("call without key reused the stored preference")
	}
	reqs := b.fake.Requests()
	if k := reqs[2].Header.Get("X-Idempotency-Key"); k == "" || k == "same-key" {
		t.Fatalf("generated idempotency key = %q", k)
	}
	if reqs[0].Header.Get("X-Request-Id") == reqs[1].Header.Get("X-Request-Id") {
		t.Fatal("X-Request-Id repeated across requests")
	}
}

func TestCreatePreferenceRefused(t *testing.T) {
	b := setup(t, mercadopago.Config{}, nil)
	req := bookingPreference("bk-1", 100_00)
	req.Items[0].CurrencyID = "USD"
	_, err := b.client.CreatePreference(t.Context(), req, "")
	var apiErr *mercadopago.APIError
	if !errors.Is(err, mercadopago.ErrBadRequest) || !errors.As(err, &apiErr) || apiErr.HTTPStatus != 400 || apiErr.Code != "bad_request" {
		t.Fatalf("USD on MLA: %v", err)
	}
	if n := len(b.fake.Requests()); n != 1 {
		t.Fatalf("a 400 was retried: %d requests", n)
	}

	// Refused by the client before sending.
	for name, mutate := range map[string]func(*mercadopago.PreferenceRequest){
		"no items":        func(r *mercadopago.PreferenceRequest) { r.Items = nil },
		"zero price":      func(r *mercadopago.PreferenceRequest) { r.Items[0].UnitPrice = 0 },
		"zero quantity":   func(r *mercadopago.PreferenceRequest) { r.Items[0].Quantity = 0 },
		"auto_return w/o": func(r *mercadopago.PreferenceRequest) { r.BackURLs.Success = "" },
	} {
		r := bookingPreference("bk-1", 100_00)
		mutate(&r)
		if _, err := b.client.CreatePreference(t.Context(), r, ""); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if n := len(b.fake.Requests()); n != 1 {
		t.Fatalf("invalid requests were sent: %d requests", n)
	}
}

func TestUnauthorized(t *testing.T) {
	b := setup(t, mercadopago.Config{AccessToken: "wrong"}, nil)
	_, err := b.client.GetPayment(t.Context(), "1")
	if !errors.Is(err, mercadopago.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	if n := len(b.fake.Requests()); n != 1 {
		t.Fatalf("401 was retried: %d requests", n)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Fatalf("error leaks the token: %v", err)
	}
}

func TestGetPayment(t *testing.T) {
	b := setup(t, mercadopago.Config{}, nil)
	fp := b.pay(t, "bk-7", 12_345_67, mercadopagotest.PayOptions{})
	p, err := b.client.GetPayment(t.Context(), strconv.FormatInt(fp.ID, 10))
	if err != nil {
		t.Fatalf("GetPayment: %v", err)
	}
	if p.ID != fp.ID || p.Status != mercadopago.StatusApproved || p.StatusDetail != "accredited" || p.CurrencyID != "ARS" ||
		p.ExternalReference != "bk-7" || p.AmountCents() != 12_345_67 || p.RefundedCents() != 0 {
		t.Fatalf("payment = %+v", p)
	}
	if p.DateApproved == nil || p.DateApproved.Sub(fp.DateCreated).Abs() > time.Millisecond || p.DateCreated.IsZero() || p.DateLastUpdated.IsZero() {
		t.Fatalf("dates: created %v approved %v updated %v", p.DateCreated, p.DateApproved, p.DateLastUpdated)
	}
	if p.OrderID != strconv.FormatInt(fp.OrderID, 10) || p.CollectorID != mercadopagotest.DefaultCollectorID || p.PaymentTypeID != "credit_card" || p.Metadata["booking_id"] != "bk-7" {
		t.Fatalf("payment = %+v", p)
	}
	if reqs := b.fake.Requests(); reqs[len(reqs)-1].Header.Get("X-Idempotency-Key") != "" {
		t.Fatal("GET carried an idempotency key")
	}

	pending := b.pay(t, "bk-8", 100_00, mercadopagotest.PayOptions{Status: "pending"})
	p, err = b.client.GetPayment(t.Context(), strconv.FormatInt(pending.ID, 10))
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != mercadopago.StatusPending || p.DateApproved != nil || p.PaymentTypeID != "bank_transfer" {
		t.Fatalf("pending payment (ticket excluded) = %+v", p)
	}
}

func TestGetPaymentNotFound(t *testing.T) {
	b := setup(t, mercadopago.Config{}, nil)
	_, err := b.client.GetPayment(t.Context(), "999")
	if !errors.Is(err, mercadopago.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	var apiErr *mercadopago.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("not an APIError: %v", err)
	}
	if apiErr.HTTPStatus != 404 || apiErr.Code != "not_found" || apiErr.Message != "Payment not found" ||
		len(apiErr.Causes) != 1 || apiErr.Causes[0].Code != "2000" || apiErr.Causes[0].Data == "" || apiErr.RequestID == "" {
		t.Fatalf("APIError = %+v", apiErr)
	}
	if n := len(b.fake.Requests()); n != 1 {
		t.Fatalf("404 was retried: %d requests", n)
	}

	for _, id := range []string{"", "12a", "../1", "1/refunds", "-1", "12345678901234567890"} {
		if _, err := b.client.GetPayment(t.Context(), id); !errors.Is(err, mercadopago.ErrInvalidID) {
			t.Errorf("GetPayment(%q) = %v, want ErrInvalidID", id, err)
		}
	}
	if n := len(b.fake.Requests()); n != 1 {
		t.Fatalf("invalid ids were sent: %d requests", n)
	}
}

func TestGetPaymentBriefly404AfterCreation(t *testing.T) {
	b := setup(t, mercadopago.Config{}, nil)
	b.fake.LagNewPayments(2)
	fp := b.pay(t, "bk-1", 100_00, mercadopagotest.PayOptions{})
	id := strconv.FormatInt(fp.ID, 10)
	for i := range 2 {
		if _, err := b.client.GetPayment(t.Context(), id); !errors.Is(err, mercadopago.ErrNotFound) {
			t.Fatalf("GET %d: %v, want ErrNotFound", i, err)
		}
	}
	if _, err := b.client.GetPayment(t.Context(), id); err != nil {
		t.Fatalf("GET after the lag: %v", err)
	}
}

func TestSearchPayments(t *testing.T) {
	b := setup(t, mercadopago.Config{}, nil)
	var want []int64
	for i := range 55 {
		status := "rejected"
		if i == 54 {
			status = "approved"
		}
		want = append(want, b.pay(t, "bk-search", 100_00, mercadopagotest.PayOptions{Status: status}).ID)
	}
	b.pay(t, "bk-other", 100_00, mercadopagotest.PayOptions{})
	b.pay(t, "bk-search-2", 100_00, mercadopagotest.PayOptions{})

	got, err := b.client.SearchPayments(t.Context(), "bk-search")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d payments, want %d", len(got), len(want))
	}
	for i, p := range got {
		if p.ID != want[len(want)-1-i] {
			t.Fatalf("result %d is %d, want newest first (%d)", i, p.ID, want[len(want)-1-i])
		}
		if p.ExternalReference != "bk-search" {
			t.Fatalf("result for %q", p.ExternalReference)
		}
	}
	if got[0].Status != mercadopago.StatusApproved {
		t.Fatalf("newest = %+v", got[0])
	}
	var searches []string
	for _, r := range b.fake.Requests() {
		if r.Path == "/v1/payments/search" {
			searches = append(searches, r.RawQuery)
		}
	}
	if len(searches) != 2 || !strings.Contains(searches[0], "criteria=desc") || !strings.Contains(searches[0], "sort=date_created") ||
		!strings.Contains(searches[0], "external_reference=bk-search") || !strings.Contains(searches[1], "offset=50") {
		t.Fatalf("search queries = %v", searches)
	}

	none, err := b.client.SearchPayments(t.Context(), "bk-none")
	if err != nil || len(none) != 0 {
		t.Fatalf("no payments: %v %v", none, err)
	}
}

func TestRefund(t *testing.T) {
	b := setup(t, mercadopago.Config{}, nil)
	fp := b.pay(t, "bk-9", 250_000_00, mercadopagotest.PayOptions{})
	id := strconv.FormatInt(fp.ID, 10)

	r, err := b.client.Refund(t.Context(), id, "refund-"+id)
	if err != nil {
		t.Fatalf("Refund: %v", err)
	}
	if r.PaymentID != fp.ID || r.AmountCents() != 250_000_00 || r.Status != "approved" || r.ID == 0 || r.DateCreated.IsZero() {
		t.Fatalf("refund = %+v", r)
	}
	again, err := b.client.Refund(t.Context(), id, "refund-"+id)
	if err != nil || again.ID != r.ID {
		t.Fatalf("repeated key: %+v %v", again, err)
	}
	if n := len(b.fake.Refunds()); n != 1 {
		t.Fatalf("%d refunds recorded, want 1", n)
	}
	p, err := b.client.GetPayment(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != mercadopago.StatusRefunded || p.RefundedCents() != 250_000_00 {
		t.Fatalf("after refund: %+v", p)
	}
	reqs := b.fake.Requests()
	var refundReq *mercadopagotest.Request
	for i := range reqs {
		if reqs[i].Method == http.MethodPost && strings.HasSuffix(reqs[i].Path, "/refunds") {
			refundReq = &reqs[i]
			break
		}
	}
	if refundReq == nil || refundReq.Header.Get("X-Idempotency-Key") != "refund-"+id || string(refundReq.Body) != "{}" {
		t.Fatalf("refund request = %+v", refundReq)
	}

	// A new key on a refunded payment is refused; so is refunding a pending one.
	if _, err := b.client.Refund(t.Context(), id, "other"); !errors.Is(err, mercadopago.ErrBadRequest) {
		t.Fatalf("second refund: %v, want ErrBadRequest", err)
	}
	pending := b.pay(t, "bk-10", 100_00, mercadopagotest.PayOptions{Status: "pending"})
	if _, err := b.client.Refund(t.Context(), strconv.FormatInt(pending.ID, 10), ""); !errors.Is(err, mercadopago.ErrBadRequest) {
		t.Fatalf("refund of pending: %v, want ErrBadRequest", err)
	}
	if _, err := b.client.Refund(t.Context(), "424242", ""); !errors.Is(err, mercadopago.ErrNotFound) {
		t.Fatalf("refund of unknown: %v, want ErrNotFound", err)
	}
}

func TestRetriesServerErrorsThenRecovers(t *testing.T) {
	b := setup(t, mercadopago.Config{MaxAttempts: 4}, nil)
	fp := b.pay(t, "bk-1", 100_00, mercadopagotest.PayOptions{})
	before := len(b.fake.Requests())

	b.fake.FailAPI(2, http.StatusInternalServerError)
	p, err := b.client.GetPayment(t.Context(), strconv.FormatInt(fp.ID, 10))
	if err != nil {
		t.Fatalf("GetPayment after two 500s: %v", err)
	}
	if p.ID != fp.ID {
		t.Fatalf("payment %d", p.ID)
	}
	reqs := b.fake.Requests()[before:]
	if len(reqs) != 3 || reqs[0].Status != 500 || reqs[1].Status != 500 || reqs[2].Status != 200 {
		t.Fatalf("attempts: %+v", reqs)
	}

	// Too many failures: give up after MaxAttempts with ErrUnavailable.
	before = len(b.fake.Requests())
	b.fake.FailAPI(10, http.StatusBadGateway)
	_, err = b.client.GetPayment(t.Context(), strconv.FormatInt(fp.ID, 10))
	var apiErr *mercadopago.APIError
	if !errors.Is(err, mercadopago.ErrUnavailable) || !errors.As(err, &apiErr) || apiErr.HTTPStatus != 502 {
		t.Fatalf("err = %v, want ErrUnavailable 502", err)
	}
	if n := len(b.fake.Requests()) - before; n != 4 {
		t.Fatalf("%d attempts, want 4", n)
	}
}

func TestRetryAfter(t *testing.T) {
	b := setup(t, mercadopago.Config{}, nil)
	fp := b.pay(t, "bk-1", 100_00, mercadopagotest.PayOptions{})
	id := strconv.FormatInt(fp.ID, 10)
	before := len(b.fake.Requests())
	b.fake.FailAPI(1, http.StatusTooManyRequests) // Retry-After: 1
	if _, err := b.client.GetPayment(t.Context(), id); err != nil {
		t.Fatalf("after 429: %v", err)
	}
	if n := len(b.fake.Requests()) - before; n != 2 {
		t.Fatalf("%d attempts, want 2", n)
	}

	// A Retry-After longer than MaxRetryAfter is not waited for.
	impatient := mercadopago.NewClient(mercadopago.Config{BaseURL: b.fake.URL(), AccessToken: token, MaxRetryAfter: 100 * time.Millisecond}, nil)
	before = len(b.fake.Requests())
	b.fake.FailAPI(1, http.StatusTooManyRequests)
	if _, err := impatient.GetPayment(t.Context(), id); !errors.Is(err, mercadopago.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if n := len(b.fake.Requests()) - before; n != 1 {
		t.Fatalf("%d attempts, want 1", n)
	}
}

func TestTimeoutIsRetriedWithSameIdempotencyKey(t *testing.T) {
	b := setup(t, mercadopago.Config{}, &http.Client{Timeout: 300 * time.Millisecond})
	b.fake.StallAPI(1, 10*time.Second)
	pref, err := b.client.CreatePreference(t.Context(), bookingPreference("bk-1", 100_00), "")
	if err != nil {
		t.Fatalf("CreatePreference after a timeout: %v", err)
	}
	if n := len(b.fake.Preferences()); n != 1 || b.fake.Preferences()[0].ID != pref.ID {
		t.Fatalf("%d preferences", n)
	}
	// The stalled request is recorded once its handler notices the client left.
	var reqs []mercadopagotest.Request
	for range 500 {
		if reqs = b.fake.Requests(); len(reqs) == 2 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	k0, k1 := reqs[0].Header.Get("X-Idempotency-Key"), reqs[1].Header.Get("X-Idempotency-Key")
	if k0 == "" || k0 != k1 {
		t.Fatalf("idempotency keys %q and %q, want the same", k0, k1)
	}
	if reqs[0].Header.Get("X-Request-Id") == reqs[1].Header.Get("X-Request-Id") {
		t.Fatal("retry reused X-Request-Id")
	}
}

func TestContextCancelStopsRetrying(t *testing.T) {
	b := setup(t, mercadopago.Config{MaxAttempts: 10, BaseBackoff: time.Hour, MaxBackoff: time.Hour}, nil)
	b.fake.FailAPI(10, http.StatusServiceUnavailable) // Retry-After: 1
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err := b.client.GetPayment(ctx, "1")
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, mercadopago.ErrUnavailable) {
		t.Fatalf("err = %v, want deadline exceeded wrapping the last 503", err)
	}
}

func TestMoneyConversions(t *testing.T) {
	for _, tc := range []struct {
		cents  int64
		amount float64
		json   string
	}{
		{0, 0, "0"}, {1, 0.01, "0.01"}, {10, 0.1, "0.1"}, {12345, 123.45, "123.45"},
		{15_000_050, 150000.5, "150000.5"}, {123_456, 1234.56, "1234.56"}, {-505, -5.05, "-5.05"},
		{99_999_999_999_99, 99999999999.99, "99999999999.99"},
	} {
		a := mercadopago.CentsToAmount(tc.cents)
		if a != tc.amount {
			t.Errorf("CentsToAmount(%d) = %v, want %v", tc.cents, a, tc.amount)
		}
		if b, _ := json.Marshal(a); string(b) != tc.json {
			t.Errorf("JSON of %d centavos = %s, want %s", tc.cents, b, tc.json)
		}
		if c := mercadopago.AmountToCents(tc.amount); c != tc.cents {
			t.Errorf("AmountToCents(%v) = %d, want %d", tc.amount, c, tc.cents)
		}
	}
	if c := mercadopago.AmountToCents(0.1 + 0.2); c != 30 {
		t.Errorf("AmountToCents(0.1+0.2) = %d", c)
	}
	if c := mercadopago.AmountToCents(1.005); c != 100 && c != 101 {
		t.Errorf("AmountToCents(1.005) = %d", c)
	}
	// Round trip over a wide range, including every price up to $100.000.
	for c := int64(0); c <= 10_000_000; c += 7 {
		if got := mercadopago.AmountToCents(mercadopago.CentsToAmount(c)); got != c {
			t.Fatalf("round trip %d -> %d", c, got)
		}
	}
	// An amount decoded from the API's JSON text converts exactly too.
	var v struct {
		A float64 `json:"transaction_amount"`
	}
	_ = json.Unmarshal([]byte(`{"transaction_amount":1234.56}`), &v)
	if got := (mercadopago.Payment{TransactionAmount: v.A}).AmountCents(); got != 123456 {
		t.Errorf("AmountCents = %d", got)
	}
}
