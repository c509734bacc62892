// Package mercadopago is the Mercado Pago client used by the workers and the
// notification checks used by the ingress.
//
// # Client
//
// [Client] talks to the REST API (default https://api.mercadopago.com):
// Checkout Pro preferences, payment lookup and search, and full refunds. It
// sends the headers the official Go SDK sends (Bearer token, JSON content type,
// a fresh X-Request-Id per attempt and an X-Idempotency-Key on every non-GET
// request), retries 423, 429 and 5xx answers and transport failures with
// exponential backoff (honouring Retry-After), and maps the error envelope
//
//	{"message":"Payment not found","error":"not_found","status":404,"cause":[...]}
//
// to [*APIError]. A 404 matches [ErrNotFound] with errors.Is and is never
// retried: right after a payment.created notification Mercado Pago may briefly
// answer 404, and it is the caller (the asynq task) that decides to retry later.
//
// Money in the application is int64 centavos; the API speaks float64 amounts.
// [CentsToAmount] and [AmountToCents] convert without float drift.
//
// # Notifications
//
// [ParseNotification] understands both forms Mercado Pago sends: Webhooks
// (?data.id=<id>&type=payment plus a JSON body) and legacy IPN
// (?topic=payment&id=<id>). [VerifySignature] checks the x-signature header
// against the manifest "id:<data.id>;request-id:<x-request-id>;ts:<ts>;" with
// the webhook secret. Nothing in a notification is trusted beyond "this payment
// id changed": workers always re-fetch the payment with [Client.GetPayment].
package mercadopago
