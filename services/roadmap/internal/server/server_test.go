package server_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/servicetest"
	roadmapv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/roadmap/v1"
	registryapp "github.com/nastavnik/nastavnik/services/registry/app"
	"github.com/nastavnik/nastavnik/services/roadmap/app"
)

func TestParseDeadline(t *testing.T) {
	reg := servicetest.Start(t, registryapp.Spec)
	r := servicetest.StartWith(t, app.Spec, servicetest.Options{RegistryAddr: reg.Addr})
	curator := identity.Principal{AccountID: "c", Login: "curator", ReadOnly: true,
		Bindings: []identity.Binding{{Role: identity.Curator, Region: "24", Municipality: "m", Organisation: "o"}}}
	c := roadmapv1.NewDeadlineServiceClient(r.Dial(t, curator))
	ctx := context.Background()

	got, err := c.ParseDeadline(ctx, &roadmapv1.ParseDeadlineRequest{Text: "Май, 2022 Ежегодно не позднее 15 декабря",
		PeriodStart: "2021-01-01", PeriodEnd: "2024-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	want := &roadmapv1.ParseDeadlineResponse{
		Schedule: &roadmapv1.Schedule{Text: "Май, 2022 Ежегодно не позднее 15 декабря", Understood: true, Rules: []*roadmapv1.ScheduleRule{
			{Kind: roadmapv1.RuleKind_RULE_KIND_ONCE, Start: "2022-05-01", End: "2022-05-31"},
			{Kind: roadmapv1.RuleKind_RULE_KIND_YEARLY, FromMonth: 1, FromDay: 1, ToMonth: 12, ToDay: 15},
		}},
		Occurrences: []*roadmapv1.Occurrence{
			{Year: 2021, Start: "2021-01-01", Due: "2021-12-15"},
			{Year: 2022, Start: "2022-05-01", Due: "2022-05-31"},
			{Year: 2022, Start: "2022-01-01", Due: "2022-12-15"},
			{Year: 2023, Start: "2023-01-01", Due: "2023-12-15"},
			{Year: 2024, Start: "2024-01-01", Due: "2024-12-15"},
		},
	}
	if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
		t.Errorf("ParseDeadline (-want +got):\n%s", diff)
	}

	tests := []struct {
		name string
		req  *roadmapv1.ParseDeadlineRequest
		want codes.Code
	}{
		{"current year by default", &roadmapv1.ParseDeadlineRequest{Text: "Ноябрь"}, codes.OK},
		{"period backwards", &roadmapv1.ParseDeadlineRequest{Text: "Май", PeriodStart: "2024-01-01", PeriodEnd: "2021-12-31"}, codes.InvalidArgument},
		{"half a period", &roadmapv1.ParseDeadlineRequest{Text: "Май", PeriodStart: "2024-01-01"}, codes.InvalidArgument},
		{"not a date", &roadmapv1.ParseDeadlineRequest{Text: "Май", PeriodStart: "2024-13-01", PeriodEnd: "2024-12-31"}, codes.InvalidArgument},
		{"too long", &roadmapv1.ParseDeadlineRequest{Text: string(make([]byte, 501))}, codes.InvalidArgument},
	}
	for _, tc := range tests {
		if _, err := c.ParseDeadline(ctx, tc.req); status.Code(err) != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, status.Code(err), tc.want)
		}
	}
	if _, err := roadmapv1.NewDeadlineServiceClient(r.Dial(t, identity.Principal{})).ParseDeadline(ctx, &roadmapv1.ParseDeadlineRequest{Text: "Май"}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("without identity: %v, want Unauthenticated", status.Code(err))
	}
}
