// Command dbinit prepares a PostgreSQL database for nastavnik: it creates the
// database when missing and, for every service, a login role that owns the
// service's schema and nothing else. It is run once per deployment by an
// administrator (and by `make run`); the services themselves never need
// superuser rights.
//
//	dbinit -admin postgres://postgres@127.0.0.1:5544/postgres -db nastavnik -schemas registry,roadmap,indicators
//
// Role passwords come from DBINIT_PASSWORD_<SCHEMA> (e.g. DBINIT_PASSWORD_REGISTRY)
// and default to the role name, which suits a local trust-authenticated cluster only.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/nastavnik/nastavnik/platform/database"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "dbinit:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("dbinit", flag.ContinueOnError)
	admin := fs.String("admin", os.Getenv("DBINIT_ADMIN_URL"), "superuser connection URL (maintenance database)")
	db := fs.String("db", "nastavnik", "database to create and prepare")
	schemas := fs.String("schemas", "registry,roadmap,indicators", "comma-separated service schemas")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *admin == "" {
		return fmt.Errorf("-admin (or DBINIT_ADMIN_URL) is required")
	}
	var list []string
	for _, s := range strings.Split(*schemas, ",") {
		if s = strings.TrimSpace(s); s != "" {
			list = append(list, s)
		}
	}
	passwords := make(map[string]string, len(list))
	for _, s := range list {
		p := os.Getenv("DBINIT_PASSWORD_" + strings.ToUpper(s))
		if p == "" {
			p = s
		}
		passwords[s] = p
	}
	return database.Prepare(ctx, *admin, *db, passwords)
}
