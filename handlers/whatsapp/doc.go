// Package whatsapp is a client for the WhatsApp Business Cloud API (Meta's Graph API) and
// the decoder and signature check for its webhooks.
//
// # Sending
//
// Client sends text, reply-button and list messages and marks inbound messages as read (with
// an optional typing indicator) through POST /<PHONE_NUMBER_ID>/messages. Interactive
// messages are validated against Meta's limits before any request. Transport errors, HTTP
// 429/5xx and the temporary Graph codes are retried with exponential backoff and jitter,
// honouring Retry-After; other errors come back as *APIError. The Cloud API has no
// idempotency key, so a retry after a timeout may deliver a message twice.
//
// # Media
//
// Inbound media (voice notes) arrive as an id: MediaInfo resolves it to a URL that lives 5
// minutes and DownloadMedia fetches it with the Bearer token.
//
// # Webhooks
//
// VerifySignature checks X-Hub-Signature-256 over the raw request bytes; ParseEnvelope
// decodes the body, and Envelope.Messages and Envelope.Statuses walk every entry, change,
// message and status of a (possibly batched) delivery.
//
// The package never logs; errors never contain message text or user phone numbers.
//
// The wire contract is /work/shared/contracts/providers.md, section A. Package whatsapptest
// is a fake Graph API server that behaves like Meta's.
package whatsapp
