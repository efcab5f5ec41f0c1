package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Notice is a message as its recipient's notifications list shows it.
type Notice struct {
	ID         int64
	Kind       string
	Subject    string
	Text       string
	CreateTime time.Time
	Read       bool
}

// Inbox reads and marks one person's notices in a service's outbox.
type Inbox struct{ Pool *pgxpool.Pool }

// List returns up to limit of the account's notices older than id before
// (every one when 0), newest first, and how many of all are unread.
func (in Inbox) List(ctx context.Context, accountID string, before int64, limit int) ([]Notice, int, error) {
	var unread int
	if err := in.Pool.QueryRow(ctx, `SELECT count(*) FROM notify_messages WHERE account_id = $1 AND read_time IS NULL`,
		accountID).Scan(&unread); err != nil {
		return nil, 0, fmt.Errorf("notify.Inbox.List: %w", err)
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := in.Pool.Query(ctx, `SELECT id, kind, subject, text_body, create_time, read_time IS NOT NULL
		FROM notify_messages WHERE account_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, accountID, before, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("notify.Inbox.List: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Notice])
	if err != nil {
		return nil, 0, fmt.Errorf("notify.Inbox.List: %w", err)
	}
	return list, unread, nil
}

// MarkRead marks the account's notices ids read at now (every one when ids
// is empty); another account's ids are left alone. It returns how many
// changed.
func (in Inbox) MarkRead(ctx context.Context, accountID string, ids []int64, now time.Time) (int, error) {
	tag, err := in.Pool.Exec(ctx, `UPDATE notify_messages SET read_time = $3
		WHERE account_id = $1 AND read_time IS NULL AND (cardinality($2::bigint[]) = 0 OR id = ANY($2))`,
		accountID, ids, now)
	if err != nil {
		return 0, fmt.Errorf("notify.Inbox.MarkRead: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
