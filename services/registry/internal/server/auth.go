package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"

	"github.com/nastavnik/nastavnik/platform/identity"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
	"github.com/nastavnik/nastavnik/services/registry/internal/domain"
	"github.com/nastavnik/nastavnik/services/registry/internal/password"
)

// clientAddr is the client's address: the one the gateway signed into its
// identity; a field of the request (claimed) only when there is none — a field
// could be anything the client wrote.
func clientAddr(ctx context.Context, claimed string) string {
	if p, ok := identity.FromContext(ctx); ok && p.RemoteAddr != "" {
		return p.RemoteAddr
	}
	return claimed
}

// signIn checks login and password under the throttle.
func (s *Server) signIn(ctx context.Context, login, pw, remote string) (domain.Account, error) {
	login = domain.NormalizeLogin(login)
	rid := ""
	if p, ok := identity.FromContext(ctx); ok {
		rid = p.RequestID
	}
	a := domain.Actor{Login: login, RemoteAddr: clientAddr(ctx, remote), RequestID: rid}
	return s.store.SignIn(ctx, a, login, s.now(), domain.DefaultThrottle,
		func(hash string) bool {
			ok, err := password.Verify(pw, hash)
			return err == nil && ok
		},
		func() { password.BurnTime(pw) })
}

// SignIn implements AuthService.
func (s *Server) SignIn(ctx context.Context, req *registryv1.SignInRequest) (*registryv1.SignInResponse, error) {
	a, err := s.signIn(ctx, req.GetLogin(), req.GetPassword(), req.GetRemoteAddr())
	if err != nil {
		return nil, err
	}
	secret, hash, err := newSecret("")
	if err != nil {
		return nil, err
	}
	csrf := make([]byte, 24)
	if _, err := rand.Read(csrf); err != nil {
		return nil, err
	}
	csrfToken := base64.RawURLEncoding.EncodeToString(csrf)
	now := s.now()
	if err := s.store.CreateSession(ctx, a.ID, hash, csrfToken, now, clientAddr(ctx, req.GetRemoteAddr()), req.GetUserAgent()); err != nil {
		return nil, err
	}
	return &registryv1.SignInResponse{Session: secret, CsrfToken: csrfToken, ExpireTime: ts(now.Add(domain.AbsoluteTimeout))}, nil
}

// IssueToken implements AuthService.
func (s *Server) IssueToken(ctx context.Context, req *registryv1.IssueTokenRequest) (*registryv1.IssueTokenResponse, error) {
	a, err := s.signIn(ctx, req.GetLogin(), req.GetPassword(), req.GetRemoteAddr())
	if err != nil {
		return nil, err
	}
	secret, hash, err := newSecret(TokenPrefix)
	if err != nil {
		return nil, err
	}
	expire := s.now().Add(domain.SignInTokenTTL)
	t, err := s.store.CreateAPIToken(ctx, domain.Actor{AccountID: a.ID, Login: a.Login, RemoteAddr: clientAddr(ctx, req.GetRemoteAddr())},
		domain.APIToken{AccountID: a.ID, Name: "sign-in token", ExpireTime: expire}, hash)
	if err != nil {
		return nil, err
	}
	return &registryv1.IssueTokenResponse{Token: secret, ExpiresAt: ts(t.ExpireTime)}, nil
}

// Authenticate implements AuthService.
func (s *Server) Authenticate(ctx context.Context, req *registryv1.AuthenticateRequest) (*registryv1.AuthenticateResponse, error) {
	var (
		accountID, csrf string
		readOnly        bool
	)
	now := s.now()
	switch c := req.GetCredential().(type) {
	case *registryv1.AuthenticateRequest_Session:
		sess, err := s.store.Session(ctx, hashSecret(c.Session), now)
		if err != nil {
			return nil, unauthenticated(err)
		}
		accountID, csrf = sess.AccountID, sess.CSRFToken
	case *registryv1.AuthenticateRequest_Bearer:
		if !strings.HasPrefix(c.Bearer, TokenPrefix) {
			return nil, domain.ErrUnauthenticated
		}
		t, err := s.store.Token(ctx, hashSecret(c.Bearer), now)
		if err != nil {
			return nil, unauthenticated(err)
		}
		accountID, readOnly = t.AccountID, t.ReadOnly
	}
	a, err := s.store.GetAccount(ctx, accountID)
	if err != nil {
		return nil, unauthenticated(err)
	}
	if a.Blocked {
		return nil, domain.ErrUnauthenticated
	}
	principal := &registryv1.Principal{AccountId: a.ID, Login: a.Login, ReadOnly: readOnly}
	for _, r := range a.Roles {
		principal.Roles = append(principal.Roles, &registryv1.ScopedRole{Role: roleToProto(r.Role),
			Region: r.Path.Region, Municipality: r.Path.Municipality, Organisation: r.Path.Organisation})
	}
	return &registryv1.AuthenticateResponse{Principal: principal, CsrfToken: csrf}, nil
}

// SignOut implements AuthService.
func (s *Server) SignOut(ctx context.Context, req *registryv1.SignOutRequest) (*registryv1.SignOutResponse, error) {
	hash := hashSecret(req.GetSession())
	sess, err := s.store.Session(ctx, hash, s.now())
	if errors.Is(err, domain.ErrNotFound) {
		return &registryv1.SignOutResponse{}, nil // already ended
	}
	if err != nil {
		return nil, err
	}
	if err := s.store.DeleteSession(ctx, domain.Actor{AccountID: sess.AccountID}, hash); err != nil {
		return nil, err
	}
	return &registryv1.SignOutResponse{}, nil
}

func unauthenticated(err error) error {
	if errors.Is(err, domain.ErrNotFound) {
		return domain.ErrUnauthenticated
	}
	return err
}
