package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/pagination"
	"github.com/nastavnik/nastavnik/platform/validation"
	notifyv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/notify/v1"
)

// stateRetrying is not stored: a pending message with attempts behind it.
const stateRetrying = 9

// The operator's actions, as notify_actions records them.
const (
	ActionRetry            = "retry"
	ActionResolveDelivered = "resolve_delivered"
	ActionResolveSendAgain = "resolve_send_again"
)

// OutboxAPI serves OutboxService, the operator's view of delivery, over the
// outbox of one service: counts by state and kind, the messages that need
// the operator, and the operator's actions on them (retry a failed message,
// resolve an uncertain one), each recorded in notify_actions in its own
// transaction. Only the operator may call it.
type OutboxAPI struct {
	notifyv1.UnimplementedOutboxServiceServer
	// Source is the service's name, as the gateway routes by it.
	Source string
	Pool   *pgxpool.Pool
	// Now is the clock; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
}

var _ notifyv1.OutboxServiceServer = (*OutboxAPI)(nil)

// RegisterOutboxService serves the operator's view of the outbox in pool on
// s, as source: the one line a service with an outbox adds to its Register.
func RegisterOutboxService(s grpc.ServiceRegistrar, source string, pool *pgxpool.Pool, logger *slog.Logger) *OutboxAPI {
	a := &OutboxAPI{Source: source, Pool: pool, Logger: logger}
	notifyv1.RegisterOutboxServiceServer(s, a)
	return a
}

func (a *OutboxAPI) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *OutboxAPI) log() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.Default()
}

// operator returns the caller if it is the operator and the source is this
// service's.
func (a *OutboxAPI) operator(ctx context.Context, source string) (identity.Principal, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return p, err
	}
	if !p.IsOperator() {
		return p, status.Error(codes.PermissionDenied, "only the operator sees the outbox")
	}
	if source != a.Source {
		return p, validation.Field("source", validation.OneOf(a.Source))
	}
	return p, nil
}

// GetOutboxStats implements OutboxService.
func (a *OutboxAPI) GetOutboxStats(ctx context.Context, req *notifyv1.GetOutboxStatsRequest) (*notifyv1.GetOutboxStatsResponse, error) {
	if _, err := a.operator(ctx, req.GetSource()); err != nil {
		return nil, err
	}
	hours := req.GetWindowHours()
	if hours == 0 {
		hours = 24
	}
	now := a.now()
	since := now.Add(-time.Duration(hours) * time.Hour)
	rows, err := a.Pool.Query(ctx, `SELECT kind, CASE WHEN state = $2 AND attempts > 0 THEN $3 ELSE state END, count(*)
		FROM notify_messages WHERE create_time >= $1 GROUP BY 1, 2 ORDER BY 1, 2`,
		since, statePending, stateRetrying)
	if err != nil {
		return nil, fmt.Errorf("notify.GetOutboxStats: %w", err)
	}
	type count struct {
		Kind  string
		State int16
		N     int64
	}
	counts, err := pgx.CollectRows(rows, pgx.RowToStructByPos[count])
	if err != nil {
		return nil, fmt.Errorf("notify.GetOutboxStats: %w", err)
	}
	totals := map[int16]int64{}
	resp := &notifyv1.GetOutboxStatsResponse{Since: timestamppb.New(since), AsOf: timestamppb.New(now)}
	for _, c := range counts {
		totals[c.State] += c.N
		resp.Kinds = append(resp.Kinds, &notifyv1.KindCount{Kind: c.Kind, State: notifyv1.MessageState(c.State), Count: c.N})
	}
	for s := statePending; s <= stateRetrying; s++ {
		resp.States = append(resp.States, &notifyv1.StateCount{State: notifyv1.MessageState(s), Count: totals[int16(s)]})
	}
	return resp, nil
}

// listFilter is what a page token is bound to.
type listFilter struct {
	Source string  `json:"s"`
	States []int32 `json:"st"`
	Kind   string  `json:"k"`
}

type listCursor struct {
	ID int64 `json:"i"`
}

// ListOutboxMessages implements OutboxService.
func (a *OutboxAPI) ListOutboxMessages(ctx context.Context, req *notifyv1.ListOutboxMessagesRequest) (*notifyv1.ListOutboxMessagesResponse, error) {
	if _, err := a.operator(ctx, req.GetSource()); err != nil {
		return nil, err
	}
	f := listFilter{Source: req.GetSource(), Kind: req.GetKind()}
	var stored []int16
	retrying := false
	seen := map[notifyv1.MessageState]bool{}
	for _, s := range req.GetStates() {
		if seen[s] {
			continue
		}
		seen[s] = true
		f.States = append(f.States, int32(s))
		if s == notifyv1.MessageState_MESSAGE_STATE_RETRYING {
			retrying = true
		} else {
			stored = append(stored, int16(s))
		}
	}
	if len(f.States) == 0 {
		stored = []int16{stateFailed, stateUncertain}
		f.States = []int32{stateFailed, stateUncertain}
	}
	var cur listCursor
	if err := pagination.Read(req.GetPageToken(), f, &cur); err != nil {
		return nil, err
	}
	if cur.ID <= 0 {
		cur.ID = 1<<63 - 1
	}
	size := pagination.Size(req.GetPageSize())
	rows, err := a.Pool.Query(ctx, `SELECT `+messageColumns+` FROM notify_messages
		WHERE (state = ANY($1) OR ($2 AND state = $3 AND attempts > 0)) AND ($4 = '' OR kind = $4) AND id < $5
		ORDER BY id DESC LIMIT $6`, stored, retrying, statePending, f.Kind, cur.ID, size+1)
	if err != nil {
		return nil, fmt.Errorf("notify.ListOutboxMessages: %w", err)
	}
	list, err := pgx.CollectRows(rows, scanMessage)
	if err != nil {
		return nil, fmt.Errorf("notify.ListOutboxMessages: %w", err)
	}
	page, next, err := pagination.Trim(list, size, f, func(m *notifyv1.OutboxMessage) any {
		id, _ := strconv.ParseInt(m.GetId(), 10, 64)
		return listCursor{ID: id}
	})
	if err != nil {
		return nil, err
	}
	return &notifyv1.ListOutboxMessagesResponse{Messages: page, NextPageToken: next}, nil
}

const messageColumns = `id, kind, state, attempts, account_id, name, email, subject, last_error, create_time, due_time,
	sent_time, digest`

func scanMessage(r pgx.CollectableRow) (*notifyv1.OutboxMessage, error) {
	var (
		id       int64
		state    int16
		attempts int32
		created  time.Time
		due      time.Time
		sent     *time.Time
		m        notifyv1.OutboxMessage
	)
	if err := r.Scan(&id, &m.Kind, &state, &attempts, &m.AccountId, &m.RecipientName, &m.Email, &m.Subject,
		&m.LastError, &created, &due, &sent, &m.Digest); err != nil {
		return nil, err
	}
	if state == statePending && attempts > 0 {
		state = stateRetrying
	}
	m.Id = strconv.FormatInt(id, 10)
	m.State = notifyv1.MessageState(state)
	m.Attempts = attempts
	m.CreateTime = timestamppb.New(created)
	m.DueTime = timestamppb.New(due)
	if sent != nil {
		m.SentTime = timestamppb.New(*sent)
	}
	return &m, nil
}

// errNotFound is a message id this outbox does not have.
var errNotFound = status.Error(codes.NotFound, "no such message in this outbox")

// RetryOutboxMessage implements OutboxService: failed → queued, attempts
// reset, due now. Repeating a retry that took effect changes nothing.
func (a *OutboxAPI) RetryOutboxMessage(ctx context.Context, req *notifyv1.RetryOutboxMessageRequest) (*notifyv1.RetryOutboxMessageResponse, error) {
	p, err := a.operator(ctx, req.GetSource())
	if err != nil {
		return nil, err
	}
	m, err := a.act(ctx, p, req.GetId(), ActionRetry, stateFailed,
		`UPDATE notify_messages SET state = $2, attempts = 0, due_time = $3, lease_until = NULL, last_error = ''
			WHERE id = $1`, statePending)
	if err != nil {
		return nil, err
	}
	return &notifyv1.RetryOutboxMessageResponse{Message: m}, nil
}

// ResolveOutboxMessage implements OutboxService: uncertain → sent
// (delivered) or queued afresh, due now (send again). Repeating the same
// resolution changes nothing.
func (a *OutboxAPI) ResolveOutboxMessage(ctx context.Context, req *notifyv1.ResolveOutboxMessageRequest) (*notifyv1.ResolveOutboxMessageResponse, error) {
	p, err := a.operator(ctx, req.GetSource())
	if err != nil {
		return nil, err
	}
	var m *notifyv1.OutboxMessage
	switch req.GetResolution() {
	case notifyv1.Resolution_RESOLUTION_DELIVERED:
		m, err = a.act(ctx, p, req.GetId(), ActionResolveDelivered, stateUncertain,
			`UPDATE notify_messages SET state = $2, sent_time = $3, lease_until = NULL WHERE id = $1`, stateSent)
	case notifyv1.Resolution_RESOLUTION_SEND_AGAIN:
		m, err = a.act(ctx, p, req.GetId(), ActionResolveSendAgain, stateUncertain,
			`UPDATE notify_messages SET state = $2, attempts = 0, due_time = $3, lease_until = NULL WHERE id = $1`, statePending)
	default:
		// protovalidate refuses it before; a direct caller without it here.
		return nil, validation.Field("resolution", validation.OneOf("RESOLUTION_DELIVERED", "RESOLUTION_SEND_AGAIN"))
	}
	if err != nil {
		return nil, err
	}
	return &notifyv1.ResolveOutboxMessageResponse{Message: m}, nil
}

// act changes message id from state from to state to with update (whose
// parameters are the id, to and now) and records the action, in one
// transaction. A message no longer in from whose last action was this one is
// answered as it is (a repeat); otherwise it is FailedPrecondition.
func (a *OutboxAPI) act(ctx context.Context, p identity.Principal, rawID, action string, from int16, update string, to int16) (*notifyv1.OutboxMessage, error) {
	id, err := strconv.ParseInt(rawID, 10, 64)
	if err != nil || id <= 0 {
		return nil, validation.Field("id", validation.New(validation.CodeInvalid))
	}
	now := a.now()
	var out *notifyv1.OutboxMessage
	err = pgx.BeginTxFunc(ctx, a.Pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		var state int16
		var lastError string
		err := tx.QueryRow(ctx, `SELECT state, last_error FROM notify_messages WHERE id = $1 FOR UPDATE`, id).Scan(&state, &lastError)
		if errors.Is(err, pgx.ErrNoRows) {
			return errNotFound
		}
		if err != nil {
			return err
		}
		if state == from {
			if _, err := tx.Exec(ctx, update, id, to, now); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO notify_actions (message_id, action, from_state, to_state, last_error,
					actor_id, actor_login, remote_addr, request_id, time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
				id, action, from, to, lastError, p.AccountID, p.Login, p.RemoteAddr, p.RequestID, now); err != nil {
				return err
			}
		} else {
			var last string
			err := tx.QueryRow(ctx, `SELECT action FROM notify_actions WHERE message_id = $1 ORDER BY id DESC LIMIT 1`, id).Scan(&last)
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			if last != action {
				return status.Error(codes.FailedPrecondition, preconditionText(from))
			}
		}
		rows, err := tx.Query(ctx, `SELECT `+messageColumns+` FROM notify_messages WHERE id = $1`, id)
		if err != nil {
			return err
		}
		out, err = pgx.CollectExactlyOneRow(rows, scanMessage)
		return err
	})
	if err != nil {
		if _, ok := status.FromError(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("notify.%s: %w", action, err)
	}
	a.log().InfoContext(ctx, "notify: operator action", "source", a.Source, "message", id, "action", action,
		"actor", p.AccountID, "state", out.GetState().String())
	return out, nil
}

func preconditionText(from int16) string {
	if from == stateFailed {
		return "only a failed message can be sent again"
	}
	return "only an uncertain message can be resolved"
}
