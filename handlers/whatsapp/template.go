package whatsapp

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Template is an approved message template with text parameters for its body ({{1}}, {{2}},
// ...). Outside the user's 24-hour customer service window only templates may be sent.
type Template struct {
	Name     string   // as approved in WhatsApp Manager, e.g. "aviso_reservas"
	Language string   // the approved translation, e.g. "es_AR"
	Body     []string // body parameters, in order
}

// MaxTemplateParam bounds one body parameter here; Meta bounds the whole rendered body at 1,024
// characters, so a template with one parameter and a short fixed text stays under it.
const MaxTemplateParam = 900

// Validate applies Meta's rules for text parameters: no new lines or tabs, and no more than
// four consecutive spaces (Graph answers (#100) otherwise).
func (t Template) Validate() error {
	if t.Name == "" {
		return invalid("template.name", "is required")
	}
	if t.Language == "" {
		return invalid("template.language.code", "is required")
	}
	for i, p := range t.Body {
		field := fmt.Sprintf("template body parameter %d", i+1)
		if err := checkText(field, p, true, MaxTemplateParam); err != nil {
			return err
		}
		if strings.ContainsAny(p, "\n\t") || strings.Contains(p, "     ") {
			return invalid(field, "has a new line, a tab or more than 4 consecutive spaces")
		}
	}
	return nil
}

// TemplateParam turns free text into a valid body parameter: lines joined with " · ", tabs
// and runs of spaces collapsed, cut to MaxTemplateParam characters.
func TemplateParam(text string) string {
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			lines = append(lines, l)
		}
	}
	p := strings.Join(lines, " · ")
	if utf8.RuneCountInString(p) > MaxTemplateParam {
		p = string([]rune(p)[:MaxTemplateParam-1]) + "…"
	}
	return p
}

type wireTemplate struct {
	Name       string              `json:"name"`
	Language   wireTemplateLang    `json:"language"`
	Components []wireTemplateBlock `json:"components,omitempty"`
}

type wireTemplateLang struct {
	Code string `json:"code"`
}

type wireTemplateBlock struct {
	Type       string              `json:"type"`
	Parameters []wireTemplateParam `json:"parameters"`
}

type wireTemplateParam struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// SendTemplate sends an approved template. t is validated first; a *ValidationError is
// returned without any request.
func (c *Client) SendTemplate(ctx context.Context, to string, t Template) (string, error) {
	if err := t.Validate(); err != nil {
		return "", err
	}
	rcpt, err := recipient(to)
	if err != nil {
		return "", err
	}
	wt := &wireTemplate{Name: t.Name, Language: wireTemplateLang{Code: t.Language}}
	if len(t.Body) > 0 {
		block := wireTemplateBlock{Type: "body"}
		for _, p := range t.Body {
			block.Parameters = append(block.Parameters, wireTemplateParam{Type: "text", Text: p})
		}
		wt.Components = []wireTemplateBlock{block}
	}
	return c.send(ctx, "send template", sendRequest{
		MessagingProduct: "whatsapp",
		RecipientType:    "individual",
		To:               rcpt,
		Type:             "template",
		Template:         wt,
	})
}
