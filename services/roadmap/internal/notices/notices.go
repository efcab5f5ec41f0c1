// Package notices is what the roadmap service tells people, as outbox events
// (platform/notify): the curators of a school that a municipal (or regional)
// item was handed down to, and the weekly digests of overdue roadmap
// occurrences for curators and methodologists. It names the kinds, builds
// the hand-down event and holds the Russian templates; the store writes the
// events in the transaction of the change and schedules the digests.
package notices

import (
	"embed"
	"fmt"
	"time"

	"github.com/nastavnik/nastavnik/platform/dates"
	"github.com/nastavnik/nastavnik/platform/notify"
)

// The kinds of the service's notifications (each names its templates).
const (
	// KindHandedDown tells a school's curators that an item was handed
	// down to their roadmap.
	KindHandedDown = "roadmap_item_handed_down"
	// KindCuratorDigest is a curator's weekly digest of the school's
	// overdue occurrences.
	KindCuratorDigest = "roadmap_overdue_curator"
	// KindMethodologistDigest is a methodologist's weekly digest of the
	// municipality's overdue items and schools.
	KindMethodologistDigest = "roadmap_overdue_methodologist"
)

// Kinds are every kind, for parsing the templates.
var Kinds = []string{KindHandedDown, KindCuratorDigest, KindMethodologistDigest}

// The digests' bounds: longer lists end with "и ещё N".
const (
	// DigestItems is how many overdue occurrences a digest lists.
	DigestItems = 10
	// DigestSchools is how many schools a methodologist's digest lists.
	DigestSchools = 15
	// HandedDownDeadlines is how many deadlines a hand-down notice lists.
	HandedDownDeadlines = 6
)

// DigestHour is the local hour of Monday from which the week's digests go
// out (in the school's zone for curators, the municipality's for
// methodologists).
const DigestHour = 8

//go:embed templates/*
var templates embed.FS

// Templates parses the templates; link is the gateway's public address (for
// the links in messages and the digests' unsubscribe link).
func Templates(link string) (*notify.Templates, error) {
	return notify.ServiceTemplates(templates, "templates", link, Kinds...)
}

// HandedDown is the notice of an item handed down to a school: the item as
// written into the school's roadmap.
type HandedDown struct {
	SourceItemID string
	Organisation string
	// OrganisationName, TimeZone: the school's.
	OrganisationName string
	TimeZone         string
	// From names the roadmap it came from (the municipality's).
	From      string
	RoadmapID string
	ItemID    string
	Number    string
	Measure   string
	// DeadlineText is the deadline as written; Dues the due days of its
	// scheduled occurrences, in order.
	DeadlineText string
	Dues         []time.Time
}

// Event returns the notice's outbox event. The key names the source item
// and the school, so handing the item down again tells only the schools
// that get it for the first time.
func (h HandedDown) Event() notify.Event {
	dues := []string{}
	for _, d := range h.Dues[:min(len(h.Dues), HandedDownDeadlines)] {
		dues = append(dues, dates.Format(d))
	}
	return notify.Event{Key: fmt.Sprintf("%s:%s:%s", KindHandedDown, h.SourceItemID, h.Organisation), Kind: KindHandedDown,
		Audience: []notify.Audience{{Role: notify.Curator, Scope: h.Organisation}},
		Data: map[string]any{"organisation": h.OrganisationName, "timeZone": h.TimeZone, "from": h.From,
			"path": "/roadmap/" + h.RoadmapID + "/items/" + h.ItemID, "number": h.Number, "measure": h.Measure,
			"deadlineText": h.DeadlineText, "dues": dues, "moreDues": len(h.Dues) - len(dues)}}
}
