package ingress_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/reservas/reservas/handlers/whatsapp"
	"github.com/reservas/reservas/handlers/whatsapp/whatsapptest"
	"github.com/reservas/reservas/ingress"
	"github.com/reservas/reservas/store/storetest"
)

// benchIngress is the ingress on the test's own Redis database.
func benchIngress(b *testing.B) http.Handler {
	rdb, _ := storetest.NewRedis(b)
	h, err := ingress.New(ingress.Config{WhatsAppAppSecret: "secret", WhatsAppVerifyToken: "v"},
		ingress.Deps{Redis: rdb, Log: zerolog.Nop()})
	if err != nil {
		b.Fatal(err)
	}
	return h
}

// benchWebhook is signed webhook i of a run: 1,000 guests, a fresh wamid each.
func benchWebhook(run int64, i int64) (body []byte, sig string) {
	body = whatsapptest.TextWebhook("106540352242922", fmt.Sprintf("54911%08d", i%1000), "José",
		fmt.Sprintf("wamid.bench.%d.%d", run, i), "Hola, ¿tienen cabaña del 12 al 15 de diciembre para 4?", time.Now())
	return body, whatsapp.SignatureHeader("secret", body)
}

func serveWebhook(h http.Handler, body []byte, sig string) int {
	req := httptest.NewRequest(http.MethodPost, "/webhooks/whatsapp", bytes.NewReader(body))
	req.Header.Set(whatsapp.SignatureHeaderName, sig)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code
}

// BenchmarkWhatsAppWebhook measures the ingress's own cost for one signed webhook, from the
// request to 200, with the real Redis taking the task (no network hop for HTTP itself).
func BenchmarkWhatsAppWebhook(b *testing.B) {
	h := benchIngress(b)
	run := time.Now().UnixNano()
	bodies := make([][]byte, b.N)
	sigs := make([]string, b.N)
	for i := range b.N {
		bodies[i], sigs[i] = benchWebhook(run, int64(i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if code := serveWebhook(h, bodies[i], sigs[i]); code != http.StatusOK {
			b.Fatalf("status %d", code)
		}
	}
}

// BenchmarkWhatsAppWebhookParallel is the same with 32 requests in flight, as under load.
func BenchmarkWhatsAppWebhookParallel(b *testing.B) {
	h := benchIngress(b)
	var n atomic.Int64
	run := time.Now().UnixNano()
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			body, sig := benchWebhook(run, n.Add(1))
			if code := serveWebhook(h, body, sig); code != http.StatusOK {
				b.Errorf("status %d", code)
				return
			}
		}
	})
}
