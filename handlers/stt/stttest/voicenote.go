package stttest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// VoiceNote makes a real voice note: espeak-ng (voice "es") speaks text to
// WAV, and ffmpeg encodes it the way WhatsApp sends voice notes, mono Opus in
// Ogg at 48 kHz and about 16 kbit/s, tuned for speech:
//
//	espeak-ng -v es --stdin --stdout | ffmpeg -i pipe:0 -c:a libopus -b:a 16k -ac 1 -ar 48000 -application voip -f ogg pipe:1
//
// It needs espeak-ng and ffmpeg (with libopus) on PATH.
func VoiceNote(ctx context.Context, text string) ([]byte, error) {
	return VoiceNoteLength(ctx, text, 0)
}

// VoiceNoteLength is [VoiceNote] padded with silence, or cut, to exactly
// length (when length > 0). Benchmarks use it for notes of a known duration.
func VoiceNoteLength(ctx context.Context, text string, length time.Duration) ([]byte, error) {
	if strings.TrimSpace(text) == "" {
		return nil, fmt.Errorf("stttest: voice note needs some text")
	}
	wav, err := run(ctx, strings.NewReader(text), "espeak-ng", "-v", "es", "--stdin", "--stdout")
	if err != nil {
		return nil, err
	}
	args := []string{"-hide_banner", "-loglevel", "error", "-nostats", "-i", "pipe:0"}
	if length > 0 {
		secs := strconv.FormatFloat(length.Seconds(), 'f', 3, 64)
		args = append(args, "-af", "apad=whole_dur="+secs, "-t", secs)
	}
	args = append(args, "-c:a", "libopus", "-b:a", "16k", "-ac", "1", "-ar", "48000",
		"-application", "voip", "-f", "ogg", "pipe:1")
	return run(ctx, bytes.NewReader(wav), "ffmpeg", args...)
}

func run(ctx context.Context, stdin io.Reader, name string, args ...string) ([]byte, error) {
	bin, err := exec.LookPath(name)
	if err != nil {
		return nil, fmt.Errorf("stttest: %s is needed to make voice notes (apt-get install espeak-ng ffmpeg): %w", name, err)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = stdin
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("stttest: %s: %s: %w", name, strings.TrimSpace(errOut.String()), err)
	}
	if out.Len() == 0 {
		return nil, fmt.Errorf("stttest: %s produced nothing", name)
	}
	return out.Bytes(), nil
}
