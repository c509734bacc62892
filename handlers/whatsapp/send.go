package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Wire shapes of POST /<PHONE_NUMBER_ID>/messages (providers.md A.5).
type sendRequest struct {
	MessagingProduct string           `json:"messaging_product"`
	RecipientType    string           `json:"recipient_type"`
	To               string           `json:"to"`
	Type             string           `json:"type"`
	Text             *wireText        `json:"text,omitempty"`
	Interactive      *wireInteractive `json:"interactive,omitempty"`
	Template         *wireTemplate    `json:"template,omitempty"`
}

type wireText struct {
	PreviewURL bool   `json:"preview_url"`
	Body       string `json:"body"`
}

type wireInteractive struct {
	Type   string      `json:"type"`
	Header *wireHeader `json:"header,omitempty"`
	Body   wireBody    `json:"body"`
	Footer *wireBody   `json:"footer,omitempty"`
	Action wireAction  `json:"action"`
}

type wireHeader struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type wireBody struct {
	Text string `json:"text"`
}

type wireAction struct {
	Button   string        `json:"button,omitempty"`
	Buttons  []wireButton  `json:"buttons,omitempty"`
	Sections []wireSection `json:"sections,omitempty"`
}

type wireButton struct {
	Type  string    `json:"type"`
	Reply wireReply `json:"reply"`
}

type wireReply struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

type wireSection struct {
	Title string    `json:"title,omitempty"`
	Rows  []wireRow `json:"rows"`
}

type wireRow struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

type sendResponse struct {
	MessagingProduct string `json:"messaging_product"`
	Contacts         []struct {
		Input string `json:"input"`
		WaID  string `json:"wa_id"`
	} `json:"contacts"`
	Messages []struct {
		ID            string `json:"id"`
		MessageStatus string `json:"message_status"`
	} `json:"messages"`
}

type readRequest struct {
	MessagingProduct string           `json:"messaging_product"`
	Status           string           `json:"status"`
	MessageID        string           `json:"message_id"`
	TypingIndicator  *typingIndicator `json:"typing_indicator,omitempty"`
}

type typingIndicator struct {
	Type string `json:"type"`
}

// SendText sends a free-form text message to the user number to (digits with country code,
// with or without a leading "+"). It returns the wamid Meta assigned. HTTP 200 only means
// accepted; delivery arrives later as a status webhook.
func (c *Client) SendText(ctx context.Context, to, body string) (string, error) {
	if err := checkText("text.body", body, true, MaxTextBody); err != nil {
		return "", err
	}
	rcpt, err := recipient(to)
	if err != nil {
		return "", err
	}
	return c.send(ctx, "send text", sendRequest{
		MessagingProduct: "whatsapp",
		RecipientType:    "individual",
		To:               rcpt,
		Type:             "text",
		Text:             &wireText{Body: body},
	})
}

// SendButtons sends an interactive reply-buttons message. m is validated first; a
// *ValidationError is returned without any request.
func (c *Client) SendButtons(ctx context.Context, to string, m Buttons) (string, error) {
	if err := m.Validate(); err != nil {
		return "", err
	}
	rcpt, err := recipient(to)
	if err != nil {
		return "", err
	}
	in := &wireInteractive{Type: "button", Body: wireBody{Text: m.Body}}
	in.Header, in.Footer = headerFooter(m.Header, m.Footer)
	for _, b := range m.Buttons {
		in.Action.Buttons = append(in.Action.Buttons, wireButton{Type: "reply", Reply: wireReply{ID: b.ID, Title: b.Title}})
	}
	return c.send(ctx, "send buttons", sendRequest{
		MessagingProduct: "whatsapp",
		RecipientType:    "individual",
		To:               rcpt,
		Type:             "interactive",
		Interactive:      in,
	})
}

// SendList sends an interactive list message. m is validated first; a *ValidationError is
// returned without any request.
func (c *Client) SendList(ctx context.Context, to string, m List) (string, error) {
	if err := m.Validate(); err != nil {
		return "", err
	}
	rcpt, err := recipient(to)
	if err != nil {
		return "", err
	}
	in := &wireInteractive{Type: "list", Body: wireBody{Text: m.Body}}
	in.Header, in.Footer = headerFooter(m.Header, m.Footer)
	in.Action.Button = m.ButtonText
	for _, s := range m.Sections {
		ws := wireSection{Title: s.Title}
		for _, r := range s.Rows {
			ws.Rows = append(ws.Rows, wireRow{ID: r.ID, Title: r.Title, Description: r.Description})
		}
		in.Action.Sections = append(in.Action.Sections, ws)
	}
	return c.send(ctx, "send list", sendRequest{
		MessagingProduct: "whatsapp",
		RecipientType:    "individual",
		To:               rcpt,
		Type:             "interactive",
		Interactive:      in,
	})
}

// MarkRead marks the inbound message inboundWamid (and the earlier ones in the thread) as
// read. With typing it also shows the "typing…" indicator until the next reply or 25 s.
func (c *Client) MarkRead(ctx context.Context, inboundWamid string, typing bool) error {
	if inboundWamid == "" {
		return invalid("message_id", "is required")
	}
	req := readRequest{MessagingProduct: "whatsapp", Status: "read", MessageID: inboundWamid}
	if typing {
		req.TypingIndicator = &typingIndicator{Type: "text"}
	}
	if c.cfg.PhoneNumberID == "" {
		return fmt.Errorf("whatsapp: mark read: missing phone number id: %w", ErrNotConfigured)
	}
	body, err := marshal(req)
	if err != nil {
		return fmt.Errorf("whatsapp: mark read: %w", err)
	}
	resp, err := c.do(ctx, c.messagesRequest("mark read", body))
	if err != nil {
		return err
	}
	var out struct {
		Success bool `json:"success"`
	}
	if err := json.Unmarshal(resp.body, &out); err != nil {
		return fmt.Errorf("whatsapp: mark read: decode response: %w", err)
	}
	if !out.Success {
		return errors.New("whatsapp: mark read: graph answered success=false")
	}
	return nil
}

func (c *Client) send(ctx context.Context, op string, req sendRequest) (string, error) {
	if c.cfg.PhoneNumberID == "" {
		return "", fmt.Errorf("whatsapp: %s: missing phone number id: %w", op, ErrNotConfigured)
	}
	body, err := marshal(req)
	if err != nil {
		return "", fmt.Errorf("whatsapp: %s: %w", op, err)
	}
	resp, err := c.do(ctx, c.messagesRequest(op, body))
	if err != nil {
		return "", err
	}
	var out sendResponse
	if err := json.Unmarshal(resp.body, &out); err != nil {
		return "", fmt.Errorf("whatsapp: %s: decode response: %w", op, err)
	}
	if len(out.Messages) == 0 || out.Messages[0].ID == "" {
		return "", fmt.Errorf("whatsapp: %s: response has no message id", op)
	}
	return out.Messages[0].ID, nil
}

func (c *Client) messagesRequest(op string, body []byte) request {
	return request{
		op:     op,
		method: http.MethodPost,
		url:    c.cfg.BaseURL + "/" + url.PathEscape(c.cfg.PhoneNumberID) + "/messages",
		body:   body,
	}
}

func headerFooter(header, footer string) (*wireHeader, *wireBody) {
	var h *wireHeader
	var f *wireBody
	if header != "" {
		h = &wireHeader{Type: "text", Text: header}
	}
	if footer != "" {
		f = &wireBody{Text: footer}
	}
	return h, f
}

// recipient normalises a user number to "+<digits>" as Meta asks (providers.md A.5: include
// "+" and the country code). The number itself never appears in the error.
func recipient(to string) (string, error) {
	digits := strings.TrimPrefix(strings.TrimSpace(to), "+")
	if n := utf8.RuneCountInString(digits); n < 6 || n > 15 {
		return "", invalid("to", "must be 6 to 15 digits with country code")
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return "", invalid("to", "must hold digits only (an optional leading + aside)")
		}
	}
	return "+" + digits, nil
}

// marshal encodes v as compact JSON without HTML escaping.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
