// Package notices is what the indicators service tells people, as outbox
// events (platform/notify): a report returned (with the comment and the
// remarks), accepted or resubmitted, reminders before a deadline, and the
// regional centre's notice of a municipality's sign-off. It builds the
// events and holds their Russian templates; the store writes them in the
// transaction of the change.
package notices

import (
	"embed"
	"fmt"
	"sort"
	"time"

	"github.com/nastavnik/nastavnik/platform/dates"
	"github.com/nastavnik/nastavnik/platform/notify"
	"github.com/nastavnik/nastavnik/services/indicators/internal/domain"
	"github.com/nastavnik/nastavnik/services/indicators/internal/form"
)

// The kinds of the service's notifications (each names its templates).
const (
	KindReturned    = "report_returned"
	KindAccepted    = "report_accepted"
	KindResubmitted = "report_resubmitted"
	KindReminder    = "reminder"
	// KindDigest is a methodologist's morning digest in December.
	KindDigest = "methodologist_digest"
	// KindSignedOff tells the regional centre that a municipality signed off
	// a campaign: the municipal sign-off calls SignedOff in its transaction.
	KindSignedOff = "municipality_signed_off"
)

// Kinds are every kind, for parsing the templates.
var Kinds = []string{KindReturned, KindAccepted, KindResubmitted, KindReminder, KindSignedOff, KindDigest}

//go:embed templates/*
var templates embed.FS

// Templates parses the templates; link is the gateway's public address (for
// the links in messages and the digests' unsubscribe link).
func Templates(link string) (*notify.Templates, error) {
	return notify.ServiceTemplates(templates, "templates", link, Kinds...)
}

// remark is a field's remark with the field's label.
type remark struct {
	Label string `json:"label"`
	Text  string `json:"text"`
}

// reportData is the templates' data about a report.
type reportData struct {
	ReportID     string   `json:"reportId"`
	Organisation string   `json:"organisation"`
	Campaign     string   `json:"campaign"`
	TimeZone     string   `json:"timeZone"`
	Deadline     string   `json:"deadline"`
	At           string   `json:"at"`
	Comment      string   `json:"comment,omitempty"`
	Remarks      []remark `json:"remarks,omitempty"`
	Late         bool     `json:"late,omitempty"`
}

// ForReport returns the events of a report's change: after is the report as
// written at now by a change with events, campaign the campaign's name, f its
// form (for the remarks' labels), resubmitted whether a submission follows a
// return.
func ForReport(after domain.Report, events []domain.Event, campaign string, f form.Form, resubmitted bool, now time.Time) []notify.Event {
	var out []notify.Event
	data := reportData{ReportID: after.ID, Organisation: after.Organisation.ShortName, Campaign: campaign,
		TimeZone: after.Organisation.TimeZone, Deadline: dates.Format(after.Deadline), At: now.UTC().Format(time.RFC3339)}
	curators := []notify.Audience{{Role: notify.Curator, Scope: after.Organisation.ID}}
	key := fmt.Sprintf("%s/v%d", after.ID, after.Version)
	for _, e := range events {
		if e.Kind != "status" {
			continue
		}
		switch domain.ParseStatus(e.NewValue) {
		case domain.Returned:
			d := data
			d.Comment = after.ReturnComment
			codes := make([]string, 0, len(after.Remarks))
			for c := range after.Remarks {
				codes = append(codes, c)
			}
			sort.Strings(codes)
			for _, c := range codes {
				label := c
				if fd, ok := f.Field(c); ok {
					label = fd.Label
				}
				d.Remarks = append(d.Remarks, remark{Label: label, Text: after.Remarks[c]})
			}
			out = append(out, notify.Event{Key: KindReturned + ":" + key, Kind: KindReturned, Audience: curators, Data: d})
		case domain.Accepted:
			out = append(out, notify.Event{Key: KindAccepted + ":" + key, Kind: KindAccepted, Audience: curators, Data: data})
		case domain.Submitted:
			if !resubmitted {
				continue
			}
			d := data
			d.Late = after.Late
			out = append(out, notify.Event{Key: KindResubmitted + ":" + key, Kind: KindResubmitted,
				Audience: []notify.Audience{{Role: notify.Methodologist, Scope: after.Organisation.MunicipalityID}}, Data: d})
		}
	}
	return out
}

// SignedOff is the regional centre's notice that a municipality signed off a
// campaign at now, the sign-off then at version: written by the municipal
// sign-off in its transaction with notify.Enqueue. The key names the version,
// so a signing again after a send-back is told again, and a signing once.
func SignedOff(campaignID, campaign, municipalityID, municipality, regionCode, timeZone string, version int64, now time.Time) notify.Event {
	return notify.Event{Key: fmt.Sprintf("%s:%s:%s/v%d", KindSignedOff, campaignID, municipalityID, version), Kind: KindSignedOff,
		Audience: []notify.Audience{{Role: notify.Regional, Scope: regionCode}},
		Data: map[string]any{"campaign": campaign, "municipality": municipality, "municipalityId": municipalityID,
			"timeZone": timeZone, "at": now.UTC().Format(time.RFC3339)}}
}

// ReminderRef is the guard's reference of a reminder: the campaign and the
// organisation, whose report must still be unsubmitted.
func ReminderRef(campaignID, orgID string) string { return campaignID + "/" + orgID }

// DefaultReminderDays are the reminders before a deadline when a campaign
// names none: 7, 3 and 1 days before, and the morning of the day.
var DefaultReminderDays = []int32{7, 3, 1, 0}
