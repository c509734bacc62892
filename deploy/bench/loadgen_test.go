package bench_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"
)

// The load generator shares the machine's 2 cores with the ingress and Redis, so it must cost
// little per request: net/http's client spent about 120 µs of CPU a webhook, as much as
// the ingress's own work. webhookConn writes requests built and signed before the clock
// starts and reads just the status line and headers, like wrk. Every request is a
// distinct, correctly signed webhook; only the generator's own bookkeeping is lighter.

// signedRequest is one complete HTTP/1.1 POST of a signed webhook, ready to write.
func signedRequest(rawURL string, body []byte, sig string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: facebookexternalua\r\n"+
		"Content-Type: application/json\r\nX-Hub-Signature-256: %s\r\nContent-Length: %d\r\n\r\n",
		u.RequestURI(), u.Host, sig, len(body))
	b.Write(body)
	return b.Bytes(), nil
}

// webhookConn is one keep-alive connection to the ingress, used by one goroutine at a time.
type webhookConn struct {
	addr string
	conn net.Conn
	r    *bufio.Reader
}

func newWebhookConn(rawURL string) (*webhookConn, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	return &webhookConn{addr: u.Host}, nil
}

// do sends one prepared request and returns the response's status code. A broken connection
// is redialled for the next request; the failed request is reported, never retried.
func (c *webhookConn) do(req []byte) (int, error) {
	if c.conn == nil {
		conn, err := net.DialTimeout("tcp", c.addr, 5*time.Second)
		if err != nil {
			return 0, err
		}
		c.conn, c.r = conn, bufio.NewReaderSize(conn, 4096)
	}
	code, keep, err := c.roundTrip(req)
	if err != nil || !keep {
		c.close()
	}
	return code, err
}

func (c *webhookConn) roundTrip(req []byte) (code int, keepAlive bool, err error) {
	_ = c.conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.conn.Write(req); err != nil {
		return 0, false, fmt.Errorf("write: %w", err)
	}
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return 0, false, fmt.Errorf("read status: %w", err)
	}
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, false, fmt.Errorf("bad status line %q", line)
	}
	code, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, false, fmt.Errorf("bad status line %q", line)
	}
	length, keepAlive := -1, true
	for {
		h, err := c.r.ReadSlice('\n')
		if err != nil {
			return code, false, fmt.Errorf("read header: %w", err)
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		name, value, _ := bytes.Cut(h, []byte(":"))
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil {
				return code, false, fmt.Errorf("bad Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Connection")) && bytes.EqualFold(value, []byte("close")):
			keepAlive = false
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			return code, false, errors.New("chunked responses are not expected from the ingress")
		}
	}
	if length < 0 {
		return code, false, errors.New("response without Content-Length")
	}
	if _, err := c.r.Discard(length); err != nil {
		return code, false, fmt.Errorf("read body: %w", err)
	}
	return code, keepAlive, nil
}

func (c *webhookConn) close() {
	if c.conn != nil {
		_ = c.conn.Close()
		c.conn, c.r = nil, nil
	}
}
