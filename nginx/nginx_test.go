package nginx_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/reservas/reservas/ingress"
)

// nginxBinary finds Debian's nginx; under CI=true its absence fails the test.
func nginxBinary(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/sbin/nginx", "/usr/bin/nginx"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	msg := "nginx is not installed (apt-get install nginx-light)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// selfSigned writes a certificate for localhost and returns the cert and key paths.
func selfSigned(t *testing.T, dir string) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath := filepath.Join(dir, "fullchain.pem"), filepath.Join(dir, "privkey.pem")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath
}

// testConfig turns nginx.conf into one that runs here: the upstream, certificate paths, ports,
// pid and logs are moved; everything else (limits, headers, locations) is the file as shipped.
// Every replaced text must be in the file, so the test and the file cannot drift apart.
func testConfig(t *testing.T, prefix, upstream, cert, key string, httpPort, httpsPort int) string {
	t.Helper()
	b, err := os.ReadFile("nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	conf := string(b)
	for _, r := range [][2]string{
		{"server ingress:8080;", "server " + upstream + ";"},
		{"/etc/letsencrypt/live/reservas/fullchain.pem", cert},
		{"/etc/letsencrypt/live/reservas/privkey.pem", key},
		{"listen 80 default_server;", fmt.Sprintf("listen 127.0.0.1:%d default_server;", httpPort)},
		{"listen [::]:80 default_server;", ""},
		{"listen 443 ssl http2 default_server;", fmt.Sprintf("listen 127.0.0.1:%d ssl http2 default_server;", httpsPort)},
		{"listen [::]:443 ssl http2 default_server;", ""},
		{"pid /run/nginx.pid;", "pid " + prefix + "/nginx.pid;"},
		{"error_log /var/log/nginx/error.log warn;", "error_log " + prefix + "/error.log warn;"},
		{"access_log /var/log/nginx/access.log main;", "access_log " + prefix + "/access.log main;\n" +
			"    client_body_temp_path " + prefix + "/body; proxy_temp_path " + prefix + "/proxy;\n" +
			"    fastcgi_temp_path " + prefix + "/fastcgi; uwsgi_temp_path " + prefix + "/uwsgi; scgi_temp_path " + prefix + "/scgi;"},
		{"root /var/www/certbot;", "root " + prefix + "/certbot;"},
		{"worker_processes auto;", "worker_processes 1;"},
	} {
		if !strings.Contains(conf, r[0]) {
			t.Fatalf("nginx.conf no longer contains %q: update the test with the file", r[0])
		}
		conf = strings.ReplaceAll(conf, r[0], r[1])
	}
	return conf
}

// proxied is what the ingress saw of a request that came through nginx.
type proxied struct {
	mu      sync.Mutex
	headers []http.Header
}

func (p *proxied) last() http.Header {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.headers) == 0 {
		return nil
	}
	return p.headers[len(p.headers)-1]
}

type stack struct {
	https, http string
	client      *http.Client
	seen        *proxied
	prefix      string
}

// startStack runs the real ingress on loopback and the real nginx in front of it.
func startStack(t *testing.T) *stack {
	t.Helper()
	bin := nginxBinary(t)
	seen := &proxied{}
	h, err := ingress.New(ingress.Config{WhatsAppAppSecret: "app-secret", WhatsAppVerifyToken: "verify-token"}, ingress.Deps{
		// Nothing here is queued: the webhooks sent are refused before the queue.
		Redis: redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}),
		Log:   zerolog.Nop(),
		Mount: func(r chi.Router) {
			// Stand-ins for the admin's routes: they report what nginx passed on.
			echo := func(w http.ResponseWriter, r *http.Request) {
				seen.mu.Lock()
				hd := r.Header.Clone()
				hd.Set("X-Seen-Host", r.Host)
				seen.headers = append(seen.headers, hd)
				seen.mu.Unlock()
				_, _ = io.Copy(io.Discard, r.Body)
				_, _ = w.Write([]byte("admin ok\n"))
			}
			r.Post("/admin/login", echo)
			r.Get("/admin/", echo)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })

	// Not t.TempDir(): its parent is private, and nginx's workers run as nobody under root.
	prefix, err := os.MkdirTemp("", "nginx-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(prefix) })
	if err := os.MkdirAll(filepath.Join(prefix, "certbot", ".well-known", "acme-challenge"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(prefix, "certbot", ".well-known", "acme-challenge", "tok123"), []byte("tok123.thumb"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(prefix, 0o755); err != nil {
		t.Fatal(err)
	}
	cert, key := selfSigned(t, prefix)
	httpPort, httpsPort := freePort(t), freePort(t)
	confPath := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(testConfig(t, prefix, l.Addr().String(), cert, key, httpPort, httpsPort)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-t", "-p", prefix, "-e", filepath.Join(prefix, "error.log"), "-c", confPath).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-p", prefix, "-e", filepath.Join(prefix, "error.log"), "-c", confPath, "-g", "daemon off;")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt) // SIGINT: fast shutdown
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cancel()
			<-done
		}
		cancel()
	})

	s := &stack{
		https: fmt.Sprintf("https://127.0.0.1:%d", httpsPort), http: fmt.Sprintf("http://127.0.0.1:%d", httpPort),
		seen: seen, prefix: prefix,
		client: &http.Client{
			Timeout: 10 * time.Second,
			Transport: &http.Transport{ForceAttemptHTTP2: true, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // self-signed test certificate
				MaxConnsPerHost: 200, MaxIdleConnsPerHost: 200},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := s.client.Get(s.https + "/healthz")
		if err == nil {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			errLog, _ := os.ReadFile(filepath.Join(prefix, "error.log"))
			t.Fatalf("nginx did not come up: %v\n%s\n%s", err, stderr.String(), errLog)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s
}

func (s *stack) do(t *testing.T, method, url string, body io.Reader, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestNginxProxiesToTheIngressOverTLS(t *testing.T) {
	s := startStack(t)

	res, body := s.do(t, http.MethodGet, s.https+"/healthz", nil)
	if res.StatusCode != http.StatusOK || body != "ok\n" {
		t.Fatalf("/healthz through nginx: %d %q", res.StatusCode, body)
	}
	if res.TLS == nil || res.TLS.Version < tls.VersionTLS12 {
		t.Fatalf("not TLS 1.2+: %+v", res.TLS)
	}
	for h, want := range map[string]string{
		"Strict-Transport-Security": "max-age=63072000; includeSubDomains",
		"X-Content-Type-Options":    "nosniff",
		"X-Frame-Options":           "DENY",
		"Referrer-Policy":           "same-origin",
	} {
		if got := res.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if sv := res.Header.Get("Server"); sv != "nginx" {
		t.Errorf("Server = %q, want the bare name (server_tokens off)", sv)
	}

	// A webhook with a wrong signature reaches the ingress, which refuses it.
	res, body = s.do(t, http.MethodPost, s.https+"/webhooks/whatsapp", strings.NewReader(`{"object":"whatsapp_business_account"}`),
		"X-Hub-Signature-256", "sha256=00", "Content-Type", "application/json")
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "invalid signature") {
		t.Fatalf("unsigned webhook through nginx: %d %q", res.StatusCode, body)
	}
	// The verify handshake (GET with its token in the query) goes through too.
	res, body = s.do(t, http.MethodGet, s.https+"/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=verify-token&hub.challenge=4242", nil)
	if res.StatusCode != http.StatusOK || body != "4242" {
		t.Fatalf("verify handshake through nginx: %d %q", res.StatusCode, body)
	}
	access, _ := os.ReadFile(filepath.Join(s.prefix, "access.log"))
	if strings.Contains(string(access), "verify-token") {
		t.Error("the access log holds the verify token")
	}

	// /metrics is never served publicly, though the ingress has it.
	res, _ = s.do(t, http.MethodGet, s.https+"/metrics", nil)
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("/metrics through nginx: %d", res.StatusCode)
	}

	// The ingress learns the client's IP, the scheme and the host.
	res, body = s.do(t, http.MethodGet, s.https+"/admin/", nil, "X-Forwarded-For", "198.51.100.1")
	if res.StatusCode != http.StatusOK || body != "admin ok\n" {
		t.Fatalf("/admin/: %d %q", res.StatusCode, body)
	}
	h := s.seen.last()
	if h.Get("X-Real-IP") != "127.0.0.1" || h.Get("X-Forwarded-Proto") != "https" ||
		h.Get("X-Forwarded-For") != "198.51.100.1, 127.0.0.1" || !strings.HasPrefix(h.Get("X-Seen-Host"), "127.0.0.1:") {
		t.Fatalf("headers the ingress saw: %v", h)
	}
}

func TestNginxRedirectsHTTPToHTTPSButServesACMEChallenges(t *testing.T) {
	s := startStack(t)
	res, _ := s.do(t, http.MethodGet, s.http+"/admin/reservations?x=1", nil)
	if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "https://127.0.0.1/admin/reservations?x=1" {
		t.Fatalf("http: %d -> %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, body := s.do(t, http.MethodGet, s.http+"/.well-known/acme-challenge/tok123", nil)
	if res.StatusCode != http.StatusOK || body != "tok123.thumb" {
		t.Fatalf("ACME challenge: %d %q", res.StatusCode, body)
	}
}

func TestNginxRefusesOversizedBodies(t *testing.T) {
	s := startStack(t)
	big := bytes.Repeat([]byte("a"), 2<<20)
	res, _ := s.do(t, http.MethodPost, s.https+"/webhooks/whatsapp", bytes.NewReader(big), "Content-Type", "application/json")
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("2 MiB webhook: %d, want 413", res.StatusCode)
	}
	res, _ = s.do(t, http.MethodPost, s.https+"/admin/login", bytes.NewReader(bytes.Repeat([]byte("a"), 64<<10)),
		"Content-Type", "application/x-www-form-urlencoded")
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("64 KiB login form: %d, want 413", res.StatusCode)
	}
	// Just under the cap still reaches the ingress.
	res, _ = s.do(t, http.MethodPost, s.https+"/webhooks/whatsapp", bytes.NewReader(bytes.Repeat([]byte("a"), 900<<10)),
		"X-Hub-Signature-256", "sha256=00")
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("900 KiB webhook: %d, want the ingress's 401", res.StatusCode)
	}
}

func TestNginxRateLimitsWebhookBursts(t *testing.T) {
	s := startStack(t)
	const n = 120
	codes := make(chan int, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, s.https+"/webhooks/whatsapp", strings.NewReader(`{}`))
			req.Header.Set("X-Hub-Signature-256", "sha256=00")
			res, err := s.client.Do(req)
			if err != nil {
				codes <- 0
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			codes <- res.StatusCode
		}()
	}
	wg.Wait()
	close(codes)
	count := map[int]int{}
	for c := range codes {
		count[c]++
	}
	// burst=40 nodelay at 20 r/s: at least 40 pass straight to the ingress, the rest of a
	// burst that fast gets 429 from nginx.
	if count[http.StatusTooManyRequests] == 0 || count[http.StatusUnauthorized] < 40 || count[0] > 0 {
		t.Fatalf("120 webhooks at once: %v, want >= 40 passed (401) and some 429", count)
	}
}

func TestNginxRateLimitsAdminLogin(t *testing.T) {
	s := startStack(t)
	var got []int
	for i := 0; i < 8; i++ {
		res, _ := s.do(t, http.MethodPost, s.https+"/admin/login", strings.NewReader("email=a%40b.c&password=x"),
			"Content-Type", "application/x-www-form-urlencoded")
		got = append(got, res.StatusCode)
	}
	// 10 r/m with burst 5: the first attempt and the 5 of the burst pass, the rest get 429.
	passed, limited := 0, 0
	for _, c := range got {
		switch c {
		case http.StatusOK:
			passed++
		case http.StatusTooManyRequests:
			limited++
		}
	}
	if passed != 6 || limited != 2 || got[len(got)-1] != http.StatusTooManyRequests {
		t.Fatalf("8 quick logins: %v, want 6 passed then 429", got)
	}
	// Other pages are not held back by the login's limit.
	if res, _ := s.do(t, http.MethodGet, s.https+"/admin/", nil); res.StatusCode != http.StatusOK {
		t.Fatalf("/admin/ after the login limit: %d", res.StatusCode)
	}
}
