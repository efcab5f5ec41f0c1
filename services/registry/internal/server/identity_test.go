package server_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/servicetest"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
	"github.com/nastavnik/nastavnik/services/registry/app"
)

// TestServicePortRefusesBadIdentities calls the registry's own port, past the
// gateway, with identities an attacker could make.
func TestServicePortRefusesBadIdentities(t *testing.T) {
	r := servicetest.Start(t, app.Spec)
	conn, err := grpc.NewClient(r.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	orgs := registryv1.NewRegionServiceClient(conn)
	operator := identity.Principal{Login: "mallory", Bindings: []identity.Binding{{Role: identity.Operator}}}

	otherKey, _ := identity.NewSigner([]byte(strings.Repeat("m", 32)))
	forged, _ := otherKey.Sign(operator, time.Now(), time.Minute)
	expired, _ := servicetest.Signer.Sign(operator, time.Now().Add(-time.Hour), time.Minute)
	valid, _ := servicetest.Signer.Sign(operator, time.Now(), time.Minute)
	payload, _, _ := strings.Cut(valid, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(payload)
	tampered := base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(raw), "mallory", "mallorx", 1))) + valid[len(payload):]

	tests := []struct {
		name string
		md   metadata.MD
		want codes.Code
	}{
		{"no identity", metadata.MD{}, codes.Unauthenticated},
		{"signed with another key", metadata.Pairs(identity.MetadataKey, forged), codes.Unauthenticated},
		{"expired", metadata.Pairs(identity.MetadataKey, expired), codes.Unauthenticated},
		{"unsigned", metadata.Pairs(identity.MetadataKey, payload), codes.Unauthenticated},
		{"tampered", metadata.Pairs(identity.MetadataKey, tampered), codes.Unauthenticated},
		{"two identities", metadata.Pairs(identity.MetadataKey, valid, identity.MetadataKey, valid), codes.Unauthenticated},
		{"valid", metadata.Pairs(identity.MetadataKey, valid), codes.OK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := metadata.NewOutgoingContext(context.Background(), tc.md)
			_, err := orgs.ListRegions(ctx, &registryv1.ListRegionsRequest{})
			if got := status.Code(err); got != tc.want {
				t.Errorf("got %v (%v), want %v", got, err, tc.want)
			}
		})
	}
}

func TestCreateFirstOperator(t *testing.T) {
	r := servicetest.Start(t, app.Spec)
	ctx := context.Background()
	if err := app.CreateOperator(ctx, r.Database, "Admin", "Оператор", "short"); err == nil {
		t.Errorf("a weak password was accepted")
	}
	if err := app.CreateOperator(ctx, r.Database, "Admin", "Оператор", "Platform-ops-2026"); err != nil {
		t.Fatalf("CreateOperator: %v", err)
	}
	if err := app.CreateOperator(ctx, r.Database, "admin", "Оператор", "Platform-ops-2026"); err != app.ErrOperatorExists {
		t.Errorf("second CreateOperator = %v, want ErrOperatorExists", err)
	}
	list, err := registryv1.NewAccountServiceClient(r.Conn).ListAccounts(ctx, &registryv1.ListAccountsRequest{})
	if err != nil || len(list.GetAccounts()) != 1 {
		t.Fatalf("accounts: %v, %v", list.GetAccounts(), err)
	}
	a := list.GetAccounts()[0]
	if a.GetLogin() != "admin" || len(a.GetRoles()) != 1 || a.GetRoles()[0].GetRole() != registryv1.Role_ROLE_OPERATOR {
		t.Errorf("operator account = %v", a)
	}
}
