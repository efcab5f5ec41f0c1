// Package mailpit reads a Mailpit server's REST API: the local mail server
// of `make run` and of the tests. Its Delivered resolves, by Message-ID, the
// messages of a sender that died while sending (notify.Checker); its other
// methods are what the tests read. Start runs a real Mailpit process for a
// test.
package mailpit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Client is a Mailpit's API at BaseURL (e.g. http://127.0.0.1:8025).
type Client struct {
	BaseURL string
	HTTP    *http.Client
}

// Address is a mail address as Mailpit shows it.
type Address struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

// Summary is a message in a list.
type Summary struct {
	ID        string    `json:"ID"`
	MessageID string    `json:"MessageID"`
	To        []Address `json:"To"`
	Subject   string    `json:"Subject"`
	Created   time.Time `json:"Created"`
}

// Message is a whole message.
type Message struct {
	Summary
	Text string `json:"Text"`
	HTML string `json:"HTML"`
}

func (c *Client) get(ctx context.Context, path string, q url.Values, out any) error {
	u := c.BaseURL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("mailpit: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("mailpit: GET %s: %s", path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

type list struct {
	Total         int       `json:"total"`
	MessagesCount int       `json:"messages_count"`
	Messages      []Summary `json:"messages"`
}

// Search lists every message matching a Mailpit search query (e.g.
// `message-id:"…"`, `to:"…"`), newest first.
func (c *Client) Search(ctx context.Context, query string) ([]Summary, error) {
	var out []Summary
	for start := 0; ; {
		var l list
		q := url.Values{"query": {query}, "start": {strconv.Itoa(start)}, "limit": {"500"}}
		if err := c.get(ctx, "/api/v1/search", q, &l); err != nil {
			return nil, err
		}
		out = append(out, l.Messages...)
		start += len(l.Messages)
		if len(l.Messages) == 0 || start >= l.MessagesCount {
			return out, nil
		}
	}
}

// All lists every message, newest first.
func (c *Client) All(ctx context.Context) ([]Summary, error) {
	var out []Summary
	for start := 0; ; {
		var l list
		q := url.Values{"start": {strconv.Itoa(start)}, "limit": {"500"}}
		if err := c.get(ctx, "/api/v1/messages", q, &l); err != nil {
			return nil, err
		}
		out = append(out, l.Messages...)
		start += len(l.Messages)
		if len(l.Messages) == 0 || start >= l.Total {
			return out, nil
		}
	}
}

// Count is how many messages Mailpit holds.
func (c *Client) Count(ctx context.Context) (int, error) {
	var l list
	err := c.get(ctx, "/api/v1/messages", url.Values{"limit": {"1"}}, &l)
	return l.Total, err
}

// Message reads one message by Mailpit's ID.
func (c *Client) Message(ctx context.Context, id string) (Message, error) {
	var m Message
	err := c.get(ctx, "/api/v1/message/"+url.PathEscape(id), nil, &m)
	return m, err
}

// Headers returns the headers of a message, by name.
func (c *Client) Headers(ctx context.Context, id string) (map[string][]string, error) {
	var h map[string][]string
	err := c.get(ctx, "/api/v1/message/"+url.PathEscape(id)+"/headers", nil, &h)
	return h, err
}

// Delivered reports whether a message with the Message-ID (without angle
// brackets) reached Mailpit.
func (c *Client) Delivered(ctx context.Context, messageID string) (bool, error) {
	found, err := c.Search(ctx, `message-id:"`+messageID+`"`)
	if err != nil {
		return false, err
	}
	for _, m := range found {
		if m.MessageID == messageID || m.MessageID == "<"+messageID+">" {
			return true, nil
		}
	}
	return false, nil
}
