package web

import (
	"context"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
)

// grpcAccount implements AccountBackend over the registry.
type grpcAccount struct {
	accounts registryv1.AccountServiceClient
}

// NewAccountBackend returns the account pages' backend over the registry.
func NewAccountBackend(registry grpc.ClientConnInterface) AccountBackend {
	return &grpcAccount{accounts: registryv1.NewAccountServiceClient(registry)}
}

func (a *grpcAccount) ChangePassword(ctx context.Context, current, next string) error {
	_, err := a.accounts.ChangePassword(ctx, &registryv1.ChangePasswordRequest{CurrentPassword: current, NewPassword: next})
	if status.Code(err) == codes.ResourceExhausted {
		return TooManyAttempts
	}
	if status.Code(err) == codes.InvalidArgument {
		if _, wrong := fieldViolations(err)["current_password"]; wrong {
			return WrongPassword
		}
		return WeakPassword
	}
	return err
}

func (a *grpcAccount) DigestsOff(ctx context.Context) (bool, error) {
	resp, err := a.accounts.GetMe(ctx, &registryv1.GetMeRequest{})
	return resp.GetAccount().GetDigestsOff(), err
}

func (a *grpcAccount) SetDigestsOff(ctx context.Context, off bool) error {
	_, err := a.accounts.SetMyDigests(ctx, &registryv1.SetMyDigestsRequest{DigestsOff: off})
	return err
}

func (a *grpcAccount) Tokens(ctx context.Context) ([]TokenView, error) {
	resp, err := a.accounts.ListApiTokens(ctx, &registryv1.ListApiTokensRequest{})
	if err != nil {
		return nil, err
	}
	out := make([]TokenView, 0, len(resp.GetTokens()))
	for _, t := range resp.GetTokens() {
		out = append(out, tokenView(t))
	}
	return out, nil
}

func tokenView(t *registryv1.ApiToken) TokenView {
	v := TokenView{ID: t.GetId(), Name: t.GetName(), ReadOnly: t.GetReadOnly(), Expires: t.GetExpireTime().AsTime(),
		Created: t.GetCreateTime().AsTime(), Revoked: t.GetRevoked()}
	if t.GetLastUseTime() != nil {
		v.LastUse = t.GetLastUseTime().AsTime()
	}
	return v
}

func (a *grpcAccount) CreateToken(ctx context.Context, name string, readOnly bool, expires time.Time) (TokenView, string, error) {
	resp, err := a.accounts.CreateApiToken(ctx, &registryv1.CreateApiTokenRequest{Name: name, ReadOnly: readOnly,
		ExpireTime: timestamppb.New(expires)})
	if err != nil {
		return TokenView{}, "", err
	}
	return tokenView(resp.GetToken()), resp.GetSecret(), nil
}

func (a *grpcAccount) RevokeToken(ctx context.Context, id string) error {
	_, err := a.accounts.RevokeApiToken(ctx, &registryv1.RevokeApiTokenRequest{Id: id})
	return err
}
