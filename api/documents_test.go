package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"github.com/opennca/nca/internal/pdftext"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/kzid"
	"github.com/opennca/nca/registry"
	"github.com/opennca/nca/store"
)

// get fetches path and returns the status, the Content-Type and the body; problem
// answers are checked as in do.
func (s *testServer) get(path, token string) (int, string, []byte) {
	s.t.Helper()
	req, err := http.NewRequest("GET", s.url+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	ct := resp.Header.Get("Content-Type")
	if resp.StatusCode >= 400 {
		var p wire.Problem
		if ct != "application/problem+json" || json.Unmarshal(b, &p) != nil || p.Detail == "" {
			s.t.Fatalf("GET %s: %d %q: not a problem document: %s", path, resp.StatusCode, ct, b)
		}
	}
	if resp.StatusCode == http.StatusOK && ct == "application/pdf" && resp.Header.Get("Cache-Control") != "no-store" {
		s.t.Errorf("GET %s: a PDF with personal data may be cached: Cache-Control %q", path, resp.Header.Get("Cache-Control"))
	}
	return resp.StatusCode, ct, b
}

func wantStatus(t *testing.T, what string, code, want int, body []byte) {
	t.Helper()
	if code != want {
		t.Fatalf("%s: status %d, want %d: %s", what, code, want, body)
	}
}

// unknownIIN returns a valid IIN the demo registry does not hold.
func unknownIIN(t *testing.T) string {
	for i := 0; i < 10; i++ {
		if iin, ok := kzid.Complete("9901013000" + string(rune('0'+i))); ok {
			return iin
		}
	}
	t.Fatal("no IIN")
	return ""
}

func TestRegistryLookups(t *testing.T) {
	s := newTestServer(t)
	ctx := context.Background()
	var person *registry.Person
	var org *registry.Organization
	for _, c := range registry.DemoCases(s.reg) {
		if person == nil {
			person, _ = s.reg.Person(ctx, c.IIN)
		}
		if org == nil && c.BIN != "" {
			org, _ = s.reg.Organization(ctx, c.BIN)
		}
	}
	if person == nil || org == nil {
		t.Fatal("the demo registry has no person or no organisation")
	}

	code, ct, body := s.get("/api/v1/registry/persons/"+person.IIN, "")
	wantStatus(t, "person", code, 200, body)
	var p wire.PersonLookup
	if err := json.Unmarshal(body, &p); err != nil || ct != "application/json" {
		t.Fatalf("person: %v %q %s", err, ct, body)
	}
	id, _ := kzid.ParseIIN(person.IIN)
	want := wire.PersonLookup{IIN: person.IIN, Surname: person.Surname, Name: person.Name, Patronymic: person.Patronymic,
		BirthDate: person.BirthDate.Format(time.DateOnly), Age: id.AgeOn(time.Now().In(s.ra.Location())), Deceased: person.Deceased}
	if p != want {
		t.Errorf("person %+v, want %+v", p, want)
	}
	for _, private := range []string{"phone", "email", person.Phone} {
		if private != "" && strings.Contains(string(body), private) {
			t.Errorf("the name lookup discloses %q: %s", private, body)
		}
	}

	bad := person.IIN[:11] + string(rune('0'+(person.IIN[11]-'0'+1)%10))
	code, _, body = s.get("/api/v1/registry/persons/"+bad, "")
	wantStatus(t, "IIN with a wrong check digit", code, 400, body)
	if !strings.Contains(string(body), "invalid IIN") {
		t.Errorf("the 400 does not say what is wrong: %s", body)
	}
	code, _, body = s.get("/api/v1/registry/persons/12345", "")
	wantStatus(t, "short IIN", code, 400, body)
	code, _, body = s.get("/api/v1/registry/persons/"+unknownIIN(t), "")
	wantStatus(t, "unknown IIN", code, 404, body)

	code, _, body = s.get("/api/v1/registry/organizations/"+org.BIN, "")
	wantStatus(t, "organisation", code, 200, body)
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw) != 2 || raw["bin"] != org.BIN || raw["name"] != org.Name {
		t.Errorf("organisation answer %s, want only bin %s and name %q (no head IIN)", body, org.BIN, org.Name)
	}
	code, _, body = s.get("/api/v1/registry/organizations/"+person.IIN, "")
	wantStatus(t, "an IIN as BIN", code, 400, body)
	unknownBIN, _ := kzid.Complete("99014000001")
	if _, err := kzid.ParseBIN(unknownBIN); err != nil {
		t.Fatalf("test BIN %s: %v", unknownBIN, err)
	}
	code, _, body = s.get("/api/v1/registry/organizations/"+unknownBIN, "")
	wantStatus(t, "unknown BIN", code, 404, body)
}

// base64URL is the alphabet of base64url, in the order of the values it encodes.
const base64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func TestApplicationFormPDF(t *testing.T) {
	s := newTestServer(t)
	sub := s.submitIndividual()
	if sub.FormToken == "" || sub.FormToken != s.api.FormToken(sub.Number, sub.Deadline) {
		t.Fatalf("submit gave form token %q", sub.FormToken)
	}
	a, err := s.ra.Status(context.Background(), sub.Number)
	if err != nil {
		t.Fatal(err)
	}
	ap := a.Application.Applicant
	path := "/api/v1/applications/" + sub.Number + "/form.pdf?token=" + url.QueryEscape(sub.FormToken)

	code, ct, body := s.get(path, "")
	wantStatus(t, "form", code, 200, body)
	if ct != "application/pdf" {
		t.Fatalf("form Content-Type %q", ct)
	}
	text := pdftext.Text(t, "", "doc.pdf", body)
	for _, w := range []string{sub.Number, ap.IIN, ap.Surname, ap.Name, "Заявление на выдачу регистрационных свидетельств", "Физическое лицо", "ИИН:"} {
		if !strings.Contains(text, w) {
			t.Errorf("form lacks %q: %s", w, text)
		}
	}
	code, _, body = s.get(path+"&lang=kk", "")
	wantStatus(t, "form in Kazakh", code, 200, body)
	if text := pdftext.Text(t, "", "doc.pdf", body); !strings.Contains(text, "ЖСН: "+ap.IIN) || !strings.Contains(text, "Жеке тұлға") {
		t.Errorf("Kazakh form: %s", text)
	}
	// Lower case and without dashes the number opens the same form.
	code, _, body = s.get("/api/v1/applications/"+strings.ToLower(strings.ReplaceAll(sub.Number, "-", ""))+"/form.pdf?token="+sub.FormToken, "")
	wantStatus(t, "number as typed", code, 200, body)

	other := s.submitIndividual()
	tampered, err := base64.RawURLEncoding.DecodeString(sub.FormToken)
	if err != nil {
		t.Fatal(err)
	}
	tampered[len(tampered)-5] ^= 0x01 // a bit of the MAC
	// The same token with its unused last bits set is another spelling of it,
	// and is refused as well.
	last := strings.IndexByte(base64URL, sub.FormToken[len(sub.FormToken)-1])
	respelled := sub.FormToken[:len(sub.FormToken)-1] + string(base64URL[last|0x0f])
	for what, p := range map[string]string{
		"bit of the MAC changed":     "/api/v1/applications/" + sub.Number + "/form.pdf?token=" + base64.RawURLEncoding.EncodeToString(tampered),
		"unused bits set":            "/api/v1/applications/" + sub.Number + "/form.pdf?token=" + respelled,
		"no token":                   "/api/v1/applications/" + sub.Number + "/form.pdf",
		"token of another number":    "/api/v1/applications/" + sub.Number + "/form.pdf?token=" + other.FormToken,
		"unknown number, some token": "/api/v1/applications/00000-00000-00000-00000/form.pdf?token=" + sub.FormToken,
	} {
		code, _, body := s.get(p, "")
		wantStatus(t, what, code, 403, body)
	}
	code, _, body = s.get("/api/v1/applications/not-a-number!/form.pdf?token="+sub.FormToken, "")
	wantStatus(t, "bad number", code, 400, body)
	code, _, body = s.get(path+"&lang=de", "")
	wantStatus(t, "bad language", code, 400, body)

	// The token opens the form until the application's deadline; moving the expiry
	// inside a token breaks its MAC.
	later := s.api.FormToken(sub.Number, sub.Deadline.Add(365*24*time.Hour))
	raw, err := base64.RawURLEncoding.DecodeString(sub.FormToken)
	if err != nil {
		t.Fatal(err)
	}
	laterRaw, _ := base64.RawURLEncoding.DecodeString(later)
	copy(raw[:8], laterRaw[:8])
	forged := base64.RawURLEncoding.EncodeToString(raw)
	s.clock.set(sub.Deadline.Add(time.Second))
	code, _, body = s.get(path, "")
	wantStatus(t, "form after the deadline", code, 410, body)
	if !strings.Contains(string(body), "expired") {
		t.Errorf("expired token answer: %s", body)
	}
	code, _, body = s.get("/api/v1/applications/"+sub.Number+"/form.pdf?token="+forged, "")
	wantStatus(t, "token with a moved expiry", code, 403, body)
	s.clock.set(sub.Deadline.Add(-time.Second))
	code, _, body = s.get(path, "")
	wantStatus(t, "form a second before the deadline", code, 200, body)
	s.clock.set(time.Time{})
	code, _, body = s.get("/api/v1/applications/00000-00000-00000-00000/form.pdf?token="+s.api.FormToken("00000-00000-00000-00000", time.Now().Add(time.Hour)), "")
	wantStatus(t, "unknown number with its token", code, 404, body)

	// Staff open any form with their sign-in token.
	desk := "/api/v1/desk/applications/" + sub.Number + "/form.pdf"
	code, _, body = s.get(desk, "")
	wantStatus(t, "desk form without sign-in", code, 401, body)
	tok := s.opToken()
	code, _, body = s.get(desk+"?lang=en", tok)
	wantStatus(t, "desk form", code, 200, body)
	if text := pdftext.Text(t, "", "doc.pdf", body); !strings.Contains(text, "IIN: "+ap.IIN) || !strings.Contains(text, sub.Number) {
		t.Errorf("desk form: %s", text)
	}
	code, _, body = s.get("/api/v1/desk/applications/00000-00000-00000-00000/form.pdf", tok)
	wantStatus(t, "desk form of an unknown number", code, 404, body)
	code, _, body = s.get(desk+"?lang=xx", tok)
	wantStatus(t, "desk form in a bad language", code, 400, body)
}

func TestReceiptsStoredAndPrinted(t *testing.T) {
	s := newTestServer(t)
	ctx := context.Background()
	sub := s.submitIndividual()
	tok := s.opToken()
	receipts := func() []*store.Receipt {
		t.Helper()
		var out []*store.Receipt
		if err := s.st.Read(ctx, func(tx store.Tx) error {
			var err error
			out, err = tx.ReceiptsByApplication(ctx, sub.Number)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	acceptPath := "/api/v1/desk/applications/" + sub.Number + "/accept"
	refusePath := "/api/v1/desk/applications/" + sub.Number + "/refuse-documents"

	// Bad input stores nothing: an incomplete accept, an unknown document, a
	// complete set refused.
	if code, p := s.postJSON(acceptPath, tok, wire.AcceptRequest{}, nil); code != 422 {
		t.Fatalf("incomplete accept: %d %+v", code, p)
	}
	if code, p := s.postJSON(refusePath, tok, wire.AcceptRequest{Presented: []string{"no_such_document"}}, nil); code != 400 {
		t.Fatalf("unknown document: %d %+v", code, p)
	}
	if code, p := s.postJSON(refusePath, "", wire.AcceptRequest{}, nil); code != 401 {
		t.Fatalf("refuse without sign-in: %d %+v", code, p)
	}
	if n := len(receipts()); n != 0 {
		t.Fatalf("%d receipts stored after refused requests", n)
	}

	var refusal wire.Receipt
	if code, p := s.postJSON(refusePath, tok, wire.AcceptRequest{Representative: "Нұрланұлы Һадис", RepresentativePhone: "+77020000001"}, &refusal); code != 200 || !refusal.Refused {
		t.Fatalf("refuse documents: %d %+v %+v", code, p, refusal)
	}
	if refusal.PDF != "/api/v1/desk/receipts/"+refusal.ReceiptNumber+"/pdf" {
		t.Fatalf("receipt pdf path %q", refusal.PDF)
	}
	code, _, body := s.get(refusal.PDF, tok)
	wantStatus(t, "refusal receipt", code, 200, body)
	text := pdftext.Text(t, "", "doc.pdf", body)
	for _, w := range append([]string{"Расписка об отказе в приеме документов", refusal.ReceiptNumber, sub.Number, "Нұрланұлы Һадис", "Наименование отсутствующих документов:"}, refusal.Missing...) {
		if w == refusal.Missing[0] {
			continue // English titles; the Russian receipt prints Russian ones
		}
		if !strings.Contains(text, w) {
			t.Errorf("refusal receipt lacks %q: %s", w, text)
		}
	}
	code, _, body = s.get(refusal.PDF+"?lang=en", tok)
	wantStatus(t, "refusal receipt in English", code, 200, body)
	text = pdftext.Text(t, "", "doc.pdf", body)
	for i, m := range refusal.Missing {
		if !strings.Contains(text, string(rune('1'+i))+") "+m+";") {
			t.Errorf("English refusal receipt does not list %q: %s", m, text)
		}
	}

	var show wire.DeskApplication
	if code, p := s.do("GET", "/api/v1/desk/applications/"+sub.Number, tok, "", nil, &show); code != 200 {
		t.Fatalf("desk show: %d %+v", code, p)
	}
	var docs []string
	for _, d := range show.Checklist {
		if d.Required {
			docs = append(docs, d.ID)
		}
	}
	var rc wire.Receipt
	if code, p := s.postJSON(acceptPath, tok, wire.AcceptRequest{Presented: docs}, &rc); code != 200 || rc.Refused || rc.PDF == "" {
		t.Fatalf("accept: %d %+v %+v", code, p, rc)
	}
	code, _, body = s.get(rc.PDF+"?lang=kk", tok)
	wantStatus(t, "desk receipt", code, 200, body)
	text = pdftext.Text(t, "", "doc.pdf", body)
	if rc.OperatorIIN == "" || rc.OperatorName == "" || len(rc.DocumentIDs) != len(docs) {
		t.Errorf("receipt without the operator's parts or document ids: %+v", rc)
	}
	// The operator's IIN under the Kazakh label, not the English one.
	for _, w := range []string{"Құжаттарды қабылдау туралы қолхат", rc.ReceiptNumber, sub.Number, rc.Applicant, rc.OperatorName + " (ЖСН " + rc.OperatorIIN + ")"} {
		if !strings.Contains(text, w) {
			t.Errorf("desk receipt lacks %q: %s", w, text)
		}
	}
	got := receipts()
	if len(got) != 2 || got[0].Number != refusal.ReceiptNumber || !got[0].Refused || got[1].Number != rc.ReceiptNumber || got[1].Refused {
		t.Fatalf("stored receipts %+v", got)
	}
	if len(got[0].Missing) == 0 || len(got[1].Documents) != len(docs) {
		t.Errorf("stored receipts lack their documents: %+v %+v", got[0], got[1])
	}

	code, _, body = s.get(rc.PDF, "")
	wantStatus(t, "receipt without sign-in", code, 401, body)
	code, _, body = s.get(rc.PDF+"?lang=fr", tok)
	wantStatus(t, "receipt in a bad language", code, 400, body)
	code, _, body = s.get("/api/v1/desk/receipts/R-1/pdf", tok)
	wantStatus(t, "bad receipt number", code, 400, body)
	code, _, body = s.get("/api/v1/desk/receipts/R-20200101-0000000000/pdf", tok)
	wantStatus(t, "unknown receipt", code, 404, body)
	// Lower case opens the same receipt.
	code, _, body = s.get("/api/v1/desk/receipts/"+strings.ToLower(rc.ReceiptNumber)+"/pdf", tok)
	wantStatus(t, "receipt number in lower case", code, 200, body)
	_ = core.StateAccepted
}
