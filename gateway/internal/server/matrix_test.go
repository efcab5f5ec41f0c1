package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/nastavnik/nastavnik/gateway/internal/config"
	"github.com/nastavnik/nastavnik/platform/identity"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
)

// The access matrix: every RPC of every service × every role × (own scope,
// foreign scope, no identity) → the gRPC code the caller must get, run through
// the gateway against the real services. A new RPC without a row fails the
// suite. After every foreign-scope call of a non-operator the database rows of
// the foreign scope are compared with those before the call, and no response
// to a non-operator may carry an identifier of a foreign object.

var roles = []string{"operator", "regional", "methodologist", "curator"}

// want lists the codes for operator, regional, methodologist, curator.
type want [4]codes.Code

func all(c codes.Code) want { return want{c, c, c, c} }

// httpCall is one HTTP request.
type httpCall struct {
	method, path string
	body         any
}

// row is the matrix row of one RPC.
type row struct {
	// own and foreign build the call a role makes against an object of its own
	// scope and of another scope. Builders may create fresh objects first.
	own, foreign func(f *fixture, role string) httpCall
	wantOwn      want
	wantForeign  want
	// anonymousOK: the call succeeds without an identity (signing in);
	// otherwise it is UNAUTHENTICATED.
	anonymousOK bool
	// grpcOnly: a method only the gateway may call, not exposed over HTTP; it is
	// called straight at the service with each role's identity instead.
	grpcOnly bool
	// wantOther are the codes of the methodologist of municipality B and the
	// regional centre of region 43 making the own call of the methodologist
	// and the regional of A (another tenant's objects); when nil, the
	// methodologist's and regional's wantForeign.
	wantOther *[2]codes.Code
}

// other is a principal of the other tenant who makes the call an A-side role
// makes on its own objects.
type other struct {
	name, as string // as: the A-side role whose own call it makes
	client   client
}

// fixture is the world the matrix runs in: region 24 with municipality A
// (schools A1, A2) is the roles' own; region 43 with municipality B (school
// B1) is foreign. The curator is A1's, so A2 next door is foreign to it too.
type fixture struct {
	t       testing.TB
	p       platform
	clients map[string]client
	ids     map[string]string // role → account id
	munA    string
	munB    string
	a1, a2  *registryv1.Organisation
	b1      *registryv1.Organisation
	accA2   string // curator of A2, managed by the methodologist
	accB1   string // curator of B1
	methB   string // methodologist of B
	n       atomic.Int64
	db      *pgx.Conn
	rmdb    *pgx.Conn
	years   map[string]int // municipality → the last year given a campaign
	idb     *pgx.Conn      // the indicators service's database
	ind     *indicatorsFixture
}

func (f *fixture) seq() int64 { return f.n.Add(1) }

func (f *fixture) newOrg(mun string) *registryv1.Organisation {
	f.t.Helper()
	n := int(f.seq())
	resp, err := registryv1.NewOrganisationServiceClient(f.p.reg.Conn).CreateOrganisation(context.Background(),
		&registryv1.CreateOrganisationRequest{Organisation: &registryv1.Organisation{MunicipalityId: mun,
			FullName: fmt.Sprintf("Школа %d", n), ShortName: fmt.Sprintf("Школа %d", n), Inn: validINN(5000 + n),
			Kind: registryv1.OrganisationKind_ORGANISATION_KIND_SCHOOL}})
	if err != nil {
		f.t.Fatalf("fixture: organisation: %v", err)
	}
	return resp.GetOrganisation()
}

func (f *fixture) newMunicipality(region string) *registryv1.Municipality {
	f.t.Helper()
	resp, err := registryv1.NewMunicipalityServiceClient(f.p.reg.Conn).CreateMunicipality(context.Background(),
		&registryv1.CreateMunicipalityRequest{Municipality: &registryv1.Municipality{RegionCode: region,
			Name: fmt.Sprintf("Муниципалитет %d", f.seq()), Kind: registryv1.MunicipalityKind_MUNICIPALITY_KIND_MUNICIPAL_OKRUG}})
	if err != nil {
		f.t.Fatalf("fixture: municipality: %v", err)
	}
	return resp.GetMunicipality()
}

func (f *fixture) newAccount(role registryv1.Role, scope string) string {
	f.t.Helper()
	return createAccount(f.t, f.p.reg, fmt.Sprintf("acc%d", f.seq()), "Fixture-pass-2026", role, scope)
}

func (f *fixture) version(o *registryv1.Organisation) string {
	f.t.Helper()
	resp, err := registryv1.NewOrganisationServiceClient(f.p.reg.Conn).GetOrganisation(context.Background(),
		&registryv1.GetOrganisationRequest{Id: o.GetId()})
	if err != nil {
		f.t.Fatalf("fixture: %v", err)
	}
	return fmt.Sprint(resp.GetOrganisation().GetVersion())
}

func (f *fixture) munVersion(id string) string {
	f.t.Helper()
	resp, err := registryv1.NewMunicipalityServiceClient(f.p.reg.Conn).GetMunicipality(context.Background(),
		&registryv1.GetMunicipalityRequest{Id: id})
	if err != nil {
		f.t.Fatalf("fixture: %v", err)
	}
	return fmt.Sprint(resp.GetMunicipality().GetVersion())
}

func (f *fixture) accountVersion(id string) string {
	f.t.Helper()
	resp, err := registryv1.NewAccountServiceClient(f.p.reg.Conn).GetAccount(context.Background(),
		&registryv1.GetAccountRequest{Id: id})
	if err != nil {
		f.t.Fatalf("fixture: %v", err)
	}
	return fmt.Sprint(resp.GetAccount().GetVersion())
}

// ownMun is the municipality a role's own calls use; ownOrg likewise.
func (f *fixture) ownOrg(role string) *registryv1.Organisation {
	if role == "curator" {
		return f.a1
	}
	return f.newOrg(f.munA)
}

// foreignOrg is an organisation outside the role's scope: B1, or A2 for the
// curator; the operator, who has no foreign scope, gets a fresh one in B.
func (f *fixture) foreignOrg(role string) *registryv1.Organisation {
	switch role {
	case "operator":
		return f.newOrg(f.munB)
	case "curator":
		return f.a2
	}
	return f.b1
}

// managedAccount is an account the role would manage in its own scope.
func (f *fixture) managedAccount(role string) string {
	switch role {
	case "regional":
		return f.newAccount(registryv1.Role_ROLE_METHODOLOGIST, f.munA)
	case "curator":
		return f.newAccount(registryv1.Role_ROLE_CURATOR, f.a1.GetId())
	}
	return f.newAccount(registryv1.Role_ROLE_CURATOR, f.a2.GetId())
}

// foreignAccount is an account of the foreign scope.
func (f *fixture) foreignAccount(role string) string {
	switch role {
	case "operator":
		return f.newAccount(registryv1.Role_ROLE_CURATOR, f.b1.GetId())
	case "curator":
		return f.accA2
	case "regional":
		return f.methB
	}
	return f.accB1
}

func orgBody(o *registryv1.Organisation, version string) map[string]any {
	return map[string]any{"fullName": o.GetFullName(), "shortName": o.GetShortName() + " (изм.)", "inn": o.GetInn(),
		"kind": "ORGANISATION_KIND_SCHOOL", "version": version}
}

func accountBody(login string, role, scope string) map[string]any {
	return map[string]any{"login": login, "name": "Новый", "roles": []map[string]string{{"role": role, "scope": scope}}}
}

var (
	ok = codes.OK
	pd = codes.PermissionDenied
	nf = codes.NotFound
	ia = codes.InvalidArgument
)

func matrix() map[string]row {
	const reg = "/nastavnik.registry.v1."
	csv := func(f *fixture) []byte {
		return []byte("ИНН;Краткое наименование;Тип\n" + validINN(7000+int(f.seq())) + ";Импорт;ОУ\n")
	}
	return map[string]row{
		reg + "RegionService/CreateRegion": {
			own: func(f *fixture, role string) httpCall {
				return httpCall{"POST", "/v1/regions", map[string]string{"code": fmt.Sprint(50 + f.seq()%45), "name": "Новый регион", "timeZone": "Europe/Moscow"}}
			},
			wantOwn: want{ok, pd, pd, pd}, wantForeign: want{ok, pd, pd, pd},
		},
		reg + "RegionService/GetRegion": {
			own:     func(f *fixture, role string) httpCall { return httpCall{"GET", "/v1/regions/24", nil} },
			foreign: func(f *fixture, role string) httpCall { return httpCall{"GET", "/v1/regions/43", nil} },
			wantOwn: all(ok), wantForeign: want{ok, nf, nf, nf},
		},
		reg + "RegionService/ListRegions": {
			own:     func(f *fixture, role string) httpCall { return httpCall{"GET", "/v1/regions", nil} },
			wantOwn: all(ok), wantForeign: all(ok),
		},
		reg + "RegionService/UpdateRegion": {
			own: func(f *fixture, role string) httpCall {
				return httpCall{"PUT", "/v1/regions/24", map[string]string{"name": "Красноярский край", "timeZone": "Asia/Krasnoyarsk", "version": regionVersion(f, "24")}}
			},
			foreign: func(f *fixture, role string) httpCall {
				return httpCall{"PUT", "/v1/regions/43", map[string]string{"name": "Кировская область", "timeZone": "Europe/Kirov", "version": regionVersion(f, "43")}}
			},
			wantOwn: want{ok, pd, pd, pd}, wantForeign: want{ok, nf, nf, nf},
		},
		reg + "MunicipalityService/CreateMunicipality": {
			own: func(f *fixture, role string) httpCall {
				return httpCall{"POST", "/v1/municipalities", map[string]string{"regionCode": "24", "name": fmt.Sprintf("МО %d", f.seq()), "kind": "MUNICIPALITY_KIND_MUNICIPAL_OKRUG"}}
			},
			foreign: func(f *fixture, role string) httpCall {
				return httpCall{"POST", "/v1/municipalities", map[string]string{"regionCode": "43", "name": fmt.Sprintf("МО %d", f.seq()), "kind": "MUNICIPALITY_KIND_MUNICIPAL_OKRUG"}}
			},
			wantOwn: want{ok, ok, pd, pd}, wantForeign: want{ok, ia, ia, ia},
		},
		reg + "MunicipalityService/GetMunicipality": {
			own:     func(f *fixture, role string) httpCall { return httpCall{"GET", "/v1/municipalities/" + f.munA, nil} },
			foreign: func(f *fixture, role string) httpCall { return httpCall{"GET", "/v1/municipalities/" + f.munB, nil} },
			wantOwn: all(ok), wantForeign: want{ok, nf, nf, nf},
		},
		reg + "MunicipalityService/ListMunicipalities": {
			own:     func(f *fixture, role string) httpCall { return httpCall{"GET", "/v1/municipalities", nil} },
			foreign: func(f *fixture, role string) httpCall { return httpCall{"GET", "/v1/municipalities?region=43", nil} },
			wantOwn: all(ok), wantForeign: all(ok),
		},
		reg + "MunicipalityService/UpdateMunicipality": {
			own: func(f *fixture, role string) httpCall {
				return httpCall{"PUT", "/v1/municipalities/" + f.munA, map[string]string{"name": "городской округ город Красноярск", "kind": "MUNICIPALITY_KIND_URBAN_DISTRICT", "version": f.munVersion(f.munA)}}
			},
			foreign: func(f *fixture, role string) httpCall {
				id := f.munB
				if role == "operator" {
					id = f.newMunicipality("43").GetId()
				}
				return httpCall{"PUT", "/v1/municipalities/" + id, map[string]string{"name": "Тужинский район", "kind": "MUNICIPALITY_KIND_MUNICIPAL_DISTRICT", "version": f.munVersion(id)}}
			},
			wantOwn: want{ok, ok, pd, pd}, wantForeign: want{ok, nf, nf, nf},
		},
		reg + "OrganisationService/CreateOrganisation": {
			own: func(f *fixture, role string) httpCall {
				n := int(f.seq())
				return httpCall{"POST", "/v1/organisations", map[string]any{"municipalityId": f.munA, "fullName": "Новая школа", "shortName": fmt.Sprint("Новая ", n), "inn": validINN(8000 + n), "kind": "ORGANISATION_KIND_SCHOOL"}}
			},
			foreign: func(f *fixture, role string) httpCall {
				n := int(f.seq())
				return httpCall{"POST", "/v1/organisations", map[string]any{"municipalityId": f.munB, "fullName": "Новая школа", "shortName": fmt.Sprint("Новая ", n), "inn": validINN(8000 + n), "kind": "ORGANISATION_KIND_SCHOOL"}}
			},
			wantOwn: want{ok, pd, ok, pd}, wantForeign: want{ok, ia, ia, ia},
		},
		reg + "OrganisationService/GetOrganisation": {
			own: func(f *fixture, role string) httpCall {
				return httpCall{"GET", "/v1/organisations/" + f.a1.GetId(), nil}
			},
			foreign: func(f *fixture, role string) httpCall {
				return httpCall{"GET", "/v1/organisations/" + f.foreignOrg(role).GetId(), nil}
			},
			wantOwn: all(ok), wantForeign: want{ok, nf, nf, nf},
		},
		reg + "OrganisationService/UpdateOrganisation": {
			own: func(f *fixture, role string) httpCall {
				o := f.ownOrg(role)
				return httpCall{"PUT", "/v1/organisations/" + o.GetId(), orgBody(o, f.version(o))}
			},
			foreign: func(f *fixture, role string) httpCall {
				o := f.foreignOrg(role)
				return httpCall{"PUT", "/v1/organisations/" + o.GetId(), orgBody(o, f.version(o))}
			},
			wantOwn: want{ok, pd, ok, pd}, wantForeign: want{ok, nf, nf, nf},
		},
		reg + "OrganisationService/ListOrganisations": {
			own: func(f *fixture, role string) httpCall { return httpCall{"GET", "/v1/organisations?pageSize=500", nil} },
			foreign: func(f *fixture, role string) httpCall {
				return httpCall{"GET", "/v1/organisations?municipality=" + f.munB, nil}
			},
			wantOwn: all(ok), wantForeign: all(ok),
		},
		reg + "OrganisationService/CloseOrganisation": {
			own: func(f *fixture, role string) httpCall {
				o := f.ownOrg(role)
				return httpCall{"POST", "/v1/organisations/" + o.GetId() + ":close", map[string]string{"version": f.version(o), "closedOn": "2026-09-01", "reason": "CLOSURE_REASON_LIQUIDATED"}}
			},
			foreign: func(f *fixture, role string) httpCall {
				o := f.foreignOrg(role)
				return httpCall{"POST", "/v1/organisations/" + o.GetId() + ":close", map[string]string{"version": f.version(o), "closedOn": "2026-09-01", "reason": "CLOSURE_REASON_LIQUIDATED"}}
			},
			wantOwn: want{ok, pd, ok, pd}, wantForeign: want{ok, nf, nf, nf},
		},
		reg + "OrganisationService/ImportOrganisations": {
			own: func(f *fixture, role string) httpCall {
				return httpCall{"POST", "/v1/municipalities/" + f.munA + "/organisations:import", map[string]any{"format": "IMPORT_FORMAT_CSV", "content": csv(f)}}
			},
			foreign: func(f *fixture, role string) httpCall {
				return httpCall{"POST", "/v1/municipalities/" + f.munB + "/organisations:import", map[string]any{"format": "IMPORT_FORMAT_CSV", "content": csv(f)}}
			},
			wantOwn: want{ok, pd, ok, pd}, wantForeign: want{ok, nf, nf, nf},
		},
		reg + "AccountService/CreateAccount": {
			own: func(f *fixture, role string) httpCall {
				body := map[string]any{"account": accountBody(fmt.Sprint("new", f.seq()), "ROLE_CURATOR", f.a2.GetId()), "password": "Fixture-pass-2026"}
				switch role {
				case "regional":
					body["account"] = accountBody(fmt.Sprint("new", f.seq()), "ROLE_METHODOLOGIST", f.munA)
				case "curator":
					body["account"] = accountBody(fmt.Sprint("new", f.seq()), "ROLE_CURATOR", f.a1.GetId())
				}
				return httpCall{"POST", "/v1/accounts", body}
			},
			foreign: func(f *fixture, role string) httpCall {
				acc := accountBody(fmt.Sprint("new", f.seq()), "ROLE_CURATOR", f.b1.GetId())
				if role == "regional" {
					acc = accountBody(fmt.Sprint("new", f.seq()), "ROLE_METHODOLOGIST", f.munB)
				}
				return httpCall{"POST", "/v1/accounts", map[string]any{"account": acc, "password": "Fixture-pass-2026"}}
			},
			wantOwn: want{ok, ok, ok, pd}, wantForeign: want{ok, ia, ia, ia},
		},
		reg + "AccountService/GetAccount": {
			own: func(f *fixture, role string) httpCall {
				return httpCall{"GET", "/v1/accounts/" + f.managedAccount(role), nil}
			},
			foreign: func(f *fixture, role string) httpCall {
				return httpCall{"GET", "/v1/accounts/" + f.foreignAccount(role), nil}
			},
			wantOwn: want{ok, ok, ok, nf}, wantForeign: want{ok, nf, nf, nf},
		},
		reg + "AccountService/ListAccounts": {
			own:     func(f *fixture, role string) httpCall { return httpCall{"GET", "/v1/accounts?pageSize=500", nil} },
			wantOwn: all(ok), wantForeign: all(ok),
		},
		reg + "AccountService/UpdateAccount": {
			own: func(f *fixture, role string) httpCall {
				id := f.managedAccount(role)
				return httpCall{"PUT", "/v1/accounts/" + id, accountUpdate(f, id)}
			},
			foreign: func(f *fixture, role string) httpCall {
				id := f.foreignAccount(role)
				return httpCall{"PUT", "/v1/accounts/" + id, accountUpdate(f, id)}
			},
			wantOwn: want{ok, ok, ok, nf}, wantForeign: want{ok, nf, nf, nf},
		},
		reg + "AccountService/BlockAccount": {
			own: func(f *fixture, role string) httpCall {
				return httpCall{"POST", "/v1/accounts/" + f.managedAccount(role) + ":block", map[string]any{}}
			},
			foreign: func(f *fixture, role string) httpCall {
				return httpCall{"POST", "/v1/accounts/" + f.foreignAccount(role) + ":block", map[string]any{}}
			},
			wantOwn: want{ok, ok, ok, nf}, wantForeign: want{ok, nf, nf, nf},
		},
		reg + "AccountService/UnblockAccount": {
			own: func(f *fixture, role string) httpCall {
				return httpCall{"POST", "/v1/accounts/" + f.managedAccount(role) + ":unblock", map[string]any{}}
			},
			foreign: func(f *fixture, role string) httpCall {
				return httpCall{"POST", "/v1/accounts/" + f.foreignAccount(role) + ":unblock", map[string]any{}}
			},
			wantOwn: want{ok, ok, ok, nf}, wantForeign: want{ok, nf, nf, nf},
		},
		reg + "AccountService/ResetPassword": {
			own: func(f *fixture, role string) httpCall {
				return httpCall{"POST", "/v1/accounts/" + f.managedAccount(role) + ":resetPassword", map[string]string{"newPassword": "Reset-pass-2026"}}
			},
			foreign: func(f *fixture, role string) httpCall {
				return httpCall{"POST", "/v1/accounts/" + f.foreignAccount(role) + ":resetPassword", map[string]string{"newPassword": "Reset-pass-2026"}}
			},
			wantOwn: want{ok, ok, ok, nf}, wantForeign: want{ok, nf, nf, nf},
		},
		reg + "AccountService/GetMe": {
			own:     func(f *fixture, role string) httpCall { return httpCall{"GET", "/v1/me", nil} },
			wantOwn: all(ok), wantForeign: all(ok),
		},
		reg + "AccountService/SetMyDigests": {
			own: func(f *fixture, role string) httpCall {
				return httpCall{"POST", "/v1/me:setDigests", map[string]bool{"digestsOff": false}}
			},
			wantOwn: all(ok), wantForeign: all(ok),
		},
		reg + "AccountService/ChangePassword": {
			own: func(f *fixture, role string) httpCall {
				pw := rolePassword(role)
				return httpCall{"POST", "/v1/me:changePassword", map[string]string{"currentPassword": pw, "newPassword": pw}}
			},
			foreign: func(f *fixture, role string) httpCall {
				return httpCall{"POST", "/v1/me:changePassword", map[string]string{"currentPassword": "Fixture-pass-2026", "newPassword": "Stolen-pass-2026"}}
			},
			wantOwn: all(ok), wantForeign: all(ia),
		},
		reg + "AccountService/CreateApiToken": {
			own: func(f *fixture, role string) httpCall {
				return httpCall{"POST", "/v1/me/tokens", map[string]any{"name": "скрипт", "readOnly": true, "expireTime": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)}}
			},
			wantOwn: all(ok), wantForeign: all(ok),
		},
		reg + "AccountService/ListApiTokens": {
			own:     func(f *fixture, role string) httpCall { return httpCall{"GET", "/v1/me/tokens", nil} },
			wantOwn: all(ok), wantForeign: all(ok),
		},
		reg + "AccountService/RevokeApiToken": {
			own: func(f *fixture, role string) httpCall {
				return httpCall{"POST", "/v1/me/tokens/" + newToken(f, f.clients[role]) + ":revoke", map[string]any{}}
			},
			foreign: func(f *fixture, role string) httpCall {
				other := "curator"
				if role == "curator" {
					other = "methodologist"
				}
				return httpCall{"POST", "/v1/me/tokens/" + newToken(f, f.clients[other]) + ":revoke", map[string]any{}}
			},
			wantOwn: all(ok), wantForeign: all(nf),
		},
		reg + "AuditService/ListAuditEvents": {
			own: func(f *fixture, role string) httpCall { return httpCall{"GET", "/v1/audit?pageSize=500", nil} },
			foreign: func(f *fixture, role string) httpCall {
				return httpCall{"GET", "/v1/audit?municipalityId=" + f.munB, nil}
			},
			wantOwn: want{ok, ok, ok, pd}, wantForeign: want{ok, ok, ok, pd},
		},
		reg + "AuthService/IssueToken": {
			own: func(f *fixture, role string) httpCall {
				return httpCall{"POST", "/v1/auth/token", map[string]string{"login": role, "password": rolePassword(role)}}
			},
			foreign: func(f *fixture, role string) httpCall {
				return httpCall{"POST", "/v1/auth/token", map[string]string{"login": "nobody-" + role, "password": "Guess-pass-2026"}}
			},
			wantOwn: all(ok), wantForeign: all(codes.Unauthenticated), anonymousOK: true,
			// Signing in with the A-side role's credentials works whoever sends them.
			wantOther: &[2]codes.Code{ok, ok},
		},
		"/nastavnik.roadmap.v1.DeadlineService/ParseDeadline": {
			own: func(f *fixture, role string) httpCall {
				return httpCall{"POST", "/v1/deadlines:parse", map[string]string{"text": "Ежегодно, не позднее 15 декабря", "periodStart": "2021-01-01", "periodEnd": "2024-12-31"}}
			},
			wantOwn: all(ok), wantForeign: all(ok),
		},
		reg + "AuthService/SignIn":              {grpcOnly: true},
		reg + "AuthService/Authenticate":        {grpcOnly: true},
		reg + "AuthService/SignOut":             {grpcOnly: true},
		reg + "RecipientService/ListRecipients": {grpcOnly: true},
	}
}

func rolePassword(role string) string {
	return map[string]string{"operator": operatorPassword, "regional": "Krai-centre-2026",
		"methodologist": "Kimc-method-2026", "curator": "School-mentor-2026"}[role]
}

func regionVersion(f *fixture, code string) string {
	resp, err := registryv1.NewRegionServiceClient(f.p.reg.Conn).GetRegion(context.Background(), &registryv1.GetRegionRequest{Code: code})
	if err != nil {
		f.t.Fatalf("fixture: %v", err)
	}
	return fmt.Sprint(resp.GetRegion().GetVersion())
}

func accountUpdate(f *fixture, id string) map[string]any {
	resp, err := registryv1.NewAccountServiceClient(f.p.reg.Conn).GetAccount(context.Background(), &registryv1.GetAccountRequest{Id: id})
	if err != nil {
		f.t.Fatalf("fixture: %v", err)
	}
	a := resp.GetAccount()
	r := a.GetRoles()[0]
	return map[string]any{"login": a.GetLogin(), "name": "Переименован", "version": fmt.Sprint(a.GetVersion()),
		"roles": []map[string]string{{"role": r.GetRole().String(), "scope": r.GetScope()}}}
}

// newToken creates an API token of c's account and returns its id.
func newToken(f *fixture, c client) string {
	var resp struct {
		Token struct {
			ID string `json:"id"`
		} `json:"token"`
	}
	if code := c.do("POST", "/v1/me/tokens", map[string]any{"name": "t", "expireTime": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}, &resp); code != 200 {
		f.t.Fatalf("fixture: token: %d", code)
	}
	return resp.Token.ID
}

func newFixture(t testing.TB, opts ...func(*config.Config)) *fixture {
	return newFixtureOn(t, startPlatform(t, opts...))
}

// newFixtureOn builds the fixture on a started platform.
func newFixtureOn(t testing.TB, p platform) *fixture {
	f := &fixture{t: t, p: p, clients: map[string]client{}, ids: map[string]string{}}
	ctx := context.Background()
	regions := registryv1.NewRegionServiceClient(p.reg.Conn)
	for _, r := range []*registryv1.Region{
		{Code: "24", Name: "Красноярский край", TimeZone: "Asia/Krasnoyarsk"},
		{Code: "43", Name: "Кировская область", TimeZone: "Europe/Kirov"},
	} {
		if _, err := regions.CreateRegion(ctx, &registryv1.CreateRegionRequest{Region: r}); err != nil {
			t.Fatal(err)
		}
	}
	f.munA = f.newMunicipality("24").GetId()
	f.munB = f.newMunicipality("43").GetId()
	f.a1, f.a2, f.b1 = f.newOrg(f.munA), f.newOrg(f.munA), f.newOrg(f.munB)
	scopes := map[string]struct {
		role  registryv1.Role
		scope string
	}{
		"regional":      {registryv1.Role_ROLE_REGIONAL, "24"},
		"methodologist": {registryv1.Role_ROLE_METHODOLOGIST, f.munA},
		"curator":       {registryv1.Role_ROLE_CURATOR, f.a1.GetId()},
	}
	f.ids["operator"] = "" // created by startPlatform
	for role, s := range scopes {
		f.ids[role] = createAccount(t, p.reg, role, rolePassword(role), s.role, s.scope)
	}
	for _, role := range roles {
		f.clients[role] = p.as(t, role, rolePassword(role))
	}
	f.accA2 = f.newAccount(registryv1.Role_ROLE_CURATOR, f.a2.GetId())
	f.accB1 = f.newAccount(registryv1.Role_ROLE_CURATOR, f.b1.GetId())
	f.methB = f.newAccount(registryv1.Role_ROLE_METHODOLOGIST, f.munB)

	conn, err := pgx.Connect(ctx, p.reg.Database.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	f.db = conn
	if f.rmdb, err = pgx.Connect(ctx, p.rm.Database.URL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.rmdb.Close(context.Background()) })
	if f.idb, err = pgx.Connect(ctx, p.ind.Database.URL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.idb.Close(context.Background()) })
	return f
}

// foreignState hashes every row of the registry that lies in the role's
// foreign scope: region 43 with all inside it, and for the curator school A2
// with its accounts.
func (f *fixture) foreignState(role string) string {
	f.t.Helper()
	orgs := []string{}
	if role == "curator" {
		orgs = append(orgs, f.a2.GetId())
	}
	var h string
	err := f.db.QueryRow(context.Background(), `
		WITH mun AS (SELECT id FROM municipalities WHERE region_code = '43'),
		     org AS (SELECT id FROM organisations WHERE municipality_id IN (SELECT id FROM mun) OR id::text = ANY($1)),
		     acc AS (SELECT account_id AS id FROM account_roles
		             WHERE region_code = '43' OR municipality_id IN (SELECT id FROM mun) OR organisation_id IN (SELECT id FROM org))
		SELECT md5(concat_ws('|',
			(SELECT string_agg(r::text, ',' ORDER BY code) FROM regions r WHERE code = '43'),
			(SELECT string_agg(m::text, ',' ORDER BY id) FROM municipalities m WHERE id IN (SELECT id FROM mun)),
			(SELECT string_agg(o::text, ',' ORDER BY id) FROM organisations o WHERE id IN (SELECT id FROM org)),
			(SELECT string_agg(a::text, ',' ORDER BY id) FROM accounts a WHERE id IN (SELECT id FROM acc)),
			(SELECT string_agg(ar::text, ',' ORDER BY ar::text) FROM account_roles ar WHERE account_id IN (SELECT id FROM acc)),
			(SELECT string_agg(t::text, ',' ORDER BY id) FROM api_tokens t WHERE account_id IN (SELECT id FROM acc))))`, orgs).Scan(&h)
	if err != nil {
		f.t.Fatalf("foreign state: %v", err)
	}
	return h + f.foreignRoadmapState(orgs) + f.foreignIndicatorsState(orgs)
}

// foreignMarkers are strings no response to the role may contain.
func (f *fixture) foreignMarkers(role string) []string {
	m := []string{f.munB, f.b1.GetId(), f.b1.GetInn(), f.accB1, f.methB, "Кировская"}
	if role == "curator" {
		m = append(m, f.a2.GetId(), f.a2.GetInn(), f.accA2)
	}
	return m
}

// send makes the call and returns the gRPC code the gateway reported and the body.
func send(t *testing.T, base, token string, c httpCall) (codes.Code, string) {
	t.Helper()
	cl := client{t: t, base: base, token: token}
	var raw json.RawMessage
	status := cl.do(c.method, c.path, c.body, &raw)
	if status == http.StatusOK {
		return codes.OK, string(raw)
	}
	var e struct {
		Code string `json:"code"`
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatalf("%s %s: %d %s", c.method, c.path, status, raw)
	}
	return codes.Code(code.Code_value[e.Code]), string(raw)
}

// rpcsFromDescriptors lists every RPC of every nastavnik service.
func rpcsFromDescriptors() []string {
	var out []string
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if !strings.HasPrefix(string(fd.Package()), "nastavnik.") {
			return true
		}
		for i := range fd.Services().Len() {
			sd := fd.Services().Get(i)
			for j := range sd.Methods().Len() {
				out = append(out, "/"+string(sd.FullName())+"/"+string(sd.Methods().Get(j).Name()))
			}
		}
		return true
	})
	sort.Strings(out)
	return out
}

func TestAccessMatrix(t *testing.T) {
	f := newFixture(t)
	rows := matrix()
	maps.Copy(rows, roadmapRows())
	maps.Copy(rows, aggregateRows())
	maps.Copy(rows, indicatorRows())
	maps.Copy(rows, outboxRows())
	rpcs := rpcsFromDescriptors()
	if len(rpcs) < len(rows) {
		t.Fatalf("found %d RPCs in the descriptors, fewer than the %d rows: is every service linked in?", len(rpcs), len(rows))
	}
	others := []other{
		{"methodologist of B", "methodologist", f.p.as(t, createOther(f, "methodologist-b", registryv1.Role_ROLE_METHODOLOGIST, f.munB), "Fixture-pass-2026")},
		{"regional of 43", "regional", f.p.as(t, createOther(f, "regional-43", registryv1.Role_ROLE_REGIONAL, "43"), "Fixture-pass-2026")},
	}
	// What region 24 holds, which no answer to the other tenant may carry.
	ind := f.indicators()
	markersA := []string{f.munA, f.a1.GetId(), f.a2.GetId(), f.a1.GetInn(), f.a2.GetInn(), f.accA2, f.ids["curator"],
		f.ids["methodologist"], ind.campA, ind.repA1, ind.repA2, "Красноярский"}
	var sent sync.Map // "METHOD /path" of every HTTP call made
	seen := map[string]bool{}
	cells := 0
	for _, rpc := range rpcs {
		seen[rpc] = true
		r, ok := rows[rpc]
		if !ok {
			t.Errorf("%s has no row in the access matrix: add one", rpc)
			continue
		}
		t.Run(strings.TrimPrefix(rpc, "/nastavnik."), func(t *testing.T) {
			if r.grpcOnly {
				checkSystemOnly(t, f, rpc)
				return
			}
			foreign := r.foreign
			if foreign == nil {
				foreign = r.own // no foreign scope: the call is the same, filtered by the caller
			}
			for i, role := range roles {
				token := f.clients[role].token
				own := r.own(f, role)
				sent.Store(own.method+" "+own.path, true)
				got, body := send(t, f.p.base, token, own)
				cells++
				if got != r.wantOwn[i] {
					t.Errorf("%s, own scope: %v, want %v (%s)", role, got, r.wantOwn[i], body)
				}
				f.noLeak(t, role, "own", body)

				call := foreign(f, role)
				sent.Store(call.method+" "+call.path, true)
				cells++
				var before string
				if role != "operator" {
					before = f.foreignState(role)
				}
				got, body = send(t, f.p.base, token, call)
				if got != r.wantForeign[i] {
					t.Errorf("%s, foreign scope: %v, want %v (%s)", role, got, r.wantForeign[i], body)
				}
				if role != "operator" {
					f.noLeak(t, role, "foreign", body)
					if after := f.foreignState(role); after != before {
						t.Errorf("%s, foreign scope: %s %s changed rows of the foreign scope", role, call.method, call.path)
					}
				}
			}
			wantAnon := codes.Unauthenticated
			if r.anonymousOK {
				wantAnon = codes.OK
			}
			cells++
			if got, body := send(t, f.p.base, "", r.own(f, "operator")); got != wantAnon {
				t.Errorf("no identity: %v, want %v (%s)", got, wantAnon, body)
			}
			for i, o := range others {
				call := r.own(f, o.as)
				want := r.wantForeign[slices.Index(roles, o.as)]
				if r.wantOther != nil {
					want = r.wantOther[i]
				}
				cells++
				got, body := send(t, f.p.base, o.client.token, call)
				if got != want {
					t.Errorf("%s, the %s's own call %s %s: %v, want %v (%s)", o.name, o.as, call.method, call.path, got, want, body)
				}
				for _, m := range markersA {
					if strings.Contains(body, m) && !strings.Contains(call.path, m) && !strings.Contains(fmt.Sprint(call.body), m) {
						t.Errorf("%s: the response carries %q of region 24: %s", o.name, m, body)
					}
				}
			}
		})
	}
	// Every route of the OpenAPI document was called by some row.
	routes, _ := apiRoutes(t, f.p.base)
	for _, rt := range routes {
		if handRoutes[rt.String()] {
			continue // not an RPC: TestAggregateDownload checks who may download
		}
		re := regexp.MustCompile("^" + rt.method + " " + regexp.MustCompile(`\\\{[^}]+\\\}`).ReplaceAllString(regexp.QuoteMeta(rt.path), `[^/]+`) + `(\?.*)?$`)
		hit := false
		sent.Range(func(k, _ any) bool {
			hit = re.MatchString(k.(string))
			return !hit
		})
		if !hit {
			t.Errorf("%s: no row of the access matrix calls this route", rt)
		}
	}
	t.Logf("access matrix: %d RPCs, %d HTTP routes, %d cells (roles × own/foreign scope, nobody, the other tenant)", len(rows), len(routes), cells)
	for rpc := range rows {
		if !seen[rpc] {
			t.Errorf("the matrix has a row for %s, which no service has", rpc)
		}
	}
}

// createOther creates an account of the other tenant with the fixture's password.
func createOther(f *fixture, login string, role registryv1.Role, scope string) string {
	createAccount(f.t, f.p.reg, login, "Fixture-pass-2026", role, scope)
	return login
}

func (f *fixture) noLeak(t *testing.T, role, scope, body string) {
	t.Helper()
	if role == "operator" {
		return
	}
	for _, m := range f.foreignMarkers(role) {
		if strings.Contains(body, m) {
			t.Errorf("%s, %s scope: the response carries %q of a foreign object: %s", role, scope, m, body)
		}
	}
}

// checkSystemOnly calls a gateway-only method straight at the registry with
// each role's identity and with none.
func checkSystemOnly(t *testing.T, f *fixture, rpc string) {
	ctx := context.Background()
	for _, role := range roles {
		p := identity.Principal{AccountID: f.ids[role], Login: role, Bindings: []identity.Binding{{Role: identity.Operator}}}
		if role != "operator" {
			p.Bindings = []identity.Binding{{Role: identity.Role(role), Region: "24"}}
		}
		conn := f.p.reg.Dial(t, p)
		err := conn.Invoke(ctx, rpc, requestFor(rpc), responseFor(rpc))
		if got := status.Code(err); got != codes.PermissionDenied {
			t.Errorf("%s: %v, want PermissionDenied", role, got)
		}
	}
	conn := f.p.reg.Dial(t, identity.Principal{})
	if err := conn.Invoke(ctx, rpc, requestFor(rpc), responseFor(rpc)); status.Code(err) != codes.Unauthenticated {
		t.Errorf("no identity: %v, want Unauthenticated", status.Code(err))
	}
}

func requestFor(rpc string) any {
	switch {
	case strings.HasSuffix(rpc, "/SignIn"):
		return &registryv1.SignInRequest{Login: "operator", Password: operatorPassword}
	case strings.HasSuffix(rpc, "/Authenticate"):
		return &registryv1.AuthenticateRequest{Credential: &registryv1.AuthenticateRequest_Bearer{Bearer: "nst_x"}}
	case strings.HasSuffix(rpc, "/ListRecipients"):
		return &registryv1.ListRecipientsRequest{Audiences: []*registryv1.Audience{{Role: registryv1.Role_ROLE_REGIONAL, Scope: "24"}}}
	}
	return &registryv1.SignOutRequest{Session: "x"}
}

func responseFor(rpc string) any {
	switch {
	case strings.HasSuffix(rpc, "/SignIn"):
		return &registryv1.SignInResponse{}
	case strings.HasSuffix(rpc, "/Authenticate"):
		return &registryv1.AuthenticateResponse{}
	case strings.HasSuffix(rpc, "/ListRecipients"):
		return &registryv1.ListRecipientsResponse{}
	}
	return &registryv1.SignOutResponse{}
}
