// Command sandbox stands in for the WhatsApp Cloud API and Mercado Pago on one machine, with the
// same fakes the tests use, plus a chat page where a person talks to the bot as a guest: tap its
// buttons and lists, open a payment link and "pay" it. Webhooks reach reservas signed exactly
// as Meta and Mercado Pago sign them.
package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/reservas/reservas/handlers/mercadopago/mercadopagotest"
	"github.com/reservas/reservas/handlers/stt/stttest"
	"github.com/reservas/reservas/handlers/whatsapp"
	"github.com/reservas/reservas/handlers/whatsapp/whatsapptest"
)

//go:embed chat.html
var pages embed.FS

type config struct {
	addr          string
	publicURL     string
	reservasURL   string
	appSecret     string
	token         string
	phoneNumberID string
	mpToken       string
	mpSecret      string
}

func main() {
	var c config
	flag.StringVar(&c.addr, "addr", envOr("SANDBOX_ADDR", "127.0.0.1:8090"), "listen address")
	flag.StringVar(&c.publicURL, "public-url", envOr("SANDBOX_URL", "http://localhost:8090"), "base URL the browser and reservas use to reach the sandbox")
	flag.StringVar(&c.reservasURL, "reservas-url", envOr("RESERVAS_URL", "http://localhost:8080"), "base URL of the reservas ingress")
	flag.Parse()
	c.appSecret = os.Getenv("WHATSAPP_APP_SECRET")
	c.token = os.Getenv("WHATSAPP_TOKEN")
	c.phoneNumberID = os.Getenv("WHATSAPP_PHONE_NUMBER_ID")
	c.mpToken = os.Getenv("MP_ACCESS_TOKEN")
	c.mpSecret = os.Getenv("MP_WEBHOOK_SECRET")
	for name, v := range map[string]string{"WHATSAPP_APP_SECRET": c.appSecret, "WHATSAPP_TOKEN": c.token,
		"WHATSAPP_PHONE_NUMBER_ID": c.phoneNumberID, "MP_ACCESS_TOKEN": c.mpToken, "MP_WEBHOOK_SECRET": c.mpSecret} {
		if v == "" {
			fmt.Fprintf(os.Stderr, "sandbox: %s must be set (the same value reservas uses)\n", name)
			os.Exit(2)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := zerolog.New(os.Stderr).With().Timestamp().Str("process", "sandbox").Logger()
	if err := run(ctx, c, log); err != nil {
		log.Error().Err(err).Msg("sandbox stopped")
		os.Exit(1)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func run(ctx context.Context, c config, log zerolog.Logger) error {
	public := strings.TrimRight(c.publicURL, "/")
	graph := whatsapptest.NewServer(whatsapptest.Options{
		Token: c.token, PhoneNumberID: c.phoneNumberID, AppSecret: c.appSecret, MediaBaseURL: public + "/media",
	})
	defer graph.Close()
	mp := mercadopagotest.NewServer(mercadopagotest.Options{
		AccessToken: c.mpToken, WebhookSecret: c.mpSecret, PublicURL: public + "/mp",
		RetrySchedule: []time.Duration{0, 2 * time.Second, 10 * time.Second, 30 * time.Second},
	})
	defer mp.Close()

	chat := &chat{graph: graph, webhookURL: strings.TrimRight(c.reservasURL, "/") + "/webhooks/whatsapp", log: log}
	mux := http.NewServeMux()
	mux.Handle("/graph/", http.StripPrefix("/graph", graph.Handler()))
	mux.Handle("/media/", http.StripPrefix("/media", graph.MediaHandler()))
	mux.Handle("/mp/", http.StripPrefix("/mp", mp.Handler()))
	mux.HandleFunc("GET /{$}", chat.page)
	mux.HandleFunc("POST /chat/send", chat.send)
	mux.HandleFunc("GET /chat/events", chat.events)

	srv := &http.Server{Addr: c.addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	log.Info().Str("chat", public+"/").Str("whatsapp_api_url", public+"/graph/"+whatsapptest.DefaultAPIVersion).
		Str("mp_api_url", public+"/mp").Msg("sandbox ready")
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("listen: %w", err)
	}
	return nil
}

type chat struct {
	graph      *whatsapptest.Server
	webhookURL string
	log        zerolog.Logger
	seq        atomic.Int64
}

func (c *chat) page(w http.ResponseWriter, _ *http.Request) {
	b, err := pages.ReadFile("chat.html")
	if err != nil {
		http.Error(w, "page missing", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(b)
}

// sendRequest is what the chat page posts: a text, or a tap on a button or a list row.
type sendRequest struct {
	From        string `json:"from"`
	Name        string `json:"name"`
	Text        string `json:"text"`
	Kind        string `json:"kind"` // "text", "voice", "button", "list"
	ReplyID     string `json:"reply_id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Context     string `json:"context"`
}

// send turns the page's message into Meta's webhook and delivers it signed, as Meta would.
func (c *chat) send(w http.ResponseWriter, r *http.Request) {
	var req sendRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&req); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	from := strings.TrimPrefix(strings.TrimSpace(req.From), "+")
	if from == "" {
		http.Error(w, "from is required", http.StatusBadRequest)
		return
	}
	wamid := whatsapptest.InboundWAMID(from) + fmt.Sprintf(".%d", c.seq.Add(1))
	now := time.Now()
	var body []byte
	switch req.Kind {
	case "button":
		body = whatsapptest.ButtonReplyWebhook(c.graph.PhoneNumberID(), from, req.Name, wamid, req.Context, req.ReplyID, req.Title, now)
	case "list":
		body = whatsapptest.ListReplyWebhook(c.graph.PhoneNumberID(), from, req.Name, wamid, req.Context, req.ReplyID, req.Title, req.Description, now)
	case "voice":
		// A real voice note, as WhatsApp records one: espeak-ng speaks the text, ffmpeg encodes
		// mono Ogg/Opus; the bot fetches it from the fake media endpoints like from Meta's.
		if strings.TrimSpace(req.Text) == "" {
			http.Error(w, "text to speak is required", http.StatusBadRequest)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
		defer cancel()
		audio, err := stttest.VoiceNote(ctx, req.Text)
		if err != nil {
			http.Error(w, "could not record a voice note here (needs espeak-ng and ffmpeg): "+err.Error(), http.StatusInternalServerError)
			return
		}
		mediaID := fmt.Sprintf("%d%06d", now.Unix(), c.seq.Load())
		const mime = "audio/ogg; codecs=opus"
		c.graph.AddMedia(mediaID, mime, audio)
		body = whatsapptest.AudioWebhook(c.graph.PhoneNumberID(), from, req.Name, wamid,
			whatsapp.MediaRef{ID: mediaID, MimeType: mime, SHA256: whatsapptest.Base64SHA256(audio), Voice: true}, now)
	default:
		if strings.TrimSpace(req.Text) == "" {
			http.Error(w, "text is required", http.StatusBadRequest)
			return
		}
		body = whatsapptest.TextWebhook(c.graph.PhoneNumberID(), from, req.Name, wamid, req.Text, now)
	}
	resp, err := c.graph.Deliver(r.Context(), c.webhookURL, body)
	if err != nil {
		http.Error(w, "reservas is not reachable: "+err.Error(), http.StatusBadGateway)
		return
	}
	resp.Body.Close()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"wamid": wamid, "status": resp.StatusCode})
}

// events streams the bot's messages to one phone number as server-sent events.
func (c *chat) events(w http.ResponseWriter, r *http.Request) {
	waID := strings.TrimPrefix(r.URL.Query().Get("wa_id"), "+")
	flusher, ok := w.(http.Flusher)
	if !ok || waID == "" {
		http.Error(w, "streaming needs wa_id", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	ch, cancel := c.graph.Subscribe()
	defer cancel()
	// Replay what this number already received, so a reload keeps the history.
	for _, m := range c.graph.Sent() {
		if m.WaID == waID {
			writeEvent(w, m)
		}
	}
	flusher.Flush()
	keepAlive := time.NewTicker(20 * time.Second)
	defer keepAlive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-keepAlive.C:
			_, _ = fmt.Fprint(w, ": keep-alive\n\n")
			flusher.Flush()
		case m, ok := <-ch:
			if !ok {
				return
			}
			if m.WaID == waID {
				writeEvent(w, m)
				flusher.Flush()
			}
		}
	}
}

func writeEvent(w http.ResponseWriter, m whatsapptest.SentMessage) {
	b, err := json.Marshal(map[string]any{
		"wamid": m.WAMID, "type": m.Type, "interactive": m.InteractiveType, "text": m.Text,
		"buttons": m.Buttons, "list": m.List, "at": m.At,
	})
	if err != nil {
		return
	}
	_, _ = fmt.Fprintf(w, "data: %s\n\n", b)
}
