package api

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/auth"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/profile"
	"github.com/opennca/nca/ra"
	"github.com/opennca/nca/store"
)

func (s *Server) submit(w http.ResponseWriter, r *http.Request) error {
	var req wire.SubmitRequest
	if err := decode(r, &req, false); err != nil {
		return err
	}
	in := ra.SubmitInput{
		Template:  req.Template,
		Applicant: req.Applicant,
		Consents: ra.Consents{
			Policy: req.Consents.Policy, Agreement: req.Consents.Agreement,
			PersonalData: req.Consents.PersonalData, Notifications: req.Consents.Notifications,
		},
	}
	for _, k := range req.Requests {
		in.Requests = append(in.Requests, core.KeyRequest{Type: k.Type, CSR: k.CSR})
	}
	// A submission the registry refuses tells which typed fields differ, so it is a
	// lookup too: it is counted against the client's lookups, and a client out of
	// lookups cannot submit until its bucket refills.
	host := s.clientHost(r)
	if err := s.lookups.check(host); err != nil {
		return err
	}
	a, err := s.ra.Submit(r.Context(), s.anonymous(r), in)
	if errors.Is(err, ra.ErrRegistryMismatch) {
		_ = s.lookups.allow(host)
	}
	if err != nil {
		return err
	}
	t, _ := profile.Lookup(a.Template)
	resp := wire.SubmitResponse{
		Number:    a.Number,
		State:     a.State,
		Deadline:  a.Deadline,
		Documents: documents(t.RequiredDocuments(a.Applicant.Role), a.Applicant.Language),
		FormToken: s.FormToken(a.Number, a.Deadline),
	}
	resp.NextSteps = nextSteps(a.State == core.StateAwaitingHead, a.Deadline.Format("2006-01-02"), a.Applicant.Language)
	w.Header().Set("Location", wire.PathApplication+a.Number)
	return writeJSON(w, http.StatusCreated, resp)
}

// nextSteps tells the applicant, in the application's language (kk, ru, else
// English), what to do after submitting: wait for the head's confirmation (employees)
// and come to a registration centre before the deadline.
func nextSteps(awaitingHead bool, deadline, lang string) string {
	type words struct{ head, visit string }
	w := map[string]words{
		"en": {
			"The first head of your organisation must confirm this application by signing it in the head's cabinet. Then come to a registration centre with the documents listed before %s.",
			"Come to a registration centre with the documents listed before %s (30 calendar days); after that the application expires.",
		},
		"ru": {
			"Первый руководитель вашей организации должен подтвердить это заявление, подписав его в кабинете руководителя. Затем придите в центр регистрации с перечисленными документами до %s.",
			"Придите в центр регистрации с перечисленными документами до %s (30 календарных дней); после этого заявление утратит силу.",
		},
		"kk": {
			"Ұйымыңыздың бірінші басшысы бұл өтінішті басшы кабинетінде қол қойып растауы тиіс. Содан кейін тізімдегі құжаттармен %s дейін тіркеу орталығына келіңіз.",
			"Тізімдегі құжаттармен %s дейін тіркеу орталығына келіңіз (30 күнтізбелік күн); одан кейін өтініштің күші жойылады.",
		},
	}
	t, ok := w[lang]
	if !ok {
		t = w["en"]
	}
	if awaitingHead {
		return fmt.Sprintf(t.head, deadline)
	}
	return fmt.Sprintf(t.visit, deadline)
}

func documents(ds []profile.Document, lang string) []wire.Document {
	out := make([]wire.Document, len(ds))
	for i, d := range ds {
		title := d.Title[lang]
		if title == "" {
			title = d.Title["en"]
		}
		out[i] = wire.Document{ID: d.ID, Title: title, Required: d.Required}
	}
	return out
}

// statusOf is the public status of an application. Its history names who acted by
// role only: the status page is public to whoever holds the number, and the IINs of
// operators and heads are nobody else's business.
func statusOf(v *ra.StatusView) wire.Status {
	a := v.Application
	st := wire.Status{
		Number: a.Number, Template: a.Template, State: a.State, CreatedAt: a.CreatedAt, Deadline: a.Deadline,
		RefusalReason: a.RefusalReason, RefusalDetail: a.RefusalDetail, MissingDocuments: a.MissingDocuments,
		History: make([]wire.HistoryEvent, 0, len(v.History)),
	}
	for _, e := range v.History {
		e.Actor = publicActor(e.Actor)
		if e.Action == string(ra.ActRenew) {
			e.Actor = "owner" // a renewal is asked for by the owner's signature
		}
		st.History = append(st.History, historyEvent(e))
	}
	for _, c := range v.Certificates {
		st.Certificates = append(st.Certificates, c.Serial)
	}
	return st
}

// publicActor maps an audit actor ("staff:<IIN>", "subscriber:<IIN>", "anonymous",
// "system") to the role shown on the public status page.
func publicActor(actor string) string {
	kind, _, _ := strings.Cut(actor, ":")
	switch kind {
	case "staff":
		return "registration centre"
	case "subscriber":
		return "organisation head"
	case "anonymous":
		return "applicant"
	}
	return "system"
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) error {
	v, err := s.ra.Status(r.Context(), r.PathValue("number"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, statusOf(v))
}

func issued(cs []ra.IssuedCertificate) []wire.IssuedCertificate {
	out := make([]wire.IssuedCertificate, 0, len(cs))
	for _, c := range cs {
		ic := wire.IssuedCertificate{
			Serial: c.Serial, Issuer: c.Issuer, Type: c.Type, Subject: c.Subject,
			NotBefore: c.NotBefore, NotAfter: c.NotAfter, Status: c.Status,
			RevokedAt: c.RevokedAt, Reason: c.Reason, DER: c.DER,
		}
		for _, p := range c.Chain {
			ic.Chain = append(ic.Chain, p.Raw)
		}
		out = append(out, ic)
	}
	return out
}

func (s *Server) certificates(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.ra.Certificates(r.Context(), r.PathValue("number"))
	if err != nil {
		return err
	}
	n, _ := ra.NormalizeNumber(r.PathValue("number"))
	return writeJSON(w, http.StatusOK, wire.CertificatesResponse{Number: n, Certificates: issued(cs)})
}

func (s *Server) templates(w http.ResponseWriter, r *http.Request) error {
	lang := r.URL.Query().Get("lang")
	if lang == "" {
		lang = "en"
	}
	var out wire.TemplatesResponse
	for _, t := range profile.Templates() {
		wt := wire.Template{ID: t.ID, Title: t.Title[lang], Roles: t.Roles, Keys: t.Keys, Documents: documents(t.Documents, lang)}
		if wt.Title == "" {
			wt.Title = t.Title["en"]
		}
		for _, f := range t.Fields {
			wt.Fields = append(wt.Fields, wire.Field{Name: f.Name, Required: f.Required})
		}
		out.Templates = append(out.Templates, wt)
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) challenge(w http.ResponseWriter, r *http.Request) error {
	if err := decode(r, &struct{}{}, true); err != nil {
		return err
	}
	c, err := s.auth.Challenge(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.ChallengeResponse{ID: c.ID, Challenge: auth.ChallengeBytes(c), ExpiresAt: c.ExpiresAt})
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) error {
	var req wire.TokenRequest
	if err := decode(r, &req, false); err != nil {
		return err
	}
	tok, p, err := s.auth.SignIn(r.Context(), req.ChallengeID, req.Certificate, req.Signature, s.clientHost(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.TokenResponse{
		Token: tok, ExpiresAt: p.Expires,
		Principal: wire.Principal{IIN: p.IIN, BIN: p.BIN, Name: p.Name, Roles: p.Roles, Serial: p.Serial, Issuer: p.Issuer},
	})
}

func (s *Server) deskList(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.signedIn(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.ApplicationFilter{IIN: q.Get("iin"), Number: q.Get("number"), BIN: q.Get("bin")}
	if st := q.Get("state"); st != "" {
		for _, x := range strings.Split(st, ",") {
			f.States = append(f.States, core.State(x))
		}
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			return core.Errorf(core.KindInvalid, "limit must be a number from 1 to 1000")
		}
		f.Limit = n
	}
	apps, err := s.ra.DeskList(r.Context(), actor, f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, deskList(apps))
}

func deskList(apps []*core.Application) wire.DeskList {
	out := wire.DeskList{Applications: make([]core.Application, 0, len(apps))}
	for _, a := range apps {
		out.Applications = append(out.Applications, *a)
	}
	return out
}

func (s *Server) deskShow(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.signedIn(r)
	if err != nil {
		return err
	}
	v, err := s.ra.DeskShow(r.Context(), actor, r.PathValue("number"))
	if err != nil {
		return err
	}
	out := wire.DeskApplication{
		Application: *v.Application,
		Checklist:   documents(v.Checklist, "en"),
		History:     history(v.History),
		Age:         v.Age,
	}
	out.Registry.Mismatches = v.Facts.Mismatches
	out.Registry.MismatchFields = v.Facts.MismatchFields
	if p := v.Facts.Person; p != nil {
		out.Registry.Person = &wire.RegistryPerson{IIN: p.IIN, Surname: p.Surname, Name: p.Name, Patronymic: p.Patronymic, BirthDate: p.BirthDate.Format(time.DateOnly), Deceased: p.Deceased}
	}
	if o := v.Facts.Organization; o != nil {
		out.Registry.Organization = &wire.RegistryOrganization{BIN: o.BIN, Name: o.Name, HeadIIN: o.HeadIIN, Role: o.Role}
	}
	return writeJSON(w, http.StatusOK, out)
}

func receipt(rc *ra.Receipt) wire.Receipt {
	return wire.Receipt{
		ReceiptNumber: rc.Number, ApplicationNumber: rc.Application, Date: rc.Date, Service: rc.Service,
		Documents: rc.Documents, Missing: rc.Missing, Refused: rc.Refused, ResultDate: rc.ResultDate,
		ResultPlace: rc.ResultPlace, Operator: operatorLine(rc), Applicant: rc.Applicant, ApplicantPhone: rc.ApplicantPhone,
		Representative: rc.Representative, RepresentativePhone: rc.RepresentativePhone,
		DocumentIDs: rc.DocumentIDs, MissingIDs: rc.MissingIDs, OperatorName: rc.Operator, OperatorIIN: rc.OperatorIIN,
		PDF: wire.PathReceipts + rc.Number + "/pdf",
	}
}

func (s *Server) deskDocuments(w http.ResponseWriter, r *http.Request, accept bool) error {
	actor, err := s.signedIn(r)
	if err != nil {
		return err
	}
	var req wire.AcceptRequest
	if err := decode(r, &req, false); err != nil {
		return err
	}
	p := ra.Presentation{Presented: req.Presented, Representative: req.Representative, RepresentativePhone: req.RepresentativePhone}
	var rc *ra.Receipt
	if accept {
		rc, err = s.ra.Accept(r.Context(), actor, r.PathValue("number"), p)
	} else {
		rc, err = s.ra.RefuseDocuments(r.Context(), actor, r.PathValue("number"), p)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, receipt(rc))
}

func (s *Server) deskAccept(w http.ResponseWriter, r *http.Request) error {
	return s.deskDocuments(w, r, true)
}

func (s *Server) deskRefuseDocuments(w http.ResponseWriter, r *http.Request) error {
	return s.deskDocuments(w, r, false)
}

func (s *Server) statusAfter(w http.ResponseWriter, r *http.Request, number string) error {
	v, err := s.ra.Status(r.Context(), number)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, statusOf(v))
}

func (s *Server) deskApprove(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.signedIn(r)
	if err != nil {
		return err
	}
	if err := decode(r, &struct{}{}, true); err != nil {
		return err
	}
	a, certs, err := s.ra.Approve(r.Context(), actor, r.PathValue("number"))
	if err != nil {
		return err
	}
	v, err := s.ra.Status(r.Context(), a.Number)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.ApproveResponse{Status: statusOf(v), Certificates: issued(certs)})
}

func (s *Server) deskRefuse(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.signedIn(r)
	if err != nil {
		return err
	}
	var req wire.DecisionRequest
	if err := decode(r, &req, false); err != nil {
		return err
	}
	a, err := s.ra.Refuse(r.Context(), actor, r.PathValue("number"), req.Reason, req.Detail)
	if err != nil {
		return err
	}
	return s.statusAfter(w, r, a.Number)
}

func (s *Server) deskRevoke(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.signedIn(r)
	if err != nil {
		return err
	}
	var req wire.RevokeRequest
	if err := decode(r, &req, false); err != nil {
		return err
	}
	c, err := s.ra.Revoke(r.Context(), actor, r.PathValue("serial"), req.Reason, req.Detail)
	if err != nil {
		return err
	}
	ics := issued([]ra.IssuedCertificate{{Certificate: c}})
	return writeJSON(w, http.StatusOK, wire.RevokeResponse{Certificate: ics[0]})
}

func (s *Server) headList(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.signedIn(r)
	if err != nil {
		return err
	}
	apps, err := s.ra.HeadList(r.Context(), actor)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, deskList(apps))
}

// headDecide confirms or rejects by a request the head signed (docs/owner.md): the
// payload carries the digest of the application's content, and the reason of a
// rejection.
func (s *Server) headDecide(w http.ResponseWriter, r *http.Request, confirm bool) error {
	actor, err := s.signedIn(r)
	if err != nil {
		return err
	}
	var req wire.SignedRequest
	if err := decode(r, &req, false); err != nil {
		return err
	}
	a, err := s.ra.HeadDecideSigned(r.Context(), actor, r.PathValue("number"), confirm, signed(req))
	if err != nil {
		return err
	}
	return s.statusAfter(w, r, a.Number)
}

func (s *Server) headConfirm(w http.ResponseWriter, r *http.Request) error {
	return s.headDecide(w, r, true)
}

func (s *Server) headReject(w http.ResponseWriter, r *http.Request) error {
	return s.headDecide(w, r, false)
}

func (s *Server) caCert(w http.ResponseWriter, r *http.Request) error {
	name, ok := strings.CutSuffix(r.PathValue("file"), ".cer")
	if !ok {
		return core.Errorf(core.KindNotFound, "CA certificates are published as /ca/<name>.cer")
	}
	iss, err := s.signer.Issuer(name)
	if err != nil {
		return core.Errorf(core.KindNotFound, "no CA named %q", name)
	}
	return writeDER(w, r, "application/pkix-cert", iss.Cert.Raw, iss.Cert.NotBefore, 24*time.Hour)
}

func (s *Server) crl(w http.ResponseWriter, r *http.Request) error {
	name, ok := strings.CutSuffix(r.PathValue("file"), ".crl")
	if !ok {
		return core.Errorf(core.KindNotFound, "CRLs are published as /crl/<name>.crl and /crl/<name>-delta.crl")
	}
	delta := false
	if _, err := s.signer.Issuer(name); err != nil {
		base, isDelta := strings.CutSuffix(name, "-delta")
		if _, err := s.signer.Issuer(base); !isDelta || err != nil {
			return core.Errorf(core.KindNotFound, "no CA named %q", name)
		}
		name, delta = base, true
	}
	var (
		c   *ra.CRL
		err error
	)
	if delta {
		c, err = s.ra.CRLs().CurrentDelta(r.Context(), name)
	} else {
		c, err = s.ra.CRLs().Current(r.Context(), name)
	}
	if err != nil {
		return err
	}
	// Caches may keep a CRL until its successor is due (the next scheduled full or
	// delta CRL), and never past nextUpdate. A revocation publishes a delta at once:
	// the delta's short max-age bounds how long a cache hides it.
	full, deltaEvery := s.ra.CRLs().Intervals()
	period := full
	if delta {
		period = deltaEvery
	}
	maxAge := max(min(time.Until(c.ThisUpdate.Add(period)), time.Until(c.NextUpdate)), 0)
	h := w.Header()
	h.Set("Content-Type", "application/pkix-crl")
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(maxAge.Seconds()))+", no-transform")
	h.Set("Expires", c.NextUpdate.UTC().Format(http.TimeFormat))
	h.Set("ETag", c.ETag())
	// Last-Modified is informative only: two CRLs published in one second (a
	// scheduled delta and a revocation's) share it, so If-Modified-Since could keep
	// the older one. Conditional requests are answered by the ETag (it names the CRL
	// number): ServeContent gets no modification time.
	h.Set("Last-Modified", c.ThisUpdate.UTC().Format(http.TimeFormat))
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(c.DER))
	return nil
}

func writeDER(w http.ResponseWriter, r *http.Request, ctype string, der []byte, modified time.Time, maxAge time.Duration) error {
	w.Header().Set("Content-Type", ctype)
	if maxAge < 0 {
		maxAge = 0
	}
	w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(int(maxAge.Seconds())))
	w.Header().Set("Last-Modified", modified.UTC().Format(http.TimeFormat))
	w.Header().Set("Content-Length", strconv.Itoa(len(der)))
	_, err := w.Write(der)
	return err
}
