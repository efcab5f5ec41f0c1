package country

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sync"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

// batchSize is how many reports one ImportReports call carries.
const batchSize = 500

// Final states of generated reports, as Stats counts them.
var stateNames = map[indicatorsv1.ReportStatus]string{
	indicatorsv1.ReportStatus_REPORT_STATUS_DRAFT:     "draft",
	indicatorsv1.ReportStatus_REPORT_STATUS_SUBMITTED: "submitted",
	indicatorsv1.ReportStatus_REPORT_STATUS_RETURNED:  "returned",
	indicatorsv1.ReportStatus_REPORT_STATUS_ACCEPTED:  "accepted",
}

// returnComments are the methodologists' comments on returned reports.
var returnComments = []string{
	"Раздел «Педагоги» не сходится с данными РИС на 1 декабря: проверьте численность молодых педагогов.",
	"Укажите реквизиты локальных актов, действующих в этом году.",
	"Формы наставничества: пар почти столько же, сколько наставляемых — проверьте, не посчитаны ли группы как пары.",
}

// loadReports loads every year's reports, oldest year first (a year's rules
// compare with the year before), in batches through ImportReports.
func (c *Country) loadReports(ctx context.Context, conns Conns, st *Stats) (int, error) {
	client := indicatorsv1.NewReportServiceClient(conns.Indicators)
	var all [][]*indicatorsv1.ImportedReport
	total := 0
	for _, year := range c.Years() {
		items := c.yearReports(year)
		all = append(all, items)
		total += len(items)
	}
	bar := newBar(c.cfg.Progress, "reports", total)
	defer bar.finish()
	var mu sync.Mutex
	done := 0
	for y, items := range all {
		year := c.Years()[y]
		byState := map[string]int{}
		for _, it := range items {
			byState[stateNames[it.GetStatus()]]++
		}
		batches := (len(items) + batchSize - 1) / batchSize
		_, err := c.parallel(ctx, "", batches, func(ctx context.Context, i int) (int, error) {
			part := items[i*batchSize : min(len(items), (i+1)*batchSize)]
			resp, err := client.ImportReports(ctx, &indicatorsv1.ImportReportsRequest{Reports: part})
			if err != nil {
				return 0, fmt.Errorf("reports of %d, batch %d: %w", year, i, err)
			}
			mu.Lock()
			done += int(resp.GetImported() + resp.GetExisting())
			mu.Unlock()
			bar.add(len(part))
			return len(part), nil
		})
		if err != nil {
			return done, err
		}
		st.ReportsByYear[year] = byState
	}
	st.Reports = done
	return done, nil
}

// rngOf is the random source of one organisation's report of a year: the
// same whatever order the country is made in.
func (c *Country) rngOf(o *Organisation, year int) *rand.Rand {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%s/%d", c.cfg.Seed, o.INN, year)
	return rand.New(rand.NewPCG(h.Sum64(), uint64(year)))
}

// yearReports are the reports of a year: in past years nearly all accepted
// (a few left submitted, a few missing, some late), in the current year a
// mix of every state up to now.
func (c *Country) yearReports(year int) []*indicatorsv1.ImportedReport {
	var out []*indicatorsv1.ImportedReport
	now := c.cfg.Now.Add(-time.Hour)
	for _, m := range c.municipalities() {
		for _, o := range m.Organisations {
			r := c.rngOf(o, year)
			loc, err := time.LoadLocation(o.TimeZone)
			if err != nil {
				loc = time.UTC
			}
			item := &indicatorsv1.ImportedReport{CampaignId: m.Campaigns[year], OrganisationId: o.ID, Values: c.values(o, year)}
			if year < c.CurrentYear {
				k := r.Float64()
				if k < 0.015 {
					continue // never reported
				}
				day := 1 + r.IntN(14)
				if r.Float64() < 0.07 {
					day = 16 + r.IntN(7) // late
				}
				submit := time.Date(year, 12, day, 9+r.IntN(9), r.IntN(60), 0, 0, loc)
				item.SubmitTime, item.Status = timestamppb.New(submit), indicatorsv1.ReportStatus_REPORT_STATUS_SUBMITTED
				if k >= 0.03 {
					item.Status = indicatorsv1.ReportStatus_REPORT_STATUS_ACCEPTED
					item.DecideTime = timestamppb.New(submit.Add(time.Duration(24+r.IntN(120)) * time.Hour))
				}
				out = append(out, item)
				continue
			}
			opened := time.Date(year, 10, 1, 0, 0, 0, 0, loc)
			if today := time.Date(c.cfg.Now.Year(), c.cfg.Now.Month(), c.cfg.Now.Day(), 0, 0, 0, 0, loc); opened.After(today) {
				opened = today
			}
			if !now.After(opened) {
				continue // nothing could have happened yet
			}
			// The state first, then the times in the span up to now: a
			// state does not depend on when the country is loaded.
			k, fracs := r.Float64(), [3]float64{r.Float64(), r.Float64(), r.Float64()}
			at := func(from time.Time, frac float64) time.Time {
				return from.Add(time.Duration(frac * float64(now.Sub(from))))
			}
			start := at(opened, fracs[0])
			switch {
			case k < 0.18:
				continue // not started
			case k < 0.35:
				item.Status, item.StartTime = indicatorsv1.ReportStatus_REPORT_STATUS_DRAFT, timestamppb.New(start)
			default:
				submit := at(start, fracs[1])
				item.Status, item.StartTime, item.SubmitTime = indicatorsv1.ReportStatus_REPORT_STATUS_SUBMITTED, timestamppb.New(start), timestamppb.New(submit)
				switch {
				case k < 0.55:
				case k < 0.60:
					item.Status, item.DecideTime = indicatorsv1.ReportStatus_REPORT_STATUS_RETURNED, timestamppb.New(at(submit, fracs[2]))
					item.ReturnComment = returnComments[r.IntN(len(returnComments))]
				default:
					item.Status, item.DecideTime = indicatorsv1.ReportStatus_REPORT_STATUS_ACCEPTED, timestamppb.New(at(submit, fracs[2]))
				}
			}
			out = append(out, item)
		}
	}
	return out
}

// pick is a number in [lo, hi] fixed by the seed and key.
func (c *Country) pick(lo, hi int64, key ...string) int64 {
	h := fnv.New64a()
	fmt.Fprint(h, c.cfg.Seed)
	for _, k := range key {
		_, _ = h.Write([]byte{0})
		_, _ = h.Write([]byte(k))
	}
	return lo + int64(h.Sum64()%uint64(hi-lo+1))
}

// values are an organisation's plausible figures for a year (Values).
func (c *Country) values(o *Organisation, year int) map[string]*indicatorsv1.Value {
	first := c.Years()[0]
	return Values(c.pick, o.INN, year, int64(year-first), o.Kind == kindCollege, first)
}

// Values are an organisation's plausible figures for a year, step years
// after its first, growing year by year and satisfying every rule of the
// form: 20–120 teachers, a tenth to a fifth of them young, 150–1500
// students, more of everyone in mentoring each year, employers mentoring a
// college's students, local acts adopted in actsYear. pick fixes each
// figure by its key (the organisation, the year, what it is), so the same
// pick gives the same figures on every run: the country load's and the
// demo seed's.
func Values(pick func(lo, hi int64, key ...string) int64, org string, year int, step int64, college bool, actsYear int) map[string]*indicatorsv1.Value {
	y := fmt.Sprint(year)
	share := func(n, lo, hi int64, what string) int64 { return n * pick(lo, hi, org, y, what) / 100 }

	teachers := pick(20, 108, org, "teachers") + step*pick(0, 3, org, "teachers growth")
	students := min(max(teachers*pick(9, 13, org, "ratio")+step*pick(0, 25, org, "students growth"), 150), 1500)
	young := max(share(teachers, 10, 20, "young"), 2)
	supported := min(young*(50+12*min(step, 3)+pick(0, 12, org, y, "supported"))/100, young)
	inMentoring := share(teachers, 20+7*step, 28+7*step, "in mentoring")
	studentsIn := share(students, 8+3*step, 12+3*step, "students in mentoring")

	v := map[string]*indicatorsv1.Value{
		"teachers_total":             count(teachers),
		"young_teachers":             count(young),
		"young_teachers_supported":   count(supported),
		"teachers_in_mentoring":      count(inMentoring),
		"teachers_methodist_support": count(share(teachers, 2, 8, "methodist")),
		"students_total":             count(students),
		"students_in_mentoring":      count(studentsIn),
		"mentoring_programmes":       count(1 + pick(0, 2, org, "programmes") + min(step, 2)),
		"personal_programmes":        count(supported / 2),
		"young_teacher_projects":     count(pick(0, 1, org, y, "projects") + step/2),
		"community_programmes":       count(pick(0, 2, org, "communities") + step/2),
	}
	form := func(code string, mentors, mentees int64) {
		v["mf_"+code+"_mentors"], v["mf_"+code+"_mentees"], v["mf_"+code+"_pairs"] = count(mentors), count(mentees), count(min(mentors, mentees))
	}
	pupils := studentsIn * 55 / 100
	form("pupil_pupil", max(share(pupils, 40, 60, "pupil mentors"), 1), pupils)
	teacherMentees := supported + pick(0, 3, org, y, "teacher mentees")
	form("teacher_teacher", max(share(teacherMentees, 60, 90, "teacher mentors"), 1), teacherMentees)
	sp := pick(0, 4, org, y, "student mentors") + step
	form("student_pupil", sp, 2*sp)
	ep := pick(0, 2, org, y, "employer mentors") + step/2
	form("employer_pupil", ep, ep*pick(3, 5, org, y, "employer mentees"))
	es := int64(0)
	if college {
		es = pick(3, 10, org, y, "employer student mentors") + step
	}
	form("employer_student", es, 2*es)
	for _, a := range []struct{ code, what string }{
		{"act_regulation", "положение"}, {"act_order", "приказ"}, {"act_roadmap", "дорожная карта"}, {"act_curator", "куратор"},
	} {
		v[a.code] = &indicatorsv1.Value{Kind: &indicatorsv1.Value_YesNo{YesNo: &indicatorsv1.YesNo{Yes: true,
			Reference: &indicatorsv1.Reference{Number: fmt.Sprintf("%d-од", pick(12, 180, org, a.what)),
				Date: fmt.Sprintf("%d-%02d-%02d", actsYear, pick(1, 9, org, a.what, "month"), pick(1, 28, org, a.what, "day"))}}}}
	}
	return v
}

func count(n int64) *indicatorsv1.Value {
	return &indicatorsv1.Value{Kind: &indicatorsv1.Value_Count{Count: n}}
}

// closeCampaigns closes every past year's campaign, as the municipalities
// did after accepting their reports.
func (c *Country) closeCampaigns(ctx context.Context, conns Conns, st *Stats) (int, error) {
	var past []string
	for _, m := range c.municipalities() {
		for _, y := range c.Years() {
			if y < c.CurrentYear && m.Campaigns[y] != "" {
				past = append(past, m.Campaigns[y])
			}
		}
	}
	client := indicatorsv1.NewCampaignServiceClient(conns.Indicators)
	n, err := c.parallel(ctx, "closing past campaigns", len(past), func(ctx context.Context, i int) (int, error) {
		got, err := client.GetCampaign(ctx, &indicatorsv1.GetCampaignRequest{Id: past[i]})
		if err != nil {
			return 0, err
		}
		if got.GetCampaign().GetStatus() == indicatorsv1.CampaignStatus_CAMPAIGN_STATUS_CLOSED {
			return 1, nil
		}
		if _, err := client.CloseCampaign(ctx, &indicatorsv1.CloseCampaignRequest{Id: past[i], Version: got.GetCampaign().GetVersion()}); err != nil {
			return 0, fmt.Errorf("close %s: %w", past[i], err)
		}
		return 1, nil
	})
	st.ClosedCampaigns = n
	return n, err
}

// Reports are the reports the load gives a year (see Load), for measuring
// other ways to load them.
func (c *Country) Reports(year int) []*indicatorsv1.ImportedReport { return c.yearReports(year) }
