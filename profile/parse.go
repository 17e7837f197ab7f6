package profile

import (
	"crypto/x509"
	"errors"
	"strings"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/kzid"
)

// Identity is what relying parties read from a national certificate.
type Identity struct {
	// CommonName is the subject CN as encoded. For people it is "SURNAME NAME".
	CommonName string
	// Surname is the SURNAME attribute; Name is the CN minus the surname (the given
	// name); Patronymic is the G attribute, which the national profile uses for it.
	Surname, Name, Patronymic string
	// IIN and BIN are as found in SERIALNUMBER ("IIN…") and OU ("BIN…"), prefixes
	// stripped. They are returned even when their check digit fails (the national test
	// CA's certificates carry such values); IINValid and BINValid report the check.
	IIN, BIN           string
	IINValid, BINValid bool
	// Organization is O; Email the emailAddress attribute or else the first rfc822Name
	// of the SAN; Country C; Locality L; Region S.
	Organization, Email, Country, Locality, Region string
	// Type is SIGN when the key usage has digitalSignature+nonRepudiation, AUTH when it
	// has digitalSignature+keyEncipherment (and not SIGN), SSL when the EKU has
	// serverAuth, and "" otherwise and for CA certificates.
	Type core.CertType
	// Roles lists every EKU OID under the national arc 1.2.398, in certificate order,
	// each with its RoleName ("" when the OID is not a known role).
	Roles []Role
	// Policies lists the certificate policy OIDs, dotted.
	Policies []string
	// StaffRole is "administrator", "manager" or "operator" when a staff role OID is
	// present, else "".
	StaffRole string
	// Template is the best guess of the applicant template the certificate was issued
	// under ("" for CA and staff certificates): treasury and enotariat by their role
	// OIDs, SSL by serverAuth, legal templates by a BIN or the legal-entity role, told
	// apart by the BIN's type digit when its checksum holds (6 entrepreneur,
	// 5 non-resident, else legal entity). Non-resident individuals cannot be told from
	// residents and are reported as "individual".
	Template string
	// BusinessCategory and DomainComponent carry the Treasury-Client state body code
	// and role when present.
	BusinessCategory, DomainComponent string
}

// Role is a role OID found in a certificate's extended key usage with its name.
type Role struct {
	OID  string
	Name string
}

// HasRole reports whether id carries the role OID.
func (id *Identity) HasRole(oid string) bool {
	for _, r := range id.Roles {
		if r.OID == oid {
			return true
		}
	}
	return false
}

// nationalArc is the prefix of the Republic of Kazakhstan's OID arc.
const nationalArc = "1.2.398."

// Parse extracts the Identity from any certificate, including the national CA's test
// certificates and certificates whose public key Go cannot parse (GOST): it reads only
// the parsed subject names, key usage, extended key usage, SAN and policies. It fails
// only for a nil certificate.
func Parse(cert *x509.Certificate) (*Identity, error) {
	if cert == nil {
		return nil, errors.New("profile: parse: nil certificate")
	}
	id := &Identity{}
	for _, atv := range cert.Subject.Names {
		v, ok := atv.Value.(string)
		if !ok {
			continue
		}
		t := atv.Type
		switch {
		case t.Equal(oidCN):
			id.CommonName = v
		case t.Equal(oidSurname):
			id.Surname = v
		case t.Equal(oidSerialNumber):
			switch {
			case strings.HasPrefix(v, "IIN"):
				id.IIN = strings.TrimPrefix(v, "IIN")
			case strings.HasPrefix(v, "BIN"):
				if id.BIN == "" {
					id.BIN = strings.TrimPrefix(v, "BIN")
				}
			}
		case t.Equal(oidCountry):
			id.Country = v
		case t.Equal(oidLocality):
			id.Locality = v
		case t.Equal(oidState):
			id.Region = v
		case t.Equal(oidOrganization):
			id.Organization = v
		case t.Equal(oidOrgUnit):
			if strings.HasPrefix(v, "BIN") {
				id.BIN = strings.TrimPrefix(v, "BIN")
			}
		case t.Equal(oidGivenName):
			id.Patronymic = v
		case t.Equal(oidEmailAddress):
			id.Email = v
		case t.Equal(oidBusinessCategory):
			id.BusinessCategory = v
		case t.Equal(oidDomainComponent):
			id.DomainComponent = v
		}
	}
	if id.Email == "" && len(cert.EmailAddresses) > 0 {
		id.Email = cert.EmailAddresses[0]
	}
	if id.Surname != "" && strings.HasPrefix(id.CommonName, id.Surname+" ") {
		id.Name = strings.TrimSpace(strings.TrimPrefix(id.CommonName, id.Surname+" "))
	}
	id.IINValid = id.IIN != "" && kzid.ValidChecksum(id.IIN)
	id.BINValid = id.BIN != "" && kzid.ValidChecksum(id.BIN)

	for _, oid := range cert.UnknownExtKeyUsage {
		s := oid.String()
		if !strings.HasPrefix(s, nationalArc) {
			continue
		}
		name := RoleName(s)
		id.Roles = append(id.Roles, Role{OID: s, Name: name})
		if staffRoleOIDs[name] == s {
			id.StaffRole = name
		}
	}
	id.Policies = policies(cert)
	id.Type = certType(cert)
	id.Template = guessTemplate(id)
	return id, nil
}

// policies returns the dotted certificate policy OIDs of cert.
func policies(cert *x509.Certificate) []string {
	var out []string
	if len(cert.Policies) > 0 {
		for _, p := range cert.Policies {
			out = append(out, p.String())
		}
		return out
	}
	for _, p := range cert.PolicyIdentifiers {
		out = append(out, p.String())
	}
	return out
}

// certType classifies cert the way the country's relying parties do.
func certType(cert *x509.Certificate) core.CertType {
	if cert.IsCA {
		return ""
	}
	for _, u := range cert.ExtKeyUsage {
		if u == x509.ExtKeyUsageServerAuth {
			return core.CertSSL
		}
	}
	ku := cert.KeyUsage
	if ku&x509.KeyUsageDigitalSignature == 0 {
		return ""
	}
	switch {
	case ku&x509.KeyUsageContentCommitment != 0:
		return core.CertSign
	case ku&x509.KeyUsageKeyEncipherment != 0:
		return core.CertAuth
	}
	return ""
}

// guessTemplate infers the applicant template from the identity's roles and numbers.
func guessTemplate(id *Identity) string {
	if id.Type == "" || id.StaffRole != "" {
		return ""
	}
	for _, r := range id.Roles {
		if r.OID == OIDRoleTreasuryParticipant {
			return Treasury
		}
		if _, ok := eNotariatRoleByOID(r.OID); ok {
			return ENotariat
		}
	}
	legal := id.BIN != "" || id.HasRole(OIDRoleLegalEntity)
	if id.Type == core.CertSSL {
		if legal {
			return SSLLegal
		}
		return SSLIndividual
	}
	if !legal {
		return Individual
	}
	if id.BINValid { // the type digit means nothing in a number that fails its check
		switch kzid.EntityType(id.BIN[4] - '0') {
		case kzid.JointEntrepreneur:
			return Entrepreneur
		case kzid.NonResidentLegalEntity:
			return NonresidentLegal
		}
	}
	return LegalEntity
}

// eNotariatRoleByOID returns the E-Notariat system role of an EKU OID.
func eNotariatRoleByOID(oid string) (string, bool) {
	for role, o := range eNotariatRoleOIDs {
		if o == oid {
			return role, true
		}
	}
	return "", false
}
