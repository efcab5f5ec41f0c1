package web

import (
	"crypto/rand"
	"strings"
)

// The methodologist's administration pages: the municipality's campaigns
// (campaigns.go), its registry of organisations (registry.go), its curators'
// accounts (accounts.go) and the audit log (audit.go).

func (p *Pages) adminRoutes(mux *router) {
	mux.Handle("GET /campaigns", p.only(methodologists, p.campaignsPage))
	mux.Handle("GET /campaigns/new", p.only(methodologists, p.newCampaignForm))
	mux.Handle("POST /campaigns/new", p.only(methodologists, p.createCampaign))
	mux.Handle("GET /campaigns/{id}", p.only(methodologists, p.campaignPage))
	mux.Handle("POST /campaigns/{id}/refresh", p.only(methodologists, p.refreshExpected))
	mux.Handle("POST /campaigns/{id}/close", p.only(methodologists, p.closeCampaign))
	mux.Handle("POST /campaigns/{id}/reminders", p.only(methodologists, p.setReminders))
	mux.Handle("GET /campaigns/{id}/extend/{org}", p.only(methodologists, p.extendForm))
	mux.Handle("POST /campaigns/{id}/extend/{org}", p.only(methodologists, p.extendDeadline))

	mux.Handle("GET /registry", p.only(methodologists, p.registryPage))
	mux.Handle("GET /registry/new", p.only(methodologists, p.newOrgForm))
	mux.Handle("POST /registry/new", p.only(methodologists, p.createOrg))
	mux.Handle("GET /registry/import", p.only(methodologists, p.orgImportForm))
	mux.Handle("POST /registry/import", p.onlyUpload(methodologists, uploadLimit(maxOrgImport), p.orgImportPreview))
	mux.Handle("POST /registry/import/confirm", p.onlyUpload(methodologists, confirmLimit(maxOrgImport), p.orgImportConfirm))
	mux.Handle("GET /registry/{id}", p.only(methodologists, p.editOrgForm))
	mux.Handle("POST /registry/{id}", p.only(methodologists, p.updateOrg))
	mux.Handle("GET /registry/{id}/close", p.only(methodologists, p.closeOrgForm))
	mux.Handle("POST /registry/{id}/close", p.only(methodologists, p.closeOrg))

	mux.Handle("GET /accounts", p.only(methodologists, p.accountsPage))
	mux.Handle("GET /accounts/new", p.only(methodologists, p.newAccountForm))
	mux.Handle("POST /accounts/new", p.only(methodologists, p.createAccount))
	mux.Handle("GET /accounts/{id}/password", p.only(methodologists, p.resetForm))
	mux.Handle("POST /accounts/{id}/password", p.only(methodologists, p.resetPassword))
	mux.Handle("POST /accounts/{id}/block", p.only(methodologists, p.blockAccount))
	mux.Handle("POST /accounts/{id}/unblock", p.only(methodologists, p.unblockAccount))

	mux.Handle("GET /audit", p.only(methodologists, p.auditPage))
}

// FormErrors are a form's messages by input id, with the summary above it
// in the inputs' order.
type FormErrors map[string]string

// summary lists the messages in the order of the inputs (others last).
func (e FormErrors) summary(order ...string) []SummaryItem {
	var out []SummaryItem
	seen := map[string]bool{}
	for _, id := range order {
		if msg, ok := e[id]; ok {
			out = append(out, SummaryItem{Href: "#" + id, Message: msg})
			seen[id] = true
		}
	}
	for id, msg := range e {
		if !seen[id] {
			out = append(out, SummaryItem{Href: "#" + order[0], Message: msg})
		}
	}
	return out
}

// violationsInto puts the services' Russian messages beside the inputs:
// the field path loses its message prefix ("organisation.inn" → "inn");
// fields without an input are shown beside first.
func violationsInto(e FormErrors, err error, prefix string, inputs map[string]string, first string) {
	for field, msg := range fieldViolations(err) {
		field = strings.TrimPrefix(field, prefix)
		if id, ok := inputs[field]; ok {
			e[id] = msg
			continue
		}
		if e[first] == "" {
			e[first] = msg
		}
	}
	if len(e) == 0 {
		e[first] = "Проверьте значения"
	}
}

// passwordAlphabet leaves out letters easily confused (l, 1, O, 0).
const passwordAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// newPassword makes an initial password of 12 characters, told once: with
// a digit, a small and a capital letter, as the registry's policy asks.
func newPassword() string {
	b := make([]byte, 12)
	for {
		_, _ = rand.Read(b)
		for i := range b {
			b[i] = passwordAlphabet[int(b[i])%len(passwordAlphabet)]
		}
		s := string(b)
		if strings.ContainsAny(s, "23456789") && strings.ContainsAny(s, "abcdefghijkmnpqrstuvwxyz") &&
			strings.ContainsAny(s, "ABCDEFGHJKLMNPQRSTUVWXYZ") {
			return s
		}
	}
}
