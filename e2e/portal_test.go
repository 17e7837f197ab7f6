package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/opennca/nca/internal/pdftext"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/profile"
	"github.com/opennca/nca/registry"
)

// The portal end to end: the real `nca serve` and the real eds, and a real headless
// Chromium driving the portal through its DOM contract (docs/browser-tests.md). Keys
// are made, opened and used in the browser by the WebAssembly module; the key files
// the browser saves are then opened by eds and openssl.

const portalPW = "portal key password 1"

// newPortalWorld starts the authority for the portal tests, after checking that the
// browser and pdftotext are there (so that a machine without them skips at once).
func newPortalWorld(t *testing.T) *world {
	t.Helper()
	chromiumPath(t)
	pdftext.Need(t)
	return newWorld(t)
}

// TestPortal drives the portal in a browser: a citizen applies with keys made in the
// browser (RSA and GOST), the operator works at the desk, the certificates are
// installed into the browser-made key files, the owner signs in to the cabinet; a
// first head confirms an employee; refusals show their reason and give a refusal
// receipt; the language choice survives a reload.
func TestPortal(t *testing.T) {
	w := newPortalWorld(t)
	root := w.t

	for _, alg := range []string{"rsa2048", "gost2015"} {
		t.Run("citizen "+alg+": apply, desk, install, cabinet", func(t *testing.T) {
			w.t = t
			defer func() { w.t = root }()
			w.portalCitizen(alg)
		})
	}

	t.Run("first head confirms an employee", func(t *testing.T) {
		w.t = t
		defer func() { w.t = root }()
		w.portalHead()
	})

	t.Run("refusal reason on the status page", func(t *testing.T) {
		w.t = t
		defer func() { w.t = root }()
		d := w.demo("individual", "", "")
		number := w.edsApply(d, filepath.Join(w.dir, "refused"))

		op := newBrowser(t, "operator")
		w.deskSignIn(op)
		w.deskOpen(op, number)
		// The documents are in order; the decision refuses (false information).
		for _, id := range w.requiredDocs(number) {
			op.check(fmt.Sprintf("input[name=doc][value=%q]", id))
		}
		op.click("button#desk-accept")
		w.waitState(number, core.StateAccepted)
		const detail = "Паспорт деректері өтініштегі деректерге сәйкес келмейді"
		op.setField("select#desk-refuse-reason", string(core.RefusalFalseInfo))
		op.typeInto("#desk-refuse-detail", detail)
		op.click("button#desk-refuse")
		st := w.waitState(number, core.StateRefused)
		if st.RefusalReason != core.RefusalFalseInfo || !strings.Contains(st.RefusalDetail, detail) {
			t.Fatalf("refused at the desk in the browser: %+v", st)
		}

		citizen := newBrowser(t, "citizen")
		citizen.openPortal(w.s.url + "/#/status/" + number)
		citizen.waitJS(stepTimeout, "the status page shows the refusal", `document.querySelector('#status-state[data-state="refused"]') !== null`)
		if got := citizen.text("#status-refusal"); !strings.Contains(got, detail) {
			t.Fatalf("#status-refusal does not show the operator's reason %q: %q", detail, got)
		}
		if eval[bool](citizen, `document.querySelector('#status-refusal').hidden`) {
			t.Fatal("#status-refusal is hidden")
		}
		// Absent parts are left out, not printed as "null"; history rows are said by
		// action, not by the authority's English record.
		if main := citizen.text("main"); strings.Contains(main, "null") || strings.Contains(main, "template individual") || strings.Contains(main, "receipt R-") {
			t.Fatalf("the status page shows null or English history details: %q", main)
		}
	})

	t.Run("refusal to accept with missing documents gives a refusal receipt", func(t *testing.T) {
		w.t = t
		defer func() { w.t = root }()
		d := w.demo("individual", "", "")
		number := w.edsApply(d, filepath.Join(w.dir, "no-documents"))

		op := newBrowser(t, "operator")
		w.deskSignIn(op)
		w.deskOpen(op, number)
		// Nothing presented: every required document is missing.
		op.waitJS(stepTimeout, "the checklist is shown", `document.querySelectorAll('input[name=doc]').length > 0`)
		for _, id := range eval[[]string](op, `[...document.querySelectorAll('input[name=doc]:checked')].map(e => e.value)`) {
			op.click(fmt.Sprintf("input[name=doc][value=%q]", id))
		}
		op.click("button#desk-refuse-documents")
		text := pdftext.Text(t, w.dir, "refusal-receipt-"+number+".pdf", op.linkBytes("a#receipt-pdf"))
		if !strings.Contains(text, number) {
			t.Errorf("the refusal receipt does not name application %s:\n%s", number, text)
		}
		tpl, _ := profile.Lookup("individual")
		for _, doc := range tpl.RequiredDocuments(d.Role) {
			if !doc.Required {
				continue
			}
			found := false
			for _, title := range doc.Title {
				found = found || strings.Contains(text, title)
			}
			if !found {
				t.Errorf("the refusal receipt does not list the missing %s (%v):\n%s", doc.ID, doc.Title, text)
			}
		}
		st := w.status(number)
		if st.State != core.StateAwaitingIdentification || len(st.MissingDocuments) == 0 {
			t.Errorf("after the refusal to accept: %+v", st)
		}
	})

	t.Run("accessible on a phone, by keyboard", func(t *testing.T) {
		w.t = t
		defer func() { w.t = root }()
		w.portalAccessible()
	})

	t.Run("language choice survives a reload", func(t *testing.T) {
		w.t = t
		defer func() { w.t = root }()
		b := newBrowser(t, "visitor")
		b.openPortal(w.s.url + "/#/")
		for _, lang := range []string{"ru", "kk", "en", "kk"} {
			b.setField("select#lang", lang)
			b.waitJS(stepTimeout, "the page switches to "+lang, fmt.Sprintf(`document.documentElement.lang === %q`, lang))
			b.reloadPortal()
			b.waitJS(stepTimeout, "the page is still in "+lang+" after a reload", fmt.Sprintf(`document.documentElement.lang === %q && document.querySelector('select#lang').value === %q`, lang, lang))
		}
		title := eval[string](b, `document.title`)
		b.setField("select#lang", "en")
		b.waitJS(stepTimeout, "the title is translated", fmt.Sprintf(`document.documentElement.lang === 'en' && document.title !== %q`, title))
	})

	t.Run("a language chosen while the page loads wins", func(t *testing.T) {
		w.t = t
		defer func() { w.t = root }()
		w.portalLanguageWhileLoading()
	})
}

// portalLanguageWhileLoading holds back the file of the starting language (the
// browser's English) until the visitor has chosen Russian: the late English file
// must not undo the choice, on the page nor in what is remembered.
func (w *world) portalLanguageWhileLoading() {
	t := w.t
	b := newBrowser(t, "early-chooser")
	if _, err := chromedp.Call(b.ctx, fetch.Enable, fetch.EnableParams{
		Patterns: []*fetch.RequestPattern{{URLPattern: "*/static/i18n/en.json"}},
	}); err != nil {
		t.Fatalf("holding back the English file: %v", err)
	}
	ctx, cancel := context.WithCancel(b.ctx)
	defer cancel()
	paused := make(chan fetch.RequestID, 1)
	// Subscribed before the page is opened, so that the pause cannot be missed.
	events := chromedp.Events(ctx, fetch.RequestPaused)
	go func() {
		for ev, err := range events {
			if err != nil {
				return
			}
			paused <- ev.RequestID
			return
		}
	}()
	b.open(w.s.url + "/#/")
	var held fetch.RequestID
	select {
	case held = <-paused:
	case <-time.After(stepTimeout):
		t.Fatal("the portal did not ask for its starting language (en)")
	}
	b.setField("select#lang", "ru")
	b.waitJS(stepTimeout, "the page switches to ru while en is still loading", `document.documentElement.lang === 'ru'`)
	if _, err := chromedp.Call(b.ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: held}); err != nil {
		t.Fatalf("letting the English file through: %v", err)
	}
	// The portal draws its first screen once the starting language has settled.
	b.waitJS(stepTimeout, "the portal starts", portalStarted)
	got := eval[string](b, `[document.documentElement.lang, document.querySelector('select#lang').value, localStorage.getItem('nca.lang')].join(' ')`)
	if got != "ru ru ru" {
		t.Errorf("after the late English file: page, selector, remembered = %s; want ru ru ru", got)
	}
	if _, err := chromedp.Call(b.ctx, fetch.Disable, cdp.Empty{}); err != nil {
		t.Fatalf("%v", err)
	}
}

// portalCitizen: an individual applies in the browser with keys made there, the
// operator accepts and approves at the desk in the browser, the citizen installs the
// certificates into the saved key files and signs in to the cabinet.
func (w *world) portalCitizen(alg string) {
	t := w.t
	d := w.demo("individual", "", "")
	person, err := w.reg.Person(context.Background(), d.IIN)
	if err != nil {
		t.Fatal(err)
	}
	keysDir := filepath.Join(w.dir, "browser-"+alg, "keys")
	citizen := newBrowser(t, "citizen")
	number, keys := w.portalApply(citizen, d, person, alg, keysDir)
	if st := w.status(number); st.State != core.StateAwaitingIdentification {
		t.Fatalf("after the browser's submission: %+v", st)
	}
	sign, auth := keys[core.CertSign], keys[core.CertAuth]
	wantSign := "RSA256_"
	if strings.HasPrefix(alg, "gost") {
		wantSign = "GOSTKNCA_"
	}
	if !strings.HasPrefix(filepath.Base(sign), wantSign) || !strings.HasPrefix(filepath.Base(auth), "AUTH_RSA256_") {
		t.Fatalf("key file names: %s, %s", sign, auth)
	}
	// The key files the browser saved open with eds before issuance too: a key, no
	// certificate yet.
	for _, p := range []string{sign, auth} {
		if out := must(t, w.b, portalPW, "info", p); !strings.Contains(out, "kind: pkcs12") || !strings.Contains(out, "none installed yet") {
			t.Errorf("eds info of the browser-made key file %s:\n%s", filepath.Base(p), out)
		}
	}

	// The printable form: the number and the applicant's name.
	form := pdftext.Text(t, w.dir, "form-"+number+".pdf", citizen.linkBytes("a#form-pdf"))
	if !strings.Contains(form, number) || !strings.Contains(strings.ToUpper(form), strings.ToUpper(person.Surname)) || !strings.Contains(strings.ToUpper(form), strings.ToUpper(person.Name)) {
		t.Errorf("the application form lacks the number %s or the name %s %s:\n%s", number, person.Surname, person.Name, form)
	}

	// The operator at the desk.
	op := newBrowser(t, "operator")
	w.deskSignIn(op)
	w.deskOpen(op, number)
	for _, id := range w.requiredDocs(number) {
		op.check(fmt.Sprintf("input[name=doc][value=%q]", id))
	}
	op.click("button#desk-accept")
	receipt := pdftext.Text(t, w.dir, "receipt-"+number+".pdf", op.linkBytes("a#receipt-pdf"))
	if !strings.Contains(receipt, number) {
		t.Errorf("the receipt does not name application %s:\n%s", number, receipt)
	}
	w.waitState(number, core.StateAccepted)
	op.click("button#desk-approve")
	st := w.waitState(number, core.StateIssued)
	if len(st.Certificates) != 2 {
		t.Fatalf("issued: %+v", st)
	}

	// The citizen installs the certificates into the key files in the browser.
	citizen.openPortal(w.s.url + "/#/status/" + number)
	citizen.waitJS(stepTimeout, "the status page says issued", `document.querySelector('#status-state[data-state="issued"]') !== null`)
	installedDir := filepath.Join(w.dir, "browser-"+alg, "installed")
	installed := map[core.CertType]string{}
	for typ, p := range keys {
		installed[typ] = w.portalInstall(citizen, p, installedDir)
	}

	for typ, p := range installed {
		out := must(t, w.b, portalPW, "info", p)
		if !strings.Contains(out, d.IIN) || !strings.Contains(out, string(typ)) {
			t.Errorf("eds info of the installed %s file %s lacks the IIN %s or the type:\n%s", typ, filepath.Base(p), d.IIN, out)
		}
	}
	// The signing key is of the algorithm chosen in the browser, and its certificate
	// comes from the matching issuing CA.
	var parsed struct {
		Certificate struct {
			Type, Issuer string
			Key          struct{ Algorithm string }
		}
	}
	if out := must(t, w.b, portalPW, "info", "--json", installed[core.CertSign]); json.Unmarshal([]byte(out), &parsed) != nil {
		t.Errorf("eds info --json:\n%s", out)
	}
	wantKey, wantIssuer := "RSA", "NCA (RSA)"
	if alg == "gost2015" {
		wantKey, wantIssuer = "GOST 34.10-2015 512-bit", "NCA (GOST)"
	}
	if c := parsed.Certificate; c.Type != "SIGN" || !strings.HasPrefix(c.Key.Algorithm, wantKey) || !strings.Contains(c.Issuer, wantIssuer) {
		t.Errorf("the installed signing certificate: %+v, want a %s key from %s", c, wantKey, wantIssuer)
	}
	rsaFiles := []string{installed[core.CertAuth]}
	if alg == "rsa2048" {
		rsaFiles = append(rsaFiles, installed[core.CertSign])
	}
	for _, p := range rsaFiles {
		out, err := openssl(t, "pkcs12", "-info", "-nokeys", "-in", p, "-passin", "pass:"+portalPW)
		if err != nil || !strings.Contains(out, "BEGIN CERTIFICATE") {
			t.Errorf("openssl pkcs12 -info cannot open the browser-made %s: %v\n%s", filepath.Base(p), err, out)
		}
	}

	// The owner signs in to the cabinet with the AUTH file and sees the certificates.
	cab := newBrowser(t, "cabinet")
	cab.openPortal(w.s.url + "/#/cabinet")
	w.signIn(cab, installed[core.CertAuth], portalPW)
	cab.waitJS(stepTimeout, "the cabinet lists the certificates", `document.querySelectorAll('#cabinet-certificates tr[data-serial]').length >= 2`)
	serials := eval[[]string](cab, `[...document.querySelectorAll('#cabinet-certificates tr[data-serial]')].map(e => e.dataset.serial.toLowerCase())`)
	for _, s := range st.Certificates {
		if !containsSerial(serials, s) {
			t.Errorf("the cabinet does not list certificate %s: %v", s, serials)
		}
	}
	if n := eval[int](cab, fmt.Sprintf(`document.querySelectorAll('#cabinet-applications tr[data-number=%q]').length`, number)); n != 1 {
		t.Errorf("the cabinet lists application %s %d times", number, n)
	}
}

// portalHead: the first head's keys are issued with eds; an employee applies with
// eds; the head signs in at #/head in the browser and confirms with his SIGN file.
func (w *world) portalHead() {
	t := w.t
	headKeys := filepath.Join(w.dir, "portal-head")
	must(t, w.b, citizenPW, "keygen", "--dir", headKeys)
	head := w.demo("legal_entity", "first_head", "")
	out := must(t, w.b, citizenPW, w.applyArgs(head, headKeys)...)
	headNumber := strings.TrimSpace(strings.SplitN(out, "\n", 2)[0])
	w.identify(headNumber)
	must(t, w.b, citizenPW, "fetch", "--server", w.s.url, "--dir", headKeys, headNumber)
	headAuth := keyFile(t, headKeys, "AUTH_RSA256_*.p12")
	headSign := keyFile(t, headKeys, "RSA256_*.p12")

	emp := w.demo("legal_entity", "employee", "")
	number := w.edsApply(emp, filepath.Join(w.dir, "portal-employee"))
	if st := w.status(number); st.State != core.StateAwaitingHead {
		t.Fatalf("employee application: %s", st.State)
	}

	b := newBrowser(t, "head")
	b.openPortal(w.s.url + "/#/head")
	w.signIn(b, headAuth, citizenPW)
	row := fmt.Sprintf("#head-list tr[data-number=%q]", number)
	b.do("waiting for the employee's application", chromedpWaitVisible(row))
	b.click(row + " button.confirm")
	b.upload("input#sign-file", headSign)
	b.typeInto("#sign-password", citizenPW)
	b.click("button#sign-submit")
	w.waitState(number, core.StateAwaitingIdentification)
	b.waitJS(stepTimeout, "the confirmed application leaves the list", fmt.Sprintf(`document.querySelector(%q) === null`, row))
}

// portalApply fills the application form of demo case d in the browser, makes the
// keys there, saves the key files into keysDir and submits. It returns the number and
// the saved key files by certificate type.
func (w *world) portalApply(b *browserSession, d registry.DemoCase, p *registry.Person, alg, keysDir string) (string, map[core.CertType]string) {
	t := w.t
	b.openPortal(w.s.url + "/#/apply")
	b.click("a#template-" + d.Template)
	b.do("the form", chromedpWaitVisible("#f-iin"))
	// A mistyped IIN (its check digit) is caught as it is typed, offline.
	bad := d.IIN[:11] + string('0'+('9'-d.IIN[11]))
	b.typeInto("#f-iin", bad)
	b.waitJS(stepTimeout, "a wrong check digit is reported", `document.querySelector('#iin-check').dataset.valid === 'false' && document.querySelector('#iin-check').textContent.trim() !== ''`)
	b.typeInto("#f-iin", d.IIN)
	b.waitJS(stepTimeout, "the IIN is checked and the name comes from the registry",
		`document.querySelector('#iin-check').dataset.valid === 'true' && document.querySelector('#f-surname').value !== ''`)
	for sel, want := range map[string]string{"#f-surname": p.Surname, "#f-name": p.Name, "#f-patronymic": p.Patronymic} {
		if want == "" {
			continue
		}
		got := eval[string](b, fmt.Sprintf(`(document.querySelector(%q) || {value: ''}).value`, sel))
		if !strings.EqualFold(got, want) {
			t.Errorf("%s filled from the registry: %q, want %q", sel, got, want)
		}
	}
	b.choose("#f-region", "astana")
	b.typeInto("#f-city", "Астана")
	b.typeInto("#f-email", "citizen@example.kz")
	b.typeInto("#f-phone", "+77011234567")

	b.setField("select#key-alg", alg)
	b.typeInto("#key-password", portalPW)
	b.typeInto("#key-password2", portalPW)
	b.click("button#generate-keys")
	b.waitJS(keyTimeout, "the keys are generated in the browser", `document.querySelectorAll('#key-downloads a.key-file[download]').length >= 2`)
	n := eval[int](b, `(() => { const a = document.querySelectorAll('#key-downloads a.key-file[download]'); a.forEach((e, i) => e.setAttribute('data-e2e-key', String(i))); return a.length; })()`)
	if n != 2 {
		t.Fatalf("%d key files offered, want SIGN and AUTH", n)
	}
	keys := map[core.CertType]string{}
	for i := range n {
		p := b.downloadClick(fmt.Sprintf(`#key-downloads a.key-file[data-e2e-key="%d"]`, i), keysDir)
		typ := core.CertSign
		if strings.HasPrefix(filepath.Base(p), "AUTH_") {
			typ = core.CertAuth
		}
		keys[typ] = p
	}
	if len(keys) != 2 {
		t.Fatalf("saved key files: %v", keys)
	}
	for _, id := range []string{"#consent-policy", "#consent-agreement", "#consent-personal-data", "#consent-notifications"} {
		b.check(id)
	}
	b.click("button#submit-application")
	b.waitJS(stepTimeout, "the result page shows the number", `(document.querySelector('#result-number') || {textContent: ''}).textContent.trim() !== ''`)
	number := b.text("#result-number")
	if b.text("#result-deadline") == "" {
		t.Error("#result-deadline is empty")
	}
	if eval[int](b, `document.querySelectorAll('#result-documents li').length`) == 0 {
		t.Error("#result-documents lists nothing to bring")
	}
	return number, keys
}

// portalInstall installs the issued certificates into key file p on the status page
// and saves the result into dir; it returns the saved file.
func (w *world) portalInstall(b *browserSession, p, dir string) string {
	before := eval[string](b, `(document.querySelector('a#installed-download') || {href: ''}).href`)
	b.upload("input#install-file", p)
	b.typeInto("#install-password", portalPW)
	b.click("button#install-certs")
	b.waitJS(keyTimeout, "the certificates are installed into "+filepath.Base(p),
		fmt.Sprintf(`(() => { const a = document.querySelector('a#installed-download[download]'); return a !== null && a.href !== %q; })()`, before))
	got := b.downloadClick("a#installed-download", dir)
	if filepath.Base(got) != filepath.Base(p) {
		w.t.Logf("the installed file is saved as %s (was %s)", filepath.Base(got), filepath.Base(p))
	}
	return got
}

// signIn signs in on the current page (cabinet, head, desk) with an AUTH key file.
func (w *world) signIn(b *browserSession, file, password string) {
	b.upload("input#signin-file", file)
	b.typeInto("#signin-password", password)
	b.click("button#signin-submit")
	b.do("signed in", chromedpWaitVisible("button#signout"))
}

// deskSignIn opens the desk and signs in with the operator credential of the start.
func (w *world) deskSignIn(b *browserSession) {
	b.openPortal(w.s.url + "/#/desk")
	w.signIn(b, filepath.Join(w.s.data, "operator.p12"), w.s.opPass)
}

// deskOpen finds an application by its number at the desk and opens it.
func (w *world) deskOpen(b *browserSession, number string) {
	b.typeInto("#desk-search", number)
	b.click("button#desk-search-submit")
	row := fmt.Sprintf("#desk-queue tr[data-number=%q]", number)
	b.click(row)
	b.waitJS(stepTimeout, "the application is open at the desk", fmt.Sprintf(
		`document.querySelector('#desk-application') !== null && document.querySelector('#desk-queue') === null && (location.hash.includes(%q) || document.querySelector('main').textContent.includes(%q))`, number, number))
}

// requiredDocs lists the checklist items the desk must see for application number.
func (w *world) requiredDocs(number string) []string {
	var show wire.DeskApplication
	if err := json.Unmarshal([]byte(w.desk("show", "--json", number)), &show); err != nil {
		w.t.Fatalf("desk show --json: %v", err)
	}
	var ids []string
	for _, d := range show.Checklist {
		if d.Required {
			ids = append(ids, d.ID)
		}
	}
	return ids
}

// edsApply makes keys and applies for demo case d with eds; it returns the number.
func (w *world) edsApply(d registry.DemoCase, keys string) string {
	must(w.t, w.b, citizenPW, "keygen", "--dir", keys)
	out := must(w.t, w.b, citizenPW, w.applyArgs(d, keys)...)
	return strings.TrimSpace(strings.SplitN(out, "\n", 2)[0])
}

// waitState polls the public status of application number until it reaches state.
// An action in the browser returns before its request is answered; this waits for
// the answer, without a time limit of its own beyond the step timeout.
func (w *world) waitState(number string, state core.State) wire.Status {
	w.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	var st wire.Status
	for {
		resp, err := http.Get(w.s.url + "/api/v1/applications/" + number)
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
		}
		if err == nil && st.State == state {
			return st
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("application %s did not reach %s: %+v (%v)", number, state, st, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func containsSerial(list []string, s string) bool {
	s = strings.TrimLeft(strings.ToLower(s), "0")
	for _, v := range list {
		if strings.TrimLeft(v, "0") == s {
			return true
		}
	}
	return false
}

// a11yProblems is evaluated on a page: it lists the form controls without a label
// (a <label for>, a wrapping label, aria-label or aria-labelledby), buttons and links
// without a name, images without alt, text whose contrast with its background is
// below WCAG AA, and whether the page is wider than the screen (a phone would scroll
// sideways).
const a11yProblems = `(() => {
  const out = [];
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden' || !visible(el)) continue;
    const named = (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (!named) out.push('unlabelled ' + el.tagName.toLowerCase() + '#' + el.id);
  }
  for (const el of document.querySelectorAll('button, a[href]')) {
    if (!visible(el)) continue;
    if (!(el.textContent.trim() || el.getAttribute('aria-label') || el.getAttribute('title'))) out.push('nameless ' + el.tagName.toLowerCase() + '#' + el.id);
  }
  for (const el of document.querySelectorAll('img')) {
    if (!el.hasAttribute('alt')) out.push('img without alt ' + el.src);
  }
  if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push('page ' + document.documentElement.scrollWidth + 'px wide on a ' + window.innerWidth + 'px screen');
  // Text contrast (WCAG 2.1 AA): 4.5:1, or 3:1 for large text (24px, or 18.66px bold).
  const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.99)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el || seen.has(el) || !visible(el)) continue;
    seen.add(el);
    const st = getComputedStyle(el);
    if (st.visibility === 'hidden' || el.closest('[hidden], [aria-hidden="true"], option')) continue;
    const l1 = lum(rgb(st.color).slice(0, 3)), l2 = lum(background(el));
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const size = parseFloat(st.fontSize), bold = Number(st.fontWeight) >= 700;
    const need = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
    if (ratio < need) out.push('contrast ' + ratio.toFixed(2) + ':1 of "' + n.textContent.trim().slice(0, 30) + '"');
  }
  return out.join('; ');
})()`

// portalAccessible opens every screen on a phone-sized screen in each language and
// checks labels, names and width; then it moves with the keyboard only: Tab reaches
// the screen's controls, the skip link jumps to the content, Enter follows a link.
func (w *world) portalAccessible() {
	t := w.t
	b := newBrowser(t, "phone")
	b.do("phone screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	routes := []string{"", "apply", "apply/individual", "apply/legal_entity", "apply/ssl_legal", "status", "cabinet", "head", "desk"}
	for _, lang := range []string{"kk", "ru", "en"} {
		b.openPortal(w.s.url + "/#/")
		b.setField("select#lang", lang)
		b.waitJS(stepTimeout, "the page switches to "+lang, fmt.Sprintf(`document.documentElement.lang === %q`, lang))
		for _, r := range routes {
			b.do("route "+r, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`location.hash = '#/%s'`, r)))
			b.waitJS(stepTimeout, "screen #/"+r+" is drawn", `document.querySelector('main h1') !== null && document.querySelector('main h1').textContent.trim() !== ''`)
			if p := eval[string](b, a11yProblems); p != "" {
				t.Errorf("#/%s in %s: %s", r, lang, p)
			}
		}
	}
	// Keyboard only. A screen drawn after navigation has the focus on its heading, so
	// the next Tab lands on the screen's first control, not back in the header.
	b.openPortal(w.s.url + "/#/apply")
	b.waitJS(stepTimeout, "the template list", `document.querySelector('a#template-individual') !== null`)
	b.do("Tab after the screen is drawn", chromedp.KeyEvent(kb.Tab))
	if in := eval[bool](b, `!!document.activeElement && document.querySelector('main').contains(document.activeElement) && document.activeElement.matches('a[href], button, input, select, textarea')`); !in {
		t.Errorf("the first Tab on #/apply reaches %q, not a control of the screen", eval[string](b, `document.activeElement ? document.activeElement.outerHTML.slice(0, 80) : ''`))
	}
	// The skip link (the header's first stop) moves the focus to the main content.
	b.do("Enter on the skip link", chromedp.Focus("#skip-link"), chromedp.KeyEvent(kb.Enter))
	b.waitJS(stepTimeout, "the skip link moved the focus to the main content", `document.activeElement && document.activeElement.id === 'main'`)
	if h := eval[string](b, `location.hash`); h != "#/apply" {
		t.Errorf("the skip link changed the route to %q", h)
	}
	b.do("Enter on a focused template link", chromedp.Focus("a#template-individual"), chromedp.KeyEvent(kb.Enter))
	b.waitJS(stepTimeout, "Enter opened the individual form", `location.hash === '#/apply/individual' && document.querySelector('#f-iin') !== null`)
	b.do("type the IIN", chromedp.Focus("#f-iin"), chromedp.KeyEvent("12"))
	if v := eval[string](b, `document.querySelector('#f-iin').value`); v != "12" {
		t.Errorf("typing into the focused IIN field gave %q", v)
	}
}
