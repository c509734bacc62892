// Package tasks is the wire contract between the ingress, the scheduler and the workers: task
// type names, queues, payloads and the options that make every redelivery harmless.
package tasks

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
)

// Task types.
const (
	TypeWhatsAppMessage  = "whatsapp:message"
	TypeWhatsAppStatus   = "whatsapp:status"
	TypeAudioTranscribe  = "audio:transcribe"
	TypeAudioPurge       = "audio:purge"
	TypePaymentSync      = "payment:sync"
	TypePaymentReconcile = "payments:reconcile"
	TypeICalSync         = "ical:sync"
	TypeICalFanout       = "ical:fanout"
	TypeHoldsExpire      = "holds:expire"
)

// Queues, by priority: a guest waiting for an answer comes first.
const (
	QueueCritical = "critical"
	QueueDefault  = "default"
	QueueLow      = "low"
)

// QueuePriorities is the weighting workers use (asynq.Config.Queues).
func QueuePriorities() map[string]int {
	return map[string]int{QueueCritical: 6, QueueDefault: 3, QueueLow: 1}
}

// DedupeWindow is how long a completed task's ID is kept, so a provider redelivering the same
// event within it is recognised as a duplicate at enqueue time. Meta retries for up to 7 days;
// the database's unique keys catch anything older.
const DedupeWindow = 24 * time.Hour

// WhatsAppMessage is one inbound message of a webhook batch: Message is the messages[] element
// as Meta sent it (whatsapp.DecodeMessage reads it), the rest comes from its change.
type WhatsAppMessage struct {
	PhoneNumberID string          `json:"phone_number_id"`
	ProfileName   string          `json:"profile_name,omitempty"`
	WaID          string          `json:"wa_id"`
	Wamid         string          `json:"wamid"`
	ReceivedAt    time.Time       `json:"received_at"`
	Message       json.RawMessage `json:"message"`
}

// NewWhatsAppMessage builds the task; its ID is the wamid, so a redelivered webhook is a no-op.
func NewWhatsAppMessage(p WhatsAppMessage) (*asynq.Task, error) {
	return newTask(TypeWhatsAppMessage, p,
		asynq.TaskID("wa:"+p.Wamid), asynq.Queue(QueueCritical), asynq.Retention(DedupeWindow),
		// Waiting for a guest's earlier message counts as a retry too (tens of ms each), so
		// the limit is high; real failures retry every few seconds (handlers.RetryDelay),
		// which gives an outage of about ten minutes before a message is archived.
		asynq.MaxRetry(300), asynq.Timeout(2*time.Minute))
}

// WhatsAppStatus is one status callback (sent, delivered, read, failed) for a message we sent;
// Status is the statuses[] element as Meta sent it (whatsapp.DecodeStatus reads it).
type WhatsAppStatus struct {
	Status json.RawMessage `json:"status"`
	ID     string          `json:"id"`
	State  string          `json:"state"`
}

// NewWhatsAppStatus builds the task, unique per (wamid, status).
func NewWhatsAppStatus(p WhatsAppStatus) (*asynq.Task, error) {
	return newTask(TypeWhatsAppStatus, p,
		asynq.TaskID("wa-status:"+p.ID+":"+p.State), asynq.Queue(QueueDefault), asynq.Retention(DedupeWindow),
		asynq.MaxRetry(10))
}

// AudioTranscribe asks a worker to transcribe a voice note, then handle it as typed text.
type AudioTranscribe struct {
	Wamid string `json:"wamid"`
}

// NewAudioTranscribe builds the task, unique per voice note.
func NewAudioTranscribe(p AudioTranscribe) (*asynq.Task, error) {
	return newTask(TypeAudioTranscribe, p,
		asynq.TaskID("audio:"+p.Wamid), asynq.Queue(QueueCritical), asynq.Retention(DedupeWindow),
		asynq.MaxRetry(5), asynq.Timeout(3*time.Minute))
}

// PaymentSync asks a worker to fetch a payment from Mercado Pago and act on what it says.
type PaymentSync struct {
	PaymentID      string `json:"payment_id"`
	NotificationID string `json:"notification_id,omitempty"`
}

// NewPaymentSync builds the task, unique per payment and notification.
func NewPaymentSync(p PaymentSync) (*asynq.Task, error) {
	id := "payment:" + p.PaymentID
	if p.NotificationID != "" {
		id += ":" + p.NotificationID
	}
	return newTask(TypePaymentSync, p,
		asynq.TaskID(id), asynq.Queue(QueueCritical), asynq.Retention(DedupeWindow), asynq.MaxRetry(20))
}

// ICalSync asks a worker to fetch and reconcile one imported feed.
type ICalSync struct {
	FeedID int64 `json:"feed_id"`
}

// NewICalSync builds the task, unique per feed and sync period, so slow syncs never pile up.
func NewICalSync(p ICalSync, period time.Time) (*asynq.Task, error) {
	return newTask(TypeICalSync, p,
		asynq.TaskID("ical:"+strconv.FormatInt(p.FeedID, 10)+":"+strconv.FormatInt(period.Unix(), 10)),
		asynq.Queue(QueueLow), asynq.Retention(time.Hour), asynq.MaxRetry(2), asynq.Timeout(2*time.Minute))
}

// NewPeriodic builds a payload-less periodic task, unique per period, so a second scheduler
// enqueuing the same period is refused rather than doubled.
func NewPeriodic(taskType string, period time.Time, every time.Duration, queue string) *asynq.Task {
	return asynq.NewTask(taskType, nil,
		asynq.TaskID(taskType+":"+strconv.FormatInt(period.Unix(), 10)),
		asynq.Queue(queue), asynq.Retention(2*every), asynq.MaxRetry(1), asynq.Timeout(every))
}

func newTask(taskType string, payload any, opts ...asynq.Option) (*asynq.Task, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("encode %s payload: %w", taskType, err)
	}
	return asynq.NewTask(taskType, b, opts...), nil
}

// Decode unmarshals a task payload, marking a malformed one as not worth retrying.
func Decode(t *asynq.Task, into any) error {
	if err := json.Unmarshal(t.Payload(), into); err != nil {
		return fmt.Errorf("decode %s payload: %v: %w", t.Type(), err, asynq.SkipRetry)
	}
	return nil
}

// TypeReservationNotice tells a guest about a change the owner made from the admin.
const TypeReservationNotice = "reservation:notice"

// Owner actions a guest is told about.
const (
	NoticeConfirmedByOwner = "confirmed_by_owner"
	NoticeCancelledByOwner = "cancelled_by_owner"
)

// ReservationNotice asks a worker to tell the guest that the owner changed their reservation.
type ReservationNotice struct {
	ReservationID string `json:"reservation_id"`
	Event         string `json:"event"`
}

// NewReservationNotice builds the task, unique per reservation and event, so a double click
// or a retried request tells the guest once.
func NewReservationNotice(p ReservationNotice) (*asynq.Task, error) {
	return newTask(TypeReservationNotice, p,
		asynq.TaskID("notice:"+p.ReservationID+":"+p.Event), asynq.Queue(QueueDefault),
		asynq.Retention(DedupeWindow), asynq.MaxRetry(10))
}
