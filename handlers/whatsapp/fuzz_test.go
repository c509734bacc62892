package whatsapp_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/reservas/reservas/handlers/whatsapp"
)

func FuzzParseEnvelope(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{}],"statuses":[{}]}}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := whatsapp.ParseEnvelope(body)
		if err != nil {
			return
		}
		if env.Object != whatsapp.ObjectWhatsApp {
			t.Fatalf("accepted object %q", env.Object)
		}
		// The decoder is not encoding/json's: it must accept no body encoding/json rejects.
		if !json.Valid(body) {
			t.Fatalf("accepted a body encoding/json calls invalid: %q", body)
		}
		for _, m := range env.Messages() {
			// Raw is always a JSON object copied from the body.
			if !json.Valid(m.Raw) {
				t.Fatalf("invalid Raw %q", m.Raw)
			}
			// Workers decode the message again from Raw alone (the task carries Raw).
			again := whatsapp.DecodeMessage(m.Raw)
			if again.ID != m.ID || again.From != m.From || again.Type != m.Type || again.Text != m.Text || again.ReplyID != m.ReplyID {
				t.Fatalf("DecodeMessage(Raw) = %+v, want the parsed %+v", again, m)
			}
			if _, err := json.Marshal(m); err != nil {
				t.Fatalf("marshal message: %v", err)
			}
		}
		for _, s := range env.Statuses() {
			if !json.Valid(s.Raw) {
				t.Fatalf("invalid Raw %q", s.Raw)
			}
		}
		_ = env.Errors()
	})
}

func FuzzVerifySignature(f *testing.F) {
	f.Add("wa-app-secret", []byte(signatureVector), signatureVectorHeader)
	f.Add("", []byte("{}"), "")
	f.Add("s", []byte("{}"), "sha256=")
	f.Add("s", []byte("{}"), "sha256=zz")
	f.Fuzz(func(t *testing.T, secret string, body []byte, header string) {
		err := whatsapp.VerifySignature(secret, body, header)
		if secret == "" {
			return
		}
		// Whatever verifies must be the real signature (hex case aside), and the real
		// signature always verifies.
		if err := whatsapp.VerifySignature(secret, body, whatsapp.SignatureHeader(secret, body)); err != nil {
			t.Fatalf("own signature rejected: %v", err)
		}
		if err == nil && len(header) < len("sha256=")+64 {
			t.Fatalf("accepted short header %q", header)
		}
	})
}
