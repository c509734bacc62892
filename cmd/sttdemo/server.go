package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/reservas/reservas/handlers/stt"
)

// maxUpload is OpenAI's limit for one file (25 MB).
const maxUpload = 25 << 20

// newServer serves the OpenAI-compatible transcription endpoint (under / and /v1) and the banner.
func newServer(rec *recognizer) http.Handler {
	mux := http.NewServeMux()
	h := &handler{rec: rec}
	mux.Handle("POST /audio/transcriptions", h)
	mux.Handle("POST /v1/audio/transcriptions", h)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, Banner)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	return mux
}

type handler struct{ rec *recognizer }

// ServeHTTP takes multipart/form-data with "file" (any audio ffmpeg reads) and optional
// "response_format" (json, text or verbose_json); "model" and "language" are accepted and
// ignored (the demo only knows Spanish booking phrases). Errors use OpenAI's shape.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Recognizer", "sttdemo (limited demo: PocketSphinx + Spanish booking grammar)")
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload+1<<20)
	if err := r.ParseMultipartForm(maxUpload); err != nil {
		openAIError(w, http.StatusBadRequest, "Could not parse multipart form: "+err.Error())
		return
	}
	defer r.MultipartForm.RemoveAll()
	files := r.MultipartForm.File["file"]
	if len(files) != 1 {
		openAIError(w, http.StatusBadRequest, "no 'file' field in the request")
		return
	}
	f, err := files[0].Open()
	if err != nil {
		openAIError(w, http.StatusBadRequest, "could not read file")
		return
	}
	data, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		openAIError(w, http.StatusBadRequest, "could not read file")
		return
	}
	format := r.FormValue("response_format")
	switch format {
	case "", "json", "text", "verbose_json":
	default:
		openAIError(w, http.StatusBadRequest, "Invalid response_format: "+format+" (sttdemo answers json, text or verbose_json)")
		return
	}

	wav := data
	info, err := stt.Inspect(data)
	if err != nil || !info.IsWhisperWAV() {
		if wav, err = stt.ConvertToWAV(r.Context(), data); err != nil {
			if errors.Is(err, stt.ErrInvalidAudio) {
				openAIError(w, http.StatusBadRequest, "Invalid file format: "+err.Error())
				return
			}
			openAIError(w, http.StatusInternalServerError, "conversion failed: "+err.Error())
			return
		}
		if info, err = stt.Inspect(wav); err != nil {
			openAIError(w, http.StatusInternalServerError, err.Error())
			return
		}
	}
	text, err := h.rec.recognize(r.Context(), wav)
	if err != nil {
		openAIError(w, http.StatusInternalServerError, err.Error())
		return
	}
	switch format {
	case "text":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, text)
	case "verbose_json":
		writeJSON(w, http.StatusOK, map[string]any{
			"task": "transcribe", "language": "spanish", "duration": info.Duration.Seconds(), "text": text, "segments": []any{},
		})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"text": text})
	}
}

func openAIError(w http.ResponseWriter, status int, msg string) {
	typ := "invalid_request_error"
	if status >= 500 {
		typ = "server_error"
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": nil}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
