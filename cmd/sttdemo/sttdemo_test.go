package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reservas/reservas/handlers/nlu"
	"github.com/reservas/reservas/handlers/stt"
	"github.com/reservas/reservas/handlers/stt/stttest"
)

func TestPronunciations(t *testing.T) {
	for word, want := range map[string][]string{
		"quiero":   {"K Y EH R OW", "K Y EH D OW"},
		"cuatro":   {"K W AA T R OW"},
		"doce":     {"D OW S EH", "D OW TH EH"},
		"cabaña":   {"K AA B AA N Y AA", "K AA V AA N Y AA"},
		"veinte":   {"B EY N T EH"},
		"hola":     {"OW L AA"},
		"julio":    {"HH UW L Y OW"},
		"personas": {"P EH R S OW N AA S"},
	} {
		if got := pronunciations(word); !slices.Equal(got, want) {
			t.Errorf("%s: %q, want %q", word, got, want)
		}
	}
}

func TestGrammarFiles(t *testing.T) {
	g := jsgf()
	if !strings.HasPrefix(g, "#JSGF V1.0;\ngrammar reservas;\npublic <frase> = ") {
		t.Fatalf("grammar header:\n%s", g)
	}
	for _, r := range g {
		if r > 127 {
			t.Fatalf("grammar is not ASCII (%q):\n%s", r, g)
		}
	}
	if !strings.Contains(g, "<pedido> = (quiero | queria") || !strings.Contains(g, "cabanna") || strings.Contains(g, "<dia> <dia>") {
		t.Fatalf("grammar words or rule names mangled:\n%s", g)
	}
	dict := dictionary()
	for _, w := range vocabulary() {
		if !strings.Contains(dict, "\n"+token(w)+" ") && !strings.HasPrefix(dict, token(w)+" ") {
			t.Errorf("%s missing from the dictionary", w)
		}
	}
	if got := display([]string{"quiero", "una", "cabanna", "<sil>", "dieciseis", "ruido"}); got != "quiero una cabaña dieciséis" {
		t.Fatalf("display: %q", got)
	}
}

func startDemo(t *testing.T) string {
	t.Helper()
	rec, err := newRecognizer(defaultHMM, t.TempDir())
	if err != nil {
		t.Fatalf("%v (the demo recogniser needs Debian's pocketsphinx and pocketsphinx-en-us)", err)
	}
	srv := httptest.NewServer(newServer(rec))
	t.Cleanup(srv.Close)
	return srv.URL
}

// A WhatsApp-like voice note of the booking phrase, through reservas's own STT client, comes
// back as the words said, and the bot's NLU reads the stay from them.
func TestDemoHearsABookingPhrase(t *testing.T) {
	base := startDemo(t)
	ctx := context.Background()
	const said = "quiero reservar del doce al quince de diciembre para cuatro personas"
	ogg, err := stttest.VoiceNote(ctx, said)
	if err != nil {
		t.Fatalf("voice note (needs espeak-ng and ffmpeg): %v", err)
	}
	for _, needsWAV := range []bool{false, true} {
		c := stt.NewClient(stt.Config{BaseURL: base + "/v1", Model: "sttdemo", NeedsWAV: needsWAV}, &http.Client{Timeout: 30 * time.Second})
		tr, err := c.Transcribe(ctx, ogg, "audio/ogg; codecs=opus")
		if err != nil {
			t.Fatalf("needsWAV=%v: %v", needsWAV, err)
		}
		if tr.Text != said {
			t.Fatalf("needsWAV=%v: heard %q, said %q", needsWAV, tr.Text, said)
		}
		now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		p := nlu.Parse(tr.Text, now)
		if p.CheckIn.Format(time.DateOnly) != "2026-12-12" || p.CheckOut.Format(time.DateOnly) != "2026-12-15" || p.Guests != 4 {
			t.Fatalf("NLU read %+v from %q", p, tr.Text)
		}
	}
}

// A short answer and a greeting with a question.
func TestDemoHearsShortPhrases(t *testing.T) {
	base := startDemo(t)
	ctx := context.Background()
	c := stt.NewClient(stt.Config{BaseURL: base}, &http.Client{Timeout: 30 * time.Second})
	for _, said := range []string{"sí, gracias", "cuánto sale"} {
		ogg, err := stttest.VoiceNote(ctx, said)
		if err != nil {
			t.Fatalf("voice note: %v", err)
		}
		tr, err := c.Transcribe(ctx, ogg, "audio/ogg")
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.ReplaceAll(said, ",", ""); tr.Text != want {
			t.Errorf("heard %q, said %q", tr.Text, want)
		}
	}
}

// Not audio: a 400 in OpenAI's shape. Silence: no words, which the client reports as empty
// (and the bot then asks the guest to type).
func TestDemoRefusesNonAudioAndHearsNothingInSilence(t *testing.T) {
	base := startDemo(t)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("model", "sttdemo")
	part, _ := mw.CreateFormFile("file", "audio.ogg")
	_, _ = part.Write([]byte("this is not audio"))
	_ = mw.Close()
	resp, err := http.Post(base+"/v1/audio/transcriptions", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Error struct{ Message, Type string } `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || got.Error.Type != "invalid_request_error" || !strings.Contains(got.Error.Message, "Invalid file format") {
		t.Fatalf("non-audio: %d %+v", resp.StatusCode, got)
	}

	silence := make([]byte, 44+2*stt.WAVSampleRate) // one second of 16 kHz mono zeros
	copy(silence, "RIFF")
	binary.LittleEndian.PutUint32(silence[4:], uint32(len(silence)-8))
	copy(silence[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(silence[16:], 16)
	binary.LittleEndian.PutUint16(silence[20:], 1)
	binary.LittleEndian.PutUint16(silence[22:], 1)
	binary.LittleEndian.PutUint32(silence[24:], stt.WAVSampleRate)
	binary.LittleEndian.PutUint32(silence[28:], 2*stt.WAVSampleRate)
	binary.LittleEndian.PutUint16(silence[32:], 2)
	binary.LittleEndian.PutUint16(silence[34:], 16)
	copy(silence[36:], "data")
	binary.LittleEndian.PutUint32(silence[40:], 2*stt.WAVSampleRate)
	c := stt.NewClient(stt.Config{BaseURL: base + "/v1", NeedsWAV: true}, &http.Client{Timeout: 30 * time.Second})
	if _, err := c.Transcribe(context.Background(), silence, "audio/wav"); !errors.Is(err, stt.ErrEmptyTranscript) {
		t.Fatalf("silence: %v, want an empty transcript", err)
	}

	resp, err = http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	banner, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(banner), "LIMITED DEMO") {
		t.Fatalf("banner: %q", banner)
	}
}
