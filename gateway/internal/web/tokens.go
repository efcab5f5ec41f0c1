package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// AccountBackend is what the person's own account pages need.
type AccountBackend interface {
	// ChangePassword changes the person's password; a wrong current one is
	// WrongPassword, a weak new one WeakPassword, and too many wrong ones in
	// a row TooManyAttempts.
	ChangePassword(ctx context.Context, current, next string) error
	// DigestsOff reports whether the person turned digests off.
	DigestsOff(ctx context.Context) (bool, error)
	// SetDigestsOff turns the person's own digests off or on.
	SetDigestsOff(ctx context.Context, off bool) error
	// Tokens lists the person's API tokens.
	Tokens(ctx context.Context) ([]TokenView, error)
	// CreateToken creates a token and returns it with its secret, shown once.
	CreateToken(ctx context.Context, name string, readOnly bool, expires time.Time) (TokenView, string, error)
	// RevokeToken revokes one of the person's tokens.
	RevokeToken(ctx context.Context, id string) error
}

// Errors of ChangePassword.
var (
	WrongPassword = status.Error(codes.InvalidArgument, "current password does not match")
	WeakPassword  = status.Error(codes.InvalidArgument, "new password is too weak")
	// TooManyAttempts: too many wrong current passwords; wait and retry.
	TooManyAttempts = status.Error(codes.ResourceExhausted, "too many wrong current passwords")
)

// TokenView is an API token as its owner sees it (never its secret).
type TokenView struct {
	ID, Name string
	ReadOnly bool
	Expires  time.Time
	Created  time.Time
	LastUse  time.Time
	Revoked  bool
}

// Active reports a token that still works at now.
func (t TokenView) Active(now time.Time) bool { return !t.Revoked && now.Before(t.Expires) }

// TokensPage lists the person's tokens and creates new ones.
type TokensPage struct {
	Base
	Tokens []TokenView
	// Secret is the new token's secret, shown once.
	Secret  string
	Created string
	Errors  []SummaryItem
	Name    string
	Days    string
	now     time.Time
}

// Active reports a token that still works.
func (tp TokensPage) Active(t TokenView) bool { return t.Active(tp.now) }

// FieldError is the message of a field, for the template.
func (tp TokensPage) FieldError(id string) string {
	for _, e := range tp.Errors {
		if e.Href == "#"+id {
			return e.Message
		}
	}
	return ""
}

func (p *Pages) tokensPage(r *http.Request) TokensPage {
	return TokensPage{Base: p.base(r, "Ключи API", "tokens"), Days: "90", now: p.now()}
}

func (p *Pages) tokens(w http.ResponseWriter, r *http.Request) error {
	page := p.tokensPage(r)
	return p.renderTokens(w, r, http.StatusOK, page)
}

func (p *Pages) renderTokens(w http.ResponseWriter, r *http.Request, code int, page TokensPage) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	if page.Tokens, err = p.account.Tokens(ctx); err != nil {
		return err
	}
	p.render(w, r, code, "tokens.html", page)
	return nil
}

// maxTokenDays is the longest a token may live.
const maxTokenDays = 365

func (p *Pages) createToken(w http.ResponseWriter, r *http.Request) error {
	page := p.tokensPage(r)
	page.Name, page.Days = strings.TrimSpace(r.PostFormValue("name")), strings.TrimSpace(r.PostFormValue("days"))
	if n := utf8.RuneCountInString(page.Name); n == 0 || n > 100 {
		page.Errors = append(page.Errors, SummaryItem{Href: "#name", Message: "Назовите ключ: для чего он (не длиннее 100 символов)"})
	}
	days, err := strconv.Atoi(page.Days)
	if err != nil || days < 1 || days > maxTokenDays {
		page.Errors = append(page.Errors, SummaryItem{Href: "#days", Message: "Срок действия — от 1 до 365 дней"})
	}
	if len(page.Errors) > 0 {
		return p.renderTokens(w, r, http.StatusBadRequest, page)
	}
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	tok, secret, err := p.account.CreateToken(ctx, page.Name, r.PostFormValue("access") != "write",
		p.now().Add(time.Duration(days)*24*time.Hour))
	if err != nil {
		return err
	}
	page.Secret, page.Created, page.Name = secret, tok.Name, ""
	w.Header().Set("Cache-Control", "no-store")
	return p.renderTokens(w, r, http.StatusOK, page)
}

func (p *Pages) revokeToken(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	if err := p.account.RevokeToken(ctx, r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/account/tokens", http.StatusSeeOther)
	return nil
}
