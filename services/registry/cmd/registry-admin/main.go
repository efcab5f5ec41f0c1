// Command registry-admin administers the registry's database directly, for
// what cannot go through the API. Today: creating the first operator.
//
//	registry-admin create-operator -login operator -name "Оператор платформы"
//
// The password comes from OPERATOR_PASSWORD, or is asked for on the terminal.
// The database is configured as for the registry service (DATABASE_URL, …).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/term"

	"github.com/nastavnik/nastavnik/platform/config"
	"github.com/nastavnik/nastavnik/services/registry/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "registry-admin:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "create-operator" {
		return errors.New("usage: registry-admin create-operator -login LOGIN [-name NAME] [-if-missing]")
	}
	fs := flag.NewFlagSet("create-operator", flag.ContinueOnError)
	login := fs.String("login", "operator", "login of the operator")
	name := fs.String("name", "Оператор платформы", "full name")
	ifMissing := fs.Bool("if-missing", false, "succeed when the login exists already")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	cfg, err := config.Load[config.Database](app.Spec.Defaults)
	if err != nil {
		return err
	}
	pw := os.Getenv("OPERATOR_PASSWORD")
	if pw == "" {
		if !term.IsTerminal(int(os.Stdin.Fd())) {
			return errors.New("set OPERATOR_PASSWORD or run on a terminal to be asked for it")
		}
		fmt.Fprint(os.Stderr, "Password for "+*login+": ")
		b, err := term.ReadPassword(int(os.Stdin.Fd()))
		fmt.Fprintln(os.Stderr)
		if err != nil {
			return err
		}
		pw = strings.TrimSpace(string(b))
	}
	err = app.CreateOperator(ctx, cfg, *login, *name, pw)
	if errors.Is(err, app.ErrOperatorExists) && *ifMissing {
		fmt.Printf("operator %s exists already\n", *login)
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Printf("operator %s created\n", *login)
	return nil
}
