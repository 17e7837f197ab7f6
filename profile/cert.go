package profile

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/gost"
	"github.com/opennca/nca/pki"
)

// Endpoints are the URLs a certificate points relying parties to.
type Endpoints struct {
	CRL       []string // CRL distribution point URLs
	DeltaCRL  []string // freshest (delta) CRL URLs, optional
	OCSP      []string // AIA id-ad-ocsp
	CAIssuers []string // AIA id-ad-caIssuers
	CPS       string   // CPS URI policy qualifier, optional
}

// Request asks EndEntity for an applicant's certificate.
type Request struct {
	Template  string        // template ID
	Type      core.CertType // SIGN, AUTH or SSL; must be one of the template's Keys
	Applicant core.Applicant
	PublicKey crypto.PublicKey
	// Now is the issuance time: NotBefore = Now in UTC truncated to the second,
	// NotAfter = NotBefore + 1 year (SPEC §2: all certificates are valid 1 year).
	Now time.Time
	// IdentifiedInPerson adds the role 1.2.398.3.3.4.3.1 (identified at a registration
	// centre).
	IdentifiedInPerson bool
	// Extra is reserved and must be empty.
	Extra []string
}

// Validity periods.
const (
	endEntityYears = 1
	rootYears      = 20
	issuingYears   = 10
)

// CountryKZ is the C attribute of every certificate of the authority: the country
// whose IIN/BIN the subject carries (non-residents included).
const CountryKZ = "KZ"

// EndEntity returns the to-be-signed certificate of an applicant, a template for
// x509.CreateCertificate following PROFILE.md; SerialNumber and AuthorityKeyId are
// left nil for the CA to fill; PublicKey is set to the subject's key (x509 ignores
// it; ca.Authority.Issue reads it). It validates the request (ValidateApplicant, CheckKey,
// the type against the template's Keys) and returns a *core.Error of kind KindInvalid
// or KindUnprocessable when it does not fit.
//
// Contents:
//   - subject (RawSubject), each attribute in its own RDN, in the order CN, SURNAME,
//     SERIALNUMBER=IIN…, C=KZ, [L], [S], [O, OU=BIN…], [G], [E], [businessCategory,
//     DC]; CN = "SURNAME NAME" upper-cased; SURNAME and G upper-cased; E only for
//     legal templates; businessCategory and DC only for the Treasury-Client. SSL
//     certificates: see sslSubject (CN = the domain);
//   - key usage (critical): SIGN digitalSignature+nonRepudiation; AUTH
//     digitalSignature+keyEncipherment; SSL digitalSignature+keyEncipherment for RSA
//     keys, digitalSignature for ECDSA keys;
//   - EKU: SIGN emailProtection, AUTH clientAuth, SSL serverAuth, then the role OIDs;
//   - certificate policies with the CPS qualifier; keystore type PKCS#12 for
//     SIGN/AUTH; SAN (SSL: dNSName = domain then extra domains; legal SIGN/AUTH:
//     rfc822Name = e-mail); SKI (SHA-1 of the key, RFC 5280 method 1); CRL DP,
//     Freshest CRL, AIA from ep; no basic constraints.
func EndEntity(req Request, ep Endpoints) (*x509.Certificate, error) {
	t, ok := Lookup(req.Template)
	if !ok {
		return nil, invalid("template", "unknown template %q", req.Template)
	}
	if !slices.Contains(t.Keys, req.Type) {
		return nil, invalid("type", "template %s does not issue %s certificates", t.ID, req.Type)
	}
	if len(req.Extra) > 0 {
		return nil, invalid("extra", "is reserved and must be empty")
	}
	if req.Now.IsZero() {
		return nil, invalid("now", "issuance time is not set")
	}
	a := req.Applicant
	if err := ValidateApplicant(t, a); err != nil {
		return nil, err
	}
	if err := CheckKey(req.Type, req.PublicKey); err != nil {
		return nil, err
	}

	var attrs []attr
	if t.SSL {
		attrs = sslSubject(&a, t.Legal)
	} else {
		attrs = personSubject(&a, commonName(&a), t.Legal, t.Legal)
	}
	if t.ID == Treasury {
		attrs = append(attrs,
			attr{oidBusinessCategory, cbasn1.UTF8String, a.StateBodyCode},
			attr{oidDomainComponent, cbasn1.IA5String, a.SystemRole})
	}

	cert, err := base(attrs, req.PublicKey, req.Now, endEntityYears)
	if err != nil {
		return nil, err
	}
	_, isECDSA := req.PublicKey.(*ecdsa.PublicKey)
	switch req.Type {
	case core.CertSign:
		cert.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
		cert.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}
	case core.CertAuth:
		cert.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
		cert.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	case core.CertSSL:
		cert.KeyUsage = x509.KeyUsageDigitalSignature
		if !isECDSA {
			cert.KeyUsage |= x509.KeyUsageKeyEncipherment
		}
		cert.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	cert.UnknownExtKeyUsage = oids(RoleOIDs(t, a, req.IdentifiedInPerson)...)

	cert.ExtraExtensions = append(cert.ExtraExtensions, policiesExtension(ep.CPS, PolicyFor(t, req.Type)))
	if req.Type != core.CertSSL {
		cert.ExtraExtensions = append(cert.ExtraExtensions, keystoreExtension(OIDKeystorePKCS12))
	}
	switch {
	case t.SSL:
		cert.DNSNames = []string{strings.ToLower(a.Domain)}
		for _, d := range a.ExtraDomains {
			cert.DNSNames = append(cert.DNSNames, strings.ToLower(d))
		}
	case t.Legal && a.Email != "":
		cert.EmailAddresses = []string{a.Email}
	}
	if err := setEndpoints(cert, ep); err != nil {
		return nil, err
	}
	return cert, nil
}

// RoleOIDs returns the role OIDs an applicant's certificate under t carries in its
// EKU, in this order: individual 1.2.398.3.3.4.1.1 (templates without an
// organisation), or legal entity 1.2.398.3.3.4.1.2 followed by the applicant's
// sub-role; then the treasury-client participant or the E-Notariat system role; then
// identified-in-person when requested.
func RoleOIDs(t *Template, a core.Applicant, identifiedInPerson bool) []string {
	var out []string
	if t.Legal {
		out = append(out, OIDRoleLegalEntity)
		if o, ok := legalRoleOIDs[a.Role]; ok {
			out = append(out, o)
		}
	} else {
		out = append(out, OIDRoleIndividual)
	}
	switch t.ID {
	case Treasury:
		out = append(out, OIDRoleTreasuryParticipant)
	case ENotariat:
		if o, ok := eNotariatRoleOIDs[a.SystemRole]; ok {
			out = append(out, o)
		}
	}
	if identifiedInPerson {
		out = append(out, OIDRoleIdentifiedInPerson)
	}
	return out
}

// PolicyFor returns the certificate policy OID of a certificate of type typ under t:
// legal templates SIGN 1.2.398.3.3.2.1, AUTH and SSL 1.2.398.3.3.2.2; the others SIGN
// 1.2.398.3.3.2.3, AUTH and SSL 1.2.398.3.3.2.4 (a TLS server certificate
// authenticates its owner, so SSL shares the authentication policy).
func PolicyFor(t *Template, typ core.CertType) string {
	sign := typ == core.CertSign
	switch {
	case t.Legal && sign:
		return OIDPolicySignLegal
	case t.Legal:
		return OIDPolicyAuthLegal
	case sign:
		return OIDPolicySignIndividual
	}
	return OIDPolicyAuthIndividual
}

// Staff returns the AUTH certificate template of one of the authority's own staff
// (role "administrator", "manager" or "operator"): the subject of an individual
// (CN, SURNAME, SERIALNUMBER=IIN…, C=KZ, [L, S]) plus O = a.Organization (the
// authority's organisation, required) and OU=BIN… when a.BIN is set, then G; key
// usage digitalSignature+keyEncipherment, EKU clientAuth + the staff role OID,
// policy 1.2.398.3.3.2.2 (authentication on behalf of a legal entity: staff act for
// the authority), keystore PKCS#12, 1 year. SerialNumber and AuthorityKeyId are nil.
func Staff(role string, a core.Applicant, pub crypto.PublicKey, now time.Time, ep Endpoints) (*x509.Certificate, error) {
	roleOID, ok := staffRoleOIDs[role]
	if !ok {
		return nil, invalid("role", "unknown staff role %q; allowed: administrator, manager, operator", role)
	}
	if now.IsZero() {
		return nil, invalid("now", "issuance time is not set")
	}
	for _, f := range []struct{ name, v string }{
		{FieldIIN, a.IIN}, {FieldSurname, a.Surname}, {FieldName, a.Name}, {FieldOrganization, a.Organization},
	} {
		if strings.TrimSpace(f.v) == "" {
			return nil, invalid(f.name, "is required")
		}
	}
	for _, f := range []struct{ name, v string }{
		{FieldIIN, a.IIN}, {FieldSurname, a.Surname}, {FieldName, a.Name}, {FieldPatronymic, a.Patronymic},
		{FieldRegion, a.Region}, {FieldCity, a.City}, {FieldOrganization, a.Organization}, {FieldBIN, a.BIN},
	} {
		if err := checkText(f.name, f.v); err != nil {
			return nil, err
		}
	}
	if err := validatePerson(&a); err != nil {
		return nil, err
	}
	if n := len([]rune(a.Organization)); n > maxOrganization {
		return nil, invalid(FieldOrganization, "longer than %d characters", maxOrganization)
	}
	if a.BIN != "" && !allDigits(a.BIN, 12) {
		return nil, invalid(FieldBIN, "must be exactly 12 digits")
	}
	if err := CheckKey(core.CertAuth, pub); err != nil {
		return nil, err
	}
	cert, err := base(personSubject(&a, commonName(&a), true, false), pub, now, endEntityYears)
	if err != nil {
		return nil, err
	}
	cert.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	cert.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	cert.UnknownExtKeyUsage = oids(roleOID)
	cert.ExtraExtensions = append(cert.ExtraExtensions,
		policiesExtension(ep.CPS, OIDPolicyAuthLegal), keystoreExtension(OIDKeystorePKCS12))
	if err := setEndpoints(cert, ep); err != nil {
		return nil, err
	}
	return cert, nil
}

// RootCA returns the template of a self-signed root CA: subject CN=commonName, C=KZ,
// O=org; basic constraints CA:TRUE (critical, no path length limit); key usage
// keyCertSign+cRLSign (critical); policy 1.2.398.3.1.2; SKI; valid 20 years from now
// (truncated to the second, UTC). The key must be RSA ≥ 2048 bits or ECDSA P-256/384.
func RootCA(commonName, org string, pub crypto.PublicKey, now time.Time) (*x509.Certificate, error) {
	cert, err := caBase(commonName, org, pub, now, rootYears)
	if err != nil {
		return nil, err
	}
	cert.MaxPathLen = -1
	cert.ExtraExtensions = append(cert.ExtraExtensions, policiesExtension("", OIDPolicyRoot))
	return cert, nil
}

// IssuingCA returns the template of an issuing (intermediate) CA: like RootCA but
// with MaxPathLen 0, valid 10 years, pointing to its parent through ep (CRL DP, AIA),
// and with policies 1.2.398.3.3.2 (CA regulations) plus the four subscriber policies
// 1.2.398.3.3.2.1–.4 (so RFC 5280 policy processing of every subscriber certificate
// yields a non-empty policy tree without asserting anyPolicy), each with the CPS
// qualifier of ep.
func IssuingCA(commonName, org string, pub crypto.PublicKey, now time.Time, ep Endpoints) (*x509.Certificate, error) {
	cert, err := caBase(commonName, org, pub, now, issuingYears)
	if err != nil {
		return nil, err
	}
	cert.MaxPathLen = 0
	cert.MaxPathLenZero = true
	cert.ExtraExtensions = append(cert.ExtraExtensions, policiesExtension(ep.CPS, OIDPolicyCARegulations,
		OIDPolicySignLegal, OIDPolicyAuthLegal, OIDPolicySignIndividual, OIDPolicyAuthIndividual))
	if err := setEndpoints(cert, ep); err != nil {
		return nil, err
	}
	return cert, nil
}

func caBase(commonName, org string, pub crypto.PublicKey, now time.Time, years int) (*x509.Certificate, error) {
	for _, f := range []struct{ name, v string }{{"common_name", commonName}, {FieldOrganization, org}} {
		if strings.TrimSpace(f.v) == "" {
			return nil, invalid(f.name, "is required")
		}
		if err := checkText(f.name, f.v); err != nil {
			return nil, err
		}
		if len([]rune(f.v)) > maxCommonName {
			return nil, invalid(f.name, "longer than %d characters", maxCommonName)
		}
	}
	if now.IsZero() {
		return nil, invalid("now", "issuance time is not set")
	}
	if err := checkCAKey(pub); err != nil {
		return nil, err
	}
	cert, err := base([]attr{
		{oidCN, cbasn1.UTF8String, commonName},
		{oidCountry, cbasn1.PrintableString, CountryKZ},
		{oidOrganization, cbasn1.UTF8String, org},
	}, pub, now, years)
	if err != nil {
		return nil, err
	}
	cert.BasicConstraintsValid = true
	cert.IsCA = true
	cert.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	return cert, nil
}

// base returns a template with the subject, validity and SKI set.
func base(attrs []attr, pub crypto.PublicKey, now time.Time, years int) (*x509.Certificate, error) {
	raw, err := encodeName(attrs)
	if err != nil {
		return nil, err
	}
	ski, err := SubjectKeyID(pub)
	if err != nil {
		return nil, core.Wrap(core.KindUnprocessable, err, "public key: cannot be encoded")
	}
	nb := now.UTC().Truncate(time.Second)
	return &x509.Certificate{
		RawSubject:   raw,
		NotBefore:    nb,
		NotAfter:     nb.AddDate(years, 0, 0),
		SubjectKeyId: ski,
		PublicKey:    pub,
	}, nil
}

// personSubject returns the national subject of a person. withOrg adds O and OU=BIN
// (OU only when the BIN is set); withEmail adds E.
func personSubject(a *core.Applicant, cn string, withOrg, withEmail bool) []attr {
	attrs := []attr{{oidCN, cbasn1.UTF8String, cn}}
	if a.Surname != "" {
		attrs = append(attrs, attr{oidSurname, cbasn1.UTF8String, strings.ToUpper(a.Surname)})
	}
	attrs = append(attrs,
		attr{oidSerialNumber, cbasn1.PrintableString, "IIN" + a.IIN},
		attr{oidCountry, cbasn1.PrintableString, CountryKZ})
	if a.City != "" {
		attrs = append(attrs, attr{oidLocality, cbasn1.UTF8String, a.City})
	}
	if a.Region != "" {
		attrs = append(attrs, attr{oidState, cbasn1.UTF8String, a.Region})
	}
	if withOrg {
		attrs = append(attrs, attr{oidOrganization, cbasn1.UTF8String, a.Organization})
		if a.BIN != "" {
			attrs = append(attrs, attr{oidOrgUnit, cbasn1.UTF8String, "BIN" + a.BIN})
		}
	}
	if a.Patronymic != "" {
		attrs = append(attrs, attr{oidGivenName, cbasn1.UTF8String, strings.ToUpper(a.Patronymic)})
	}
	if withEmail && a.Email != "" {
		attrs = append(attrs, attr{oidEmailAddress, cbasn1.IA5String, a.Email})
	}
	return attrs
}

// sslSubject returns the subject of a TLS server certificate: CN = the domain
// (lower-case), then the owner's identifiers in the national order: an individual's
// SERIALNUMBER=IIN… and C=KZ; an organisation's C=KZ, [L, S], O and OU=BIN…. A
// person's names (SURNAME, G), city and region are left out: a server certificate
// is public and names a site, not a person (and CA/B Forum BR §7.1.4 allows L and S
// only beside O).
func sslSubject(a *core.Applicant, legal bool) []attr {
	cn := attr{oidCN, cbasn1.UTF8String, strings.ToLower(a.Domain)}
	c := attr{oidCountry, cbasn1.PrintableString, CountryKZ}
	if !legal {
		return []attr{cn, {oidSerialNumber, cbasn1.PrintableString, "IIN" + a.IIN}, c}
	}
	attrs := []attr{cn, c}
	if a.City != "" {
		attrs = append(attrs, attr{oidLocality, cbasn1.UTF8String, a.City})
	}
	if a.Region != "" {
		attrs = append(attrs, attr{oidState, cbasn1.UTF8String, a.Region})
	}
	return append(attrs, attr{oidOrganization, cbasn1.UTF8String, a.Organization},
		attr{oidOrgUnit, cbasn1.UTF8String, "BIN" + a.BIN})
}

// attr is one subject attribute with the ASN.1 string type it is encoded as.
type attr struct {
	oid   asn1.ObjectIdentifier
	tag   cbasn1.Tag
	value string
}

// encodeName encodes attrs as an RDNSequence, one attribute per RDN, in order.
func encodeName(attrs []attr) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, at := range attrs {
			b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(at.oid)
					b.AddASN1(at.tag, func(b *cryptobyte.Builder) { b.AddBytes([]byte(at.value)) })
				})
			})
		}
	})
	for _, at := range attrs {
		if err := checkStringType(at); err != nil {
			return nil, err
		}
	}
	return b.Bytes()
}

// checkStringType makes sure a value fits its ASN.1 string type.
func checkStringType(at attr) error {
	for _, r := range at.value {
		switch at.tag {
		case cbasn1.PrintableString:
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(" '()+,-./:=?", r)) {
				return invalid(at.oid.String(), "%q does not fit a PrintableString", at.value)
			}
		case cbasn1.IA5String:
			if r > 0x7f {
				return invalid(at.oid.String(), "%q does not fit an IA5String", at.value)
			}
		}
	}
	return nil
}

func oids(dotted ...string) []asn1.ObjectIdentifier {
	out := make([]asn1.ObjectIdentifier, len(dotted))
	for i, s := range dotted {
		out[i] = mustOID(s)
	}
	return out
}

// policiesExtension builds the non-critical certificate policies extension: one
// PolicyInformation per OID, each with a CPS URI qualifier when cps is set.
func policiesExtension(cps string, policies ...string) pkix.Extension {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, p := range policies {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(mustOID(p))
				if cps == "" {
					return
				}
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(oidQualifierCPS)
						b.AddASN1(cbasn1.IA5String, func(b *cryptobyte.Builder) { b.AddBytes([]byte(cps)) })
					})
				})
			})
		}
	})
	return pkix.Extension{Id: oidExtCertPolicies, Value: b.BytesOrPanic()}
}

// keystoreExtension builds the non-critical keystore-type extension
// 1.2.398.3.3.5: SEQUENCE { storage OID }.
func keystoreExtension(storage string) pkix.Extension {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(mustOID(storage))
	})
	return pkix.Extension{Id: oidExtKeystoreType, Value: b.BytesOrPanic()}
}

// freshestCRLExtension builds the non-critical Freshest CRL extension (RFC 5280
// §4.2.1.15), which has the syntax of CRL distribution points.
func freshestCRLExtension(urls []string) pkix.Extension {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, u := range urls {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // DistributionPoint
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { // distributionPoint
					b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { // fullName
						b.AddASN1(cbasn1.Tag(6).ContextSpecific(), func(b *cryptobyte.Builder) { // URI
							b.AddBytes([]byte(u))
						})
					})
				})
			})
		}
	})
	return pkix.Extension{Id: oidExtFreshestCRL, Value: b.BytesOrPanic()}
}

// setEndpoints puts the CRL DP, Freshest CRL and AIA of ep into cert.
func setEndpoints(cert *x509.Certificate, ep Endpoints) error {
	for _, u := range slices.Concat(ep.CRL, ep.DeltaCRL, ep.OCSP, ep.CAIssuers, []string{ep.CPS}) {
		for _, r := range u {
			if r < 0x21 || r > 0x7e {
				return core.Errorf(core.KindInvalid, "endpoints: URL %q is not printable ASCII", u)
			}
		}
	}
	cert.CRLDistributionPoints = slices.Clone(ep.CRL)
	cert.OCSPServer = slices.Clone(ep.OCSP)
	cert.IssuingCertificateURL = slices.Clone(ep.CAIssuers)
	if len(ep.DeltaCRL) > 0 {
		cert.ExtraExtensions = append(cert.ExtraExtensions, freshestCRLExtension(ep.DeltaCRL))
	}
	return nil
}

// SubjectKeyID returns the key identifier of pub by RFC 5280 §4.2.1.2 method 1: the
// SHA-1 of the subjectPublicKey BIT STRING contents of its SubjectPublicKeyInfo as
// pki.MarshalPublicKey writes it (RSA, ECDSA, and GOST keys in the national layout).
func SubjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := pki.MarshalPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("profile: subject key identifier: %w", err)
	}
	ski, err := pki.SubjectKeyID(der)
	if err != nil {
		return nil, fmt.Errorf("profile: subject key identifier: %w", err)
	}
	return ski, nil
}

// Key size limits.
const (
	minRSABits = 2048
	maxRSABits = 8192
)

// CheckKey enforces the key policy for a certificate type and returns a *core.Error
// of kind KindUnprocessable when pub does not fit (KindInvalid for an unknown type):
//   - RSA: 2048–8192 bits, odd modulus, odd public exponent ≥ 3 — any type;
//   - ECDSA P-256 or P-384: SSL only;
//   - GOST 34.10-2015 512-bit (tc26-512-paramSetA) and GOST 34.310-2004
//     (CryptoPro-A), the national GOST keys: SIGN and AUTH (SPEC §2: legal entities
//     sign with GOST; AUTH on GOST media);
//   - anything else is refused.
func CheckKey(t core.CertType, pub crypto.PublicKey) error {
	switch t {
	case core.CertSign, core.CertAuth, core.CertSSL, core.CertOperator:
	default:
		return invalid("type", "unknown certificate type %q", t)
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return checkRSA(k)
	case *ecdsa.PublicKey:
		if t != core.CertSSL {
			return core.Errorf(core.KindUnprocessable, "public key: ECDSA keys are accepted for SSL certificates only; %s needs RSA", t)
		}
		return checkECDSA(k)
	case *gost.PublicKey:
		if t != core.CertSign && t != core.CertAuth {
			return core.Errorf(core.KindUnprocessable, "public key: GOST keys are accepted for SIGN and AUTH certificates only; %s needs RSA", t)
		}
		return checkGOST(k)
	case nil:
		return core.Errorf(core.KindUnprocessable, "public key: missing")
	default:
		return core.Errorf(core.KindUnprocessable, "public key: %T keys are not accepted", pub)
	}
}

func checkRSA(k *rsa.PublicKey) error {
	if k == nil || k.N == nil {
		return core.Errorf(core.KindUnprocessable, "public key: missing")
	}
	n := k.N.BitLen()
	if n < minRSABits || n > maxRSABits {
		return core.Errorf(core.KindUnprocessable, "public key: RSA key of %d bits; %d to %d bits are accepted", n, minRSABits, maxRSABits)
	}
	if k.N.Bit(0) == 0 {
		return core.Errorf(core.KindUnprocessable, "public key: RSA modulus is even")
	}
	if k.E < 3 || k.E%2 == 0 {
		return core.Errorf(core.KindUnprocessable, "public key: RSA exponent %d; an odd exponent ≥ 3 (65537) is required", k.E)
	}
	return nil
}

func checkECDSA(k *ecdsa.PublicKey) error {
	if k == nil || k.Curve == nil {
		return core.Errorf(core.KindUnprocessable, "public key: missing")
	}
	switch k.Curve {
	case elliptic.P256(), elliptic.P384():
		return nil
	}
	return core.Errorf(core.KindUnprocessable, "public key: ECDSA curve %s; P-256 or P-384 is required", k.Curve.Params().Name)
}

// checkGOST accepts the national GOST keys: GOST 2015 512-bit on tc26-512-paramSetA
// and GOST 34.310-2004 on CryptoPro-A.
func checkGOST(k *gost.PublicKey) error {
	if k == nil || k.Curve() == nil {
		return core.Errorf(core.KindUnprocessable, "public key: missing")
	}
	c := k.Curve()
	if c.SameGroup(gost.Curve512A()) || c.SameGroup(gost.CurveCryptoProA()) {
		return nil
	}
	return core.Errorf(core.KindUnprocessable, "public key: GOST curve %s; GOST 34.10-2015 512-bit (tc26-512-paramSetA) or GOST 34.310-2004 (CryptoPro-A) is required", c.Name())
}

// checkCAKey accepts RSA ≥ 2048 bits, ECDSA P-256/P-384 or a GOST 34.10-2015 512-bit
// key for a CA.
func checkCAKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *gost.PublicKey:
		if k != nil && k.Curve() != nil && k.Curve().SameGroup(gost.Curve512A()) {
			return nil
		}
		return core.Errorf(core.KindUnprocessable, "public key: a GOST CA key must be GOST 34.10-2015 512-bit")
	case *rsa.PublicKey:
		return checkRSA(k)
	case *ecdsa.PublicKey:
		return checkECDSA(k)
	}
	return core.Errorf(core.KindUnprocessable, "public key: %T keys are not accepted for a CA", pub)
}
