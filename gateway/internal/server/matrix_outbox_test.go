package server_test

import (
	"context"
	"fmt"
)

// The rows of the outbox's operator view (OutboxService, served by every
// service with an outbox and routed by the gateway by source): the operator
// only. The messages acted on are written straight into the indicators
// service's outbox in the state the call needs.

// outboxMessage writes a message in state (5 failed, 7 uncertain) into the
// indicators service's outbox and returns its id.
func (f *fixture) outboxMessage(state int) string {
	f.t.Helper()
	ctx := context.Background()
	key := fmt.Sprintf("matrix:%d", f.seq())
	var id int64
	err := f.idb.QueryRow(ctx, `WITH e AS (
			INSERT INTO notify_events (key, kind, audience, data, due_time, create_time, state)
			VALUES ($1, 'report_returned', '[]', '{}', now(), now(), 2) RETURNING id)
		INSERT INTO notify_messages (key, message_id, event_id, kind, account_id, email, subject, text_body, html_body,
			state, attempts, due_time, last_error, create_time)
		SELECT $1 || '/acc', $1 || '@x.test', e.id, 'report_returned', 'acc', 'curator@x.test', 'Отчёт возвращён', 'текст', '<p>текст</p>',
			$2, 1, now(), '550 no such user', now() FROM e RETURNING id`, key, state).Scan(&id)
	if err != nil {
		f.t.Fatalf("fixture: outbox message: %v", err)
	}
	return fmt.Sprint(id)
}

func outboxRows() map[string]row {
	const svc = "/nastavnik.notify.v1.OutboxService/"
	operatorOnly := want{ok, pd, pd, pd}
	absent := want{nf, pd, pd, pd}
	get := func(path func(f *fixture, role string) string) func(f *fixture, role string) httpCall {
		return func(f *fixture, role string) httpCall { return httpCall{"GET", path(f, role), nil} }
	}
	return map[string]row{
		svc + "GetOutboxStats": {
			own:     get(func(*fixture, string) string { return "/v1/outbox/indicators/stats?windowHours=168" }),
			wantOwn: operatorOnly, wantForeign: operatorOnly,
		},
		svc + "ListOutboxMessages": {
			own: get(func(*fixture, string) string {
				return "/v1/outbox/indicators/messages?states=MESSAGE_STATE_FAILED&states=MESSAGE_STATE_UNCERTAIN&pageSize=5"
			}),
			wantOwn: operatorOnly, wantForeign: operatorOnly,
		},
		svc + "RetryOutboxMessage": {
			own: func(f *fixture, _ string) httpCall {
				return httpCall{"POST", "/v1/outbox/indicators/messages/" + f.outboxMessage(5) + ":retry", map[string]any{}}
			},
			foreign: func(*fixture, string) httpCall {
				return httpCall{"POST", "/v1/outbox/indicators/messages/987654321:retry", map[string]any{}}
			},
			wantOwn: operatorOnly, wantForeign: absent,
		},
		svc + "ResolveOutboxMessage": {
			own: func(f *fixture, _ string) httpCall {
				return httpCall{"POST", "/v1/outbox/indicators/messages/" + f.outboxMessage(7) + ":resolve",
					map[string]any{"resolution": "RESOLUTION_SEND_AGAIN"}}
			},
			foreign: func(*fixture, string) httpCall {
				return httpCall{"POST", "/v1/outbox/indicators/messages/987654321:resolve",
					map[string]any{"resolution": "RESOLUTION_DELIVERED"}}
			},
			wantOwn: operatorOnly, wantForeign: absent,
		},
	}
}
