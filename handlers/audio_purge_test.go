package handlers_test

import (
	"context"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/reservas/reservas/handlers"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/store/storetest"
	"github.com/reservas/reservas/tasks"
)

func TestAudioPurgeDropsOldAudioOnly(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewStore(t)
	now := time.Now()
	for i, w := range []string{"wamid.p.old", "wamid.p.new"} {
		sent := now.Add(-time.Duration(1-i) * 40 * 24 * time.Hour) // 40 days ago, then now
		if _, err := s.InsertInbound(ctx, store.Inbound{Wamid: w, WaID: "5491100000002", Type: "audio", MediaID: "m", SentAt: sent, ReceivedAt: sent}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.EnsureVoiceNote(ctx, store.VoiceNote{Wamid: w, WaID: "5491100000002", MediaID: "m"}); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveVoiceNoteAudio(ctx, w, store.VoiceNoteAudio{MimeType: "audio/ogg", Audio: []byte("OggS")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Pool.Exec(ctx, `UPDATE voice_notes SET created_at = now() - interval '40 days' WHERE wamid = 'wamid.p.old'`); err != nil {
		t.Fatal(err)
	}
	task := asynq.NewTask(tasks.TypeAudioPurge, nil)

	keep := &handlers.Deps{Store: s, Log: zerolog.Nop()} // AUDIO_RETENTION_DAYS=0
	if err := keep.HandleAudioPurge(ctx, task); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.GetVoiceNote(ctx, "wamid.p.old"); !v.HasAudio {
		t.Fatal("retention 0 (keep) purged audio")
	}

	d := &handlers.Deps{Store: s, Log: zerolog.Nop(), Config: handlers.Config{AudioRetention: 30 * 24 * time.Hour}}
	if err := d.HandleAudioPurge(ctx, task); err != nil {
		t.Fatal(err)
	}
	old, _ := s.GetVoiceNote(ctx, "wamid.p.old")
	recent, _ := s.GetVoiceNote(ctx, "wamid.p.new")
	if old.HasAudio || old.AudioPurgedAt == nil || !recent.HasAudio {
		t.Fatalf("after a 30-day purge: old has audio %v (purged at %v), recent has audio %v; want false, set, true",
			old.HasAudio, old.AudioPurgedAt, recent.HasAudio)
	}
}
