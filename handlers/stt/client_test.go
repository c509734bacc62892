package stt_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reservas/reservas/handlers/stt"
	"github.com/reservas/reservas/handlers/stt/stttest"
)

const (
	said    = "Hola. Quiero reservar la cabaña del diez al quince de enero. Somos cuatro."
	voiceMT = "audio/ogg; codecs=opus" // what WhatsApp reports for a voice note
)

type bundle struct {
	fake   *stttest.Server
	client *stt.Client
	note   []byte
}

func setup(t *testing.T, style stttest.Style, cfg stt.Config) bundle {
	t.Helper()
	fake := stttest.New(stttest.Options{Style: style, Transcript: said, APIKey: "sk-test-key"})
	t.Cleanup(fake.Close)
	if cfg.BaseURL == "" {
		cfg.BaseURL = fake.URL + "/v1"
	}
	if cfg.APIKey == "" {
		cfg.APIKey = "sk-test-key"
	}
	if cfg.BaseBackoff == 0 {
		cfg.BaseBackoff = time.Millisecond
	}
	return bundle{fake: fake, client: stt.NewClient(cfg, nil), note: voiceNote(t, phrase)}
}

func transcribe(t *testing.T, b bundle) (stt.Transcript, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return b.client.Transcribe(ctx, b.note, voiceMT)
}

func sttError(t *testing.T, err error, reason string) *stt.Error {
	t.Helper()
	var e *stt.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want *stt.Error", err, err)
	}
	if e.Reason != reason || stt.ReasonOf(err) != reason {
		t.Fatalf("reason %q (ReasonOf %q), want %q; err: %v", e.Reason, stt.ReasonOf(err), reason, err)
	}
	return e
}

func TestTranscribeOpenAISendsOggAsIs(t *testing.T) {
	b := setup(t, stttest.StyleOpenAI, stt.Config{Model: "whisper-1"})
	noteDur, err := stt.ProbeDuration(b.note)
	if err != nil {
		t.Fatal(err)
	}

	tr, err := transcribe(t, b)
	if err != nil {
		t.Fatalf("Transcribe: %v", err)
	}
	if tr.Text != said || tr.Language != "es" || tr.Attempts != 1 || tr.Converted {
		t.Fatalf("got %+v", tr)
	}
	if tr.Duration != noteDur {
		t.Fatalf("duration %v, want %v from the Ogg headers", tr.Duration, noteDur)
	}
	reqs := b.fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("fake saw %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	want := stttest.Request{
		Path: "/v1/audio/transcriptions", Model: "whisper-1", Language: "es", ResponseFormat: "json",
		Filename: "audio.ogg", MIMEType: "audio/ogg", Bytes: len(b.note), Format: stt.FormatOgg,
		Codec: "opus", SampleRate: 48000, Channels: 1, Duration: noteDur, Authorized: true, Status: 200,
	}
	if r != want {
		t.Fatalf("fake saw\n %+v\nwant\n %+v", r, want)
	}
}

func TestTranscribeOpenAIWithConversion(t *testing.T) {
	b := setup(t, stttest.StyleOpenAI, stt.Config{NeedsWAV: true})
	tr, err := transcribe(t, b)
	if err != nil {
		t.Fatalf("Transcribe: %v", err)
	}
	if tr.Text != said || !tr.Converted {
		t.Fatalf("got %+v", tr)
	}
	r := b.fake.Requests()[0]
	if r.Format != stt.FormatWAV || r.Filename != "audio.wav" || r.MIMEType != "audio/wav" ||
		r.SampleRate != 16000 || r.Channels != 1 || r.Codec != "pcm_s16le" {
		t.Fatalf("fake saw %+v, want 16 kHz mono WAV", r)
	}
	if !near(r.Duration, tr.Duration, time.Millisecond) || !near(tr.Duration, mustDuration(t, b.note), 30*time.Millisecond) {
		t.Fatalf("fake measured %v, client reported %v, note is %v", r.Duration, tr.Duration, mustDuration(t, b.note))
	}
	if r.Model != stt.DefaultModel {
		t.Fatalf("model %q, want the default %q", r.Model, stt.DefaultModel)
	}
}

func TestTranscribeWhisperCppNeedsWAV(t *testing.T) {
	b := setup(t, stttest.StyleWhisperCpp, stt.Config{})
	// whisper.cpp's own route, on a base without /v1.
	b.client = stt.NewClient(stt.Config{BaseURL: b.fake.URL + "/", APIKey: "sk-test-key", NeedsWAV: true, Path: "inference"}, nil)

	tr, err := transcribe(t, b)
	if err != nil {
		t.Fatalf("Transcribe: %v", err)
	}
	// whisper.cpp pads segments with spaces and newlines; the client folds them.
	if tr.Text != said || !tr.Converted {
		t.Fatalf("got %+v, want text %q", tr, said)
	}
	r := b.fake.Requests()[0]
	if r.Path != "/inference" || r.Format != stt.FormatWAV || r.SampleRate != 16000 || r.Channels != 1 {
		t.Fatalf("fake saw %+v", r)
	}
}

func TestTranscribeWhisperCppRefusesOgg(t *testing.T) {
	b := setup(t, stttest.StyleWhisperCpp, stt.Config{NeedsWAV: false})
	_, err := transcribe(t, b)
	e := sttError(t, err, stt.ReasonProviderError)
	if e.StatusCode != http.StatusOK || e.Message != "failed to read WAV file" || e.Attempts != 1 {
		t.Fatalf("got %+v", e)
	}
	if n := len(b.fake.Requests()); n != 1 {
		t.Fatalf("fake saw %d requests: a provider error must not be retried", n)
	}
}

func TestTranscribeErrorIn200(t *testing.T) {
	for _, style := range []stttest.Style{stttest.StyleWhisperCpp, stttest.StyleOpenAI} {
		t.Run(string(style), func(t *testing.T) {
			b := setup(t, style, stt.Config{NeedsWAV: true})
			b.fake.ErrorIn200("failed to process audio")
			_, err := transcribe(t, b)
			e := sttError(t, err, stt.ReasonProviderError)
			if e.Message != "failed to process audio" || e.StatusCode != 200 {
				t.Fatalf("got %+v", e)
			}
		})
	}
}

func TestTranscribeTimeout(t *testing.T) {
	b := setup(t, stttest.StyleOpenAI, stt.Config{})
	b.fake.SetHang(true)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := b.client.Transcribe(ctx, b.note, voiceMT)
	e := sttError(t, err, stt.ReasonTimeout)
	if !errors.Is(err, context.DeadlineExceeded) || e.Attempts != 1 {
		t.Fatalf("got %+v, want one attempt ending in DeadlineExceeded", e)
	}
	// The fake records a hung request once it has read the upload; on a very
	// busy machine the deadline may strike first, so at most one.
	if got := b.fake.Requests(); len(got) > 1 || (len(got) == 1 && got[0].Rejected != "hang") {
		t.Fatalf("fake saw %+v", got)
	}
}

func TestTranscribeCanceled(t *testing.T) {
	b := setup(t, stttest.StyleOpenAI, stt.Config{})
	b.fake.SetHang(true)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := b.client.Transcribe(ctx, b.note, voiceMT)
	sttError(t, err, stt.ReasonCanceled)
}

func TestTranscribeRetries5xxThenSucceeds(t *testing.T) {
	b := setup(t, stttest.StyleOpenAI, stt.Config{MaxAttempts: 3})
	b.fake.FailNext(2, http.StatusServiceUnavailable)
	tr, err := transcribe(t, b)
	if err != nil {
		t.Fatalf("Transcribe: %v", err)
	}
	if tr.Attempts != 3 || tr.Text != said {
		t.Fatalf("got %+v", tr)
	}
	reqs := b.fake.Requests()
	if len(reqs) != 3 || reqs[0].Status != 503 || reqs[1].Status != 503 || reqs[2].Status != 200 {
		t.Fatalf("fake saw %+v", reqs)
	}
}

func TestTranscribe5xxForever(t *testing.T) {
	b := setup(t, stttest.StyleOpenAI, stt.Config{MaxAttempts: 4})
	b.fake.FailNext(100, http.StatusInternalServerError)
	_, err := transcribe(t, b)
	e := sttError(t, err, stt.ReasonHTTP5xx)
	if e.StatusCode != 500 || e.Attempts != 4 || e.Code != "server_error" {
		t.Fatalf("got %+v", e)
	}
	if n := len(b.fake.Requests()); n != 4 {
		t.Fatalf("fake saw %d requests, want 4 (MaxAttempts)", n)
	}
}

func TestTranscribeRateLimitedHonoursRetryAfter(t *testing.T) {
	b := setup(t, stttest.StyleOpenAI, stt.Config{MaxAttempts: 2})
	b.fake.FailNext(5, http.StatusTooManyRequests)
	b.fake.SetRetryAfter("0")
	_, err := transcribe(t, b)
	e := sttError(t, err, stt.ReasonRateLimited)
	if e.StatusCode != 429 || e.Attempts != 2 || e.Code != "rate_limit_exceeded" {
		t.Fatalf("got %+v", e)
	}

	// A Retry-After longer than the caller's deadline ends the call at once
	// instead of sleeping past it.
	b.fake.FailNext(5, http.StatusTooManyRequests)
	b.fake.SetRetryAfter("20")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	before := len(b.fake.Requests())
	_, err = b.client.Transcribe(ctx, b.note, voiceMT)
	e = sttError(t, err, stt.ReasonRateLimited)
	if e.Attempts != 1 || len(b.fake.Requests()) != before+1 {
		t.Fatalf("got %+v after %d requests; want a single attempt", e, len(b.fake.Requests())-before)
	}
	if ctx.Err() != nil {
		t.Fatal("Transcribe slept until the deadline instead of giving up")
	}
}

func TestTranscribeBadKeyIsNotRetried(t *testing.T) {
	b := setup(t, stttest.StyleOpenAI, stt.Config{APIKey: "sk-wrong-secret"})
	_, err := transcribe(t, b)
	e := sttError(t, err, stt.ReasonHTTP4xx)
	if e.StatusCode != 401 || e.Code != "invalid_api_key" || e.Attempts != 1 {
		t.Fatalf("got %+v", e)
	}
	if e.Message != "" || strings.Contains(err.Error(), "sk-wrong-secret") {
		t.Fatalf("error %q carries the provider's message for a 401", err)
	}
	if r := b.fake.Requests(); len(r) != 1 || r[0].Authorized {
		t.Fatalf("fake saw %+v", r)
	}
}

func TestTranscribeEmptyTranscript(t *testing.T) {
	for _, tc := range []struct {
		style stttest.Style
		text  string
	}{
		{stttest.StyleOpenAI, ""},
		{stttest.StyleOpenAI, " . "},
		{stttest.StyleWhisperCpp, ""},
		{stttest.StyleWhisperCpp, "[BLANK_AUDIO]"},
	} {
		t.Run(string(tc.style)+"/"+tc.text, func(t *testing.T) {
			b := setup(t, tc.style, stt.Config{NeedsWAV: true})
			b.fake.SetTranscript(tc.text)
			_, err := transcribe(t, b)
			sttError(t, err, stt.ReasonEmpty)
			if !errors.Is(err, stt.ErrEmptyTranscript) {
				t.Fatalf("err %v does not match ErrEmptyTranscript", err)
			}
			if n := len(b.fake.Requests()); n != 1 {
				t.Fatalf("fake saw %d requests; silence must not be retried", n)
			}
		})
	}
}

func TestTranscribeTrimsPaddedText(t *testing.T) {
	b := setup(t, stttest.StyleWhisperCpp, stt.Config{NeedsWAV: true})
	b.fake.SetTranscript("  Hola.\n\n  ¿Hay lugar   el finde?  [BLANK_AUDIO]\t")
	tr, err := transcribe(t, b)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Text != "Hola. ¿Hay lugar el finde?" {
		t.Fatalf("text %q", tr.Text)
	}
}

func TestTranscribeOtherFormats(t *testing.T) {
	b := setup(t, stttest.StyleOpenAI, stt.Config{})
	aac := ffmpegEncode(t, b.note, "-c:a", "aac", "-b:a", "32k", "-f", "adts", "pipe:1")
	// OpenAI-style APIs do not take raw AAC: the client converts it even
	// without NeedsWAV.
	tr, err := b.client.Transcribe(context.Background(), aac, "audio/aac")
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Converted || b.fake.Requests()[0].Format != stt.FormatWAV {
		t.Fatalf("got %+v, fake saw %+v", tr, b.fake.Requests()[0])
	}
	// A WAV that is already 16 kHz mono goes through untouched, even with NeedsWAV.
	wav, err := stt.ConvertToWAV(context.Background(), b.note)
	if err != nil {
		t.Fatal(err)
	}
	c := stt.NewClient(stt.Config{BaseURL: b.fake.URL, APIKey: "sk-test-key", NeedsWAV: true}, nil)
	if tr, err = c.Transcribe(context.Background(), wav, "audio/wav"); err != nil || tr.Converted {
		t.Fatalf("got %+v, %v", tr, err)
	}
	if r := b.fake.Requests()[1]; r.Bytes != len(wav) || r.Path != "/audio/transcriptions" {
		t.Fatalf("fake saw %+v", r)
	}
}

func TestTranscribeInvalidAudioNeverSent(t *testing.T) {
	b := setup(t, stttest.StyleOpenAI, stt.Config{})
	for name, in := range map[string][]byte{
		"empty":   nil,
		"garbage": []byte("<html>this is an error page, not a voice note</html>"),
	} {
		_, err := b.client.Transcribe(context.Background(), in, voiceMT)
		sttError(t, err, stt.ReasonInvalidAudio)
		if !errors.Is(err, stt.ErrInvalidAudio) {
			t.Errorf("%s: %v does not wrap ErrInvalidAudio", name, err)
		}
	}
	if n := len(b.fake.Requests()); n != 0 {
		t.Fatalf("fake saw %d requests for unusable audio", n)
	}
}

func TestTranscribeNotConfigured(t *testing.T) {
	c := stt.NewClient(stt.Config{}, nil)
	if c.Configured() {
		t.Fatal("Configured() with no BaseURL")
	}
	_, err := c.Transcribe(context.Background(), []byte("x"), voiceMT)
	sttError(t, err, stt.ReasonNotConfigured)
	if !errors.Is(err, stt.ErrNotConfigured) {
		t.Fatalf("err %v", err)
	}
}

func TestTranscribeNetworkError(t *testing.T) {
	fake := stttest.New(stttest.Options{Transcript: said})
	url := fake.URL
	fake.Close() // nothing listens there any more
	c := stt.NewClient(stt.Config{BaseURL: url, MaxAttempts: 2, BaseBackoff: time.Millisecond}, nil)
	_, err := c.Transcribe(context.Background(), voiceNote(t, "Hola"), voiceMT)
	e := sttError(t, err, stt.ReasonNetwork)
	if e.Attempts != 2 {
		t.Fatalf("attempts %d, want 2: connection errors are retried", e.Attempts)
	}
}

func TestTranscribeAutoLanguage(t *testing.T) {
	b := setup(t, stttest.StyleOpenAI, stt.Config{Language: "auto"})
	tr, err := transcribe(t, b)
	if err != nil {
		t.Fatal(err)
	}
	if r := b.fake.Requests()[0]; r.Language != "" || tr.Language != "" {
		t.Fatalf("sent language %q, reported %q; want none", r.Language, tr.Language)
	}
}

func TestTranscribeConcurrent(t *testing.T) {
	b := setup(t, stttest.StyleWhisperCpp, stt.Config{NeedsWAV: true})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			tr, err := b.client.Transcribe(context.Background(), b.note, voiceMT)
			if err == nil && tr.Text != said {
				err = errors.New("wrong text " + tr.Text)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := len(b.fake.Requests()); n != 8 {
		t.Fatalf("fake saw %d requests, want 8", n)
	}
}

func TestReasonOf(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{context.DeadlineExceeded, stt.ReasonTimeout},
		{context.Canceled, stt.ReasonCanceled},
		{stt.ErrEmptyTranscript, stt.ReasonEmpty},
		{errors.New("boom"), "other"},
		{&stt.Error{Reason: stt.ReasonHTTP4xx}, stt.ReasonHTTP4xx},
	} {
		if got := stt.ReasonOf(tc.err); got != tc.want {
			t.Errorf("ReasonOf(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func mustDuration(t *testing.T, audio []byte) time.Duration {
	t.Helper()
	d, err := stt.ProbeDuration(audio)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
