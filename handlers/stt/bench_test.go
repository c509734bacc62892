package stt_test

import (
	"context"
	"math"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/reservas/reservas/handlers/stt"
	"github.com/reservas/reservas/handlers/stt/stttest"
)

// tenSecondNote is a real 10-second WhatsApp-like voice note (speech padded
// with silence).
func tenSecondNote(b *testing.B) []byte {
	b.Helper()
	ogg, err := stttest.VoiceNoteLength(context.Background(),
		"Hola, buenas tardes. Quería saber si tienen disponible la cabaña grande del diez al quince de enero, somos cuatro adultos y dos chicos.",
		10*time.Second)
	if err != nil {
		b.Fatalf("voice note (needs espeak-ng and ffmpeg): %v", err)
	}
	if d, err := stt.ProbeDuration(ogg); err != nil || d != 10*time.Second {
		b.Fatalf("note lasts %v (%v), want 10s", d, err)
	}
	return ogg
}

// loop runs op under b.Loop and reports, besides ns/op: wall ms/op, the
// p95 of the per-op wall times (the pipeline's budget is a p95), and the CPU
// time of child processes (ffmpeg) per op, which unlike wall time does not
// grow when other work loads the machine.
func loop(b *testing.B, op func() error) {
	b.Helper()
	var before, after syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &before); err != nil {
		b.Fatal(err)
	}
	var times []time.Duration
	for b.Loop() {
		start := time.Now()
		if err := op(); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &after); err != nil {
		b.Fatal(err)
	}
	slices.Sort(times)
	var total time.Duration
	for _, d := range times {
		total += d
	}
	n := float64(len(times))
	b.ReportMetric(total.Seconds()*1000/n, "ms/op")
	b.ReportMetric(times[int(math.Ceil(0.95*n))-1].Seconds()*1000, "p95-ms")
	cpu := time.Duration(after.Utime.Nano()+after.Stime.Nano()-before.Utime.Nano()-before.Stime.Nano()) * time.Nanosecond
	b.ReportMetric(cpu.Seconds()*1000/n, "child-cpu-ms/op")
}

// BenchmarkConvertToWAV: ffmpeg turning a 10-second Ogg/Opus voice note into
// 16 kHz mono WAV, the main cost the pipeline adds for a whisper.cpp backend.
func BenchmarkConvertToWAV(b *testing.B) {
	ogg := tenSecondNote(b)
	ctx := context.Background()
	loop(b, func() error {
		_, err := stt.ConvertToWAV(ctx, ogg)
		return err
	})
}

// BenchmarkTranscribeOverhead: the client's whole path for a 10-second note
// against the local fake (inspection, conversion when asked, multipart,
// HTTP, parsing), that is the overhead around the provider's own time.
func BenchmarkTranscribeOverhead(b *testing.B) {
	ogg := tenSecondNote(b)
	for _, tc := range []struct {
		name     string
		style    stttest.Style
		needsWAV bool
	}{
		{"openai-ogg", stttest.StyleOpenAI, false},
		{"whispercpp-wav", stttest.StyleWhisperCpp, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			fake := stttest.New(stttest.Options{Style: tc.style, Transcript: "hola"})
			defer fake.Close()
			c := stt.NewClient(stt.Config{BaseURL: fake.URL, NeedsWAV: tc.needsWAV}, nil)
			ctx := context.Background()
			loop(b, func() error {
				_, err := c.Transcribe(ctx, ogg, "audio/ogg; codecs=opus")
				return err
			})
		})
	}
}

func BenchmarkInspectOgg(b *testing.B) {
	ogg := tenSecondNote(b)
	b.SetBytes(int64(len(ogg)))
	for b.Loop() {
		if _, err := stt.Inspect(ogg); err != nil {
			b.Fatal(err)
		}
	}
}
