package stt_test

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/reservas/reservas/handlers/stt"
	"github.com/reservas/reservas/handlers/stt/stttest"
)

func TestVoiceNoteIsWhatsAppOggOpus(t *testing.T) {
	ogg := voiceNote(t, phrase)

	info, err := stt.Inspect(ogg)
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	if info.Format != stt.FormatOgg || info.Codec != "opus" || info.SampleRate != 48000 || info.Channels != 1 {
		t.Fatalf("got %+v, want mono 48 kHz Ogg/Opus", info)
	}
	// espeak-ng needs a few seconds for the phrase; a bitrate near 16 kbit/s.
	if info.Duration < 2*time.Second || info.Duration > 15*time.Second {
		t.Fatalf("duration %v is not plausible for the phrase", info.Duration)
	}
	if kbps := float64(len(ogg)*8) / info.Duration.Seconds() / 1000; kbps < 8 || kbps > 32 {
		t.Fatalf("bitrate %.1f kbit/s, want about 16", kbps)
	}
	// Our Ogg reader agrees with ffprobe.
	if probe := ffprobeDuration(t, ogg); !near(info.Duration, probe, 30*time.Millisecond) {
		t.Fatalf("Inspect says %v, ffprobe says %v", info.Duration, probe)
	}
}

func TestConvertToWAVRealVoiceNote(t *testing.T) {
	ogg := voiceNote(t, phrase)
	oggDur, err := stt.ProbeDuration(ogg)
	if err != nil {
		t.Fatal(err)
	}

	wav, err := stt.ConvertToWAV(context.Background(), ogg)
	if err != nil {
		t.Fatalf("ConvertToWAV: %v", err)
	}
	info, err := stt.Inspect(wav)
	if err != nil {
		t.Fatalf("Inspect(wav): %v", err)
	}
	if !info.IsWhisperWAV() || info.BitsPerSample != 16 {
		t.Fatalf("got %+v, want 16 kHz mono 16-bit PCM", info)
	}
	if !near(info.Duration, oggDur, 30*time.Millisecond) {
		t.Fatalf("WAV lasts %v, the note %v", info.Duration, oggDur)
	}
	if probe := ffprobeDuration(t, wav); !near(info.Duration, probe, 5*time.Millisecond) {
		t.Fatalf("Inspect says %v, ffprobe says %v", info.Duration, probe)
	}
	// A plain 44-byte header with true sizes (ffmpeg leaves 0xFFFFFFFF on a pipe).
	if got := string(wav[36:40]); got != "data" {
		t.Fatalf("data chunk at %q, want a 44-byte header", got)
	}
	if got, want := binary.LittleEndian.Uint32(wav[4:8]), uint32(len(wav)-8); got != want {
		t.Fatalf("RIFF size %d, want %d", got, want)
	}
	if got, want := binary.LittleEndian.Uint32(wav[40:44]), uint32(len(wav)-44); got != want {
		t.Fatalf("data size %d, want %d", got, want)
	}
	// It is speech, not silence.
	if db := rmsDBFS(wav); db < -40 {
		t.Fatalf("RMS %.1f dBFS: the converted audio is (nearly) silent", db)
	}
}

func TestConvertToWAVOtherContainers(t *testing.T) {
	ogg := voiceNote(t, "Buenas tardes")
	want, err := stt.ProbeDuration(ogg)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		format stt.Format
		args   []string
	}{
		{"fragmented-m4a", stt.FormatMP4, []string{"-c:a", "aac", "-b:a", "32k", "-f", "mp4", "-movflags", "frag_keyframe+empty_moov", "pipe:1"}},
		{"adts", stt.FormatAAC, []string{"-c:a", "aac", "-b:a", "32k", "-f", "adts", "pipe:1"}},
		{"mp3", stt.FormatMP3, []string{"-c:a", "libmp3lame", "-b:a", "32k", "-f", "mp3", "pipe:1"}},
		{"wav44k-stereo", stt.FormatWAV, []string{"-ar", "44100", "-ac", "2", "-f", "wav", "pipe:1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := ffmpegEncode(t, ogg, tc.args...)
			if got := stt.Sniff(in); got != tc.format {
				t.Fatalf("Sniff = %q, want %q", got, tc.format)
			}
			wav, err := stt.ConvertToWAV(context.Background(), in)
			if err != nil {
				t.Fatalf("ConvertToWAV: %v", err)
			}
			info, err := stt.Inspect(wav)
			if err != nil || !info.IsWhisperWAV() {
				t.Fatalf("got %+v, %v", info, err)
			}
			// Lossy codecs add priming/padding of some tens of milliseconds.
			if !near(info.Duration, want, 150*time.Millisecond) {
				t.Fatalf("duration %v, want about %v", info.Duration, want)
			}
		})
	}
}

func TestConvertToWAVMP4IndexAtEnd(t *testing.T) {
	ogg := voiceNote(t, "Buenas tardes")
	// A real file (not a pipe) so the muxer writes moov after the samples.
	// ConvertToWAV hands such input to ffmpeg as a file; from a pipe ffmpeg
	// copes only while the whole file fits its probe buffer (a few MB).
	dir := t.TempDir()
	m4a := ffmpegFile(t, ogg, dir+"/n.m4a", "-c:a", "aac", "-b:a", "32k")
	if i, j := strings.Index(string(m4a), "moov"), strings.Index(string(m4a), "mdat"); i < j {
		t.Fatalf("moov at %d before mdat at %d: not the case under test", i, j)
	}
	wav, err := stt.ConvertToWAV(context.Background(), m4a)
	if err != nil {
		t.Fatalf("ConvertToWAV: %v", err)
	}
	if info, err := stt.Inspect(wav); err != nil || !info.IsWhisperWAV() || info.Duration < time.Second/2 {
		t.Fatalf("got %+v, %v", info, err)
	}
}

func TestConvertToWAVGarbage(t *testing.T) {
	garbage := make([]byte, 4096)
	if _, err := rand.Read(garbage); err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string][]byte{
		"random":         garbage,
		"text":           []byte("this is not audio at all, just a plain sentence\n"),
		"truncated-ogg":  voiceNote(t, "Hola")[:200],
		"header-only":    []byte("RIFF\x24\x00\x00\x00WAVEfmt "),
		"empty":          nil,
		"html-error-pag": []byte("<html><body>404 Not Found</body></html>"),
	} {
		t.Run(name, func(t *testing.T) {
			wav, err := stt.ConvertToWAV(context.Background(), in)
			if err == nil {
				t.Fatalf("converted %d bytes of garbage into %d bytes of WAV", len(in), len(wav))
			}
			if !errors.Is(err, stt.ErrInvalidAudio) {
				t.Fatalf("error %v does not wrap ErrInvalidAudio", err)
			}
			if len(in) > 0 && !strings.Contains(err.Error(), "ffmpeg") {
				t.Fatalf("error %q does not say that ffmpeg refused the input", err)
			}
		})
	}
}

func TestConvertToWAVRespectsContext(t *testing.T) {
	ogg := voiceNote(t, "Hola")
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	if _, err := stt.ConvertToWAV(ctx, ogg); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
}

func TestInspectRejectsDamagedOgg(t *testing.T) {
	ogg := voiceNote(t, "Hola, ¿tenés lugar?")
	if _, err := stt.Inspect(ogg); err != nil {
		t.Fatalf("intact note: %v", err)
	}
	flipped := append([]byte(nil), ogg...)
	flipped[len(flipped)/2] ^= 0x40
	truncated := ogg[:len(ogg)-7]
	trailing := append(append([]byte(nil), ogg...), "junk"...)
	noOpus := append([]byte(nil), ogg...)
	copy(noOpus[28:36], "NotOpus!") // first packet no longer OpusHead (and the CRC breaks)
	for name, in := range map[string][]byte{
		"bit-flip": flipped, "truncated": truncated, "trailing-junk": trailing, "not-opus": noOpus,
	} {
		if info, err := stt.Inspect(in); !errors.Is(err, stt.ErrInvalidAudio) {
			t.Errorf("%s: Inspect = %+v, %v; want ErrInvalidAudio", name, info, err)
		}
	}
}

func TestInspectWAVHeaders(t *testing.T) {
	ogg := voiceNote(t, "Hola")
	stereo := ffmpegEncode(t, ogg, "-ar", "44100", "-ac", "2", "-f", "wav", "pipe:1")
	info, err := stt.Inspect(stereo)
	if err != nil {
		t.Fatalf("Inspect streamed stereo WAV: %v", err)
	}
	if info.SampleRate != 44100 || info.Channels != 2 || info.Codec != "pcm_s16le" || info.IsWhisperWAV() {
		t.Fatalf("got %+v", info)
	}
	if probe := ffprobeDuration(t, stereo); !near(info.Duration, probe, 5*time.Millisecond) {
		t.Fatalf("Inspect says %v, ffprobe says %v", info.Duration, probe)
	}

	wav, err := stt.ConvertToWAV(context.Background(), ogg)
	if err != nil {
		t.Fatal(err)
	}
	lying := append([]byte(nil), wav...)
	binary.LittleEndian.PutUint32(lying[40:44], uint32(len(wav))) // claims more than present
	badRate := append([]byte(nil), wav...)
	binary.LittleEndian.PutUint32(badRate[28:32], 12345) // byte rate inconsistent with the format
	float := ffmpegEncode(t, ogg, "-c:a", "pcm_f32le", "-ar", "16000", "-ac", "1", "-f", "wav", "pipe:1")
	for name, in := range map[string][]byte{"lying-size": lying, "bad-byte-rate": badRate, "header-only": wav[:44]} {
		if _, err := stt.Inspect(in); !errors.Is(err, stt.ErrInvalidAudio) {
			t.Errorf("%s: err = %v, want ErrInvalidAudio", name, err)
		}
	}
	if info, err := stt.Inspect(float); err != nil || info.Codec != "pcm_f32le" || info.IsWhisperWAV() {
		t.Errorf("float WAV: %+v, %v; want pcm_f32le, not whisper-ready", info, err)
	}
}

func TestProbeDurationOfLengthenedNote(t *testing.T) {
	ctx := context.Background()
	ogg, err := stttest.VoiceNoteLength(ctx, "Hola", 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	d, err := stt.ProbeDuration(ogg)
	if err != nil {
		t.Fatal(err)
	}
	if !near(d, 10*time.Second, 30*time.Millisecond) {
		t.Fatalf("duration %v, want 10s", d)
	}
	if _, err := stt.ProbeDuration([]byte("ID3\x04\x00")); err == nil {
		t.Fatal("ProbeDuration of an MP3 stub: want an error (duration unknown)")
	}
}
