package mercadopagotest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reservas/reservas/handlers/mercadopago"
	"github.com/reservas/reservas/handlers/mercadopago/mercadopagotest"
)

const (
	token  = "APP_USR-test"
	secret = "whsec-test"
)

var fastSchedule = []time.Duration{0, 5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond}

// received is one notification request as the application would see it.
type received struct {
	query     url.Values
	rawQuery  string
	header    http.Header
	body      []byte
	parsed    mercadopago.Notification
	parseErr  error
	verifyErr error
}

// receiver is a notification endpoint: it answers with the next status of
// its script (the last one repeats) after an optional delay.
type receiver struct {
	srv *httptest.Server

	mu       sync.Mutex
	statuses []int
	delays   []time.Duration
	got      []received
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	t.Helper()
	r := &receiver{statuses: statuses}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		rec := received{query: req.URL.Query(), rawQuery: req.URL.RawQuery, header: req.Header.Clone(), body: body}
		rec.parsed, rec.parseErr = mercadopago.ParseNotification(rec.query, rec.header, body)
		rec.verifyErr = mercadopago.VerifySignature(secret, rec.query, rec.header, time.Now(), time.Minute)
		r.mu.Lock()
		n := len(r.got)
		r.got = append(r.got, rec)
		status := http.StatusOK
		if len(r.statuses) > 0 {
			status = r.statuses[min(n, len(r.statuses)-1)]
		}
		var delay time.Duration
		if n < len(r.delays) {
			delay = r.delays[n]
		}
		r.mu.Unlock()
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-req.Context().Done():
			}
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

type bundle struct {
	fake   *mercadopagotest.Server
	client *mercadopago.Client
	recv   *receiver
}

func setup(t *testing.T, opts mercadopagotest.Options, statuses ...int) bundle {
	t.Helper()
	opts.AccessToken = token
	if opts.WebhookSecret == "" {
		opts.WebhookSecret = secret
	}
	if opts.RetrySchedule == nil {
		opts.RetrySchedule = fastSchedule
	}
	if opts.NotificationTimeout == 0 {
		opts.NotificationTimeout = 2 * time.Second
	}
	fake := mercadopagotest.NewServer(opts)
	t.Cleanup(fake.Close)
	return bundle{
		fake:   fake,
		client: mercadopago.NewClient(mercadopago.Config{BaseURL: fake.URL(), AccessToken: token, BaseBackoff: time.Millisecond}, nil),
		recv:   newReceiver(t, statuses...),
	}
}

// preference creates a preference through the real client; query is
// appended to the receiver URL (e.g. "?source_news=webhooks").
func (b bundle) preference(t *testing.T, query string, mutate ...func(*mercadopago.PreferenceRequest)) mercadopago.Preference {
	t.Helper()
	req := mercadopago.PreferenceRequest{
		Items:             []mercadopago.Item{{ID: "c1", Title: "Cabaña del Bosque, 2 noches", CurrencyID: "ARS", Quantity: 2, UnitPrice: 75000}},
		ExternalReference: "bk-42",
		NotificationURL:   b.recv.srv.URL + "/webhooks/mercadopago" + query,
		BackURLs:          mercadopago.BackURLs{Success: "https://reservas.example/ok", Failure: "https://reservas.example/error"},
		AutoReturn:        "approved",
	}
	for _, m := range mutate {
		m(&req)
	}
	p, err := b.client.CreatePreference(t.Context(), req, "")
	if err != nil {
		t.Fatalf("CreatePreference: %v", err)
	}
	return p
}

func TestWebhookIsSignedAndParses(t *testing.T) {
	b := setup(t, mercadopagotest.Options{})
	pref := b.preference(t, "?source_news=webhooks")
	pay, err := b.fake.Pay(t.Context(), pref.ID, mercadopagotest.PayOptions{})
	if err != nil {
		t.Fatalf("Pay: %v", err)
	}
	got := b.recv.requests()
	if len(got) != 1 {
		t.Fatalf("%d notifications, want 1 (webhooks only)", len(got))
	}
	r := got[0]
	id := strconv.FormatInt(pay.ID, 10)
	if want := "source_news=webhooks&data.id=" + id + "&type=payment"; r.rawQuery != want {
		t.Errorf("query = %q, want %q", r.rawQuery, want)
	}
	if r.verifyErr != nil {
		t.Errorf("VerifySignature: %v", r.verifyErr)
	}
	if r.parseErr != nil {
		t.Fatalf("ParseNotification: %v", r.parseErr)
	}
	n := r.parsed
	if n.Kind != mercadopago.KindWebhook || !n.IsPayment() || n.ResourceID != id || n.Action != "payment.created" || n.NotificationID == "" || n.RequestID == "" {
		t.Errorf("notification = %+v", n)
	}
	ts, err := strconv.ParseInt(n.Timestamp, 10, 64)
	if err != nil || ts < 1e12 {
		t.Errorf("ts %q is not milliseconds", n.Timestamp)
	}
	for name, want := range map[string]string{"Content-Type": "application/json", "X-Retry": "0", "X-Socket-Timeout": "2000"} {
		if got := r.header.Get(name); got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
	var body map[string]any
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatal(err)
	}
	if body["type"] != "payment" || body["api_version"] != "v1" || body["data"].(map[string]any)["id"] != id || body["live_mode"] != false {
		t.Errorf("body = %s", r.body)
	}
	if _, isNumber := body["id"].(float64); !isNumber {
		t.Errorf("body id is not a number: %s", r.body)
	}

	// The payment the notification points at is what the API returns.
	p, err := b.client.GetPayment(t.Context(), n.ResourceID)
	if err != nil || p.ExternalReference != "bk-42" || p.AmountCents() != 150000_00 || p.Status != "approved" {
		t.Fatalf("GetPayment: %+v %v", p, err)
	}
}

func TestNotifierRetriesUntilAcknowledged(t *testing.T) {
	b := setup(t, mercadopagotest.Options{}, 500, 204, 200)
	pref := b.preference(t, "?source_news=webhooks")
	if _, err := b.fake.Pay(t.Context(), pref.ID, mercadopagotest.PayOptions{}); err != nil {
		t.Fatalf("Pay: %v", err)
	}
	got := b.recv.requests()
	if len(got) != 3 {
		t.Fatalf("%d attempts, want 3 (500, 204 are not acknowledgements)", len(got))
	}
	for i, r := range got {
		if r.header.Get("X-Retry") != strconv.Itoa(i) {
			t.Errorf("attempt %d X-Retry = %q", i, r.header.Get("X-Retry"))
		}
		if r.verifyErr != nil {
			t.Errorf("attempt %d: VerifySignature: %v", i, r.verifyErr)
		}
		if r.header.Get("X-Request-Id") != got[0].header.Get("X-Request-Id") || r.header.Get("X-Signature") != got[0].header.Get("X-Signature") {
			t.Errorf("attempt %d was re-signed; default is to repeat the first attempt's headers", i)
		}
	}
	ds := b.fake.Deliveries()
	if len(ds) != 3 || ds[0].StatusCode != 500 || ds[1].StatusCode != 204 || ds[1].Acknowledged || !ds[2].Acknowledged {
		t.Fatalf("deliveries = %+v", ds)
	}
}

func TestNotifierResignsRetriesWhenAsked(t *testing.T) {
	b := setup(t, mercadopagotest.Options{ResignRetries: true}, 500, 200)
	pref := b.preference(t, "?source_news=webhooks")
	if _, err := b.fake.Pay(t.Context(), pref.ID, mercadopagotest.PayOptions{}); err != nil {
		t.Fatal(err)
	}
	got := b.recv.requests()
	if len(got) != 2 || got[0].header.Get("X-Request-Id") == got[1].header.Get("X-Request-Id") {
		t.Fatalf("retry not re-signed: %d attempts", len(got))
	}
	for i, r := range got {
		if r.verifyErr != nil {
			t.Errorf("attempt %d: %v", i, r.verifyErr)
		}
	}
}

func TestNotifierGivesUpAfterSchedule(t *testing.T) {
	b := setup(t, mercadopagotest.Options{}, 503)
	pref := b.preference(t, "?source_news=webhooks")
	pay, err := b.fake.Pay(t.Context(), pref.ID, mercadopagotest.PayOptions{})
	if !errors.Is(err, mercadopagotest.ErrNotDelivered) {
		t.Fatalf("err = %v, want ErrNotDelivered", err)
	}
	if pay.ID == 0 {
		t.Fatal("payment not returned with the delivery error")
	}
	if n := len(b.recv.requests()); n != len(fastSchedule) {
		t.Fatalf("%d attempts, want %d", n, len(fastSchedule))
	}
}

func TestNotifierTimeoutCountsAsFailure(t *testing.T) {
	b := setup(t, mercadopagotest.Options{NotificationTimeout: 50 * time.Millisecond})
	b.recv.delays = []time.Duration{2 * time.Second}
	pref := b.preference(t, "?source_news=webhooks")
	if _, err := b.fake.Pay(t.Context(), pref.ID, mercadopagotest.PayOptions{}); err != nil {
		t.Fatalf("Pay: %v", err)
	}
	ds := b.fake.Deliveries()
	if len(ds) != 2 || ds[0].Acknowledged || ds[0].StatusCode != 0 || ds[0].Err == "" || !ds[1].Acknowledged {
		t.Fatalf("deliveries = %+v", ds)
	}
}

func TestFanOutWithoutSourceNews(t *testing.T) {
	b := setup(t, mercadopagotest.Options{})
	pref := b.preference(t, "")
	pay, err := b.fake.Pay(t.Context(), pref.ID, mercadopagotest.PayOptions{})
	if err != nil {
		t.Fatalf("Pay: %v", err)
	}
	kinds := map[string]received{}
	for _, r := range b.recv.requests() {
		if r.parseErr != nil {
			t.Fatalf("parse %q: %v", r.rawQuery, r.parseErr)
		}
		kinds[r.parsed.Kind+"/"+r.parsed.Topic] = r
	}
	if len(kinds) != 3 {
		t.Fatalf("got %v, want webhook/payment, ipn/payment, ipn/merchant_order", kinds)
	}
	id := strconv.FormatInt(pay.ID, 10)
	if r := kinds["webhook/payment"]; r.verifyErr != nil || r.parsed.ResourceID != id {
		t.Errorf("webhook: %+v %v", r.parsed, r.verifyErr)
	}
	ipn := kinds["ipn/payment"]
	if ipn.rawQuery != "topic=payment&id="+id || ipn.parsed.ResourceID != id || string(ipn.body) != `{"resource":"`+id+`","topic":"payment"}` {
		t.Errorf("ipn payment: %q %s", ipn.rawQuery, ipn.body)
	}
	if !errors.Is(ipn.verifyErr, mercadopago.ErrBadSignature) {
		t.Errorf("IPN signature verified (%v); Mercado Pago's IPN cannot be verified with the secret", ipn.verifyErr)
	}
	mo := kinds["ipn/merchant_order"]
	if mo.parsed.ResourceID != strconv.FormatInt(pay.OrderID, 10) || !strings.Contains(string(mo.body), "https://api.mercadolibre.com/merchant_orders/") {
		t.Errorf("merchant order: %+v %s", mo.parsed, mo.body)
	}
}

func TestSourceNewsIPN(t *testing.T) {
	b := setup(t, mercadopagotest.Options{})
	pref := b.preference(t, "?source_news=ipn")
	if _, err := b.fake.Pay(t.Context(), pref.ID, mercadopagotest.PayOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, r := range b.recv.requests() {
		if r.parsed.Kind != mercadopago.KindIPN {
			t.Fatalf("got a %s with source_news=ipn", r.parsed.Kind)
		}
	}
}

func TestNotifyModes(t *testing.T) {
	b := setup(t, mercadopagotest.Options{})
	pref := b.preference(t, "?source_news=webhooks")
	pay, err := b.fake.Pay(t.Context(), pref.ID, mercadopagotest.PayOptions{Silent: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.recv.requests()) != 0 {
		t.Fatal("Silent payment notified")
	}
	id := strconv.FormatInt(pay.ID, 10)

	notify := func(mode mercadopagotest.NotifyMode) []received {
		t.Helper()
		before := len(b.recv.requests())
		if err := b.fake.Notify(t.Context(), pay.ID, mode); err != nil {
			t.Fatalf("Notify(%b): %v", mode, err)
		}
		return b.recv.requests()[before:]
	}

	plain := notify(0)
	if len(plain) != 1 || plain[0].verifyErr != nil || plain[0].parsed.Action != "payment.created" {
		t.Fatalf("plain: %+v", plain)
	}

	dup := notify(mercadopagotest.Duplicate)
	if len(dup) != 2 || dup[0].parsed.NotificationID != dup[1].parsed.NotificationID || dup[0].parsed.RequestID == dup[1].parsed.RequestID {
		t.Fatalf("duplicate: %+v", dup)
	}
	for _, r := range dup {
		if r.verifyErr != nil {
			t.Fatalf("duplicate signature: %v", r.verifyErr)
		}
	}

	noReq := notify(mercadopagotest.DropRequestID)
	if noReq[0].header.Get("X-Request-Id") != "" || noReq[0].verifyErr != nil {
		t.Fatalf("drop request id: header %q, verify %v", noReq[0].header.Get("X-Request-Id"), noReq[0].verifyErr)
	}

	if r := notify(mercadopagotest.BadSignature); !errors.Is(r[0].verifyErr, mercadopago.ErrBadSignature) {
		t.Fatalf("bad signature verified: %v", r[0].verifyErr)
	}
	if r := notify(mercadopagotest.Unsigned); !errors.Is(r[0].verifyErr, mercadopago.ErrMissingSignature) {
		t.Fatalf("unsigned: %v", r[0].verifyErr)
	}

	secs := notify(mercadopagotest.SecondsTimestamp)
	if ts, _ := strconv.ParseInt(secs[0].parsed.Timestamp, 10, 64); ts > 1e11 || secs[0].verifyErr != nil {
		t.Fatalf("seconds ts %q: %v", secs[0].parsed.Timestamp, secs[0].verifyErr)
	}

	str := notify(mercadopagotest.StringNotificationID)
	if !strings.Contains(string(str[0].body), `"id":"`) || str[0].parsed.NotificationID == "" {
		t.Fatalf("string id body: %s", str[0].body)
	}

	ipn := notify(mercadopagotest.IPN)
	if ipn[0].parsed.Kind != mercadopago.KindIPN || ipn[0].parsed.ResourceID != id {
		t.Fatalf("ipn: %+v", ipn[0].parsed)
	}

	if err := b.fake.Notify(t.Context(), 1, 0); !errors.Is(err, mercadopagotest.ErrUnknownPayment) {
		t.Fatalf("unknown payment: %v", err)
	}
}

func TestUppercaseResourceIDIsSignedLowercase(t *testing.T) {
	b := setup(t, mercadopagotest.Options{})
	target := b.recv.srv.URL + "/webhooks/mercadopago"
	if err := b.fake.NotifyResource(t.Context(), target, "order", "ord01jq4s4ky8hwq6na5pxb65b3d3", mercadopagotest.UppercaseID); err != nil {
		t.Fatal(err)
	}
	r := b.recv.requests()[0]
	if r.query.Get("data.id") != "ORD01JQ4S4KY8HWQ6NA5PXB65B3D3" {
		t.Fatalf("query data.id = %q", r.query.Get("data.id"))
	}
	if r.verifyErr != nil {
		t.Fatalf("VerifySignature: %v", r.verifyErr)
	}
	if r.parsed.Topic != "order" || r.parsed.ResourceID != "ORD01JQ4S4KY8HWQ6NA5PXB65B3D3" {
		t.Fatalf("parsed = %+v", r.parsed)
	}
}

func TestSetPaymentStatus(t *testing.T) {
	b := setup(t, mercadopagotest.Options{})
	pref := b.preference(t, "?source_news=webhooks")
	pay, err := b.fake.Pay(t.Context(), pref.ID, mercadopagotest.PayOptions{Status: "pending"})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.fake.SetPaymentStatus(t.Context(), pay.ID, "approved"); err != nil {
		t.Fatalf("pending -> approved: %v", err)
	}
	got := b.recv.requests()
	if len(got) != 2 || got[1].parsed.Action != "payment.updated" || got[1].verifyErr != nil {
		t.Fatalf("notifications: %+v", got)
	}
	p, err := b.client.GetPayment(t.Context(), strconv.FormatInt(pay.ID, 10))
	if err != nil || p.Status != "approved" || p.DateApproved == nil {
		t.Fatalf("after approval: %+v %v", p, err)
	}
	if err := b.fake.SetPaymentStatus(t.Context(), pay.ID, "charged_back"); err != nil {
		t.Fatalf("approved -> charged_back: %v", err)
	}
	if err := b.fake.SetPaymentStatus(t.Context(), pay.ID, "approved"); !errors.Is(err, mercadopagotest.ErrInvalidTransition) {
		t.Fatalf("charged_back -> approved: %v", err)
	}

	other, err := b.fake.Pay(t.Context(), pref.ID, mercadopagotest.PayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.fake.SetPaymentStatus(t.Context(), other.ID, "refunded"); err != nil {
		t.Fatal(err)
	}
	p, _ = b.client.GetPayment(t.Context(), strconv.FormatInt(other.ID, 10))
	if p.Status != "refunded" || p.RefundedCents() != p.AmountCents() || len(b.fake.Refunds()) != 1 {
		t.Fatalf("after refund: %+v refunds %v", p, b.fake.Refunds())
	}
}

func TestRefundAPINotifies(t *testing.T) {
	b := setup(t, mercadopagotest.Options{})
	pref := b.preference(t, "?source_news=webhooks")
	pay, err := b.fake.Pay(t.Context(), pref.ID, mercadopagotest.PayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.client.Refund(t.Context(), strconv.FormatInt(pay.ID, 10), ""); err != nil {
		t.Fatal(err)
	}
	if err := b.fake.WaitIdle(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := b.recv.requests()
	if len(got) != 2 || got[1].parsed.Action != "payment.updated" {
		t.Fatalf("notifications after refund: %d", len(got))
	}
}

func TestPayRules(t *testing.T) {
	b := setup(t, mercadopagotest.Options{})

	expired := b.preference(t, "?source_news=webhooks", func(r *mercadopago.PreferenceRequest) {
		r.Expires = true
		r.ExpirationDateFrom = time.Now().Add(-time.Hour)
		r.ExpirationDateTo = time.Now().Add(-time.Minute)
	})
	if _, err := b.fake.Pay(t.Context(), expired.ID, mercadopagotest.PayOptions{}); !errors.Is(err, mercadopagotest.ErrPreferenceExpired) {
		t.Fatalf("expired: %v", err)
	}

	binary := b.preference(t, "?source_news=webhooks", func(r *mercadopago.PreferenceRequest) { r.BinaryMode = true })
	if _, err := b.fake.Pay(t.Context(), binary.ID, mercadopagotest.PayOptions{Status: "pending"}); err == nil {
		t.Fatal("binary_mode produced a pending payment")
	}

	noCash := b.preference(t, "?source_news=webhooks", func(r *mercadopago.PreferenceRequest) {
		r.ExcludedPaymentTypes = []string{"ticket", "atm"}
	})
	if _, err := b.fake.Pay(t.Context(), noCash.ID, mercadopagotest.PayOptions{PaymentTypeID: "ticket"}); err == nil {
		t.Fatal("excluded payment type accepted")
	}

	// Overrides, and paying the same preference twice.
	low, err := b.fake.Pay(t.Context(), noCash.ID, mercadopagotest.PayOptions{Amount: 1000, Currency: "USD", ExternalReference: "bk-other"})
	if err != nil {
		t.Fatal(err)
	}
	full, err := b.fake.Pay(t.Context(), noCash.ID, mercadopagotest.PayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if low.AmountCents() != 1000_00 || low.CurrencyID != "USD" || low.ExternalReference != "bk-other" || full.AmountCents() != 150000_00 || full.OrderID != low.OrderID {
		t.Fatalf("low %+v full %+v", low, full)
	}

	if _, err := b.fake.Pay(t.Context(), "nope", mercadopagotest.PayOptions{}); !errors.Is(err, mercadopagotest.ErrUnknownPreference) {
		t.Fatalf("unknown preference: %v", err)
	}
}

func TestCheckoutPage(t *testing.T) {
	b := setup(t, mercadopagotest.Options{})
	pref := b.preference(t, "?source_news=webhooks")
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	resp, err := noRedirect.Get(pref.InitPoint)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"Cabaña del Bosque, 2 noches", "150.000,00", "Pagar", "Rechazar", `method="post"`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("checkout page lacks %q", want)
		}
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	payURL := b.fake.URL() + "/checkout/v1/pay?pref_id=" + url.QueryEscape(pref.ID)
	// Rejected: result page, no redirect (auto_return is "approved").
	resp, err = noRedirect.PostForm(payURL, url.Values{"result": {"rejected"}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "rechazado") || !strings.Contains(string(page), "https://reservas.example/error?") {
		t.Fatalf("rejected: %d %s", resp.StatusCode, page)
	}

	// Approved: straight back to back_urls.success with Checkout Pro's parameters.
	resp, err = noRedirect.PostForm(payURL, url.Values{"result": {"approved"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("approved: status %d", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Host != "reservas.example" || loc.Path != "/ok" {
		t.Fatalf("redirect to %q", resp.Header.Get("Location"))
	}
	q := loc.Query()
	if q.Get("status") != "approved" || q.Get("external_reference") != "bk-42" || q.Get("preference_id") != pref.ID || q.Get("payment_id") == "" {
		t.Fatalf("back url query = %v", q)
	}

	if err := b.fake.WaitIdle(t.Context()); err != nil {
		t.Fatal(err)
	}
	pays := b.fake.Payments()
	if len(pays) != 2 || pays[0].Status != "rejected" || pays[1].Status != "approved" || strconv.FormatInt(pays[1].ID, 10) != q.Get("payment_id") {
		t.Fatalf("payments = %+v", pays)
	}
	// Page payments notify in the background, so in any order.
	got := b.recv.requests()
	notified := map[string]bool{}
	for _, r := range got {
		if r.verifyErr != nil || r.parseErr != nil {
			t.Fatalf("notification %q: %v %v", r.rawQuery, r.verifyErr, r.parseErr)
		}
		notified[r.parsed.ResourceID] = true
	}
	if len(got) != 2 || !notified[q.Get("payment_id")] || !notified[strconv.FormatInt(pays[0].ID, 10)] {
		t.Fatalf("notified %v, want both payments", notified)
	}
}

func TestCheckoutPageExpired(t *testing.T) {
	b := setup(t, mercadopagotest.Options{})
	pref := b.preference(t, "", func(r *mercadopago.PreferenceRequest) {
		r.Expires = true
		r.ExpirationDateTo = time.Now().Add(-time.Second)
	})
	resp, err := http.Get(pref.InitPoint)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "venció") || strings.Contains(string(page), `value="approved"`) {
		t.Fatalf("expired page: %s", page)
	}
	resp, err = http.PostForm(b.fake.URL()+"/checkout/v1/pay?pref_id="+url.QueryEscape(pref.ID), url.Values{"result": {"approved"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusGone || len(b.fake.Payments()) != 0 {
		t.Fatalf("paying an expired link: status %d, %d payments", resp.StatusCode, len(b.fake.Payments()))
	}
}

func TestMountedUnderPrefix(t *testing.T) {
	mux := http.NewServeMux()
	front := httptest.NewServer(mux)
	defer front.Close()
	fake := mercadopagotest.NewServer(mercadopagotest.Options{AccessToken: token, PublicURL: front.URL + "/mp/"})
	defer fake.Close()
	mux.Handle("/mp/", http.StripPrefix("/mp", fake.Handler()))

	client := mercadopago.NewClient(mercadopago.Config{BaseURL: front.URL + "/mp", AccessToken: token}, nil)
	pref, err := client.CreatePreference(t.Context(), mercadopago.PreferenceRequest{
		Items: []mercadopago.Item{{Title: "Noche", CurrencyID: "ARS", Quantity: 1, UnitPrice: 100}},
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pref.InitPoint, front.URL+"/mp/checkout/v1/redirect?pref_id=") {
		t.Fatalf("init_point %q", pref.InitPoint)
	}
	resp, err := http.PostForm(front.URL+"/mp/checkout/v1/pay?pref_id="+url.QueryEscape(pref.ID), url.Values{"result": {"approved"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || len(fake.Payments()) != 1 {
		t.Fatalf("pay through the mount: %d, %d payments", resp.StatusCode, len(fake.Payments()))
	}
}

func TestAPIEnvelopes(t *testing.T) {
	b := setup(t, mercadopagotest.Options{})
	do := func(method, path, auth, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), method, b.fake.URL()+path, strings.NewReader(body))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var env map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&env)
		return resp.StatusCode, env
	}
	bearer := "Bearer " + token
	items := `{"items":[{"title":"x","quantity":1,"currency_id":"ARS","unit_price":%s}]%s}`
	for _, tc := range []struct {
		name, method, path, auth, body string
		status                         int
		code, message                  string
	}{
		{"no token", "GET", "/v1/payments/1", "", "", 401, "unauthorized", ""},
		{"wrong token", "GET", "/v1/payments/1", "Bearer nope", "", 401, "unauthorized", ""},
		{"unknown payment", "GET", "/v1/payments/1", bearer, "", 404, "not_found", "Payment not found"},
		{"method", "DELETE", "/v1/payments/1", bearer, "", 405, "method_not_allowed", "Method not allowed"},
		{"unknown route", "GET", "/v2/nothing", bearer, "", 404, "not_found", ""},
		{"bad json", "POST", "/checkout/preferences", bearer, "{", 400, "bad_request", ""},
		{"zero price", "POST", "/checkout/preferences", bearer, strings.Replace(strings.Replace(items, "%s", "0", 1), "%s", "", 1), 400, "bad_request", ""},
		{"three decimals", "POST", "/checkout/preferences", bearer, strings.Replace(strings.Replace(items, "%s", "1.005", 1), "%s", "", 1), 400, "bad_request", ""},
		{"auto_return without success", "POST", "/checkout/preferences", bearer, strings.Replace(strings.Replace(items, "%s", "10", 1), "%s", `,"auto_return":"approved"`, 1), 400, "bad_request", "auto_return invalid. back_url.success must be defined"},
		{"bad expiration", "POST", "/checkout/preferences", bearer, strings.Replace(strings.Replace(items, "%s", "10", 1), "%s", `,"expires":true,"expiration_date_to":"2026-01-10 12:00"`, 1), 400, "bad_request", ""},
		{"ok", "POST", "/checkout/preferences", bearer, strings.Replace(strings.Replace(items, "%s", "10.5", 1), "%s", "", 1), 201, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, env := do(tc.method, tc.path, tc.auth, tc.body)
			if status != tc.status {
				t.Fatalf("status %d, want %d (%v)", status, tc.status, env)
			}
			if tc.code == "" {
				return
			}
			if env["error"] != tc.code || env["status"] != float64(tc.status) {
				t.Fatalf("envelope = %v", env)
			}
			if _, ok := env["cause"].([]any); !ok {
				t.Fatalf("envelope lacks a cause array: %v", env)
			}
			if tc.message != "" && env["message"] != tc.message {
				t.Fatalf("message = %v, want %q", env["message"], tc.message)
			}
		})
	}
}

func TestCloseStopsPendingRetries(t *testing.T) {
	recv := newReceiver(t, 500)
	fake := mercadopagotest.NewServer(mercadopagotest.Options{AccessToken: token, WebhookSecret: secret}) // real 15-minute schedule
	client := mercadopago.NewClient(mercadopago.Config{BaseURL: fake.URL(), AccessToken: token}, nil)
	pref, err := client.CreatePreference(t.Context(), mercadopago.PreferenceRequest{
		Items:           []mercadopago.Item{{Title: "Noche", CurrencyID: "ARS", Quantity: 1, UnitPrice: 100}},
		NotificationURL: recv.srv.URL + "?source_news=webhooks",
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if _, err := fake.Pay(ctx, pref.ID, mercadopagotest.PayOptions{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Pay with a 15-minute retry pending: %v", err)
	}
	fake.Close() // must not wait 15 minutes
	if n := len(recv.requests()); n != 1 {
		t.Fatalf("%d attempts before close, want 1", n)
	}
}
