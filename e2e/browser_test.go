package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// The browser harness: a real headless Chromium (Debian's package) driven over the
// DevTools protocol. Each browser has a profile of its own in the test's temporary
// folder, saves downloads into a folder of its own, answers JavaScript dialogs,
// records every console error, uncaught exception and error log entry of its pages
// (the test fails if there was one) and leaves a full-page screenshot of its last
// page in the artifacts folder, also when the test failed.

// Timeouts of browser steps. They are generous on purpose: keys are generated in
// WebAssembly (RSA-2048 can take several seconds on a loaded machine) and nothing in
// the tests measures time.
const (
	stepTimeout = 60 * time.Second
	keyTimeout  = 5 * time.Minute
)

// chromiumPath returns the Chromium to drive: $NCA_E2E_CHROMIUM or the first of the
// usual names on PATH. Outside CI the test is skipped when there is none; under
// CI=true it fails (.ci/run installs Debian's chromium).
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("NCA_E2E_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed; .ci/run must install it (apt-get install chromium)")
	}
	t.Skip("chromium is not installed (apt-get install chromium; CI installs it): the browser tests are skipped")
	return ""
}

// artifactsDir is where screenshots go: $NCA_E2E_ARTIFACTS or e2e/artifacts.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("NCA_E2E_ARTIFACTS")
	if dir == "" {
		dir = "artifacts"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifacts folder: %v", err)
	}
	return dir
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// download is one file the browser saved.
type download struct {
	name string // the name the page suggested
	path string // where it is on disk
}

// browserSession is one Chromium with one tab.
type browserSession struct {
	t    *testing.T
	name string // for the screenshot file
	ctx  context.Context
	dir  string // downloads land here, named by their GUID

	mu       sync.Mutex
	problems []string          // console errors, exceptions, error log entries
	allowed  []*regexp.Regexp  // problems a test provokes on purpose
	dialogs  []string          // dialogs the page opened (accepted)
	notes    []string          // harness remarks logged at the end
	names    map[string]string // download GUID → suggested name
	done     chan download     // completed downloads, in order
}

// newBrowser starts a headless Chromium with a fresh profile. role names it in the
// screenshot file (test name + role).
func newBrowser(t *testing.T, role string) *browserSession {
	t.Helper()
	exe := chromiumPath(t)
	profile := t.TempDir()
	b := &browserSession{t: t, name: t.Name() + "-" + role, dir: t.TempDir(), names: map[string]string{}, done: make(chan download, 32)}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 1024),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("lang", "en-US"),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithListener(b.onEvent))
	b.ctx = ctx
	t.Cleanup(cancelAlloc)
	t.Cleanup(func() { _ = chromedp.Cancel(ctx); cancel() })
	// Start the browser without a deadline: the first action binds its life.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	if err := chromedp.ListenBrowser(ctx, b.onEvent); err != nil {
		t.Fatalf("listening to the browser: %v", err)
	}
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: b.dir, EventsEnabled: new(true),
	}); err != nil {
		t.Fatalf("download behaviour: %v", err)
	}
	// Dialogs (alert, confirm) would block the page: accept them and log the text.
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.dialogs = append(b.dialogs, fmt.Sprintf("%s %q", ev.Type, ev.Message))
			b.mu.Unlock()
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	// The portal's cryptography runs in a Web Worker: attach to each worker the tab
	// starts and record its errors too.
	workers := chromedp.Events(ctx, target.AttachedToTarget)
	go func() {
		for ev, err := range workers {
			if err != nil {
				return
			}
			if ev.TargetInfo == nil || ev.TargetInfo.Type != "worker" {
				continue
			}
			// The worker's context ends with the tab's (cancelling it on its own waits
			// for a worker that is gone already).
			wctx, _ := chromedp.NewContext(ctx, chromedp.WithTargetID(ev.TargetInfo.TargetID), chromedp.WithListener(b.onEvent), chromedp.WithDetachOnCancel())
			if err := chromedp.Do(wctx); err != nil {
				b.mu.Lock()
				b.notes = append(b.notes, fmt.Sprintf("cannot attach to worker %s: %v", ev.TargetInfo.URL, err))
				b.mu.Unlock()
			}
		}
	}()
	// Cleanups run last-in first-out: this one runs while the browser still lives.
	t.Cleanup(b.finish)
	return b
}

// onEvent runs in the event loop of the tab or the browser: it only records.
func (b *browserSession) onEvent(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				if a.Description != "" {
					parts = append(parts, a.Description)
				} else {
					parts = append(parts, strings.Trim(string(a.Value), `"`))
				}
			}
			b.problems = append(b.problems, "console."+string(ev.Type)+": "+strings.Join(parts, " "))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		b.problems = append(b.problems, fmt.Sprintf("uncaught exception at %s:%d: %s", d.URL, d.LineNumber+1, text))
	case *log.EventEntryAdded:
		if e := ev.Entry; e != nil && e.Level == log.EntryLevelError {
			b.problems = append(b.problems, fmt.Sprintf("log error (%s) %s %s", e.Source, e.Text, e.URL))
		}
	case *browser.EventDownloadWillBegin:
		b.names[ev.GUID] = ev.SuggestedFilename
	case *browser.EventDownloadProgress:
		if ev.State == browser.DownloadProgressStateCompleted {
			if _, seen := b.names["done:"+ev.GUID]; !seen {
				b.names["done:"+ev.GUID] = ""
				b.done <- download{name: b.names[ev.GUID], path: filepath.Join(b.dir, ev.GUID)}
			}
		}
	}
}

// allow makes problems matching re expected (a page that shows a 4xx answer the test
// provoked on purpose may log the failed request).
func (b *browserSession) allow(re string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.allowed = append(b.allowed, regexp.MustCompile(re))
}

// finish saves the screenshot and asserts that no page had an error.
func (b *browserSession) finish() {
	t := b.t
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err != nil {
		t.Logf("screenshot of %s: %v", b.name, err)
	} else {
		p := filepath.Join(artifactsDir(t), unsafeName.ReplaceAllString(b.name, "_")+".png")
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Logf("screenshot: %v", err)
		} else {
			t.Logf("screenshot of the last page: %s", p)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, d := range b.dialogs {
		t.Logf("%s: the page opened a dialog, accepted: %s", b.name, d)
	}
	for _, n := range b.notes {
		t.Logf("%s: %s", b.name, n)
	}
	var bad []string
next:
	for _, p := range b.problems {
		for _, re := range b.allowed {
			if re.MatchString(p) {
				continue next
			}
		}
		bad = append(bad, p)
	}
	if len(bad) > 0 {
		t.Errorf("the pages of %s had %d console error(s) or uncaught exception(s):\n  %s", b.name, len(bad), strings.Join(bad, "\n  "))
	}
}

// do runs steps with the step timeout and fails the test with what on error.
func (b *browserSession) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	b.doWithin(stepTimeout, what, steps...)
}

func (b *browserSession) doWithin(d time.Duration, what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, d)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %s: %v%s", b.name, what, err, b.pageMessage())
	}
}

// pageMessage returns the text of #message, to make a failure readable.
func (b *browserSession) pageMessage() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	msg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const m = document.querySelector('#message'); return m ? ((m.dataset.kind || '') + ': ' + m.textContent.trim()) : ''; })()`))
	if err != nil || strings.TrimSpace(msg) == "" || strings.TrimSpace(msg) == ":" {
		return ""
	}
	return "\n#message says " + msg
}

// eval evaluates a JavaScript expression (awaiting a promise) and returns its value.
func eval[T any](b *browserSession, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: evaluating %s: %v%s", b.name, expr, err, b.pageMessage())
	}
	return v
}

// waitJS waits until the expression is truthy. It stops early, failing, when the
// page shows an error in #message meanwhile.
func (b *browserSession) waitJS(d time.Duration, what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(d)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!(`+expr+`)`))
		cancel()
		if err == nil && ok {
			return
		}
		if b.pageError() {
			b.t.Fatalf("%s: waiting until %s: the page reports an error%s", b.name, what, b.pageMessage())
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: waiting until %s (%s): not within %s (last error %v)%s", b.name, what, expr, d, err, b.pageMessage())
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// open navigates to the portal URL u (with its hash route) and waits for the page.
func (b *browserSession) open(u string) {
	b.t.Helper()
	b.do("opening "+u, chromedp.Navigate(u), chromedp.WaitReady(chromedp.CSS("body")))
}

// portalStarted is true once the portal's script has run: it has attached its
// handlers (the language choice among them) and drawn the route into #app, replacing
// the static "loading" paragraph with the route's container.
const portalStarted = `document.querySelector('#app > div') !== null`

// openPortal opens a portal URL and waits until the portal's script has started, so
// that the next step talks to the application and not to the static page under it.
func (b *browserSession) openPortal(u string) {
	b.t.Helper()
	b.open(u)
	b.waitJS(stepTimeout, "the portal starts", portalStarted)
}

// reloadPortal reloads the portal page and waits until its script has started again.
func (b *browserSession) reloadPortal() {
	b.t.Helper()
	b.do("reload", chromedpReload())
	b.waitJS(stepTimeout, "the portal starts again", portalStarted)
}

// typeInto clears a field and types v into it with key events, as a person would.
func (b *browserSession) typeInto(sel, v string) {
	b.t.Helper()
	b.do("waiting for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
	eval[bool](b, fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (e.value !== '') { e.value = ''; e.dispatchEvent(new Event('input', {bubbles: true})); } return true; })()`, sel))
	b.do("typing into "+sel, chromedp.SendKeys(chromedp.CSS(sel), v))
}

// setField sets the value of an input, select or textarea and fires input and
// change, for fields where typing adds nothing (selects, long values).
func (b *browserSession) setField(sel, v string) {
	b.t.Helper()
	b.do("waiting for "+sel, chromedp.WaitReady(chromedp.CSS(sel)))
	ok := eval[bool](b, fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false;
		if (e.tagName === 'SELECT' && ![...e.options].some(o => o.value === %q)) return false;
		e.value = %q; e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`, sel, v, v))
	if !ok {
		b.t.Fatalf("%s: cannot set %s to %q (missing, or no such option)", b.name, sel, v)
	}
}

// check ticks a checkbox (by clicking it, unless it is ticked already).
func (b *browserSession) check(sel string) {
	b.t.Helper()
	b.do("waiting for "+sel, chromedp.WaitReady(chromedp.CSS(sel)))
	if eval[bool](b, fmt.Sprintf(`document.querySelector(%q).checked`, sel)) {
		return
	}
	b.do("ticking "+sel, chromedp.ScrollIntoView(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel)))
	if !eval[bool](b, fmt.Sprintf(`document.querySelector(%q).checked`, sel)) {
		b.t.Fatalf("%s: %s is not ticked after a click", b.name, sel)
	}
}

// click waits until sel is visible and enabled and clicks it.
func (b *browserSession) click(sel string) {
	b.t.Helper()
	b.do("clicking "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.WaitEnabled(chromedp.CSS(sel)), chromedp.ScrollIntoView(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel)))
}

// text returns the trimmed textContent of the first element matching sel.
func (b *browserSession) text(sel string) string {
	b.t.Helper()
	b.do("waiting for "+sel, chromedp.WaitReady(chromedp.CSS(sel)))
	return strings.TrimSpace(eval[string](b, fmt.Sprintf(`document.querySelector(%q).textContent`, sel)))
}

// upload sets the files of a file input and fires change.
func (b *browserSession) upload(sel string, files ...string) {
	b.t.Helper()
	b.do("choosing files for "+sel, chromedp.WaitReady(chromedp.CSS(sel)), chromedp.SetUploadFiles(chromedp.CSS(sel), files))
}

// downloadClick clicks sel, waits for the download it starts and moves the file to
// dir under the name the page suggested. It returns the new path.
func (b *browserSession) downloadClick(sel, dir string) string {
	b.t.Helper()
	b.drainDownloads()
	b.click(sel)
	return b.nextDownload(sel, dir)
}

func (b *browserSession) drainDownloads() {
	for {
		select {
		case d := <-b.done:
			b.t.Logf("%s: an earlier download arrived late: %s", b.name, d.name)
		default:
			return
		}
	}
}

func (b *browserSession) nextDownload(what, dir string) string {
	b.t.Helper()
	timeout := time.After(stepTimeout)
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case d := <-b.done:
			if d.name == "" || strings.ContainsAny(d.name, `/\`) {
				b.t.Fatalf("%s: %s: downloaded file has no usable name %q", b.name, what, d.name)
			}
			if err := os.MkdirAll(dir, 0o700); err != nil {
				b.t.Fatal(err)
			}
			dst := filepath.Join(dir, d.name)
			if err := os.Rename(d.path, dst); err != nil {
				b.t.Fatalf("%s: %s: moving the download: %v", b.name, what, err)
			}
			return dst
		case <-tick.C:
			// A page that reports an error instead of saving ends the wait.
			if b.pageError() {
				b.t.Fatalf("%s: clicking %s downloaded nothing%s", b.name, what, b.pageMessage())
			}
		case <-timeout:
			b.t.Fatalf("%s: clicking %s downloaded nothing within %s%s", b.name, what, stepTimeout, b.pageMessage())
		}
	}
}

// pageError reports whether #message shows an error.
func (b *browserSession) pageError() bool {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	bad, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const m = document.querySelector('#message'); return !!m && !m.hidden && m.dataset.kind === 'error'; })()`))
	return err == nil && bad
}

// linkBytes returns what the link sel points to. A link with a download attribute is
// clicked and its download read; another one (a token URL or a blob) is fetched by
// the page itself, with the page's origin and cookies.
func (b *browserSession) linkBytes(sel string) []byte {
	b.t.Helper()
	b.do("waiting for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
	if eval[bool](b, fmt.Sprintf(`document.querySelector(%q).hasAttribute('download')`, sel)) {
		p := b.downloadClick(sel, filepath.Join(b.dir, "links"))
		data, err := os.ReadFile(p)
		if err != nil {
			b.t.Fatal(err)
		}
		return data
	}
	s := eval[string](b, fmt.Sprintf(`(async () => {
		const r = await fetch(document.querySelector(%q).href);
		if (!r.ok) throw new Error('HTTP ' + r.status + ' ' + (await r.text()));
		const u = new Uint8Array(await r.arrayBuffer());
		let s = ''; for (let i = 0; i < u.length; i += 0x8000) s += String.fromCharCode(...u.subarray(i, i + 0x8000));
		return btoa(s); })()`, sel))
	data, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		b.t.Fatalf("%s: %s: %v", b.name, sel, err)
	}
	return data
}

// chromedpReload reloads the page and waits for its body.
func chromedpReload() chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("body")))
}

// chromedpWaitVisible waits until the element sel is visible.
func chromedpWaitVisible(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.CSS(sel))
}

// choose fills a field that may be a select or a text input: a select gets the
// option with value preferred (or its first option with a value), an input gets
// preferred typed in.
func (b *browserSession) choose(sel, preferred string) {
	b.t.Helper()
	b.do("waiting for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
	if eval[string](b, fmt.Sprintf(`document.querySelector(%q).tagName`, sel)) != "SELECT" {
		b.typeInto(sel, preferred)
		return
	}
	v := eval[string](b, fmt.Sprintf(`(() => { const e = document.querySelector(%q);
		const o = [...e.options].find(o => o.value === %q) || [...e.options].find(o => o.value !== '');
		return o ? o.value : ''; })()`, sel, preferred))
	b.setField(sel, v)
}
