package stt_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reservas/reservas/handlers/stt/stttest"
)

const phrase = "Hola, quiero reservar la cabaña del diez al quince de enero para cuatro personas."

func voiceNote(tb testing.TB, text string) []byte {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ogg, err := stttest.VoiceNote(ctx, text)
	if err != nil {
		tb.Fatalf("making voice note (needs espeak-ng and ffmpeg): %v", err)
	}
	return ogg
}

// ffmpegEncode runs ffmpeg over in with the given output arguments, for test
// inputs in other formats.
func ffmpegEncode(tb testing.TB, in []byte, outArgs ...string) []byte {
	tb.Helper()
	args := append([]string{"-hide_banner", "-loglevel", "error", "-i", "pipe:0"}, outArgs...)
	cmd := exec.Command("ffmpeg", args...)
	cmd.Stdin = bytes.NewReader(in)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		tb.Fatalf("ffmpeg %v: %v: %s", outArgs, err, errOut.String())
	}
	return out.Bytes()
}

// ffmpegFile encodes in into the file out (seekable output) and returns its bytes.
func ffmpegFile(tb testing.TB, in []byte, out string, args ...string) []byte {
	tb.Helper()
	all := append(append([]string{"-hide_banner", "-loglevel", "error", "-i", "pipe:0"}, args...), out)
	cmd := exec.Command("ffmpeg", all...)
	cmd.Stdin = bytes.NewReader(in)
	if msg, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("ffmpeg %v: %v: %s", args, err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// ffprobeDuration asks ffprobe, an independent reader, how long the audio is.
func ffprobeDuration(tb testing.TB, data []byte) time.Duration {
	tb.Helper()
	f := filepath.Join(tb.TempDir(), "probe")
	if err := os.WriteFile(f, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration",
		"-of", "default=noprint_wrappers=1:nokey=1", f).Output()
	if err != nil {
		tb.Fatalf("ffprobe: %v", err)
	}
	secs, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		tb.Fatalf("ffprobe duration %q: %v", out, err)
	}
	return time.Duration(secs * float64(time.Second))
}

// rmsDBFS is the loudness of the 16-bit samples after a 44-byte header.
func rmsDBFS(wav []byte) float64 {
	pcm := wav[44:]
	var sum float64
	n := len(pcm) / 2
	for i := range n {
		v := float64(int16(binary.LittleEndian.Uint16(pcm[2*i:]))) / 32768
		sum += v * v
	}
	return 20 * math.Log10(math.Sqrt(sum/float64(n)))
}

func near(a, b, tol time.Duration) bool {
	d := a - b
	return d <= tol && d >= -tol
}
