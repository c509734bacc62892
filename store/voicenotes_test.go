package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/store/storetest"
)

func insertVoiceMessage(t *testing.T, s *store.Store, wamid, waID string, at time.Time) {
	t.Helper()
	if _, err := s.InsertInbound(context.Background(), store.Inbound{
		Wamid: wamid, WaID: waID, ProfileName: "Ana", Type: "audio", MediaID: "m-" + wamid, SentAt: at, ReceivedAt: at,
		AwaitingTranscript: true,
	}); err != nil {
		t.Fatal(err)
	}
}

func TestVoiceNoteLifecycle(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewStore(t)
	now := time.Now().Truncate(time.Second)
	insertVoiceMessage(t, s, "wamid.v1", "5491100000001", now)

	if _, err := s.GetVoiceNote(ctx, "wamid.v1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("before EnsureVoiceNote: %v, want ErrNotFound", err)
	}
	v, err := s.EnsureVoiceNote(ctx, store.VoiceNote{Wamid: "wamid.v1", WaID: "5491100000001", MediaID: "m-wamid.v1", Voice: true})
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != store.VoiceNotePending || v.HasAudio || v.Audio != nil || !v.Voice || v.ProfileName != "Ana" || !v.SentAt.Equal(now) {
		t.Fatalf("new voice note: %+v", v)
	}
	// A voice note for a message that was never stored is refused.
	if _, err := s.EnsureVoiceNote(ctx, store.VoiceNote{Wamid: "wamid.none", WaID: "x", MediaID: "m"}); err == nil {
		t.Fatal("voice note without its message was accepted")
	}

	audio := []byte("OggS fake audio bytes")
	if err := s.SaveVoiceNoteAudio(ctx, "wamid.v1", store.VoiceNoteAudio{MimeType: "audio/ogg; codecs=opus", Duration: 3210 * time.Millisecond, Audio: audio}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordVoiceNoteFailure(ctx, "wamid.v1", "http_5xx", "stt: http_5xx (HTTP 503)", false); err != nil {
		t.Fatal(err)
	}
	// EnsureVoiceNote on a redelivery returns what is stored, audio included.
	v, err = s.EnsureVoiceNote(ctx, store.VoiceNote{Wamid: "wamid.v1", WaID: "5491100000001", MediaID: "other"})
	if err != nil {
		t.Fatal(err)
	}
	if v.MediaID != "m-wamid.v1" || !v.HasAudio || !bytes.Equal(v.Audio, audio) || v.Size != int64(len(audio)) ||
		v.Duration != 3210*time.Millisecond || v.Status != store.VoiceNotePending || v.FailureReason != "http_5xx" || v.Attempts != 1 {
		t.Fatalf("after a failed attempt: %+v", v)
	}
	if err := s.RecordVoiceNoteTranscript(ctx, "wamid.v1", "del 12 al 15", "es"); err != nil {
		t.Fatal(err)
	}
	// A late failure never overwrites a transcript.
	if err := s.RecordVoiceNoteFailure(ctx, "wamid.v1", "timeout", "late", true); err != nil {
		t.Fatal(err)
	}
	v, err = s.GetVoiceNote(ctx, "wamid.v1")
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != store.VoiceNoteTranscribed || v.Transcript != "del 12 al 15" || v.Language != "es" || v.FailureReason != "" || v.Attempts != 2 {
		t.Fatalf("transcribed: %+v", v)
	}
	if err := s.SaveVoiceNoteAudio(ctx, "wamid.none", store.VoiceNoteAudio{Size: 1}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("saving audio of an unknown note: %v", err)
	}
}

func TestListVoiceNotes(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewStore(t)
	base := time.Now().Add(-time.Hour)
	for i, n := range []struct{ wamid, waID string }{
		{"wamid.a1", "5491100000011"}, {"wamid.b1", "5491100000022"}, {"wamid.a2", "5491100000011"},
	} {
		insertVoiceMessage(t, s, n.wamid, n.waID, base.Add(time.Duration(i)*time.Minute))
		if _, err := s.EnsureVoiceNote(ctx, store.VoiceNote{Wamid: n.wamid, WaID: n.waID, MediaID: "m"}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // distinct created_at
	}
	// Too large: size and type known, no bytes.
	if err := s.SaveVoiceNoteAudio(ctx, "wamid.b1", store.VoiceNoteAudio{MimeType: "audio/ogg", Size: 20 << 20}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordVoiceNoteFailure(ctx, "wamid.b1", "too_large", "media is 20971520 bytes", true); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveVoiceNoteAudio(ctx, "wamid.a2", store.VoiceNoteAudio{MimeType: "audio/ogg", Audio: []byte("OggS")}); err != nil {
		t.Fatal(err)
	}

	all, err := s.ListVoiceNotes(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := wamids(all); len(got) != 3 || got[0] != "wamid.a2" || got[1] != "wamid.b1" || got[2] != "wamid.a1" {
		t.Fatalf("all, newest first: %v", got)
	}
	for _, v := range all {
		if v.Audio != nil {
			t.Fatalf("ListVoiceNotes returned audio bytes for %s", v.Wamid)
		}
	}
	if !all[0].HasAudio || all[1].HasAudio || all[1].Size != 20<<20 || all[1].Status != store.VoiceNoteFailed || all[1].FailureReason != "too_large" {
		t.Fatalf("list entries: %+v / %+v", all[0], all[1])
	}
	one, err := s.ListVoiceNotes(ctx, "5491100000011", 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := wamids(one); len(got) != 1 || got[0] != "wamid.a2" {
		t.Fatalf("one guest, limit 1: %v", got)
	}
}

func wamids(vs []store.VoiceNote) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Wamid
	}
	return out
}

func TestPurgeVoiceNoteAudioKeepsTranscriptsAndRecentAudio(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewStore(t)
	now := time.Now()
	for _, w := range []string{"wamid.old", "wamid.new"} {
		insertVoiceMessage(t, s, w, "5491100000001", now)
		if _, err := s.EnsureVoiceNote(ctx, store.VoiceNote{Wamid: w, WaID: "5491100000001", MediaID: "m-" + w, Voice: true}); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveVoiceNoteAudio(ctx, w, store.VoiceNoteAudio{MimeType: "audio/ogg", Audio: []byte("OggS " + w)}); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordVoiceNoteTranscript(ctx, w, "somos 4", "es"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Pool.Exec(ctx, `UPDATE voice_notes SET created_at = now() - interval '91 days' WHERE wamid = 'wamid.old'`); err != nil {
		t.Fatal(err)
	}
	n, err := s.PurgeVoiceNoteAudio(ctx, now.Add(-90*24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("purge = %d, %v; want 1 (only the 91-day-old note)", n, err)
	}
	old, err := s.GetVoiceNote(ctx, "wamid.old")
	if err != nil {
		t.Fatal(err)
	}
	if old.HasAudio || old.Audio != nil || old.AudioPurgedAt == nil || old.Transcript != "somos 4" || old.Size == 0 {
		t.Fatalf("purged note: %+v (want no audio, a purge time, transcript and size kept)", old)
	}
	recent, err := s.GetVoiceNote(ctx, "wamid.new")
	if err != nil {
		t.Fatal(err)
	}
	if !recent.HasAudio || string(recent.Audio) != "OggS wamid.new" || recent.AudioPurgedAt != nil {
		t.Fatalf("recent note lost its audio: %+v", recent)
	}
	if n, err := s.PurgeVoiceNoteAudio(ctx, now.Add(-90*24*time.Hour)); err != nil || n != 0 {
		t.Fatalf("second purge = %d, %v; want 0", n, err)
	}
}
