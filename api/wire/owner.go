package wire

import (
	"time"

	"github.com/opennca/nca/core"
)

// PathOwner prefixes the owner's endpoints: cabinet, online revocation, renewal.
const PathOwner = "/api/v1/owner/"

// SignedRequest is a request proven by the owner's signature (docs/owner.md): the
// exact payload bytes (package ownersig), the signature over them, the DER
// AlgorithmIdentifier of the signature algorithm and the DER of the signer's
// certificate, which must be a valid SIGN certificate of this authority.
type SignedRequest struct {
	Payload     []byte `json:"payload"`
	Signature   []byte `json:"signature"`
	Algorithm   []byte `json:"algorithm"`
	Certificate []byte `json:"certificate"`
}

// RenewRequest is the body of POST /api/v1/owner/renewals: new PKCS#10 requests and
// the renewal signed with the current signing certificate, whose payload lists the
// requests' digests.
type RenewRequest struct {
	Requests []KeyRequest  `json:"requests"`
	Signed   SignedRequest `json:"signed"`
}

// RenewResponse answers a renewal: the new application (issued, or awaiting the
// head's confirmation for employees) and the certificates issued, if any.
type RenewResponse struct {
	Status       Status              `json:"status"`
	Certificates []IssuedCertificate `json:"certificates,omitempty"`
}

// CabinetCertificate is one certificate in the owner's cabinet.
type CabinetCertificate struct {
	Serial      string          `json:"serial"`
	Issuer      string          `json:"issuer"`
	Type        core.CertType   `json:"type"`
	Template    string          `json:"template"`
	IIN         string          `json:"iin,omitempty"`
	BIN         string          `json:"bin,omitempty"`
	Subject     string          `json:"subject"`
	Application string          `json:"application,omitempty"`
	NotBefore   time.Time       `json:"not_before"`
	NotAfter    time.Time       `json:"not_after"`
	Status      core.CertStatus `json:"status"`
	RevokedAt   *time.Time      `json:"revoked_at,omitempty"`
	// Reason is the RFC 5280 reason code of a revoked certificate.
	Reason core.RevocationReason `json:"reason,omitempty"`
	DER    []byte                `json:"der"`
}

// OwnerRequest is a signed request recorded in the cabinet.
type OwnerRequest struct {
	Action    string `json:"action"`
	Object    string `json:"object"`
	SignerIIN string `json:"signer_iin"`
	OwnerIIN  string `json:"owner_iin,omitempty"`
	// Signer is "<issuer>/<serial>" of the certificate that signed.
	Signer string    `json:"signer"`
	At     time.Time `json:"at"`
	Result string    `json:"result"`
}

// Cabinet answers GET /api/v1/owner/cabinet: the signed-in owner's certificates,
// applications with their history, and signed requests. Employees is filled for an
// organisation's first head only.
type Cabinet struct {
	IIN          string               `json:"iin"`
	Certificates []CabinetCertificate `json:"certificates"`
	Employees    []CabinetCertificate `json:"employees,omitempty"`
	Applications []Status             `json:"applications"`
	Requests     []OwnerRequest       `json:"requests"`
}
