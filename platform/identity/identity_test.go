package identity

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

var (
	krsk = Scope{Region: "24", Municipality: "krsk"}
	sch1 = Scope{Region: "24", Municipality: "krsk", Organisation: "sch1"}
	sch2 = Scope{Region: "24", Municipality: "krsk", Organisation: "sch2"}
	tuzh = Scope{Region: "43", Municipality: "tuzha", Organisation: "tuzha-school"}
	r24  = Scope{Region: "24"}
)

func TestScopes(t *testing.T) {
	t.Parallel()
	operator := Principal{Bindings: []Binding{{Role: Operator}}}
	regional := Principal{Bindings: []Binding{{Role: Regional, Region: "24"}}}
	method := Principal{Bindings: []Binding{{Role: Methodologist, Region: "24", Municipality: "krsk"}}}
	curator := Principal{Bindings: []Binding{{Role: Curator, Region: "24", Municipality: "krsk", Organisation: "sch1"}}}
	system := Principal{Bindings: []Binding{{Role: System}}}
	tests := []struct {
		name          string
		p             Principal
		s             Scope
		sees, related bool
	}{
		{"operator sees all", operator, tuzh, true, true},
		{"regional sees its region's school", regional, sch1, true, true},
		{"regional does not see another region", regional, tuzh, false, false},
		{"methodologist sees its school", method, sch2, true, true},
		{"methodologist reads its region", method, r24, false, true},
		{"methodologist does not see another municipality", method, tuzh, false, false},
		{"curator sees its school", curator, sch1, true, true},
		{"curator does not see the school next door", curator, sch2, false, false},
		{"curator reads its municipality", curator, krsk, false, true},
		{"system sees nothing", system, sch1, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.Sees(tc.s); got != tc.sees {
				t.Errorf("Sees = %v, want %v", got, tc.sees)
			}
			if got := tc.p.Related(tc.s); got != tc.related {
				t.Errorf("Related = %v, want %v", got, tc.related)
			}
		})
	}
	if !method.Holds(sch1, Methodologist) || method.Holds(sch1, Operator) || regional.Holds(sch1, Methodologist) {
		t.Errorf("Holds does not follow the roles")
	}
}

// TestReachAgreesWithSees checks the list filter a store builds from Reach
// selects exactly the objects Sees and Related allow one by one.
func TestReachAgreesWithSees(t *testing.T) {
	t.Parallel()
	objects := []Scope{r24, {Region: "43"}, krsk, {Region: "43", Municipality: "tuzha"}, sch1, sch2, tuzh}
	principals := map[string]Principal{
		"operator": {Bindings: []Binding{{Role: Operator}}},
		"regional": {Bindings: []Binding{{Role: Regional, Region: "24"}}},
		"method":   {Bindings: []Binding{{Role: Methodologist, Region: "24", Municipality: "krsk"}}},
		"curator":  {Bindings: []Binding{{Role: Curator, Region: "24", Municipality: "krsk", Organisation: "sch1"}}},
		"two": {Bindings: []Binding{{Role: Curator, Region: "24", Municipality: "krsk", Organisation: "sch2"},
			{Role: Methodologist, Region: "43", Municipality: "tuzha"}}},
		"system": {Bindings: []Binding{{Role: System}}},
	}
	inside := func(r Reach, s Scope) bool {
		return r.All || slices.Contains(r.Regions, s.Region) || slices.Contains(r.Municipalities, s.Municipality) && s.Municipality != "" ||
			slices.Contains(r.Organisations, s.Organisation) && s.Organisation != ""
	}
	above := func(r Reach, s Scope) bool {
		return s.Municipality == "" && s.Organisation == "" && slices.Contains(r.RegionsAbove, s.Region) ||
			s.Organisation == "" && s.Municipality != "" && slices.Contains(r.MunicipalitiesAbove, s.Municipality)
	}
	for name, p := range principals {
		r := p.Reach()
		for _, s := range objects {
			if got, want := inside(r, s), p.Sees(s); got != want {
				t.Errorf("%s, %+v: inside the reach = %v, want Sees %v", name, s, got, want)
			}
			if got, want := inside(r, s) || above(r, s), p.Related(s); got != want {
				t.Errorf("%s, %+v: related by the reach = %v, want Related %v", name, s, got, want)
			}
		}
	}
	two := principals["two"].Reach()
	if got := two.RelatedRegions(); !slices.Equal(got, []string{"24", "43"}) {
		t.Errorf("RelatedRegions = %v, want [24 43]", got)
	}
	if got := two.RelatedMunicipalities(); !slices.Equal(got, []string{"tuzha", "krsk"}) {
		t.Errorf("RelatedMunicipalities = %v, want [tuzha krsk]", got)
	}
}

func TestSignVerify(t *testing.T) {
	t.Parallel()
	s, err := NewSigner([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewSigner([]byte(strings.Repeat("x", 32)))
	now := time.Unix(1_800_000_000, 0)
	p := Principal{AccountID: "a1", Login: "ivanova", Bindings: []Binding{{Role: Curator, Region: "24", Municipality: "m", Organisation: "o"}}}
	tok, err := s.Sign(p, now, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Verify(tok, now.Add(59*time.Second))
	if err != nil || got.Login != "ivanova" || len(got.Bindings) != 1 {
		t.Fatalf("Verify = %+v, %v", got, err)
	}
	forged, _ := other.Sign(Principal{Login: "x", Bindings: []Binding{{Role: Operator}}}, now, time.Minute)
	payload, sig, _ := strings.Cut(tok, ".")
	escalated, _ := s.Sign(Principal{Bindings: []Binding{{Role: Operator}}}, now, time.Minute)
	escalatedPayload, _, _ := strings.Cut(escalated, ".")
	tests := []struct {
		name  string
		token string
		at    time.Time
		want  error
	}{
		{"expired", tok, now.Add(time.Minute), ErrExpired},
		{"signed with another key", forged, now, ErrSignature},
		{"payload swapped", escalatedPayload + "." + sig, now, ErrSignature},
		{"unsigned", payload, now, ErrMalformed},
		{"empty", "", now, ErrMalformed},
		{"garbage signature", payload + ".%%%", now, ErrMalformed},
	}
	for _, tc := range tests {
		if _, err := s.Verify(tc.token, tc.at); !errors.Is(err, tc.want) {
			t.Errorf("%s: Verify error = %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := NewSigner([]byte("short")); err == nil {
		t.Errorf("NewSigner accepted a short key")
	}
}

func TestAuthenticator(t *testing.T) {
	t.Parallel()
	s, _ := NewSigner([]byte(strings.Repeat("k", 32)))
	auth := s.Authenticator(func(m string) bool { return strings.HasPrefix(m, "/x.AuthService/") })
	sign := func(p Principal) context.Context {
		tok, _ := s.Sign(p, time.Now(), time.Minute)
		return metadata.NewIncomingContext(context.Background(), metadata.Pairs(MetadataKey, tok))
	}
	user := Principal{Login: "u", Bindings: []Binding{{Role: Operator}}}
	ro := user
	ro.ReadOnly = true
	gateway := Principal{Login: "gateway", Bindings: []Binding{{Role: System}}}
	tests := []struct {
		name   string
		ctx    context.Context
		method string
		want   codes.Code
	}{
		{"no identity", context.Background(), "/x.Orgs/GetOrganisation", codes.Unauthenticated},
		{"health is open", context.Background(), "/grpc.health.v1.Health/Check", codes.OK},
		{"user", sign(user), "/x.Orgs/UpdateOrganisation", codes.OK},
		{"read-only user reads", sign(ro), "/x.Orgs/ListOrganisations", codes.OK},
		{"read-only user writes", sign(ro), "/x.Orgs/UpdateOrganisation", codes.PermissionDenied},
		{"user calls a system method", sign(user), "/x.AuthService/Authenticate", codes.PermissionDenied},
		{"gateway calls a user method", sign(gateway), "/x.Orgs/GetOrganisation", codes.PermissionDenied},
		{"gateway authenticates", sign(gateway), "/x.AuthService/Authenticate", codes.OK},
	}
	for _, tc := range tests {
		_, err := auth(tc.ctx, tc.method)
		if got := status.Code(err); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCaller(t *testing.T) {
	if _, err := Caller(context.Background()); status.Code(err) != codes.Unauthenticated {
		t.Errorf("no principal: %v", err)
	}
	want := Principal{AccountID: "a", Login: "l"}
	if got, err := Caller(WithPrincipal(context.Background(), want)); err != nil || got.Login != "l" {
		t.Errorf("principal: %v %v", got, err)
	}
}

// A signer reusing its HMAC states across calls and goroutines signs every
// principal as a fresh signer of the same key does, and verifies what the
// other signed; another key's signer refuses it.
func TestSignerReusesItsMACsSafely(t *testing.T) {
	t.Parallel()
	key := []byte(strings.Repeat("k", MinKeyBytes))
	busy, _ := NewSigner(key)
	other, _ := NewSigner([]byte(strings.Repeat("o", MinKeyBytes)))
	now := time.Unix(1_765_000_000, 0)
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := range 200 {
				p := Principal{AccountID: "a", Login: strings.Repeat("l", g*i%50), RequestID: string(rune('a' + g)),
					Bindings: []Binding{{Role: Curator, Region: "24", Municipality: "krsk", Organisation: "sch1"}}}
				fresh, _ := NewSigner(key)
				want, _ := fresh.Sign(p, now, TTL)
				got, err := busy.Sign(p, now, TTL)
				if err != nil || got != want {
					errs <- errors.New("a reused MAC signed differently: " + got + " want " + want)
					return
				}
				if _, err := busy.Verify(want, now); err != nil {
					errs <- err
					return
				}
				if _, err := other.Verify(got, now); !errors.Is(err, ErrSignature) {
					errs <- errors.New("another key's signer accepted the token")
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
