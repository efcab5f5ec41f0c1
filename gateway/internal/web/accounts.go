package web

import (
	"net/http"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The curators' accounts of the municipality: the list, a new account of an
// organisation's curator (its initial password generated and shown once, or
// typed), a password reset, blocking and unblocking.

// AccountsPage lists the curators' accounts.
type AccountsPage struct {
	Base
	Accounts []AccountRecord
	NextURL  string
	// orgNames name the organisations.
	orgNames map[string]string
	Done     string
	// Secret is a password just set, shown once, for Login.
	Secret, Login string
}

// Orgs names an account's organisations.
func (a AccountsPage) Orgs(acc AccountRecord) string {
	var out []string
	for _, id := range acc.Organisations {
		if n, ok := a.orgNames[id]; ok {
			out = append(out, n)
		} else {
			out = append(out, "организация другого муниципалитета")
		}
	}
	if len(out) == 0 {
		return "—"
	}
	return strings.Join(out, "; ")
}

// orgNames names the municipality's organisations (closed ones too).
func (p *Pages) orgNames(r *http.Request) (map[string]string, []OrgRecord, error) {
	ctx, err := p.callerContext(r)
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{}
	var open []OrgRecord
	token := ""
	for {
		list, err := p.registry.Organisations(ctx, OrgFilter{Municipality: methodologistMunicipality(r), PageSize: 500, PageToken: token})
		if err != nil {
			return nil, nil, err
		}
		for _, o := range list.Items {
			names[o.ID] = o.ShortName
			if !o.Closed {
				open = append(open, o)
			}
		}
		if token = list.NextPageToken; token == "" {
			return names, open, nil
		}
	}
}

func (p *Pages) accountsList(w http.ResponseWriter, r *http.Request, page AccountsPage) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	token := r.URL.Query().Get("page")
	list, err := p.registry.Curators(ctx, "", token)
	if err != nil {
		return err
	}
	if page.orgNames, _, err = p.orgNames(r); err != nil {
		return err
	}
	page.Accounts = list.Items
	if list.NextPageToken != "" {
		page.NextURL = "/accounts?page=" + list.NextPageToken
	}
	if page.Secret != "" {
		w.Header().Set("Cache-Control", "no-store")
	}
	p.render(w, r, http.StatusOK, "accounts.html", page)
	return nil
}

func (p *Pages) accountsPage(w http.ResponseWriter, r *http.Request) error {
	return p.accountsList(w, r, AccountsPage{Base: p.base(r, "Кураторы", "accounts"), Done: r.URL.Query().Get("done")})
}

// AccountForm creates a curator's account or resets a password.
type AccountForm struct {
	Base
	Account AccountRecord
	Orgs    []OrgRecord
	Org     string
	// Generate: the password is made by the site, else typed.
	Generate bool
	Errors   FormErrors
	Summary  []SummaryItem
}

var accountInputs = map[string]string{"login": "login", "name": "name", "email": "email", "roles": "organisation",
	"roles[0].scope": "organisation", "password": "password", "new_password": "password"}

var accountOrder = []string{"organisation", "login", "name", "email", "password"}

func (p *Pages) newAccountForm(w http.ResponseWriter, r *http.Request) error {
	_, open, err := p.orgNames(r)
	if err != nil {
		return err
	}
	page := AccountForm{Base: p.base(r, "Новый куратор", "accounts"), Orgs: open, Org: r.URL.Query().Get("org"), Generate: true, Errors: FormErrors{}}
	p.render(w, r, http.StatusOK, "account_new.html", page)
	return nil
}

// readPassword reads the password choice: generated, or typed (at least 10
// characters).
func readPassword(r *http.Request, e FormErrors) (string, bool) {
	if r.PostFormValue("password_mode") != "typed" {
		return newPassword(), true
	}
	pw := r.PostFormValue("password")
	if len([]rune(pw)) < 10 {
		e["password"] = "Пароль не короче 10 символов"
	}
	return pw, false
}

func (p *Pages) createAccount(w http.ResponseWriter, r *http.Request) error {
	_, open, err := p.orgNames(r)
	if err != nil {
		return err
	}
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	page := AccountForm{Base: p.base(r, "Новый куратор", "accounts"), Orgs: open, Org: v("organisation"), Errors: FormErrors{},
		Account: AccountRecord{Login: strings.ToLower(v("login")), Name: v("name"), Email: v("email")}}
	if !containsOrg(open, page.Org) {
		page.Errors["organisation"] = "Выберите организацию куратора"
	}
	if page.Account.Login == "" {
		page.Errors["login"] = "Придумайте логин: латинские буквы, цифры, точка, дефис"
	}
	if page.Account.Name == "" {
		page.Errors["name"] = "Введите фамилию, имя и отчество куратора"
	}
	var pw string
	pw, page.Generate = readPassword(r, page.Errors)
	if len(page.Errors) == 0 {
		ctx, err := p.callerContext(r)
		if err != nil {
			return err
		}
		_, err = p.registry.CreateCurator(ctx, NewCurator{Login: page.Account.Login, Name: page.Account.Name,
			Email: page.Account.Email, Organisation: page.Org, Password: pw})
		switch status.Code(err) {
		case codes.OK:
			done := AccountsPage{Base: p.base(r, "Кураторы", "accounts"), Done: "created", Login: page.Account.Login}
			if page.Generate {
				done.Secret = pw
			}
			return p.accountsList(w, r, done)
		case codes.AlreadyExists:
			page.Errors["login"] = "Такой логин уже занят: придумайте другой"
		case codes.InvalidArgument:
			violationsInto(page.Errors, err, "account.", accountInputs, "login")
		default:
			return err
		}
	}
	page.Summary = page.Errors.summary(accountOrder...)
	p.render(w, r, http.StatusBadRequest, "account_new.html", page)
	return nil
}

// managedAccount finds an account the methodologist manages.
func (p *Pages) managedAccount(r *http.Request) (AccountRecord, error) {
	ctx, err := p.callerContext(r)
	if err != nil {
		return AccountRecord{}, err
	}
	id, token := r.PathValue("id"), ""
	for {
		list, err := p.registry.Curators(ctx, "", token)
		if err != nil {
			return AccountRecord{}, err
		}
		for _, a := range list.Items {
			if a.ID == id {
				return a, nil
			}
		}
		if token = list.NextPageToken; token == "" {
			return AccountRecord{}, status.Error(codes.NotFound, "no such account")
		}
	}
}

func (p *Pages) resetForm(w http.ResponseWriter, r *http.Request) error {
	a, err := p.managedAccount(r)
	if err != nil {
		return err
	}
	p.render(w, r, http.StatusOK, "account_password.html", AccountForm{Base: p.base(r, "Новый пароль", "accounts"), Account: a,
		Generate: true, Errors: FormErrors{}})
	return nil
}

func (p *Pages) resetPassword(w http.ResponseWriter, r *http.Request) error {
	a, err := p.managedAccount(r)
	if err != nil {
		return err
	}
	page := AccountForm{Base: p.base(r, "Новый пароль", "accounts"), Account: a, Errors: FormErrors{}}
	var pw string
	pw, page.Generate = readPassword(r, page.Errors)
	if len(page.Errors) == 0 {
		ctx, err := p.callerContext(r)
		if err != nil {
			return err
		}
		err = p.registry.ResetPassword(ctx, a.ID, pw)
		switch status.Code(err) {
		case codes.OK:
			done := AccountsPage{Base: p.base(r, "Кураторы", "accounts"), Done: "reset", Login: a.Login}
			if page.Generate {
				done.Secret = pw
			}
			return p.accountsList(w, r, done)
		case codes.InvalidArgument:
			violationsInto(page.Errors, err, "", accountInputs, "password")
		default:
			return err
		}
	}
	page.Summary = page.Errors.summary("password")
	p.render(w, r, http.StatusBadRequest, "account_password.html", page)
	return nil
}

func (p *Pages) setBlocked(w http.ResponseWriter, r *http.Request, blocked bool) error {
	a, err := p.managedAccount(r)
	if err != nil {
		return err
	}
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	if err := p.registry.SetBlocked(ctx, a.ID, blocked); err != nil {
		return err
	}
	http.Redirect(w, r, "/accounts?done="+pick(blocked, "blocked", "unblocked"), http.StatusSeeOther)
	return nil
}

func (p *Pages) blockAccount(w http.ResponseWriter, r *http.Request) error {
	return p.setBlocked(w, r, true)
}
func (p *Pages) unblockAccount(w http.ResponseWriter, r *http.Request) error {
	return p.setBlocked(w, r, false)
}
