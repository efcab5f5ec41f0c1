package web

import (
	"net/http"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/notify"
)

// DigestsPage is the person's choice of digests (/account/notifications).
type DigestsPage struct {
	Base
	Off  bool
	Done bool
}

func (p *Pages) digestsForm(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	off, err := p.account.DigestsOff(ctx)
	if err != nil {
		return err
	}
	p.render(w, r, http.StatusOK, "account_notifications.html", DigestsPage{Base: p.base(r, "Сводки по почте", ""), Off: off})
	return nil
}

// setDigests: the box checked is digests on; a person changes only their own.
func (p *Pages) setDigests(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	off := r.PostFormValue("digests") != "on"
	if err := p.account.SetDigestsOff(ctx, off); err != nil {
		return err
	}
	p.render(w, r, http.StatusOK, "account_notifications.html", DigestsPage{Base: p.base(r, "Сводки по почте", ""), Off: off, Done: true})
	return nil
}

// UnsubscribePage confirms, then reports, turning digests off by the link
// of a digest (/unsubscribe?t=…), without signing in.
type UnsubscribePage struct {
	Base
	Token string
	Done  bool
}

// unsubscribeAccount is the account a request's token names; a forged or
// malformed token answers a 400 page in Russian.
func (p *Pages) unsubscribeAccount(w http.ResponseWriter, r *http.Request) (string, bool) {
	account, _, err := notify.ParseUnsubscribe(r.FormValue("t"))
	if err != nil {
		p.render(w, r, http.StatusBadRequest, "error.html", ErrorPage{Base: p.base(r, "Ссылка недействительна", ""),
			Heading: "Ссылка недействительна",
			Message: "Ссылка для отписки повреждена или подделана. Откройте её из письма ещё раз целиком или отключите сводки на странице «Сводки по почте» после входа."})
		return "", false
	}
	return account, true
}

func (p *Pages) unsubscribeForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := p.unsubscribeAccount(w, r); !ok {
		return
	}
	p.render(w, r, http.StatusOK, "unsubscribe.html", UnsubscribePage{Base: p.base(r, "Отписка от сводок", ""), Token: r.FormValue("t")})
}

// unsubscribe turns the token's account's digests off: the signed token is
// the authority (as a List-Unsubscribe one-click POST carries no session),
// so the gateway calls the registry as that account.
func (p *Pages) unsubscribe(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, p.maxForm)
	account, ok := p.unsubscribeAccount(w, r)
	if !ok {
		return
	}
	ctx, err := p.auth.Signer.Outgoing(r.Context(), identity.Principal{AccountID: account, Login: "unsubscribe-link",
		RemoteAddr: p.auth.RemoteAddr(r)})
	if err == nil {
		err = p.account.SetDigestsOff(ctx, true)
	}
	if err != nil {
		p.serveError(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "unsubscribe.html", UnsubscribePage{Base: p.base(r, "Отписка от сводок", ""), Done: true})
}
