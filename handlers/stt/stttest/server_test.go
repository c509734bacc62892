package stttest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/reservas/reservas/handlers/stt"
	"github.com/reservas/reservas/handlers/stt/stttest"
)

type answer struct {
	status int
	ctype  string
	raw    string
	json   map[string]any
}

// post sends a hand-made multipart request, as a client with bugs might.
func post(t *testing.T, url string, fields map[string]string, filename, partType string, data []byte) answer {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if filename != "" {
		h := make(textproto.MIMEHeader)
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, filename))
		h.Set("Content-Type", partType)
		p, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, url, &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, ctype: resp.Header.Get("Content-Type"), raw: string(raw)}
	_ = json.Unmarshal(raw, &a.json)
	return a
}

func note(t *testing.T) []byte {
	t.Helper()
	ogg, err := stttest.VoiceNote(context.Background(), "Hola, quería saber si tienen lugar en febrero")
	if err != nil {
		t.Fatalf("VoiceNote (needs espeak-ng and ffmpeg): %v", err)
	}
	return ogg
}

func openAIMessage(t *testing.T, a answer) string {
	t.Helper()
	e, ok := a.json["error"].(map[string]any)
	if !ok {
		t.Fatalf("answer %d %q is not an OpenAI error object", a.status, a.raw)
	}
	if e["type"] == nil || e["message"] == nil {
		t.Fatalf("OpenAI error without type or message: %q", a.raw)
	}
	return e["message"].(string)
}

func TestFakeAcceptsRealVoiceNote(t *testing.T) {
	fake := stttest.New(stttest.Options{Transcript: "quería saber si tienen lugar"})
	defer fake.Close()
	ogg := note(t)
	a := post(t, fake.URL+"/v1/audio/transcriptions", map[string]string{"model": "whisper-1", "language": "es"}, "voice.ogg", "audio/ogg", ogg)
	if a.status != 200 || a.json["text"] != "quería saber si tienen lugar" {
		t.Fatalf("answer %d %q", a.status, a.raw)
	}
	if usage, _ := a.json["usage"].(map[string]any); usage["type"] != "duration" {
		t.Fatalf("no usage block in %q", a.raw)
	}
	r := fake.Requests()[0]
	if r.Format != stt.FormatOgg || r.Codec != "opus" || r.Channels != 1 || r.Bytes != len(ogg) ||
		r.Duration < time.Second || r.Model != "whisper-1" || r.Language != "es" || r.ResponseFormat != "json" {
		t.Fatalf("recorded %+v", r)
	}
}

func TestFakeRejectsInvalidAudio(t *testing.T) {
	fake := stttest.New(stttest.Options{Transcript: "x"})
	defer fake.Close()
	ogg := note(t)
	flipped := append([]byte(nil), ogg...)
	flipped[len(flipped)/2] ^= 1
	wav, err := stt.ConvertToWAV(context.Background(), ogg)
	if err != nil {
		t.Fatal(err)
	}
	stereo := ffmpeg(t, ogg, "-ar", "44100", "-ac", "2", "-f", "wav", "pipe:1")

	cases := []struct {
		name, filename string
		data           []byte
		want           string
	}{
		{"garbage", "audio.ogg", []byte("definitely not audio, just some words"), "Invalid file format"},
		{"corrupt-page", "audio.ogg", flipped, "checksum"},
		{"truncated", "audio.ogg", ogg[:len(ogg)/2], "truncated"},
		{"ogg-named-wav", "audio.wav", ogg, "holds ogg data"},
		{"unsupported-ext", "audio.opus", ogg, "Supported formats"},
		{"stereo-44k-wav", "audio.wav", stereo, "16 kHz mono"},
		{"header-only-wav", "audio.wav", wav[:44], "Invalid file format"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := post(t, fake.URL+"/audio/transcriptions", map[string]string{"model": "whisper-1"}, tc.filename, "audio/ogg", tc.data)
			if a.status != http.StatusBadRequest {
				t.Fatalf("status %d (%q), want 400", a.status, a.raw)
			}
			if msg := openAIMessage(t, a); !strings.Contains(msg, tc.want) {
				t.Fatalf("message %q does not mention %q", msg, tc.want)
			}
		})
	}
	for _, r := range fake.Requests() {
		if r.Status != 400 || r.Rejected == "" {
			t.Fatalf("recorded %+v, want a rejected 400", r)
		}
	}
}

func TestFakeOpenAIFormChecks(t *testing.T) {
	fake := stttest.New(stttest.Options{Transcript: "x", APIKey: "sk-k"})
	defer fake.Close()
	ogg := note(t)
	url := fake.URL + "/audio/transcriptions"

	// No key: 401 before anything else.
	if a := post(t, url, map[string]string{"model": "m"}, "a.ogg", "audio/ogg", ogg); a.status != 401 {
		t.Fatalf("without key: %d %q", a.status, a.raw)
	}
	withKey := func(fields map[string]string, filename string) answer {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for k, v := range fields {
			_ = w.WriteField(k, v)
		}
		if filename != "" {
			p, _ := w.CreateFormFile("file", filename)
			_, _ = p.Write(ogg)
		}
		_ = w.Close()
		req, _ := http.NewRequest(http.MethodPost, url, &buf)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Authorization", "Bearer sk-k")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		a := answer{status: resp.StatusCode, raw: string(raw), ctype: resp.Header.Get("Content-Type")}
		_ = json.Unmarshal(raw, &a.json)
		return a
	}
	for name, tc := range map[string]struct {
		fields   map[string]string
		filename string
		want     string
	}{
		"no-model":     {map[string]string{}, "a.ogg", "model"},
		"no-file":      {map[string]string{"model": "m"}, "", "file"},
		"bad-language": {map[string]string{"model": "m", "language": "es-AR"}, "a.ogg", "ISO-639-1"},
		"bad-format":   {map[string]string{"model": "m", "response_format": "xml"}, "a.ogg", "response_format"},
	} {
		a := withKey(tc.fields, tc.filename)
		if a.status != 400 || !strings.Contains(openAIMessage(t, a), tc.want) {
			t.Errorf("%s: %d %q", name, a.status, a.raw)
		}
	}
	if a := withKey(map[string]string{"model": "m", "response_format": "text"}, "a.ogg"); a.status != 200 ||
		a.raw != "x" || !strings.HasPrefix(a.ctype, "text/plain") {
		t.Errorf("text format: %d %q %q", a.status, a.ctype, a.raw)
	}
	a := withKey(map[string]string{"model": "m", "response_format": "verbose_json"}, "a.ogg")
	if a.status != 200 || a.json["language"] != "spanish" || a.json["duration"].(float64) < 1 {
		t.Errorf("verbose_json: %d %q", a.status, a.raw)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", resp.StatusCode)
	}
}

func TestFakeWhisperCppStyle(t *testing.T) {
	fake := stttest.New(stttest.Options{Style: stttest.StyleWhisperCpp, Transcript: "Hola. Buen día."})
	defer fake.Close()
	ogg := note(t)
	wav, err := stt.ConvertToWAV(context.Background(), ogg)
	if err != nil {
		t.Fatal(err)
	}
	// WAV: the padded text whisper.cpp produces.
	a := post(t, fake.URL+"/inference", map[string]string{"response_format": "json"}, "audio.wav", "audio/wav", wav)
	text, _ := a.json["text"].(string)
	if a.status != 200 || text != " Hola.\n Buen día.\n" {
		t.Fatalf("answer %d %q", a.status, a.raw)
	}
	// Ogg (whisper.cpp run without --convert) and garbage: 200 with an error string.
	for name, data := range map[string][]byte{"ogg": ogg, "garbage": []byte("nope")} {
		a := post(t, fake.URL+"/inference", nil, "audio.wav", "audio/wav", data)
		if a.status != 200 || a.json["error"] != "failed to read WAV file" {
			t.Errorf("%s: %d %q", name, a.status, a.raw)
		}
	}
	fake.ErrorIn200("failed to process audio")
	if a := post(t, fake.URL+"/inference", nil, "audio.wav", "audio/wav", wav); a.status != 200 || a.json["error"] != "failed to process audio" {
		t.Errorf("ErrorIn200: %d %q", a.status, a.raw)
	}
	r := fake.Requests()[0]
	if r.Format != stt.FormatWAV || r.SampleRate != 16000 || r.Channels != 1 || r.Duration < time.Second {
		t.Errorf("recorded %+v", r)
	}
}

func TestFakeFailNext(t *testing.T) {
	fake := stttest.New(stttest.Options{Transcript: "ok"})
	defer fake.Close()
	ogg := note(t)
	fake.FailNext(2, http.StatusBadGateway)
	fake.SetRetryAfter("1")
	for i, want := range []int{502, 502, 200} {
		a := post(t, fake.URL+"/audio/transcriptions", map[string]string{"model": "m"}, "a.ogg", "audio/ogg", ogg)
		if a.status != want {
			t.Fatalf("request %d: %d %q, want %d", i, a.status, a.raw, want)
		}
		if want != 200 {
			openAIMessage(t, a)
		}
	}
}

func TestVoiceNoteLength(t *testing.T) {
	ogg, err := stttest.VoiceNoteLength(context.Background(), "Hola", 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	d, err := stt.ProbeDuration(ogg)
	if err != nil {
		t.Fatal(err)
	}
	if d < 2970*time.Millisecond || d > 3030*time.Millisecond {
		t.Fatalf("duration %v, want 3s", d)
	}
	if _, err := stttest.VoiceNote(context.Background(), "   "); err == nil {
		t.Fatal("VoiceNote with no text: want an error")
	}
}

func ffmpeg(t *testing.T, in []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("ffmpeg", append([]string{"-hide_banner", "-loglevel", "error", "-i", "pipe:0"}, args...)...)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ffmpeg %v: %v", args, err)
	}
	return out
}
