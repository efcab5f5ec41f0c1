package grpcserver_test

import (
	"errors"
	"strings"
	"testing"

	"buf.build/go/protovalidate"

	"github.com/nastavnik/nastavnik/platform/grpcserver"
	roadmapv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/roadmap/v1"
)

func TestFromProtovalidateNamesRuleAndSpeaksRussian(t *testing.T) {
	t.Parallel()
	v, err := protovalidate.New()
	if err != nil {
		t.Fatal(err)
	}
	req := &roadmapv1.CreateItemRequest{
		StageId: "not-a-uuid", Version: 0, Position: 1001, Depth: 4,
		Item: &roadmapv1.ItemFields{DeadlineText: strings.Repeat("я", 501)},
	}
	var verr *protovalidate.ValidationError
	if err := v.Validate(req); !errors.As(err, &verr) {
		t.Fatalf("Validate = %v, want a validation error", err)
	}
	type want struct{ code, russian string }
	wants := map[string]want{
		"stage_id":           {"string.uuid", "Неверная ссылка на запись: выберите её из списка"},
		"version":            {"int64.gt", "Больше 0"},
		"position":           {"int32.gte_lte", "Число от 0 до 1000"},
		"depth":              {"int32.gte_lte", "Число от 0 до 3"},
		"item.deadline_text": {"string.max_len", "Не длиннее 500 символов"},
	}
	got := grpcserver.FromProtovalidate(verr)
	seen := map[string]bool{}
	for _, vi := range got.Violations {
		w, ok := wants[vi.Field]
		if !ok {
			continue
		}
		seen[vi.Field] = true
		if vi.Code != w.code || vi.Russian != w.russian || vi.Description == "" || vi.Description == vi.Russian {
			t.Errorf("%s: code %q, Russian %q, English %q; want %q, %q and protovalidate's English",
				vi.Field, vi.Code, vi.Russian, vi.Description, w.code, w.russian)
		}
	}
	for f := range wants {
		if !seen[f] {
			t.Errorf("no violation of %s in %+v", f, got.Violations)
		}
	}

	// A rule of its own, without a rules message around it.
	if err := v.Validate(&roadmapv1.CreateItemRequest{StageId: "0b0e4d4e-0000-4000-8000-000000000000", Version: 1}); !errors.As(err, &verr) {
		t.Fatalf("Validate = %v, want a validation error", err)
	}
	got = grpcserver.FromProtovalidate(verr)
	if len(got.Violations) != 1 || got.Violations[0].Field != "item" || got.Violations[0].Code != "required" ||
		got.Violations[0].Russian != "Заполните это поле" {
		t.Errorf("missing item: %+v, want item required, «Заполните это поле»", got.Violations)
	}
}
