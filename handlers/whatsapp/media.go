package whatsapp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// DefaultMaxMediaBytes is the cap DownloadMedia applies when given maxBytes <= 0: the largest
// inbound media Meta delivers (100 MB). Audio is at most 16 MB.
const DefaultMaxMediaBytes = 100 << 20

// Media is the answer of GET /<MEDIA_ID> (providers.md A.4).
type Media struct {
	ID               string
	URL              string // short-lived (5 minutes), needs the Bearer token
	MimeType         string // may carry parameters, e.g. "audio/ogg; codecs=opus"
	SHA256           string
	FileSize         int64 // Graph documents a string; numbers are accepted too
	MessagingProduct string
}

type wireMedia struct {
	MessagingProduct string   `json:"messaging_product"`
	URL              string   `json:"url"`
	MimeType         string   `json:"mime_type"`
	SHA256           string   `json:"sha256"`
	FileSize         flexSize `json:"file_size"`
	ID               string   `json:"id"`
}

// flexSize decodes a JSON number or a string holding one.
type flexSize int64

func (f *flexSize) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("file_size: %w", err)
		}
		if s == "" {
			return nil
		}
		b = []byte(s)
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("file_size: %w", err)
	}
	*f = flexSize(n)
	return nil
}

// MediaInfo resolves a media ID (from an inbound webhook) to its download URL and metadata.
func (c *Client) MediaInfo(ctx context.Context, mediaID string) (Media, error) {
	if mediaID == "" || mediaID == "." || mediaID == ".." || strings.ContainsAny(mediaID, "/?#") {
		return Media{}, invalid("media_id", "must be a non-empty Graph object id")
	}
	resp, err := c.do(ctx, request{
		op:     "media info",
		method: http.MethodGet,
		url:    c.cfg.BaseURL + "/" + url.PathEscape(mediaID),
	})
	if err != nil {
		return Media{}, err
	}
	var w wireMedia
	if err := json.Unmarshal(resp.body, &w); err != nil {
		return Media{}, fmt.Errorf("whatsapp: media info: decode response: %w", err)
	}
	if w.URL == "" {
		return Media{}, errors.New("whatsapp: media info: response has no url")
	}
	return Media{
		ID:               w.ID,
		URL:              w.URL,
		MimeType:         w.MimeType,
		SHA256:           w.SHA256,
		FileSize:         int64(w.FileSize),
		MessagingProduct: w.MessagingProduct,
	}, nil
}

// DownloadMedia fetches a media URL returned by MediaInfo, sending the Bearer token. It reads
// at most maxBytes (<= 0 means DefaultMaxMediaBytes) and returns ErrMediaTooLarge beyond
// that. A 404 returns ErrMediaURLExpired: call MediaInfo again for a fresh URL. Only pass
// URLs that came from MediaInfo: the token is sent to that host.
func (c *Client) DownloadMedia(ctx context.Context, mediaURL string, maxBytes int64) ([]byte, string, error) {
	u, err := url.Parse(mediaURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, "", invalid("media_url", "must be an absolute http(s) URL")
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxMediaBytes
	}
	resp, err := c.do(ctx, request{
		op:       "download media",
		method:   http.MethodGet,
		url:      mediaURL,
		limit:    maxBytes,
		tooBig:   ErrMediaTooLarge,
		notFound: ErrMediaURLExpired,
	})
	if err != nil {
		return nil, "", err
	}
	return resp.body, resp.header.Get("Content-Type"), nil
}

// CheckSHA256 compares the SHA-256 of data with want, given either as hex (the media
// endpoint) or as standard base64 (inbound webhooks).
func CheckSHA256(data []byte, want string) error {
	sum := sha256.Sum256(data)
	if strings.EqualFold(hex.EncodeToString(sum[:]), want) || base64.StdEncoding.EncodeToString(sum[:]) == want {
		return nil
	}
	return errors.New("whatsapp: media sha256 mismatch")
}
