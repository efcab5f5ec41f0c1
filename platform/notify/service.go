package notify

import (
	"io/fs"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/notify/mailpit"
)

// Service is what one service's outbox has of its own; the rest is the
// platform's (Platform).
type Service struct {
	// Name names the service to the registry (in the registry's logs).
	Name string
	// Templates renders the service's kinds (ServiceTemplates); its kinds
	// are the kinds whose metrics start at zero.
	Templates *Templates
	// Guard is the service's check that a message is still wanted; nil
	// wants every message.
	Guard Guard
}

// Platform is what every service's outbox is given by the platform
// (platform/service's Env).
type Platform struct {
	Config   Config
	Pool     *pgxpool.Pool
	Signer   *identity.Signer
	Registry grpc.ClientConnInterface
	Metrics  prometheus.Registerer
	Logger   *slog.Logger
}

// New returns a service's outbox: people named by the registry, messages
// rendered by the service's templates and sent by SMTP when Config names a
// host (without one the messages wait, recorded and listed), the senders
// that died while sending resolved by the Mailpit of Config.CheckURL when
// set, and the outbox's metrics registered.
func New(p Platform, s Service) *Outbox {
	ob := &Outbox{Pool: p.Pool, Directory: NewRegistry(p.Signer, p.Registry, s.Name), Renderer: s.Templates,
		Guard: s.Guard, Domain: p.Config.Domain(), Workers: p.Config.Workers,
		Metrics: NewMetrics(p.Metrics, s.Templates.Kinds()...), Logger: p.Logger}
	if p.Config.SMTPHost != "" {
		ob.Mailer = NewSMTP(p.Config)
	}
	if p.Config.CheckURL != "" {
		ob.Checker = &mailpit.Client{BaseURL: p.Config.CheckURL}
	}
	return ob
}

// ServiceTemplates parses a service's templates of kinds from the folder
// dir of fsys (its embedded templates), with links to the gateway at link
// (the public address) and an unsubscribe link in digests.
func ServiceTemplates(fsys fs.FS, dir, link string, kinds ...string) (*Templates, error) {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		return nil, err
	}
	t, err := ParseTemplates(sub, kinds...)
	if err != nil {
		return nil, err
	}
	t.Link = link
	t.Unsubscribe = UnsubscribeLink(link)
	return t, nil
}
