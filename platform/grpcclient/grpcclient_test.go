package grpcclient

import "testing"

func TestOnlyReadsAreRetried(t *testing.T) {
	tests := []struct {
		method string
		want   bool
	}{
		{"/nastavnik.registry.v1.OrganisationService/GetOrganisation", true},
		{"/nastavnik.registry.v1.OrganisationService/ListOrganisations", true},
		{"/grpc.health.v1.Health/Check", true},
		{"/nastavnik.registry.v1.OrganisationService/CreateOrganisation", false},
		{"/nastavnik.indicators.v1.ReportService/SaveReport", false},
		{"/nastavnik.registry.v1.AuthService/Authenticate", true},
		{"/nastavnik.registry.v1.AuthService/SignIn", false},
	}
	for _, tc := range tests {
		if got := idempotent(tc.method); got != tc.want {
			t.Errorf("idempotent(%s) = %v, want %v", tc.method, got, tc.want)
		}
	}
}

func TestDialAcceptsAListOfReplicas(t *testing.T) {
	conn, err := Dial("127.0.0.1:1,127.0.0.1:2")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if got := conn.Target(); got == "127.0.0.1:1,127.0.0.1:2" {
		t.Errorf("target %q: the list went to the default resolver", got)
	}
}
