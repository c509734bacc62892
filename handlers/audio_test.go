package handlers_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/reservas/reservas/handlers"
	"github.com/reservas/reservas/handlers/handlerstest"
	"github.com/reservas/reservas/handlers/stt"
	"github.com/reservas/reservas/handlers/stt/stttest"
	"github.com/reservas/reservas/handlers/whatsapp"
	"github.com/reservas/reservas/handlers/whatsapp/whatsapptest"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/tasks"
)

// The voice-note tests send real Ogg/Opus voice notes (espeak-ng speaking Spanish, encoded by
// ffmpeg the way WhatsApp does) through the signed webhook, the ingress, the worker, the real
// WhatsApp client against the fake Graph media endpoints, ffmpeg where the backend wants WAV,
// and the real STT client against a fake OpenAI-compatible server that checks the audio.

// spoken is what the guest says in the voice notes.
const spoken = "Quiero reservar del doce al quince de diciembre para cuatro personas."

const (
	oggOpus  = "audio/ogg; codecs=opus"
	fallback = "No pude escuchar el audio"
)

var (
	noteOnce sync.Once
	noteOgg  []byte
	noteErr  error
)

// voiceNote returns the spoken voice note (made once per test binary).
func voiceNote(t testing.TB) []byte {
	t.Helper()
	noteOnce.Do(func() { noteOgg, noteErr = stttest.VoiceNote(context.Background(), spoken) })
	if noteErr != nil {
		t.Fatalf("voice note (needs espeak-ng and ffmpeg with libopus): %v", noteErr)
	}
	info, err := stt.Inspect(noteOgg)
	if err != nil || info.Codec != "opus" || info.Channels != 1 || info.Duration < time.Second {
		t.Fatalf("generated note is not a mono Opus voice note: %+v, %v", info, err)
	}
	return noteOgg
}

// audioSystem is a running system with speech-to-text against a fake provider.
type audioSystem struct {
	*handlerstest.System
	stt   *stttest.Server
	graph *whatsapptest.Server // where the worker fetches media and sends replies
}

type audioOptions struct {
	style    stttest.Style // empty: STT not configured at all
	needsWAV bool          // the STT client converts to WAV (ffmpeg)
	opusdec  bool          // Deps.STTNeedsWAV: voice notes decoded with opusdec first
	// sttTimeout bounds each HTTP attempt to the STT server (default 10 s).
	sttTimeout time.Duration
	// sttDelay holds every request to the STT server this long first (a slow provider).
	sttDelay time.Duration
	// graph replaces the harness's fake Graph API (a clock or a media URL lifetime of its own).
	graph *whatsapptest.Server
	// now shifts the worker's clock.
	now func() time.Time
	// emptySTT sets an STT client without a URL (STT_URL left empty) instead of none.
	emptySTT bool
}

func startAudio(t *testing.T, o audioOptions) *audioSystem {
	t.Helper()
	a := &audioSystem{}
	if o.style != "" {
		a.stt = stttest.New(stttest.Options{Style: o.style, Transcript: spoken, APIKey: "stt-key"})
		t.Cleanup(a.stt.Close)
	}
	a.System = handlerstest.Start(t, handlerstest.Options{Concurrency: 8, Configure: func(d *handlers.Deps) {
		d.Responder = handlers.NewConversationResponderWithPayments(d, nil)
		if o.graph != nil {
			d.WhatsApp = whatsapp.NewClient(whatsapp.Config{
				BaseURL: o.graph.URL(), PhoneNumberID: o.graph.PhoneNumberID(), Token: o.graph.Token(),
				BaseBackoff: 5 * time.Millisecond,
			}, &http.Client{Timeout: 10 * time.Second})
		}
		if a.stt != nil {
			timeout := o.sttTimeout
			if timeout == 0 {
				timeout = 10 * time.Second
			}
			hc := &http.Client{Timeout: timeout, Transport: delayTransport{delay: o.sttDelay}}
			d.STT = stt.NewClient(stt.Config{BaseURL: a.stt.URL + "/v1", APIKey: "stt-key", Model: "whisper-1",
				Language: "es", NeedsWAV: o.needsWAV, MaxAttempts: 2, BaseBackoff: 5 * time.Millisecond}, hc)
		}
		d.STTNeedsWAV = o.opusdec
		if o.emptySTT {
			d.STT = stt.NewClient(stt.Config{}, nil)
		}
		if o.now != nil {
			d.Now = o.now
		}
	}})
	a.graph = a.Graph
	if o.graph != nil {
		a.graph = o.graph
	}
	seedCabins(t, a.Store)
	return a
}

// delayTransport holds each request before sending it, like a slow network or provider.
type delayTransport struct{ delay time.Duration }

func (d delayTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if d.delay > 0 {
		select {
		case <-time.After(d.delay):
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// sendVoice registers the audio on the fake media host and delivers a signed voice-note webhook.
func (a *audioSystem) sendVoice(t *testing.T, from, mediaID string, audio []byte) string {
	t.Helper()
	a.graph.AddMedia(mediaID, oggOpus, audio)
	wamid := a.NewWamid()
	a.deliver(t, whatsapptest.AudioWebhook(a.graph.PhoneNumberID(), from, "Huésped", wamid,
		whatsapp.MediaRef{ID: mediaID, MimeType: oggOpus, SHA256: whatsapptest.Base64SHA256(audio), Voice: true}, time.Now()))
	return wamid
}

func (a *audioSystem) sendText(t *testing.T, from, text string) string {
	t.Helper()
	wamid := a.NewWamid()
	a.deliver(t, whatsapptest.TextWebhook(a.graph.PhoneNumberID(), from, "Huésped", wamid, text, time.Now()))
	return wamid
}

func (a *audioSystem) deliver(t *testing.T, body []byte) {
	t.Helper()
	if err := a.graph.DeliverOK(context.Background(), a.WebhookURL(), body); err != nil {
		t.Fatalf("deliver webhook: %v", err)
	}
}

// replies waits for n messages to `to` on the Graph fake the worker sends through.
func (a *audioSystem) replies(t *testing.T, to string, n int) []whatsapptest.SentMessage {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var got []whatsapptest.SentMessage
		for _, m := range a.graph.Sent() {
			if m.WaID == to {
				got = append(got, m)
			}
		}
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited for %d message(s) to %s, got %d: %q", n, to, len(got), screens(got))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// retryNow runs the voice note's audio:transcribe task at once whenever asynq has scheduled a
// retry for it (asynq's real retry, without its 15 s+ backoff), until stop says so.
func (a *audioSystem) retryNow(t *testing.T, wamid string, stop func() bool) {
	t.Helper()
	insp := asynq.NewInspector(a.RedisOpt)
	defer insp.Close()
	id := "audio:" + wamid
	deadline := time.Now().Add(30 * time.Second)
	for !stop() {
		if time.Now().After(deadline) {
			t.Fatalf("voice note still not finished after 30 s")
		}
		if info, err := insp.GetTaskInfo(tasks.QueueCritical, id); err == nil && info.State == asynq.TaskStateRetry {
			_ = insp.RunTask(tasks.QueueCritical, id)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (a *audioSystem) voiceNoteRow(t *testing.T, wamid string) store.VoiceNote {
	t.Helper()
	v, err := a.Store.GetVoiceNote(context.Background(), wamid)
	if err != nil {
		t.Fatalf("voice note %s: %v", wamid, err)
	}
	return v
}

// waitHandled waits until the message is marked handled (its reply is sent just before).
func (a *audioSystem) waitHandled(t *testing.T, wamid string) store.Inbound {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		in, err := a.Store.GetInbound(context.Background(), wamid)
		if err == nil && in.ProcessedAt != nil {
			return in
		}
		if time.Now().After(deadline) {
			t.Fatalf("message %s not handled after 20 s (%v)", wamid, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitVoiceNote waits until the stored voice note leaves the pending state.
func (a *audioSystem) waitVoiceNote(t *testing.T, wamid string) store.VoiceNote {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		v, err := a.Store.GetVoiceNote(context.Background(), wamid)
		if err == nil && v.Status != store.VoiceNotePending {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("voice note %s still %q (%v) after 20 s", wamid, v.Status, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func screens(ms []whatsapptest.SentMessage) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = screen(m)
	}
	return out
}

// metric sums the samples of a counter (its value) or histogram (its count) whose labels
// include all of labels ("name", "value" pairs).
func metric(t *testing.T, a *audioSystem, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := a.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, lp := range m.GetLabel() {
					if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
						found = true
					}
				}
				if !found {
					continue series
				}
			}
			if m.GetCounter() != nil {
				sum += m.GetCounter().GetValue()
			}
			if m.GetHistogram() != nil {
				sum += float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return sum
}

func failures(t *testing.T, a *audioSystem, reason string) float64 {
	t.Helper()
	return metric(t, a, "reservas_transcription_failures_total", "reason", reason)
}

// requireFallback checks that the guest was asked to type, and that the owner still has the
// voice note with the reason it was not heard.
func requireFallback(t *testing.T, a *audioSystem, guest, wamid, reason string, wantAudio []byte) store.VoiceNote {
	t.Helper()
	got := a.replies(t, guest, 1)
	if !strings.Contains(got[0].Text, fallback) || !strings.Contains(got[0].Text, "¿me lo escribís?") {
		t.Fatalf("reply to an unheard voice note: %q", got[0].Text)
	}
	in := a.waitHandled(t, wamid)
	if in.AwaitingTranscript || in.Body != "" {
		t.Fatalf("voice note message: awaiting=%v body=%q", in.AwaitingTranscript, in.Body)
	}
	v := a.waitVoiceNote(t, wamid)
	if v.Status != store.VoiceNoteFailed || v.FailureReason != reason || v.Transcript != "" {
		t.Fatalf("stored voice note: status %q reason %q (%s) transcript %q; want failed/%s", v.Status, v.FailureReason, v.FailureDetail, v.Transcript, reason)
	}
	if wantAudio != nil && !bytes.Equal(v.Audio, wantAudio) {
		t.Fatalf("stored audio: %d bytes (has %v), want the %d bytes the guest sent", len(v.Audio), v.HasAudio, len(wantAudio))
	}
	if failures(t, a, reason) < 1 {
		t.Fatalf("reservas_transcription_failures_total{reason=%q} not counted", reason)
	}
	return v
}

// A voice note is answered exactly as the same words typed would be, by both kinds of
// backend: OpenAI/Groq take the Ogg as is, whisper.cpp gets 16 kHz mono WAV from ffmpeg.
func TestVoiceNoteAnsweredLikeTypedText(t *testing.T) {
	ogg := voiceNote(t)
	for _, tc := range []struct {
		name     string
		style    stttest.Style
		needsWAV bool
		opusdec  bool
	}{
		{"openai-ogg", stttest.StyleOpenAI, false, false},
		{"whispercpp-wav-ffmpeg", stttest.StyleWhisperCpp, true, false},
		// The client is not told to convert here: only opusdec's WAV can get the note heard.
		{"whispercpp-wav-opusdec", stttest.StyleWhisperCpp, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := exec.LookPath("opusdec"); tc.opusdec && err != nil {
				t.Fatal("opusdec (apt-get install opus-tools) is needed for the fast WAV path")
			}
			a := startAudio(t, audioOptions{style: tc.style, needsWAV: tc.needsWAV, opusdec: tc.opusdec})
			const typist, speaker = "5491155552001", "5491155552002"

			a.sendText(t, typist, spoken)
			typed := a.replies(t, typist, 1)[0]

			wamid := a.sendVoice(t, speaker, "media-"+tc.name, ogg)
			heard := a.replies(t, speaker, 1)[0]
			t.Logf("voice note answered with: %s", screen(heard))
			if screen(heard) != screen(typed) {
				t.Fatalf("voice note answered differently from the typed text:\nvoice: %s\ntyped: %s", screen(heard), screen(typed))
			}
			// The engine understood the dates and the party, not just "hello".
			if !strings.Contains(heard.Text, "12/12") || !strings.Contains(heard.Text, "15/12") || !strings.Contains(heard.Text, "4 personas") {
				t.Fatalf("reply does not reflect the dates and guests spoken: %s", screen(heard))
			}

			reqs := a.stt.Requests()
			if len(reqs) != 1 || reqs[0].Status != http.StatusOK || !reqs[0].Authorized {
				t.Fatalf("STT requests: %+v", reqs)
			}
			r := reqs[0]
			if r.Path != "/v1/audio/transcriptions" || r.Model != "whisper-1" || r.Language != "es" {
				t.Fatalf("STT request: path %s model %q language %q", r.Path, r.Model, r.Language)
			}
			probe, _ := stt.ProbeDuration(ogg)
			if diff := r.Duration - probe; diff < -50*time.Millisecond || diff > 50*time.Millisecond {
				t.Fatalf("STT received %v of audio, the note lasts %v", r.Duration, probe)
			}
			if tc.needsWAV || tc.opusdec {
				if r.Format != stt.FormatWAV || r.SampleRate != 16000 || r.Channels != 1 || r.Codec != "pcm_s16le" || r.Filename != "audio.wav" {
					t.Fatalf("whisper.cpp got %s/%s %d Hz %d ch %q, want 16 kHz mono WAV", r.Format, r.Codec, r.SampleRate, r.Channels, r.Filename)
				}
			} else if r.Format != stt.FormatOgg || r.Codec != "opus" || r.Bytes != len(ogg) || r.Filename != "audio.ogg" {
				t.Fatalf("OpenAI got %s/%s %d bytes %q, want the Ogg/Opus note as sent (%d bytes)", r.Format, r.Codec, r.Bytes, r.Filename, len(ogg))
			}

			// The owner finds the note, its audio and what it said.
			v := a.voiceNoteRow(t, wamid)
			if v.Status != store.VoiceNoteTranscribed || v.Transcript != spoken || v.Language != "es" || !v.Voice ||
				!bytes.Equal(v.Audio, ogg) || v.Size != int64(len(ogg)) || v.MimeType != oggOpus || v.Attempts != 1 {
				t.Fatalf("stored voice note: %+v", summary(v))
			}
			if d := v.Duration - probe; d < -time.Millisecond || d > time.Millisecond {
				t.Fatalf("stored duration %v, note lasts %v", v.Duration, probe)
			}
			list, err := a.Store.ListVoiceNotes(context.Background(), speaker, 10)
			if err != nil || len(list) != 1 || list[0].Wamid != wamid || list[0].Audio != nil || !list[0].HasAudio || list[0].ProfileName != "Huésped" {
				t.Fatalf("ListVoiceNotes: %+v, %v", list, err)
			}
			if in := a.waitHandled(t, wamid); in.Body != spoken || in.AwaitingTranscript {
				t.Fatalf("voice note message: body %q awaiting %v", in.Body, in.AwaitingTranscript)
			}

			if n := metric(t, a, "reservas_transcription_duration_seconds", "outcome", "ok"); n != 1 {
				t.Fatalf("transcriptions observed: %v, want 1", n)
			}
			if n := metric(t, a, "reservas_transcription_failures_total"); n != 0 {
				t.Fatalf("failures counted for a good note: %v", n)
			}
			if reads := a.graph.Reads(); !hasTypingFor(reads, wamid) {
				t.Fatalf("no read receipt with typing indicator for the voice note: %+v", reads)
			}
		})
	}
}

func hasTypingFor(reads []whatsapptest.ReadReceipt, wamid string) bool {
	for _, r := range reads {
		if r.WAMID == wamid && r.Typing {
			return true
		}
	}
	return false
}

func summary(v store.VoiceNote) store.VoiceNote {
	v.Audio = nil
	return v
}

// A text sent right after a voice note waits for the transcript: the guest gets the answers
// in the order they spoke and typed, the same answers as typing both.
func TestTextAfterVoiceNoteAnsweredAfterIt(t *testing.T) {
	ogg := voiceNote(t)
	// The provider takes a while, so the text arrives while the note is being transcribed.
	a := startAudio(t, audioOptions{style: stttest.StyleOpenAI, sttDelay: 500 * time.Millisecond})
	const typist, speaker = "5491155552011", "5491155552012"
	const second = "¿La cabaña tiene wifi?"

	a.sendText(t, typist, spoken)
	a.replies(t, typist, 1)
	a.sendText(t, typist, second)
	want := a.replies(t, typist, 2)

	a.sendVoice(t, speaker, "media-order", ogg)
	textSent := time.Now()
	a.sendText(t, speaker, second)
	got := a.replies(t, speaker, 2)
	t.Logf("voice note and text answered with: %q", screens(got))
	if len(got) != 2 {
		t.Fatalf("%d replies, want 2: %q", len(got), screens(got))
	}
	for i := range want {
		if screen(got[i]) != screen(want[i]) {
			t.Fatalf("reply %d:\nvoice+text: %s\ntyped:      %s", i, screen(got[i]), screen(want[i]))
		}
	}
	if !got[1].At.After(got[0].At) && !got[1].At.Equal(got[0].At) {
		t.Fatalf("replies out of order")
	}
	// The text really did arrive before the transcript was in.
	if reqs := a.stt.Requests(); len(reqs) != 1 || got[0].At.Before(textSent) {
		t.Fatalf("the text did not arrive during the transcription (requests %d, first reply at %v, text at %v)", len(reqs), got[0].At, textSent)
	}
}

// Without STT configured the guest is asked to type at once, and the owner still gets the audio.
func TestVoiceNoteWithoutSTT(t *testing.T) {
	ogg := voiceNote(t)
	for _, tc := range []struct {
		name  string
		empty bool
	}{
		{"nil client", false},
		{"empty STT_URL", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := startAudio(t, audioOptions{emptySTT: tc.empty})
			if a.Deps.Transcribes() {
				t.Fatal("Transcribes() with no STT_URL")
			}
			const guest = "5491155552021"
			wamid := a.sendVoice(t, guest, "media-nostt", ogg)
			requireFallback(t, a, guest, wamid, stt.ReasonNotConfigured, ogg)
			a.sendText(t, guest, "del 12 al 15 de diciembre, somos 4")
			if got := a.replies(t, guest, 2)[1]; strings.Contains(got.Text, fallback) {
				t.Fatalf("typed message after the voice note got the fallback: %q", got.Text)
			}
		})
	}
}

// A provider that never answers: each attempt times out, asynq retries, and after the last
// retry the guest is asked to type; a text sent meanwhile is answered after that.
func TestVoiceNoteSTTTimeout(t *testing.T) {
	ogg := voiceNote(t)
	a := startAudio(t, audioOptions{style: stttest.StyleOpenAI, sttTimeout: 150 * time.Millisecond})
	a.stt.SetHang(true)
	const guest = "5491155552031"
	wamid := a.sendVoice(t, guest, "media-timeout", ogg)
	a.sendText(t, guest, "¿tienen wifi?")
	a.retryNow(t, wamid, func() bool { return len(a.graph.Sent()) >= 2 })
	v := requireFallback(t, a, guest, wamid, stt.ReasonTimeout, ogg)
	if v.Attempts != 6 {
		t.Fatalf("attempts = %d, want 6 (the first run and asynq's 5 retries)", v.Attempts)
	}
	got := a.replies(t, guest, 2)
	if strings.Contains(got[1].Text, fallback) || !strings.Contains(strings.ToLower(screen(got[1])), "wifi") {
		t.Fatalf("second reply should answer the text: %q", screens(got))
	}
	if n := len(a.stt.Requests()); n != 12 {
		t.Fatalf("STT saw %d requests, want 12 (6 runs x 2 attempts)", n)
	}
}

// 5xx forever: retried by the client and by asynq, then the fallback.
func TestVoiceNoteSTT5xxForever(t *testing.T) {
	ogg := voiceNote(t)
	a := startAudio(t, audioOptions{style: stttest.StyleOpenAI})
	a.stt.FailNext(1000, http.StatusServiceUnavailable)
	const guest = "5491155552041"
	wamid := a.sendVoice(t, guest, "media-5xx", ogg)
	a.retryNow(t, wamid, func() bool { return len(a.graph.Sent()) >= 1 })
	v := requireFallback(t, a, guest, wamid, stt.ReasonHTTP5xx, ogg)
	if v.Attempts != 6 || failures(t, a, stt.ReasonHTTP5xx) != 6 || len(a.stt.Requests()) != 12 {
		t.Fatalf("attempts %d, failures %v, STT requests %d; want 6, 6, 12", v.Attempts, failures(t, a, stt.ReasonHTTP5xx), len(a.stt.Requests()))
	}
	if !strings.Contains(v.FailureDetail, "503") {
		t.Fatalf("failure detail %q does not say what the provider answered", v.FailureDetail)
	}
}

// A guest who has already waited close to transcriptWait is not kept waiting for a retry.
func TestVoiceNoteNoRetryPastTheWait(t *testing.T) {
	ogg := voiceNote(t)
	a := startAudio(t, audioOptions{style: stttest.StyleOpenAI, now: func() time.Time { return time.Now().Add(110 * time.Second) }})
	a.stt.FailNext(1000, http.StatusBadGateway)
	const guest = "5491155552051"
	wamid := a.sendVoice(t, guest, "media-late", ogg)
	v := requireFallback(t, a, guest, wamid, stt.ReasonHTTP5xx, ogg)
	if v.Attempts != 1 {
		t.Fatalf("attempts = %d, want 1", v.Attempts)
	}
}

// A 5xx that clears up within the task's retries still gets the voice note heard.
func TestVoiceNoteSTTRecovers(t *testing.T) {
	ogg := voiceNote(t)
	a := startAudio(t, audioOptions{style: stttest.StyleOpenAI})
	a.stt.FailNext(3, http.StatusInternalServerError) // the first run's 2 attempts and one more
	const guest = "5491155552061"
	wamid := a.sendVoice(t, guest, "media-recover", ogg)
	a.retryNow(t, wamid, func() bool { return len(a.graph.Sent()) >= 1 })
	got := a.replies(t, guest, 1)
	if strings.Contains(got[0].Text, fallback) || !strings.Contains(got[0].Text, "12/12") {
		t.Fatalf("reply after recovery: %q", got[0].Text)
	}
	if v := a.voiceNoteRow(t, wamid); v.Status != store.VoiceNoteTranscribed || v.Attempts != 2 {
		t.Fatalf("voice note: %+v", summary(v))
	}
}

// whisper.cpp answers HTTP 200 with {"error": ...} when inference fails: not retried.
func TestVoiceNoteSTT200WithError(t *testing.T) {
	ogg := voiceNote(t)
	a := startAudio(t, audioOptions{style: stttest.StyleWhisperCpp, needsWAV: true})
	a.stt.ErrorIn200("failed to process audio")
	const guest = "5491155552071"
	wamid := a.sendVoice(t, guest, "media-200err", ogg)
	v := requireFallback(t, a, guest, wamid, stt.ReasonProviderError, ogg)
	if v.Attempts != 1 || len(a.stt.Requests()) != 1 || !strings.Contains(v.FailureDetail, "failed to process audio") {
		t.Fatalf("attempts %d, STT requests %d, detail %q", v.Attempts, len(a.stt.Requests()), v.FailureDetail)
	}
}

// Audio over WhatsApp's 16 MB limit is not downloaded; the owner sees its size.
func TestVoiceNoteTooLarge(t *testing.T) {
	a := startAudio(t, audioOptions{style: stttest.StyleOpenAI})
	big := append(bytes.Clone(voiceNote(t)), make([]byte, handlers.MaxVoiceNoteBytes)...)
	const guest = "5491155552081"
	wamid := a.sendVoice(t, guest, "media-big", big)
	v := requireFallback(t, a, guest, wamid, "too_large", nil)
	if v.HasAudio || v.Size != int64(len(big)) || v.MimeType != oggOpus {
		t.Fatalf("stored voice note: %+v", summary(v))
	}
	if n := a.graph.MediaRequestCount(); n != 0 {
		t.Fatalf("downloaded the oversized media (%d requests to the media host)", n)
	}
	if n := len(a.stt.Requests()); n != 0 {
		t.Fatalf("sent oversized media to STT (%d requests)", n)
	}
}

// fakeClock is a clock the test moves.
type fakeClock struct{ offset atomic.Int64 }

func (c *fakeClock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *fakeClock) advance(d time.Duration) { c.offset.Add(int64(d)) }
func newGraphWithClock(c *fakeClock, lookaside string, ttl time.Duration) *whatsapptest.Server {
	return whatsapptest.NewServer(whatsapptest.Options{Now: c.now, MediaBaseURL: lookaside, MediaURLTTL: ttl})
}

// The media URL expired before the worker fetched it (Graph answers 404): a fresh URL is asked
// for once and the note is heard.
func TestVoiceNoteExpiredMediaURL(t *testing.T) {
	ogg := voiceNote(t)
	var clock fakeClock
	var graph atomic.Pointer[whatsapptest.Server]
	var jumped atomic.Bool
	lookaside := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if jumped.CompareAndSwap(false, true) {
			clock.advance(6 * time.Minute) // the first URL is past its 5 minutes when fetched
		}
		graph.Load().MediaHandler().ServeHTTP(w, r)
	}))
	t.Cleanup(lookaside.Close)
	g := newGraphWithClock(&clock, lookaside.URL, 0)
	graph.Store(g)
	t.Cleanup(g.Close)

	a := startAudio(t, audioOptions{style: stttest.StyleOpenAI, graph: g})
	const guest = "5491155552091"
	wamid := a.sendVoice(t, guest, "media-expired-once", ogg)
	got := a.replies(t, guest, 1)
	if strings.Contains(got[0].Text, fallback) || !strings.Contains(got[0].Text, "12/12") {
		t.Fatalf("reply: %q", got[0].Text)
	}
	if n := g.MediaRequestCount(); n != 2 {
		t.Fatalf("media host saw %d downloads, want 2 (expired, then the fresh URL)", n)
	}
	if v := a.voiceNoteRow(t, wamid); v.Status != store.VoiceNoteTranscribed || !bytes.Equal(v.Audio, ogg) {
		t.Fatalf("voice note: %+v", summary(v))
	}
}

// Every media URL is already expired when fetched: retried, then the fallback.
func TestVoiceNoteMediaURLAlwaysExpired(t *testing.T) {
	ogg := voiceNote(t)
	var clock fakeClock
	g := newGraphWithClock(&clock, "", time.Nanosecond)
	t.Cleanup(g.Close)
	a := startAudio(t, audioOptions{style: stttest.StyleOpenAI, graph: g})
	const guest = "5491155552101"
	wamid := a.sendVoice(t, guest, "media-expired", ogg)
	a.retryNow(t, wamid, func() bool { return len(g.Sent()) >= 1 })
	v := requireFallback(t, a, guest, wamid, "media_expired", nil)
	if v.HasAudio || v.Attempts != 6 || g.MediaRequestCount() != 12 {
		t.Fatalf("has audio %v, attempts %d, downloads %d; want false, 6, 12", v.HasAudio, v.Attempts, g.MediaRequestCount())
	}
	if n := len(a.stt.Requests()); n != 0 {
		t.Fatalf("STT called without audio (%d requests)", n)
	}
}

// A media id Graph does not know (deleted, or from another number) is permanent: no retries.
func TestVoiceNoteUnknownMedia(t *testing.T) {
	a := startAudio(t, audioOptions{style: stttest.StyleOpenAI})
	const guest = "5491155552111"
	wamid := a.NewWamid()
	a.deliver(t, whatsapptest.AudioWebhook(a.graph.PhoneNumberID(), guest, "Huésped", wamid,
		whatsapp.MediaRef{ID: "404404404", MimeType: oggOpus, Voice: true}, time.Now()))
	v := requireFallback(t, a, guest, wamid, "media_unavailable", nil)
	if v.Attempts != 1 || v.HasAudio {
		t.Fatalf("voice note: %+v", summary(v))
	}
}

// A transcription that comes too late (the guest's queue went on without it after
// transcriptWait) still keeps the audio for the owner, and sends the guest nothing more.
func TestVoiceNoteAfterTheGuestMovedOn(t *testing.T) {
	ogg := voiceNote(t)
	a := startAudio(t, audioOptions{style: stttest.StyleOpenAI})
	ctx := context.Background()
	const guest = "5491155552121"
	a.graph.AddMedia("media-late-task", oggOpus, ogg)
	wamid := a.NewWamid()
	long := time.Now().Add(-3 * time.Minute)
	if _, err := a.Store.InsertInbound(ctx, store.Inbound{Wamid: wamid, WaID: guest, Type: "audio", MediaID: "media-late-task",
		SentAt: long, ReceivedAt: long, AwaitingTranscript: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Store.Pool.Exec(ctx, `UPDATE inbound_messages SET processed_at = now() WHERE wamid = $1`, wamid); err != nil {
		t.Fatal(err)
	}
	task, err := tasks.NewAudioTranscribe(tasks.AudioTranscribe{Wamid: wamid})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Deps.HandleAudioTranscribe(ctx, task); err != nil {
		t.Fatal(err)
	}
	v := a.voiceNoteRow(t, wamid)
	if v.Status != store.VoiceNoteFailed || v.FailureReason != stt.ReasonTimeout || !bytes.Equal(v.Audio, ogg) {
		t.Fatalf("voice note: %+v", summary(v))
	}
	if n := len(a.stt.Requests()); n != 0 {
		t.Fatalf("transcribed a note nobody waits for (%d STT requests)", n)
	}
	if got := a.graph.Sent(); len(got) != 0 {
		t.Fatalf("sent %q for a note already answered", screens(got))
	}
}
