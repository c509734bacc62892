// Package whatsapptest is a fake WhatsApp Cloud API (Meta Graph API) for tests and for the
// sandbox binary. It behaves like Meta as described in /work/shared/contracts/providers.md
// section A: Bearer auth, the phone number id in the path, Meta's limits for interactive
// messages, Graph error bodies, media ids resolved to short-lived URLs on a separate
// "lookaside" host, and signed webhooks built byte for byte the way Meta sends them.
//
// It does not import package testing, so cmd/sandbox can mount Handler and MediaHandler on
// its own listener.
package whatsapptest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/reservas/reservas/handlers/whatsapp"
)

// Defaults used for zero Options fields. The ids are the ones in Meta's examples.
const (
	DefaultToken         = "whatsapptest-token"
	DefaultPhoneNumberID = "106540352242922"
	DefaultAppSecret     = "whatsapptest-app-secret"
	DefaultAPIVersion    = "v25.0"
	// DefaultMediaURLTTL is how long a media URL works (Meta: 5 minutes).
	DefaultMediaURLTTL = 5 * time.Minute

	// WABAID and DisplayPhoneNumber fill entry[].id and metadata.display_phone_number of the
	// webhooks built by this package.
	WABAID             = "102290129340398"
	DisplayPhoneNumber = "15550783881"
)

// Options configures a Server.
type Options struct {
	Token         string // Bearer token the fake accepts; empty means DefaultToken
	PhoneNumberID string // the only business phone number id; empty means DefaultPhoneNumberID
	AppSecret     string // signs Deliver's webhooks; empty means DefaultAppSecret
	// APIVersion is the version URL() carries; any /vNN.N/ prefix is accepted. Empty means
	// DefaultAPIVersion.
	APIVersion string
	// Now is the clock for media URL expiry and recorded times; nil means time.Now.
	Now func() time.Time
	// MediaURLTTL is the media URL lifetime; zero means DefaultMediaURLTTL.
	MediaURLTTL time.Duration
	// MediaBaseURL is the base of the media URLs handed out by GET /<MEDIA_ID>; empty means
	// the fake's own media host. Set it when MediaHandler is mounted elsewhere.
	MediaBaseURL string
	// FileSizeAsNumber makes GET /<MEDIA_ID> answer file_size as a JSON number instead of the
	// documented string.
	FileSizeAsNumber bool
}

// SentMessage is an outbound message the fake accepted.
type SentMessage struct {
	WAMID            string // the id answered to the sender
	To               string // "to" as sent, e.g. "+5491155550000"
	WaID             string // digits of To
	Type             string // "text", "interactive" or "template"
	InteractiveType  string // "button" or "list" for interactive messages
	Text             string // text.body, or interactive body.text
	PreviewURL       bool
	ContextMessageID string            // context.message_id of a quoted reply
	Buttons          *whatsapp.Buttons // for interactive "button"
	List             *whatsapp.List    // for interactive "list"
	Template         string            // template name, for "template"
	TemplateLanguage string            // its language code
	TemplateParams   []string          // its body parameters (Text joins them)
	Raw              json.RawMessage   // the request body as received
	At               time.Time
}

// ReadReceipt is an accepted mark-as-read call.
type ReadReceipt struct {
	WAMID  string
	Typing bool // typing_indicator {"type":"text"} was set
	Raw    json.RawMessage
	At     time.Time
}

// Failure is an injected Graph error (see FailNextWith).
type Failure struct {
	HTTPStatus int
	Code       int
	Subcode    int           // error_subcode; zero omits it
	Details    string        // error_data.details; empty uses a default for the code
	RetryAfter time.Duration // Retry-After header in whole seconds; zero omits it
}

type mediaItem struct {
	mimeType string
	data     []byte
}

type mediaGrant struct {
	mediaID string
	issued  time.Time
}

// Server is the fake. All methods are safe for concurrent use.
type Server struct {
	opts   Options
	graph  *httptest.Server
	lookup *httptest.Server
	hc     *http.Client

	mu           sync.Mutex
	sent         []SentMessage
	reads        []ReadReceipt
	changed      chan struct{} // closed and replaced whenever sent grows
	subs         map[*subscriber]struct{}
	failLeft     int
	failure      Failure
	latency      time.Duration
	media        map[string]mediaItem
	grants       map[string]mediaGrant
	graphCalls   int
	mediaCalls   int
	closed       bool
	done         chan struct{} // closed by Close; ends latency waits
	mediaBaseURL string
	closedWindow map[string]bool // numbers whose 24-hour window is closed (CloseWindow)
}

// NewServer starts the fake: one httptest server for the Graph API and one for the media
// ("lookaside") host. Call Close when done.
func NewServer(opts Options) *Server {
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	if opts.PhoneNumberID == "" {
		opts.PhoneNumberID = DefaultPhoneNumberID
	}
	if opts.AppSecret == "" {
		opts.AppSecret = DefaultAppSecret
	}
	if opts.APIVersion == "" {
		opts.APIVersion = DefaultAPIVersion
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MediaURLTTL <= 0 {
		opts.MediaURLTTL = DefaultMediaURLTTL
	}
	s := &Server{
		opts:    opts,
		hc:      &http.Client{Timeout: 30 * time.Second},
		changed: make(chan struct{}),
		subs:    make(map[*subscriber]struct{}),
		media:   make(map[string]mediaItem),
		grants:  make(map[string]mediaGrant),
		done:    make(chan struct{}),
	}
	s.graph = httptest.NewServer(s.Handler())
	s.lookup = httptest.NewServer(s.MediaHandler())
	s.mediaBaseURL = opts.MediaBaseURL
	if s.mediaBaseURL == "" {
		s.mediaBaseURL = s.lookup.URL
	}
	return s
}

// URL is the Graph API base including the version, e.g. http://127.0.0.1:PORT/v25.0: use
// it as whatsapp.Config.BaseURL.
func (s *Server) URL() string { return s.graph.URL + "/" + s.opts.APIVersion }

// MediaURL is the base URL of the media host (Options.MediaBaseURL when set).
func (s *Server) MediaURL() string { return s.mediaBaseURL }

// Token, PhoneNumberID and AppSecret return the effective options.
func (s *Server) Token() string         { return s.opts.Token }
func (s *Server) PhoneNumberID() string { return s.opts.PhoneNumberID }
func (s *Server) AppSecret() string     { return s.opts.AppSecret }

// Handler serves the Graph API (paths /vNN.N/...), for mounting on another listener.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveGraph) }

// MediaHandler serves the media host (/whatsapp_business/attachments/?mid=...).
func (s *Server) MediaHandler() http.Handler { return http.HandlerFunc(s.serveMedia) }

// Close stops both httptest servers and ends every subscription.
func (s *Server) Close() {
	s.mu.Lock()
	if !s.closed {
		close(s.done)
	}
	s.closed = true
	s.mu.Unlock()
	s.graph.Close()
	s.lookup.Close()
	s.mu.Lock()
	subs := s.subs
	s.subs = make(map[*subscriber]struct{})
	s.mu.Unlock()
	for sub := range subs {
		sub.stop()
	}
}

// Sent returns a copy of every accepted outbound message, oldest first.
func (s *Server) Sent() []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SentMessage(nil), s.sent...)
}

// WaitSent blocks until at least n messages were accepted (returning all of them) or ctx
// ends.
func (s *Server) WaitSent(ctx context.Context, n int) ([]SentMessage, error) {
	for {
		s.mu.Lock()
		if len(s.sent) >= n {
			out := append([]SentMessage(nil), s.sent...)
			s.mu.Unlock()
			return out, nil
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-ch:
		}
	}
}

// Reads returns a copy of every accepted mark-as-read call, oldest first.
func (s *Server) Reads() []ReadReceipt {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ReadReceipt(nil), s.reads...)
}

// RequestCount is the number of requests the Graph API handler received, failed ones
// included.
func (s *Server) RequestCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.graphCalls
}

// MediaRequestCount is the number of requests the media host received.
func (s *Server) MediaRequestCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mediaCalls
}

// FailNext makes the next n POST /<PHONE_NUMBER_ID>/messages calls (sends and
// mark-as-read alike) answer httpStatus with a Graph error of the given code.
func (s *Server) FailNext(n, httpStatus, code int) {
	s.FailNextWith(n, Failure{HTTPStatus: httpStatus, Code: code})
}

// FailNextWith is FailNext with full control of the error. It replaces any pending failure.
func (s *Server) FailNextWith(n int, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failLeft, s.failure = n, f
}

// SetLatency delays every answer (Graph and media) by d.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// AddMedia registers media so that GET /<id> resolves it to a URL on the media host. The
// URL expires after Options.MediaURLTTL and needs the Bearer token.
func (s *Server) AddMedia(id, mimeType string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.media[id] = mediaItem{mimeType: mimeType, data: append([]byte(nil), data...)}
}

// Subscribe streams every message accepted from now on, in order, until cancel is called or
// the server is closed; then the channel is closed. Delivery never blocks the fake.
func (s *Server) Subscribe() (<-chan SentMessage, func()) {
	sub := newSubscriber()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		sub.stop()
		return sub.out, func() {}
	}
	s.subs[sub] = struct{}{}
	s.mu.Unlock()
	cancel := func() {
		s.mu.Lock()
		_, ok := s.subs[sub]
		delete(s.subs, sub)
		s.mu.Unlock()
		if ok {
			sub.stop()
		}
	}
	return sub.out, cancel
}

// record stores an accepted message and wakes waiters and subscribers.
func (s *Server) record(m SentMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, m)
	close(s.changed)
	s.changed = make(chan struct{})
	for sub := range s.subs {
		sub.push(m)
	}
}

// subscriber buffers without bound so the fake never blocks on a slow reader.
type subscriber struct {
	out  chan SentMessage
	mu   sync.Mutex
	q    []SentMessage
	wake chan struct{}
	done chan struct{}
	exit chan struct{}
	once sync.Once
}

func newSubscriber() *subscriber {
	sub := &subscriber{
		out:  make(chan SentMessage),
		wake: make(chan struct{}, 1),
		done: make(chan struct{}),
		exit: make(chan struct{}),
	}
	go sub.pump()
	return sub
}

func (sub *subscriber) push(m SentMessage) {
	sub.mu.Lock()
	sub.q = append(sub.q, m)
	sub.mu.Unlock()
	select {
	case sub.wake <- struct{}{}:
	default:
	}
}

func (sub *subscriber) pump() {
	defer close(sub.exit)
	for {
		sub.mu.Lock()
		var next *SentMessage
		if len(sub.q) > 0 {
			m := sub.q[0]
			sub.q = sub.q[1:]
			next = &m
		}
		sub.mu.Unlock()
		if next == nil {
			select {
			case <-sub.wake:
				continue
			case <-sub.done:
				return
			}
		}
		select {
		case sub.out <- *next:
		case <-sub.done:
			return
		}
	}
}

// stop ends the pump and closes the channel.
func (sub *subscriber) stop() {
	sub.once.Do(func() {
		close(sub.done)
		<-sub.exit
		close(sub.out)
	})
}

// CloseWindow makes waID's 24-hour customer service window closed: any message to it but a
// template is refused with 131047, as Graph does synchronously. OpenWindow undoes it.
func (s *Server) CloseWindow(waID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closedWindow == nil {
		s.closedWindow = map[string]bool{}
	}
	s.closedWindow[strings.TrimPrefix(waID, "+")] = true
}

// OpenWindow reopens waID's window (the user wrote again).
func (s *Server) OpenWindow(waID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.closedWindow, strings.TrimPrefix(waID, "+"))
}

func (s *Server) windowClosed(waID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closedWindow[waID]
}
