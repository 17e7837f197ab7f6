package ra

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/kzid"
	"github.com/opennca/nca/pki"
	"github.com/opennca/nca/profile"
	"github.com/opennca/nca/registry"
	"github.com/opennca/nca/store"
)

// Consents are the acknowledgements every application must carry (SPEC §2).
type Consents struct {
	Policy, Agreement, PersonalData, Notifications bool
}

// SubmitInput is an online application as the applicant sends it.
type SubmitInput struct {
	Template  string
	Applicant core.Applicant
	Requests  []core.KeyRequest
	Consents  Consents
}

// numberAlphabet is Crockford's base32: no I, L, O, U, so numbers read aloud well.
const numberAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// newNumber returns a fresh application number: 20 base32 symbols (100 random bits)
// in four groups of five, e.g. "7K2QM-9XH4B-…". It is the key to the public status
// page, so it must not be guessable.
func newNumber(r io.Reader) (string, error) {
	var b [20]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("ra: application number: %w", err)
	}
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%5 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(numberAlphabet[c&31])
	}
	return sb.String(), nil
}

// NormalizeNumber returns the canonical form of an application number typed by a
// person (case, dashes and spaces ignored; I/L read as 1 and O as 0), or a KindInvalid
// error when it cannot be one.
func NormalizeNumber(s string) (string, error) {
	var sym []byte
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ':
			continue
		case r == 'I' || r == 'L':
			r = '1'
		case r == 'O':
			r = '0'
		}
		if r > 127 || !strings.ContainsRune(numberAlphabet, r) {
			return "", core.Errorf(core.KindInvalid, "%q is not an application number: it has 20 letters and digits, e.g. 7K2QM-9XH4B-R3T8V-0PZ1C", s)
		}
		sym = append(sym, byte(r))
	}
	if len(sym) != 20 {
		return "", core.Errorf(core.KindInvalid, "%q is not an application number: it has 20 letters and digits, e.g. 7K2QM-9XH4B-R3T8V-0PZ1C", s)
	}
	return string(sym[0:5]) + "-" + string(sym[5:10]) + "-" + string(sym[10:15]) + "-" + string(sym[15:20]), nil
}

// KeyHash returns the hex SHA-256 of a SubjectPublicKeyInfo DER: the identity of a key.
func KeyHash(spki []byte) string {
	h := sha256.Sum256(spki)
	return hex.EncodeToString(h[:])
}

// Submit checks and stores an online application and returns it with its number.
// Nothing is stored when any check fails; the error is a *core.Error saying why.
func (s *Service) Submit(ctx context.Context, actor Actor, in SubmitInput) (*core.Application, error) {
	t, ok := profile.Lookup(in.Template)
	if !ok {
		ids := make([]string, 0, 9)
		for _, t := range profile.Templates() {
			ids = append(ids, t.ID)
		}
		return nil, core.Errorf(core.KindInvalid, "unknown template %q; the templates are: %s", in.Template, strings.Join(ids, ", "))
	}
	if missing := in.Consents.missing(); len(missing) > 0 {
		return nil, core.Errorf(core.KindInvalid, "the application must confirm: %s", strings.Join(missing, ", "))
	}
	app := in.Applicant
	normalizeApplicant(&app)
	if err := profile.ValidateApplicant(t, app); err != nil {
		return nil, err
	}
	reqs, err := s.checkRequests(ctx, t, app, in.Requests)
	if err != nil {
		return nil, err
	}
	if _, err := s.checkRegistry(ctx, t, app); err != nil {
		return nil, err
	}

	now := s.now().UTC()
	state := core.StateAwaitingIdentification
	if t.NeedsHeadConfirmation(app.Role) {
		state = core.StateAwaitingHead
	}
	if !Allowed(ActSubmit, "", state) {
		return nil, core.Errorf(core.KindInternal, "submit to %s is not in the transition table", state)
	}
	a := &core.Application{
		Template:  t.ID,
		State:     state,
		Applicant: app,
		Requests:  reqs,
		CreatedAt: now,
		UpdatedAt: now,
		Deadline:  now.AddDate(0, 0, ExpiryDays),
	}
	err = s.store.Tx(ctx, func(tx store.Tx) error {
		if err := s.insertApplication(ctx, tx, a); err != nil {
			return err
		}
		return s.event(ctx, tx, actor, a, "", ActSubmit, "template "+t.ID, core.EventFacts{})
	})
	if err != nil {
		return nil, fmt.Errorf("ra: submit: %w", err)
	}
	s.log.InfoContext(ctx, "application submitted", "number", a.Number, "template", t.ID, "state", a.State, "actor", actor.String(), "address", actor.Address)
	return a, nil
}

func (c Consents) missing() []string {
	var m []string
	if !c.Policy {
		m = append(m, "policy (read the certificate policy)")
	}
	if !c.Agreement {
		m = append(m, "agreement (read the user agreement)")
	}
	if !c.PersonalData {
		m = append(m, "personal_data (consent to processing personal data)")
	}
	if !c.Notifications {
		m = append(m, "notifications (consent to e-mail notifications)")
	}
	return m
}

func normalizeApplicant(a *core.Applicant) {
	trim := func(p *string) { *p = strings.Join(strings.Fields(*p), " ") }
	for _, p := range []*string{&a.IIN, &a.Surname, &a.Name, &a.Patronymic, &a.Region, &a.City, &a.Email, &a.Phone, &a.Language, &a.BIN, &a.Organization, &a.Role, &a.Domain, &a.StateBodyCode, &a.RNN, &a.SystemRole, &a.ResidenceDocument} {
		trim(p)
	}
	a.Domain = strings.ToLower(a.Domain)
	for i := range a.ExtraDomains {
		a.ExtraDomains[i] = strings.ToLower(strings.TrimSpace(a.ExtraDomains[i]))
	}
	if a.Language == "" {
		a.Language = "ru"
	}
}

// checkRequests verifies the PKCS#10 requests: the set of types the template needs,
// each signature (proof of possession), the key policy, no key used twice and no key
// already certified.
func (s *Service) checkRequests(ctx context.Context, t *profile.Template, app core.Applicant, in []core.KeyRequest) ([]core.KeyRequest, error) {
	want := map[core.CertType]bool{}
	for _, k := range t.Keys {
		want[k] = true
	}
	if len(in) != len(t.Keys) {
		return nil, core.Errorf(core.KindInvalid, "template %s needs %d certificate request(s) (%s), got %d", t.ID, len(t.Keys), typesList(t.Keys), len(in))
	}
	seenType := map[core.CertType]bool{}
	seenKey := map[string]bool{}
	out := make([]core.KeyRequest, 0, len(in))
	for i, r := range in {
		if !want[r.Type] {
			return nil, core.Errorf(core.KindInvalid, "request %d: type %q is not one this template takes (%s)", i+1, r.Type, typesList(t.Keys))
		}
		if seenType[r.Type] {
			return nil, core.Errorf(core.KindInvalid, "request %d: two requests of type %s", i+1, r.Type)
		}
		seenType[r.Type] = true
		csr, pub, err := parseRequest(r.CSR)
		if errors.Is(err, pki.ErrBadSignature) {
			return nil, core.Wrap(core.KindInvalid, err, fmt.Sprintf("request %d (%s): the signature of the certificate request does not verify (no proof of possession of the private key)", i+1, r.Type))
		}
		if err != nil {
			return nil, core.Wrap(core.KindInvalid, err, fmt.Sprintf("request %d (%s): not a DER PKCS#10 certificate request with a supported key", i+1, r.Type))
		}
		if err := profile.CheckKey(r.Type, pub); err != nil {
			return nil, err
		}
		kh := KeyHash(csr.RawSubjectPublicKeyInfo)
		if seenKey[kh] {
			return nil, core.Errorf(core.KindUnprocessable, "request %d (%s): the same key is used in two requests; signing and authentication need separate key pairs", i+1, r.Type)
		}
		seenKey[kh] = true
		if r.Type == core.CertSSL {
			if err := checkSSLNames(csr, app); err != nil {
				return nil, err
			}
		}
		err = s.store.ReadOne(ctx, func(tx store.Tx) error {
			_, err := tx.CertificateByKeyHash(ctx, kh)
			return err
		})
		switch {
		case err == nil:
			return nil, core.Errorf(core.KindUnprocessable, "request %d (%s): this public key is already certified; generate a new key pair", i+1, r.Type)
		case !errors.Is(err, core.ErrNotFound):
			return nil, fmt.Errorf("ra: key lookup: %w", err)
		}
		out = append(out, core.KeyRequest{Type: r.Type, CSR: csr.Raw})
	}
	return out, nil
}

// checkSSLNames requires every dNSName of the CSR to be among the domains of the form.
func checkSSLNames(csr *x509.CertificateRequest, app core.Applicant) error {
	allowed := map[string]bool{app.Domain: true}
	for _, d := range app.ExtraDomains {
		allowed[d] = true
	}
	for _, n := range csr.DNSNames {
		if !allowed[strings.ToLower(n)] {
			return core.Errorf(core.KindUnprocessable, "the certificate request names %q, which is not the domain or one of the additional domains of the form", n)
		}
	}
	return nil
}

func typesList(ts []core.CertType) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, " + ")
}

// registryFacts is what the state registry says about an application.
type registryFacts struct {
	person *registry.Person
	org    *registry.Organization
	// role is the applicant's role in the organisation per the registry.
	role       string
	mismatches []Mismatch
}

// Registry mismatch fields: what a Mismatch is about. Pages translate them; they
// name what differs, never the registry's values.
const (
	MismatchIIN          = "iin"          // the IIN is not in the registry of individuals
	MismatchDeceased     = "deceased"     // the registry does not allow certificates for the IIN
	MismatchSurname      = "surname"      // the surname differs from the registry
	MismatchName         = "name"         // the name differs
	MismatchPatronymic   = "patronymic"   // the patronymic differs
	MismatchBIN          = "bin"          // the BIN is not in the registry of legal entities
	MismatchOrganization = "organization" // the organisation's name differs
	MismatchEmployee     = "employee"     // the IIN is not an employee of the BIN
	MismatchRole         = "role"         // the role differs
)

// Mismatch is one difference between an application and the state registry: the
// field it is about (Mismatch* constants) and a sentence saying it in English with
// the values typed on the application (never the registry's).
type Mismatch struct {
	Field string
	Text  string
}

func (f *registryFacts) add(field, format string, args ...any) {
	f.mismatches = append(f.mismatches, Mismatch{Field: field, Text: fmt.Sprintf(format, args...)})
}

// mismatchTexts returns the sentences of ms.
func mismatchTexts(ms []Mismatch) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Text
	}
	return out
}

// mismatchFields returns the fields of ms in order, each once.
func mismatchFields(ms []Mismatch) []string {
	var out []string
	for _, m := range ms {
		if !slices.Contains(out, m.Field) {
			out = append(out, m.Field)
		}
	}
	return out
}

// RegistryMismatch is the cause of a refused submission the state registry does not
// confirm: the fields that differ (Mismatch* constants). errors.Is(err,
// ErrRegistryMismatch) holds for it.
type RegistryMismatch struct {
	Fields []string
}

func (e *RegistryMismatch) Error() string {
	return "the state registry does not confirm the application (" + strings.Join(e.Fields, ", ") + ")"
}

// Is makes errors.Is(e, ErrRegistryMismatch) true.
func (e *RegistryMismatch) Is(target error) bool { return target == ErrRegistryMismatch }

// lookupRegistry asks the registry about the applicant and lists every difference.
// Only registry failures other than "not found" are returned as errors.
func (s *Service) lookupRegistry(ctx context.Context, t *profile.Template, app core.Applicant) (*registryFacts, error) {
	f := &registryFacts{}
	p, err := s.registry.Person(ctx, app.IIN)
	switch {
	case errors.Is(err, core.ErrNotFound):
		f.add(MismatchIIN, "IIN %s is not in the state registry of individuals", app.IIN)
	case err != nil:
		return nil, fmt.Errorf("ra: registry: %w", err)
	default:
		f.person = p
		if p.Deceased {
			f.add(MismatchDeceased, "the state registry does not allow certificates for IIN %s", app.IIN)
		}
		// The registry's values are never quoted: this answer goes to whoever
		// submitted, and the registry is not theirs to read (the desk shows it).
		cmp := func(field, typed, registered string) {
			if registered != "" && !sameName(typed, registered) {
				f.add(field, "%s %q differs from the registry", field, typed)
			}
		}
		cmp(MismatchSurname, app.Surname, p.Surname)
		cmp(MismatchName, app.Name, p.Name)
		cmp(MismatchPatronymic, app.Patronymic, p.Patronymic)
	}
	if !t.Legal || app.BIN == "" {
		return f, nil
	}
	o, err := s.registry.Organization(ctx, app.BIN)
	switch {
	case errors.Is(err, core.ErrNotFound):
		f.add(MismatchBIN, "BIN %s is not in the state registry of legal entities", app.BIN)
		return f, nil
	case err != nil:
		return nil, fmt.Errorf("ra: registry: %w", err)
	}
	f.org = o
	if app.Organization != "" && !sameName(app.Organization, o.Name) {
		f.add(MismatchOrganization, "organisation %q differs from the registry", app.Organization)
	}
	if o.HeadIIN == app.IIN {
		f.role = "first_head"
	}
	for _, e := range o.Employees {
		if e.IIN == app.IIN && f.role == "" {
			f.role = e.Role
		}
	}
	switch {
	case f.role == "":
		f.add(MismatchEmployee, "IIN %s is not an employee of BIN %s in the registry", app.IIN, app.BIN)
	case app.Role != "" && app.Role != f.role:
		f.add(MismatchRole, "role %q differs from the registry", app.Role)
	}
	return f, nil
}

// ErrRegistryMismatch is wrapped by the KindUnprocessable error of an application the
// state registry does not confirm, so that edges can tell such refusals apart (the API
// counts them against the client's registry lookups).
var ErrRegistryMismatch = errors.New("ra: the state registry does not confirm the application")

// checkRegistry refuses an application whose identity the registry does not confirm.
func (s *Service) checkRegistry(ctx context.Context, t *profile.Template, app core.Applicant) (*registryFacts, error) {
	f, err := s.lookupRegistry(ctx, t, app)
	if err != nil {
		return nil, err
	}
	if len(f.mismatches) > 0 {
		return nil, &core.Error{Kind: core.KindUnprocessable, Err: &RegistryMismatch{Fields: mismatchFields(f.mismatches)}, Detail: "the state registry does not confirm the application: " + strings.Join(mismatchTexts(f.mismatches), "; ")}
	}
	return f, nil
}

// nameFolder folds Ё to Е and typographic quotation marks to '"' (built once; a
// strings.Replacer is immutable and safe for concurrent use).
var nameFolder = strings.NewReplacer("Ё", "Е", "«", "\"", "»", "\"", "“", "\"", "”", "\"")

// sameName compares names as a registry clerk would: case, extra spaces, Ё/Е and
// quotation marks do not matter.
func sameName(a, b string) bool {
	norm := func(s string) string {
		s = strings.ToUpper(strings.Join(strings.Fields(s), " "))
		return nameFolder.Replace(s)
	}
	return norm(a) == norm(b)
}

// applicantAge returns the age in years of the IIN's holder today (centre's time zone).
func (s *Service) applicantAge(iin string) (int, error) {
	id, err := kzid.ParseIIN(iin)
	if err != nil {
		return 0, core.Wrap(core.KindInvalid, err, "invalid IIN")
	}
	return id.AgeOn(s.now().In(s.loc)), nil
}

// parseRequest parses a DER PKCS#10 request and checks its proof of possession, for
// every key of pki (RSA, ECDSA, GOST). Errors wrap pki.ErrBadSignature when the
// signature is wrong.
func parseRequest(der []byte) (*x509.CertificateRequest, crypto.PublicKey, error) {
	return pki.ParseCertificateRequest(der)
}

// insertApplication stores a new application under a fresh number.
func (s *Service) insertApplication(ctx context.Context, tx store.Tx, a *core.Application) error {
	for attempt := 0; ; attempt++ {
		n, err := newNumber(s.rand)
		if err != nil {
			return err
		}
		a.Number = n
		err = tx.InsertApplication(ctx, a)
		if errors.Is(err, core.ErrDuplicate) && attempt < 3 {
			continue
		}
		return err
	}
}
