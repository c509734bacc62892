package mercadopagotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// StoredItem is an item as the fake stored it.
type StoredItem struct {
	ID, Title, Description, CurrencyID string
	Quantity                           int
	UnitPrice                          float64
}

// StoredPreference is a preference the fake accepted, with what was sent.
type StoredPreference struct {
	ID                string
	InitPoint         string
	Items             []StoredItem
	ExternalReference string
	NotificationURL   string
	BackURLs          struct{ Success, Pending, Failure string }
	AutoReturn        string
	Expires           bool
	// ExpirationDateFrom/To are nil when not sent.
	ExpirationDateFrom, ExpirationDateTo *time.Time
	ExcludedPaymentTypes                 []string
	ExcludedPaymentMethods               []string
	BinaryMode                           bool
	StatementDescriptor                  string
	Metadata                             map[string]any
	// IdempotencyKey is the X-Idempotency-Key of the creating request.
	IdempotencyKey string
	// Header is the creating request's headers (Authorization redacted).
	Header    http.Header
	Raw       json.RawMessage
	CreatedAt time.Time
}

// TotalCents is the sum of unit_price × quantity, in centavos.
func (p StoredPreference) TotalCents() int64 {
	var t int64
	for _, it := range p.Items {
		t += cents(it.UnitPrice) * int64(it.Quantity)
	}
	return t
}

// Currency is the items' currency.
func (p StoredPreference) Currency() string {
	if len(p.Items) == 0 {
		return ""
	}
	return p.Items[0].CurrencyID
}

// payableAt reports whether the preference cannot be paid at now.
func (p StoredPreference) payableAt(now time.Time) error {
	if !p.Expires {
		return nil
	}
	if p.ExpirationDateFrom != nil && now.Before(*p.ExpirationDateFrom) {
		return errorf("preference %s is not payable before %s", p.ID, p.ExpirationDateFrom.Format(time.RFC3339))
	}
	if p.ExpirationDateTo != nil && now.After(*p.ExpirationDateTo) {
		return errorf("preference %s expired at %s: %w", p.ID, p.ExpirationDateTo.Format(time.RFC3339), ErrPreferenceExpired)
	}
	return nil
}

// Preferences returns the accepted preferences, oldest first.
func (s *Server) Preferences() []StoredPreference {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]StoredPreference, 0, len(s.prefOrder))
	for _, id := range s.prefOrder {
		p := *s.prefs[id]
		p.Header = p.Header.Clone()
		out = append(out, p)
	}
	return out
}

// Preference returns one accepted preference.
func (s *Server) Preference(id string) (StoredPreference, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.prefs[id]
	if !ok {
		return StoredPreference{}, false
	}
	cp := *p
	cp.Header = cp.Header.Clone()
	return cp, true
}

type wirePrefItem struct {
	ID          string  `json:"id"`
	Title       string  `json:"title"`
	Description string  `json:"description"`
	PictureURL  string  `json:"picture_url,omitempty"`
	CategoryID  string  `json:"category_id,omitempty"`
	CurrencyID  string  `json:"currency_id"`
	Quantity    int     `json:"quantity"`
	UnitPrice   float64 `json:"unit_price"`
}

type wireIDs []struct {
	ID string `json:"id"`
}

type wirePrefRequest struct {
	Items             []wirePrefItem `json:"items"`
	ExternalReference string         `json:"external_reference"`
	NotificationURL   string         `json:"notification_url"`
	BackURLs          struct {
		Success string `json:"success"`
		Pending string `json:"pending"`
		Failure string `json:"failure"`
	} `json:"back_urls"`
	AutoReturn         string  `json:"auto_return"`
	Expires            bool    `json:"expires"`
	ExpirationDateFrom *string `json:"expiration_date_from"`
	ExpirationDateTo   *string `json:"expiration_date_to"`
	PaymentMethods     struct {
		ExcludedPaymentTypes   wireIDs `json:"excluded_payment_types"`
		ExcludedPaymentMethods wireIDs `json:"excluded_payment_methods"`
	} `json:"payment_methods"`
	BinaryMode          bool           `json:"binary_mode"`
	StatementDescriptor string         `json:"statement_descriptor"`
	Metadata            map[string]any `json:"metadata"`
}

func parseExpiration(field string, v *string) (*time.Time, error) {
	if v == nil || *v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, *v)
	if err != nil {
		return nil, fmt.Errorf("%s invalid: must be ISO 8601 with offset, like 2016-02-01T12:00:00.000-04:00", field)
	}
	return &t, nil
}

func validURL(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != ""
}

// validate checks the request the way Mercado Pago refuses bad ones (400).
func (s *Server) validatePreference(req wirePrefRequest) (from, to *time.Time, err error) {
	if len(req.Items) == 0 {
		return nil, nil, fmt.Errorf("items needed")
	}
	for i, it := range req.Items {
		switch {
		case strings.TrimSpace(it.Title) == "":
			return nil, nil, fmt.Errorf("items[%d].title needed", i)
		case it.Quantity <= 0:
			return nil, nil, fmt.Errorf("items[%d].quantity invalid", i)
		case !(it.UnitPrice > 0):
			return nil, nil, fmt.Errorf("items[%d].unit_price invalid", i)
		case it.CurrencyID == "":
			return nil, nil, fmt.Errorf("items[%d].currency_id needed", i)
		case it.CurrencyID != s.currency:
			return nil, nil, fmt.Errorf("currency_id invalid: %s is not accepted on site %s", it.CurrencyID, s.opts.SiteID)
		case !closeToCents(it.UnitPrice):
			// [inference] centavos are the smallest ARS unit; an amount with
			// more decimals is a bug in the caller's money conversion.
			return nil, nil, fmt.Errorf("items[%d].unit_price invalid: more than 2 decimals", i)
		}
	}
	if req.AutoReturn != "" {
		if req.AutoReturn != "approved" && req.AutoReturn != "all" {
			return nil, nil, fmt.Errorf("auto_return invalid")
		}
		if req.BackURLs.Success == "" {
			return nil, nil, fmt.Errorf("auto_return invalid. back_url.success must be defined")
		}
	}
	for name, u := range map[string]string{"back_urls.success": req.BackURLs.Success, "back_urls.pending": req.BackURLs.Pending, "back_urls.failure": req.BackURLs.Failure, "notification_url": req.NotificationURL} {
		if u != "" && !validURL(u) {
			return nil, nil, fmt.Errorf("%s invalid", name)
		}
	}
	if len(req.ExternalReference) > 256 {
		return nil, nil, fmt.Errorf("external_reference too long")
	}
	if from, err = parseExpiration("expiration_date_from", req.ExpirationDateFrom); err != nil {
		return nil, nil, err
	}
	if to, err = parseExpiration("expiration_date_to", req.ExpirationDateTo); err != nil {
		return nil, nil, err
	}
	if from != nil && to != nil && to.Before(*from) {
		return nil, nil, fmt.Errorf("expiration_date_to must be after expiration_date_from")
	}
	return from, to, nil
}

// closeToCents reports whether v has at most two decimals, allowing binary noise.
func closeToCents(v float64) bool {
	d := v*100 - float64(cents(v))
	return d < 1e-6 && d > -1e-6
}

func (s *Server) handleCreatePreference(w http.ResponseWriter, r *http.Request, body []byte) {
	key := r.Header.Get("X-Idempotency-Key")
	s.mu.Lock()
	defer s.mu.Unlock()
	if key != "" {
		if sr, ok := s.prefIdem[key]; ok {
			writeRaw(w, sr.status, sr.body)
			return
		}
	}
	var req wirePrefRequest
	if err := json.Unmarshal(body, &req); err != nil {
		badRequest(w, "invalid JSON: "+err.Error())
		return
	}
	from, to, err := s.validatePreference(req)
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	now := time.Now()
	id := strconv.FormatInt(s.opts.CollectorID, 10) + "-" + newUUID()
	p := &StoredPreference{
		ID:                  id,
		InitPoint:           s.publicURL() + "/checkout/v1/redirect?pref_id=" + url.QueryEscape(id),
		ExternalReference:   req.ExternalReference,
		NotificationURL:     req.NotificationURL,
		AutoReturn:          req.AutoReturn,
		Expires:             req.Expires,
		ExpirationDateFrom:  from,
		ExpirationDateTo:    to,
		BinaryMode:          req.BinaryMode,
		StatementDescriptor: req.StatementDescriptor,
		Metadata:            req.Metadata,
		IdempotencyKey:      key,
		Raw:                 append(json.RawMessage(nil), body...),
		CreatedAt:           now,
	}
	p.BackURLs.Success, p.BackURLs.Pending, p.BackURLs.Failure = req.BackURLs.Success, req.BackURLs.Pending, req.BackURLs.Failure
	for _, it := range req.Items {
		p.Items = append(p.Items, StoredItem{
			ID: it.ID, Title: it.Title, Description: it.Description, CurrencyID: it.CurrencyID,
			Quantity: it.Quantity, UnitPrice: it.UnitPrice,
		})
	}
	for _, t := range req.PaymentMethods.ExcludedPaymentTypes {
		p.ExcludedPaymentTypes = append(p.ExcludedPaymentTypes, t.ID)
	}
	for _, t := range req.PaymentMethods.ExcludedPaymentMethods {
		p.ExcludedPaymentMethods = append(p.ExcludedPaymentMethods, t.ID)
	}
	hdr := r.Header.Clone()
	hdr.Set("Authorization", "Bearer <redacted>")
	p.Header = hdr
	s.prefs[id] = p
	s.prefOrder = append(s.prefOrder, id)

	b, err := json.Marshal(s.preferenceJSON(p, req))
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error(), "internal_error", nil)
		return
	}
	if key != "" {
		s.prefIdem[key] = storedResponse{status: http.StatusCreated, body: b}
	}
	writeRaw(w, http.StatusCreated, b)
}

func (s *Server) handleGetPreference(w http.ResponseWriter, r *http.Request, _ []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.prefs[r.PathValue("id")]
	if !ok {
		writeError(w, http.StatusNotFound, "Preference not found", "not_found", nil)
		return
	}
	var req wirePrefRequest
	_ = json.Unmarshal(p.Raw, &req)
	writeJSON(w, http.StatusOK, s.preferenceJSON(p, req))
}

// preferenceJSON is the create/get answer, shaped like sdk-go's mock.
func (s *Server) preferenceJSON(p *StoredPreference, req wirePrefRequest) map[string]any {
	items := make([]wirePrefItem, len(req.Items))
	copy(items, req.Items)
	var notif *string
	if p.NotificationURL != "" {
		notif = &p.NotificationURL
	}
	metadata := p.Metadata
	if metadata == nil {
		metadata = map[string]any{}
	}
	excludedTypes := req.PaymentMethods.ExcludedPaymentTypes
	if excludedTypes == nil {
		excludedTypes = wireIDs{}
	}
	excludedMethods := req.PaymentMethods.ExcludedPaymentMethods
	if excludedMethods == nil {
		excludedMethods = wireIDs{}
	}
	return map[string]any{
		"id":                   p.ID,
		"init_point":           p.InitPoint,
		"sandbox_init_point":   p.InitPoint + "&sandbox=true",
		"client_id":            "4679935697572392",
		"collector_id":         s.opts.CollectorID,
		"date_created":         fmtTime(p.CreatedAt),
		"external_reference":   p.ExternalReference,
		"expires":              p.Expires,
		"expiration_date_from": fmtTimePtr(p.ExpirationDateFrom),
		"expiration_date_to":   fmtTimePtr(p.ExpirationDateTo),
		"items":                items,
		"notification_url":     notif,
		"back_urls":            map[string]string{"success": p.BackURLs.Success, "pending": p.BackURLs.Pending, "failure": p.BackURLs.Failure},
		"auto_return":          p.AutoReturn,
		"binary_mode":          p.BinaryMode,
		"statement_descriptor": p.StatementDescriptor,
		"metadata":             metadata,
		"payment_methods": map[string]any{
			"excluded_payment_types":   excludedTypes,
			"excluded_payment_methods": excludedMethods,
			"installments":             nil,
			"default_installments":     nil,
		},
		"operation_type": "regular_payment",
		"site_id":        s.opts.SiteID,
	}
}
