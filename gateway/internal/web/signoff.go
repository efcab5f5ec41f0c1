package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The municipal sign-off: the methodologist signs the municipality's summary
// of a campaign off to the regional centre, with the completeness at that
// moment and a comment naming what is missing (/campaigns/{id}/signoff); the
// regional centre sees every municipality's sign-off on the region's page and
// sends one back from the municipality's page. A report changed after the
// signing marks the sign-off outdated (the indicators service does it in the
// report's own transaction).

// moscow is the zone sign-off times are written in, said as «МСК»: the
// municipality and the region may be in different zones.
var moscow = location("Europe/Moscow")

// whenMSK writes a moment in Moscow time.
func whenMSK(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return DateTimeRU(t, moscow) + " МСК"
}

// StateText says where the sign-off stands, in words.
func (s SignOffView) StateText() string {
	switch s.State {
	case SignedOff:
		return "Подписано"
	case SignOffOutdated:
		return "Подпись устарела"
	case SentBack:
		return "Возвращено регионом"
	}
	return "Не подписано"
}

// Tone colours the state's tag.
func (s SignOffView) Tone() string {
	switch s.State {
	case SignedOff:
		return "green"
	case SignOffOutdated:
		return "yellow"
	case SentBack:
		return "red"
	}
	return "grey"
}

// Who says who did the latest step, and when.
func (s SignOffView) Who() string {
	switch s.State {
	case SentBack:
		return s.BackLogin + ", " + whenMSK(s.BackTime)
	case SignedOff, SignOffOutdated:
		return s.Login + ", " + whenMSK(s.SignTime)
	}
	return ""
}

// OutdatedText says since when the signed summary is no longer the one
// signed.
func (s SignOffView) OutdatedText() string {
	if s.State != SignOffOutdated {
		return ""
	}
	return "После подписания изменились отчёты (" + whenMSK(s.OutdateTime) + "): подпишите сводку заново"
}

// CanSendBack: a signed or outdated summary may be sent back.
func (s SignOffView) CanSendBack() bool { return s.State == SignedOff || s.State == SignOffOutdated }

// What says what a step did, in words.
func (e SignOffEvent) What() string {
	switch e.Kind {
	case "signed":
		return "Подписано и передано в регион"
	case "sent_back":
		return "Возвращено регионом"
	case "outdated":
		return "Изменился отчёт — подпись устарела"
	}
	return e.Kind
}

// When writes the step's moment.
func (e SignOffEvent) When() string { return whenMSK(e.Time) }

// CountsText is the completeness of a signing, in words.
func (e SignOffEvent) CountsText() string {
	if e.Kind != "signed" {
		return ""
	}
	return countsText(e.Counts)
}

func countsText(c Counts) string {
	return "принято " + strconv.Itoa(c.Accepted) + " из " + strconv.Itoa(c.Expected) + ", ждут проверки " +
		strconv.Itoa(c.Submitted) + ", возвращено " + strconv.Itoa(c.Returned) + ", не сдано " + strconv.Itoa(c.Missing)
}

// SignOffPage is the methodologist's sign-off of a campaign.
type SignOffPage struct {
	Base
	Campaign CampaignRecord
	// Now is the completeness now; Missing names who has not reported or
	// is not accepted yet.
	Now     Counts
	Pending []OrgStanding
	SignOff SignOffView
	Comment string
	Errors  FormErrors
	Summary []SummaryItem
	Done    bool
}

// NowText is the completeness now, in words.
func (p SignOffPage) NowText() string { return countsText(p.Now) }

// Complete: every expected report is accepted.
func (p SignOffPage) Complete() bool { return p.Now.Missing+p.Now.Submitted+p.Now.Returned == 0 }

func (p *Pages) signOffPageOf(r *http.Request) (SignOffPage, error) {
	c, err := p.campaignOf(r)
	if err != nil {
		return SignOffPage{}, err
	}
	ctx, err := p.callerContext(r)
	if err != nil {
		return SignOffPage{}, err
	}
	mun := methodologistMunicipality(r)
	page := SignOffPage{Base: p.base(r, "Подписание сводки — "+c.Name, "home"), Campaign: c, Errors: FormErrors{},
		SignOff: SignOffView{CampaignID: c.ID, MunicipalityID: mun}}
	comp, err := p.methodologist.Completeness(ctx, c.ID, mun, time.Time{})
	if err != nil {
		return SignOffPage{}, err
	}
	page.Now = comp.Counts
	for _, o := range sortOrgs(comp.Organisations, "state") {
		if o.State != StateAccepted {
			page.Pending = append(page.Pending, o)
		}
	}
	list, err := p.signoff.SignOffs(ctx, SignOffQuery{CampaignID: c.ID, Municipality: mun})
	if err != nil {
		return SignOffPage{}, err
	}
	for _, s := range list {
		if s.MunicipalityID == mun {
			page.SignOff = s
		}
	}
	return page, nil
}

func (p *Pages) signOffPage(w http.ResponseWriter, r *http.Request) error {
	page, err := p.signOffPageOf(r)
	if err != nil {
		return err
	}
	page.Done = r.URL.Query().Get("done") == "signed"
	p.render(w, r, http.StatusOK, "signoff.html", page)
	return nil
}

// signOff signs the summary off on the version the methodologist saw.
func (p *Pages) signOff(w http.ResponseWriter, r *http.Request) error {
	page, err := p.signOffPageOf(r)
	if err != nil {
		return err
	}
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	page.Comment = strings.TrimSpace(r.PostFormValue("comment"))
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	err = p.signoff.SignOff(ctx, page.Campaign.ID, page.SignOff.MunicipalityID, page.Comment, version)
	switch status.Code(err) {
	case codes.OK:
		http.Redirect(w, r, "/campaigns/"+page.Campaign.ID+"/signoff?done=signed", http.StatusSeeOther)
		return nil
	case codes.InvalidArgument:
		violationsInto(page.Errors, err, "", map[string]string{"comment": "comment"}, "comment")
	case codes.FailedPrecondition, codes.Aborted:
		page.Errors["comment"] = "Пока страница была открыта, подписание изменилось: посмотрите, что сейчас, и подпишите снова"
	default:
		return err
	}
	page.Summary = page.Errors.summary("comment")
	p.render(w, r, http.StatusBadRequest, "signoff.html", page)
	return nil
}

// sendBack returns a municipality's signed-off summary with a comment; a
// refusal shows the municipality's page with the message beside the comment.
func (p *Pages) sendBack(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	mun := r.PathValue("id")
	year, _ := strconv.Atoi(r.PostFormValue("year"))
	campaign := r.PostFormValue("campaign")
	comment := strings.TrimSpace(r.PostFormValue("comment"))
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	err = p.signoff.SendBack(ctx, campaign, mun, comment, version)
	back := "/region/municipalities/" + url.PathEscape(mun) + "?" + url.Values{"year": {strconv.Itoa(year)}}.Encode()
	var msg string
	switch status.Code(err) {
	case codes.OK:
		http.Redirect(w, r, back+"&done=sentback#signoff", http.StatusSeeOther)
		return nil
	case codes.InvalidArgument:
		msg = fieldViolations(err)["comment"]
		if msg == "" {
			msg = "Напишите, что нужно исправить: муниципалитет увидит этот комментарий"
		}
	case codes.FailedPrecondition, codes.Aborted:
		msg = "Пока страница была открыта, подписание изменилось: посмотрите, что сейчас, и верните снова"
	default:
		return err
	}
	return p.municipalityPage(w, r, year, http.StatusBadRequest, sendBackForm{Campaign: campaign, Comment: comment, Error: msg})
}

// sendBackForm is a send-back refused, shown again with its message.
type sendBackForm struct {
	Campaign, Comment, Error string
}
