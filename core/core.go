// Package core holds the domain types shared by the registration workflow (ra), the
// store, the signer (ca) and the HTTP edges: applications, their states and events,
// issued certificates, revocations and audit records. It has no I/O.
package core

import (
	"time"
)

// State is the state of an application in the registration workflow. The allowed
// transitions between states are listed in one table in package ra.
type State string

// Application states.
const (
	// StateAwaitingHead: an employee's application waits for the organisation's first
	// head (or HR where allowed) to confirm it (SPEC §3 step 2).
	StateAwaitingHead State = "awaiting_head_confirmation"
	// StateAwaitingIdentification: the application waits for the applicant's visit to a
	// registration centre (SPEC §3 step 3), at most 30 calendar days.
	StateAwaitingIdentification State = "awaiting_identification"
	// StateAccepted: the operator checked the documents and accepted the application;
	// a decision (approve / refuse) follows.
	StateAccepted State = "accepted"
	// StateIssued: the certificates were issued.
	StateIssued State = "issued"
	// StateRefused: a motivated refusal (under 16, false information, court decision).
	StateRefused State = "refused"
	// StateRejectedByHead: the organisation's head rejected the employee's application.
	StateRejectedByHead State = "rejected_by_head"
	// StateExpired: not identified within 30 calendar days.
	StateExpired State = "expired"
)

// Terminal reports whether no further transition leaves s.
func (s State) Terminal() bool {
	switch s {
	case StateIssued, StateRefused, StateRejectedByHead, StateExpired:
		return true
	}
	return false
}

// RefusalReason is the ground of a motivated refusal (SPEC §1, seed 002 §10).
type RefusalReason string

// Refusal reasons.
const (
	RefusalUnder16          RefusalReason = "under_16"
	RefusalFalseInfo        RefusalReason = "false_information"
	RefusalCourtDecision    RefusalReason = "court_decision"
	RefusalRegistryMismatch RefusalReason = "registry_mismatch"
)

// CertType is the type of an end-entity certificate as relying parties classify it.
type CertType string

// Certificate types.
const (
	CertSign     CertType = "SIGN" // digitalSignature + nonRepudiation
	CertAuth     CertType = "AUTH" // digitalSignature + keyEncipherment
	CertSSL      CertType = "SSL"  // TLS server
	CertOperator CertType = "STAFF"
	CertTSA      CertType = "TSA" // a time-stamping authority's certificate (RFC 3161)
)

// Applicant is the identity and contact data typed on the application form. Which
// fields a template needs is defined by package profile.
type Applicant struct {
	IIN          string   `json:"iin"`
	Surname      string   `json:"surname"`
	Name         string   `json:"name"`
	Patronymic   string   `json:"patronymic,omitempty"`
	Region       string   `json:"region,omitempty"`
	City         string   `json:"city,omitempty"`
	Email        string   `json:"email"`
	Phone        string   `json:"phone"`
	Language     string   `json:"language,omitempty"` // kk, ru, en
	BIN          string   `json:"bin,omitempty"`
	Organization string   `json:"organization,omitempty"`
	Role         string   `json:"role,omitempty"` // profile role for legal-entity templates
	Domain       string   `json:"domain,omitempty"`
	ExtraDomains []string `json:"extra_domains,omitempty"`
	// StateBodyCode is the Treasury-Client state body code (ГУ/СКС or ММ/МБС).
	StateBodyCode string `json:"state_body_code,omitempty"`
	// RNN is the Treasury-Client RNN (tax number of the older system).
	RNN string `json:"rnn,omitempty"`
	// SystemRole is the role in the Treasury-Client or E-Notariat system.
	SystemRole string `json:"system_role,omitempty"`
	// ResidenceDocument is, for non-residents, the document carrying the IIN/BIN.
	ResidenceDocument string `json:"residence_document,omitempty"`
}

// KeyRequest is one PKCS#10 request carried by an application, with the certificate
// type it asks for.
type KeyRequest struct {
	Type CertType `json:"type"`
	CSR  []byte   `json:"csr"` // DER
}

// Application is an application for certificates, identified by its unique number.
type Application struct {
	Number    string       `json:"number"`
	Template  string       `json:"template"`
	State     State        `json:"state"`
	Applicant Applicant    `json:"applicant"`
	Requests  []KeyRequest `json:"requests"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
	// Deadline is when an application not yet identified expires (30 calendar days).
	Deadline time.Time `json:"deadline"`
	// RefusalReason and RefusalDetail are set when State is StateRefused or
	// StateRejectedByHead.
	RefusalReason RefusalReason `json:"refusal_reason,omitempty"`
	RefusalDetail string        `json:"refusal_detail,omitempty"`
	// DocumentsPresented lists the checklist items the operator saw at acceptance.
	DocumentsPresented []string `json:"documents_presented,omitempty"`
	// MissingDocuments lists what was missing at the last refused desk visit.
	MissingDocuments []string `json:"missing_documents,omitempty"`
	// ReceiptNumber is the number of the desk receipt given at acceptance.
	ReceiptNumber string `json:"receipt_number,omitempty"`
	// HeadConfirmedBy is the IIN of the head who confirmed (employee templates).
	HeadConfirmedBy string `json:"head_confirmed_by,omitempty"`
	// Operator is the IIN of the operator who accepted / decided.
	Operator string `json:"operator,omitempty"`
	// RenewalOf is set on a renewal ("simplified re-issue"): "<issuer>/<serial>" of
	// the valid signing certificate whose signature asked for it.
	RenewalOf string `json:"renewal_of,omitempty"`
	// RevokeOld is the owner's choice on a renewal to revoke the renewed application's
	// certificates once the new ones are issued (default: keep them until expiry).
	RevokeOld bool `json:"revoke_old,omitempty"`
}

// Event is one entry of an application's status history.
type Event struct {
	Number string    `json:"-"`
	At     time.Time `json:"at"`
	From   State     `json:"from,omitempty"`
	To     State     `json:"to"`
	Action string    `json:"action"`
	Actor  string    `json:"actor"`
	Detail string    `json:"detail,omitempty"`
	// Facts are the event's facts as data; nil for events stored before they were
	// (store migration 0007), whose Detail states them in words.
	Facts *EventFacts `json:"-"`
}

// EventFacts are the facts of a workflow event as data, beside its English Detail.
type EventFacts struct {
	// Receipt is the number of the receipt given at the desk (accept: the receipt;
	// refuse_documents: the refusal receipt).
	Receipt string `json:"receipt,omitempty"`
	// Documents are document ids: presented (accept) or missing (refuse_documents).
	Documents []string `json:"documents,omitempty"`
	// Serials are the serials of the certificates issued (approve, head_confirm of
	// a renewal, renew).
	Serials []string `json:"serials,omitempty"`
	// RenewalOf is the certificate a renewal replaces, "issuer/serial" (renew).
	RenewalOf string `json:"renewal_of,omitempty"`
	// Reason is the refusal reason (refuse).
	Reason RefusalReason `json:"reason,omitempty"`
	// Note is the words a person gave with a decision (head_reject: the head's
	// reason; refuse: the operator's detail).
	Note string `json:"note,omitempty"`
}

// CertStatus is the revocation status of an issued certificate.
type CertStatus string

// Certificate statuses.
const (
	CertGood    CertStatus = "good"
	CertRevoked CertStatus = "revoked"
)

// RevocationReason is an RFC 5280 CRLReason code.
type RevocationReason int

// RFC 5280 §5.3.1 reason codes used by the authority.
const (
	ReasonUnspecified          RevocationReason = 0
	ReasonKeyCompromise        RevocationReason = 1
	ReasonCACompromise         RevocationReason = 2
	ReasonAffiliationChanged   RevocationReason = 3
	ReasonSuperseded           RevocationReason = 4
	ReasonCessationOfOperation RevocationReason = 5
	ReasonCertificateHold      RevocationReason = 6
	ReasonRemoveFromCRL        RevocationReason = 8
	ReasonPrivilegeWithdrawn   RevocationReason = 9
	ReasonAACompromise         RevocationReason = 10
)

// Certificate is an issued certificate as the store keeps it.
type Certificate struct {
	// Serial is the serial number in lower-case hex, no leading zeros stripped
	// beyond what big.Int.Text(16) gives.
	Serial      string    `json:"serial"`
	Issuer      string    `json:"issuer"` // issuing CA name (key of the ca.Authority)
	Application string    `json:"application,omitempty"`
	Template    string    `json:"template,omitempty"`
	Type        CertType  `json:"type"`
	IIN         string    `json:"iin,omitempty"`
	BIN         string    `json:"bin,omitempty"`
	Subject     string    `json:"subject"`
	NotBefore   time.Time `json:"not_before"`
	NotAfter    time.Time `json:"not_after"`
	// KeyHash is the hex SHA-256 of the SubjectPublicKeyInfo DER: unique per subject.
	KeyHash string     `json:"key_hash"`
	DER     []byte     `json:"der"`
	Status  CertStatus `json:"status"`
	// RevokedAt and Reason are set when Status is CertRevoked.
	RevokedAt *time.Time       `json:"revoked_at,omitempty"`
	Reason    RevocationReason `json:"reason,omitempty"`
	// InvalidityDate is when the key is known or suspected to have become invalid.
	InvalidityDate *time.Time `json:"invalidity_date,omitempty"`
}

// RevokedEntry is one line of a CRL.
type RevokedEntry struct {
	Serial         string
	RevokedAt      time.Time
	Reason         RevocationReason
	InvalidityDate *time.Time
	NotAfter       time.Time
}

// AuditRecord is one append-only audit entry. The store chains records by hash
// (package audit): Hash = SHA-256(PrevHash ‖ canonical encoding of the record).
type AuditRecord struct {
	Seq      int64     `json:"seq"`
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`  // "iin:…", "operator:…", "system", "anonymous"
	Action   string    `json:"action"` // e.g. "application.submit", "certificate.issue"
	Object   string    `json:"object"` // application number or "cert:<issuer>/<serial>"
	Address  string    `json:"address,omitempty"`
	Detail   string    `json:"detail,omitempty"`
	PrevHash string    `json:"prev_hash"`
	Hash     string    `json:"hash"`
}
