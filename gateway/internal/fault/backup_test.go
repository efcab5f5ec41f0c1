package fault_test

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// tableSums is the row count and a checksum of the rows of every table of
// the services' schemas, by schema.table.
type tableSums map[string]struct {
	rows int64
	sum  string
}

func sums(t *testing.T, url string) tableSums {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT schemaname, tablename FROM pg_tables
		WHERE schemaname IN ('registry', 'roadmap', 'indicators') ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
		var s, n string
		err := r.Scan(&s, &n)
		return pgx.Identifier{s, n}.Sanitize(), err
	})
	if err != nil {
		t.Fatal(err)
	}
	out := tableSums{}
	for _, name := range names {
		var v struct {
			rows int64
			sum  string
		}
		// Every column of every row, in a fixed order: equal sums mean equal
		// contents.
		if err := conn.QueryRow(ctx, `SELECT count(*), coalesce(md5(string_agg(r::text, E'\n' ORDER BY r::text)), '')
			FROM `+name+` r`).Scan(&v.rows, &v.sum); err != nil {
			t.Fatal(err)
		}
		out[strings.ReplaceAll(name, `"`, "")] = v
	}
	return out
}

// backupRestore backs the platform's database up with scripts/backup.sh
// while the services run, restores it with scripts/restore.sh into a new
// cluster, and checks that every table — reports, their history, the audit
// log and the rest — came back with the same rows; then a service role reads
// the restored reports.
func backupRestore(t *testing.T, root string, src *cluster) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "nastavnik.dump")
	run := func(script string, args ...string) {
		t.Helper()
		out, err := exec.Command(filepath.Join(root, "scripts", script), args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", script, err, out)
		}
		t.Logf("%s", strings.TrimSpace(string(out)))
	}
	before := sums(t, src.adminURL("nastavnik"))
	run("backup.sh", src.adminURL("nastavnik"), file)
	dst := newCluster(t, root)
	run("restore.sh", file, dst.adminURL("postgres"))
	after := sums(t, dst.adminURL("nastavnik"))
	for name, b := range before {
		if a, ok := after[name]; !ok || a != b {
			t.Errorf("%s: restored %d rows (sum %s), want %d (sum %s)", name, a.rows, a.sum, b.rows, b.sum)
		}
	}
	if len(after) != len(before) {
		t.Errorf("restored %d tables, want %d", len(after), len(before))
	}
	for _, must := range []string{"indicators.reports", "indicators.report_events", "registry.audit_events"} {
		if before[must].rows == 0 {
			t.Errorf("%s is empty: nothing was checked", must)
		}
	}
	// The service's role owns its restored schema and reads it.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dst.roleURL("indicators"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int64
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM reports`).Scan(&n); err != nil || n != before["indicators.reports"].rows {
		t.Errorf("the indicators role reads %d restored reports (%v), want %d", n, err, before["indicators.reports"].rows)
	}
	return fmt.Sprintf("backup/restore: %d tables, %d rows; reports %d, history rows %d, audit events %d — counts and checksums equal",
		len(before), total(before), before["indicators.reports"].rows, before["indicators.report_events"].rows,
		before["registry.audit_events"].rows)
}

func total(s tableSums) int64 {
	var n int64
	for _, v := range s {
		n += v.rows
	}
	return n
}
