package stt

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// DefaultConvertTimeout bounds one ffmpeg run when the caller's context has
// no earlier deadline.
const DefaultConvertTimeout = 30 * time.Second

// ErrFFmpegMissing is wrapped when no ffmpeg binary is on PATH.
var ErrFFmpegMissing = errors.New("stt: ffmpeg not found on PATH")

// ConvertToWAV decodes any audio ffmpeg understands (WhatsApp's Ogg/Opus
// voice notes, AAC, AMR, MP3, M4A...) into 16 kHz mono 16-bit PCM WAV with a
// plain 44-byte header whose sizes are correct. It runs
//
//	ffmpeg -i pipe:0 -ar 16000 -ac 1 -c:a pcm_s16le -f wav pipe:1
//
// (MP4/M4A input goes through a temporary file instead, because its index
// may sit at the end where a pipe cannot seek). The run is bounded by ctx and
// by [DefaultConvertTimeout]. Invalid input yields an error that includes
// ffmpeg's own last message line.
func ConvertToWAV(ctx context.Context, data []byte) ([]byte, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrInvalidAudio)
	}
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFFmpegMissing, err)
	}
	ctx, cancel := context.WithTimeout(ctx, DefaultConvertTimeout)
	defer cancel()

	input := "pipe:0"
	var stdin *bytes.Reader
	if Sniff(data) == FormatMP4 {
		f, err := os.CreateTemp("", "stt-*.m4a")
		if err != nil {
			return nil, fmt.Errorf("stt: temp file for conversion: %w", err)
		}
		defer os.Remove(f.Name())
		if _, err := f.Write(data); err != nil {
			f.Close()
			return nil, fmt.Errorf("stt: write temp file for conversion: %w", err)
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("stt: close temp file for conversion: %w", err)
		}
		input = f.Name()
	} else {
		stdin = bytes.NewReader(data)
	}

	cmd := exec.CommandContext(ctx, ffmpeg,
		"-hide_banner", "-loglevel", "error", "-nostats",
		"-i", input,
		"-vn", "-ar", "16000", "-ac", "1", "-c:a", "pcm_s16le",
		// No LIST/INFO chunk: a plain 44-byte header.
		"-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact",
		"-f", "wav", "pipe:1")
	if stdin != nil {
		cmd.Stdin = stdin
	}
	var stdout bytes.Buffer
	stdout.Grow(min(len(data)*16, 32<<20)) // ~16 kbit/s Opus becomes 256 kbit/s PCM
	stderr := &tailBuffer{max: 4096}
	cmd.Stdout = &stdout
	cmd.Stderr = stderr
	cmd.WaitDelay = 2 * time.Second

	if err := cmd.Run(); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("stt: ffmpeg conversion: %w", ctxErr)
		}
		msg := lastLine(stderr.String())
		if msg == "" {
			msg = "no diagnostic"
		}
		return nil, fmt.Errorf("%w: ffmpeg could not convert %d bytes of %s input: %s: %w",
			ErrInvalidAudio, len(data), formatName(Sniff(data)), msg, err)
	}
	wav := stdout.Bytes()
	if err := fixWAVSizes(wav); err != nil {
		return nil, err
	}
	if len(wav) == wavHeaderSize {
		return nil, fmt.Errorf("%w: ffmpeg produced no samples from %d bytes of %s input",
			ErrInvalidAudio, len(data), formatName(Sniff(data)))
	}
	return wav, nil
}

// fixWAVSizes writes the RIFF and data sizes that ffmpeg cannot fill in when
// its output is a pipe (it leaves 0xFFFFFFFF). whisper.cpp's WAV reader
// trusts them.
func fixWAVSizes(wav []byte) error {
	if len(wav) < wavHeaderSize || string(wav[0:4]) != "RIFF" || string(wav[8:12]) != "WAVE" ||
		string(wav[12:16]) != "fmt " || string(wav[36:40]) != "data" {
		return fmt.Errorf("stt: ffmpeg output (%d bytes) is not a plain 44-byte-header WAV", len(wav))
	}
	if odd := (len(wav) - wavHeaderSize) % 2; odd != 0 {
		return fmt.Errorf("stt: ffmpeg output has a partial sample")
	}
	binary.LittleEndian.PutUint32(wav[4:8], uint32(len(wav)-8))
	binary.LittleEndian.PutUint32(wav[40:44], uint32(len(wav)-wavHeaderSize))
	return nil
}

func formatName(f Format) string {
	if f == FormatUnknown {
		return "unrecognised"
	}
	return string(f)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = t.buf[over:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.buf) }
