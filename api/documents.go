package api

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/forms"
	"github.com/opennca/nca/ra"
)

// formKeyLabel separates the key of form tokens from every other use of the secret
// it is derived from.
const formKeyLabel = "nca form token key v1"

// formKey derives the key of form tokens from secret, or draws a random one when
// secret is empty.
func formKey(secret []byte, rnd io.Reader, log *slog.Logger) []byte {
	if len(secret) == 0 {
		if rnd == nil {
			rnd = rand.Reader
		}
		secret = make([]byte, 32)
		if _, err := io.ReadFull(rnd, secret); err != nil {
			// Without randomness no key can be made: a key nobody knows keeps the
			// forms closed rather than open.
			log.Error("form tokens: no randomness for a key; printable forms stay closed", "err", err)
			secret = nil
		} else {
			log.Warn("form tokens: no FormSecret configured; tokens are valid on this node until it restarts")
		}
	}
	if secret == nil {
		return nil
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(formKeyLabel))
	return m.Sum(nil)
}

// FormToken returns the token that opens the printable form of application number
// (its canonical form) until `until`, the application's deadline: after it the
// application can no longer be identified, and the form is printed at the desk with
// the staff's sign-in. The token is base64url of the expiry (8 bytes, big-endian Unix
// seconds) followed by HMAC-SHA-256 over the number and the expiry under the server's
// form key. Whoever submitted the application gets it in SubmitResponse.
func (s *Server) FormToken(number string, until time.Time) string {
	if s.formKey == nil {
		return ""
	}
	exp := until.Unix()
	raw := binary.BigEndian.AppendUint64(make([]byte, 0, 8+sha256.Size), uint64(exp))
	raw = append(raw, s.formMAC(number, exp)...)
	return base64.RawURLEncoding.EncodeToString(raw)
}

// formMAC is the MAC of a form token for number expiring at exp (Unix seconds).
func (s *Server) formMAC(number string, exp int64) []byte {
	m := hmac.New(sha256.New, s.formKey)
	m.Write([]byte("application-form\x00" + number + "\x00" + strconv.FormatInt(exp, 10)))
	return m.Sum(nil)
}

// checkFormToken checks, with the MAC compared in constant time, that token opens
// the form of number now: KindForbidden when it is not a token of that number (or
// the server has no form key), KindExpired when it was and its time is over.
func (s *Server) checkFormToken(number, token string) error {
	wrong := core.Errorf(core.KindForbidden, "this token does not open the form of application %s", number)
	// Strict: a token has one spelling, so its unused last bits cannot vary.
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(raw) != 8+sha256.Size || s.formKey == nil {
		return wrong
	}
	exp := int64(binary.BigEndian.Uint64(raw[:8]))
	if !hmac.Equal(raw[8:], s.formMAC(number, exp)) {
		return wrong
	}
	if until := time.Unix(exp, 0); !s.now().Before(until) {
		return core.Errorf(core.KindExpired, "the form token of application %s expired at %s with the application's deadline; a registration centre prints the form", number, until.UTC().Format(time.RFC3339))
	}
	return nil
}

// pdfLang reads the lang query parameter: kk, ru or en, or def when absent.
func pdfLang(r *http.Request, def string) (string, error) {
	lang := r.URL.Query().Get("lang")
	if lang == "" {
		lang, _ = forms.Lang(def)
		return lang, nil
	}
	if _, ok := forms.Lang(lang); !ok {
		return "", core.Errorf(core.KindInvalid, "lang must be kk, ru or en, not %q", lang)
	}
	return lang, nil
}

// writePDF answers with a PDF document. Forms and receipts carry personal data:
// nothing may cache them.
func writePDF(w http.ResponseWriter, name string, pdf []byte) error {
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", `inline; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(pdf)))
	_, err := w.Write(pdf)
	return err
}

// applicationForm serves the printable form of an application to whoever holds its
// form token. A bad number is 400, a token that does not open the number's form 403
// (whether the number exists or not), an unknown number with its valid token 404.
func (s *Server) applicationForm(w http.ResponseWriter, r *http.Request) error {
	n, err := ra.NormalizeNumber(r.PathValue("number"))
	if err != nil {
		return err
	}
	token := r.URL.Query().Get("token")
	if token == "" {
		return core.Errorf(core.KindForbidden, "the form opens with the token given at submission: add ?token=<form_token>")
	}
	if err := s.checkFormToken(n, token); err != nil {
		return err
	}
	if _, err := pdfLang(r, ""); err != nil {
		return err
	}
	// Each form is rendered afresh (milliseconds of CPU): the client's registry
	// lookups bound how often.
	if err := s.lookups.allow(s.clientHost(r)); err != nil {
		return err
	}
	v, err := s.ra.Status(r.Context(), n)
	if err != nil {
		return err
	}
	return s.renderForm(w, r, v.Application)
}

// deskApplicationForm serves the printable form of an application to staff.
func (s *Server) deskApplicationForm(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.signedIn(r)
	if err != nil {
		return err
	}
	if _, err := pdfLang(r, ""); err != nil {
		return err
	}
	v, err := s.ra.DeskShow(r.Context(), actor, r.PathValue("number"))
	if err != nil {
		return err
	}
	return s.renderForm(w, r, v.Application)
}

// renderForm writes the form of a in the requested language, by default the
// applicant's language of notifications.
func (s *Server) renderForm(w http.ResponseWriter, r *http.Request, a *core.Application) error {
	lang, err := pdfLang(r, a.Applicant.Language)
	if err != nil {
		return err
	}
	pdf, err := forms.ApplicationForm(a, lang, s.ra.Location())
	if err != nil {
		return err
	}
	return writePDF(w, "application-"+a.Number+".pdf", pdf)
}

// receiptPDF serves a desk receipt or refusal receipt to staff, in Russian unless
// lang says otherwise.
func (s *Server) receiptPDF(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.signedIn(r)
	if err != nil {
		return err
	}
	lang, err := pdfLang(r, "ru")
	if err != nil {
		return err
	}
	rc, err := s.ra.Receipt(r.Context(), actor, r.PathValue("receipt"))
	if err != nil {
		return err
	}
	fr := forms.Receipt{
		Number: rc.Number, Application: rc.Application, Template: rc.Template, Refused: rc.Refused,
		Date: rc.Date, ResultDate: rc.ResultDate, Documents: rc.DocumentIDs, Missing: rc.MissingIDs,
		Operator: rc.Operator, OperatorIIN: rc.OperatorIIN, Applicant: rc.Applicant, ApplicantPhone: rc.ApplicantPhone,
		Representative: rc.Representative, RepresentativePhone: rc.RepresentativePhone,
	}
	if rc.Refused {
		v, err := s.ra.Status(r.Context(), rc.Application)
		if err != nil {
			return err
		}
		if v.Application.State == core.StateAwaitingIdentification {
			fr.Deadline = v.Application.Deadline.In(s.ra.Location())
		}
	}
	pdf, err := forms.DeskReceipt(fr, lang)
	if err != nil {
		return err
	}
	return writePDF(w, "receipt-"+rc.Number+".pdf", pdf)
}

// operatorLine is the operator of rc in one line, "Name (IIN …)", as the receipt's
// operator field has always read.
func operatorLine(rc *ra.Receipt) string {
	if rc.OperatorIIN == "" {
		return rc.Operator
	}
	return strings.TrimSpace(rc.Operator + " (IIN " + rc.OperatorIIN + ")")
}

// registryPerson answers the state registry's name of an IIN (see docs/api.md on
// why this is served without sign-in).
func (s *Server) registryPerson(w http.ResponseWriter, r *http.Request) error {
	if err := s.lookups.allow(s.clientHost(r)); err != nil {
		return err
	}
	p, age, err := s.ra.LookupPerson(r.Context(), r.PathValue("iin"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.PersonLookup{
		IIN: p.IIN, Surname: p.Surname, Name: p.Name, Patronymic: p.Patronymic,
		BirthDate: p.BirthDate.Format(time.DateOnly), Age: age, Deceased: p.Deceased,
	})
}

// registryOrganization answers the state registry's name of a BIN.
func (s *Server) registryOrganization(w http.ResponseWriter, r *http.Request) error {
	if err := s.lookups.allow(s.clientHost(r)); err != nil {
		return err
	}
	o, err := s.ra.LookupOrganization(r.Context(), r.PathValue("bin"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.OrganizationLookup{BIN: o.BIN, Name: o.Name})
}
