package stt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Defaults applied by [NewClient] to zero Config fields.
const (
	DefaultPath        = "/audio/transcriptions"
	DefaultModel       = "whisper-1"
	DefaultLanguage    = "es"
	DefaultMaxAttempts = 3
	DefaultBaseBackoff = 500 * time.Millisecond

	maxBackoff      = 10 * time.Second
	maxRetryAfter   = 30 * time.Second
	maxResponseBody = 1 << 20
	maxMessageRunes = 200
)

// Config configures a [Client]. cmd/reservas fills it from STT_URL,
// STT_API_KEY, STT_MODEL and STT_LANGUAGE.
type Config struct {
	// BaseURL is the OpenAI-compatible base, e.g. "https://api.openai.com/v1",
	// "https://api.groq.com/openai/v1", or a whisper.cpp server
	// ("http://whisper:8080", started with --inference-path /audio/transcriptions,
	// or set Path to "/inference"). Empty means not configured.
	BaseURL string
	// APIKey is sent as "Authorization: Bearer"; omitted when empty.
	APIKey string
	// Model is the form field "model" (default "whisper-1"; Groq uses
	// "whisper-large-v3"; whisper.cpp ignores it).
	Model string
	// Language is the ISO-639-1 hint (default "es"). "auto" leaves the field
	// out so the provider detects the language.
	Language string
	// NeedsWAV converts anything that is not already 16 kHz mono 16-bit PCM
	// WAV before sending (whisper.cpp needs it unless its server runs with
	// --convert; OpenAI and Groq accept Ogg).
	// AMR, raw AAC and unrecognised input are converted either way, since
	// OpenAI-style APIs reject them.
	NeedsWAV bool
	// MaxAttempts bounds HTTP attempts per transcription (default 3).
	// Only network errors, 408, 429 and 5xx are retried.
	MaxAttempts int
	// BaseBackoff is the wait before the second attempt; it doubles each
	// time, with jitter, capped at 10 s (default 500 ms). A Retry-After
	// header, capped at 30 s, is honoured when longer.
	BaseBackoff time.Duration
	// Path is appended to BaseURL (default "/audio/transcriptions").
	Path string
}

// Transcript is what a voice note said.
type Transcript struct {
	// Text is trimmed, with runs of whitespace folded to one space and
	// whisper.cpp's "[BLANK_AUDIO]" marker removed.
	Text string
	// Language is the provider's detected language when it reports one,
	// otherwise the configured hint ("" for "auto").
	Language string
	// Duration is the audio length read from the WAV or Ogg headers, else
	// the provider's figure when it reports one; 0 if neither is known.
	Duration time.Duration
	// Attempts is the number of HTTP requests made.
	Attempts int
	// Converted tells whether ffmpeg converted the audio to WAV first.
	Converted bool
}

// Client transcribes audio. It is safe for concurrent use.
type Client struct {
	cfg Config
	url string
	hc  *http.Client
}

// NewClient applies defaults to cfg. A nil hc gets a fresh http.Client with
// no timeout of its own: bound each call with the context.
func NewClient(cfg Config, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{}
	}
	if cfg.Model == "" {
		cfg.Model = DefaultModel
	}
	if cfg.Language == "" {
		cfg.Language = DefaultLanguage
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.BaseBackoff <= 0 {
		cfg.BaseBackoff = DefaultBaseBackoff
	}
	if cfg.Path == "" {
		cfg.Path = DefaultPath
	}
	url := ""
	if cfg.BaseURL != "" {
		url = strings.TrimRight(cfg.BaseURL, "/") + "/" + strings.TrimLeft(cfg.Path, "/")
	}
	return &Client{cfg: cfg, url: url, hc: hc}
}

// Configured reports whether the client has somewhere to send audio.
func (c *Client) Configured() bool { return c.url != "" }

// Transcribe sends one voice note and returns its text. mimeType is what
// WhatsApp reported (e.g. "audio/ogg; codecs=opus"); it is only a hint, the
// bytes decide the format. Every error is an [*Error]; [ErrEmptyTranscript]
// and [ErrNotConfigured] can be matched with errors.Is.
func (c *Client) Transcribe(ctx context.Context, audio []byte, mimeType string) (Transcript, error) {
	if !c.Configured() {
		return Transcript{}, &Error{Reason: ReasonNotConfigured, Err: ErrNotConfigured}
	}
	up, err := c.prepare(ctx, audio, mimeType)
	if err != nil {
		return Transcript{}, err
	}
	body, contentType, err := c.form(up)
	if err != nil {
		return Transcript{}, &Error{Reason: ReasonInvalidAudio, Err: err}
	}

	for attempt := 1; ; attempt++ {
		res, fail := c.attempt(ctx, body, contentType)
		if fail == nil {
			res.Attempts = attempt
			res.Converted = up.converted
			if up.info.Duration > 0 {
				res.Duration = up.info.Duration // exact, where the provider may round
			}
			if res.Language == "" && c.cfg.Language != "auto" {
				res.Language = c.cfg.Language
			}
			return res, nil
		}
		fail.err.Attempts = attempt
		if !fail.retry || attempt >= c.cfg.MaxAttempts {
			return Transcript{}, fail.err
		}
		wait := c.backoff(attempt, fail.retryAfter)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return Transcript{}, fail.err // no time left for another try
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return Transcript{}, ctxError(ctx, attempt, fail.err)
		case <-t.C:
		}
	}
}

type upload struct {
	data        []byte
	filename    string
	contentType string
	info        AudioInfo
	converted   bool
}

// openAIFormats maps the containers OpenAI-style APIs take to a file name
// extension (they decide the format by extension) and a part Content-Type.
var openAIFormats = map[Format][2]string{
	FormatWAV:  {"wav", "audio/wav"},
	FormatOgg:  {"ogg", "audio/ogg"},
	FormatMP3:  {"mp3", "audio/mpeg"},
	FormatMP4:  {"m4a", "audio/mp4"},
	FormatWebM: {"webm", "audio/webm"},
	FormatFLAC: {"flac", "audio/flac"},
}

func (c *Client) prepare(ctx context.Context, audio []byte, mimeType string) (upload, error) {
	if len(audio) == 0 {
		return upload{}, &Error{Reason: ReasonInvalidAudio, Err: fmt.Errorf("%w: no bytes (%s)", ErrInvalidAudio, mimeLabel(mimeType))}
	}
	info, inspectErr := Inspect(audio)
	_, accepted := openAIFormats[info.Format]
	convert := inspectErr != nil || !accepted || (c.cfg.NeedsWAV && !info.IsWhisperWAV())
	data := audio
	if convert {
		wav, err := ConvertToWAV(ctx, audio)
		if err != nil {
			reason := ReasonConversion
			switch {
			case errors.Is(err, context.DeadlineExceeded):
				reason = ReasonTimeout
			case errors.Is(err, context.Canceled):
				reason = ReasonCanceled
			case errors.Is(err, ErrInvalidAudio):
				reason = ReasonInvalidAudio
			}
			return upload{}, &Error{Reason: reason, Err: fmt.Errorf("converting %s: %w", mimeLabel(mimeType), err)}
		}
		if info, err = Inspect(wav); err != nil {
			return upload{}, &Error{Reason: ReasonConversion, Err: err}
		}
		data = wav
	}
	f := openAIFormats[info.Format]
	return upload{data: data, filename: "audio." + f[0], contentType: f[1], info: info, converted: convert}, nil
}

func mimeLabel(mimeType string) string {
	if mimeType == "" {
		return "no MIME type"
	}
	if i := strings.IndexByte(mimeType, ';'); i >= 0 {
		mimeType = mimeType[:i]
	}
	return strings.TrimSpace(mimeType)
}

func (c *Client) form(up upload) ([]byte, string, error) {
	var buf bytes.Buffer
	buf.Grow(len(up.data) + 1024)
	w := multipart.NewWriter(&buf)
	fields := [][2]string{{"model", c.cfg.Model}, {"response_format", "json"}}
	if c.cfg.Language != "auto" {
		fields = append(fields, [2]string{"language", c.cfg.Language})
	}
	for _, f := range fields {
		if err := w.WriteField(f[0], f[1]); err != nil {
			return nil, "", fmt.Errorf("stt: form field %s: %w", f[0], err)
		}
	}
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, up.filename))
	h.Set("Content-Type", up.contentType)
	part, err := w.CreatePart(h)
	if err != nil {
		return nil, "", fmt.Errorf("stt: form file part: %w", err)
	}
	if _, err := part.Write(up.data); err != nil {
		return nil, "", fmt.Errorf("stt: form file part: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("stt: close form: %w", err)
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

type failure struct {
	err        *Error
	retry      bool
	retryAfter time.Duration
}

func (c *Client) attempt(ctx context.Context, body []byte, contentType string) (Transcript, *failure) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return Transcript{}, &failure{err: &Error{Reason: ReasonNotConfigured, Err: fmt.Errorf("stt: build request: %w", err)}}
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	if c.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return Transcript{}, transportFailure(ctx, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		f := transportFailure(ctx, err)
		f.err.StatusCode = resp.StatusCode
		return Transcript{}, f
	}
	return parseResponse(resp, raw)
}

func transportFailure(ctx context.Context, err error) *failure {
	switch ctxErr := ctx.Err(); {
	case errors.Is(ctxErr, context.DeadlineExceeded):
		return &failure{err: &Error{Reason: ReasonTimeout, Err: ctxErr}}
	case errors.Is(ctxErr, context.Canceled):
		return &failure{err: &Error{Reason: ReasonCanceled, Err: ctxErr}}
	}
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		// The http.Client's own timeout: the next attempt may be luckier.
		return &failure{err: &Error{Reason: ReasonTimeout, Err: err}, retry: true}
	}
	return &failure{err: &Error{Reason: ReasonNetwork, Err: err}, retry: true}
}

func ctxError(ctx context.Context, attempts int, last *Error) *Error {
	reason := ReasonTimeout
	if errors.Is(ctx.Err(), context.Canceled) {
		reason = ReasonCanceled
	}
	return &Error{Reason: reason, StatusCode: last.StatusCode, Attempts: attempts,
		Err: fmt.Errorf("%w (while waiting to retry after %s)", ctx.Err(), last.Reason)}
}

// apiResponse covers OpenAI/Groq json and verbose_json, and whisper.cpp,
// whose "error" is a plain string instead of an object.
type apiResponse struct {
	Text     *string                    `json:"text"`
	Language string                     `json:"language"`
	Duration float64                    `json:"duration"`
	Usage    *struct{ Seconds float64 } `json:"usage"`
	Error    json.RawMessage            `json:"error"`
}

type apiError struct {
	Message string `json:"message"`
	Type    string `json:"type"`
	Code    any    `json:"code"` // a string at OpenAI, sometimes a number or null elsewhere
}

func parseResponse(resp *http.Response, raw []byte) (Transcript, *failure) {
	status := resp.StatusCode
	var body apiResponse
	jsonErr := json.Unmarshal(raw, &body)
	code, message := providerError(body.Error)
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		message = "" // OpenAI echoes part of the key here
	}
	fail := func(reason string, retry bool, err error) *failure {
		return &failure{
			err:        &Error{Reason: reason, StatusCode: status, Code: code, Message: message, Err: err},
			retry:      retry,
			retryAfter: retryAfter(resp.Header.Get("Retry-After")),
		}
	}
	switch {
	case status == http.StatusTooManyRequests:
		return Transcript{}, fail(ReasonRateLimited, true, nil)
	case status >= 500:
		return Transcript{}, fail(ReasonHTTP5xx, true, nil)
	case status == http.StatusRequestTimeout:
		return Transcript{}, fail(ReasonHTTP4xx, true, nil)
	case status >= 300:
		return Transcript{}, fail(ReasonHTTP4xx, false, nil)
	case status < 200:
		return Transcript{}, fail(ReasonProviderError, false, fmt.Errorf("unexpected HTTP status"))
	}
	// 2xx.
	if jsonErr != nil {
		ct := resp.Header.Get("Content-Type")
		if !strings.HasPrefix(ct, "text/plain") || !utf8.Valid(raw) {
			return Transcript{}, fail(ReasonProviderError, false,
				fmt.Errorf("unreadable %d-byte %q body: %w", len(raw), ct, jsonErr))
		}
		// A server that ignored response_format=json and sent plain text.
		s := string(raw)
		body.Text = &s
	}
	if code != "" || message != "" {
		return Transcript{}, fail(ReasonProviderError, false, nil)
	}
	if body.Text == nil {
		return Transcript{}, fail(ReasonProviderError, false, errors.New(`no "text" in the answer`))
	}
	text := cleanText(*body.Text)
	if text == "" {
		return Transcript{}, fail(ReasonEmpty, false, ErrEmptyTranscript)
	}
	t := Transcript{Text: text, Language: body.Language}
	switch {
	case body.Duration > 0:
		t.Duration = time.Duration(body.Duration * float64(time.Second))
	case body.Usage != nil && body.Usage.Seconds > 0:
		t.Duration = time.Duration(body.Usage.Seconds * float64(time.Second))
	}
	return t, nil
}

// providerError reads OpenAI's {"message","type","code"} object or
// whisper.cpp's bare string.
func providerError(raw json.RawMessage) (code, message string) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return "", truncate(s)
	}
	var e apiError
	if json.Unmarshal(raw, &e) == nil {
		switch v := e.Code.(type) {
		case string:
			code = v
		case float64:
			code = strconv.FormatFloat(v, 'f', -1, 64)
		}
		if code == "" {
			code = e.Type
		}
		message = truncate(e.Message)
		if code == "" && message == "" {
			message = "error without message"
		}
		return code, message
	}
	return "", truncate(string(raw))
}

func truncate(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= maxMessageRunes {
		return s
	}
	r := []rune(s)
	return string(r[:maxMessageRunes]) + "…"
}

// cleanText folds whitespace (whisper.cpp pads segments with spaces and
// newlines) and drops its "[BLANK_AUDIO]" marker. Text without a single
// letter or digit counts as empty.
func cleanText(s string) string {
	s = strings.ReplaceAll(s, "[BLANK_AUDIO]", " ")
	s = strings.Join(strings.Fields(s), " ")
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) < 0 {
		return ""
	}
	return s
}

func retryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		d = time.Duration(secs * float64(time.Second))
	} else if t, err := http.ParseTime(v); err == nil {
		d = time.Until(t)
	}
	return min(max(d, 0), maxRetryAfter)
}

func (c *Client) backoff(attempt int, retryAfter time.Duration) time.Duration {
	d := c.cfg.BaseBackoff << (attempt - 1)
	if d <= 0 || d > maxBackoff {
		d = maxBackoff
	}
	d = d/2 + rand.N(d/2+1) // jitter in [d/2, d]
	return max(d, retryAfter)
}
