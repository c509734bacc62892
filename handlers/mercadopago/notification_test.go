package mercadopago

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

const testSecret = "mp-test-secret"

// The three vectors of providers.md B.3, computed with secret mp-test-secret.
var signatureVectors = []struct {
	name, queryID, requestID, ts, manifest, v1 string
}{
	{
		name: "docs example", queryID: "123456", requestID: "bb56a2f1-6aae-46ac-982e-9dcd3581d08e", ts: "1742505638683",
		manifest: "id:123456;request-id:bb56a2f1-6aae-46ac-982e-9dcd3581d08e;ts:1742505638683;",
		v1:       "1520ede0b9566dc68bc2a296500c2499c0fc3e6d36b23292cd92007c5e769a0e",
	},
	{
		name: "uppercase order id is lower-cased", queryID: "ORD01JQ4S4KY8HWQ6NA5PXB65B3D3", requestID: "2066ca19-c6f1-498a-be75-1923005edd06", ts: "1742505638683",
		manifest: "id:ord01jq4s4ky8hwq6na5pxb65b3d3;request-id:2066ca19-c6f1-498a-be75-1923005edd06;ts:1742505638683;",
		v1:       "004c36d5ca99fbad0d5580c5abe9ca2a34e71f99e3cb2135cf1808c29f08a253",
	},
	{
		name: "no data.id in query", queryID: "", requestID: "bb56a2f1-6aae-46ac-982e-9dcd3581d08e", ts: "1742505638683",
		manifest: "request-id:bb56a2f1-6aae-46ac-982e-9dcd3581d08e;ts:1742505638683;",
		v1:       "df4869642e62e802296f60ea32d25a7a492d31b8ba2789748e5715c9995010d2",
	},
}

func notificationRequest(queryID, requestID, signature string) (url.Values, http.Header) {
	q := url.Values{}
	if queryID != "" {
		q.Set("data.id", queryID)
		q.Set("type", "payment")
	}
	h := http.Header{}
	if requestID != "" {
		h.Set("X-Request-Id", requestID)
	}
	if signature != "" {
		h.Set("X-Signature", signature)
	}
	return q, h
}

func TestSignatureVectors(t *testing.T) {
	for _, v := range signatureVectors {
		t.Run(v.name, func(t *testing.T) {
			if got := SignatureManifest(v.queryID, v.requestID, v.ts); got != v.manifest {
				t.Fatalf("manifest = %q, want %q", got, v.manifest)
			}
			ts, _ := strconv.ParseInt(v.ts, 10, 64)
			wantHeader := "ts=" + v.ts + ",v1=" + v.v1
			if got := SignatureHeader(testSecret, v.queryID, v.requestID, ts); got != wantHeader {
				t.Fatalf("SignatureHeader = %q, want %q", got, wantHeader)
			}
			q, h := notificationRequest(v.queryID, v.requestID, wantHeader)
			if err := VerifySignature(testSecret, q, h, time.UnixMilli(ts), time.Hour); err != nil {
				t.Fatalf("VerifySignature: %v", err)
			}
			// Upper-case hex and the docs' spacing are accepted too.
			h.Set("X-Signature", " ts = "+v.ts+" , v1 = "+strings.ToUpper(v.v1)+" ")
			if err := VerifySignature(testSecret, q, h, time.UnixMilli(ts), time.Hour); err != nil {
				t.Fatalf("VerifySignature with spaces and upper-case hex: %v", err)
			}
		})
	}
}

func TestVerifySignatureFailures(t *testing.T) {
	v := signatureVectors[0]
	ts, _ := strconv.ParseInt(v.ts, 10, 64)
	now := time.UnixMilli(ts)
	good := "ts=" + v.ts + ",v1=" + v.v1

	tests := []struct {
		name       string
		secret     string
		queryID    string
		requestID  string
		signature  string
		now        time.Time
		tolerance  time.Duration
		want       error
		wantDetail string
	}{
		{name: "valid", secret: testSecret, queryID: v.queryID, requestID: v.requestID, signature: good, now: now, tolerance: time.Minute},
		{name: "parts reordered", secret: testSecret, queryID: v.queryID, requestID: v.requestID, signature: "v1=" + v.v1 + ",ts=" + v.ts, now: now, tolerance: time.Minute},
		{name: "missing header", secret: testSecret, queryID: v.queryID, requestID: v.requestID, signature: "", now: now, want: ErrMissingSignature},
		{name: "blank header", secret: testSecret, queryID: v.queryID, requestID: v.requestID, signature: "   ", now: now, want: ErrMissingSignature},
		{name: "wrong secret", secret: "other-secret", queryID: v.queryID, requestID: v.requestID, signature: good, now: now, want: ErrBadSignature},
		{name: "empty secret fails closed", secret: "", queryID: v.queryID, requestID: v.requestID, signature: good, now: now, want: ErrBadSignature},
		{name: "other data.id", secret: testSecret, queryID: "123457", requestID: v.requestID, signature: good, now: now, want: ErrBadSignature},
		{name: "other request id", secret: testSecret, queryID: v.queryID, requestID: "bb56a2f1-6aae-46ac-982e-9dcd3581d08f", signature: good, now: now, want: ErrBadSignature},
		{name: "request id dropped but signed with it", secret: testSecret, queryID: v.queryID, requestID: "", signature: good, now: now, want: ErrBadSignature},
		{name: "other ts", secret: testSecret, queryID: v.queryID, requestID: v.requestID, signature: "ts=1742505638684,v1=" + v.v1, now: now, want: ErrBadSignature},
		{name: "no v1", secret: testSecret, queryID: v.queryID, requestID: v.requestID, signature: "ts=" + v.ts, now: now, want: ErrBadSignature},
		{name: "no ts", secret: testSecret, queryID: v.queryID, requestID: v.requestID, signature: "v1=" + v.v1, now: now, want: ErrBadSignature},
		{name: "ts not a number", secret: testSecret, queryID: v.queryID, requestID: v.requestID, signature: "ts=-1742505638683,v1=" + v.v1, now: now, want: ErrBadSignature},
		{name: "v1 not hex", secret: testSecret, queryID: v.queryID, requestID: v.requestID, signature: "ts=" + v.ts + ",v1=zz" + v.v1[2:], now: now, want: ErrBadSignature},
		{name: "truncated v1", secret: testSecret, queryID: v.queryID, requestID: v.requestID, signature: "ts=" + v.ts + ",v1=" + v.v1[:62], now: now, want: ErrBadSignature},
		{name: "one of two v1 matches", secret: testSecret, queryID: v.queryID, requestID: v.requestID, signature: "ts=" + v.ts + ",v1=" + strings.Repeat("0", 64) + ",v1=" + v.v1, now: now, tolerance: time.Minute},
		{name: "stale", secret: testSecret, queryID: v.queryID, requestID: v.requestID, signature: good, now: now.Add(2 * time.Hour), tolerance: time.Hour, want: ErrStaleSignature},
		{name: "from the future", secret: testSecret, queryID: v.queryID, requestID: v.requestID, signature: good, now: now.Add(-2 * time.Hour), tolerance: time.Hour, want: ErrStaleSignature},
		{name: "old but no tolerance", secret: testSecret, queryID: v.queryID, requestID: v.requestID, signature: good, now: now.Add(1000 * time.Hour), tolerance: 0},
		{name: "14 day old retry within default tolerance", secret: testSecret, queryID: v.queryID, requestID: v.requestID, signature: good, now: now.Add(14*24*time.Hour + 7*time.Hour), tolerance: DefaultSignatureTolerance},
		{name: "forged and stale reports bad, not stale", secret: "other", queryID: v.queryID, requestID: v.requestID, signature: good, now: now.Add(2 * time.Hour), tolerance: time.Hour, want: ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, h := notificationRequest(tt.queryID, tt.requestID, tt.signature)
			err := VerifySignature(tt.secret, q, h, tt.now, tt.tolerance)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("VerifySignature: %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("VerifySignature: %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifySignatureTimestampUnits(t *testing.T) {
	at := time.Date(2025, 3, 20, 21, 20, 38, 0, time.UTC)
	for _, tc := range []struct {
		name string
		ts   int64
	}{
		{"milliseconds", at.UnixMilli()},
		{"seconds", at.Unix()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sig := SignatureHeader(testSecret, "123456", "req-1", tc.ts)
			q, h := notificationRequest("123456", "req-1", sig)
			if err := VerifySignature(testSecret, q, h, at.Add(30*time.Second), time.Minute); err != nil {
				t.Fatalf("fresh: %v", err)
			}
			if err := VerifySignature(testSecret, q, h, at.Add(2*time.Minute), time.Minute); !errors.Is(err, ErrStaleSignature) {
				t.Fatalf("2 minutes later: %v, want ErrStaleSignature", err)
			}
		})
	}
	// The older docs example, ts=1704908010, is seconds: January 2024.
	sig := SignatureHeader(testSecret, "123456", "", 1704908010)
	q, h := notificationRequest("123456", "", sig)
	if err := VerifySignature(testSecret, q, h, time.Date(2024, 1, 10, 17, 33, 30, 0, time.UTC), time.Hour); err != nil {
		t.Fatalf("docs seconds example: %v", err)
	}
}

func TestVerifySignatureWithoutRequestID(t *testing.T) {
	sig := SignatureHeader(testSecret, "123456", "", 1742505638683)
	q, h := notificationRequest("123456", "", sig)
	if err := VerifySignature(testSecret, q, h, time.UnixMilli(1742505638683), time.Minute); err != nil {
		t.Fatalf("no request id on either side: %v", err)
	}
	if got, want := SignatureManifest("123456", "", "1742505638683"), "id:123456;ts:1742505638683;"; got != want {
		t.Fatalf("manifest = %q, want %q", got, want)
	}
	// A request id added in transit breaks it.
	h.Set("X-Request-Id", "injected")
	if err := VerifySignature(testSecret, q, h, time.UnixMilli(1742505638683), time.Minute); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("injected request id: %v, want ErrBadSignature", err)
	}
}

func TestVerifySignatureUsesQueryIDNotBody(t *testing.T) {
	// Lower-case rule: the query may carry the id in upper case while the
	// signature covers the lower-cased value; an id that differs in more
	// than case fails.
	sig := SignatureHeader(testSecret, "ord01jq4s4ky8hwq6na5pxb65b3d3", "r", 1742505638683)
	for _, id := range []string{"ORD01JQ4S4KY8HWQ6NA5PXB65B3D3", "ord01jq4s4ky8hwq6na5pxb65b3d3", "Ord01JQ4s4ky8hwq6na5pxb65b3d3"} {
		q, h := notificationRequest(id, "r", sig)
		if err := VerifySignature(testSecret, q, h, time.Time{}, 0); err != nil {
			t.Fatalf("query id %q: %v", id, err)
		}
	}
	q, h := notificationRequest("ORD01JQ4S4KY8HWQ6NA5PXB65B3D4", "r", sig)
	if err := VerifySignature(testSecret, q, h, time.Time{}, 0); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("other id: %v, want ErrBadSignature", err)
	}
}

func TestParseNotification(t *testing.T) {
	sig := SignatureHeader(testSecret, "123456", "bb56a2f1-6aae-46ac-982e-9dcd3581d08e", 1742505638683)
	tests := []struct {
		name     string
		rawQuery string
		header   map[string]string
		body     string
		want     Notification
		wantErr  error
	}{
		{
			name:     "webhook as in the docs request (string id)",
			rawQuery: "data.id=123456&type=payment",
			header:   map[string]string{"X-Request-Id": "bb56a2f1-6aae-46ac-982e-9dcd3581d08e", "X-Signature": sig},
			body:     `{"action":"payment.updated","api_version":"v1","data":{"id":"123456"},"date_created":"2021-11-01T02:02:02Z","id":"123456","live_mode":false,"type":"payment","user_id":724484980}`,
			want: Notification{Kind: KindWebhook, Topic: "payment", ResourceID: "123456", NotificationID: "123456", Action: "payment.updated",
				RequestID: "bb56a2f1-6aae-46ac-982e-9dcd3581d08e", Timestamp: "1742505638683", UserID: "724484980", DateCreated: "2021-11-01T02:02:02Z"},
		},
		{
			name:     "webhook production body (numeric id) with source_news kept",
			rawQuery: "source_news=webhooks&data.id=999999999&type=payment",
			body:     `{"id": 12345, "live_mode": true, "type": "payment", "date_created": "2015-03-25T10:04:58.396-04:00", "user_id": 44444, "api_version": "v1", "action": "payment.created", "data": {"id": "999999999"}}`,
			want: Notification{Kind: KindWebhook, Topic: "payment", ResourceID: "999999999", NotificationID: "12345", Action: "payment.created",
				LiveMode: true, UserID: "44444", DateCreated: "2015-03-25T10:04:58.396-04:00"},
		},
		{
			name:     "webhook with empty body",
			rawQuery: "data.id=42&type=payment",
			want:     Notification{Kind: KindWebhook, Topic: "payment", ResourceID: "42"},
		},
		{
			name: "webhook with body only",
			body: `{"id":7,"type":"payment","action":"payment.created","data":{"id":"42"}}`,
			want: Notification{Kind: KindWebhook, Topic: "payment", ResourceID: "42", NotificationID: "7", Action: "payment.created"},
		},
		{
			name:     "webhook upper-case query id vs lower-case body id",
			rawQuery: "data.id=ORD01JQ4S4KY8HWQ6NA5PXB65B3D3&type=order",
			body:     `{"type":"order","action":"order.updated","data":{"id":"ord01jq4s4ky8hwq6na5pxb65b3d3"}}`,
			want:     Notification{Kind: KindWebhook, Topic: "order", ResourceID: "ORD01JQ4S4KY8HWQ6NA5PXB65B3D3", Action: "order.updated"},
		},
		{
			name:     "merchant order webhook",
			rawQuery: "data.id=26262399173&type=topic_merchant_order_wh",
			body:     `{"id":26262399173,"type":"topic_merchant_order_wh","action":"update","data":{"id":"26262399173"}}`,
			want:     Notification{Kind: KindWebhook, Topic: "topic_merchant_order_wh", ResourceID: "26262399173", NotificationID: "26262399173", Action: "update"},
		},
		{
			name:     "IPN payment with body",
			rawQuery: "topic=payment&id=96718866362",
			body:     `{"resource":"96718866362","topic":"payment"}`,
			want:     Notification{Kind: KindIPN, Topic: "payment", ResourceID: "96718866362"},
		},
		{
			name:     "IPN payment without body",
			rawQuery: "topic=payment&id=96718866362",
			want:     Notification{Kind: KindIPN, Topic: "payment", ResourceID: "96718866362"},
		},
		{
			name:     "IPN merchant order with URL resource",
			rawQuery: "topic=merchant_order&id=26262399173",
			body:     `{"resource":"https://api.mercadolibre.com/merchant_orders/26262399173","topic":"merchant_order"}`,
			want:     Notification{Kind: KindIPN, Topic: "merchant_order", ResourceID: "26262399173"},
		},
		{
			name: "IPN body only",
			body: `{"resource":"https://api.mercadolibre.com/merchant_orders/26262399173","topic":"merchant_order"}`,
			want: Notification{Kind: KindIPN, Topic: "merchant_order", ResourceID: "26262399173"},
		},
		{name: "nothing", wantErr: ErrMalformedNotification},
		{name: "empty JSON object", body: `{}`, wantErr: ErrMalformedNotification},
		{name: "type without id", rawQuery: "type=payment", wantErr: ErrMalformedNotification},
		{name: "id without type", rawQuery: "data.id=1", wantErr: ErrMalformedNotification},
		{name: "body not JSON", rawQuery: "data.id=1&type=payment", body: `data.id=1`, wantErr: ErrMalformedNotification},
		{name: "body JSON array", rawQuery: "data.id=1&type=payment", body: `[1]`, wantErr: ErrMalformedNotification},
		{name: "data not an object", rawQuery: "data.id=1&type=payment", body: `{"data":"1"}`, wantErr: ErrMalformedNotification},
		{name: "query and body ids differ", rawQuery: "data.id=1&type=payment", body: `{"type":"payment","data":{"id":"2"}}`, wantErr: ErrMalformedNotification},
		{name: "query and body types differ", rawQuery: "data.id=1&type=payment", body: `{"type":"plan","data":{"id":"1"}}`, wantErr: ErrMalformedNotification},
		{name: "IPN ids differ", rawQuery: "topic=payment&id=1", body: `{"resource":"2","topic":"payment"}`, wantErr: ErrMalformedNotification},
		{name: "id with a slash", rawQuery: "data.id=1%2F..%2Fx&type=payment", wantErr: ErrMalformedNotification},
		{name: "id too long", rawQuery: "data.id=" + strings.Repeat("1", 65) + "&type=payment", wantErr: ErrMalformedNotification},
		{name: "topic with spaces", rawQuery: "data.id=1&type=pay+ment", wantErr: ErrMalformedNotification},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.rawQuery)
			if err != nil {
				t.Fatal(err)
			}
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			got, err := ParseNotification(q, h, []byte(tt.body))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v (got %+v)", err, tt.wantErr, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseNotification: %v", err)
			}
			if got != tt.want {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
			if got.IsPayment() != (tt.want.Topic == "payment") {
				t.Fatalf("IsPayment = %v for topic %q", got.IsPayment(), got.Topic)
			}
		})
	}
}

func FuzzVerifySignature(f *testing.F) {
	for _, v := range signatureVectors {
		f.Add(testSecret, v.queryID, v.requestID, "ts="+v.ts+",v1="+v.v1, int64(1742505638683))
	}
	f.Add("", "", "", "", int64(0))
	f.Add("s", "1", "r", "ts=,v1=", int64(-1))
	f.Add("s", "X", "r", "ts=99999999999999999999,v1=00", int64(1))
	f.Add("s", "X", "r", "=,=,,ts==1,v1==", int64(1))
	f.Fuzz(func(t *testing.T, secret, queryID, requestID, header string, nowMilli int64) {
		q, h := notificationRequest(queryID, requestID, header)
		now := time.UnixMilli(nowMilli)
		err := VerifySignature(secret, q, h, now, time.Hour)
		if err != nil && !errors.Is(err, ErrMissingSignature) && !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrStaleSignature) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		if err == nil && secret == "" {
			t.Fatal("verified with an empty secret")
		}
		// Whatever was received, a header we sign ourselves must verify.
		if secret != "" {
			want := SignatureHeader(secret, queryID, h.Get("X-Request-Id"), nowMilli&0x7fffffffffff)
			h.Set("X-Signature", want)
			if err := VerifySignature(secret, q, h, now, 0); err != nil {
				t.Fatalf("own signature %q rejected: %v (manifest %q)", want, err, SignatureManifest(q.Get("data.id"), h.Get("X-Request-Id"), ""))
			}
		}
	})
}

func FuzzParseNotification(f *testing.F) {
	f.Add("data.id=123456&type=payment", `{"action":"payment.updated","api_version":"v1","data":{"id":"123456"},"date_created":"2021-11-01T02:02:02Z","id":"123456","live_mode":false,"type":"payment","user_id":724484980}`, "ts=1742505638683,v1=00")
	f.Add("source_news=webhooks&data.id=999999999&type=payment", `{"id":12345,"live_mode":true,"type":"payment","user_id":44444,"action":"payment.created","data":{"id":"999999999"}}`, "")
	f.Add("topic=payment&id=96718866362", `{"resource":"96718866362","topic":"payment"}`, "")
	f.Add("topic=merchant_order&id=1", `{"resource":"https://api.mercadolibre.com/merchant_orders/1","topic":"merchant_order"}`, "")
	f.Add("", `{"data":{"id":1e400}}`, "")
	f.Add("data.id=&type=", `null`, "ts=")
	f.Fuzz(func(t *testing.T, rawQuery, body, signature string) {
		q, _ := url.ParseQuery(rawQuery)
		h := http.Header{}
		h.Set("X-Signature", signature)
		n, err := ParseNotification(q, h, []byte(body))
		if err != nil {
			if !errors.Is(err, ErrMalformedNotification) {
				t.Fatalf("error is not ErrMalformedNotification: %v", err)
			}
			return
		}
		if n.Kind != KindWebhook && n.Kind != KindIPN {
			t.Fatalf("kind %q", n.Kind)
		}
		if !validToken(n.ResourceID) || !validToken(n.Topic) {
			t.Fatalf("accepted resource %q topic %q", n.ResourceID, n.Topic)
		}
		if n.Kind == KindWebhook && q.Get("data.id") != "" && n.ResourceID != q.Get("data.id") {
			t.Fatalf("resource %q is not the signed query id %q", n.ResourceID, q.Get("data.id"))
		}
	})
}

func BenchmarkVerifySignature(b *testing.B) {
	v := signatureVectors[0]
	q, h := notificationRequest(v.queryID, v.requestID, "ts="+v.ts+",v1="+v.v1)
	now := time.UnixMilli(1742505638683)
	for b.Loop() {
		if err := VerifySignature(testSecret, q, h, now, time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}
