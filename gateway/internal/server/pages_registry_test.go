package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestRegistryPagesInTheBrowser is the methodologist keeping the registry in
// Chromium: a new school is refused for its INN, then added; its curator's
// account is created with a password shown once; the audit log shows both;
// the campaign page, checked against the registry, now expects the new school,
// and school A1's deadline is extended with a reason. Every page passes
// axe-core and the weight bar and fits a 360-pixel screen.
func TestRegistryPagesInTheBrowser(t *testing.T) {
	f := newFixture(t)
	ind := f.indicators()
	c := newPageChecker(t, f.p.base)
	b := c.b
	if err := b.SignIn("methodologist", rolePassword("methodologist")); err != nil {
		t.Fatal(err)
	}
	nav := func(path string) {
		t.Helper()
		if err := b.Do(chromedp.Navigate(f.p.base + path)); err != nil {
			t.Fatal(err)
		}
	}
	want := func(sel string, wants ...string) {
		t.Helper()
		got := text(t, b, sel)
		for _, w := range wants {
			if !strings.Contains(got, w) {
				t.Errorf("%s lacks %q:\n%s", sel, w, got)
			}
		}
	}

	nav("/registry")
	want("main", "Реестр организаций", f.a1.GetShortName(), f.a2.GetShortName())
	c.check("registry")

	// A new school: the INN is one digit short first.
	const name = "МАОУ СШ № 77"
	inn := validINN(7777)
	if err := b.Submit(`a[href="/registry/new"]`); err != nil {
		t.Fatal(err)
	}
	if err := b.Do(chromedp.SetValue(chromedp.CSS("#short_name"), name), chromedp.SetValue(chromedp.CSS("#full_name"), "Муниципальное автономное общеобразовательное учреждение «Средняя школа № 77»"),
		chromedp.SetValue(chromedp.CSS("#inn"), inn[:9])); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`main form button[type=submit]`); err != nil {
		t.Fatal(err)
	}
	want("#error-summary", "Исправьте 1 ошибку")
	want(".field--error", "ИНН")
	c.checkHere("organisation with a bad INN")
	if err := b.Do(chromedp.SetValue(chromedp.CSS("#inn"), inn)); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`main form button[type=submit]`); err != nil {
		t.Fatal(err)
	}
	want("main", "Организация добавлена", name)
	c.check("organisation added")

	// Its curator's account, the password made by the site.
	if err := b.Submit(`a[href^="/accounts/new?org="]`); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.EvalString(`document.getElementById("organisation").selectedOptions[0].text`); got != name {
		t.Errorf("the new school is not chosen: %q", got)
	}
	if err := b.Do(chromedp.SetValue(chromedp.CSS("#login"), "petrova.sh77"), chromedp.SetValue(chromedp.CSS("#name"), "Петрова Анна Сергеевна")); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`main form button[type=submit]`); err != nil {
		t.Fatal(err)
	}
	want("main", "Учётная запись «petrova.sh77» создана", "Пароль для первого входа", name)
	c.checkHere("curators")

	// The audit log: both, newest first.
	nav("/audit")
	want("main", "создана учётная запись", "добавлена организация", "petrova.sh77", name)
	c.check("audit")
	nav("/audit?action=organisation.")
	if got := text(t, b, "main"); strings.Contains(got, "создана учётная запись") || !strings.Contains(got, "добавлена организация") {
		t.Errorf("the filter by kind:\n%s", got)
	}

	// The campaign: checked against the registry it now expects the new
	// school; A1 gets a week more.
	nav("/campaigns")
	c.check("campaigns")
	nav("/campaigns/" + ind.campA)
	want("main", f.a1.GetShortName(), "Продлить срок")
	if err := b.Submit(`form[action$="/refresh"] button`); err != nil {
		t.Fatal(err)
	}
	want("main", "Список сверен с реестром", "Добавлены: "+name)
	c.checkHere("campaign")
	if err := b.Submit(fmt.Sprintf(`a[href$="/extend/%s"]`, f.a1.GetId())); err != nil {
		t.Fatal(err)
	}
	c.check("extend a deadline")
	if err := b.Do(chromedp.SetValue(chromedp.CSS("#reason"), "карантин в школе с 1 по 10 декабря")); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`main form button[type=submit]`); err != nil {
		t.Fatal(err)
	}
	want("main", "Срок продлён", "карантин в школе с 1 по 10 декабря", "(methodologist)")
	c.check("campaign after an extension")

	// The reminders: a bad list is named beside its field; then 5 and 1
	// days before, at 10:00 in each school's zone.
	if err := b.Do(chromedp.SetValue(chromedp.CSS("#reminder_days"), "5, один")); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`form[action$="/reminders"] button`); err != nil {
		t.Fatal(err)
	}
	want("main", "Не больше 10 чисел от 0 до 60")
	c.checkHere("campaign reminders with an error")
	if err := b.Do(chromedp.SetValue(chromedp.CSS("#reminder_days"), "5, 1"), chromedp.SetValue(chromedp.CSS("#reminder_time"), "10:00")); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`form[action$="/reminders"] button`); err != nil {
		t.Fatal(err)
	}
	want("main", "Напоминания сохранены")
	if got, err := b.EvalString(`document.getElementById("reminder_days").value + " " + document.getElementById("reminder_time").value`); err != nil || got != "5, 1 10:00" {
		t.Errorf("the reminders as saved: %q %v", got, err)
	}
	c.check("campaign reminders")
}
