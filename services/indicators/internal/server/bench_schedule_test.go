package server_test

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nastavnik/nastavnik/platform/database"
	"github.com/nastavnik/nastavnik/services/indicators/internal/store"
)

// BenchmarkScheduleCountry times the outbox's schedulers, which every
// replica runs every half minute, on a copy of the country of
// `PEAK_COUNTRY=45000 make peak` (NASTAVNIK_BENCH_COUNTRY_URL, the indicators
// role's URL of the copy, migrated here; scripts/bench-schedule.sh makes it):
// the reminders on 10 December once every point due has been written, as
// almost every pass finds them, and in October; the methodologists' digests
// once the day's are written; against the baseline of a plain
// `SELECT count(*) FROM reports` in the same loop. It reports the median
// wall time of each, its ratio to the baseline's, and the mean CPU of the
// PostgreSQL backend (from /proc, on the same machine, without parallel
// workers; the wall time swings with whatever else runs, the CPU less). The outbox holds, as after
// five years, one reminder per organisation of each closed campaign.
func BenchmarkScheduleCountry(b *testing.B) {
	url := os.Getenv("NASTAVNIK_BENCH_COUNTRY_URL")
	if url == "" {
		b.Fatal("NASTAVNIK_BENCH_COUNTRY_URL is not set: scripts/bench-schedule.sh copies the country and sets it")
	}
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		b.Fatal(err)
	}
	cfg.MaxConns = 1 // one backend, whose CPU is read
	// No parallel workers, whose CPU the backend's would not show.
	cfg.ConnConfig.RuntimeParams["max_parallel_workers_per_gather"] = "0"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	if err := database.Migrate(ctx, pool, store.Migrations(), slog.New(slog.DiscardHandler)); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO notify_events (key, kind, audience, ref, data, due_time, state, create_time)
		SELECT 'reminder:' || c.id || ':' || co.organisation_id || ':' || c.deadline || ':0', 'reminder', '[]',
			c.id || '/' || co.organisation_id, '{}', c.deadline, 2, c.deadline
		FROM campaigns c JOIN campaign_organisations co ON co.campaign_id = c.id WHERE c.status = 2
		ON CONFLICT (key) DO NOTHING`); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `VACUUM ANALYZE notify_events`); err != nil {
		b.Fatal(err)
	}
	var pid int
	if err := pool.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		b.Fatal(err)
	}
	st := store.New(pool)
	december := time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC)
	october := time.Date(2026, 10, 10, 12, 0, 0, 0, time.UTC)
	// The passes that write: the reminders of the points passed by the 10th,
	// the digests of the day.
	start := time.Now()
	written, err := st.ScheduleReminders(ctx, december)
	if err != nil {
		b.Fatal(err)
	}
	writePass := time.Since(start)
	if _, err := st.ScheduleDigests(ctx, december); err != nil {
		b.Fatal(err)
	}

	type timing struct{ wall, cpu []float64 }
	runs := map[string]*timing{}
	measure := func(name string, fn func() error) {
		cpu0 := backendCPU(b, pid)
		t0 := time.Now()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		t := runs[name]
		if t == nil {
			t = &timing{}
			runs[name] = t
		}
		t.wall = append(t.wall, float64(time.Since(t0).Microseconds())/1000)
		t.cpu = append(t.cpu, backendCPU(b, pid)-cpu0)
	}
	rounds := 15
	if v := os.Getenv("NASTAVNIK_BENCH_ROUNDS"); v != "" {
		if rounds, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range rounds {
		measure("baseline", func() error {
			var n int
			return pool.QueryRow(ctx, `SELECT count(*) FROM reports`).Scan(&n)
		})
		measure("reminders-december", func() error {
			n, err := st.ScheduleReminders(ctx, december)
			if err == nil && n != 0 {
				b.Fatalf("a second pass wrote %d reminders", n)
			}
			return err
		})
		measure("reminders-october", func() error {
			_, err := st.ScheduleReminders(ctx, october)
			return err
		})
		measure("digests-december", func() error {
			_, err := st.ScheduleDigests(ctx, december)
			return err
		})
	}
	b.StopTimer()
	b.ReportMetric(float64(written), "reminders-written")
	b.ReportMetric(float64(writePass.Microseconds())/1000, "reminders-write-pass-ms")
	median := func(v []float64) float64 {
		v = slices.Clone(v)
		slices.Sort(v)
		return v[len(v)/2]
	}
	// The CPU is counted in ticks of 10 ms: its mean over the rounds.
	mean := func(v []float64) float64 {
		var sum float64
		for _, x := range v {
			sum += x
		}
		return sum / float64(len(v))
	}
	base := median(runs["baseline"].wall)
	baseCPU := mean(runs["baseline"].cpu)
	for name, t := range runs {
		b.ReportMetric(median(t.wall), name+"-ms")
		b.ReportMetric(mean(t.cpu), name+"-cpu-ms")
		if name != "baseline" {
			b.ReportMetric(median(t.wall)/base, name+"/baseline")
			if baseCPU > 0 {
				b.ReportMetric(mean(t.cpu)/baseCPU, name+"-cpu/baseline")
			}
		}
	}
}

// backendCPU is the user and system CPU, in milliseconds, that the
// PostgreSQL backend pid has used so far (Linux, 100 ticks a second).
func backendCPU(b *testing.B, pid int) float64 {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		b.Fatalf("the backend's CPU (run the benchmark on PostgreSQL's machine): %v", err)
	}
	// Fields after the command's closing parenthesis: state is the 3rd field
	// of the line, utime and stime the 14th and 15th.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+1:]))
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		b.Fatalf("the backend's CPU: %q", raw)
	}
	return (utime + stime) * 10
}
