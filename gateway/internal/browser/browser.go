// Package browser drives Debian's headless Chromium for the page tests and the
// screenshot script: sign in, open pages, fill and submit forms, take
// screenshots at a width, run axe-core and measure a page's first-load weight.
package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// actionTimeout bounds one action in the tab: generous, for a loaded 2-core
// machine, yet a hang still fails the test.
const actionTimeout = 90 * time.Second

// Browser is one headless Chromium with one tab.
type Browser struct {
	Base string
	ctx  context.Context
	stop func()
}

// ExecPath finds Debian's chromium.
func ExecPath() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("chromium not found: install Debian's chromium package (scripts/test.sh does)")
}

// Start starts Chromium for pages served at base (http://127.0.0.1:port).
// The flags keep it off the network: the machine has none beyond loopback.
func Start(parent context.Context, base string) (*Browser, error) {
	exe, err := ExecPath()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "nastavnik-chromium-")
	if err != nil {
		return nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.UserDataDir(dir),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("lang", "ru-RU"),
		chromedp.WindowSize(1280, 900))
	actx, acancel := chromedp.NewExecAllocator(parent, opts...)
	ctx, cancel := chromedp.NewContext(actx)
	b := &Browser{Base: base, ctx: ctx, stop: func() { cancel(); acancel(); _ = os.RemoveAll(dir) }}
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		b.Close()
		return nil, fmt.Errorf("start chromium: %w", err)
	}
	// A person answers «OK» to a confirmation (data-confirm buttons).
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return b, nil
}

// Close stops the browser.
func (b *Browser) Close() { b.stop() }

// Context is the tab's context, for chromedp actions.
func (b *Browser) Context() context.Context { return b.ctx }

// Do runs actions in the tab with a time limit.
func (b *Browser) Do(steps ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	return chromedp.Do(ctx, steps...)
}

// Open navigates to a path and waits for the page to load.
func (b *Browser) Open(path string) error {
	return b.Do(chromedp.Navigate(b.Base + path))
}

// Submit clicks a button (or link) and waits for the next page to load. The
// click is the element's own click(), as a keyboard user's Enter would be:
// it does not depend on where the element is drawn, which a viewport change
// just before may have moved.
func (b *Browser) Submit(sel string) error {
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	js := fmt.Sprintf(`(() => { const s = %q; const e = document.querySelector(s); if (!e) { throw new Error("no element " + s); } e.click(); return true; })()`, sel)
	_, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Evaluate[bool](js)))
	return err
}

// SignIn signs in through the sign-in page.
func (b *Browser) SignIn(login, password string) error {
	if err := b.Do(chromedp.Navigate(b.Base+"/login"),
		chromedp.SetValue(chromedp.ID("login"), login), chromedp.SetValue(chromedp.ID("password"), password)); err != nil {
		return err
	}
	if err := b.Submit(`form[action="/login"] button[type=submit]`); err != nil {
		return err
	}
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		return err
	}
	if loc == b.Base+"/login" {
		return fmt.Errorf("sign-in as %s failed", login)
	}
	return nil
}

// SignOut signs out.
func (b *Browser) SignOut() error {
	return b.Submit(`form[action="/logout"] button`)
}

// Text returns the visible text of the first element matching sel.
func (b *Browser) Text(sel string) (string, error) {
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
}

// Screenshot renders the current URL at width pixels and returns the whole
// page as PNG.
func (b *Browser) Screenshot(width int64) ([]byte, error) {
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return nil, err
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate(loc)); err != nil {
		return nil, err
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if rerr := chromedp.Do(ctx, chromedp.EmulateReset()); err == nil {
		err = rerr
	}
	return png, err
}

// EvalString evaluates a JavaScript expression giving a string in the page.
func (b *Browser) EvalString(expr string) (string, error) {
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[string](expr))
}

// Type types text into the element as a person would (key by key).
func (b *Browser) Type(sel, text string) error {
	return b.Do(chromedp.SendKeys(chromedp.CSS(sel), text))
}

// WaitVisible waits until an element matching sel is visible.
func (b *Browser) WaitVisible(sel string) error {
	return b.Do(chromedp.WaitVisible(chromedp.CSS(sel)))
}

// AtWidth lays the current page out at width pixels (without reloading it)
// and returns how wide the document is then, with a full-page PNG when
// asked; the viewport is reset afterwards.
func (b *Browser) AtWidth(width int64, screenshot bool) (int64, []byte, error) {
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 800)); err != nil {
		return 0, nil, err
	}
	defer func() { _ = chromedp.Do(ctx, chromedp.EmulateReset()) }()
	scroll, err := chromedp.Run(ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`))
	if err != nil || !screenshot {
		return scroll, nil, err
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	return scroll, png, err
}
