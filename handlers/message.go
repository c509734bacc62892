package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"

	"github.com/reservas/reservas/handlers/whatsapp"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/tasks"
)

// ErrWaitingForEarlier means a guest's earlier message has not been handled yet (it has not
// reached a worker, or another worker is handling the guest); the task is retried shortly so
// the guest's messages are answered one at a time and in the order sent.
var ErrWaitingForEarlier = errors.New("waiting for the guest's earlier message")

const (
	// gapWait is how long a message waits for an earlier one of the same guest that the
	// ingress numbered but no worker has stored yet (its enqueue may have failed for good).
	gapWait = 10 * time.Second
	// transcriptWait is how long later messages wait behind an untranscribed voice note.
	transcriptWait = 2 * time.Minute
)

// Reply is one message the bot sends: text, reply buttons or a list. To overrides the
// recipient (e.g. the owner); empty means the guest who wrote.
type Reply struct {
	To      string
	Text    string
	Buttons *whatsapp.Buttons
	List    *whatsapp.List
}

// Turn is one guest message being handled, with the conversation it belongs to. Responders
// may change Conv (state, language, bot_paused); it is saved with the message marked handled.
type Turn struct {
	Tx   pgx.Tx
	Conv *store.Conversation
	Msg  store.Inbound
	Now  time.Time
}

// Responder decides what the bot answers to a guest's message.
type Responder interface {
	Respond(ctx context.Context, turn Turn) ([]Reply, error)
}

// errOutboundNotRecorded: a status arrived for a message whose send is not recorded yet.
var errOutboundNotRecorded = errors.New("outbound message not recorded yet")

// statusRecordRetries bounds the retries of such a status (100 ms, 200 ms, ... about 1.5 s in all).
const statusRecordRetries = 5

// RetryDelay is the worker's retry schedule: quick for a message waiting on an earlier one,
// asynq's exponential default otherwise.
func RetryDelay(n int, err error, t *asynq.Task) time.Duration {
	if errors.Is(err, ErrWaitingForEarlier) {
		return min(time.Duration(50*(n+1))*time.Millisecond, time.Second)
	}
	if errors.Is(err, errOutboundNotRecorded) {
		return time.Duration(100*(n+1)) * time.Millisecond
	}
	if t.Type() == tasks.TypeWhatsAppMessage {
		// A guest is waiting, and n also counts the quick waiting-for-order retries, so
		// asynq's exponential default would push a message that failed once (a worker
		// killed, Postgres restarting) minutes or hours away. Retry within seconds instead,
		// well inside gapWait, so the guest's later messages do not skip it.
		return min(time.Duration(n%4+1)*time.Second, 3*time.Second)
	}
	if t.Type() == tasks.TypeAudioTranscribe {
		// The guest is waiting behind the voice note: retry soon, give up within transcriptWait.
		return min(time.Duration(2<<min(n, 5))*time.Second, 40*time.Second)
	}
	return asynq.DefaultRetryDelayFunc(n, err, t)
}

// HandleWhatsAppMessage stores a guest's message once and answers the guest's pending messages
// in order. Any worker may answer any message; the conversation row lock makes it one at a time.
func (d *Deps) HandleWhatsAppMessage(ctx context.Context, t *asynq.Task) error {
	var p tasks.WhatsAppMessage
	if err := tasks.Decode(t, &p); err != nil {
		return err
	}
	if len(p.Message) == 0 { // tasks.Decode already checked it is JSON
		return fmt.Errorf("decode whatsapp message: no message: %w", asynq.SkipRetry)
	}
	m := whatsapp.DecodeMessage(p.Message)
	sentAt, err := m.Time()
	if err != nil {
		sentAt = p.ReceivedAt
	}
	// The ingress numbered the message when it queued it; asking again returns that number
	// (or assigns it, should the ingress's call have failed after the enqueue).
	seq, err := tasks.GuestSeq(ctx, d.Redis, p.WaID, p.Wamid)
	if err != nil {
		return fmt.Errorf("message order: %w", err)
	}
	in := store.Inbound{
		Wamid: p.Wamid, WaID: p.WaID, ProfileName: p.ProfileName, Type: m.Type, Body: m.Text,
		ReplyID: m.ReplyID, Seq: seq, SentAt: sentAt, ReceivedAt: p.ReceivedAt, Raw: p.Message,
	}
	if m.Audio != nil {
		in.MediaID = m.Audio.ID
		in.AwaitingTranscript = d.Transcribes()
	}
	if _, err := d.Store.InsertInbound(ctx, in); err != nil {
		return err
	}
	if m.Audio != nil {
		// Every voice note goes to audio:transcribe, which transcribes it when STT is
		// configured and always keeps the audio for the owner. Enqueued on every delivery
		// (the task ID makes repeats no-ops), so a failed enqueue is not lost on retry.
		if err := d.enqueueTranscription(ctx, in.Wamid); err != nil {
			return err
		}
	}
	return d.drain(ctx, p.WaID, p.Wamid)
}

// Transcribes reports whether voice notes go through speech-to-text (STT is configured).
func (d *Deps) Transcribes() bool { return d.STT != nil && d.STT.Configured() }

func (d *Deps) enqueueTranscription(ctx context.Context, wamid string) error {
	task, err := tasks.NewAudioTranscribe(tasks.AudioTranscribe{Wamid: wamid})
	if err != nil {
		return err
	}
	if _, err := d.Queue.EnqueueContext(ctx, task); err != nil &&
		!errors.Is(err, asynq.ErrTaskIDConflict) && !errors.Is(err, asynq.ErrDuplicateTask) {
		return fmt.Errorf("enqueue transcription: %w", err)
	}
	return nil
}

// drain answers the guest's unhandled messages in sequence until none is left or the next one
// must wait. It fails with ErrWaitingForEarlier while the caller's own message is still pending.
func (d *Deps) drain(ctx context.Context, waID, wamid string) error {
	if err := d.Store.EnsureConversation(ctx, waID, ""); err != nil {
		return err
	}
	for range 100 {
		progressed, err := d.handleNext(ctx, waID)
		if err != nil {
			return err
		}
		if !progressed {
			break
		}
	}
	own, err := d.Store.GetInbound(ctx, wamid)
	if err != nil {
		return err
	}
	if own.ProcessedAt == nil {
		return ErrWaitingForEarlier
	}
	return nil
}

// handleNext handles the guest's next message, if it may go now.
func (d *Deps) handleNext(ctx context.Context, waID string) (progressed bool, err error) {
	err = d.Store.InTx(ctx, func(tx pgx.Tx) error {
		conv, err := store.TryLockConversation(ctx, tx, waID)
		if errors.Is(err, store.ErrBusy) {
			return nil // another worker is on this guest and will get to our message
		}
		if err != nil {
			return err
		}
		msg, err := store.NextInbound(ctx, tx, waID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		now := d.now()
		age := time.Since(msg.ReceivedAt)
		if msg.Seq > conv.LastSeq+1 && age < gapWait {
			return nil // an earlier message is still on its way
		}
		if msg.AwaitingTranscript && age < transcriptWait {
			return nil
		}
		if conv.ProfileName == "" {
			conv.ProfileName = msg.ProfileName
		}
		var read sync.WaitGroup
		if d.WhatsApp != nil {
			read.Go(func() {
				if err := d.WhatsApp.MarkRead(ctx, msg.Wamid, true); err != nil {
					d.Log.Debug().Err(err).Msg("mark as read failed")
				}
			})
		}
		replies, err := d.responder().Respond(ctx, Turn{Tx: tx, Conv: &conv, Msg: msg, Now: now})
		read.Wait()
		if err != nil {
			return fmt.Errorf("respond: %w", err)
		}
		if err := d.sendReplies(ctx, msg, replies); err != nil {
			return err
		}
		if err := store.FinishInbound(ctx, tx, msg, conv, now); err != nil {
			return err
		}
		progressed = true
		if d.Metrics != nil && len(replies) > 0 {
			d.Metrics.ReplyLatency.Observe(time.Since(msg.ReceivedAt).Seconds())
		}
		return nil
	})
	return progressed, err
}

func (d *Deps) responder() Responder {
	if d.Responder != nil {
		return d.Responder
	}
	return greeter{}
}

// sendReplies sends each reply once: parts already accepted by WhatsApp (a retried task) are
// skipped. Permanent refusals are recorded and do not block the conversation.
func (d *Deps) sendReplies(ctx context.Context, msg store.Inbound, replies []Reply) error {
	for i, r := range replies {
		sent, err := d.Store.OutboundSent(ctx, msg.Wamid, i)
		if err != nil {
			return err
		}
		if sent {
			continue
		}
		to := r.To
		if to == "" {
			to = msg.WaID
		}
		out := store.Outbound{WaID: to, InReplyTo: msg.Wamid, Part: i}
		wamid, err := d.send(ctx, to, r, &out)
		if err != nil {
			var apiErr *whatsapp.APIError
			if errors.As(err, &apiErr) && !apiErr.Temporary() {
				code := apiErr.Code
				detail := apiErr.Details
				out.Status, out.ErrorCode, out.ErrorDetail = "failed", &code, &detail
				if recErr := d.Store.RecordOutbound(ctx, out); recErr != nil {
					return recErr
				}
				d.Log.Warn().Int("code", code).Str("to", maskPhone(to)).Msg("whatsapp refused a reply")
				if errors.Is(err, whatsapp.ErrOutsideWindow) && to != d.Config.OwnerPhone {
					d.alertOutsideWindow(ctx, to)
				}
				continue
			}
			return fmt.Errorf("send reply: %w", err)
		}
		out.Wamid = wamid
		if err := d.Store.RecordOutbound(ctx, out); err != nil {
			return err
		}
	}
	return nil
}

// send delivers one reply and fills out's kind, body and payload for the record.
func (d *Deps) send(ctx context.Context, to string, r Reply, out *store.Outbound) (string, error) {
	if d.WhatsApp == nil {
		return "", errors.New("whatsapp client not configured")
	}
	var (
		wamid string
		err   error
	)
	switch {
	case r.List != nil:
		out.Kind, out.Body = "list", r.List.Body
		out.Payload, _ = json.Marshal(r.List)
		wamid, err = d.WhatsApp.SendList(ctx, to, *r.List)
	case r.Buttons != nil:
		out.Kind, out.Body = "buttons", r.Buttons.Body
		out.Payload, _ = json.Marshal(r.Buttons)
		wamid, err = d.WhatsApp.SendButtons(ctx, to, *r.Buttons)
	default:
		out.Body = r.Text
		wamid, out.Kind, err = d.sendText(ctx, to, r.Text)
		return wamid, err // sendText counts its calls
	}
	d.countProviderCall("whatsapp", "send_"+out.Kind, err)
	return wamid, err
}

func (d *Deps) countProviderCall(provider, op string, err error) {
	if d.Metrics == nil {
		return
	}
	code := "ok"
	var apiErr *whatsapp.APIError
	switch {
	case errors.As(err, &apiErr):
		code = strconv.Itoa(apiErr.Code)
	case err != nil:
		code = "error"
	}
	d.Metrics.ProviderCalls.WithLabelValues(provider, op, code).Inc()
}

// Notify sends a plain text outside any guest turn (owner alerts, payment news). It is recorded
// like any outbound message.
func (d *Deps) Notify(ctx context.Context, to, text string) error {
	if to == "" || d.WhatsApp == nil {
		return nil
	}
	out := store.Outbound{WaID: to, Body: text}
	wamid, kind, err := d.sendText(ctx, to, text)
	out.Kind = kind
	if err != nil {
		var apiErr *whatsapp.APIError
		if errors.As(err, &apiErr) && !apiErr.Temporary() {
			code, detail := apiErr.Code, apiErr.Details
			out.Status, out.ErrorCode, out.ErrorDetail = "failed", &code, &detail
			return errors.Join(err, d.Store.RecordOutbound(ctx, out))
		}
		return fmt.Errorf("notify: %w", err)
	}
	out.Wamid = wamid
	return d.Store.RecordOutbound(ctx, out)
}

// HandleWhatsAppStatus records a delivery status for a message we sent. A message refused for
// being outside the 24-hour window is surfaced to the owner.
func (d *Deps) HandleWhatsAppStatus(ctx context.Context, t *asynq.Task) error {
	var p tasks.WhatsAppStatus
	if err := tasks.Decode(t, &p); err != nil {
		return err
	}
	if len(p.Status) == 0 { // tasks.Decode already checked it is JSON
		return fmt.Errorf("decode status: no status: %w", asynq.SkipRetry)
	}
	st := whatsapp.DecodeStatus(p.Status)
	var code *int
	var detail *string
	if len(st.Errors) > 0 {
		c, dt := st.Errors[0].Code, st.Errors[0].Title
		if st.Errors[0].Details != "" {
			dt += ": " + st.Errors[0].Details
		}
		code, detail = &c, &dt
	}
	out, err := d.Store.ApplyOutboundStatus(ctx, st.ID, st.Status, code, detail)
	if errors.Is(err, store.ErrNotFound) {
		// A status for a message sent by another app on the number, or one that overtook our
		// record of the send (Graph answered, the worker has not written it yet): a few quick
		// retries catch the latter, then it is dropped.
		if n, _ := asynq.GetRetryCount(ctx); n < statusRecordRetries {
			return fmt.Errorf("status %s for %s: %w", st.Status, st.ID, errOutboundNotRecorded)
		}
		return nil
	}
	if err != nil {
		return err
	}
	if st.Status == "failed" && code != nil && *code == whatsapp.CodeReEngagement {
		if out.WaID == d.Config.OwnerPhone {
			return d.resendToOwnerByTemplate(ctx, out)
		}
		d.alertOutsideWindow(ctx, out.WaID)
	}
	return nil
}

// alertOutsideWindow tells the owner that a message to waID was refused because the guest's
// 24-hour window is closed (131047), whether Graph said so on send or in a status callback.
func (d *Deps) alertOutsideWindow(ctx context.Context, waID string) {
	d.Metrics.Event("outside_window")
	msg := fmt.Sprintf("⚠️ No pude entregarle un mensaje a %s: pasaron más de 24 horas desde su último mensaje. Escribile vos o esperá a que vuelva a escribir.", maskPhone(waID))
	if err := d.Notify(ctx, d.Config.OwnerPhone, msg); err != nil {
		d.Log.Warn().Err(err).Msg("owner alert failed")
	}
}

// maskPhone keeps the last four digits only, for logs and owner messages.
func maskPhone(p string) string {
	if len(p) <= 4 {
		return "****"
	}
	return "…" + p[len(p)-4:]
}

// greeter is the answer until a conversation engine is wired in.
type greeter struct{}

func (greeter) Respond(_ context.Context, turn Turn) ([]Reply, error) {
	name := turn.Msg.ProfileName
	hello := "¡Hola! 👋"
	if name != "" {
		hello = "¡Hola, " + name + "! 👋"
	}
	return []Reply{{Text: hello + " Soy el asistente de reservas de las cabañas. Te puedo decir qué cabañas están libres y a qué precio, reservarte las fechas y mandarte el link de pago de Mercado Pago. Contame para qué fechas y cuántas personas, por ejemplo: «del 12 al 15 de diciembre, somos 4»."}}, nil
}
