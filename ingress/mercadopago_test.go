package ingress_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/reservas/reservas/ingress"
)

// The Mercado Pago webhook counts into the ingress's own series: one registry, one
// reservas_webhook_signature_failures_total, labelled by provider.
func TestRegisteredMetricsShareTheIngressSeries(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := ingress.New(ingress.Config{WhatsAppAppSecret: "s", WhatsAppVerifyToken: "v"},
		ingress.Deps{Redis: redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}), Registry: reg, Log: zerolog.Nop()}); err != nil {
		t.Fatal(err)
	}
	m := ingress.RegisteredMetrics(reg)
	srv := httptest.NewServer(ingress.NewMercadoPagoWebhook("secret", nil, zerolog.Nop(), m))
	defer srv.Close()
	resp, err := http.Post(srv.URL+"?data.id=1&type=payment", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unsigned: %d, want 401", resp.StatusCode)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var got float64
	for _, f := range families {
		if f.GetName() != "reservas_webhook_signature_failures_total" {
			continue
		}
		for _, mt := range f.GetMetric() {
			if labels(mt)["provider"] == "mercadopago" && labels(mt)["reason"] == "missing" {
				got = mt.GetCounter().GetValue()
			}
		}
	}
	if got != 1 {
		t.Fatalf("mercadopago signature failure counted %v times in the ingress registry, want 1", got)
	}
}

func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

func TestPaymentReturnPagePromisesNothing(t *testing.T) {
	srv := httptest.NewServer(ingress.PaymentReturnPage())
	defer srv.Close()
	for result, want := range map[string]string{
		"success": "verificando tu pago", "pending": "procesando", "failure": "No se cobró nada",
	} {
		resp, err := http.Get(srv.URL + "/pago/" + result)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), want) || strings.Contains(string(b), "confirmada") {
			t.Fatalf("%s: %d %s", result, resp.StatusCode, b)
		}
	}
}

func TestMercadoPagoWebhookOnlyPost(t *testing.T) {
	srv := httptest.NewServer(ingress.NewMercadoPagoWebhook("secret", nil, zerolog.Nop(), nil))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", resp.StatusCode)
	}
}
