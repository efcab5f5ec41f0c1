// Package smtpsink is a minimal SMTP server that accepts every message and
// keeps only their count: the far end of the benchmarks, where a real mail
// server's own storage would be measured instead of the outbox. Told to, it
// refuses recipients (the tests of failed deliveries).
package smtpsink

import (
	"bufio"
	"net"
	"strings"
	"sync/atomic"
)

// Sink is a minimal SMTP server that accepts every message and keeps only
// their count: the far end of the benchmarks, where a real mail server's own
// storage would be measured instead of the outbox.
type Sink struct {
	l        net.Listener
	Messages atomic.Int64
	refuse   atomic.Pointer[func(rcpt string) string]
}

// New listens on a free loopback port.
func New() (*Sink, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Sink{l: l}
	go s.serve()
	return s, nil
}

// Refuse makes the sink answer RCPT TO with the reply refuse returns for the
// command's argument (e.g. "550 5.1.1 no such user"), or accept it when the
// reply is empty; nil accepts every recipient again.
func (s *Sink) Refuse(refuse func(rcpt string) string) {
	if refuse == nil {
		s.refuse.Store(nil)
		return
	}
	s.refuse.Store(&refuse)
}

// Addr is the host and port.
func (s *Sink) Addr() *net.TCPAddr { return s.l.Addr().(*net.TCPAddr) }

// Close stops listening.
func (s *Sink) Close() error { return s.l.Close() }

func (s *Sink) serve() {
	for {
		c, err := s.l.Accept()
		if err != nil {
			return
		}
		go s.session(c)
	}
}

func (s *Sink) session(c net.Conn) {
	defer c.Close()
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	reply := func(line string) bool {
		_, err := w.WriteString(line + "\r\n")
		return err == nil && w.Flush() == nil
	}
	if !reply("220 sink ESMTP") {
		return
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			if !reply("250-sink") || !reply("250-8BITMIME") || !reply("250 SMTPUTF8") {
				return
			}
		case cmd == "DATA":
			if !reply("354 go ahead") {
				return
			}
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" || l == ".\n" {
					break
				}
			}
			s.Messages.Add(1)
			if !reply("250 queued") {
				return
			}
		case strings.HasPrefix(cmd, "RCPT TO:"):
			answer := "250 ok"
			if f := s.refuse.Load(); f != nil {
				if r := (*f)(strings.TrimSpace(line)[len("RCPT TO:"):]); r != "" {
					answer = r
				}
			}
			if !reply(answer) {
				return
			}
		case cmd == "QUIT":
			reply("221 bye")
			return
		default:
			if !reply("250 ok") {
				return
			}
		}
	}
}
