// Package stttest is a fake OpenAI-compatible transcription server for tests
// and the sandbox, plus a generator of real WhatsApp-like voice notes
// (espeak-ng + ffmpeg).
//
// The fake checks what it is sent the way a real provider would: it parses
// the multipart form, requires a model (OpenAI style), and decodes the file's
// headers. It accepts only 16 kHz mono 16-bit PCM WAV, or Ogg with an
// OpusHead whose every page has a valid checksum; anything else gets a 400
// in OpenAI's error shape (or, in whisper.cpp style, a 200 carrying
// {"error": "failed to read WAV file"}). It never decodes speech: it answers
// the transcript it was given.
package stttest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/reservas/reservas/handlers/stt"
)

// Style picks whose behaviour the fake copies.
type Style string

const (
	// StyleOpenAI answers {"text": ...}; errors are 4xx/5xx with
	// {"error":{"message","type","param","code"}}. Groq behaves the same.
	StyleOpenAI Style = "openai"
	// StyleWhisperCpp copies whisper.cpp's server: only WAV (it is run
	// without --convert), errors as HTTP 200 with {"error": "..."}, and
	// the text padded with the spaces and newlines its segments carry.
	StyleWhisperCpp Style = "whispercpp"
)

// Options configures a new fake.
type Options struct {
	Style      Style  // default StyleOpenAI
	Transcript string // what every accepted request "said"
	// Language is reported back only with response_format=verbose_json,
	// as the real APIs do.
	Language string
	// APIKey, when set, must arrive as "Authorization: Bearer <APIKey>";
	// otherwise the fake answers 401 like OpenAI.
	APIKey string
	// MaxBytes caps the upload (OpenAI: 25 MB). Default 25 MiB.
	MaxBytes int64
}

// Request is what the fake saw in one POST. It holds no audio bytes.
type Request struct {
	Path           string
	Model          string
	Language       string
	ResponseFormat string
	Filename       string
	MIMEType       string // Content-Type of the file part
	Bytes          int
	Format         stt.Format // container found in the bytes
	Codec          string
	SampleRate     int
	Channels       int
	Duration       time.Duration // from the WAV header or the last Ogg granule
	Authorized     bool
	// Status is the HTTP status the fake answered (0 when it hung); Rejected
	// is the error message it sent, "hang" for a hung request, "" when it
	// returned a transcript. Bytes is the whole multipart body for a hung request.
	Status   int
	Rejected string
}

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base to put in STT_URL; the fake also answers under "/v1"
	// and, in whisper.cpp style, at "/inference".
	URL string

	srv *httptest.Server

	mu         sync.Mutex
	opts       Options
	failN      int
	failStatus int
	retryAfter string
	hang       bool
	errorIn200 string
	requests   []Request
}

// New starts a fake on a loopback port. Close it when done.
func New(opts Options) *Server {
	if opts.Style == "" {
		opts.Style = StyleOpenAI
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 25 << 20
	}
	s := &Server{opts: opts}
	mux := http.NewServeMux()
	mux.HandleFunc("/audio/transcriptions", s.handle)
	mux.HandleFunc("/v1/audio/transcriptions", s.handle)
	mux.HandleFunc("/inference", s.handle)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down. It waits for requests in progress, so a
// hanging request must have been given up by its client first.
func (s *Server) Close() { s.srv.Close() }

// SetTranscript changes the text returned from now on.
func (s *Server) SetTranscript(text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.Transcript = text
}

// FailNext makes the next n requests fail with status (e.g. 500, 503, 429)
// before looking at them.
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failStatus = n, status
}

// SetRetryAfter adds "Retry-After: <v>" to the failures made by FailNext.
func (s *Server) SetRetryAfter(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retryAfter = v
}

// SetHang makes every request wait until its client goes away.
func (s *Server) SetHang(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hang = on
}

// ErrorIn200 makes every valid request answer HTTP 200 with
// {"error": msg}, as whisper.cpp does when inference fails ("failed to
// process audio"). An empty msg turns it off.
func (s *Server) ErrorIn200(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errorIn200 = msg
}

// Requests returns a copy of every request seen, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// openAIExts are the extensions OpenAI's endpoint lists as supported; it
// decides the format by the file name.
var openAIExts = map[string]stt.Format{
	".flac": stt.FormatFLAC, ".m4a": stt.FormatMP4, ".mp3": stt.FormatMP3, ".mp4": stt.FormatMP4,
	".mpeg": stt.FormatMP3, ".mpga": stt.FormatMP3, ".oga": stt.FormatOgg, ".ogg": stt.FormatOgg,
	".wav": stt.FormatWAV, ".webm": stt.FormatWebM,
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	opts := s.opts
	hang := s.hang
	fail, failStatus, retryAfter := s.failN > 0, s.failStatus, s.retryAfter
	if fail {
		s.failN--
	}
	errorIn200 := s.errorIn200
	s.mu.Unlock()

	rec := Request{Path: r.URL.Path}
	reply := func(status int, v any, rejected string) {
		rec.Status, rec.Rejected = status, rejected
		s.mu.Lock()
		s.requests = append(s.requests, rec)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	reject := func(status int, errType, code, msg string) {
		if opts.Style == StyleWhisperCpp && status < 500 && status != http.StatusUnauthorized {
			reply(http.StatusOK, map[string]string{"error": msg}, msg)
			return
		}
		reply(status, openAIError(msg, errType, code), msg)
	}

	if hang {
		// Take the upload first, as a slow provider does: net/http notices a
		// client that went away only once the request body has been read.
		n, _ := io.Copy(io.Discard, r.Body)
		rec.Bytes, rec.Rejected = int(n), "hang"
		s.mu.Lock()
		s.requests = append(s.requests, rec) // recorded now: the client will not wait for the answer
		s.mu.Unlock()
		<-r.Context().Done()
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		reject(http.StatusMethodNotAllowed, "invalid_request_error", "", "method not allowed")
		return
	}
	rec.Authorized = opts.APIKey == "" || r.Header.Get("Authorization") == "Bearer "+opts.APIKey
	if !rec.Authorized {
		reject(http.StatusUnauthorized, "invalid_request_error", "invalid_api_key", "Incorrect API key provided.")
		return
	}
	if fail {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		errType, code := "server_error", ""
		if failStatus == http.StatusTooManyRequests {
			errType, code = "requests", "rate_limit_exceeded"
		}
		reply(failStatus, openAIError(http.StatusText(failStatus), errType, code), http.StatusText(failStatus))
		return
	}

	r.Body = http.MaxBytesReader(w, r.Body, opts.MaxBytes)
	if err := r.ParseMultipartForm(opts.MaxBytes); err != nil {
		reject(http.StatusBadRequest, "invalid_request_error", "", "Could not parse multipart form: "+err.Error())
		return
	}
	defer r.MultipartForm.RemoveAll()
	rec.Model = r.FormValue("model")
	rec.Language = r.FormValue("language")
	rec.ResponseFormat = r.FormValue("response_format")
	if rec.ResponseFormat == "" {
		rec.ResponseFormat = "json"
	}
	files := r.MultipartForm.File["file"]
	if len(files) != 1 {
		reject(http.StatusBadRequest, "invalid_request_error", "", "no 'file' field in the request")
		return
	}
	fh := files[0]
	rec.Filename = fh.Filename
	rec.MIMEType = fh.Header.Get("Content-Type")
	f, err := fh.Open()
	if err != nil {
		reject(http.StatusBadRequest, "invalid_request_error", "", "could not read file")
		return
	}
	data, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		reject(http.StatusBadRequest, "invalid_request_error", "", "could not read file")
		return
	}
	rec.Bytes = len(data)

	if opts.Style == StyleOpenAI {
		if rec.Model == "" {
			reject(http.StatusBadRequest, "invalid_request_error", "", "you must provide a model parameter")
			return
		}
		switch rec.ResponseFormat {
		case "json", "text", "verbose_json", "srt", "vtt":
		default:
			reject(http.StatusBadRequest, "invalid_request_error", "", "Invalid response_format: "+rec.ResponseFormat)
			return
		}
		if rec.Language != "" && (len(rec.Language) != 2 || strings.ToLower(rec.Language) != rec.Language) {
			reject(http.StatusBadRequest, "invalid_request_error", "", "Invalid language '"+rec.Language+"'. Language parameter must be specified in ISO-639-1 format.")
			return
		}
	}

	info, err := stt.Inspect(data)
	if err == nil {
		rec.Format, rec.Codec = info.Format, info.Codec
		rec.SampleRate, rec.Channels, rec.Duration = info.SampleRate, info.Channels, info.Duration
	}
	if msg := s.checkAudio(opts.Style, fh.Filename, info, err); msg != "" {
		reject(http.StatusBadRequest, "invalid_request_error", "", msg)
		return
	}

	if errorIn200 != "" {
		reply(http.StatusOK, map[string]string{"error": errorIn200}, errorIn200)
		return
	}
	text := opts.Transcript
	if opts.Style == StyleWhisperCpp {
		text = " " + strings.ReplaceAll(text, ". ", ".\n ") + "\n"
	}
	switch rec.ResponseFormat {
	case "text":
		rec.Status = http.StatusOK
		s.mu.Lock()
		s.requests = append(s.requests, rec)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(text))
	case "verbose_json":
		lang := opts.Language
		if lang == "" {
			lang = "spanish"
		}
		reply(http.StatusOK, map[string]any{
			"task": "transcribe", "language": lang, "duration": info.Duration.Seconds(), "text": text,
			"segments": []any{},
		}, "")
	default:
		v := map[string]any{"text": text}
		if opts.Style == StyleOpenAI {
			v["usage"] = map[string]any{"type": "duration", "seconds": int(info.Duration.Round(time.Second) / time.Second)}
		}
		reply(http.StatusOK, v, "")
	}
}

// checkAudio returns why a provider would refuse the file, or "".
func (s *Server) checkAudio(style Style, filename string, info stt.AudioInfo, inspectErr error) string {
	const whisperCppBad = "failed to read WAV file" // whisper.cpp's own message
	if inspectErr != nil {
		if style == StyleWhisperCpp {
			return whisperCppBad
		}
		return "Invalid file format. " + inspectErr.Error()
	}
	ext := strings.ToLower(path.Ext(filename))
	if style == StyleOpenAI {
		want, ok := openAIExts[ext]
		if !ok {
			return fmt.Sprintf("Invalid file format %q. Supported formats: ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm']", ext)
		}
		if want != info.Format {
			return fmt.Sprintf("Invalid file format: file named %s holds %s data", ext, info.Format)
		}
	}
	switch info.Format {
	case stt.FormatWAV:
		if !info.IsWhisperWAV() {
			if style == StyleWhisperCpp {
				return "WAV file must be 16 kHz mono 16-bit PCM"
			}
			return fmt.Sprintf("Invalid file format: expected 16 kHz mono 16-bit PCM WAV, got %s %d Hz %d ch", info.Codec, info.SampleRate, info.Channels)
		}
	case stt.FormatOgg:
		if style == StyleWhisperCpp {
			return whisperCppBad // whisper.cpp without --convert reads WAV only
		}
		if info.Codec != "opus" {
			return "Invalid file format: Ogg without Opus"
		}
	default:
		if style == StyleWhisperCpp {
			return whisperCppBad
		}
		return fmt.Sprintf("Invalid file format: the fake only decodes WAV and Ogg/Opus, got %s", info.Format)
	}
	if info.Duration < 100*time.Millisecond {
		return "Audio file is too short. Minimum audio length is 0.1 seconds."
	}
	return ""
}

func openAIError(msg, errType, code string) map[string]any {
	var c any
	if code != "" {
		c = code
	}
	return map[string]any{"error": map[string]any{"message": msg, "type": errType, "param": nil, "code": c}}
}
