package mercadopagotest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Payment statuses (sdk-dotnet PaymentStatus).
const (
	StatusApproved    = "approved"
	StatusPending     = "pending"
	StatusAuthorized  = "authorized"
	StatusInProcess   = "in_process"
	StatusInMediation = "in_mediation"
	StatusRejected    = "rejected"
	StatusCancelled   = "cancelled"
	StatusRefunded    = "refunded"
	StatusChargedBack = "charged_back"
)

// Errors from Pay and SetPaymentStatus.
var (
	ErrUnknownPreference = errors.New("mercadopagotest: unknown preference")
	ErrUnknownPayment    = errors.New("mercadopagotest: unknown payment")
	ErrPreferenceExpired = errors.New("mercadopagotest: preference expired")
	ErrInvalidTransition = errors.New("mercadopagotest: invalid status transition")
)

// defaultDetail is the status_detail Mercado Pago typically pairs with each status.
var defaultDetail = map[string]string{
	StatusApproved:    "accredited",
	StatusPending:     "pending_waiting_payment",
	StatusAuthorized:  "pending_capture",
	StatusInProcess:   "pending_contingency",
	StatusInMediation: "in_mediation",
	StatusRejected:    "cc_rejected_other_reason",
	StatusCancelled:   "expired",
	StatusRefunded:    "refunded",
	StatusChargedBack: "settled",
}

// transitions lists the statuses SetPaymentStatus may move to from each status.
var transitions = map[string][]string{
	StatusPending:     {StatusApproved, StatusRejected, StatusCancelled, StatusInProcess},
	StatusInProcess:   {StatusApproved, StatusRejected, StatusCancelled},
	StatusAuthorized:  {StatusApproved, StatusCancelled},
	StatusApproved:    {StatusRefunded, StatusChargedBack, StatusInMediation},
	StatusInMediation: {StatusApproved, StatusRefunded, StatusChargedBack},
}

// Payment is a payment held by the fake.
type Payment struct {
	ID                        int64
	PreferenceID              string
	Status                    string
	StatusDetail              string
	CurrencyID                string
	TransactionAmount         float64
	TransactionAmountRefunded float64
	ExternalReference         string
	PaymentTypeID             string
	PaymentMethodID           string
	PayerEmail                string
	OrderID                   int64
	NotificationURL           string
	Description               string
	Metadata                  map[string]any
	DateCreated               time.Time
	DateLastUpdated           time.Time
	DateApproved              *time.Time
}

// AmountCents is TransactionAmount in centavos.
func (p Payment) AmountCents() int64 { return cents(p.TransactionAmount) }

// Refund is a refund held by the fake.
type Refund struct {
	ID             int64
	PaymentID      int64
	Amount         float64
	Status         string
	IdempotencyKey string
	DateCreated    time.Time
}

// PayOptions shapes the payment Pay creates. Zero values follow the preference.
type PayOptions struct {
	// Status is "approved" (default), "pending", "in_process", "authorized" or "rejected".
	Status string
	// StatusDetail overrides the usual detail for Status.
	StatusDetail string
	// Amount overrides the preference total (e.g. to test a payment that is
	// too low); 0 keeps the total.
	Amount float64
	// Currency overrides the items' currency.
	Currency string
	// ExternalReference overrides the preference's; "" keeps it.
	ExternalReference string
	// PaymentTypeID ("credit_card", "account_money", "ticket", ...); default
	// credit_card, or ticket/bank_transfer for pending. An excluded type fails.
	PaymentTypeID string
	// PayerEmail defaults to a test address.
	PayerEmail string
	// Silent creates the payment without notifying (a lost notification).
	Silent bool
	// Mode is applied to the webhook notification(s) sent for the payment.
	Mode NotifyMode
}

// Payments returns all payments, oldest first.
func (s *Server) Payments() []Payment {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Payment, 0, len(s.payOrder))
	for _, id := range s.payOrder {
		out = append(out, *s.payments[id])
	}
	return out
}

// Payment returns one payment.
func (s *Server) Payment(id int64) (Payment, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.payments[id]
	if !ok {
		return Payment{}, false
	}
	return *p, true
}

// Refunds returns all refunds, oldest first.
func (s *Server) Refunds() []Refund {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.refunds)
}

// Pay makes a payment on a preference, as a payer finishing Checkout Pro
// would, and sends its notifications to the preference's notification_url:
// with "source_news=webhooks" in that URL only the webhook; with
// "source_news=ipn" only IPN (payment and merchant_order); otherwise all
// three, as Mercado Pago does. It returns when every notification was
// acknowledged (200/201) or ran out of retries, or when ctx ends (the
// retries go on in the background until Close). The Payment is valid even
// when the error reports an undelivered notification (ErrNotDelivered).
//
// A preference can be paid more than once, as on Mercado Pago; an expired
// one (expires with expiration_date_to in the past) cannot.
func (s *Server) Pay(ctx context.Context, prefID string, o PayOptions) (Payment, error) {
	p, waits, err := s.pay(prefID, o)
	if err != nil {
		return Payment{}, err
	}
	return p, wait(ctx, waits)
}

func (s *Server) pay(prefID string, o PayOptions) (Payment, []<-chan error, error) {
	now := time.Now()
	s.mu.Lock()
	pref, ok := s.prefs[prefID]
	if !ok {
		s.mu.Unlock()
		return Payment{}, nil, errorf("%w: %q", ErrUnknownPreference, prefID)
	}
	if err := pref.payableAt(now); err != nil {
		s.mu.Unlock()
		return Payment{}, nil, err
	}
	status := o.Status
	if status == "" {
		status = StatusApproved
	}
	switch status {
	case StatusApproved, StatusRejected:
	case StatusPending, StatusInProcess, StatusAuthorized:
		if pref.BinaryMode {
			s.mu.Unlock()
			return Payment{}, nil, errorf("binary_mode preference %s cannot produce a %s payment", prefID, status)
		}
	default:
		s.mu.Unlock()
		return Payment{}, nil, errorf("Pay cannot create a payment with status %q", status)
	}
	ptype := o.PaymentTypeID
	if ptype == "" {
		candidates := []string{"credit_card", "account_money", "debit_card"}
		if status == StatusPending {
			candidates = []string{"ticket", "bank_transfer", "atm"}
		}
		for _, c := range candidates {
			if !slices.Contains(pref.ExcludedPaymentTypes, c) {
				ptype = c
				break
			}
		}
		if ptype == "" {
			s.mu.Unlock()
			return Payment{}, nil, errorf("every payment type for a %s payment is excluded", status)
		}
	} else if slices.Contains(pref.ExcludedPaymentTypes, ptype) {
		s.mu.Unlock()
		return Payment{}, nil, errorf("payment type %q is excluded by preference %s", ptype, prefID)
	}
	method := map[string]string{
		"credit_card": "visa", "debit_card": "debvisa", "account_money": "account_money",
		"ticket": "rapipago", "bank_transfer": "cvu", "atm": "redlink",
	}[ptype]
	if method == "" {
		method = ptype
	}
	orderID, ok := s.orderOfPref[prefID]
	if !ok {
		orderID = s.nextOrder
		s.nextOrder++
		s.orderOfPref[prefID] = orderID
	}
	pay := &Payment{
		ID:                s.nextPayment,
		PreferenceID:      prefID,
		Status:            status,
		StatusDetail:      o.StatusDetail,
		CurrencyID:        pref.Currency(),
		TransactionAmount: amount(pref.TotalCents()),
		ExternalReference: pref.ExternalReference,
		PaymentTypeID:     ptype,
		PaymentMethodID:   method,
		PayerEmail:        o.PayerEmail,
		OrderID:           orderID,
		NotificationURL:   pref.NotificationURL,
		Metadata:          pref.Metadata,
		DateCreated:       now,
		DateLastUpdated:   now,
	}
	s.nextPayment++
	if len(pref.Items) > 0 {
		pay.Description = pref.Items[0].Title
	}
	if pay.StatusDetail == "" {
		pay.StatusDetail = defaultDetail[status]
	}
	if o.Amount != 0 {
		pay.TransactionAmount = o.Amount
	}
	if o.Currency != "" {
		pay.CurrencyID = o.Currency
	}
	if o.ExternalReference != "" {
		pay.ExternalReference = o.ExternalReference
	}
	if pay.PayerEmail == "" {
		pay.PayerEmail = "test_user_" + strconv.FormatInt(pay.ID%100000, 10) + "@testuser.com"
	}
	if status == StatusApproved {
		t := now
		pay.DateApproved = &t
	}
	s.payments[pay.ID] = pay
	s.payOrder = append(s.payOrder, pay.ID)
	if s.lagNew > 0 {
		s.hiddenGets[pay.ID] = s.lagNew
	}
	out := *pay
	var waits []<-chan error
	if !o.Silent {
		waits = s.fanOutLocked(pay, "payment.created", o.Mode)
	}
	s.mu.Unlock()
	return out, waits, nil
}

// SetPaymentStatus moves a payment to status, as Mercado Pago does when a
// pending payment is paid, an approved one is refunded or charged back, and
// so on, then notifies (payment.updated, same fan-out as Pay) and waits like
// Pay. Moving to "refunded" records a full refund.
func (s *Server) SetPaymentStatus(ctx context.Context, paymentID int64, status string) error {
	s.mu.Lock()
	p, ok := s.payments[paymentID]
	if !ok {
		s.mu.Unlock()
		return errorf("%w: %d", ErrUnknownPayment, paymentID)
	}
	if !slices.Contains(transitions[p.Status], status) {
		s.mu.Unlock()
		return errorf("%w: %s -> %s", ErrInvalidTransition, p.Status, status)
	}
	now := time.Now()
	if status == StatusRefunded {
		s.refundLocked(p, cents(p.TransactionAmount)-cents(p.TransactionAmountRefunded), "", now)
	} else {
		p.Status = status
		p.StatusDetail = defaultDetail[status]
		p.DateLastUpdated = now
		if status == StatusApproved && p.DateApproved == nil {
			t := now
			p.DateApproved = &t
		}
	}
	waits := s.fanOutLocked(p, "payment.updated", 0)
	s.mu.Unlock()
	return wait(ctx, waits)
}

// refundLocked records a refund of c centavos and updates the payment.
func (s *Server) refundLocked(p *Payment, c int64, key string, now time.Time) Refund {
	r := Refund{ID: s.nextRefund, PaymentID: p.ID, Amount: amount(c), Status: "approved", IdempotencyKey: key, DateCreated: now}
	s.nextRefund++
	s.refunds = append(s.refunds, r)
	p.TransactionAmountRefunded = amount(cents(p.TransactionAmountRefunded) + c)
	p.DateLastUpdated = now
	if cents(p.TransactionAmountRefunded) >= cents(p.TransactionAmount) {
		p.Status = StatusRefunded
		p.StatusDetail = "refunded"
	} else {
		p.StatusDetail = "partially_refunded"
	}
	return r
}

// ---- API ----

type wirePayment struct {
	ID                        int64          `json:"id"`
	DateCreated               string         `json:"date_created"`
	DateApproved              *string        `json:"date_approved"`
	DateLastUpdated           string         `json:"date_last_updated"`
	MoneyReleaseDate          *string        `json:"money_release_date"`
	OperationType             string         `json:"operation_type"`
	PaymentMethodID           string         `json:"payment_method_id"`
	PaymentTypeID             string         `json:"payment_type_id"`
	Status                    string         `json:"status"`
	StatusDetail              string         `json:"status_detail"`
	CurrencyID                string         `json:"currency_id"`
	Description               string         `json:"description"`
	LiveMode                  bool           `json:"live_mode"`
	CollectorID               int64          `json:"collector_id"`
	Payer                     map[string]any `json:"payer"`
	Metadata                  map[string]any `json:"metadata"`
	Order                     map[string]any `json:"order"`
	ExternalReference         *string        `json:"external_reference"`
	TransactionAmount         float64        `json:"transaction_amount"`
	TransactionAmountRefunded float64        `json:"transaction_amount_refunded"`
	Installments              int            `json:"installments"`
	Captured                  bool           `json:"captured"`
	NotificationURL           *string        `json:"notification_url"`
	Refunds                   []wireRefund   `json:"refunds"`
}

type wireRefund struct {
	ID                    int64          `json:"id"`
	PaymentID             int64          `json:"payment_id"`
	Amount                float64        `json:"amount"`
	Metadata              map[string]any `json:"metadata"`
	Source                map[string]any `json:"source"`
	DateCreated           string         `json:"date_created"`
	UniqueSequenceNumber  *string        `json:"unique_sequence_number"`
	RefundMode            string         `json:"refund_mode"`
	AdjustmentAmount      float64        `json:"adjustment_amount"`
	Status                string         `json:"status"`
	Reason                *string        `json:"reason"`
	Labels                []string       `json:"labels"`
	AmountRefundedToPayer float64        `json:"amount_refunded_to_payer"`
}

func (s *Server) refundJSON(r Refund) wireRefund {
	return wireRefund{
		ID: r.ID, PaymentID: r.PaymentID, Amount: r.Amount, Metadata: map[string]any{},
		Source:      map[string]any{"id": strconv.FormatInt(s.opts.CollectorID, 10), "name": "Vendedor de prueba", "type": "collector"},
		DateCreated: fmtTime(r.DateCreated), RefundMode: "standard", Status: r.Status,
		Labels: []string{}, AmountRefundedToPayer: r.Amount,
	}
}

// paymentJSON renders a payment like GET /v1/payments/{id}; caller holds s.mu.
func (s *Server) paymentJSON(p *Payment) wirePayment {
	w := wirePayment{
		ID:                        p.ID,
		DateCreated:               fmtTime(p.DateCreated),
		DateApproved:              fmtTimePtr(p.DateApproved),
		DateLastUpdated:           fmtTime(p.DateLastUpdated),
		OperationType:             "regular_payment",
		PaymentMethodID:           p.PaymentMethodID,
		PaymentTypeID:             p.PaymentTypeID,
		Status:                    p.Status,
		StatusDetail:              p.StatusDetail,
		CurrencyID:                p.CurrencyID,
		Description:               p.Description,
		LiveMode:                  false,
		CollectorID:               s.opts.CollectorID,
		Payer:                     map[string]any{"type": "guest", "id": nil, "email": p.PayerEmail, "first_name": nil, "last_name": nil},
		Metadata:                  p.Metadata,
		Order:                     map[string]any{"type": "mercadopago", "id": strconv.FormatInt(p.OrderID, 10)},
		TransactionAmount:         p.TransactionAmount,
		TransactionAmountRefunded: p.TransactionAmountRefunded,
		Installments:              1,
		Captured:                  true,
		Refunds:                   []wireRefund{},
	}
	if w.Metadata == nil {
		w.Metadata = map[string]any{}
	}
	if p.DateApproved != nil {
		release := p.DateApproved.Add(14 * 24 * time.Hour)
		w.MoneyReleaseDate = fmtTimePtr(&release)
	}
	if p.ExternalReference != "" {
		v := p.ExternalReference
		w.ExternalReference = &v
	}
	if p.NotificationURL != "" {
		v := p.NotificationURL
		w.NotificationURL = &v
	}
	for _, r := range s.refunds {
		if r.PaymentID == p.ID {
			w.Refunds = append(w.Refunds, s.refundJSON(r))
		}
	}
	return w
}

// notFoundPayment writes the 404 envelope seen in production logs (B.4).
func notFoundPayment(w http.ResponseWriter) {
	data := time.Now().UTC().Format("02-01-2006T15:04:05UTC") + ";" + newUUID()
	writeError(w, http.StatusNotFound, "Payment not found", "not_found",
		[]wireCause{{Code: 2000, Description: "Payment not found", Data: &data}})
}

// lookupLocked finds a payment by its path id; caller holds s.mu.
func (s *Server) lookupLocked(raw string) (*Payment, bool) {
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return nil, false
	}
	p, ok := s.payments[id]
	return p, ok
}

func (s *Server) handleGetPayment(w http.ResponseWriter, r *http.Request, _ []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.lookupLocked(r.PathValue("id"))
	if !ok {
		notFoundPayment(w)
		return
	}
	if n := s.hiddenGets[p.ID]; n > 0 {
		s.hiddenGets[p.ID] = n - 1
		notFoundPayment(w)
		return
	}
	writeJSON(w, http.StatusOK, s.paymentJSON(p))
}

func (s *Server) handleSearchPayments(w http.ResponseWriter, r *http.Request, _ []byte) {
	q := r.URL.Query()
	limit := atoiDefault(q.Get("limit"), 30)
	offset := atoiDefault(q.Get("offset"), 0)
	if limit < 0 || offset < 0 {
		badRequest(w, "invalid paging")
		return
	}
	limit = min(limit, 1000)
	desc := q.Get("criteria") == "desc"
	ref, filter := q.Get("external_reference"), q.Has("external_reference")
	s.mu.Lock()
	defer s.mu.Unlock()
	var matched []wirePayment
	for _, p := range s.sortedPayments(desc) {
		if filter && p.ExternalReference != ref {
			continue
		}
		matched = append(matched, s.paymentJSON(p))
	}
	total := len(matched)
	page := []wirePayment{}
	if offset < total {
		page = matched[offset:min(total, offset+limit)]
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"paging":  map[string]int{"total": total, "limit": limit, "offset": offset},
		"results": page,
	})
}

func (s *Server) handleRefund(w http.ResponseWriter, r *http.Request, body []byte) {
	key := r.Header.Get("X-Idempotency-Key")
	var req struct {
		Amount *float64 `json:"amount"`
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			badRequest(w, "invalid JSON: "+err.Error())
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if key != "" {
		if sr, ok := s.refundIdem[key]; ok {
			writeRaw(w, sr.status, sr.body)
			return
		}
	}
	p, ok := s.lookupLocked(r.PathValue("id"))
	if !ok {
		notFoundPayment(w)
		return
	}
	if p.Status != StatusApproved {
		badRequest(w, "Payment with status "+p.Status+" cannot be refunded")
		return
	}
	remaining := cents(p.TransactionAmount) - cents(p.TransactionAmountRefunded)
	c := remaining
	if req.Amount != nil {
		c = cents(*req.Amount)
		if c <= 0 || c > remaining {
			badRequest(w, "Invalid refund amount")
			return
		}
	}
	ref := s.refundLocked(p, c, key, time.Now())
	b, err := json.Marshal(s.refundJSON(ref))
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error(), "internal_error", nil)
		return
	}
	if key != "" {
		s.refundIdem[key] = storedResponse{status: http.StatusCreated, body: b}
	}
	// Mercado Pago notifies payment.updated after a refund; nobody waits.
	s.fanOutLocked(p, "payment.updated", 0)
	writeRaw(w, http.StatusCreated, b)
}
