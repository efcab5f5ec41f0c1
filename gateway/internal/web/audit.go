package web

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// The audit log of the municipality: newest first, filtered by who (a login)
// and what (a kind of action), a page at a time (the log cannot be asked for
// a range of dates).

const auditPerPage = 50

// auditKinds are the main kinds of action, by their prefix.
var auditKinds = []struct{ Prefix, Title string }{
	{"", "Все действия"}, {"organisation.", "Организации"}, {"account.", "Учётные записи"},
	{"auth.", "Входы в систему"}, {"token.", "Ключи API"}, {"municipality.", "Муниципалитет"},
}

// actionNames say what happened, in Russian.
var actionNames = map[string]string{
	"organisation.create": "добавлена организация", "organisation.update": "изменена организация",
	"organisation.close": "закрыта организация", "organisation.import": "загружен реестр из файла",
	"account.create": "создана учётная запись", "account.update": "изменена учётная запись",
	"account.block": "заблокирована учётная запись", "account.unblock": "разблокирована учётная запись",
	"account.reset_password": "сброшен пароль", "account.password_reset": "сброшен пароль",
	"auth.sign_in": "вход", "auth.sign_in_failed": "неудачный вход", "auth.sign_in_throttled": "вход временно запрещён",
	"auth.sign_out": "выход", "token.create": "создан ключ API", "token.revoke": "отозван ключ API",
	"municipality.create": "создан муниципалитет", "municipality.update": "изменён муниципалитет",
}

// AuditPageView is a page of the audit log.
type AuditPageView struct {
	Base
	Login, Action string
	Kinds         any
	Events        []AuditRow
	NextURL       string
	First         bool
	Errors        FormErrors
	Summary       []SummaryItem
}

// AuditRow is one event, in words.
type AuditRow struct {
	AuditEvent
	When, What string
	Changes    []AuditChange
}

// AuditChange is one field of an event's details.
type AuditChange struct {
	Field, Old, New string
	// Changed: Old → New; otherwise New is the value.
	Changed bool
}

// auditChanges reads an event's details: {"field": value} or
// {"field": [old, new]}.
func auditChanges(details string) []AuditChange {
	var m map[string]any
	if details == "" || json.Unmarshal([]byte(details), &m) != nil {
		if details != "" && details != "{}" {
			return []AuditChange{{Field: "подробности", New: details}}
		}
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []AuditChange
	for _, k := range keys {
		c := AuditChange{Field: fieldRU(k)}
		if pair, ok := m[k].([]any); ok && len(pair) == 2 {
			c.Old, c.New, c.Changed = auditValue(pair[0]), auditValue(pair[1]), true
		} else {
			if c.New = auditValue(m[k]); c.New == "—" {
				continue // an empty field of a new record says nothing
			}
		}
		if k == "kind" {
			c.Old, c.New = kindValue(c.Old), kindValue(c.New)
		}
		out = append(out, c)
	}
	return out
}

func auditValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "—"
	case string:
		if x == "" {
			return "—"
		}
		return x
	case bool:
		return pick(x, "да", "нет")
	case float64:
		if x == float64(int64(x)) {
			return NumberRU(int64(x))
		}
		return fmt.Sprint(x)
	}
	if list, ok := v.([]any); ok { // roles: [{"role": "curator", "scope": …}]
		var names []string
		for _, x := range list {
			if r, ok := x.(map[string]any); ok {
				role, _ := r["role"].(string)
				names = append(names, cmp.Or(roleNames[role], role))
			}
		}
		if len(names) == len(list) {
			return strings.Join(names, ", ")
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

var roleNames = map[string]string{"curator": "куратор", "methodologist": "методист", "regional": "региональный центр", "operator": "оператор"}

// kindValue names a kind of organisation the log keeps as its number.
func kindValue(s string) string {
	for _, k := range orgKinds {
		if s == fmt.Sprint(int(k.Kind)) {
			return k.Title
		}
	}
	return s
}

func (p *Pages) auditPage(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	page := AuditPageView{Base: p.base(r, "Журнал действий", "audit"), Login: strings.TrimSpace(q.Get("login")),
		Action: q.Get("action"), Kinds: auditKinds, First: q.Get("page") == "", Errors: FormErrors{}}
	if !slices.ContainsFunc(auditKinds, func(k struct{ Prefix, Title string }) bool { return k.Prefix == page.Action }) {
		page.Action = ""
	}
	query := AuditQuery{Municipality: methodologistMunicipality(r), Action: page.Action, PageSize: auditPerPage, PageToken: q.Get("page")}
	if page.Login != "" {
		id, err := p.registry.AccountID(ctx, strings.ToLower(page.Login))
		if err != nil {
			return err
		}
		if id == "" {
			page.Errors["login"] = fmt.Sprintf("Пользователя «%s» нет среди ваших кураторов", page.Login)
			page.Summary = page.Errors.summary("login")
			p.render(w, r, http.StatusBadRequest, "audit.html", page)
			return nil
		}
		query.ActorID = id
	}
	events, err := p.registry.Audit(ctx, query)
	if err != nil {
		return err
	}
	for _, e := range events.Events {
		what, ok := actionNames[e.Action]
		if !ok {
			what = e.Action
		}
		page.Events = append(page.Events, AuditRow{AuditEvent: e, When: DateTimeRU(e.Time, location("")), What: what,
			Changes: auditChanges(e.Details)})
	}
	if events.NextPageToken != "" {
		v := url.Values{"page": {events.NextPageToken}}
		if page.Login != "" {
			v.Set("login", page.Login)
		}
		if page.Action != "" {
			v.Set("action", page.Action)
		}
		page.NextURL = "/audit?" + v.Encode()
	}
	p.render(w, r, http.StatusOK, "audit.html", page)
	return nil
}
