package notify

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Config is the e-mail configuration, from the environment (a service
// embeds it in its own configuration).
type Config struct {
	// SMTPHost is the mail server; empty turns e-mail off (the outbox
	// still records every notification for the pages).
	SMTPHost string `env:"NASTAVNIK_SMTP_HOST"`
	SMTPPort int    `env:"NASTAVNIK_SMTP_PORT" envDefault:"587"`
	// SMTPUsername and SMTPPassword authenticate (PLAIN/LOGIN as the server
	// offers) when the username is set. The password is never printed.
	SMTPUsername string `env:"NASTAVNIK_SMTP_USERNAME"`
	SMTPPassword string `env:"NASTAVNIK_SMTP_PASSWORD"`
	// SMTPTLS is mandatory (STARTTLS required), opportunistic or none.
	SMTPTLS string `env:"NASTAVNIK_SMTP_TLS" envDefault:"mandatory"`
	// SMTPFrom is the sender, e.g. "Наставник <noreply@example.org>"; its
	// domain is the domain of Message-IDs.
	SMTPFrom string `env:"NASTAVNIK_SMTP_FROM" envDefault:"Наставник <noreply@nastavnik.local>"`
	// SMTPTimeout bounds a connection and each command.
	SMTPTimeout time.Duration `env:"NASTAVNIK_SMTP_TIMEOUT" envDefault:"15s"`
	// CheckURL is a Mailpit's address whose API resolves the messages of a
	// sender that died while sending (see Outbox.Recover); empty for none.
	CheckURL string `env:"NASTAVNIK_SMTP_CHECK_URL"`
	// PublicURL is the gateway's address as people reach it, for the links
	// in messages.
	PublicURL string `env:"NASTAVNIK_PUBLIC_URL" envDefault:"http://127.0.0.1:8080"`
	// Interval is how often the outbox looks for due work.
	Interval time.Duration `env:"NASTAVNIK_NOTIFY_INTERVAL" envDefault:"30s"`
	// Workers is how many messages one process hands over at once.
	Workers int `env:"NASTAVNIK_NOTIFY_WORKERS" envDefault:"2"`
}

// Validate reports every problem of the e-mail configuration.
func (c Config) Validate() error {
	var errs []error
	if c.SMTPHost != "" && (c.SMTPPort < 1 || c.SMTPPort > 65535) {
		errs = append(errs, fmt.Errorf("NASTAVNIK_SMTP_PORT must be 1..65535, got %d", c.SMTPPort))
	}
	if _, err := c.tlsPolicy(); err != nil {
		errs = append(errs, err)
	}
	if _, err := mail.ParseAddress(c.SMTPFrom); err != nil {
		errs = append(errs, fmt.Errorf("NASTAVNIK_SMTP_FROM is not an address: %w", err))
	}
	if c.SMTPTimeout <= 0 {
		errs = append(errs, fmt.Errorf("NASTAVNIK_SMTP_TIMEOUT must be positive, got %s", c.SMTPTimeout))
	}
	for name, v := range map[string]string{"NASTAVNIK_PUBLIC_URL": c.PublicURL, "NASTAVNIK_SMTP_CHECK_URL": c.CheckURL} {
		if v == "" && name == "NASTAVNIK_SMTP_CHECK_URL" {
			continue
		}
		if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s must be an http(s) URL, got %q", name, v))
		}
	}
	if c.Interval <= 0 {
		errs = append(errs, fmt.Errorf("NASTAVNIK_NOTIFY_INTERVAL must be positive, got %s", c.Interval))
	}
	if c.Workers < 1 || c.Workers > 32 {
		errs = append(errs, fmt.Errorf("NASTAVNIK_NOTIFY_WORKERS must be 1..32, got %d", c.Workers))
	}
	return errors.Join(errs...)
}

func (c Config) tlsPolicy() (gomail.TLSPolicy, error) {
	switch c.SMTPTLS {
	case "mandatory":
		return gomail.TLSMandatory, nil
	case "opportunistic":
		return gomail.TLSOpportunistic, nil
	case "none":
		return gomail.NoTLS, nil
	}
	return 0, fmt.Errorf("NASTAVNIK_SMTP_TLS must be mandatory, opportunistic or none, got %q", c.SMTPTLS)
}

// Domain is the domain of the sender's address, for Message-IDs.
func (c Config) Domain() string {
	a, err := mail.ParseAddress(c.SMTPFrom)
	if err != nil {
		return "nastavnik.local"
	}
	if at := strings.LastIndexByte(a.Address, '@'); at >= 0 {
		return a.Address[at+1:]
	}
	return "nastavnik.local"
}

// SMTP is the Mailer of Config: go-mail over one connection per batch.
type SMTP struct{ cfg Config }

// NewSMTP returns the mailer of a validated cfg.
func NewSMTP(cfg Config) *SMTP { return &SMTP{cfg: cfg} }

// Open connects to the mail server.
func (s *SMTP) Open(ctx context.Context) (Session, error) {
	policy, err := s.cfg.tlsPolicy()
	if err != nil {
		return nil, err
	}
	opts := []gomail.Option{gomail.WithPort(s.cfg.SMTPPort), gomail.WithTLSPortPolicy(policy),
		gomail.WithTimeout(s.cfg.SMTPTimeout)}
	if s.cfg.SMTPUsername != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.cfg.SMTPUsername), gomail.WithPassword(s.cfg.SMTPPassword))
	}
	c, err := gomail.NewClient(s.cfg.SMTPHost, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp: %w", err)
	}
	if err := c.DialWithContext(ctx); err != nil {
		return nil, fmt.Errorf("smtp: dial %s:%d: %w", s.cfg.SMTPHost, s.cfg.SMTPPort, err)
	}
	return &smtpSession{c: c, from: s.cfg.SMTPFrom}, nil
}

type smtpSession struct {
	c    *gomail.Client
	from string
}

// Send builds the MIME message (text with an HTML alternative) and hands it
// over. A 5xx refusal is ErrPermanent.
func (s *smtpSession) Send(_ context.Context, m Mail) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return fmt.Errorf("smtp: from: %w: %w", err, ErrPermanent)
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return fmt.Errorf("smtp: to %q: %w: %w", m.To, err, ErrPermanent)
	}
	to.Name = m.ToName
	msg.ToMailAddress(to)
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDate()
	if m.Unsubscribe != "" {
		msg.SetGenHeader(gomail.HeaderListUnsubscribe, "<"+m.Unsubscribe+">")
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	if err := s.c.Send(msg); err != nil {
		var se *gomail.SendError
		if errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500 {
			return fmt.Errorf("smtp: %w: %w", err, ErrPermanent)
		}
		return fmt.Errorf("smtp: %w", err)
	}
	return nil
}

func (s *smtpSession) Close() error { return s.c.Close() }
