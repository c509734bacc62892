package mercadopago

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Item is one line of a preference. Money in the application is centavos;
// build UnitPrice with [CentsToAmount].
type Item struct {
	ID          string
	Title       string
	Description string
	// CurrencyID is ISO 4217 ("ARS").
	CurrencyID string
	Quantity   int
	UnitPrice  float64
}

// BackURLs are where Checkout Pro sends the payer afterwards.
type BackURLs struct {
	Success, Pending, Failure string
}

// Payer pre-fills the checkout. All fields are optional.
type Payer struct {
	Name, Surname, Email string
	// PhoneAreaCode and PhoneNumber form payer.phone.
	PhoneAreaCode, PhoneNumber string
	// IdentificationType ("DNI", "CUIT") and IdentificationNumber form
	// payer.identification.
	IdentificationType, IdentificationNumber string
}

// PreferenceRequest is a Checkout Pro preference to create.
type PreferenceRequest struct {
	Items []Item
	// ExternalReference is our booking id, echoed on the payment.
	ExternalReference string
	// NotificationURL receives the payment notifications. Append
	// "?source_news=webhooks" to receive Webhooks only (no legacy IPN).
	NotificationURL string
	BackURLs        BackURLs
	// AutoReturn is "approved" (or "all"); Mercado Pago refuses it unless
	// BackURLs.Success is set.
	AutoReturn string
	// Expires with ExpirationDateFrom/To bounds when the link can be paid;
	// set it to match the hold. Zero times are omitted.
	Expires                              bool
	ExpirationDateFrom, ExpirationDateTo time.Time
	// ExcludedPaymentTypes are payment_type ids to hide, e.g. "ticket" (cash
	// at Rapipago/Pago Fácil) and "atm", whose payments stay pending for days.
	ExcludedPaymentTypes []string
	// BinaryMode makes payments end approved or rejected, never pending.
	BinaryMode bool
	// StatementDescriptor is the text on the payer's card statement.
	StatementDescriptor string
	Metadata            map[string]string
	Payer               *Payer
}

// Preference is a created preference.
type Preference struct {
	ID string
	// InitPoint is the checkout URL to send to the payer.
	InitPoint         string
	SandboxInitPoint  string
	CollectorID       int64
	ClientID          string
	DateCreated       time.Time
	ExternalReference string
	NotificationURL   string
	Expires           bool
	// ExpirationDateFrom and ExpirationDateTo are nil when not set.
	ExpirationDateFrom, ExpirationDateTo *time.Time
	Items                                []Item
	OperationType, SiteID                string
}

type wireItem struct {
	ID          string  `json:"id,omitempty"`
	Title       string  `json:"title"`
	Description string  `json:"description,omitempty"`
	CurrencyID  string  `json:"currency_id,omitempty"`
	Quantity    int     `json:"quantity"`
	UnitPrice   float64 `json:"unit_price"`
}

type wireID struct {
	ID string `json:"id"`
}

type wirePreferenceRequest struct {
	Items             []wireItem `json:"items"`
	ExternalReference string     `json:"external_reference,omitempty"`
	NotificationURL   string     `json:"notification_url,omitempty"`
	BackURLs          *struct {
		Success string `json:"success,omitempty"`
		Pending string `json:"pending,omitempty"`
		Failure string `json:"failure,omitempty"`
	} `json:"back_urls,omitempty"`
	AutoReturn         string `json:"auto_return,omitempty"`
	Expires            bool   `json:"expires,omitempty"`
	ExpirationDateFrom string `json:"expiration_date_from,omitempty"`
	ExpirationDateTo   string `json:"expiration_date_to,omitempty"`
	PaymentMethods     *struct {
		ExcludedPaymentTypes []wireID `json:"excluded_payment_types"`
	} `json:"payment_methods,omitempty"`
	BinaryMode          bool              `json:"binary_mode,omitempty"`
	StatementDescriptor string            `json:"statement_descriptor,omitempty"`
	Metadata            map[string]string `json:"metadata,omitempty"`
	Payer               *wirePayer        `json:"payer,omitempty"`
}

type wirePayer struct {
	Name    string `json:"name,omitempty"`
	Surname string `json:"surname,omitempty"`
	Email   string `json:"email,omitempty"`
	Phone   *struct {
		AreaCode string `json:"area_code,omitempty"`
		Number   string `json:"number,omitempty"`
	} `json:"phone,omitempty"`
	Identification *struct {
		Type   string `json:"type,omitempty"`
		Number string `json:"number,omitempty"`
	} `json:"identification,omitempty"`
}

type wirePreference struct {
	ID                 string     `json:"id"`
	InitPoint          string     `json:"init_point"`
	SandboxInitPoint   string     `json:"sandbox_init_point"`
	ClientID           flexString `json:"client_id"`
	CollectorID        flexInt    `json:"collector_id"`
	DateCreated        string     `json:"date_created"`
	ExternalReference  string     `json:"external_reference"`
	NotificationURL    string     `json:"notification_url"`
	Expires            bool       `json:"expires"`
	ExpirationDateFrom string     `json:"expiration_date_from"`
	ExpirationDateTo   string     `json:"expiration_date_to"`
	Items              []struct {
		ID          flexString `json:"id"`
		Title       string     `json:"title"`
		Description string     `json:"description"`
		CurrencyID  string     `json:"currency_id"`
		Quantity    int        `json:"quantity"`
		UnitPrice   float64    `json:"unit_price"`
	} `json:"items"`
	OperationType string `json:"operation_type"`
	SiteID        string `json:"site_id"`
}

func (r PreferenceRequest) wire() (wirePreferenceRequest, error) {
	if len(r.Items) == 0 {
		return wirePreferenceRequest{}, errors.New("no items")
	}
	w := wirePreferenceRequest{
		ExternalReference:   r.ExternalReference,
		NotificationURL:     r.NotificationURL,
		AutoReturn:          r.AutoReturn,
		Expires:             r.Expires,
		BinaryMode:          r.BinaryMode,
		StatementDescriptor: r.StatementDescriptor,
		Metadata:            r.Metadata,
	}
	for i, it := range r.Items {
		if it.Quantity <= 0 {
			return w, fmt.Errorf("item %d: quantity %d must be positive", i, it.Quantity)
		}
		if !(it.UnitPrice > 0) {
			return w, fmt.Errorf("item %d: unit price %v must be positive", i, it.UnitPrice)
		}
		w.Items = append(w.Items, wireItem(it))
	}
	if r.BackURLs != (BackURLs{}) {
		w.BackURLs = &struct {
			Success string `json:"success,omitempty"`
			Pending string `json:"pending,omitempty"`
			Failure string `json:"failure,omitempty"`
		}{r.BackURLs.Success, r.BackURLs.Pending, r.BackURLs.Failure}
	}
	if r.AutoReturn != "" && r.BackURLs.Success == "" {
		return w, errors.New("auto_return needs back_urls.success")
	}
	if !r.ExpirationDateFrom.IsZero() {
		w.ExpirationDateFrom = FormatTime(r.ExpirationDateFrom)
	}
	if !r.ExpirationDateTo.IsZero() {
		w.ExpirationDateTo = FormatTime(r.ExpirationDateTo)
	}
	if len(r.ExcludedPaymentTypes) > 0 {
		w.PaymentMethods = &struct {
			ExcludedPaymentTypes []wireID `json:"excluded_payment_types"`
		}{}
		for _, t := range r.ExcludedPaymentTypes {
			w.PaymentMethods.ExcludedPaymentTypes = append(w.PaymentMethods.ExcludedPaymentTypes, wireID{ID: t})
		}
	}
	if p := r.Payer; p != nil {
		wp := &wirePayer{Name: p.Name, Surname: p.Surname, Email: p.Email}
		if p.PhoneAreaCode != "" || p.PhoneNumber != "" {
			wp.Phone = &struct {
				AreaCode string `json:"area_code,omitempty"`
				Number   string `json:"number,omitempty"`
			}{p.PhoneAreaCode, p.PhoneNumber}
		}
		if p.IdentificationType != "" || p.IdentificationNumber != "" {
			wp.Identification = &struct {
				Type   string `json:"type,omitempty"`
				Number string `json:"number,omitempty"`
			}{p.IdentificationType, p.IdentificationNumber}
		}
		w.Payer = wp
	}
	return w, nil
}

func (w wirePreference) preference() Preference {
	p := Preference{
		ID:                 w.ID,
		InitPoint:          w.InitPoint,
		SandboxInitPoint:   w.SandboxInitPoint,
		CollectorID:        int64(w.CollectorID),
		ClientID:           string(w.ClientID),
		ExternalReference:  w.ExternalReference,
		NotificationURL:    w.NotificationURL,
		Expires:            w.Expires,
		ExpirationDateFrom: parseTimePtr(w.ExpirationDateFrom),
		ExpirationDateTo:   parseTimePtr(w.ExpirationDateTo),
		OperationType:      w.OperationType,
		SiteID:             w.SiteID,
	}
	p.DateCreated, _ = parseTime(w.DateCreated)
	for _, it := range w.Items {
		p.Items = append(p.Items, Item{
			ID: string(it.ID), Title: it.Title, Description: it.Description,
			CurrencyID: it.CurrencyID, Quantity: it.Quantity, UnitPrice: it.UnitPrice,
		})
	}
	return p
}

// CreatePreference creates a Checkout Pro preference (POST
// /checkout/preferences). Pass a stable idempotencyKey (for example derived
// from the booking id and attempt) so a retried task does not create a second
// link; "" makes the client generate one per call, which still protects the
// client's own retries. Any 2xx is success.
func (c *Client) CreatePreference(ctx context.Context, req PreferenceRequest, idempotencyKey string) (Preference, error) {
	w, err := req.wire()
	if err != nil {
		return Preference{}, fmt.Errorf("mercadopago: create preference: %w", err)
	}
	var out wirePreference
	if err := c.call(ctx, http.MethodPost, "/checkout/preferences", w, idempotencyKey, &out); err != nil {
		return Preference{}, err
	}
	if out.ID == "" || out.InitPoint == "" {
		return Preference{}, errors.New("mercadopago: create preference: answer has no id or init_point")
	}
	return out.preference(), nil
}
