package handlers

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"

	"github.com/reservas/reservas/handlers/stt"
	"github.com/reservas/reservas/handlers/whatsapp"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/tasks"
)

const (
	// MaxVoiceNoteBytes is WhatsApp's own limit for audio (16 MB): larger media is not
	// downloaded (its size and type are still recorded for the owner).
	MaxVoiceNoteBytes = 16 << 20
	// MaxTranscribedDuration is the longest note sent to speech-to-text: ten minutes of 16 kHz
	// mono WAV (32 kB/s) stays under OpenAI's 25 MB upload limit. Longer notes are kept for
	// the owner and the guest is asked to write.
	MaxTranscribedDuration = 10 * time.Minute
	// mediaTimeout bounds resolving and downloading the media.
	mediaTimeout = 30 * time.Second
	// transcribeTimeout bounds one speech-to-text call, conversion and retries included. It
	// leaves room in transcriptWait (message.go) for an asynq retry.
	transcribeTimeout = 45 * time.Second
	// minRetryGap is the shortest wait asynq's default schedule puts before a retry (15 s).
	minRetryGap = 15 * time.Second
)

// Voice-note failure reasons added to stt's Reason* labels (metric and voice_notes.failure_reason).
const (
	reasonTooLarge         = "too_large"         // over MaxVoiceNoteBytes
	reasonTooLong          = "too_long"          // over MaxTranscribedDuration
	reasonMediaExpired     = "media_expired"     // the media URL was refused even after a fresh one
	reasonMediaUnavailable = "media_unavailable" // Graph refused the media id (deleted, bad token...)
	reasonDownload         = "download"          // network, Graph 5xx, checksum mismatch while fetching
)

// voiceFailure is a failed attempt with its metric label and whether retrying can help.
type voiceFailure struct {
	reason    string
	temporary bool
	err       error
}

func (f *voiceFailure) Error() string { return f.reason + ": " + f.err.Error() }
func (f *voiceFailure) Unwrap() error { return f.err }

// HandleAudioTranscribe turns a guest's voice note into text and lets the guest's queue go on
// with it as if it had been typed. The audio is downloaded from WhatsApp (MediaInfo, then the
// short-lived URL with the Bearer token, capped at MaxVoiceNoteBytes, a fresh URL once if the
// first expired), stored for the owner in voice_notes, and sent to the STT backend, which
// converts it to 16 kHz WAV with ffmpeg when the backend needs that.
//
// Temporary failures (network, timeout, 5xx, rate limits) return an error so asynq retries.
// Once retrying cannot help, because the failure is permanent, the task's retries are used up,
// or another retry would come after transcriptWait, the voice note is released with an empty
// transcript and the conversation asks the guest to type instead.
//
// When STT is not configured the message handler does not hold the note (the guest already
// got that request); this task then only keeps the audio for the owner.
func (d *Deps) HandleAudioTranscribe(ctx context.Context, t *asynq.Task) error {
	var p tasks.AudioTranscribe
	if err := tasks.Decode(t, &p); err != nil {
		return err
	}
	in, err := d.Store.GetInbound(ctx, p.Wamid)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("voice note %s: not stored: %w", p.Wamid, asynq.SkipRetry)
	}
	if err != nil {
		return err
	}
	ref := audioRef(in)
	vn, err := d.Store.EnsureVoiceNote(ctx, store.VoiceNote{Wamid: in.Wamid, WaID: in.WaID, MediaID: in.MediaID, Voice: ref.Voice})
	if err != nil {
		return err
	}

	if !in.AwaitingTranscript || in.ProcessedAt != nil {
		return d.keepVoiceNote(ctx, in, vn, ref)
	}
	switch vn.Status {
	case store.VoiceNoteTranscribed: // an earlier attempt got the text but stopped before releasing it
		return d.releaseVoiceNote(ctx, in, vn.Transcript)
	case store.VoiceNoteFailed:
		return d.releaseVoiceNote(ctx, in, "")
	}
	if !d.Transcribes() {
		return d.voiceNoteFailed(ctx, in, &voiceFailure{reason: stt.ReasonNotConfigured, err: stt.ErrNotConfigured})
	}

	// Blue ticks and the typing bubble while we listen (best effort, alongside the download).
	var typing sync.WaitGroup
	if d.WhatsApp != nil {
		typing.Go(func() {
			if err := d.WhatsApp.MarkRead(ctx, in.Wamid, true); err != nil {
				d.Log.Debug().Err(err).Msg("typing indicator failed")
			}
		})
	}
	audio, err := d.voiceNoteAudio(ctx, in, vn, ref)
	typing.Wait()
	if err != nil {
		return d.voiceNoteFailed(ctx, in, err)
	}
	if audio.duration > MaxTranscribedDuration {
		return d.voiceNoteFailed(ctx, in, &voiceFailure{reason: reasonTooLong,
			err: fmt.Errorf("voice note lasts %s, over %s", audio.duration.Round(time.Second), MaxTranscribedDuration)})
	}
	tr, err := d.transcribe(ctx, audio)
	if err != nil {
		return d.voiceNoteFailed(ctx, in, err)
	}
	if err := d.Store.RecordVoiceNoteTranscript(ctx, in.Wamid, tr.Text, tr.Language); err != nil {
		return err
	}
	return d.releaseVoiceNote(ctx, in, tr.Text)
}

// keepVoiceNote stores the audio of a note nobody is waiting to hear (STT not configured, or
// the guest's queue already moved past it) and finishes its record.
func (d *Deps) keepVoiceNote(ctx context.Context, in store.Inbound, vn store.VoiceNote, ref whatsapp.MediaRef) error {
	if vn.Status == store.VoiceNotePending {
		if _, err := d.voiceNoteAudio(ctx, in, vn, ref); err != nil {
			var f *voiceFailure
			if errors.As(err, &f) && f.temporary && !lastAttempt(ctx) {
				return fmt.Errorf("keep voice note: %w", err)
			}
			d.countVoiceFailure(err)
			return d.Store.RecordVoiceNoteFailure(ctx, in.Wamid, failureReason(err), err.Error(), true)
		}
		reason, detail := stt.ReasonNotConfigured, "speech-to-text is not configured (STT_URL)"
		if in.AwaitingTranscript { // the guest's queue stopped waiting for this transcript
			reason, detail = vn.FailureReason, vn.FailureDetail // already counted when it happened
			if reason == "" {
				reason, detail = stt.ReasonTimeout, "the guest's messages went on without this transcript"
			}
		}
		if vn.FailureReason == "" {
			d.countVoiceFailure(&voiceFailure{reason: reason})
		}
		if err := d.Store.RecordVoiceNoteFailure(ctx, in.Wamid, reason, detail, true); err != nil {
			return err
		}
	}
	if in.ProcessedAt == nil && !in.AwaitingTranscript {
		// Our transcript is in but an earlier attempt stopped before the guest's queue moved.
		return d.drain(ctx, in.WaID, in.Wamid)
	}
	return nil
}

// voiceNoteFailed records a failed attempt. It returns an error (asynq retries) while another
// attempt can still help the waiting guest; otherwise it releases the note without text.
func (d *Deps) voiceNoteFailed(ctx context.Context, in store.Inbound, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("transcribe voice note: %w", err) // shutting down: the task comes back
	}
	reason := failureReason(err)
	var f *voiceFailure
	temporary := errors.As(err, &f) && f.temporary
	final := !temporary || lastAttempt(ctx) || d.now().Sub(in.ReceivedAt)+minRetryGap >= transcriptWait
	d.countVoiceFailure(err)
	if recErr := d.Store.RecordVoiceNoteFailure(ctx, in.Wamid, reason, err.Error(), final); recErr != nil {
		return errors.Join(err, recErr)
	}
	ev := d.Log.Warn()
	if reason == stt.ReasonHTTP4xx || reason == reasonMediaUnavailable || reason == stt.ReasonConversion {
		ev = d.Log.Error() // a configuration problem: every voice note will fail the same way
	}
	ev.Str("reason", reason).Bool("final", final).Str("guest", maskPhone(in.WaID)).Err(err).Msg("voice note not transcribed")
	if !final {
		return fmt.Errorf("transcribe voice note: %w", err)
	}
	return d.releaseVoiceNote(ctx, in, "")
}

// releaseVoiceNote sets the note's text ("" asks the guest to type) and answers the guest's
// queue at once instead of waiting for their next message.
func (d *Deps) releaseVoiceNote(ctx context.Context, in store.Inbound, text string) error {
	if err := d.Store.SetTranscript(ctx, in.Wamid, text); err != nil {
		return err
	}
	return d.drain(ctx, in.WaID, in.Wamid)
}

// lastAttempt reports whether asynq will not retry this task again.
func lastAttempt(ctx context.Context) bool {
	n, ok1 := asynq.GetRetryCount(ctx)
	m, ok2 := asynq.GetMaxRetry(ctx)
	return ok1 && ok2 && n >= m
}

func failureReason(err error) string {
	var f *voiceFailure
	if errors.As(err, &f) {
		return f.reason
	}
	return stt.ReasonOf(err)
}

func (d *Deps) countVoiceFailure(err error) {
	if d.Metrics != nil {
		d.Metrics.TranscriptionFailures.WithLabelValues(failureReason(err)).Inc()
	}
}

// audioRef is the audio object of the stored webhook message (mime type, sha256, voice flag).
func audioRef(in store.Inbound) whatsapp.MediaRef {
	ref := whatsapp.MediaRef{ID: in.MediaID}
	if m := whatsapp.DecodeMessage(in.Raw); m.Audio != nil {
		ref = *m.Audio
		if ref.ID == "" {
			ref.ID = in.MediaID
		}
	}
	return ref
}

// voiceAudio is a voice note's bytes, ready for speech-to-text.
type voiceAudio struct {
	data     []byte
	mimeType string
	duration time.Duration
}

// voiceNoteAudio returns the note's audio, stored already or downloaded now (and then stored).
// Failures are *voiceFailure.
func (d *Deps) voiceNoteAudio(ctx context.Context, in store.Inbound, vn store.VoiceNote, ref whatsapp.MediaRef) (voiceAudio, error) {
	if vn.HasAudio {
		return voiceAudio{data: vn.Audio, mimeType: vn.MimeType, duration: vn.Duration}, nil
	}
	if d.WhatsApp == nil {
		return voiceAudio{}, &voiceFailure{reason: reasonMediaUnavailable, err: whatsapp.ErrNotConfigured}
	}
	if ref.ID == "" {
		return voiceAudio{}, &voiceFailure{reason: reasonMediaUnavailable, err: errors.New("audio message without a media id")}
	}
	ctx, cancel := context.WithTimeout(ctx, mediaTimeout)
	defer cancel()
	data, mimeType, size, err := d.downloadMedia(ctx, ref.ID)
	if err != nil {
		var f *voiceFailure
		if errors.As(err, &f) && f.reason == reasonTooLarge {
			// Keep what we know for the owner.
			if recErr := d.Store.SaveVoiceNoteAudio(ctx, in.Wamid, store.VoiceNoteAudio{MimeType: mimeType, Size: size}); recErr != nil {
				return voiceAudio{}, recErr
			}
		}
		return voiceAudio{}, err
	}
	if mimeType == "" {
		mimeType = ref.MimeType
	}
	a := voiceAudio{data: data, mimeType: mimeType}
	if info, err := stt.Inspect(data); err == nil {
		a.duration = info.Duration
	}
	if err := d.Store.SaveVoiceNoteAudio(ctx, in.Wamid, store.VoiceNoteAudio{
		MimeType: mimeType, Size: int64(len(data)), Duration: a.duration, Audio: data,
	}); err != nil {
		return voiceAudio{}, err
	}
	return a, nil
}

// downloadMedia resolves a media id and fetches it, with a fresh URL once if the first one
// expired (Graph answers 404). It returns the MIME type and size even when the media is too
// large to fetch.
func (d *Deps) downloadMedia(ctx context.Context, mediaID string) (data []byte, mimeType string, size int64, err error) {
	for try := 1; ; try++ {
		info, err := d.WhatsApp.MediaInfo(ctx, mediaID)
		d.countProviderCall("whatsapp", "media_info", err)
		if err != nil {
			return nil, "", 0, mediaFailure(err)
		}
		mimeType, size = info.MimeType, info.FileSize
		if size > MaxVoiceNoteBytes {
			return nil, mimeType, size, &voiceFailure{reason: reasonTooLarge,
				err: fmt.Errorf("media is %d bytes, over WhatsApp's %d-byte audio limit", size, MaxVoiceNoteBytes)}
		}
		data, contentType, err := d.WhatsApp.DownloadMedia(ctx, info.URL, MaxVoiceNoteBytes)
		d.countProviderCall("whatsapp", "download_media", err)
		if errors.Is(err, whatsapp.ErrMediaURLExpired) && try == 1 {
			continue
		}
		if err != nil {
			if errors.Is(err, whatsapp.ErrMediaTooLarge) && size <= 0 {
				size = MaxVoiceNoteBytes + 1 // at least
			}
			return nil, mimeType, size, mediaFailure(err)
		}
		if info.SHA256 != "" {
			if err := whatsapp.CheckSHA256(data, info.SHA256); err != nil {
				return nil, mimeType, size, &voiceFailure{reason: reasonDownload, temporary: true, err: err}
			}
		}
		if mimeType == "" {
			mimeType = contentType
		}
		return data, mimeType, int64(len(data)), nil
	}
}

// mediaFailure labels an error of MediaInfo or DownloadMedia.
func mediaFailure(err error) error {
	var apiErr *whatsapp.APIError
	var invalid *whatsapp.ValidationError
	switch {
	case errors.Is(err, whatsapp.ErrMediaTooLarge):
		return &voiceFailure{reason: reasonTooLarge, err: err}
	case errors.Is(err, whatsapp.ErrMediaURLExpired):
		return &voiceFailure{reason: reasonMediaExpired, temporary: true, err: err}
	case errors.As(err, &apiErr):
		if apiErr.Temporary() {
			return &voiceFailure{reason: reasonDownload, temporary: true, err: err}
		}
		return &voiceFailure{reason: reasonMediaUnavailable, err: err}
	case errors.As(err, &invalid), errors.Is(err, whatsapp.ErrNotConfigured):
		return &voiceFailure{reason: reasonMediaUnavailable, err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &voiceFailure{reason: stt.ReasonTimeout, temporary: true, err: err}
	}
	return &voiceFailure{reason: reasonDownload, temporary: true, err: err}
}

// transcribe sends the audio to speech-to-text within transcribeTimeout. Failures are
// *voiceFailure.
func (d *Deps) transcribe(ctx context.Context, a voiceAudio) (stt.Transcript, error) {
	ctx, cancel := context.WithTimeout(ctx, transcribeTimeout)
	defer cancel()
	start := time.Now()
	data, mimeType := a.data, a.mimeType
	if d.STTNeedsWAV {
		if wav, err := opusToWAV(ctx, data); err == nil {
			data, mimeType = wav, "audio/wav"
		} else if !errors.Is(err, errNoFastPath) {
			d.Log.Debug().Err(err).Msg("opusdec failed; the STT client converts with ffmpeg")
		}
	}
	tr, err := d.STT.Transcribe(ctx, data, mimeType)
	took := time.Since(start)
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	if d.Metrics != nil {
		d.Metrics.Transcription.WithLabelValues(outcome).Observe(took.Seconds())
		code := outcome
		if e, ok := errors.AsType[*stt.Error](err); ok {
			code = e.Reason
		}
		d.Metrics.ProviderCalls.WithLabelValues("stt", "transcribe", code).Inc()
	}
	if err != nil {
		reason := stt.ReasonOf(err)
		switch reason {
		case stt.ReasonTimeout, stt.ReasonNetwork, stt.ReasonRateLimited, stt.ReasonHTTP5xx, stt.ReasonCanceled:
			return stt.Transcript{}, &voiceFailure{reason: reason, temporary: true, err: err}
		}
		return stt.Transcript{}, &voiceFailure{reason: reason, err: err}
	}
	return tr, nil
}

// errNoFastPath means opusToWAV does not apply (no opusdec, or not mono Ogg/Opus).
var errNoFastPath = errors.New("no opusdec fast path for this audio")

// opusToWAV decodes mono Ogg/Opus (a WhatsApp voice note) to 16 kHz mono 16-bit PCM WAV, the
// input whisper.cpp wants, with opusdec from opus-tools:
//
//	opusdec --quiet --rate 16000 - -
//
// It costs about a quarter of the CPU of starting ffmpeg for the same note. It returns
// errNoFastPath when opusdec is not installed or the audio is anything else; the STT client
// then converts with ffmpeg as usual.
func opusToWAV(ctx context.Context, ogg []byte) ([]byte, error) {
	info, err := stt.Inspect(ogg)
	if err != nil || info.Codec != "opus" || info.Channels != 1 {
		return nil, errNoFastPath
	}
	bin, err := exec.LookPath("opusdec")
	if err != nil {
		return nil, errNoFastPath
	}
	ctx, cancel := context.WithTimeout(ctx, stt.DefaultConvertTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--quiet", "--rate", strconv.Itoa(stt.WAVSampleRate), "-", "-")
	cmd.Stdin = bytes.NewReader(ogg)
	var out, errOut bytes.Buffer
	out.Grow(wavHeaderSize + int(info.Duration.Seconds()+1)*stt.WAVSampleRate*2)
	out.Write(make([]byte, wavHeaderSize)) // filled in below
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errOut.String())
		if len(msg) > 200 {
			msg = msg[len(msg)-200:]
		}
		return nil, fmt.Errorf("opusdec: %s: %w", msg, err)
	}
	wav := out.Bytes()
	samples := len(wav) - wavHeaderSize
	if samples <= 0 || samples%2 != 0 {
		return nil, fmt.Errorf("opusdec: %d bytes of PCM", samples)
	}
	writeWAVHeader(wav[:wavHeaderSize], samples)
	if got, err := stt.Inspect(wav); err != nil || !got.IsWhisperWAV() {
		return nil, fmt.Errorf("opusdec output is not 16 kHz mono WAV: %+v: %v", got, err)
	}
	return wav, nil
}

const wavHeaderSize = 44

// writeWAVHeader writes a canonical 44-byte header for dataBytes of 16 kHz mono s16le PCM.
func writeWAVHeader(h []byte, dataBytes int) {
	const channels, bits = stt.WAVChannels, stt.WAVBitsPerSample
	copy(h[0:4], "RIFF")
	binary.LittleEndian.PutUint32(h[4:8], uint32(36+dataBytes))
	copy(h[8:16], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:20], 16)
	binary.LittleEndian.PutUint16(h[20:22], 1) // PCM
	binary.LittleEndian.PutUint16(h[22:24], channels)
	binary.LittleEndian.PutUint32(h[24:28], stt.WAVSampleRate)
	binary.LittleEndian.PutUint32(h[28:32], stt.WAVSampleRate*channels*bits/8)
	binary.LittleEndian.PutUint16(h[32:34], channels*bits/8)
	binary.LittleEndian.PutUint16(h[34:36], bits)
	copy(h[36:40], "data")
	binary.LittleEndian.PutUint32(h[40:44], uint32(dataBytes))
}

// HandleAudioPurge drops the audio of voice notes older than Config.AudioRetention (their
// transcripts stay): a guest's voice is personal data the owner needs only for a while.
func (d *Deps) HandleAudioPurge(ctx context.Context, _ *asynq.Task) error {
	if d.Config.AudioRetention <= 0 {
		return nil
	}
	n, err := d.Store.PurgeVoiceNoteAudio(ctx, d.now().Add(-d.Config.AudioRetention))
	if n > 0 {
		d.Log.Info().Int64("voice_notes", n).Dur("retention", d.Config.AudioRetention).Msg("voice note audio purged")
	}
	return err
}
