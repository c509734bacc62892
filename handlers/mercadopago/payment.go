package mercadopago

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
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

// Payment is a payment as GET /v1/payments/{id} returns it.
type Payment struct {
	ID           int64
	Status       string
	StatusDetail string
	CurrencyID   string
	// ExternalReference is the preference's external_reference ("" when null).
	ExternalReference         string
	TransactionAmount         float64
	TransactionAmountRefunded float64
	DateCreated               time.Time
	// DateApproved is nil until the payment is approved.
	DateApproved     *time.Time
	DateLastUpdated  time.Time
	MoneyReleaseDate *time.Time
	PaymentMethodID  string
	PaymentTypeID    string
	OperationType    string
	Description      string
	LiveMode         bool
	CollectorID      int64
	PayerEmail       string
	// OrderID is the merchant order id ("" when absent).
	OrderID         string
	NotificationURL string
	Installments    int
	Captured        bool
	Metadata        map[string]any
}

// AmountCents is TransactionAmount in centavos.
func (p Payment) AmountCents() int64 { return AmountToCents(p.TransactionAmount) }

// RefundedCents is TransactionAmountRefunded in centavos.
func (p Payment) RefundedCents() int64 { return AmountToCents(p.TransactionAmountRefunded) }

type wirePayment struct {
	ID                        flexInt    `json:"id"`
	Status                    string     `json:"status"`
	StatusDetail              string     `json:"status_detail"`
	CurrencyID                string     `json:"currency_id"`
	ExternalReference         flexString `json:"external_reference"`
	TransactionAmount         float64    `json:"transaction_amount"`
	TransactionAmountRefunded float64    `json:"transaction_amount_refunded"`
	DateCreated               string     `json:"date_created"`
	DateApproved              string     `json:"date_approved"`
	DateLastUpdated           string     `json:"date_last_updated"`
	MoneyReleaseDate          string     `json:"money_release_date"`
	PaymentMethodID           string     `json:"payment_method_id"`
	PaymentTypeID             string     `json:"payment_type_id"`
	OperationType             string     `json:"operation_type"`
	Description               string     `json:"description"`
	LiveMode                  bool       `json:"live_mode"`
	CollectorID               flexInt    `json:"collector_id"`
	Payer                     *struct {
		Email string `json:"email"`
	} `json:"payer"`
	Order *struct {
		ID flexString `json:"id"`
	} `json:"order"`
	NotificationURL string         `json:"notification_url"`
	Installments    int            `json:"installments"`
	Captured        bool           `json:"captured"`
	Metadata        map[string]any `json:"metadata"`
}

func (w wirePayment) payment() Payment {
	p := Payment{
		ID:                        int64(w.ID),
		Status:                    w.Status,
		StatusDetail:              w.StatusDetail,
		CurrencyID:                w.CurrencyID,
		ExternalReference:         string(w.ExternalReference),
		TransactionAmount:         w.TransactionAmount,
		TransactionAmountRefunded: w.TransactionAmountRefunded,
		DateApproved:              parseTimePtr(w.DateApproved),
		MoneyReleaseDate:          parseTimePtr(w.MoneyReleaseDate),
		PaymentMethodID:           w.PaymentMethodID,
		PaymentTypeID:             w.PaymentTypeID,
		OperationType:             w.OperationType,
		Description:               w.Description,
		LiveMode:                  w.LiveMode,
		CollectorID:               int64(w.CollectorID),
		NotificationURL:           w.NotificationURL,
		Installments:              w.Installments,
		Captured:                  w.Captured,
		Metadata:                  w.Metadata,
	}
	p.DateCreated, _ = parseTime(w.DateCreated)
	p.DateLastUpdated, _ = parseTime(w.DateLastUpdated)
	if w.Payer != nil {
		p.PayerEmail = w.Payer.Email
	}
	if w.Order != nil {
		p.OrderID = string(w.Order.ID)
	}
	return p
}

// paymentPath validates a payment id (digits only: payment ids are int64) and
// returns its API path, so an id taken from a notification can never steer
// the request elsewhere.
func paymentPath(id string) (string, error) {
	if id == "" || len(id) > 19 {
		return "", fmt.Errorf("%w: %q", ErrInvalidID, id)
	}
	for _, r := range id {
		if r < '0' || r > '9' {
			return "", fmt.Errorf("%w: %q", ErrInvalidID, id)
		}
	}
	return "/v1/payments/" + id, nil
}

// GetPayment fetches a payment (GET /v1/payments/{id}). An unknown id gives an
// error matching ErrNotFound; it is not retried here, since right after
// payment.created the API may briefly answer 404 and the caller's task retry
// is the better place to wait.
func (c *Client) GetPayment(ctx context.Context, id string) (Payment, error) {
	path, err := paymentPath(id)
	if err != nil {
		return Payment{}, err
	}
	var w wirePayment
	if err := c.call(ctx, http.MethodGet, path, nil, "", &w); err != nil {
		return Payment{}, err
	}
	if w.ID == 0 {
		return Payment{}, fmt.Errorf("mercadopago: GET %s: answer has no payment id", path)
	}
	return w.payment(), nil
}

const (
	searchPageSize = 50
	searchMaxPages = 20
)

// SearchPayments lists the payments whose external_reference is exactly
// externalReference, newest first (GET /v1/payments/search, sorted by
// date_created desc), following the paging up to 1000 payments. Use it to
// reconcile a booking whose notifications were lost.
func (c *Client) SearchPayments(ctx context.Context, externalReference string) ([]Payment, error) {
	if externalReference == "" {
		return nil, fmt.Errorf("mercadopago: search payments: empty external reference")
	}
	var out []Payment
	for page := 0; page < searchMaxPages; page++ {
		q := url.Values{}
		q.Set("external_reference", externalReference)
		q.Set("sort", "date_created")
		q.Set("criteria", "desc")
		q.Set("limit", strconv.Itoa(searchPageSize))
		q.Set("offset", strconv.Itoa(page*searchPageSize))
		var w struct {
			Results []wirePayment `json:"results"`
			Paging  struct {
				Total  int `json:"total"`
				Limit  int `json:"limit"`
				Offset int `json:"offset"`
			} `json:"paging"`
		}
		if err := c.call(ctx, http.MethodGet, "/v1/payments/search?"+q.Encode(), nil, "", &w); err != nil {
			return nil, err
		}
		for _, r := range w.Results {
			p := r.payment()
			// The search matches as Mercado Pago decides; keep only exact matches.
			if p.ExternalReference == externalReference {
				out = append(out, p)
			}
		}
		if len(w.Results) == 0 || page*searchPageSize+len(w.Results) >= w.Paging.Total {
			break
		}
	}
	return out, nil
}

// Refund is a refund as POST /v1/payments/{id}/refunds returns it.
type Refund struct {
	ID          int64
	PaymentID   int64
	Amount      float64
	Status      string
	DateCreated time.Time
}

// AmountCents is Amount in centavos.
func (r Refund) AmountCents() int64 { return AmountToCents(r.Amount) }

// Refund refunds a payment in full (POST /v1/payments/{id}/refunds with an
// empty body). Use a stable idempotencyKey (e.g. "refund-<payment id>") so a
// retried task cannot refund twice.
func (c *Client) Refund(ctx context.Context, paymentID string, idempotencyKey string) (Refund, error) {
	path, err := paymentPath(paymentID)
	if err != nil {
		return Refund{}, err
	}
	var w struct {
		ID          flexInt `json:"id"`
		PaymentID   flexInt `json:"payment_id"`
		Amount      float64 `json:"amount"`
		Status      string  `json:"status"`
		DateCreated string  `json:"date_created"`
	}
	if err := c.call(ctx, http.MethodPost, path+"/refunds", struct{}{}, idempotencyKey, &w); err != nil {
		return Refund{}, err
	}
	r := Refund{ID: int64(w.ID), PaymentID: int64(w.PaymentID), Amount: w.Amount, Status: w.Status}
	r.DateCreated, _ = parseTime(w.DateCreated)
	return r, nil
}
