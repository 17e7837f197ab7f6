package profile

import (
	"encoding/asn1"
	"strings"
)

// Role OIDs carried inside the extended key usage extension (PROFILE.md "Policies and
// roles"). They are dotted strings so they can be compared with x509.OID.String() and
// asn1.ObjectIdentifier.String() alike.
const (
	OIDRoleIndividual         = "1.2.398.3.3.4.1.1"
	OIDRoleLegalEntity        = "1.2.398.3.3.4.1.2" // always together with one sub-role below
	OIDRoleFirstHead          = "1.2.398.3.3.4.1.2.1"
	OIDRoleSigningRight       = "1.2.398.3.3.4.1.2.2"
	OIDRoleFinancialSigning   = "1.2.398.3.3.4.1.2.3"
	OIDRoleHR                 = "1.2.398.3.3.4.1.2.4"
	OIDRoleEmployee           = "1.2.398.3.3.4.1.2.5"
	OIDRoleAdministrator      = "1.2.398.3.3.4.2.1" // the authority's own staff
	OIDRoleManager            = "1.2.398.3.3.4.2.2"
	OIDRoleOperator           = "1.2.398.3.3.4.2.3"
	OIDRoleIdentifiedInPerson = "1.2.398.3.3.4.3.1"
	OIDRoleIdentifiedRemotely = "1.2.398.3.3.4.3.2"
	// OIDRoleIdentifiedDigitalID is the remote identification via a digital ID
	// (PROFILE.md lists "1.2.398.3.3.4.3.2 (.1)").
	OIDRoleIdentifiedDigitalID = "1.2.398.3.3.4.3.2.1"
	OIDRoleTreasuryParticipant = "1.2.398.5.19.1.2.2.1"
	OIDRoleNotary              = "1.2.398.6.1.1.1.1"
	// The other E-Notariat system roles are not published; this project assigns them
	// the siblings of the notary OID, in SPEC §2 order. They are provisional
	// (documented in docs/) and must be replaced if the real arcs become known.
	OIDRoleENotariatMinistry           = "1.2.398.6.1.1.1.2"
	OIDRoleENotariatTerritorialJustice = "1.2.398.6.1.1.1.3"
	OIDRoleENotariatRepublicanChamber  = "1.2.398.6.1.1.1.4"
	OIDRoleENotariatTerritorialChamber = "1.2.398.6.1.1.1.5"
	OIDRoleENotariatModerator          = "1.2.398.6.1.1.1.6"
	OIDRoleENotariatAdministrator      = "1.2.398.6.1.1.1.7"
)

// Certificate policy OIDs (PROFILE.md).
const (
	OIDPolicyRoot           = "1.2.398.3.1.2"
	OIDPolicyCARegulations  = "1.2.398.3.3.2"
	OIDPolicySignLegal      = "1.2.398.3.3.2.1"
	OIDPolicyAuthLegal      = "1.2.398.3.3.2.2"
	OIDPolicySignIndividual = "1.2.398.3.3.2.3"
	OIDPolicyAuthIndividual = "1.2.398.3.3.2.4"
)

// Other OIDs of the national profile.
const (
	// OIDKeystoreType is the non-critical keystore-type extension; its value is
	// SEQUENCE { OID } naming where the private key is kept.
	OIDKeystoreType = "1.2.398.3.3.5"
	// OIDKeystorePKCS12 is the keystore-type value for a PKCS#12 file.
	OIDKeystorePKCS12 = "1.2.398.3.3.5.1.1"
)

// roleNames maps every known role OID to its stable name. Read-only.
var roleNames = map[string]string{
	OIDRoleIndividual:                  "individual",
	OIDRoleLegalEntity:                 "legal_entity",
	OIDRoleFirstHead:                   RoleFirstHead,
	OIDRoleSigningRight:                RoleSigningRight,
	OIDRoleFinancialSigning:            RoleFinancialSigning,
	OIDRoleHR:                          RoleHR,
	OIDRoleEmployee:                    RoleEmployee,
	OIDRoleAdministrator:               StaffAdministrator,
	OIDRoleManager:                     StaffManager,
	OIDRoleOperator:                    StaffOperator,
	OIDRoleIdentifiedInPerson:          "identified_in_person",
	OIDRoleIdentifiedRemotely:          "identified_remotely",
	OIDRoleIdentifiedDigitalID:         "identified_remotely_digital_id",
	OIDRoleTreasuryParticipant:         "treasury_participant",
	OIDRoleNotary:                      SystemNotary,
	OIDRoleENotariatMinistry:           SystemMinistry,
	OIDRoleENotariatTerritorialJustice: SystemTerritorialJustice,
	OIDRoleENotariatRepublicanChamber:  SystemRepublicanChamber,
	OIDRoleENotariatTerritorialChamber: SystemTerritorialChamber,
	OIDRoleENotariatModerator:          SystemModerator,
	OIDRoleENotariatAdministrator:      "enotariat_administrator",
}

// RoleName returns the stable name of a role OID in dotted form ("individual",
// "first_head", "operator", "notary", …), or "" when the OID is not a known role.
// The E-Notariat administrator is named "enotariat_administrator" to keep it apart
// from the authority's own staff role "administrator".
func RoleName(oid string) string { return roleNames[oid] }

// Legal-entity roles (core.Applicant.Role), each mapped to its EKU sub-role OID.
const (
	RoleFirstHead        = "first_head"
	RoleSigningRight     = "signing_right"
	RoleFinancialSigning = "financial_signing"
	RoleHR               = "hr"
	RoleEmployee         = "employee"
)

// legalRoleOIDs maps legal roles to their sub-role OIDs, in display order. Read-only.
var legalRoleOIDs = map[string]string{
	RoleFirstHead:        OIDRoleFirstHead,
	RoleSigningRight:     OIDRoleSigningRight,
	RoleFinancialSigning: OIDRoleFinancialSigning,
	RoleHR:               OIDRoleHR,
	RoleEmployee:         OIDRoleEmployee,
}

// LegalRoles lists the legal-entity roles in display order.
func LegalRoles() []string {
	return []string{RoleFirstHead, RoleSigningRight, RoleFinancialSigning, RoleHR, RoleEmployee}
}

// E-Notariat system roles (core.Applicant.SystemRole for the enotariat template).
const (
	SystemNotary             = "notary"
	SystemMinistry           = "ministry"
	SystemTerritorialJustice = "territorial_justice"
	SystemRepublicanChamber  = "republican_chamber"
	SystemTerritorialChamber = "territorial_chamber"
	SystemModerator          = "moderator"
	SystemAdministrator      = "administrator"
)

// eNotariatRoleOIDs maps E-Notariat system roles to their EKU OIDs. Read-only.
var eNotariatRoleOIDs = map[string]string{
	SystemNotary:             OIDRoleNotary,
	SystemMinistry:           OIDRoleENotariatMinistry,
	SystemTerritorialJustice: OIDRoleENotariatTerritorialJustice,
	SystemRepublicanChamber:  OIDRoleENotariatRepublicanChamber,
	SystemTerritorialChamber: OIDRoleENotariatTerritorialChamber,
	SystemModerator:          OIDRoleENotariatModerator,
	SystemAdministrator:      OIDRoleENotariatAdministrator,
}

// ENotariatRoles lists the E-Notariat system roles in SPEC §2 order.
func ENotariatRoles() []string {
	return []string{SystemNotary, SystemMinistry, SystemTerritorialJustice,
		SystemRepublicanChamber, SystemTerritorialChamber, SystemModerator, SystemAdministrator}
}

// Staff roles of the authority's own employees (Staff).
const (
	StaffAdministrator = "administrator"
	StaffManager       = "manager"
	StaffOperator      = "operator"
)

// staffRoleOIDs maps staff roles to their EKU OIDs. Read-only.
var staffRoleOIDs = map[string]string{
	StaffAdministrator: OIDRoleAdministrator,
	StaffManager:       OIDRoleManager,
	StaffOperator:      OIDRoleOperator,
}

// Distinguished-name attribute types used by the profile.
var (
	oidCN               = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidSurname          = asn1.ObjectIdentifier{2, 5, 4, 4}
	oidSerialNumber     = asn1.ObjectIdentifier{2, 5, 4, 5}
	oidCountry          = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidLocality         = asn1.ObjectIdentifier{2, 5, 4, 7}
	oidState            = asn1.ObjectIdentifier{2, 5, 4, 8}
	oidOrganization     = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOrgUnit          = asn1.ObjectIdentifier{2, 5, 4, 11}
	oidBusinessCategory = asn1.ObjectIdentifier{2, 5, 4, 15}
	oidGivenName        = asn1.ObjectIdentifier{2, 5, 4, 42}
	oidEmailAddress     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}
	oidDomainComponent  = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 25}
)

// Extension OIDs built by hand.
var (
	oidExtCertPolicies = asn1.ObjectIdentifier{2, 5, 29, 32}
	oidExtFreshestCRL  = asn1.ObjectIdentifier{2, 5, 29, 46}
	oidExtKeystoreType = asn1.ObjectIdentifier{1, 2, 398, 3, 3, 5}
	oidQualifierCPS    = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 2, 1}
)

// mustOID parses a dotted OID constant of this package; it panics on a typo, which
// the tests catch.
func mustOID(s string) asn1.ObjectIdentifier {
	var oid asn1.ObjectIdentifier
	for _, part := range strings.Split(s, ".") {
		n := 0
		for _, c := range part {
			if c < '0' || c > '9' {
				panic("profile: bad OID constant " + s)
			}
			n = n*10 + int(c-'0')
		}
		oid = append(oid, n)
	}
	return oid
}
