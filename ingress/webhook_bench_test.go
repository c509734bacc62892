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

// BenchmarkWhatsAppWebhook measures the ingress's own cost for one signed webhook, from the
// request to 200, with the real Redis taking the task (no network hop for HTTP itself).
func BenchmarkWhatsAppWebhook(b *testing.B) {
	rdb, _ := storetest.NewRedis(b)
	h, err := ingress.New(ingress.Config{WhatsAppAppSecret: "secret", WhatsAppVerifyToken: "v"},
		ingress.Deps{Redis: rdb, Log: zerolog.Nop()})
	if err != nil {
		b.Fatal(err)
	}
	bodies := make([][]byte, b.N)
	sigs := make([]string, b.N)
	for i := range b.N {
		bodies[i] = whatsapptest.TextWebhook("106540352242922", fmt.Sprintf("54911%08d", i%1000), "José",
			fmt.Sprintf("wamid.bench.%d.%d", time.Now().UnixNano(), i), "Hola, ¿tienen cabaña del 12 al 15 de diciembre para 4?", time.Now())
		sigs[i] = whatsapp.SignatureHeader("secret", bodies[i])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/whatsapp", bytes.NewReader(bodies[i]))
		req.Header.Set(whatsapp.SignatureHeaderName, sigs[i])
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// BenchmarkWhatsAppWebhookParallel is the same with 32 requests in flight, as under load.
func BenchmarkWhatsAppWebhookParallel(b *testing.B) {
	rdb, _ := storetest.NewRedis(b)
	h, err := ingress.New(ingress.Config{WhatsAppAppSecret: "secret", WhatsAppVerifyToken: "v"},
		ingress.Deps{Redis: rdb, Log: zerolog.Nop()})
	if err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	start := time.Now().UnixNano()
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			body := whatsapptest.TextWebhook("106540352242922", fmt.Sprintf("54911%08d", i%1000), "José",
				fmt.Sprintf("wamid.bench.%d.%d", start, i), "Hola, ¿tienen cabaña del 12 al 15 de diciembre para 4?", time.Now())
			req := httptest.NewRequest(http.MethodPost, "/webhooks/whatsapp", bytes.NewReader(body))
			req.Header.Set(whatsapp.SignatureHeaderName, whatsapp.SignatureHeader("secret", body))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Errorf("status %d", w.Code)
				return
			}
		}
	})
}
