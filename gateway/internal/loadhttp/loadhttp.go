// Package loadhttp is the load generators' lean HTTP/1.1 client (cmd/peakload,
// cmd/savebench). A load generator is measuring equipment on the same cores
// as the system it measures, as pgbench's C client is for pgbench: what its
// client costs a request is taken from the system's share. net/http's client
// spends on every request a request object, header maps, a connection pool,
// two goroutines per connection and an answer object; this one keeps one
// keep-alive connection per caller, writes a request prepared ahead in one
// write and reads the answer into a reused buffer. It is real HTTP/1.1 all
// the same: Content-Length and chunked answers, gzip answers, a server that
// closes the connection, and a status line and headers checked, not assumed.
//
// A Conn is one caller's; it is not safe for concurrent use.
package loadhttp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/klauspost/compress/gzip"
)

// Timeout bounds one request: a call whose answer has not come by then fails.
const Timeout = 30 * time.Second

// idleCheck is how long a connection may have been idle before a call
// first looks whether the server has closed it (a server closes idle
// connections: the gateway after 2 minutes), so that a request is not sent
// on a connection already closed.
const idleCheck = time.Second

// maxBody bounds an answer's body (the load's answers are a few KB).
const maxBody = 16 << 20

// Conn is a keep-alive connection to one server.
type Conn struct {
	addr     string // host:port
	host     string // the Host header's value
	conn     net.Conn
	r        *bufio.Reader
	lastUse  time.Time
	deadline time.Time // the connection's deadline as last set
	out      []byte    // the request being written
	body     []byte    // the answer's body, valid until the next call
	unzipped bytes.Buffer
	gz       *gzip.Reader
}

// New is a connection to the server of base (http://host:port), dialled at
// the first request.
func New(base string) (*Conn, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("loadhttp: %q is not http://host[:port]", base)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	return &Conn{addr: addr, host: u.Host}, nil
}

// Request is a request prepared ahead: its request line and headers, to
// which a call adds Content-Length and the body.
type Request struct {
	head []byte
}

// NewRequest prepares method path with header lines ("Name: value"; Host
// and Content-Length are added) for c's server.
func (c *Conn) NewRequest(method, path string, header ...string) Request {
	b := make([]byte, 0, 128)
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, c.host...)
	b = append(b, "\r\n"...)
	for _, h := range header {
		b = append(b, h...)
		b = append(b, "\r\n"...)
	}
	return Request{head: b}
}

// Do sends req with body (nil: none) and reads the answer: its status and
// body (gunzipped when the server gzipped it), the body valid until the
// next call. A transport failure closes the connection; the next call dials
// again.
func (c *Conn) Do(ctx context.Context, req Request, body []byte) (int, []byte, error) {
	if err := ctx.Err(); err != nil {
		return 0, nil, err
	}
	now := time.Now()
	if c.conn != nil && now.Sub(c.lastUse) > idleCheck && !c.alive(now) {
		c.Close()
	}
	if c.conn == nil {
		if err := c.dial(ctx); err != nil {
			return 0, nil, err
		}
	}
	// The deadline is moved only when less than half of Timeout is left:
	// every call still has at least Timeout/2, without a timer reset each.
	if c.deadline.Sub(now) < Timeout/2 {
		c.deadline = now.Add(Timeout)
		if err := c.conn.SetDeadline(c.deadline); err != nil {
			c.Close()
			return 0, nil, err
		}
	}
	stop := context.AfterFunc(ctx, func() { c.conn.SetDeadline(time.Unix(1, 0)) })
	status, err := c.roundTrip(req, body)
	if !stop() {
		err = errors.Join(ctx.Err(), err)
	}
	if err != nil {
		c.Close()
		return 0, nil, err
	}
	c.lastUse = time.Now()
	return status, c.body, nil
}

// Close closes the connection (a later call dials a new one).
func (c *Conn) Close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// alive tells whether the server has left an idle connection open: nothing
// to read, and no end of it, within a millisecond (a deadline already passed
// would fail the read before it looked).
func (c *Conn) alive(now time.Time) bool {
	c.deadline = time.Time{} // set again before the request
	if err := c.conn.SetReadDeadline(now.Add(time.Millisecond)); err != nil {
		return false
	}
	_, err := c.r.Peek(1)
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (c *Conn) dial(ctx context.Context) error {
	d := net.Dialer{Timeout: Timeout}
	conn, err := d.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return err
	}
	c.conn = conn
	c.deadline = time.Time{}
	if c.r == nil {
		c.r = bufio.NewReaderSize(conn, 16<<10)
	} else {
		c.r.Reset(conn)
	}
	return nil
}

func (c *Conn) roundTrip(req Request, body []byte) (int, error) {
	b := append(c.out[:0], req.head...)
	if body != nil {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
		b = append(b, "\r\n\r\n"...)
		b = append(b, body...)
	} else {
		b = append(b, "\r\n"...)
	}
	c.out = b
	if _, err := c.conn.Write(b); err != nil {
		return 0, err
	}
	status, h, err := c.readHead()
	if err != nil {
		return 0, err
	}
	if err := c.readBody(h); err != nil {
		return 0, err
	}
	if h.close {
		c.Close()
	}
	return status, nil
}

// head is what the load needs of an answer's headers.
type head struct {
	length  int64 // -1: not given
	chunked bool
	gzip    bool
	close   bool
}

var errMalformed = errors.New("loadhttp: malformed answer")

// readHead reads the status line and the headers.
func (c *Conn) readHead() (int, head, error) {
	h := head{length: -1}
	line, err := c.line()
	if err != nil {
		return 0, h, err
	}
	// HTTP/1.1 200 OK
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, h, fmt.Errorf("%w: status line %q", errMalformed, line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil || status < 100 {
		return 0, h, fmt.Errorf("%w: status line %q", errMalformed, line)
	}
	h.close = line[7] == '0' // HTTP/1.0 closes unless told otherwise
	for {
		line, err := c.line()
		if err != nil {
			return 0, h, err
		}
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, h, fmt.Errorf("%w: header %q", errMalformed, line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, err := strconv.ParseInt(string(value), 10, 64)
			if err != nil || n < 0 {
				return 0, h, fmt.Errorf("%w: Content-Length %q", errMalformed, value)
			}
			h.length = n
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			h.chunked = bytes.EqualFold(value, []byte("chunked"))
			if !h.chunked {
				return 0, h, fmt.Errorf("%w: Transfer-Encoding %q", errMalformed, value)
			}
		case bytes.EqualFold(name, []byte("Content-Encoding")):
			h.gzip = bytes.EqualFold(value, []byte("gzip"))
			if !h.gzip && !bytes.EqualFold(value, []byte("identity")) {
				return 0, h, fmt.Errorf("%w: Content-Encoding %q", errMalformed, value)
			}
		case bytes.EqualFold(name, []byte("Connection")):
			h.close = bytes.EqualFold(value, []byte("close"))
		}
	}
	if status == 100 {
		return c.readHead() // an interim answer; the final one follows
	}
	if status/100 == 1 || status == 204 || status == 304 {
		h.length = 0
	}
	return status, h, nil
}

// line reads one header line without its CRLF; it is valid until the next
// read.
func (c *Conn) line() ([]byte, error) {
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("%w: a header line over %d bytes", errMalformed, c.r.Size())
		}
		return nil, err
	}
	return bytes.TrimRight(line, "\r\n"), nil
}

// readBody reads the body the headers announce into c.body.
func (c *Conn) readBody(h head) error {
	c.body = c.body[:0]
	switch {
	case h.chunked:
		for {
			line, err := c.line()
			if err != nil {
				return err
			}
			if i := bytes.IndexByte(line, ';'); i >= 0 {
				line = line[:i] // chunk extensions
			}
			n, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 16, 64)
			if err != nil || n < 0 || int64(len(c.body))+n > maxBody {
				return fmt.Errorf("%w: chunk size %q", errMalformed, line)
			}
			if n == 0 {
				break
			}
			if err := c.readN(n); err != nil {
				return err
			}
			if crlf, err := c.line(); err != nil || len(crlf) != 0 {
				return fmt.Errorf("%w: no CRLF after a chunk (%v)", errMalformed, err)
			}
		}
		for { // trailers, up to the empty line
			line, err := c.line()
			if err != nil {
				return err
			}
			if len(line) == 0 {
				break
			}
		}
	case h.length >= 0:
		if h.length > maxBody {
			return fmt.Errorf("%w: Content-Length %d", errMalformed, h.length)
		}
		if err := c.readN(h.length); err != nil {
			return err
		}
	default: // the body runs to the connection's end
		h.close = true
		for {
			if len(c.body) == cap(c.body) {
				c.body = append(c.body, 0)[:len(c.body)]
			}
			n, err := c.r.Read(c.body[len(c.body):cap(c.body)])
			c.body = c.body[:len(c.body)+n]
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return err
			}
			if len(c.body) > maxBody {
				return fmt.Errorf("%w: a body over %d bytes", errMalformed, maxBody)
			}
		}
		c.Close()
	}
	if h.gzip {
		return c.gunzip()
	}
	return nil
}

// readN appends n bytes of the connection to c.body.
func (c *Conn) readN(n int64) error {
	start := len(c.body)
	c.body = slices.Grow(c.body, int(n))[:start+int(n)]
	_, err := io.ReadFull(c.r, c.body[start:])
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// gunzip replaces c.body by what it decompresses to.
func (c *Conn) gunzip() error {
	var err error
	if c.gz == nil {
		c.gz, err = gzip.NewReader(bytes.NewReader(c.body))
	} else {
		err = c.gz.Reset(bytes.NewReader(c.body))
	}
	if err != nil {
		return fmt.Errorf("loadhttp: gzip: %w", err)
	}
	c.unzipped.Reset()
	if _, err := c.unzipped.ReadFrom(io.LimitReader(c.gz, maxBody+1)); err != nil {
		return fmt.Errorf("loadhttp: gzip: %w", err)
	}
	if c.unzipped.Len() > maxBody {
		return fmt.Errorf("%w: a body over %d bytes", errMalformed, maxBody)
	}
	c.body = append(c.body[:0], c.unzipped.Bytes()...)
	return nil
}

// TopString is the value of the string member key of the JSON object obj
// (at its top level, not in a nested object), without unescaping: the load
// reads a version ("version":"12") from an answer without decoding it all.
func TopString(obj []byte, key string) (string, bool) {
	depth := 0
	for i := 0; i < len(obj); i++ {
		switch obj[i] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case '"':
			end := stringEnd(obj, i)
			if end < 0 {
				return "", false
			}
			if depth == 1 && string(obj[i+1:end]) == key {
				j := skipSpace(obj, end+1)
				if j < len(obj) && obj[j] == ':' {
					if j = skipSpace(obj, j+1); j < len(obj) && obj[j] == '"' {
						if e := stringEnd(obj, j); e >= 0 {
							return string(obj[j+1 : e]), true
						}
					}
				}
			}
			i = end
		}
	}
	return "", false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd is the index of the quote that closes the string opening at i.
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j
		}
	}
	return -1
}
