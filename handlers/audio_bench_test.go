package handlers_test

import (
	"context"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/reservas/reservas/handlers"
	"github.com/reservas/reservas/handlers/stt"
	"github.com/reservas/reservas/handlers/stt/stttest"
	"github.com/reservas/reservas/handlers/whatsapp"
	"github.com/reservas/reservas/handlers/whatsapp/whatsapptest"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/store/storetest"
	"github.com/reservas/reservas/tasks"
)

// sttClock measures the time spent inside HTTP round trips to the STT server.
type sttClock struct {
	spent atomic.Int64
}

func (c *sttClock) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := http.DefaultTransport.RoundTrip(r)
	c.spent.Add(int64(time.Since(start)))
	return resp, err
}

// BenchmarkVoiceNotePipelineOverhead runs the whole audio:transcribe handler on a 10-second
// WhatsApp-like voice note (real Ogg/Opus from espeak-ng + ffmpeg): load the message, resolve
// and download the media from the fake Graph API, check its SHA-256, store it for the owner,
// convert it to WAV when the backend needs it, build the multipart upload, send it to a local
// fake STT server, record the transcript and answer the guest through the fake Graph API.
//
// overhead-p50-ms and overhead-p95-ms are each note's handler time minus the time spent in
// the HTTP round trip to the STT server (the provider's part): the pipeline's own cost, which
// must stay under 500 ms at p95. child-cpu-ms/op is the CPU of the decoder processes (ffmpeg
// or opusdec) per note. ns/op also counts
// inserting each note's message, which is not part of the pipeline.
func BenchmarkVoiceNotePipelineOverhead(b *testing.B) {
	ctx := context.Background()
	ogg, err := stttest.VoiceNoteLength(ctx,
		"Hola, buenas tardes. Quería saber si tienen disponible la cabaña grande del diez al quince de enero, somos cuatro adultos y dos chicos.",
		10*time.Second)
	if err != nil {
		b.Fatalf("voice note (needs espeak-ng and ffmpeg): %v", err)
	}
	if d, err := stt.ProbeDuration(ogg); err != nil || d != 10*time.Second {
		b.Fatalf("note lasts %v (%v), want 10 s", d, err)
	}
	s := storetest.NewStore(b)
	graph := whatsapptest.NewServer(whatsapptest.Options{})
	b.Cleanup(graph.Close)
	const mediaID = "bench-media"
	graph.AddMedia(mediaID, "audio/ogg; codecs=opus", ogg)

	for i, tc := range []struct {
		name     string
		style    stttest.Style
		needsWAV bool // the STT client converts with ffmpeg
		opusdec  bool // the handler decodes with opusdec first
	}{
		{"openai-ogg", stttest.StyleOpenAI, false, false},
		{"whispercpp-wav-ffmpeg", stttest.StyleWhisperCpp, true, false},
		{"whispercpp-wav-opusdec", stttest.StyleWhisperCpp, true, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			fake := stttest.New(stttest.Options{Style: tc.style, Transcript: "hola"})
			defer fake.Close()
			clock := &sttClock{}
			d := &handlers.Deps{
				Config: handlers.Config{BusinessTZ: time.UTC, HoldMinutes: 30},
				Store:  s, Log: zerolog.Nop(), Metrics: handlers.NewMetrics(prometheus.NewRegistry()),
				WhatsApp: whatsapp.NewClient(whatsapp.Config{
					BaseURL: graph.URL(), PhoneNumberID: graph.PhoneNumberID(), Token: graph.Token(),
				}, &http.Client{Timeout: 10 * time.Second}),
				STT: stt.NewClient(stt.Config{BaseURL: fake.URL, NeedsWAV: tc.needsWAV},
					&http.Client{Timeout: 30 * time.Second, Transport: clock}),
				STTNeedsWAV: tc.opusdec,
			}
			guest := "5491160000" + strconv.Itoa(10+i)

			var before, after syscall.Rusage
			if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &before); err != nil {
				b.Fatal(err)
			}
			var overheads []time.Duration
			var sttTotal time.Duration
			n := 0
			for b.Loop() {
				n++
				wamid := whatsapptest.InboundWAMID(guest)
				if _, err := s.InsertInbound(ctx, store.Inbound{
					Wamid: wamid, WaID: guest, Type: "audio", MediaID: mediaID, SentAt: time.Now(), ReceivedAt: time.Now(),
					AwaitingTranscript: true,
					Raw:                []byte(`{"type":"audio","audio":{"id":"` + mediaID + `","mime_type":"audio/ogg; codecs=opus","voice":true}}`),
				}); err != nil {
					b.Fatal(err)
				}
				task, err := tasks.NewAudioTranscribe(tasks.AudioTranscribe{Wamid: wamid})
				if err != nil {
					b.Fatal(err)
				}
				sttBefore := clock.spent.Load()
				start := time.Now()
				if err := d.HandleAudioTranscribe(ctx, task); err != nil {
					b.Fatal(err)
				}
				took := time.Since(start)
				inSTT := time.Duration(clock.spent.Load() - sttBefore)
				sttTotal += inSTT
				overheads = append(overheads, took-inSTT)
			}
			if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &after); err != nil {
				b.Fatal(err)
			}
			// Every note was heard and answered.
			if reqs := fake.Requests(); len(reqs) != n || reqs[len(reqs)-1].Status != http.StatusOK {
				b.Fatalf("STT saw %d requests for %d notes", len(reqs), n)
			}
			slices.Sort(overheads)
			pct := func(p float64) float64 {
				return overheads[int(math.Ceil(p*float64(len(overheads))))-1].Seconds() * 1000
			}
			b.ReportMetric(pct(0.50), "overhead-p50-ms")
			b.ReportMetric(pct(0.95), "overhead-p95-ms")
			b.ReportMetric(sttTotal.Seconds()*1000/float64(n), "stt-rtt-ms/op")
			cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
			b.ReportMetric(cpu.Seconds()*1000/float64(n), "child-cpu-ms/op")
		})
	}
}
