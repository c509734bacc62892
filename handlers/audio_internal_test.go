package handlers

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"os/exec"
	"testing"
	"time"

	"github.com/reservas/reservas/handlers/stt"
	"github.com/reservas/reservas/handlers/stt/stttest"
)

// rms is the loudness of 16-bit PCM samples (0..1).
func rms(pcm []byte) float64 {
	var sum float64
	n := len(pcm) / 2
	for i := range n {
		v := float64(int16(binary.LittleEndian.Uint16(pcm[2*i:]))) / 32768
		sum += v * v
	}
	return math.Sqrt(sum / float64(n))
}

// opusdec's WAV is what whisper.cpp wants, as long as the note and as loud as ffmpeg's.
func TestOpusToWAV(t *testing.T) {
	if _, err := exec.LookPath("opusdec"); err != nil {
		t.Fatal("opusdec (apt-get install opus-tools) is needed for the fast WAV path")
	}
	ctx := context.Background()
	ogg, err := stttest.VoiceNoteLength(ctx, "Hola, quería reservar la cabaña del doce al quince.", 4*time.Second)
	if err != nil {
		t.Fatalf("voice note (needs espeak-ng and ffmpeg): %v", err)
	}
	wav, err := opusToWAV(ctx, ogg)
	if err != nil {
		t.Fatal(err)
	}
	info, err := stt.Inspect(wav)
	if err != nil || !info.IsWhisperWAV() {
		t.Fatalf("opusdec output: %+v, %v", info, err)
	}
	if info.Duration != 4*time.Second {
		t.Fatalf("opusdec output lasts %v, the note 4s", info.Duration)
	}
	ref, err := stt.ConvertToWAV(ctx, ogg)
	if err != nil {
		t.Fatal(err)
	}
	if len(ref) != len(wav) {
		t.Fatalf("ffmpeg made %d bytes, opusdec %d", len(ref), len(wav))
	}
	a, b := rms(wav[wavHeaderSize:]), rms(ref[wavHeaderSize:])
	if a < 0.01 || math.Abs(a-b) > 0.1*b {
		t.Fatalf("loudness: opusdec %.4f, ffmpeg %.4f", a, b)
	}
}

func TestOpusToWAVLeavesOtherAudioToFFmpeg(t *testing.T) {
	ctx := context.Background()
	ogg, err := stttest.VoiceNote(ctx, "hola")
	if err != nil {
		t.Fatalf("voice note (needs espeak-ng and ffmpeg): %v", err)
	}
	wav, err := stt.ConvertToWAV(ctx, ogg)
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string][]byte{
		"wav":     wav,
		"garbage": []byte("this is not audio at all"),
		"cut ogg": ogg[:len(ogg)/2],
	} {
		if _, err := opusToWAV(ctx, in); !errors.Is(err, errNoFastPath) {
			t.Errorf("%s: %v, want errNoFastPath", name, err)
		}
	}
}
