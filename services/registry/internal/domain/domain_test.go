package domain

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nastavnik/nastavnik/platform/dates"
	"github.com/nastavnik/nastavnik/platform/validation"
)

func TestCheckINN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		inn  string
		ok   bool
	}{
		{name: "valid Krasnoyarsk", inn: "2466001451", ok: true},
		{name: "valid leading zero", inn: "0105017467", ok: true},
		{name: "bad checksum", inn: "1234567890", ok: false},
		{name: "nine digits", inn: "246600145", ok: false},
		{name: "twelve digits (a person)", inn: "246600145012", ok: false},
		{name: "letters", inn: "24660014a0", ok: false},
		{name: "empty", inn: "", ok: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := CheckINN(tc.inn)
			if got := err == nil; got != tc.ok {
				t.Errorf("CheckINN(%q) = %v, want ok=%v", tc.inn, err, tc.ok)
			}
		})
	}
}

func TestINNCheckDigitCompletesValidINN(t *testing.T) {
	t.Parallel()
	for _, prefix := range []string{"246600145", "434500001", "381100000", "263000000", "010501746"} {
		inn := prefix + string(INNCheckDigit(prefix))
		if err := CheckINN(inn); err != nil {
			t.Errorf("CheckINN(%q) = %v, want nil", inn, err)
		}
	}
}

func TestCheckTimeZone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tz string
		ok bool
	}{
		{"Asia/Krasnoyarsk", true}, {"Europe/Kaliningrad", true}, {"Asia/Kamchatka", true}, {"UTC", true},
		{"", false}, {"Local", false}, {"MSK", false}, {"Asia/Nowhere", false}, {"+07:00", false},
	}
	for _, tc := range tests {
		if got := CheckTimeZone(tc.tz) == nil; got != tc.ok {
			t.Errorf("CheckTimeZone(%q) ok = %v, want %v", tc.tz, got, tc.ok)
		}
	}
}

func date(s string) time.Time {
	d, err := dates.Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestOpenOn(t *testing.T) {
	t.Parallel()
	o := Organisation{OpenedOn: date("2020-09-01"), ClosedOn: date("2025-07-01")}
	tests := []struct {
		day  string
		want bool
	}{
		{"2020-08-31", false}, {"2020-09-01", true}, {"2025-06-30", true}, {"2025-07-01", false},
	}
	for _, tc := range tests {
		if got := o.OpenOn(date(tc.day)); got != tc.want {
			t.Errorf("OpenOn(%s) = %v, want %v", tc.day, got, tc.want)
		}
	}
	if !(Organisation{}).OpenOn(date("1990-01-01")) {
		t.Errorf("an organisation with unknown dates must be open on any day")
	}
}

func TestOrganisationValidateNamesEveryField(t *testing.T) {
	t.Parallel()
	o := Organisation{INN: "1234567890", TimeZone: "Mars/Olympus", Curator: Curator{Email: "not-an-email"}}
	var ve *validation.Error
	if !errors.As(o.Validate(), &ve) {
		t.Fatalf("Validate() returned no validation error")
	}
	got := map[string]string{}
	for _, v := range ve.Violations {
		got[v.Field] = v.Code
		if v.Russian == "" || v.Russian == v.Description {
			t.Errorf("%s: no Russian text in %+v", v.Field, v)
		}
	}
	want := map[string]string{"full_name": "required", "short_name": "required", "inn": "inn_checksum", "kind": "one_of",
		"time_zone": "time_zone", "curator.email": "email"}
	for field, code := range want {
		if got[field] != code {
			t.Errorf("Validate() = %v, want a violation of %s with the code %s", ve, field, code)
		}
	}
}

func TestClosureValidate(t *testing.T) {
	t.Parallel()
	o := Organisation{ID: "a", OpenedOn: date("2020-09-01")}
	tests := []struct {
		name    string
		c       Closure
		wantErr string
	}{
		{"liquidated", Closure{ID: "a", ClosedOn: date("2024-01-01"), Reason: ClosureLiquidated}, ""},
		{"merged into b", Closure{ID: "a", ClosedOn: date("2024-01-01"), Reason: ClosureMerged, SuccessorID: "b"}, ""},
		{"merged without successor", Closure{ID: "a", ClosedOn: date("2024-01-01"), Reason: ClosureMerged}, "successor_id"},
		{"merged into itself", Closure{ID: "a", ClosedOn: date("2024-01-01"), Reason: ClosureReorganised, SuccessorID: "a"}, "successor_id"},
		{"before opening", Closure{ID: "a", ClosedOn: date("2020-09-01"), Reason: ClosureLiquidated}, "closed_on"},
		{"no reason", Closure{ID: "a", ClosedOn: date("2024-01-01")}, "reason"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Validate(o)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("Validate() = %v, want a violation of %s", err, tc.wantErr)
			}
		})
	}
}
