package server_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/servicetest"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	"github.com/nastavnik/nastavnik/services/indicators/internal/store"
)

// heldReport is a report the service holds (its last save went through
// it) and the curator who saves it.
type heldReport struct {
	as string
	r  *indicatorsv1.Report
}

// heldReports starts n reports of orgA1 and orgA2 in campaigns of their
// own (one a year: an organisation reports once a year on a form) and saves
// each once, so that the service holds them.
func (w *world) heldReports(n int) []heldReport {
	w.t.Helper()
	var out []heldReport
	for i := 0; len(out) < n; i++ {
		c := w.campaign("methodologist", &indicatorsv1.Campaign{Name: fmt.Sprintf("Мониторинг ЦМН %d", 2026-i), Year: int32(2026 - i),
			MunicipalityId: munA, Deadline: "2026-12-15"})
		for as, org := range map[string]string{"curator": orgA1, "curatorA2": orgA2} {
			if len(out) < n {
				out = append(out, heldReport{as: as, r: w.save(as, w.report(as, c.GetId(), org, false), goodValues(1))})
			}
		}
	}
	return out
}

// groups are the service's groups of held saves so far (the histogram
// nastavnik_report_write_group_size): all of them, those of more than one
// save and of more than eight, and those that failed as a whole.
func (w *world) groups() (all, many, large, failed float64) {
	w.t.Helper()
	page := servicetest.Scrape(w.t, w.svc.MetricsAddr)
	all, ok1 := servicetest.Sample(page, "nastavnik_report_write_group_size_count", "")
	one, ok2 := servicetest.Sample(page, "nastavnik_report_write_group_size_bucket", `{le="1"}`)
	eight, ok3 := servicetest.Sample(page, "nastavnik_report_write_group_size_bucket", `{le="8"}`)
	failed, ok4 := servicetest.Sample(page, "nastavnik_report_write_groups_failed_total", "")
	if !ok1 || !ok2 || !ok3 || !ok4 {
		w.t.Fatalf("group metrics: count %v, le=1 %v, le=8 %v, failed %v", ok1, ok2, ok3, ok4)
	}
	return all, all - one, all - eight, failed
}

// flushSeconds is the time the service's flushes have been on their way
// so far.
func (w *world) flushSeconds() float64 {
	w.t.Helper()
	return w.gauge("nastavnik_report_write_flush_seconds_total")
}

// queued is how many held saves wait for a flush now.
func (w *world) queued() float64 {
	w.t.Helper()
	return w.gauge("nastavnik_report_write_queue")
}

// gauge is the value of the service's unlabelled metric name now.
func (w *world) gauge(name string) float64 {
	w.t.Helper()
	v, ok := servicetest.Sample(servicetest.Scrape(w.t, w.svc.MetricsAddr), name, "")
	if !ok {
		w.t.Fatalf("%s missing", name)
	}
	return v
}

// until polls cond until it holds, failing the test after ten seconds.
func until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited ten seconds for %s", what)
		}
	}
}

// saveResult is a save's answer.
type saveResult struct {
	r   *indicatorsv1.Report
	err error
}

// saveAsync saves teachers_total = n on h's report at the version h holds
// and answers on the channel returned.
func (w *world) saveAsync(ctx context.Context, h heldReport, n int64) <-chan saveResult {
	out := make(chan saveResult, 1)
	go func() {
		resp, err := w.reports(h.as).SaveReport(ctx, &indicatorsv1.SaveReportRequest{Id: h.r.GetId(), Version: h.r.GetVersion(),
			Values: map[string]*indicatorsv1.Value{"teachers_total": cnt(n)}})
		out <- saveResult{resp.GetReport(), err}
	}()
	return out
}

// lock locks the rows of reports in a transaction of the test's own and
// returns its commit. A lock alone writes no row version: the guards of
// saves that waited on it still pass once it is released.
func (w *world) lock(reports ...heldReport) (commit func()) {
	w.t.Helper()
	ctx := context.Background()
	tx, err := w.conn().Begin(ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	ids := make([]string, len(reports))
	for i, h := range reports {
		ids[i] = h.r.GetId()
	}
	if _, err := tx.Exec(ctx, `SELECT FROM indicators.reports WHERE id = ANY($1::uuid[]) FOR UPDATE`, ids); err != nil {
		w.t.Fatal(err)
	}
	return func() {
		w.t.Helper()
		if err := tx.Commit(ctx); err != nil {
			w.t.Fatal(err)
		}
	}
}

// waitingOnLocks waits until n of the service's statements wait on a lock.
func (w *world) waitingOnLocks(what string, n int) {
	w.t.Helper()
	watch := w.conn()
	until(w.t, what, func() bool {
		var got int
		if err := watch.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&got); err != nil {
			w.t.Fatal(err)
		}
		return got == n
	})
}

// stall makes the service's flushes wait: it locks the rows of blockers
// (one report a flush, store.MaxGroupFlushes) and saves each of them
// (teachers, teachers+1, …) until those saves wait on the locks. Every held
// save after that queues. release releases the locks and returns the
// blockers' answers — which must not wait for the saves queued behind them
// (the flush goes on without its caller).
func (w *world) stall(blockers []heldReport, teachers int64) (release func() []saveResult) {
	w.t.Helper()
	if len(blockers) != store.MaxGroupFlushes {
		w.t.Fatalf("%d blockers for %d flushes", len(blockers), store.MaxGroupFlushes)
	}
	commit := w.lock(blockers...)
	answers := make([]<-chan saveResult, len(blockers))
	for i, b := range blockers {
		answers[i] = w.saveAsync(context.Background(), b, teachers+int64(i))
	}
	w.waitingOnLocks("the flushes to wait on the locks", len(blockers))
	return func() []saveResult {
		w.t.Helper()
		commit()
		out := make([]saveResult, len(answers))
		for i, a := range answers {
			select {
			case out[i] = <-a:
			case <-time.After(10 * time.Second):
				w.t.Fatalf("blocker %d: no answer ten seconds after its lock was released", i)
			}
		}
		return out
	}
}

// wantSaved checks that a save answered the report as stored, with
// teachers n, one version after h's.
func (w *world) wantSaved(what string, h heldReport, got saveResult, n int64) {
	w.t.Helper()
	if got.err != nil {
		w.t.Errorf("%s: %v", what, got.err)
		return
	}
	stored := w.get("operator", h.r.GetId())
	if stored.GetVersion() != h.r.GetVersion()+1 || got.r.GetVersion() != stored.GetVersion() || !got.r.GetUpdateTime().AsTime().Equal(stored.GetUpdateTime().AsTime()) {
		w.t.Errorf("%s: answered version %d of %v, stored %d of %v, want %d", what, got.r.GetVersion(), got.r.GetUpdateTime().AsTime(),
			stored.GetVersion(), stored.GetUpdateTime().AsTime(), h.r.GetVersion()+1)
	}
	if v := stored.GetValues()["teachers_total"].GetCount(); v != n {
		w.t.Errorf("%s: teachers stored %d, want %d", what, v, n)
	}
}

// Held saves that come while the flushes are busy go to the database
// together, as one transaction: each gets its own answer, a second save of
// a report in the group is refused as stale (it saw the first one's write),
// a save whose caller gave up while it queued is not written, a flusher's
// caller does not wait for the groups after its own, and when one save of a
// group fails every other one is still written.
func TestGroupCommit(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.publish()
	db := w.conn()
	reports := w.heldReports(12)
	blockers, rest := reports[:store.MaxGroupFlushes], reports[store.MaxGroupFlushes:]

	// One group: eight reports, one of them twice on the version held, and
	// one more whose caller gives up while it queues.
	allBefore, manyBefore, largeBefore, _ := w.groups()
	busyBefore, start := w.flushSeconds(), time.Now()
	release := w.stall(blockers, 500)
	stalled := time.Now() // the blockers' flushes are on their way, waiting on locks
	distinct, twice, gone := rest[:8], rest[8], rest[9]
	answers := make([]<-chan saveResult, len(distinct))
	for i, h := range distinct {
		answers[i] = w.saveAsync(ctx, h, int64(100+i))
	}
	first, second := w.saveAsync(ctx, twice, 201), w.saveAsync(ctx, twice, 202)
	goneCtx, cancel := context.WithCancel(ctx)
	goneAnswer := w.saveAsync(goneCtx, gone, 300)
	until(t, "eleven saves to queue", func() bool { return w.queued() == 11 })
	cancel()
	if got := <-goneAnswer; status.Code(got.err) != codes.Canceled {
		t.Errorf("the save given up: %v, want Canceled", got.err)
	}
	until(t, "the save given up to leave the queue", func() bool { return w.queued() == 10 })
	// The group waits on a lock of one of its reports: the blockers, whose
	// callers flushed, answer all the same.
	commit := w.lock(distinct[0])
	stalledFor := time.Since(stalled)
	for i, got := range release() {
		w.wantSaved(fmt.Sprintf("blocker %d", i), blockers[i], got, int64(500+i))
	}
	w.waitingOnLocks("the group to wait on its report's lock", 1)
	commit()
	for i, a := range answers {
		w.wantSaved(fmt.Sprintf("report %d of the group", i), distinct[i], <-a, int64(100+i))
	}
	a, b := <-first, <-second
	if status.Code(a.err) == codes.OK {
		w.wantSaved("the first save of the report saved twice", twice, a, 201)
		wantCode(t, "the second save of the report saved twice", b.err, codes.Aborted)
	} else {
		// The two saves queued in either order.
		w.wantSaved("the second save of the report saved twice", twice, b, 202)
		wantCode(t, "the first save of the report saved twice", a.err, codes.Aborted)
	}
	if got := w.get("operator", gone.r.GetId()); got.GetVersion() != gone.r.GetVersion() || got.GetValues()["teachers_total"].GetCount() != 60 {
		t.Errorf("the save given up wrote version %d, teachers %d", got.GetVersion(), got.GetValues()["teachers_total"].GetCount())
	}
	all, many, large, failed := w.groups()
	// The flushes were on their way at least while the blockers waited on
	// their locks, and at most for the whole of this part.
	if busy := w.flushSeconds() - busyBefore; busy < stalledFor.Seconds() || busy > time.Since(start).Seconds()*store.MaxGroupFlushes {
		t.Errorf("flushes on their way %.3f s; the blockers waited %.3f s of %.3f s", busy, stalledFor.Seconds(), time.Since(start).Seconds())
	}
	// The blockers alone, then the ten queued as one group.
	if all-allBefore != store.MaxGroupFlushes+1 || many-manyBefore != 1 || large-largeBefore != 1 || failed != 0 {
		t.Errorf("groups sent %v, of more than one save %v, of more than eight %v, failed %v; want %d, 1, 1, 0",
			all-allBefore, many-manyBefore, large-largeBefore, failed, store.MaxGroupFlushes+1)
	}
	// Each save written wrote one history row; the refused ones none.
	var rows int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM indicators.report_events WHERE kind = 'value' AND field = 'teachers_total'
		AND new_value IN ('100', '101', '102', '103', '104', '105', '106', '107', '201', '202', '300', '500', '501')`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if want := 8 + 1 + store.MaxGroupFlushes; rows != want {
		t.Errorf("history rows of the group's saves: %d, want %d", rows, want)
	}

	// One group of seven in which a save fails: a trigger of the test's own
	// refuses writes of one report.
	for i := range reports {
		reports[i].r = w.get(reports[i].as, reports[i].r.GetId())
	}
	bad := reports[len(reports)-1]
	if _, err := db.Exec(ctx, fmt.Sprintf(`CREATE FUNCTION indicators.refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.id = '%s' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$;
		CREATE TRIGGER refuse_one BEFORE UPDATE ON indicators.reports FOR EACH ROW EXECUTE FUNCTION indicators.refuse_one()`, bad.r.GetId())); err != nil {
		t.Fatal(err)
	}
	allBefore, manyBefore, _, _ = w.groups()
	release = w.stall(reports[:store.MaxGroupFlushes], 600)
	good := reports[store.MaxGroupFlushes : store.MaxGroupFlushes+6]
	for i, h := range good {
		answers[i] = w.saveAsync(ctx, h, int64(700+i))
	}
	badAnswer := w.saveAsync(ctx, bad, 799)
	until(t, "seven saves to queue", func() bool { return w.queued() == 7 })
	for i, got := range release() {
		w.wantSaved(fmt.Sprintf("blocker %d", i), reports[i], got, int64(600+i))
	}
	for i, h := range good {
		w.wantSaved(fmt.Sprintf("report %d of the failed group", i), h, <-answers[i], int64(700+i))
	}
	wantCode(t, "the refused save", (<-badAnswer).err, codes.Internal)
	if got := w.get("operator", bad.r.GetId()); got.GetVersion() != bad.r.GetVersion() {
		t.Errorf("the refused save wrote version %d", got.GetVersion())
	}
	all, many, _, failed = w.groups()
	if all-allBefore != store.MaxGroupFlushes+1 || many-manyBefore != 1 || failed != 1 {
		t.Errorf("groups sent %v, of more than one save %v, failed %v; want %d, 1, 1", all-allBefore, many-manyBefore, failed,
			store.MaxGroupFlushes+1)
	}
}

// Curators of many reports saving at once, each in a loop on the version
// its last save answered: every save lands, whether it went alone or in a
// group.
func TestConcurrentSavesOfManyReports(t *testing.T) {
	w := newWorld(t)
	w.publish()
	reports := w.heldReports(8)
	const rounds = 15
	allBefore, _, _, _ := w.groups()
	var wg sync.WaitGroup
	for i := range reports {
		h := &reports[i]
		wg.Go(func() {
			for round := range rounds {
				n := int64(1000*i + round)
				resp, err := w.reports(h.as).SaveReport(context.Background(), &indicatorsv1.SaveReportRequest{Id: h.r.GetId(), Version: h.r.GetVersion(),
					Values: map[string]*indicatorsv1.Value{"teachers_total": cnt(n)}, View: indicatorsv1.ReportView_REPORT_VIEW_BASIC})
				if err != nil {
					t.Errorf("report %d, round %d: %v", i, round, err)
					return
				}
				if resp.GetReport().GetVersion() != h.r.GetVersion()+1 {
					t.Errorf("report %d, round %d: version %d after %d", i, round, resp.GetReport().GetVersion(), h.r.GetVersion())
				}
				h.r = resp.GetReport()
			}
		})
	}
	wg.Wait()
	for i, h := range reports {
		got := w.get("operator", h.r.GetId())
		if got.GetVersion() != h.r.GetVersion() || got.GetValues()["teachers_total"].GetCount() != int64(1000*i+rounds-1) {
			t.Errorf("report %d: version %d, teachers %d; want %d, %d", i, got.GetVersion(), got.GetValues()["teachers_total"].GetCount(),
				h.r.GetVersion(), 1000*i+rounds-1)
		}
	}
	held, locked := w.writes()
	all, many, _, failed := w.groups()
	t.Logf("%d saves: writes held %v, locked %v; groups %v, of more than one save %v, failed %v", len(reports)*rounds, held, locked,
		all-allBefore, many, failed)
	if held < float64(len(reports)*(rounds-1)) || failed != 0 {
		t.Errorf("writes held %v, groups failed %v; want at least %d held and none failed", held, failed, len(reports)*(rounds-1))
	}
}
