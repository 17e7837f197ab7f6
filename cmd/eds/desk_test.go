package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opennca/nca/api/wire"
)

func TestDeskAndHead(t *testing.T) {
	f := newFakeServer(t)
	dir := t.TempDir()
	key := f.operatorKeyFile(t, dir)
	ta := newTestApp(t, map[string]string{"EDS_PASSWORD": testPassword, "EDS_SERVER": f.srv.URL})
	common := []string{"--key", key} // the server comes from $EDS_SERVER

	run := func(args ...string) string {
		t.Helper()
		if code := ta.run(t, args...); code != exitOK {
			t.Fatalf("eds %v: exit %d: %s", args, code, ta.errb)
		}
		return ta.out.String()
	}
	has := func(out string, wants ...string) {
		t.Helper()
		for _, w := range wants {
			if !strings.Contains(out, w) {
				t.Errorf("output lacks %q:\n%s", w, out)
			}
		}
	}

	out := run(append([]string{"desk", "list", "--state", "awaiting_identification", "--iin", "871008401427"}, common...)...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || strings.Join(strings.Fields(lines[0]), " ") != "NUMBER STATE TEMPLATE IIN CREATED NAME" {
		t.Fatalf("list %q", lines)
	}
	if got := strings.Join(strings.Fields(lines[1]), " "); got != testNumber+" awaiting_identification individual 871008401427 2026-01-05T09:30:00Z ИВАНОВА АЙГЕРІМ" {
		t.Errorf("list row %q", got)
	}
	if f.count("POST /api/v1/auth/token") != 1 {
		t.Error("no sign-in")
	}

	out = run(append([]string{"desk", "show", testNumber}, common...)...)
	has(out, "number: "+testNumber, "age: 38", "form and registry:", "mismatch: name \"АЙГЕРІМ\" differs",
		"checklist:", "  - identity_document: Identity document (required)", "  - power_of_attorney: Power of attorney (optional)",
		"requests: SIGN, AUTH", "history:")
	for _, l := range strings.Split(out, "\n") {
		fields := strings.Fields(l)
		if len(fields) > 0 && fields[0] == "name" && !strings.HasSuffix(l, "<-- MISMATCH") {
			t.Errorf("the differing name is not highlighted: %q", l)
		}
		if len(fields) > 0 && fields[0] == "surname" && strings.Contains(l, "MISMATCH") {
			t.Errorf("an equal surname is highlighted: %q", l)
		}
	}
	out = run(append([]string{"desk", "show", "--json", testNumber}, common...)...)
	var da wire.DeskApplication
	if err := json.Unmarshal([]byte(out), &da); err != nil || da.Age != 38 {
		t.Errorf("show --json: %v", err)
	}

	out = run(append([]string{"desk", "accept", testNumber, "--doc", "identity_document", "--doc", "power_of_attorney",
		"--representative", "ИВАНОВ С.", "--representative-phone", "+77020000000"}, common...)...)
	has(out, "receipt: R-7\n", "application: "+testNumber+"\n", "refused: false\n", "documents: 1\n  - identity_document\n", "operator: OPERATOR ONE\n")
	var acc wire.AcceptRequest
	_ = json.Unmarshal(f.lastBody("POST /api/v1/desk/applications/"+testNumber+"/accept"), &acc)
	if strings.Join(acc.Presented, ",") != "identity_document,power_of_attorney" || acc.Representative != "ИВАНОВ С." || acc.RepresentativePhone != "+77020000000" {
		t.Errorf("accept body %+v", acc)
	}

	out = run(append([]string{"desk", "refuse-documents", testNumber, "--doc", "power_of_attorney"}, common...)...)
	has(out, "refused: true\n", "missing: 1\n  - identity_document\n")
	if strings.Contains(out, "result place") || strings.Contains(out, "result date") {
		t.Errorf("a refusal receipt prints a result:\n%s", out)
	}

	receiptPDF := filepath.Join(dir, "receipt.pdf")
	out = run(append([]string{"desk", "receipt", "R-7", "--pdf", receiptPDF, "--lang", "kk"}, common...)...)
	has(out, "pdf: "+receiptPDF)
	if b, err := os.ReadFile(receiptPDF); err != nil || string(b) != "%PDF-1.7 /api/v1/desk/receipts/R-7/pdf?lang=kk" {
		t.Errorf("receipt PDF %q, %v", b, err)
	}
	if code := ta.run(t, append([]string{"desk", "receipt", "R-7", "--pdf", receiptPDF}, common...)...); code == exitOK {
		t.Error("desk receipt overwrote an existing file")
	}
	formPDF := filepath.Join(dir, "form.pdf")
	out = run(append([]string{"desk", "form", testNumber, "--pdf", formPDF}, common...)...)
	if b, err := os.ReadFile(formPDF); err != nil || string(b) != "%PDF-1.7 /api/v1/desk/applications/"+testNumber+"/form.pdf?" {
		t.Errorf("form PDF %q, %v", b, err)
	}
	if code := ta.run(t, append([]string{"desk", "form", testNumber, "--lang", "de", "--pdf", filepath.Join(dir, "x.pdf")}, common...)...); code == exitOK {
		t.Error("desk form accepted --lang de")
	}

	out = run(append([]string{"desk", "approve", testNumber}, common...)...)
	has(out, "state: issued\n", "certificate: 1a2b SIGN good 2027-01-05T09:30:00Z\n")

	out = run(append([]string{"desk", "refuse", testNumber, "--reason", "under_16", "--detail", "born 2011"}, common...)...)
	has(out, "state: refused\n", "refusal reason: under_16\n")
	var dec wire.DecisionRequest
	_ = json.Unmarshal(f.lastBody("POST /api/v1/desk/applications/"+testNumber+"/refuse"), &dec)
	if dec.Reason != "under_16" || dec.Detail != "born 2011" {
		t.Errorf("refuse body %+v", dec)
	}

	out = run(append([]string{"desk", "revoke", "1A2B", "--reason", "key_compromise", "--detail", "lost laptop"}, common...)...)
	has(out, "serial: 1a2b\n", "status: revoked\n", "revoked at: 2026-01-05T09:30:00Z\n", "reason: 1\n")
	var rev wire.RevokeRequest
	_ = json.Unmarshal(f.lastBody("POST /api/v1/desk/certificates/1a2b/revoke"), &rev)
	if rev.Reason != "key_compromise" || rev.Detail != "lost laptop" {
		t.Errorf("revoke body %+v", rev)
	}

	// The checklist rule is the server's: a 422 with the missing documents.
	f.with(func() {
		f.override["POST /api/v1/desk/applications/"+testNumber+"/accept"] = wire.Problem{Status: 422, Detail: "the document set is incomplete", Missing: []string{"identity_document"}}
	})
	if code := ta.run(t, append([]string{"desk", "accept", testNumber, "--doc", "power_of_attorney"}, common...)...); code != exitError {
		t.Fatalf("incomplete accept: exit %d", code)
	}
	if want := "eds desk accept: the server refused: the document set is incomplete; missing: identity_document (HTTP 422)\n"; ta.errb.String() != want {
		t.Errorf("stderr %q, want %q", ta.errb.String(), want)
	}

	// Head.
	out = run(append([]string{"head", "list"}, common...)...)
	if strings.TrimSpace(out) != "NUMBER  STATE  TEMPLATE  IIN  CREATED  NAME" {
		t.Errorf("empty head list %q", out)
	}
	// Confirming and rejecting are signed with the head's SIGN key over the listed
	// application's content: TestHeadNeedsAListedApplication here, and
	// e2e/owner_test.go against the real server.
}

func TestHeadNeedsAListedApplication(t *testing.T) {
	f := newFakeServer(t)
	dir := t.TempDir()
	ta := newTestApp(t, map[string]string{"EDS_PASSWORD": testPassword})
	id := writePair(t, dir, 0, 1)
	_, auth := keyPaths(dir, id)
	// The pair's files hold keys without certificates: nothing can be signed.
	if code := ta.run(t, "head", "confirm", "--server", f.srv.URL, "--key", auth, testNumber); code != exitError || !strings.Contains(ta.errb.String(), "run 'eds fetch' first") {
		t.Errorf("key-only pair: exit %d, %s", code, ta.errb.String())
	}
	// A file not named as a pair member cannot be paired.
	op := f.operatorKeyFile(t, dir)
	if code := ta.run(t, "head", "reject", "--server", f.srv.URL, "--key", op, "--reason", "false_information", testNumber); code != exitUsage || !strings.Contains(ta.errb.String(), "not named like a key file of a pair") {
		t.Errorf("unpaired file: exit %d, %s", code, ta.errb.String())
	}
	if f.count("POST /api/v1/head/applications/"+testNumber+"/confirm")+f.count("POST /api/v1/head/applications/"+testNumber+"/reject") != 0 {
		t.Error("a decision was sent")
	}
}

func TestDeskSignInFailures(t *testing.T) {
	f := newFakeServer(t)
	dir := t.TempDir()
	ta := newTestApp(t, map[string]string{"EDS_PASSWORD": testPassword})

	// A key file without a certificate cannot sign in.
	id := writePair(t, dir, 0, 1)
	_, auth := keyPaths(dir, id)
	if code := ta.run(t, "desk", "list", "--server", f.srv.URL, "--key", auth); code != exitError || !strings.Contains(ta.errb.String(), "no certificate installed") {
		t.Errorf("key-only file: exit %d", code)
	}
	// A certificate the server does not accept.
	key := f.operatorKeyFile(t, dir)
	f.with(func() { f.operator = nil })
	if code := ta.run(t, "desk", "list", "--server", f.srv.URL, "--key", key); code != exitError ||
		!strings.Contains(ta.errb.String(), "eds desk list: sign-in refused: the signature of the challenge does not verify (HTTP 401)") {
		t.Errorf("refused sign-in: exit %d", code)
	}
	if f.count("GET /api/v1/desk/applications") != 0 {
		t.Error("the list was asked without a token")
	}
}
