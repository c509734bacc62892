package whatsapptest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reservas/reservas/handlers/whatsapp"
	"github.com/reservas/reservas/handlers/whatsapp/whatsapptest"
)

type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func call(t *testing.T, method, url, token, body string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, raw: raw}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

// graphErr checks a Graph error envelope (providers.md A.5) and returns it.
func graphErr(t *testing.T, a answer, status, code int) map[string]any {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.raw)
	}
	e, ok := a.body["error"].(map[string]any)
	if !ok {
		t.Fatalf("no error object: %s", a.raw)
	}
	if int(e["code"].(float64)) != code || e["type"] != "OAuthException" || e["fbtrace_id"] == "" || e["message"] == "" {
		t.Fatalf("error = %v, want code %d", e, code)
	}
	return e
}

func newServer(t *testing.T, opts whatsapptest.Options) *whatsapptest.Server {
	t.Helper()
	s := whatsapptest.NewServer(opts)
	t.Cleanup(s.Close)
	return s
}

func messagesURL(s *whatsapptest.Server) string {
	return s.URL() + "/" + s.PhoneNumberID() + "/messages"
}

const textBody = `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+5491155550000","type":"text","text":{"preview_url":false,"body":"hola"}}`

func TestGraphAuthAndRouting(t *testing.T) {
	s := newServer(t, whatsapptest.Options{Token: "tok"})
	url := messagesURL(s)

	a := call(t, "POST", url, "", textBody)
	graphErr(t, a, 401, 190)
	if !strings.Contains(a.header.Get("WWW-Authenticate"), "invalid_token") {
		t.Fatalf("WWW-Authenticate = %q", a.header.Get("WWW-Authenticate"))
	}
	graphErr(t, call(t, "POST", url, "wrong", textBody), 401, 190)

	e := graphErr(t, call(t, "POST", s.URL()+"/123456789/messages", "tok", textBody), 400, 100)
	if int(e["error_subcode"].(float64)) != 33 {
		t.Fatalf("unknown phone number id: %v", e)
	}
	graphErr(t, call(t, "GET", url, "tok", ""), 400, 100)
	graphErr(t, call(t, "POST", strings.Replace(url, "/"+whatsapptest.DefaultAPIVersion, "", 1), "tok", textBody), 400, 2500)
	graphErr(t, call(t, "POST", s.URL()+"/a/b/c", "tok", textBody), 400, 2500)

	// Any /vNN.N/ version is served.
	for _, v := range []string{"v21.0", "v22.0", "v25.0"} {
		u := strings.Replace(url, "/"+whatsapptest.DefaultAPIVersion+"/", "/"+v+"/", 1)
		if a := call(t, "POST", u, "tok", textBody); a.status != 200 {
			t.Fatalf("%s: %d %s", v, a.status, a.raw)
		}
	}
	if got := s.RequestCount(); got != 9 {
		t.Fatalf("RequestCount = %d, want 9", got)
	}
}

func TestSendSuccessShape(t *testing.T) {
	s := newServer(t, whatsapptest.Options{})
	a := call(t, "POST", messagesURL(s), s.Token(), textBody)
	if a.status != 200 || !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") {
		t.Fatalf("answer %d %s", a.status, a.raw)
	}
	msgs := a.body["messages"].([]any)
	id := msgs[0].(map[string]any)["id"].(string)
	want := map[string]any{
		"messaging_product": "whatsapp",
		"contacts":          []any{map[string]any{"input": "+5491155550000", "wa_id": "5491155550000"}},
		"messages":          []any{map[string]any{"id": id}},
	}
	if !reflect.DeepEqual(a.body, want) {
		t.Fatalf("body = %s", a.raw)
	}
	// The wamid is shaped like Meta's: base64 of a record that holds the recipient.
	rec, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(id, "wamid."))
	if err != nil || !bytes.Contains(rec, []byte("5491155550000")) {
		t.Fatalf("wamid %q: %v", id, err)
	}
	sent := s.Sent()
	if len(sent) != 1 || sent[0].WAMID != id || sent[0].Text != "hola" || string(sent[0].Raw) != textBody {
		t.Fatalf("sent = %+v", sent)
	}
	// "type" defaults to text, as at Meta.
	if a := call(t, "POST", messagesURL(s), s.Token(), `{"messaging_product":"whatsapp","to":"5491155550000","text":{"body":"sin tipo"}}`); a.status != 200 {
		t.Fatalf("type omitted: %d %s", a.status, a.raw)
	}
	if m := s.Sent()[1]; m.Type != "text" || m.To != "5491155550000" || m.WaID != "5491155550000" {
		t.Fatalf("sent = %+v", m)
	}
}

func TestSendRejectsBadRequests(t *testing.T) {
	s := newServer(t, whatsapptest.Options{})
	tests := []struct{ name, body string }{
		{"not JSON", `{"messaging_product":`},
		{"wrong field type", `{"messaging_product":"whatsapp","to":5491155550000,"type":"text","text":{"body":"x"}}`},
		{"no messaging_product", `{"to":"+5491155550000","type":"text","text":{"body":"x"}}`},
		{"no to", `{"messaging_product":"whatsapp","type":"text","text":{"body":"x"}}`},
		{"letters in to", `{"messaging_product":"whatsapp","to":"+54911abcd","type":"text","text":{"body":"x"}}`},
		{"group", `{"messaging_product":"whatsapp","recipient_type":"group","to":"+5491155550000","type":"text","text":{"body":"x"}}`},
		{"no body", `{"messaging_product":"whatsapp","to":"+5491155550000","type":"text","text":{}}`},
		{"body too long", `{"messaging_product":"whatsapp","to":"+5491155550000","type":"text","text":{"body":"` + strings.Repeat("ñ", 4097) + `"}}`},
		{"unknown type", `{"messaging_product":"whatsapp","to":"+5491155550000","type":"fax"}`},
		{"no interactive", `{"messaging_product":"whatsapp","to":"+5491155550000","type":"interactive"}`},
		{"read of non-wamid", `{"messaging_product":"whatsapp","status":"read","message_id":"123"}`},
		{"bad typing type", `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.X","typing_indicator":{"type":"audio"}}`},
		{"bad status", `{"messaging_product":"whatsapp","status":"delivered","message_id":"wamid.X"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			graphErr(t, call(t, "POST", messagesURL(s), s.Token(), tt.body), 400, whatsapp.CodeInvalidParameter)
		})
	}
	if len(s.Sent()) != 0 || len(s.Reads()) != 0 {
		t.Fatal("a rejected request was recorded")
	}
}

func interactive(in string) string {
	return `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+5491155550000","type":"interactive","interactive":` + in + `}`
}

func buttonsJSON(body, header, footer string, buttons ...[2]string) string {
	var bs []string
	for _, b := range buttons {
		bs = append(bs, fmt.Sprintf(`{"type":"reply","reply":{"id":%q,"title":%q}}`, b[0], b[1]))
	}
	h := ""
	if header != "" {
		h = fmt.Sprintf(`"header":{"type":"text","text":%q},`, header)
	}
	f := ""
	if footer != "" {
		f = fmt.Sprintf(`"footer":{"text":%q},`, footer)
	}
	return interactive(fmt.Sprintf(`{"type":"button",%s"body":{"text":%q},%s"action":{"buttons":[%s]}}`, h, body, f, strings.Join(bs, ",")))
}

type row struct{ id, title, desc string }

func listJSON(body, button string, sections map[string][]row, order ...string) string {
	var ss []string
	for _, name := range order {
		var rs []string
		for _, r := range sections[name] {
			rs = append(rs, fmt.Sprintf(`{"id":%q,"title":%q,"description":%q}`, r.id, r.title, r.desc))
		}
		ss = append(ss, fmt.Sprintf(`{"title":%q,"rows":[%s]}`, name, strings.Join(rs, ",")))
	}
	return interactive(fmt.Sprintf(`{"type":"list","body":{"text":%q},"action":{"button":%q,"sections":[%s]}}`, body, button, strings.Join(ss, ",")))
}

func rowsN(n int, prefix string) []row {
	var out []row
	for i := range n {
		out = append(out, row{fmt.Sprintf("%s%d", prefix, i), fmt.Sprintf("Row %d", i), ""})
	}
	return out
}

func r(n int) string { return strings.Repeat("ñ", n) }

func TestInteractiveLimits(t *testing.T) {
	s := newServer(t, whatsapptest.Options{})
	ok := [2]string{"a", "A"}
	sections := func(n int) (map[string][]row, []string) {
		m := map[string][]row{}
		var order []string
		for i := range n {
			name := fmt.Sprint("S", i)
			m[name] = []row{{fmt.Sprint("r", i), "R", ""}}
			order = append(order, name)
		}
		return m, order
	}
	s10, o10 := sections(10)
	s11, o11 := sections(11)
	tests := []struct {
		name string
		body string
		code int // 0 means accepted
	}{
		{"buttons at every limit", buttonsJSON(r(1024), r(60), r(60), [2]string{r(256), r(20)}, [2]string{"b", "B"}, [2]string{"c", "C"}), 0},
		{"four buttons", buttonsJSON("x", "", "", ok, [2]string{"b", "B"}, [2]string{"c", "C"}, [2]string{"d", "D"}), 131009},
		{"no buttons", buttonsJSON("x", "", ""), 131009},
		{"button title 21", buttonsJSON("x", "", "", [2]string{"a", r(21)}), 131009},
		{"button title empty", buttonsJSON("x", "", "", [2]string{"a", ""}), 131009},
		{"button id 257", buttonsJSON("x", "", "", [2]string{r(257), "A"}), 131009},
		{"duplicate button title", buttonsJSON("x", "", "", ok, [2]string{"b", "A"}), 131009},
		{"duplicate button id", buttonsJSON("x", "", "", ok, [2]string{"a", "B"}), 131009},
		{"buttons body 1025", buttonsJSON(r(1025), "", "", ok), 131009},
		{"header 61", buttonsJSON("x", r(61), "", ok), 131009},
		{"footer 61", buttonsJSON("x", "", r(61), ok), 131009},
		{"no body", interactive(`{"type":"button","action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"A"}}]}}`), 100},
		{"button type not reply", interactive(`{"type":"button","body":{"text":"x"},"action":{"buttons":[{"type":"url","reply":{"id":"a","title":"A"}}]}}`), 100},
		{"list at every limit", listJSON(r(4096), r(20), map[string][]row{r(24): {{r(200), r(24), r(72)}}}, r(24)), 0},
		{"ten sections", listJSON("x", "Ver", s10, o10...), 0},
		{"eleven sections", listJSON("x", "Ver", s11, o11...), 131009},
		{"ten rows", listJSON("x", "Ver", map[string][]row{"A": rowsN(4, "a"), "B": rowsN(6, "b")}, "A", "B"), 0},
		{"eleven rows", listJSON("x", "Ver", map[string][]row{"A": rowsN(5, "a"), "B": rowsN(6, "b")}, "A", "B"), 131009},
		{"list body 4097", listJSON(r(4097), "Ver", map[string][]row{"A": rowsN(1, "a")}, "A"), 131009},
		{"list button 21", listJSON("x", r(21), map[string][]row{"A": rowsN(1, "a")}, "A"), 131009},
		{"list button empty", listJSON("x", "", map[string][]row{"A": rowsN(1, "a")}, "A"), 131009},
		{"section title 25", listJSON("x", "Ver", map[string][]row{r(25): rowsN(1, "a")}, r(25)), 131009},
		{"untitled second section", listJSON("x", "Ver", map[string][]row{"A": rowsN(1, "a"), "": rowsN(1, "b")}, "A", ""), 131009},
		{"empty section", listJSON("x", "Ver", map[string][]row{"A": nil}, "A"), 131009},
		{"no sections", listJSON("x", "Ver", nil), 131009},
		{"row id 201", listJSON("x", "Ver", map[string][]row{"A": {{r(201), "R", ""}}}, "A"), 131009},
		{"row title 25", listJSON("x", "Ver", map[string][]row{"A": {{"a", r(25), ""}}}, "A"), 131009},
		{"row description 73", listJSON("x", "Ver", map[string][]row{"A": {{"a", "R", r(73)}}}, "A"), 131009},
		{"duplicate row id", listJSON("x", "Ver", map[string][]row{"A": rowsN(1, "a"), "B": rowsN(1, "a")}, "A", "B"), 131009},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := call(t, "POST", messagesURL(s), s.Token(), tt.body)
			if tt.code == 0 {
				if a.status != 200 {
					t.Fatalf("rejected: %d %s", a.status, a.raw)
				}
				return
			}
			e := graphErr(t, a, 400, tt.code)
			if tt.code == 131009 {
				data, _ := e["error_data"].(map[string]any)
				if e["message"] != "(#131009) Parameter value is not valid" || data["details"] == "" || data["messaging_product"] != "whatsapp" {
					t.Fatalf("error = %v", e)
				}
			}
		})
	}
}

func TestFailNextErrorShape(t *testing.T) {
	s := newServer(t, whatsapptest.Options{})
	s.FailNextWith(2, whatsapptest.Failure{HTTPStatus: 429, Code: 130429, Subcode: 2494055, RetryAfter: 1500 * time.Millisecond})
	for range 2 {
		a := call(t, "POST", messagesURL(s), s.Token(), textBody)
		e := graphErr(t, a, 429, 130429)
		want := map[string]any{
			"message":       "(#130429) Rate limit hit",
			"type":          "OAuthException",
			"code":          float64(130429),
			"error_data":    map[string]any{"messaging_product": "whatsapp", "details": "Cloud API message throughput has been reached."},
			"error_subcode": float64(2494055),
			"fbtrace_id":    e["fbtrace_id"],
		}
		if !reflect.DeepEqual(e, want) {
			t.Fatalf("error = %v\nwant %v", e, want)
		}
		if a.header.Get("Retry-After") != "2" {
			t.Fatalf("Retry-After = %q", a.header.Get("Retry-After"))
		}
	}
	if a := call(t, "POST", messagesURL(s), s.Token(), textBody); a.status != 200 {
		t.Fatalf("third call: %d", a.status)
	}
	// Auth is checked before injected failures, as Meta authenticates first.
	s.FailNext(1, 400, 131047)
	graphErr(t, call(t, "POST", messagesURL(s), "wrong", textBody), 401, 190)
	e := graphErr(t, call(t, "POST", messagesURL(s), s.Token(), textBody), 400, 131047)
	if e["message"] != "(#131047) Re-engagement message" {
		t.Fatalf("131047 = %v", e)
	}
}

func TestMarkReadAnswer(t *testing.T) {
	s := newServer(t, whatsapptest.Options{})
	a := call(t, "POST", messagesURL(s), s.Token(), `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.A","typing_indicator":{"type":"text"}}`)
	if a.status != 200 || string(a.raw) != `{"success":true}` {
		t.Fatalf("answer %d %s", a.status, a.raw)
	}
	if r := s.Reads(); len(r) != 1 || r[0].WAMID != "wamid.A" || !r[0].Typing {
		t.Fatalf("reads = %+v", r)
	}
}

func TestMediaEndpoints(t *testing.T) {
	var now atomic.Int64 // Unix seconds; the fake reads it from handler goroutines
	now.Store(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).Unix())
	s := newServer(t, whatsapptest.Options{Now: func() time.Time { return time.Unix(now.Load(), 0) }, MediaURLTTL: time.Minute})
	s.AddMedia("555", "audio/ogg; codecs=opus", []byte("voice"))

	graphErr(t, call(t, "GET", s.URL()+"/555", "", ""), 401, 190)
	e := graphErr(t, call(t, "GET", s.URL()+"/556", s.Token(), ""), 400, 100)
	if int(e["error_subcode"].(float64)) != 33 {
		t.Fatalf("unknown media: %v", e)
	}
	graphErr(t, call(t, "GET", s.URL()+"/555?phone_number_id=999", s.Token(), ""), 400, 100)

	a := call(t, "GET", s.URL()+"/555?phone_number_id="+s.PhoneNumberID(), s.Token(), "")
	if a.status != 200 {
		t.Fatalf("media info: %d %s", a.status, a.raw)
	}
	mediaURL, _ := a.body["url"].(string)
	sum := sha256.Sum256([]byte("voice"))
	want := map[string]any{
		"messaging_product": "whatsapp",
		"url":               mediaURL,
		"mime_type":         "audio/ogg; codecs=opus",
		"sha256":            hex.EncodeToString(sum[:]),
		"file_size":         "5",
		"id":                "555",
	}
	if !reflect.DeepEqual(a.body, want) || !strings.HasPrefix(mediaURL, s.MediaURL()+"/whatsapp_business/attachments/?") {
		t.Fatalf("media info = %s", a.raw)
	}
	// The media host: Bearer required, 404 on every failure.
	if a := call(t, "GET", mediaURL, "", ""); a.status != 404 {
		t.Fatalf("no token: %d", a.status)
	}
	if a := call(t, "GET", mediaURL, "wrong", ""); a.status != 404 {
		t.Fatalf("wrong token: %d", a.status)
	}
	if a := call(t, "GET", s.MediaURL()+"/whatsapp_business/attachments/?mid=555&hash=guess", s.Token(), ""); a.status != 404 {
		t.Fatalf("guessed hash: %d", a.status)
	}
	a = call(t, "GET", mediaURL, s.Token(), "")
	if a.status != 200 || string(a.raw) != "voice" || a.header.Get("Content-Type") != "audio/ogg; codecs=opus" {
		t.Fatalf("download: %d %q %q", a.status, a.raw, a.header.Get("Content-Type"))
	}
	now.Add(60)
	if a := call(t, "GET", mediaURL, s.Token(), ""); a.status != 404 {
		t.Fatalf("after TTL: %d", a.status)
	}
	if got := s.MediaRequestCount(); got != 5 {
		t.Fatalf("MediaRequestCount = %d, want 5", got)
	}
}

func TestWaitSentAndSubscribe(t *testing.T) {
	s := newServer(t, whatsapptest.Options{})
	ch, cancel := s.Subscribe()
	ctx, stop := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer stop()
	if _, err := s.WaitSent(ctx, 1); err == nil {
		t.Fatal("WaitSent returned before any message")
	}
	done := make(chan []whatsapptest.SentMessage, 1)
	go func() {
		sent, _ := s.WaitSent(t.Context(), 2)
		done <- sent
	}()
	call(t, "POST", messagesURL(s), s.Token(), textBody)
	call(t, "POST", messagesURL(s), s.Token(), textBody)
	sent := <-done
	if len(sent) != 2 {
		t.Fatalf("WaitSent = %d messages", len(sent))
	}
	for i := range 2 {
		if m := <-ch; m.WAMID != sent[i].WAMID {
			t.Fatalf("stream[%d] = %s, want %s", i, m.WAMID, sent[i].WAMID)
		}
	}
	cancel()
	if _, open := <-ch; open {
		t.Fatal("channel open after cancel")
	}
	cancel() // idempotent

	ch2, cancel2 := s.Subscribe()
	defer cancel2()
	s.Close()
	if _, open := <-ch2; open {
		t.Fatal("channel open after Close")
	}
}

// The sandbox mounts the handlers on its own listener.
func TestMountedHandlers(t *testing.T) {
	mux := http.NewServeMux()
	front := httptest.NewServer(mux)
	defer front.Close()
	s := newServer(t, whatsapptest.Options{MediaBaseURL: front.URL + "/lookaside"})
	mux.Handle("/graph/", http.StripPrefix("/graph", s.Handler()))
	mux.Handle("/lookaside/", http.StripPrefix("/lookaside", s.MediaHandler()))
	s.AddMedia("9", "audio/ogg", []byte("abc"))

	c := whatsapp.NewClient(whatsapp.Config{BaseURL: front.URL + "/graph/v21.0", PhoneNumberID: s.PhoneNumberID(), Token: s.Token()}, nil)
	if _, err := c.SendText(t.Context(), "5491155550000", "hola"); err != nil {
		t.Fatal(err)
	}
	m, err := c.MediaInfo(t.Context(), "9")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m.URL, front.URL+"/lookaside/") {
		t.Fatalf("media URL %s", m.URL)
	}
	data, _, err := c.DownloadMedia(t.Context(), m.URL, 0)
	if err != nil || string(data) != "abc" {
		t.Fatalf("download = %q, %v", data, err)
	}
}

func TestInboundWAMID(t *testing.T) {
	a, b := whatsapptest.InboundWAMID("+5491155550000"), whatsapptest.InboundWAMID("5491155550000")
	if a == b || !strings.HasPrefix(a, "wamid.") {
		t.Fatalf("wamids %s %s", a, b)
	}
	rec, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(a, "wamid."))
	if err != nil || !bytes.Contains(rec, []byte("5491155550000")) {
		t.Fatalf("wamid %s: %v", a, err)
	}
}
