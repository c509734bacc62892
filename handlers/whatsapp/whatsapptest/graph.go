package whatsapptest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/reservas/reservas/handlers/whatsapp"
)

var versionSegment = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)

const maxRequestBody = 1 << 20

// graphError is the Graph API error envelope (providers.md A.5).
type graphError struct {
	Error graphErrorDetail `json:"error"`
}

type graphErrorDetail struct {
	Message   string          `json:"message"`
	Type      string          `json:"type"`
	Code      int             `json:"code"`
	ErrorData *graphErrorData `json:"error_data,omitempty"`
	Subcode   int             `json:"error_subcode,omitempty"`
	FBTraceID string          `json:"fbtrace_id"`
}

type graphErrorData struct {
	MessagingProduct string `json:"messaging_product"`
	Details          string `json:"details"`
}

// Titles Meta uses in "(#<code>) <title>"; details are the defaults for FailNext.
var codeTexts = map[int][2]string{
	1:      {"An unknown error occurred", "An unknown error occurred."},
	2:      {"Service temporarily unavailable", "Service temporarily unavailable."},
	4:      {"Application request limit reached", "Too many API calls."},
	100:    {"Invalid parameter", "Invalid parameter."},
	190:    {"Invalid OAuth access token", "Invalid OAuth access token - Cannot parse access token"},
	130429: {"Rate limit hit", "Cloud API message throughput has been reached."},
	131000: {"Something went wrong", "Something went wrong."},
	131009: {"Parameter value is not valid", "Parameter value is not valid."},
	131016: {"Service unavailable", "A service is temporarily unavailable."},
	131026: {"Message Undeliverable", "Message undeliverable."},
	131047: {"Re-engagement message", "Message failed to send because more than 24 hours have passed since the customer last replied to this number."},
	131048: {"Spam rate limit hit", "Message failed to send because there are restrictions on how many messages can be sent from this phone number."},
	131049: {"This message was not delivered to maintain healthy ecosystem engagement.", "In order to maintain a healthy ecosystem engagement, the message failed to be delivered."},
	131056: {"(Business Account, Consumer Account) pair rate limit hit", "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time."},
}

func (s *Server) writeGraphError(w http.ResponseWriter, status, code, subcode int, title, details string) {
	if title == "" {
		title = codeTexts[code][0]
	}
	if title == "" {
		title = "Error"
	}
	e := graphError{Error: graphErrorDetail{
		Message:   fmt.Sprintf("(#%d) %s", code, title),
		Type:      "OAuthException",
		Code:      code,
		Subcode:   subcode,
		FBTraceID: randomToken(12),
	}}
	if details != "" {
		e.Error.ErrorData = &graphErrorData{MessagingProduct: "whatsapp", Details: details}
	}
	if code == whatsapp.CodeAccessToken {
		e.Error.Message = title // Meta's 190 message has no "(#190)" prefix
		w.Header().Set("WWW-Authenticate", `OAuth "Facebook Platform" "invalid_token" "`+title+`"`)
	}
	writeJSON(w, status, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// wait applies the configured latency; false if the client went away meanwhile.
func (s *Server) wait(r *http.Request) bool {
	s.mu.Lock()
	d := s.latency
	s.mu.Unlock()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-s.done:
		return false
	}
}

func (s *Server) serveGraph(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.graphCalls++
	s.mu.Unlock()
	// Read the body first: only then does the server notice a client that hangs up.
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		return
	}
	if !s.wait(r) {
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) == 0 || !versionSegment.MatchString(parts[0]) {
		s.writeGraphError(w, http.StatusBadRequest, 2500, 0, "Unknown path components",
			"whatsapptest: the path must start with a Graph API version such as /"+s.opts.APIVersion+"/")
		return
	}
	if !s.authorized(r) {
		s.writeGraphError(w, http.StatusUnauthorized, whatsapp.CodeAccessToken, 0,
			"Invalid OAuth access token - Cannot parse access token", "")
		return
	}
	switch {
	case len(parts) == 3 && parts[2] == "messages":
		if r.Method != http.MethodPost {
			s.unsupported(w, r.Method, parts[1])
			return
		}
		if parts[1] != s.opts.PhoneNumberID {
			s.unsupported(w, r.Method, parts[1])
			return
		}
		if s.injectedFailure(w) {
			return
		}
		s.serveMessages(w, raw)
	case len(parts) == 2 && parts[1] != "":
		if r.Method != http.MethodGet {
			s.unsupported(w, r.Method, parts[1])
			return
		}
		if parts[1] == s.opts.PhoneNumberID {
			writeJSON(w, http.StatusOK, map[string]any{
				"verified_name":        "Reservas Sandbox",
				"display_phone_number": "+1 555-078-3881",
				"id":                   s.opts.PhoneNumberID,
				"quality_rating":       "GREEN",
			})
			return
		}
		s.serveMediaInfo(w, r, parts[1])
	default:
		s.writeGraphError(w, http.StatusBadRequest, 2500, 0, "Unknown path components: /"+strings.Join(parts[1:], "/"), "")
	}
}

func (s *Server) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && tok == s.opts.Token
}

// unsupported is Graph's answer for an id that does not exist or does not support the call.
func (s *Server) unsupported(w http.ResponseWriter, method, id string) {
	verb := strings.ToLower(method)
	s.writeGraphError(w, http.StatusBadRequest, whatsapp.CodeInvalidParameter, 33,
		fmt.Sprintf("Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api", verb, id), "")
}

func (s *Server) injectedFailure(w http.ResponseWriter) bool {
	s.mu.Lock()
	if s.failLeft <= 0 {
		s.mu.Unlock()
		return false
	}
	s.failLeft--
	f := s.failure
	s.mu.Unlock()
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((f.RetryAfter+time.Second-1)/time.Second)))
	}
	details := f.Details
	if details == "" {
		details = codeTexts[f.Code][1]
	}
	if details == "" {
		details = "whatsapptest: injected failure"
	}
	s.writeGraphError(w, f.HTTPStatus, f.Code, f.Subcode, "", details)
	return true
}

// Inbound request shapes, strictly typed: a mistyped field is a 400 like Meta's.
type inRequest struct {
	MessagingProduct string  `json:"messaging_product"`
	RecipientType    *string `json:"recipient_type"`
	To               string  `json:"to"`
	Type             *string `json:"type"`
	Status           string  `json:"status"`
	MessageID        string  `json:"message_id"`
	TypingIndicator  *struct {
		Type string `json:"type"`
	} `json:"typing_indicator"`
	Context *struct {
		MessageID string `json:"message_id"`
	} `json:"context"`
	Text *struct {
		PreviewURL bool    `json:"preview_url"`
		Body       *string `json:"body"`
	} `json:"text"`
	Interactive *inInteractive `json:"interactive"`
	Template    *inTemplate    `json:"template"`
}

type inTemplate struct {
	Name     string `json:"name"`
	Language *struct {
		Code string `json:"code"`
	} `json:"language"`
	Components []struct {
		Type       string `json:"type"`
		Parameters []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"parameters"`
	} `json:"components"`
}

type inText struct {
	Text string `json:"text"`
}

type inInteractive struct {
	Type   string `json:"type"`
	Header *struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"header"`
	Body   *inText `json:"body"`
	Footer *inText `json:"footer"`
	Action *struct {
		Button  string `json:"button"`
		Buttons []struct {
			Type  string `json:"type"`
			Reply struct {
				ID    string `json:"id"`
				Title string `json:"title"`
			} `json:"reply"`
		} `json:"buttons"`
		Sections []struct {
			Title string `json:"title"`
			Rows  []struct {
				ID          string `json:"id"`
				Title       string `json:"title"`
				Description string `json:"description"`
			} `json:"rows"`
		} `json:"sections"`
	} `json:"action"`
}

// badRequest is a 400 with Graph code 100 or 131009.
type badRequest struct {
	code    int
	title   string
	details string
}

func invalidParam(title string) *badRequest {
	return &badRequest{code: whatsapp.CodeInvalidParameter, title: title}
}

func notValid(format string, args ...any) *badRequest {
	return &badRequest{code: whatsapp.CodeParameterNotValid, details: fmt.Sprintf(format, args...)}
}

func (s *Server) serveMessages(w http.ResponseWriter, raw []byte) {
	if len(raw) > maxRequestBody {
		s.writeGraphError(w, http.StatusRequestEntityTooLarge, whatsapp.CodeInvalidParameter, 0, "Invalid parameter", "request body too large")
		return
	}
	var req inRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		s.writeGraphError(w, http.StatusBadRequest, whatsapp.CodeInvalidParameter, 0, "Invalid parameter", "Request body is not valid JSON of the expected shape.")
		return
	}
	if req.MessagingProduct != "whatsapp" {
		s.writeGraphError(w, http.StatusBadRequest, whatsapp.CodeInvalidParameter, 0, "The parameter messaging_product is required.", "")
		return
	}
	now := s.opts.Now()
	if req.Status != "" {
		if bad := checkRead(req); bad != nil {
			s.writeBad(w, bad)
			return
		}
		s.mu.Lock()
		s.reads = append(s.reads, ReadReceipt{
			WAMID:  req.MessageID,
			Typing: req.TypingIndicator != nil,
			Raw:    json.RawMessage(raw),
			At:     now,
		})
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]bool{"success": true})
		return
	}
	msg, bad := checkSend(req)
	if bad != nil {
		s.writeBad(w, bad)
		return
	}
	if msg.Type != "template" && s.windowClosed(msg.WaID) {
		// Outside the 24-hour window only templates go; Meta may say so at once (this) or
		// accept and send a failed status later (providers.md, 131047).
		s.writeGraphError(w, http.StatusBadRequest, whatsapp.CodeReEngagement, 0, codeTexts[whatsapp.CodeReEngagement][0], codeTexts[whatsapp.CodeReEngagement][1])
		return
	}
	msg.WAMID = newWAMID(msg.WaID, false)
	msg.Raw = json.RawMessage(raw)
	msg.At = now
	s.record(msg)
	writeJSON(w, http.StatusOK, sendResponse{
		MessagingProduct: "whatsapp",
		Contacts:         []sendContact{{Input: req.To, WaID: msg.WaID}},
		Messages:         []sendMessageID{{ID: msg.WAMID}},
	})
}

type sendResponse struct {
	MessagingProduct string          `json:"messaging_product"`
	Contacts         []sendContact   `json:"contacts"`
	Messages         []sendMessageID `json:"messages"`
}

type sendContact struct {
	Input string `json:"input"`
	WaID  string `json:"wa_id"`
}

type sendMessageID struct {
	ID string `json:"id"`
}

func (s *Server) writeBad(w http.ResponseWriter, b *badRequest) {
	s.writeGraphError(w, http.StatusBadRequest, b.code, 0, b.title, b.details)
}

func checkRead(req inRequest) *badRequest {
	if req.Status != "read" {
		return invalidParam("Param status must be one of {READ} - got \"" + req.Status + "\".")
	}
	if !strings.HasPrefix(req.MessageID, "wamid.") {
		return invalidParam("Invalid parameter")
	}
	if req.TypingIndicator != nil && req.TypingIndicator.Type != "text" {
		return invalidParam("Param typing_indicator['type'] must be one of {TEXT}.")
	}
	return nil
}

func checkSend(req inRequest) (SentMessage, *badRequest) {
	if req.RecipientType != nil && *req.RecipientType != "individual" {
		return SentMessage{}, invalidParam("Param recipient_type must be one of {INDIVIDUAL} (whatsapptest has no groups).")
	}
	if req.To == "" {
		return SentMessage{}, invalidParam("The parameter to is required.")
	}
	digits := strings.TrimPrefix(req.To, "+")
	if len(digits) < 6 || len(digits) > 15 || strings.Trim(digits, "0123456789") != "" {
		return SentMessage{}, invalidParam("Invalid parameter")
	}
	typ := "text" // Meta's default type
	if req.Type != nil {
		typ = *req.Type
	}
	m := SentMessage{To: req.To, WaID: digits, Type: typ}
	if req.Context != nil {
		m.ContextMessageID = req.Context.MessageID
	}
	switch typ {
	case "text":
		if req.Text == nil || req.Text.Body == nil || *req.Text.Body == "" {
			return SentMessage{}, invalidParam("The parameter text['body'] is required.")
		}
		if n := utf8.RuneCountInString(*req.Text.Body); n > whatsapp.MaxTextBody {
			return SentMessage{}, invalidParam(fmt.Sprintf("Param text['body'] must be at most %d characters long.", whatsapp.MaxTextBody))
		}
		m.Text, m.PreviewURL = *req.Text.Body, req.Text.PreviewURL
	case "interactive":
		if bad := checkInteractive(req.Interactive, &m); bad != nil {
			return SentMessage{}, bad
		}
	case "template":
		if bad := checkTemplate(req.Template, &m); bad != nil {
			return SentMessage{}, bad
		}
	case "audio", "contacts", "document", "image", "location", "reaction", "sticker", "video":
		return SentMessage{}, invalidParam("whatsapptest supports only text and interactive messages, got type " + typ + ".")
	default:
		return SentMessage{}, invalidParam("Param type must be one of {AUDIO, CONTACTS, DOCUMENT, IMAGE, INTERACTIVE, LOCATION, REACTION, STICKER, TEMPLATE, TEXT, VIDEO} - got \"" + typ + "\".")
	}
	return m, nil
}

// checkInteractive enforces Meta's limits (providers.md A.5) on the wire form. It is written
// independently of whatsapp.Buttons.Validate on purpose.
func checkInteractive(in *inInteractive, m *SentMessage) *badRequest {
	if in == nil {
		return invalidParam("The parameter interactive is required.")
	}
	if in.Type != "button" && in.Type != "list" {
		return invalidParam("whatsapptest supports interactive types button and list, got \"" + in.Type + "\".")
	}
	if in.Body == nil || in.Body.Text == "" {
		return invalidParam("The parameter interactive['body']['text'] is required.")
	}
	bodyMax := 1024
	if in.Type == "list" {
		bodyMax = 4096
	}
	if n := utf8.RuneCountInString(in.Body.Text); n > bodyMax {
		return notValid("Body text length invalid. Min length: 1, Max length: %d", bodyMax)
	}
	var header, footer string
	if in.Header != nil {
		if in.Header.Type != "text" {
			return invalidParam("whatsapptest supports only text headers.")
		}
		header = in.Header.Text
		if n := utf8.RuneCountInString(header); n < 1 || n > 60 {
			return notValid("Header text length invalid. Min length: 1, Max length: 60")
		}
	}
	if in.Footer != nil {
		footer = in.Footer.Text
		if n := utf8.RuneCountInString(footer); n < 1 || n > 60 {
			return notValid("Footer text length invalid. Min length: 1, Max length: 60")
		}
	}
	if in.Action == nil {
		return invalidParam("The parameter interactive['action'] is required.")
	}
	m.InteractiveType = in.Type
	m.Text = in.Body.Text
	if in.Type == "button" {
		bs := in.Action.Buttons
		if len(bs) < 1 || len(bs) > 3 {
			return notValid("Invalid buttons count. Min allowed buttons: 1, Max allowed buttons: 3")
		}
		out := &whatsapp.Buttons{Header: header, Body: in.Body.Text, Footer: footer}
		ids, titles := map[string]bool{}, map[string]bool{}
		for _, b := range bs {
			if b.Type != "reply" {
				return invalidParam("Param interactive['action']['buttons'][]['type'] must be one of {REPLY}.")
			}
			if n := utf8.RuneCountInString(b.Reply.ID); n < 1 || n > 256 {
				return notValid("Button id length invalid. Min length: 1, Max length: 256")
			}
			if n := utf8.RuneCountInString(b.Reply.Title); n < 1 || n > 20 {
				return notValid("Button title length invalid. Min length: 1, Max length: 20")
			}
			if ids[b.Reply.ID] {
				return notValid("Duplicate button id is not allowed.")
			}
			if titles[b.Reply.Title] {
				return notValid("Button title must be unique.")
			}
			ids[b.Reply.ID], titles[b.Reply.Title] = true, true
			out.Buttons = append(out.Buttons, whatsapp.Button{ID: b.Reply.ID, Title: b.Reply.Title})
		}
		m.Buttons = out
		return nil
	}
	if n := utf8.RuneCountInString(in.Action.Button); n < 1 || n > 20 {
		return notValid("Button text length invalid. Min length: 1, Max length: 20")
	}
	secs := in.Action.Sections
	if len(secs) < 1 || len(secs) > 10 {
		return notValid("Invalid sections count. Min allowed sections: 1, Max allowed sections: 10")
	}
	out := &whatsapp.List{Header: header, Body: in.Body.Text, Footer: footer, ButtonText: in.Action.Button}
	rows := 0
	ids := map[string]bool{}
	for _, sec := range secs {
		if n := utf8.RuneCountInString(sec.Title); n > 24 || (n == 0 && len(secs) > 1) {
			return notValid("Section title length invalid. Min length: 1, Max length: 24")
		}
		if len(sec.Rows) == 0 {
			return notValid("Invalid rows count. Min allowed rows per section: 1")
		}
		ws := whatsapp.Section{Title: sec.Title}
		for _, row := range sec.Rows {
			rows++
			if n := utf8.RuneCountInString(row.ID); n < 1 || n > 200 {
				return notValid("Row id length invalid. Min length: 1, Max length: 200")
			}
			if n := utf8.RuneCountInString(row.Title); n < 1 || n > 24 {
				return notValid("Row title length invalid. Min length: 1, Max length: 24")
			}
			if n := utf8.RuneCountInString(row.Description); n > 72 {
				return notValid("Row description length invalid. Max length: 72")
			}
			if ids[row.ID] {
				return notValid("Duplicate row id is not allowed.")
			}
			ids[row.ID] = true
			ws.Rows = append(ws.Rows, whatsapp.Row{ID: row.ID, Title: row.Title, Description: row.Description})
		}
		out.Sections = append(out.Sections, ws)
	}
	if rows > 10 {
		return notValid("Total row count exceed max allowed count: 10")
	}
	m.List = out
	return nil
}

// mediaInfo is GET /<MEDIA_ID>'s answer, fields in the documented order.
type mediaInfo struct {
	MessagingProduct string `json:"messaging_product"`
	URL              string `json:"url"`
	MimeType         string `json:"mime_type"`
	SHA256           string `json:"sha256"`
	FileSize         any    `json:"file_size"`
	ID               string `json:"id"`
}

func (s *Server) serveMediaInfo(w http.ResponseWriter, r *http.Request, id string) {
	if pn := r.URL.Query().Get("phone_number_id"); pn != "" && pn != s.opts.PhoneNumberID {
		s.unsupported(w, r.Method, id)
		return
	}
	now := s.opts.Now()
	token := randomToken(24)
	s.mu.Lock()
	item, ok := s.media[id]
	if ok {
		s.grants[token] = mediaGrant{mediaID: id, issued: now}
	}
	s.mu.Unlock()
	if !ok {
		s.unsupported(w, r.Method, id)
		return
	}
	sum := sha256.Sum256(item.data)
	var size any = strconv.Itoa(len(item.data))
	if s.opts.FileSizeAsNumber {
		size = len(item.data)
	}
	q := url.Values{}
	q.Set("mid", id)
	q.Set("ext", strconv.FormatInt(now.Unix(), 10))
	q.Set("hash", token)
	writeJSON(w, http.StatusOK, mediaInfo{
		MessagingProduct: "whatsapp",
		URL:              s.mediaBaseURL + "/whatsapp_business/attachments/?" + q.Encode(),
		MimeType:         item.mimeType,
		SHA256:           hex.EncodeToString(sum[:]),
		FileSize:         size,
		ID:               id,
	})
}

// serveMedia is the lookaside host. Per providers.md A.4 every failure (no token, expired or
// unknown URL) is a 404.
func (s *Server) serveMedia(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.mediaCalls++
	s.mu.Unlock()
	if !s.wait(r) {
		return
	}
	if r.Method != http.MethodGet || strings.TrimSuffix(r.URL.Path, "/") != "/whatsapp_business/attachments" || !s.authorized(r) {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	now := s.opts.Now()
	s.mu.Lock()
	g, ok := s.grants[q.Get("hash")]
	var item mediaItem
	if ok {
		item, ok = s.media[g.mediaID]
	}
	s.mu.Unlock()
	if !ok || g.mediaID != q.Get("mid") || !now.Before(g.issued.Add(s.opts.MediaURLTTL)) {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", item.mimeType)
	w.Header().Set("Content-Length", strconv.Itoa(len(item.data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(item.data)
}

// randomToken returns n random bytes as unpadded base64url.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// newWAMID builds an id shaped like Meta's: "wamid." and base64 of a small record holding
// the user's number and a random hex part (outbound and inbound ids differ in two bytes).
func newWAMID(waID string, inbound bool) string {
	rnd := make([]byte, 9)
	tag := []byte{0x15, 0x02, 0x00, 0x11, 0x18, 0x12}
	if inbound {
		rnd = make([]byte, 10)
		tag = []byte{0x15, 0x02, 0x00, 0x12, 0x18, 0x14}
	}
	_, _ = rand.Read(rnd)
	if len(waID) > 0x7f {
		waID = waID[:0x7f]
	}
	rec := []byte{0x1c, 0x18, byte(len(waID))}
	rec = append(rec, waID...)
	rec = append(rec, tag...)
	rec = append(rec, strings.ToUpper(hex.EncodeToString(rnd))...)
	rec = append(rec, 0x00)
	return "wamid." + base64.StdEncoding.EncodeToString(rec)
}

// InboundWAMID returns a fresh wamid shaped like those of messages a user sends from
// number from (digits), for building webhooks.
func InboundWAMID(from string) string { return newWAMID(strings.TrimPrefix(from, "+"), true) }

// checkTemplate checks a template send as Graph does before looking the template up: a name,
// a language, and text parameters without new lines, tabs or more than 4 consecutive spaces.
// Any name is taken as approved.
func checkTemplate(t *inTemplate, m *SentMessage) *badRequest {
	if t == nil || t.Name == "" {
		return invalidParam("The parameter template['name'] is required.")
	}
	if t.Language == nil || t.Language.Code == "" {
		return invalidParam("The parameter template['language']['code'] is required.")
	}
	m.Template, m.TemplateLanguage = t.Name, t.Language.Code
	for _, c := range t.Components {
		for _, p := range c.Parameters {
			if p.Type != "text" {
				return invalidParam("whatsapptest supports only text template parameters, got " + p.Type + ".")
			}
			if p.Text == "" {
				return invalidParam("The parameter text is required.")
			}
			if strings.ContainsAny(p.Text, "\n\t") || strings.Contains(p.Text, "     ") {
				return invalidParam("Param text cannot have new-line/tab characters or more than 4 consecutive spaces")
			}
			if c.Type == "body" {
				m.TemplateParams = append(m.TemplateParams, p.Text)
			}
		}
	}
	m.Text = strings.Join(m.TemplateParams, " ")
	return nil
}
