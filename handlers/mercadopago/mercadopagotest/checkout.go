package mercadopagotest

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// checkoutTmpl is the fake Checkout Pro page: the items, the total and two
// buttons. Payer-facing text is Spanish (vos), like Mercado Pago Argentina.
var checkoutTmpl = template.Must(template.New("checkout").Parse(`<!doctype html>
<html lang="es">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mercado Pago (sandbox)</title>
<style>
body{font-family:system-ui,sans-serif;background:#eee;margin:0;padding:1rem;color:#222}
main{max-width:28rem;margin:auto;background:#fff;border-radius:8px;padding:1.5rem;box-shadow:0 1px 4px #0002}
.badge{background:#fff3cd;border:1px solid #e0c96b;padding:.4rem .6rem;border-radius:4px;font-size:.85rem}
table{width:100%;border-collapse:collapse;margin:1rem 0}td{padding:.3rem 0;vertical-align:top}td.num{text-align:right;white-space:nowrap}
.total{font-size:1.3rem;font-weight:600}
.desc{color:#666;font-size:.85rem}
button{font-size:1rem;padding:.7rem 1.2rem;border-radius:6px;border:0;cursor:pointer;margin:.3rem .3rem 0 0}
.pay{background:#009ee3;color:#fff}.reject{background:#ddd}
.error{color:#b00020;font-weight:600}.ok{color:#00a650;font-weight:600}
</style>
</head>
<body><main>
<p class="badge">Entorno de prueba: no se cobra dinero real.</p>
{{if .Result}}
  {{if eq .Result "approved"}}<p class="ok">¡Listo! Tu pago de $ {{.Total}} {{.Currency}} fue aprobado.</p>
  {{else}}<p class="error">Tu pago fue rechazado. Podés intentar de nuevo.</p>
  <p><a href="{{.CheckoutURL}}">Volver a intentar</a></p>{{end}}
  <p>Número de operación: {{.PaymentID}}</p>
  {{if .BackURL}}<p><a href="{{.BackURL}}">Volver al sitio</a></p>{{end}}
{{else}}
  <h1>Pagá con Mercado Pago</h1>
  <table>
  {{range .Items}}<tr><td>{{.Title}}{{if .Description}}<div class="desc">{{.Description}}</div>{{end}}</td><td class="num">{{.Quantity}} × $ {{.Price}}</td></tr>
  {{end}}
  </table>
  <p class="total">Total: $ {{.Total}} {{.Currency}}</p>
  {{if .Expires}}<p class="desc">Podés pagar hasta el {{.Expires}}.</p>{{end}}
  {{if .Error}}<p class="error">{{.Error}}</p>
  {{else}}
  <form method="post" action="{{.PayURL}}">
    <button class="pay" name="result" value="approved">Pagar</button>
    <button class="reject" name="result" value="rejected">Rechazar</button>
  </form>
  {{end}}
{{end}}
</main></body></html>
`))

type checkoutItem struct {
	Title, Description, Price string
	Quantity                  int
}

type checkoutView struct {
	Items                           []checkoutItem
	Total, Currency, Expires, Error string
	PayURL, CheckoutURL             string
	Result, BackURL                 string
	PaymentID                       int64
}

// formatMoney renders centavos the Argentine way: 150000.5 -> "150.000,50".
func formatMoney(c int64) string {
	neg := c < 0
	if neg {
		c = -c
	}
	whole := strconv.FormatInt(c/100, 10)
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	frac := strconv.FormatInt(c%100, 10)
	if len(frac) == 1 {
		frac = "0" + frac
	}
	s := b.String() + "," + frac
	if neg {
		s = "-" + s
	}
	return s
}

func (s *Server) checkoutView(p StoredPreference) checkoutView {
	v := checkoutView{
		Total:    formatMoney(p.TotalCents()),
		Currency: p.Currency(),
		PayURL:   "pay?pref_id=" + url.QueryEscape(p.ID),
	}
	for _, it := range p.Items {
		v.Items = append(v.Items, checkoutItem{Title: it.Title, Description: it.Description, Quantity: it.Quantity, Price: formatMoney(cents(it.UnitPrice))})
	}
	if p.Expires && p.ExpirationDateTo != nil {
		v.Expires = p.ExpirationDateTo.Format("02/01/2006 15:04 (-07:00)")
	}
	if err := p.payableAt(time.Now()); err != nil {
		if errors.Is(err, ErrPreferenceExpired) {
			v.Error = "Este link de pago venció. Pedile uno nuevo al vendedor."
		} else {
			v.Error = "Este link de pago todavía no está habilitado."
		}
	}
	return v
}

func renderCheckout(w http.ResponseWriter, status int, v checkoutView) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = checkoutTmpl.Execute(w, v)
}

func (s *Server) handleCheckoutPage(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "método no permitido", http.StatusMethodNotAllowed)
		return
	}
	p, ok := s.Preference(r.URL.Query().Get("pref_id"))
	if !ok {
		http.Error(w, "No encontramos este link de pago.", http.StatusNotFound)
		return
	}
	renderCheckout(w, http.StatusOK, s.checkoutView(p))
}

// handleCheckoutPay is the form post of the checkout page. It creates the
// payment, lets its notifications go out in the background, and sends the
// payer back like Checkout Pro: straight to back_urls when auto_return
// applies, else to a result page with a link back.
func (s *Server) handleCheckoutPay(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "método no permitido", http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "formulario inválido", http.StatusBadRequest)
		return
	}
	prefID := r.Form.Get("pref_id")
	result := r.Form.Get("result")
	if result != StatusApproved && result != StatusRejected {
		http.Error(w, "resultado inválido", http.StatusBadRequest)
		return
	}
	pref, ok := s.Preference(prefID)
	if !ok {
		http.Error(w, "No encontramos este link de pago.", http.StatusNotFound)
		return
	}
	pay, _, err := s.pay(prefID, PayOptions{Status: result})
	if err != nil {
		v := s.checkoutView(pref)
		if v.Error == "" {
			v.Error = "No pudimos procesar el pago."
		}
		renderCheckout(w, http.StatusGone, v)
		return
	}

	back := pref.BackURLs.Failure
	if result == StatusApproved {
		back = pref.BackURLs.Success
	}
	if back != "" {
		back = withReturnQuery(back, pay, pref, s.opts.SiteID)
	}
	autoReturn := (pref.AutoReturn == "approved" && result == StatusApproved) || pref.AutoReturn == "all"
	if back != "" && autoReturn {
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	renderCheckout(w, http.StatusOK, checkoutView{
		Result: result, Total: formatMoney(pay.AmountCents()), Currency: pay.CurrencyID,
		PaymentID: pay.ID, BackURL: back, CheckoutURL: "redirect?pref_id=" + url.QueryEscape(prefID),
	})
}

// withReturnQuery adds the parameters Checkout Pro appends to back_urls.
func withReturnQuery(back string, p Payment, pref StoredPreference, site string) string {
	q := url.Values{}
	id := strconv.FormatInt(p.ID, 10)
	q.Set("collection_id", id)
	q.Set("collection_status", p.Status)
	q.Set("payment_id", id)
	q.Set("status", p.Status)
	q.Set("external_reference", p.ExternalReference)
	q.Set("payment_type", p.PaymentTypeID)
	q.Set("merchant_order_id", strconv.FormatInt(p.OrderID, 10))
	q.Set("preference_id", pref.ID)
	q.Set("site_id", site)
	q.Set("processing_mode", "aggregator")
	q.Set("merchant_account_id", "null")
	sep := "?"
	if strings.Contains(back, "?") {
		sep = "&"
	}
	return back + sep + q.Encode()
}
