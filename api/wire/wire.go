// Package wire holds the JSON shapes of the authority's HTTP API (version 1), shared by
// the server (package api) and its clients (cmd/eds). Binary values (DER) are base64
// (standard encoding, with padding) in JSON, as encoding/json does for []byte.
//
// Errors are RFC 9457 problem documents (Problem), served as application/problem+json.
package wire

import (
	"time"

	"github.com/opennca/nca/core"
)

// Paths of the API, relative to the server's base URL.
const (
	PathApplications = "/api/v1/applications"   // POST: submit
	PathApplication  = "/api/v1/applications/"  // + {number} GET: status; + {number}/certificates GET
	PathTemplates    = "/api/v1/templates"      // GET
	PathChallenge    = "/api/v1/auth/challenge" // POST
	PathToken        = "/api/v1/auth/token"     // POST
	PathDesk         = "/api/v1/desk/"          // operator endpoints, see package api
	PathHead         = "/api/v1/head/"          // first head endpoints
	PathCA           = "/ca/"                   // + {name}.cer
	PathCRL          = "/crl/"                  // + {name}.crl
)

// Paths of the endpoints serving the portal's printable documents and name lookups.
const (
	PathReceipts      = "/api/v1/desk/receipts/"          // + {receipt_number}/pdf GET (staff)
	PathPersons       = "/api/v1/registry/persons/"       // + {iin} GET
	PathOrganizations = "/api/v1/registry/organizations/" // + {bin} GET
)

// Problem is an RFC 9457 problem details document.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance,omitempty"`
	// Missing lists missing documents (type …/documents-incomplete) or the fields the
	// state registry does not confirm (type …/registry-mismatch: iin, deceased, surname,
	// name, patronymic, bin, organization, employee, role).
	Missing []string `json:"missing,omitempty"`
}

// Consents are the acknowledgements every application form carries (SPEC §2).
type Consents struct {
	Policy        bool `json:"policy"`        // read the certificate policy
	Agreement     bool `json:"agreement"`     // read the user agreement
	PersonalData  bool `json:"personal_data"` // consents to processing personal data
	Notifications bool `json:"notifications"` // consents to e-mail notifications
}

// KeyRequest is one PKCS#10 request of an application.
type KeyRequest struct {
	// Type is SIGN, AUTH or SSL (core.CertType).
	Type core.CertType `json:"type"`
	// CSR is the DER of the PKCS#10 request.
	CSR []byte `json:"csr"`
}

// SubmitRequest is the body of POST /api/v1/applications.
type SubmitRequest struct {
	Template  string         `json:"template"`
	Applicant core.Applicant `json:"applicant"`
	Requests  []KeyRequest   `json:"requests"`
	Consents  Consents       `json:"consents"`
}

// SubmitResponse answers a successful submission (201).
type SubmitResponse struct {
	Number   string     `json:"number"`
	State    core.State `json:"state"`
	Deadline time.Time  `json:"deadline"`
	// NextSteps tells the applicant what to do next, in plain words, in the
	// application's language (kk, ru; English otherwise).
	NextSteps string `json:"next_steps"`
	// Documents lists what to bring to the registration centre.
	Documents []Document `json:"documents"`
	// FormToken opens the printable application form:
	// GET /api/v1/applications/{number}/form.pdf?token=FormToken. It binds the
	// application number, opens the form until the application's deadline, and is
	// given only to whoever submitted the application:
	// the form carries the applicant's personal data, which the number alone does not
	// show.
	FormToken string `json:"form_token"`
}

// Document is one item of a template's document checklist.
type Document struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Required bool   `json:"required"`
}

// Status is the public status of an application (GET /api/v1/applications/{number}).
// It carries no personal data beyond what the applicant typed is needed to recognise it.
type Status struct {
	Number        string             `json:"number"`
	Template      string             `json:"template"`
	State         core.State         `json:"state"`
	CreatedAt     time.Time          `json:"created_at"`
	Deadline      time.Time          `json:"deadline"`
	RefusalReason core.RefusalReason `json:"refusal_reason,omitempty"`
	RefusalDetail string             `json:"refusal_detail,omitempty"`
	// MissingDocuments is set after a desk visit with an incomplete document set.
	MissingDocuments []string       `json:"missing_documents,omitempty"`
	History          []HistoryEvent `json:"history"`
	// Certificates lists the serials issued for the application.
	Certificates []string `json:"certificates,omitempty"`
}

// HistoryEvent is one event of an application's history: the stored event and its
// facts (core.EventFacts: receipt, documents, serials, renewal_of, reason, note), so
// that pages can say the event in their language (Detail stays the authority's
// English record).
type HistoryEvent struct {
	core.Event
	core.EventFacts
}

// Events returns the stored events of h.
func Events(h []HistoryEvent) []core.Event {
	out := make([]core.Event, len(h))
	for i, e := range h {
		out[i] = e.Event
	}
	return out
}

// IssuedCertificate is one certificate as clients download it.
type IssuedCertificate struct {
	Serial    string          `json:"serial"`
	Issuer    string          `json:"issuer"`
	Type      core.CertType   `json:"type"`
	Subject   string          `json:"subject"`
	NotBefore time.Time       `json:"not_before"`
	NotAfter  time.Time       `json:"not_after"`
	Status    core.CertStatus `json:"status"`
	// RevokedAt and Reason (an RFC 5280 code) are set for revoked certificates.
	RevokedAt *time.Time            `json:"revoked_at,omitempty"`
	Reason    core.RevocationReason `json:"reason,omitempty"`
	DER       []byte                `json:"der"`
	// Chain holds the DER of the issuing CA certificate, then up to the root.
	Chain [][]byte `json:"chain"`
}

// CertificatesResponse answers GET /api/v1/applications/{number}/certificates.
type CertificatesResponse struct {
	Number       string              `json:"number"`
	Certificates []IssuedCertificate `json:"certificates"`
}

// ChallengeResponse answers POST /api/v1/auth/challenge.
type ChallengeResponse struct {
	ID string `json:"id"`
	// Challenge is the exact byte string the client signs with its AUTH key.
	Challenge []byte    `json:"challenge"`
	ExpiresAt time.Time `json:"expires_at"`
}

// TokenRequest is the body of POST /api/v1/auth/token. The signature is over the
// challenge bytes: for RSA keys RSASSA-PKCS1-v1_5 with SHA-256.
type TokenRequest struct {
	ChallengeID string `json:"challenge_id"`
	// Certificate is the DER of the AUTH certificate issued by this authority.
	Certificate []byte `json:"certificate"`
	Signature   []byte `json:"signature"`
}

// Principal is who a token speaks for.
type Principal struct {
	IIN    string   `json:"iin"`
	BIN    string   `json:"bin,omitempty"`
	Name   string   `json:"name"`
	Roles  []string `json:"roles"`
	Serial string   `json:"serial"`
	Issuer string   `json:"issuer"`
}

// TokenResponse answers a successful sign-in; send the token as
// "Authorization: Bearer <token>".
type TokenResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	Principal Principal `json:"principal"`
}

// Template describes one applicant template (GET /api/v1/templates).
type Template struct {
	ID        string          `json:"id"`
	Title     string          `json:"title"`
	Fields    []Field         `json:"fields"`
	Roles     []string        `json:"roles,omitempty"`
	Keys      []core.CertType `json:"keys"`
	Documents []Document      `json:"documents"`
}

// Field is one form field of a template.
type Field struct {
	Name     string `json:"name"`
	Required bool   `json:"required"`
}

// DeskApplication is what an operator sees of an application: the form, the state
// registry's data beside it, the document checklist and the history.
type DeskApplication struct {
	Application core.Application `json:"application"`
	Registry    RegistryView     `json:"registry"`
	Checklist   []Document       `json:"checklist"`
	History     []HistoryEvent   `json:"history"`
	// Age is the applicant's age today from the IIN.
	Age int `json:"age"`
}

// RegistryView is the state registry's answer for the application's IIN and BIN.
type RegistryView struct {
	Person       *RegistryPerson       `json:"person,omitempty"`
	Organization *RegistryOrganization `json:"organization,omitempty"`
	// Mismatches lists where the application differs from the registry.
	Mismatches []string `json:"mismatches,omitempty"`
	// MismatchFields names what Mismatches are about, in order, each once (the names
	// of Problem.Missing of a registry mismatch), for pages in the user's language.
	MismatchFields []string `json:"mismatch_fields,omitempty"`
}

// RegistryPerson mirrors registry.Person for display.
type RegistryPerson struct {
	IIN        string `json:"iin"`
	Surname    string `json:"surname"`
	Name       string `json:"name"`
	Patronymic string `json:"patronymic,omitempty"`
	BirthDate  string `json:"birth_date"`
	Deceased   bool   `json:"deceased"`
}

// RegistryOrganization mirrors registry.Organization for display.
type RegistryOrganization struct {
	BIN     string `json:"bin"`
	Name    string `json:"name"`
	HeadIIN string `json:"head_iin"`
	// Role is the applicant's role in the organisation per the registry, if any.
	Role string `json:"role,omitempty"`
}

// PersonLookup answers GET /api/v1/registry/persons/{iin}: the state registry's name
// of an IIN, for an application form to fill in, and the age today.
type PersonLookup struct {
	IIN        string `json:"iin"`
	Surname    string `json:"surname"`
	Name       string `json:"name"`
	Patronymic string `json:"patronymic"`
	BirthDate  string `json:"birth_date"` // YYYY-MM-DD
	Age        int    `json:"age"`
	Deceased   bool   `json:"deceased"`
}

// OrganizationLookup answers GET /api/v1/registry/organizations/{bin}.
type OrganizationLookup struct {
	BIN  string `json:"bin"`
	Name string `json:"name"`
}

// DeskList answers GET /api/v1/desk/applications.
type DeskList struct {
	Applications []core.Application `json:"applications"`
}

// AcceptRequest is the body of POST …/desk/applications/{number}/accept and
// …/refuse-documents: the checklist items (Document.ID) the applicant presented.
type AcceptRequest struct {
	Presented []string `json:"presented"`
	// Representative is the name of a representative, if one came instead.
	Representative      string `json:"representative,omitempty"`
	RepresentativePhone string `json:"representative_phone,omitempty"`
}

// Receipt is the desk receipt (SPEC §3 step 3) or, when Refused, the refusal receipt
// listing the missing documents (seed 002 annex 9).
type Receipt struct {
	ReceiptNumber       string    `json:"receipt_number"`
	ApplicationNumber   string    `json:"application_number"`
	Date                time.Time `json:"date"`
	Service             string    `json:"service"`
	Documents           []string  `json:"documents"`
	Missing             []string  `json:"missing,omitempty"`
	Refused             bool      `json:"refused"`
	ResultDate          time.Time `json:"result_date"`
	ResultPlace         string    `json:"result_place"`
	Operator            string    `json:"operator"`
	Applicant           string    `json:"applicant"`
	ApplicantPhone      string    `json:"applicant_phone"`
	Representative      string    `json:"representative,omitempty"`
	RepresentativePhone string    `json:"representative_phone,omitempty"`
	// DocumentIDs and MissingIDs are the ids of Documents and Missing (English
	// titles), for pages that show them in their language.
	DocumentIDs []string `json:"document_ids,omitempty"`
	MissingIDs  []string `json:"missing_ids,omitempty"`
	// OperatorName and OperatorIIN are Operator's parts.
	OperatorName string `json:"operator_name,omitempty"`
	OperatorIIN  string `json:"operator_iin,omitempty"`
	// PDF is the path of the printable receipt (staff only):
	// /api/v1/desk/receipts/{receipt_number}/pdf, with ?lang=kk|ru|en.
	PDF string `json:"pdf"`
}

// DecisionRequest is the body of POST …/desk/applications/{number}/refuse and of the
// head's reject: a refusal reason (core.RefusalReason) and free text.
type DecisionRequest struct {
	Reason core.RefusalReason `json:"reason"`
	Detail string             `json:"detail,omitempty"`
}

// ApproveResponse answers POST …/desk/applications/{number}/approve. State is
// issued, or refused when a rule checked at decision time refused it (under 16).
type ApproveResponse struct {
	Status       Status              `json:"status"`
	Certificates []IssuedCertificate `json:"certificates,omitempty"`
}

// RevokeRequest is the body of POST …/desk/certificates/{serial}/revoke.
// Reason is one of: owner_request, owner_death, false_information, dismissal,
// key_compromise.
type RevokeRequest struct {
	Reason string `json:"reason"`
	Detail string `json:"detail,omitempty"`
}

// RevokeResponse answers a revocation.
type RevokeResponse struct {
	Certificate IssuedCertificate `json:"certificate"`
}

// TemplatesResponse answers GET /api/v1/templates.
type TemplatesResponse struct {
	Templates []Template `json:"templates"`
}
