package domain

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/nastavnik/nastavnik/platform/validation"
)

func TestSignOffLifecycle(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 16, 5, 0, 0, 0, time.UTC)
	earlier := at.Add(-time.Hour)
	meth := Actor{AccountID: "m", Login: "metod"}
	reg := Actor{AccountID: "r", Login: "region"}
	complete := Counts{Expected: 3, OnTime: 3, Accepted: 3}
	incomplete := Counts{Expected: 3, OnTime: 2, Accepted: 2, Missing: 1}
	signed := func() SignOff {
		return SignOff{State: Signed, Version: 1, Counts: complete, Signer: meth, SignTime: earlier,
			Events: []SignOffEvent{{Kind: SignOffSigned, Time: earlier, Actor: meth, Counts: complete}}}
	}
	with := func(s SignOff, f func(*SignOff)) SignOff { f(&s); return s }

	tests := []struct {
		name string
		from SignOff
		step func(*SignOff) (SignOffEvent, error)
		// want is the sign-off after the step; wantErr the refusal (then the
		// sign-off must be as it was).
		want      SignOff
		wantErr   error
		wantField string
	}{
		{
			name: "sign a complete summary without a comment",
			from: SignOff{},
			step: func(s *SignOff) (SignOffEvent, error) { return s.Sign(meth, at, complete, "  ", 0) },
			want: SignOff{State: Signed, Version: 1, Counts: complete, Signer: meth, SignTime: at,
				Events: []SignOffEvent{{Kind: SignOffSigned, Time: at, Actor: meth, Counts: complete}}},
		},
		{
			name: "sign an incomplete summary naming what is missing",
			from: SignOff{},
			step: func(s *SignOff) (SignOffEvent, error) {
				return s.Sign(meth, at, incomplete, " Школа 3 закрывается, отчёта не будет ", 0)
			},
			want: SignOff{State: Signed, Version: 1, Counts: incomplete, Signer: meth, SignTime: at,
				Comment: "Школа 3 закрывается, отчёта не будет",
				Events: []SignOffEvent{{Kind: SignOffSigned, Time: at, Actor: meth, Counts: incomplete,
					Comment: "Школа 3 закрывается, отчёта не будет"}}},
		},
		{
			name:      "an incomplete summary needs a comment",
			from:      SignOff{},
			step:      func(s *SignOff) (SignOffEvent, error) { return s.Sign(meth, at, incomplete, "", 0) },
			wantErr:   &validation.Error{},
			wantField: "comment",
		},
		{
			name: "a summary with a report awaiting review is incomplete",
			from: SignOff{},
			step: func(s *SignOff) (SignOffEvent, error) {
				return s.Sign(meth, at, Counts{Expected: 1, OnTime: 1, Submitted: 1}, "", 0)
			},
			wantErr:   &validation.Error{},
			wantField: "comment",
		},
		{
			name: "a comment too long",
			from: SignOff{},
			step: func(s *SignOff) (SignOffEvent, error) {
				return s.Sign(meth, at, complete, strings.Repeat("ы", 2001), 0)
			},
			wantErr:   &validation.Error{},
			wantField: "comment",
		},
		{
			name:    "signing twice with nothing changed",
			from:    signed(),
			step:    func(s *SignOff) (SignOffEvent, error) { return s.Sign(meth, at, complete, "", 1) },
			wantErr: ErrState,
		},
		{
			name:    "signing based on another version",
			from:    with(signed(), func(s *SignOff) { s.State, s.Version = SentBack, 2 }),
			step:    func(s *SignOff) (SignOffEvent, error) { return s.Sign(meth, at, complete, "", 1) },
			wantErr: ErrStale,
		},
		{
			name: "signing an outdated sign-off again",
			from: with(signed(), func(s *SignOff) { s.State, s.Version, s.OutdateTime = Outdated, 2, earlier }),
			step: func(s *SignOff) (SignOffEvent, error) { return s.Sign(meth, at, complete, "", 2) },
			want: with(signed(), func(s *SignOff) {
				s.Version, s.SignTime = 3, at
				s.Events = append(s.Events, SignOffEvent{Kind: SignOffSigned, Time: at, Actor: meth, Counts: complete})
			}),
		},
		{
			name: "send back a signed summary",
			from: signed(),
			step: func(s *SignOff) (SignOffEvent, error) {
				return s.SendBack(reg, at, "Нет данных по школе 3", 1)
			},
			want: with(signed(), func(s *SignOff) {
				s.State, s.Version, s.BackComment, s.BackBy, s.BackTime = SentBack, 2, "Нет данных по школе 3", reg, at
				s.Events = append(s.Events, SignOffEvent{Kind: SignOffSentBack, Time: at, Actor: reg, Comment: "Нет данных по школе 3"})
			}),
		},
		{
			name: "send back an outdated summary",
			from: with(signed(), func(s *SignOff) { s.State, s.Version = Outdated, 2 }),
			step: func(s *SignOff) (SignOffEvent, error) {
				return s.SendBack(reg, at, "Отчёты изменились", 2)
			},
			want: with(signed(), func(s *SignOff) {
				s.State, s.Version, s.BackComment, s.BackBy, s.BackTime = SentBack, 3, "Отчёты изменились", reg, at
				s.Events = append(s.Events, SignOffEvent{Kind: SignOffSentBack, Time: at, Actor: reg, Comment: "Отчёты изменились"})
			}),
		},
		{
			name:      "a send-back needs a comment",
			from:      signed(),
			step:      func(s *SignOff) (SignOffEvent, error) { return s.SendBack(reg, at, " ", 1) },
			wantErr:   &validation.Error{},
			wantField: "comment",
		},
		{
			name:    "nothing signed to send back",
			from:    SignOff{},
			step:    func(s *SignOff) (SignOffEvent, error) { return s.SendBack(reg, at, "Почему?", 0) },
			wantErr: ErrState,
		},
		{
			name:    "sent back already",
			from:    with(signed(), func(s *SignOff) { s.State, s.Version = SentBack, 2 }),
			step:    func(s *SignOff) (SignOffEvent, error) { return s.SendBack(reg, at, "Ещё раз", 2) },
			wantErr: ErrState,
		},
		{
			name:    "send back based on another version",
			from:    signed(),
			step:    func(s *SignOff) (SignOffEvent, error) { return s.SendBack(reg, at, "Почему?", 0) },
			wantErr: ErrStale,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := tc.from
			before := tc.from
			before.Events = append([]SignOffEvent(nil), tc.from.Events...)
			e, err := tc.step(&s)
			if tc.wantErr != nil {
				var ve *validation.Error
				switch {
				case errors.As(tc.wantErr, &ve):
					if !errors.As(err, &ve) || len(ve.Violations) != 1 || ve.Violations[0].Field != tc.wantField {
						t.Fatalf("got %v, want a field violation of %s", err, tc.wantField)
					}
				case !errors.Is(err, tc.wantErr):
					t.Fatalf("got %v, want %v", err, tc.wantErr)
				}
				if diff := cmp.Diff(before, s); diff != "" {
					t.Errorf("a refused step changed the sign-off (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v, want no error", err)
			}
			if diff := cmp.Diff(tc.want, s); diff != "" {
				t.Errorf("sign-off (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(s.Events[len(s.Events)-1], e); diff != "" {
				t.Errorf("the step's event is not the last of the history (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSignOffOutdate(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 17, 5, 0, 0, 0, time.UTC)
	by := Actor{AccountID: "c", Login: "curator"}
	tests := []struct {
		name      string
		from      SignOffState
		want      SignOffState
		wantEvent bool
	}{
		{"signed becomes outdated", Signed, Outdated, true},
		{"outdated stays outdated", Outdated, Outdated, false},
		{"sent back stays sent back", SentBack, SentBack, false},
		{"not signed stays not signed", NotSigned, NotSigned, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := SignOff{State: tc.from, Version: 4}
			e, ok := s.Outdate(by, at, "org")
			if s.State != tc.want || ok != tc.wantEvent {
				t.Fatalf("got state %v event %v, want %v %v", s.State, ok, tc.want, tc.wantEvent)
			}
			if ok {
				want := SignOffEvent{Kind: SignOffOutdated, Time: at, Actor: by, OrganisationID: "org"}
				if diff := cmp.Diff(want, e); diff != "" || s.Version != 5 || !s.OutdateTime.Equal(at) {
					t.Errorf("event (-want +got):\n%s; version %d, outdate time %v", diff, s.Version, s.OutdateTime)
				}
			} else if s.Version != 4 {
				t.Errorf("got version %d, want 4: nothing changed", s.Version)
			}
		})
	}
}

func TestCountsIncomplete(t *testing.T) {
	t.Parallel()
	tests := []struct {
		c    Counts
		want bool
	}{
		{Counts{Expected: 2, Accepted: 2, OnTime: 2}, false},
		{Counts{}, false},
		{Counts{Expected: 2, Accepted: 1, Missing: 1}, true},
		{Counts{Expected: 2, Accepted: 1, Returned: 1}, true},
		{Counts{Expected: 2, Accepted: 1, Submitted: 1}, true},
	}
	for _, tc := range tests {
		if got := tc.c.Incomplete(); got != tc.want {
			t.Errorf("%+v: got %v, want %v", tc.c, got, tc.want)
		}
	}
}
