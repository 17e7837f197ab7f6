package web

import (
	"encoding/json"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/profile"
	"github.com/opennca/nca/ra"
	"github.com/opennca/nca/webkeys"
)

// sources returns the portal's own HTML and JavaScript (crypto*.js and the wasm
// glue excluded: the browser crypto has its own contract).
func sources(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		base := p[strings.LastIndex(p, "/")+1:]
		if strings.HasPrefix(p, "static/wasm/") || strings.HasPrefix(base, "crypto") {
			return nil
		}
		if strings.HasSuffix(p, ".html") || strings.HasSuffix(p, ".js") {
			b, err := fs.ReadFile(static, p)
			if err != nil {
				return err
			}
			out[p] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 5 {
		t.Fatalf("only %d portal sources found", len(out))
	}
	return out
}

// TestDOMContract checks that every element id, class and attribute of the DOM
// contract (docs/portal.md) is created by the portal's HTML or JavaScript, written
// as the id="…" of the page or the 'id' string of the scripts.
func TestDOMContract(t *testing.T) {
	src := sources(t)
	all := strings.Join(slices.Collect(func(yield func(string) bool) {
		for _, s := range src {
			if !yield(s) {
				return
			}
		}
	}), "\n")
	ids := []string{
		"lang", "message", "progress",
		"f-iin", "f-surname", "f-name", "f-patronymic", "f-region", "f-city", "f-email", "f-phone", "f-lang",
		"f-bin", "f-organization", "f-role", "f-domain", "f-extra-domains", "f-state-body-code", "f-rnn",
		"f-system-role", "f-residence-document", "f-csr", "iin-check", "key-alg", "key-password",
		"key-password2", "generate-keys", "key-downloads", "consent-policy", "consent-agreement",
		"consent-personal-data", "consent-notifications", "submit-application",
		"result-number", "result-deadline", "result-documents", "form-pdf",
		"status-number", "status-lookup", "status-state", "status-history", "status-refusal",
		"install-file", "install-password", "install-certs", "installed-download",
		"signin-file", "signin-password", "signin-submit", "signout", "sign-file", "sign-password", "sign-submit",
		"cabinet-certificates", "cabinet-applications", "head-list", "reject-reason",
		"desk-search", "desk-search-submit", "desk-queue", "desk-application", "desk-registry",
		"representative", "desk-accept", "desk-refuse-documents", "receipt-pdf", "desk-approve",
		"desk-refuse-reason", "desk-refuse-detail", "desk-refuse", "desk-revoke-serial",
		"desk-revoke-reason", "desk-revoke",
	}
	for _, id := range ids {
		// Field inputs are named by the template's field names (f-<name with dashes>).
		if name, ok := strings.CutPrefix(id, "f-"); ok && id != "f-lang" && id != "f-csr" {
			if !strings.Contains(all, "`f-${name.replace(/_/g, '-')}`") {
				t.Errorf("field id %s: the form does not derive ids from field names", id)
			}
			field := strings.ReplaceAll(name, "-", "_")
			if !templateHasField(field) {
				t.Errorf("field id %s: no template has the field %q", id, field)
			}
			continue
		}
		if !strings.Contains(all, `id="`+id+`"`) && !strings.Contains(all, `'`+id+`'`) {
			t.Errorf("id %q of the DOM contract is not in the portal", id)
		}
	}
	for _, s := range []string{
		"`template-${tpl.id}`",                  // a#template-<template_id>
		"class: 'key-file'", "download: f.name", // a.key-file[download]
		"'revoke ", "'renew'", "'download ", "'confirm ", "'reject ", // row buttons
		"dataset: { serial: c.serial", "dataset: { number: a.number", // tr[data-serial], tr[data-number]
		"name: 'doc', value: d.id", // checklist input[name=doc][value=<doc id>]
		"dataset.valid", "dataset: { state: st.state }", "dataset.kind",
		"localStorage", "document.documentElement.lang",
		"#/apply", "#/status/", "#/cabinet", "#/head", "#/desk/",
	} {
		if !strings.Contains(all, s) {
			t.Errorf("the portal lacks %q", s)
		}
	}
	routes := []string{"''", "apply", "status", "cabinet", "head", "desk"}
	for _, r := range routes {
		if !strings.Contains(src["static/js/app.js"], "  "+r+": render") && !(r == "''" && strings.Contains(src["static/js/app.js"], "'': renderHome")) {
			t.Errorf("route %s is not in app.js", r)
		}
	}
}

func templateHasField(name string) bool {
	for _, t := range profile.Templates() {
		if _, ok := t.Field(name); ok {
			return true
		}
	}
	return false
}

// TestCSPCompatible checks that the page needs no inline script or style and that no
// script evaluates strings, so the Content-Security-Policy can forbid both.
func TestCSPCompatible(t *testing.T) {
	inlineHandler := regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	for p, s := range sources(t) {
		if strings.HasSuffix(p, ".html") {
			for _, m := range regexp.MustCompile(`(?is)<script\b[^>]*>`).FindAllString(s, -1) {
				if !strings.Contains(m, "src=") {
					t.Errorf("%s: inline script %s", p, m)
				}
			}
			if strings.Contains(strings.ToLower(s), "<style") || strings.Contains(s, " style=") {
				t.Errorf("%s: inline style", p)
			}
			if inlineHandler.MatchString(s) {
				t.Errorf("%s: inline event handler", p)
			}
			if strings.Contains(s, "http://") || strings.Contains(s, "https://") {
				t.Errorf("%s: refers to another origin", p)
			}
			continue
		}
		for _, bad := range []string{"eval(", "new Function", ".innerHTML", ".style.", "'style'", "document.write", "http://", "https://"} {
			if strings.Contains(s, bad) {
				t.Errorf("%s uses %q", p, bad)
			}
		}
	}
}

// TestNoBareAppend checks that the scripts add children through put or h, which skip
// null: the DOM's own append would show an absent optional part as the text "null".
func TestNoBareAppend(t *testing.T) {
	for p, s := range sources(t) {
		if strings.HasSuffix(p, "/ui.js") {
			continue // put itself and appends of elements it has just made
		}
		if strings.Contains(s, ".append(") {
			t.Errorf("%s calls the DOM's append: use put or h, which skip null", p)
		}
	}
}

func loadLang(t *testing.T, l string) map[string]string {
	t.Helper()
	b, err := fs.ReadFile(static, "static/i18n/"+l+".json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s.json: %v", l, err)
	}
	return m
}

// TestTranslations checks that kk, ru and en have the same keys, no empty values,
// that Kazakh and Russian are really translated (Cyrillic, not the English text),
// that every key the scripts and the page use exists, and that the templates,
// fields, roles, documents and states of the domain all have their titles.
func TestTranslations(t *testing.T) {
	langs := map[string]map[string]string{"kk": loadLang(t, "kk"), "ru": loadLang(t, "ru"), "en": loadLang(t, "en")}
	en := langs["en"]
	for l, m := range langs {
		for k, v := range m {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s.json: %q is empty", l, k)
			}
			if _, ok := en[k]; !ok {
				t.Errorf("%s.json: %q is not in en.json", l, k)
			}
		}
		for k := range en {
			if _, ok := m[k]; !ok {
				t.Errorf("%s.json lacks %q", l, k)
			}
		}
	}
	for _, l := range []string{"kk", "ru"} {
		same, latin := 0, 0
		for k, v := range langs[l] {
			if v == en[k] {
				same++
			}
			if !strings.ContainsFunc(v, func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }) {
				latin++
			}
		}
		if same*20 > len(en) || latin*10 > len(en) {
			t.Errorf("%s.json: %d of %d strings equal the English, %d have no Cyrillic: not translated", l, same, len(en), latin)
		}
	}
	// Kazakh has its own letters.
	kkText := strings.Join(slices.Collect(func(yield func(string) bool) {
		for _, v := range langs["kk"] {
			if !yield(v) {
				return
			}
		}
	}), " ")
	if !strings.ContainsAny(kkText, "әғқңөұүһі") {
		t.Errorf("kk.json has no Kazakh letters")
	}

	used := regexp.MustCompile(`'([a-z_0-9]+\.[a-z_0-9.]+)'|data-i18n(?:-aria)?="([^"]+)"`)
	for p, s := range sources(t) {
		for _, m := range used.FindAllStringSubmatch(s, -1) {
			k := m[1] + m[2]
			if strings.HasSuffix(k, ".js") || strings.HasSuffix(k, ".json") || k == "nca.lang" {
				continue
			}
			if _, ok := en[k]; !ok {
				t.Errorf("%s uses the key %q, which en.json lacks", p, k)
			}
		}
	}

	need := []string{}
	for _, tpl := range profile.Templates() {
		need = append(need, "tpl."+tpl.ID, "tpl."+tpl.ID+".desc")
		for _, f := range tpl.Fields {
			need = append(need, "field."+f.Name)
		}
		for _, d := range tpl.Documents {
			need = append(need, "doc."+d.ID)
			for l, title := range d.Title {
				if got := langs[l]["doc."+d.ID]; got != title {
					t.Errorf("%s.json doc.%s = %q, the checklist says %q", l, d.ID, got, title)
				}
			}
		}
		for l, title := range tpl.Title {
			if got := langs[l]["tpl."+tpl.ID]; got != title {
				t.Errorf("%s.json tpl.%s = %q, the template says %q", l, tpl.ID, got, title)
			}
		}
	}
	for _, r := range profile.LegalRoles() {
		need = append(need, "role."+r)
	}
	for _, r := range profile.ENotariatRoles() {
		need = append(need, "sysrole."+r)
	}
	for _, s := range []core.State{core.StateAwaitingHead, core.StateAwaitingIdentification, core.StateAccepted, core.StateIssued, core.StateRefused, core.StateRejectedByHead, core.StateExpired} {
		need = append(need, "state."+string(s), "state."+string(s)+".explain", "deskstate."+string(s))
	}
	for _, r := range []core.RefusalReason{core.RefusalUnder16, core.RefusalFalseInfo, core.RefusalCourtDecision, core.RefusalRegistryMismatch} {
		need = append(need, "refusal."+string(r))
	}
	for _, c := range []core.CertType{core.CertSign, core.CertAuth, core.CertSSL, core.CertOperator} {
		need = append(need, "certtype."+string(c))
	}
	for _, r := range []string{"owner_request", "owner_death", "false_information", "dismissal", "key_compromise"} {
		need = append(need, "revoke."+r)
	}
	for _, a := range []string{"applicant", "registration centre", "organisation head", "system", "owner"} {
		need = append(need, "actor."+a)
	}
	// History rows are said by action; key-file errors by their webkeys code;
	// registry refusals by the field that differs (api's Mismatch names).
	for _, a := range []ra.Action{ra.ActSubmit, ra.ActHeadConfirm, ra.ActHeadReject, ra.ActAccept, ra.ActRefuseDocuments, ra.ActApprove, ra.ActRefuse, ra.ActExpire, ra.ActRenew} {
		need = append(need, "event."+string(a))
	}
	for _, c := range append(webkeys.ErrorCodes(), "module_unavailable") {
		need = append(need, "crypto."+c)
	}
	for _, f := range []string{"iin", "deceased", "surname", "name", "patronymic", "bin", "organization", "employee", "role"} {
		need = append(need, "mismatch."+f)
	}
	for _, k := range need {
		if _, ok := en[k]; !ok {
			t.Errorf("en.json lacks %q", k)
		}
	}
}
