package main

import (
	"testing"

	"github.com/reservas/reservas/tasks"
)

func TestAudioPurgeIsScheduledOnlyWithARetention(t *testing.T) {
	has := func(cfg config) bool {
		for _, j := range periodicJobs(cfg) {
			if j.Type == tasks.TypeAudioPurge {
				return true
			}
		}
		return false
	}
	if !has(config{ICalSyncMinutes: 5, AudioRetentionDays: 90}) {
		t.Fatal("AUDIO_RETENTION_DAYS=90: audio:purge not scheduled")
	}
	if has(config{ICalSyncMinutes: 5, AudioRetentionDays: 0}) {
		t.Fatal("AUDIO_RETENTION_DAYS=0 (keep): audio:purge scheduled anyway")
	}
}
