package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/pagination"
	"github.com/nastavnik/nastavnik/platform/russian"
	"github.com/nastavnik/nastavnik/platform/validation"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
	"github.com/nastavnik/nastavnik/services/registry/internal/domain"
	"github.com/nastavnik/nastavnik/services/registry/internal/password"
	"github.com/nastavnik/nastavnik/services/registry/internal/store"
)

var protoRoles = map[registryv1.Role]identity.Role{
	registryv1.Role_ROLE_OPERATOR: identity.Operator, registryv1.Role_ROLE_REGIONAL: identity.Regional,
	registryv1.Role_ROLE_METHODOLOGIST: identity.Methodologist, registryv1.Role_ROLE_CURATOR: identity.Curator,
}

func roleToProto(r identity.Role) registryv1.Role {
	for k, v := range protoRoles {
		if v == r {
			return k
		}
	}
	return registryv1.Role_ROLE_UNSPECIFIED
}

func accountFromProto(a *registryv1.Account) domain.Account {
	out := domain.Account{ID: a.GetId(), Login: domain.NormalizeLogin(a.GetLogin()), Name: a.GetName(),
		Email: a.GetEmail(), Version: a.GetVersion()}
	for _, r := range a.GetRoles() {
		out.Roles = append(out.Roles, domain.RoleBinding{Role: protoRoles[r.GetRole()], Scope: r.GetScope()})
	}
	return out
}

func accountToProto(a domain.Account) *registryv1.Account {
	out := &registryv1.Account{Id: a.ID, Login: a.Login, Name: a.Name, Email: a.Email, Blocked: a.Blocked,
		Version: a.Version, CreateTime: ts(a.CreateTime), UpdateTime: ts(a.UpdateTime), DigestsOff: a.DigestsOff}
	for _, r := range a.Roles {
		out.Roles = append(out.Roles, &registryv1.RoleBinding{Role: roleToProto(r.Role), Scope: r.Scope})
	}
	return out
}

// resolveManaged resolves the roles of an account being created or changed and
// checks that p may hand them out. A scope p cannot see at all is reported as
// not existing.
func (s *Server) resolveManaged(ctx context.Context, p identity.Principal, roles []domain.RoleBinding) ([]domain.RoleBinding, error) {
	resolved, err := s.store.ResolveRoles(ctx, roles)
	if err != nil {
		return nil, validation.Prefixed("account", err)
	}
	var ve validation.Error
	for i, r := range resolved {
		if r.Role != identity.Operator && !p.Related(r.Path.Scope()) {
			ve.Add(fmt.Sprintf("account.roles[%d].scope", i), validation.NotFound("scope"))
		}
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	if !domain.ManagesAll(p, resolved) {
		return nil, domain.ErrPermissionDenied
	}
	return resolved, nil
}

// CreateAccount implements AccountService.
func (s *Server) CreateAccount(ctx context.Context, req *registryv1.CreateAccountRequest) (*registryv1.CreateAccountResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	a := accountFromProto(req.GetAccount())
	ve := &validation.Error{}
	ve.Merge("account", asValidation(a.Validate()))
	if err := password.CheckStrength(req.GetPassword(), a.Login); err != nil {
		ve.Add("password", err)
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	if a.Roles, err = s.resolveManaged(ctx, p, a.Roles); err != nil {
		return nil, err
	}
	hash, err := password.Hash(req.GetPassword())
	if err != nil {
		return nil, err
	}
	out, err := s.store.CreateAccount(ctx, actor(p), a, hash)
	if err != nil {
		return nil, err
	}
	return &registryv1.CreateAccountResponse{Account: accountToProto(out)}, nil
}

// managedAccount reads an account p manages (or p's own when self is allowed);
// any other is ErrNotFound.
func (s *Server) managedAccount(ctx context.Context, p identity.Principal, id string, self bool) (domain.Account, error) {
	a, err := s.store.GetAccount(ctx, id)
	if err != nil {
		return domain.Account{}, err
	}
	if (self && a.ID == p.AccountID) || domain.ManagesAny(p, a.Roles) {
		return a, nil
	}
	return domain.Account{}, domain.ErrNotFound
}

// GetAccount implements AccountService.
func (s *Server) GetAccount(ctx context.Context, req *registryv1.GetAccountRequest) (*registryv1.GetAccountResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.managedAccount(ctx, p, req.GetId(), true)
	if err != nil {
		return nil, err
	}
	return &registryv1.GetAccountResponse{Account: accountToProto(a)}, nil
}

type loginCursor struct {
	Login string `json:"l"`
}

// ListAccounts implements AccountService.
func (s *Server) ListAccounts(ctx context.Context, req *registryv1.ListAccountsRequest) (*registryv1.ListAccountsResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	f := store.AccountFilter{Reach: p.Reach(), Self: p.AccountID, Query: russian.SearchKey(req.GetQuery())}
	var cur loginCursor
	if err := pagination.Read(req.GetPageToken(), f.Query, &cur); err != nil {
		return nil, err
	}
	size := pagination.Size(req.GetPageSize())
	list, err := s.store.ListAccounts(ctx, f, cur.Login, size+1)
	if err != nil {
		return nil, err
	}
	resp := &registryv1.ListAccountsResponse{}
	list, resp.NextPageToken, err = pagination.Trim(list, size, f.Query, func(a domain.Account) any { return loginCursor{Login: a.Login} })
	if err != nil {
		return nil, err
	}
	for _, a := range list {
		resp.Accounts = append(resp.Accounts, accountToProto(a))
	}
	return resp, nil
}

// UpdateAccount implements AccountService.
func (s *Server) UpdateAccount(ctx context.Context, req *registryv1.UpdateAccountRequest) (*registryv1.UpdateAccountResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	a := accountFromProto(req.GetAccount())
	if !isUUID(a.ID) {
		return nil, validation.Field("account.id", validation.BadUUID())
	}
	old, err := s.managedAccount(ctx, p, a.ID, false)
	if err != nil {
		return nil, err
	}
	if !domain.ManagesAll(p, old.Roles) {
		return nil, domain.ErrPermissionDenied
	}
	a.Login = old.Login
	ve := &validation.Error{}
	ve.Merge("account", asValidation(a.Validate()))
	if a.Version <= 0 {
		ve.Add("account.version", validation.BaseVersion("version"))
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	if a.Roles, err = s.resolveManaged(ctx, p, a.Roles); err != nil {
		return nil, err
	}
	out, err := s.store.UpdateAccount(ctx, actor(p), a)
	if err != nil {
		return nil, err
	}
	return &registryv1.UpdateAccountResponse{Account: accountToProto(out)}, nil
}

func (s *Server) setBlocked(ctx context.Context, id string, blocked bool) (*registryv1.Account, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.managedAccount(ctx, p, id, false)
	switch {
	case err != nil:
		return nil, err
	case !domain.ManagesAll(p, a.Roles) || a.ID == p.AccountID:
		return nil, domain.ErrPermissionDenied
	}
	out, err := s.store.SetBlocked(ctx, actor(p), id, blocked)
	if err != nil {
		return nil, err
	}
	return accountToProto(out), nil
}

// BlockAccount implements AccountService.
func (s *Server) BlockAccount(ctx context.Context, req *registryv1.BlockAccountRequest) (*registryv1.BlockAccountResponse, error) {
	a, err := s.setBlocked(ctx, req.GetId(), true)
	if err != nil {
		return nil, err
	}
	return &registryv1.BlockAccountResponse{Account: a}, nil
}

// UnblockAccount implements AccountService.
func (s *Server) UnblockAccount(ctx context.Context, req *registryv1.UnblockAccountRequest) (*registryv1.UnblockAccountResponse, error) {
	a, err := s.setBlocked(ctx, req.GetId(), false)
	if err != nil {
		return nil, err
	}
	return &registryv1.UnblockAccountResponse{Account: a}, nil
}

// ResetPassword implements AccountService.
func (s *Server) ResetPassword(ctx context.Context, req *registryv1.ResetPasswordRequest) (*registryv1.ResetPasswordResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.managedAccount(ctx, p, req.GetId(), false)
	switch {
	case err != nil:
		return nil, err
	case !domain.ManagesAll(p, a.Roles):
		return nil, domain.ErrPermissionDenied
	}
	if err := password.CheckStrength(req.GetNewPassword(), a.Login); err != nil {
		return nil, validation.Field("new_password", err)
	}
	hash, err := password.Hash(req.GetNewPassword())
	if err != nil {
		return nil, err
	}
	if err := s.store.SetPassword(ctx, actor(p), a.ID, hash, true); err != nil {
		return nil, err
	}
	return &registryv1.ResetPasswordResponse{}, nil
}

// GetMe implements AccountService.
func (s *Server) GetMe(ctx context.Context, _ *registryv1.GetMeRequest) (*registryv1.GetMeResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.store.GetAccount(ctx, p.AccountID)
	if err != nil {
		return nil, err
	}
	return &registryv1.GetMeResponse{Account: accountToProto(a)}, nil
}

// SetMyDigests implements AccountService: a person changes only their own.
func (s *Server) SetMyDigests(ctx context.Context, req *registryv1.SetMyDigestsRequest) (*registryv1.SetMyDigestsResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.store.SetDigests(ctx, actor(p), p.AccountID, req.GetDigestsOff())
	if err != nil {
		return nil, err
	}
	return &registryv1.SetMyDigestsResponse{Account: accountToProto(a)}, nil
}

// ChangePassword implements AccountService.
func (s *Server) ChangePassword(ctx context.Context, req *registryv1.ChangePasswordRequest) (*registryv1.ChangePasswordResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	err = s.store.CheckPassword(ctx, actor(p), p.AccountID, s.now(), domain.DefaultThrottle, domain.SourceThrottle,
		func(hash string) bool {
			ok, err := password.Verify(req.GetCurrentPassword(), hash)
			return err == nil && ok
		})
	if errors.Is(err, domain.ErrBadCredentials) {
		return nil, validation.Field("current_password", validation.New("password_mismatch"))
	}
	if err != nil {
		return nil, err
	}
	if err := password.CheckStrength(req.GetNewPassword(), p.Login); err != nil {
		return nil, validation.Field("new_password", err)
	}
	newHash, err := password.Hash(req.GetNewPassword())
	if err != nil {
		return nil, err
	}
	if err := s.store.SetPassword(ctx, actor(p), p.AccountID, newHash, false); err != nil {
		return nil, err
	}
	return &registryv1.ChangePasswordResponse{}, nil
}

func tokenToProto(t domain.APIToken) *registryv1.ApiToken {
	return &registryv1.ApiToken{Id: t.ID, Name: t.Name, ReadOnly: t.ReadOnly, ExpireTime: ts(t.ExpireTime),
		CreateTime: ts(t.CreateTime), LastUseTime: ts(t.LastUseTime), Revoked: t.Revoked}
}

// TokenPrefix starts every API token secret, so that leaked tokens are easy to
// find and scanners can recognise them.
const TokenPrefix = "nst_"

// CreateApiToken implements AccountService.
func (s *Server) CreateApiToken(ctx context.Context, req *registryv1.CreateApiTokenRequest) (*registryv1.CreateApiTokenResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if p.ReadOnly {
		return nil, domain.ErrPermissionDenied
	}
	expire := req.GetExpireTime().AsTime()
	now := s.now()
	if !expire.After(now) || expire.Sub(now) > domain.MaxTokenTTL {
		return nil, validation.Field("expire_time", validation.New("expire_time"))
	}
	secret, hash, err := newSecret(TokenPrefix)
	if err != nil {
		return nil, err
	}
	t, err := s.store.CreateAPIToken(ctx, actor(p), domain.APIToken{AccountID: p.AccountID, Name: req.GetName(),
		ReadOnly: req.GetReadOnly(), ExpireTime: expire}, hash)
	if err != nil {
		return nil, err
	}
	return &registryv1.CreateApiTokenResponse{Token: tokenToProto(t), Secret: secret}, nil
}

// ListApiTokens implements AccountService.
func (s *Server) ListApiTokens(ctx context.Context, _ *registryv1.ListApiTokensRequest) (*registryv1.ListApiTokensResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	list, err := s.store.ListAPITokens(ctx, p.AccountID)
	if err != nil {
		return nil, err
	}
	resp := &registryv1.ListApiTokensResponse{}
	for _, t := range list {
		resp.Tokens = append(resp.Tokens, tokenToProto(t))
	}
	return resp, nil
}

// RevokeApiToken implements AccountService.
func (s *Server) RevokeApiToken(ctx context.Context, req *registryv1.RevokeApiTokenRequest) (*registryv1.RevokeApiTokenResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.store.RevokeAPIToken(ctx, actor(p), p.AccountID, req.GetId())
	if err != nil {
		return nil, err
	}
	return &registryv1.RevokeApiTokenResponse{Token: tokenToProto(t)}, nil
}
