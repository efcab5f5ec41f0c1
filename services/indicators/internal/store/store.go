// Package store keeps forms, campaigns, their expected organisations and the
// reports in PostgreSQL (schema indicators). All of the service's SQL is here,
// next to the method that runs it; driver errors become the domain's
// sentinels once, in this package. Every write runs in one transaction.
package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"sync/atomic"

	"github.com/google/uuid"
	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nastavnik/nastavnik/platform/database"
	"github.com/nastavnik/nastavnik/platform/idempotency"
	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/notify"
	"github.com/nastavnik/nastavnik/services/indicators/internal/bounded"
	"github.com/nastavnik/nastavnik/services/indicators/internal/domain"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations returns the embedded migrations, rooted at their directory,
// with the idempotency keys' table (platform/idempotency) as version 4 and
// the notifications' outbox (platform/notify) as versions 7 (its tables)
// and 8 (the operator's audit log and indexes).
func Migrations() fs.FS {
	return idempotency.WithMigration(notify.WithMigration(database.MigrationsFS(migrations, "migrations"), 7, 8), 4)
}

// Store is the indicators database.
type Store struct {
	pool *pgxpool.Pool
	// read serves the reads that tolerate replication lag (the dashboards'
	// aggregates, the business gauges): a replica's pool, or pool.
	read  *pgxpool.Pool
	cache compiledCache
	// values: the cachedReport by report id.
	values *bounded.Map[cachedReport]
	// writes counts the reports written by how they were read (Writes).
	writes struct{ held, locked atomic.Int64 }
	// groups sends the held saves' statements, several at once in one
	// transaction when they come together (writeGroups).
	groups writeGroups
}

// Writes returns how many writes of a report went to the database as one
// statement guarded by the rows the service held (held) and how many read
// the report under lock first (locked), since the store started.
func (s *Store) Writes() (held, locked int64) { return s.writes.held.Load(), s.writes.locked.Load() }

// New returns a store over pool.
func New(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool, read: pool, values: bounded.New[cachedReport](valuesCacheSize), groups: writeGroups{pool: pool}}
}

// ReadFrom makes the reads that tolerate replication lag go to read (a
// pool on a replica); nil keeps them on the primary.
func (s *Store) ReadFrom(read *pgxpool.Pool) *Store {
	if read != nil {
		s.read = read
	}
	return s
}

// db is where a call runs its SQL: the transaction its context carries
// (an idempotent call's), or the pool.
func (s *Store) db(ctx context.Context) database.DB { return database.Use(ctx, s.pool) }

// tx runs fn in a read-committed transaction; rows it must not race on are
// locked with SELECT … FOR UPDATE.
func (s *Store) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	return database.InTx(ctx, s.pool, pgx.ReadCommitted, fn)
}

// sentinels are the domain's errors for the driver's: no row is not found,
// a write the published-version trigger refuses is ErrPublished.
var sentinels = database.Sentinels{NoRows: domain.ErrNotFound,
	States: map[string]error{pgerrcode.ObjectNotInPrerequisiteState: domain.ErrPublished}}

// translate names op in err and turns driver errors into the domain's
// sentinels; nil stays nil.
func translate(op string, err error) error { return sentinels.Translate(op, err) }

// where is a query's conditions, with the store's own filters as methods.
type where struct{ database.Where }

// orgScope restricts rows with region_code, municipality_id and
// organisation_id columns of alias a to what the reader Sees.
func (w *where) orgScope(a string, sc identity.Reach) {
	if sc.All {
		return
	}
	w.Add(fmt.Sprintf("(%[1]s.region_code = ANY(?) OR %[1]s.municipality_id = ANY(?::uuid[]) OR %[1]s.organisation_id = ANY(?::uuid[]))", a),
		nn(sc.Regions), uuids(sc.Municipalities), uuids(sc.Organisations))
}

// municipalScope restricts rows with region_code and municipality_id
// columns of alias a to the regions and municipalities a reader sees
// (all: every one) and to the region and the municipality asked ("": any).
// The region asked, when the reader sees it whole, is the reach's condition
// already: the statement then has no array to plan for.
func (w *where) municipalScope(a string, all bool, regions, municipalities []string, region, municipality string) {
	if !all && (region == "" || !slices.Contains(regions, region)) {
		w.Add(fmt.Sprintf("(%[1]s.region_code = ANY(?) OR %[1]s.municipality_id = ANY(?::uuid[]))", a), nn(regions), uuids(municipalities))
	}
	if region != "" {
		w.Add(a+".region_code = ?", region)
	}
	if municipality != "" {
		w.Add(a+".municipality_id = ?::uuid", municipality)
	}
}

func nn(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// uuids is the ids of s that are UUIDs, for a condition on a uuid column
// that its index answers (a cast of the column to text would read every
// row); an id that is not a UUID matches no row anyway.
func uuids(s []string) []string {
	out := make([]string, 0, len(s))
	for _, id := range s {
		if uuid.Validate(id) == nil {
			out = append(out, id)
		}
	}
	return out
}

// arg adds an argument used outside the conditions and returns its
// placeholder.
func (w *where) arg(v any) string {
	w.Args = append(w.Args, v)
	return fmt.Sprintf("$%d", len(w.Args))
}
