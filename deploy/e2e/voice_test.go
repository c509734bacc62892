package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/reservas/reservas/deploy/e2e"
	"github.com/reservas/reservas/handlers/stt/stttest"
)

// A voice note (a real Ogg/Opus note, fetched from the Graph media host by the worker and sent
// to the speech-to-text provider) is answered exactly like the same words typed.
func TestVoiceNoteAnsweredLikeTypedText(t *testing.T) {
	in, out := e2e.FutureStay(50, 4)
	said := fmt.Sprintf("Hola, ¿tienen lugar %s para 2 personas?", e2e.StayES(in, out))
	sys := e2e.Start(t, e2e.Options{Transcript: said})
	ctx := context.Background()

	audio, err := stttest.VoiceNote(ctx, said)
	if err != nil {
		t.Fatalf("make a voice note: %v", err)
	}
	speaker := sys.Guest("5491155505555", "Paula")
	var wamid string
	spoken := speaker.Turn(t, func() string { wamid = speaker.Voice(t, audio); return wamid })
	reqs := sys.STT.Requests()
	if len(reqs) == 0 || reqs[len(reqs)-1].Status != http.StatusOK {
		t.Fatalf("the voice note did not reach the speech-to-text provider: %+v", reqs)
	}
	if sys.Graph.MediaRequestCount() == 0 {
		t.Fatalf("the worker did not download the note from the media host")
	}

	writer := sys.Guest("5491155506666", "Paula")
	typed := writer.Say(t, said)
	spokenRows := e2e.RowIDs(e2e.Find(t, spoken, "list", ""))
	typedRows := e2e.RowIDs(e2e.Find(t, typed, "list", ""))
	if len(spokenRows) == 0 || !slices.Equal(spokenRows, typedRows) {
		t.Fatalf("the voice note got other cabins than the typed words:\nspoken %v\ntyped  %v", spokenRows, typedRows)
	}

	vs, err := sys.ReplyViolations(ctx, []string{wamid})
	e2e.RequireNoViolations(t, vs, err)
}
