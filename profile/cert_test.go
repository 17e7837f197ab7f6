package profile

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/opennca/nca/core"
)

var testNow = time.Date(2026, 5, 4, 10, 30, 15, 987654321, time.FixedZone("ALMT", 5*3600))

var testEndpoints = Endpoints{
	CRL:       []string{"http://pki.example.kz/crl/nca-rsa.crl"},
	DeltaCRL:  []string{"http://pki.example.kz/crl/nca-rsa-delta.crl"},
	OCSP:      []string{"http://pki.example.kz/ocsp/nca-rsa"},
	CAIssuers: []string{"http://pki.example.kz/ca/nca-rsa.cer"},
	CPS:       "http://pki.example.kz/repository/cps",
}

// testKeys holds keys generated once: the throwaway issuer's and the subjects'.
var testKeys = sync.OnceValue(func() (k struct {
	issuer, subject *rsa.PrivateKey
	ec              *ecdsa.PrivateKey
}) {
	var err error
	if k.issuer, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		panic(err)
	}
	if k.subject, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		panic(err)
	}
	if k.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		panic(err)
	}
	return k
})

// throwawayIssuer returns a self-signed issuing CA made from IssuingCA.
var throwawayIssuer = sync.OnceValue(func() *x509.Certificate {
	k := testKeys().issuer
	tmpl, err := IssuingCA("Throwaway CA", "Test", &k.PublicKey, testNow.Add(-time.Hour), testEndpoints)
	if err != nil {
		panic(err)
	}
	tmpl.SerialNumber = bigOne()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		panic(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return c
})

// sign signs tmpl under the throwaway issuer and parses the result.
func sign(t *testing.T, tmpl *x509.Certificate) *x509.Certificate {
	t.Helper()
	if tmpl.SerialNumber != nil || tmpl.AuthorityKeyId != nil {
		t.Fatal("template has SerialNumber or AuthorityKeyId set; the CA fills them")
	}
	tmpl.SerialNumber = bigOne()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, throwawayIssuer(), tmpl.PublicKey, testKeys().issuer)
	if err != nil {
		t.Fatalf("CreateCertificate: %v", err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("ParseCertificate: %v", err)
	}
	return c
}

// ASN.1 universal string tags.
const (
	tagUTF8      = 12
	tagPrintable = 19
	tagIA5       = 22
)

// rdn is one attribute of a decoded name: each RDN must hold exactly one.
type rdn struct {
	OID   string
	Tag   int
	Value string
}

func (r rdn) String() string { return fmt.Sprintf("%s/%d=%s", r.OID, r.Tag, r.Value) }

// decodeName decodes a DER Name independently of crypto/x509, failing on RDNs with
// more than one attribute.
func decodeName(t *testing.T, raw []byte) []rdn {
	t.Helper()
	in := cryptobyte.String(raw)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		t.Fatal("name: not a SEQUENCE")
	}
	var out []rdn
	for !seq.Empty() {
		var set, atv, val cryptobyte.String
		var oid asn1.ObjectIdentifier
		var tag cbasn1.Tag
		if !seq.ReadASN1(&set, cbasn1.SET) || !set.ReadASN1(&atv, cbasn1.SEQUENCE) ||
			!atv.ReadASN1ObjectIdentifier(&oid) || !atv.ReadAnyASN1(&val, &tag) {
			t.Fatal("name: malformed RDN")
		}
		if !set.Empty() {
			t.Fatalf("name: RDN %s has more than one attribute", oid)
		}
		out = append(out, rdn{oid.String(), int(tag), string(val)})
	}
	return out
}

// Sample values (see Sample) as they must appear in certificates.
var (
	cn         = rdn{"2.5.4.3", tagUTF8, "ТЕСТОВА АЙГЕРІМ"}
	surname    = rdn{"2.5.4.4", tagUTF8, "ТЕСТОВА"}
	serial     = rdn{"2.5.4.5", tagPrintable, "IIN871008401427"}
	country    = rdn{"2.5.4.6", tagPrintable, "KZ"}
	locality   = rdn{"2.5.4.7", tagUTF8, "Қонаев"}
	state      = rdn{"2.5.4.8", tagUTF8, "Алматы облысы"}
	given      = rdn{"2.5.4.42", tagUTF8, "СЕРІКҚЫЗЫ"}
	email      = rdn{"1.2.840.113549.1.9.1", tagIA5, "aigerim.testova@example.kz"}
	org        = rdn{"2.5.4.10", tagUTF8, `АО "Тест"`}
	ou         = rdn{"2.5.4.11", tagUTF8, "BIN940140000385"}
	sslCN      = rdn{"2.5.4.3", tagUTF8, "example.kz"}
	bizCat     = rdn{"2.5.4.15", tagUTF8, "1234567"}
	dc         = rdn{"0.9.2342.19200300.100.1.25", tagIA5, "accountant"}
	orgIE      = rdn{"2.5.4.10", tagUTF8, `ИП "Тестова"`}
	ouIE       = rdn{"2.5.4.11", tagUTF8, "BIN240160000000"}
	orgNR      = rdn{"2.5.4.10", tagUTF8, "Test GmbH (branch)"}
	ouNR       = rdn{"2.5.4.11", tagUTF8, "BIN240150000006"}
	individual = []rdn{cn, surname, serial, country, locality, state, given}
)

// expectation is what a template's certificate must carry, written with literal OIDs.
type expectation struct {
	subject []rdn
	roles   []string // role OIDs after the ordinary EKU
	legal   bool
}

var expectations = map[string]expectation{
	Individual:            {subject: individual, roles: []string{"1.2.398.3.3.4.1.1"}},
	NonresidentIndividual: {subject: individual, roles: []string{"1.2.398.3.3.4.1.1"}},
	ENotariat:             {subject: individual, roles: []string{"1.2.398.3.3.4.1.1", "1.2.398.6.1.1.1.1"}},
	LegalEntity: {subject: []rdn{cn, surname, serial, country, locality, state, org, ou, given, email},
		roles: []string{"1.2.398.3.3.4.1.2", "1.2.398.3.3.4.1.2.5"}, legal: true},
	Entrepreneur: {subject: []rdn{cn, surname, serial, country, locality, state, orgIE, ouIE, given, email},
		roles: []string{"1.2.398.3.3.4.1.2", "1.2.398.3.3.4.1.2.5"}, legal: true},
	NonresidentLegal: {subject: []rdn{cn, surname, serial, country, locality, state, orgNR, ouNR, given, email},
		roles: []string{"1.2.398.3.3.4.1.2", "1.2.398.3.3.4.1.2.5"}, legal: true},
	Treasury: {subject: []rdn{cn, surname, serial, country, locality, state, org, ou, given, email, bizCat, dc},
		roles: []string{"1.2.398.3.3.4.1.2", "1.2.398.3.3.4.1.2.5", "1.2.398.5.19.1.2.2.1"}, legal: true},
	SSLIndividual: {subject: []rdn{sslCN, serial, country}, roles: []string{"1.2.398.3.3.4.1.1"}},
	SSLLegal: {subject: []rdn{sslCN, country, locality, state, org, ou},
		roles: []string{"1.2.398.3.3.4.1.2", "1.2.398.3.3.4.1.2.5"}, legal: true},
}

// Extension OIDs.
const (
	extKU        = "2.5.29.15"
	extEKU       = "2.5.29.37"
	extSKI       = "2.5.29.14"
	extAKI       = "2.5.29.35"
	extPolicies  = "2.5.29.32"
	extCRLDP     = "2.5.29.31"
	extFreshest  = "2.5.29.46"
	extAIA       = "1.3.6.1.5.5.7.1.1"
	extSAN       = "2.5.29.17"
	extBasic     = "2.5.29.19"
	extKeystore  = "1.2.398.3.3.5"
	ekuServer    = "1.3.6.1.5.5.7.3.1"
	ekuClient    = "1.3.6.1.5.5.7.3.2"
	ekuEmail     = "1.3.6.1.5.5.7.3.4"
	inPerson     = "1.2.398.3.3.4.3.1"
	keystoreDER  = "300a06082a830e0303050101" // SEQUENCE { 1.2.398.3.3.5.1.1 }
	cpsQualifier = "1.3.6.1.5.5.7.2.1"
)

func TestEndEntityEveryTemplate(t *testing.T) {
	k := testKeys()
	for _, tp := range Templates() {
		want, ok := expectations[tp.ID]
		if !ok {
			t.Fatalf("no expectation for template %s", tp.ID)
		}
		for _, typ := range tp.Keys {
			keys := map[string]crypto.PublicKey{"rsa": &k.subject.PublicKey}
			if typ == core.CertSSL {
				keys["ecdsa"] = &k.ec.PublicKey
			}
			for kname, pub := range keys {
				t.Run(fmt.Sprintf("%s/%s/%s", tp.ID, typ, kname), func(t *testing.T) {
					a := Sample(tp.ID)
					tmpl, err := EndEntity(Request{Template: tp.ID, Type: typ, Applicant: a, PublicKey: pub,
						Now: testNow, IdentifiedInPerson: true}, testEndpoints)
					if err != nil {
						t.Fatalf("EndEntity: %v", err)
					}
					c := sign(t, tmpl)
					checkEndEntity(t, c, tp, typ, kname, want)
				})
			}
		}
	}
}

func checkEndEntity(t *testing.T, c *x509.Certificate, tp *Template, typ core.CertType, kname string, want expectation) {
	t.Helper()
	if c.Version != 3 {
		t.Errorf("version %d", c.Version)
	}
	// Subject: every attribute, its string type and order.
	if got := decodeName(t, c.RawSubject); !slices.Equal(got, want.subject) {
		t.Errorf("subject\n got %v\nwant %v", got, want.subject)
	}
	// Validity: NotBefore = now truncated to the second in UTC, one year.
	nb := time.Date(2026, 5, 4, 5, 30, 15, 0, time.UTC)
	if !c.NotBefore.Equal(nb) || !c.NotAfter.Equal(time.Date(2027, 5, 4, 5, 30, 15, 0, time.UTC)) {
		t.Errorf("validity %v – %v", c.NotBefore, c.NotAfter)
	}

	exts := map[string][]byte{}
	var order []string
	for _, e := range c.Extensions {
		id := e.Id.String()
		if _, dup := exts[id]; dup {
			t.Errorf("duplicate extension %s", id)
		}
		exts[id] = e.Value
		order = append(order, id)
		if e.Critical != (id == extKU) {
			t.Errorf("extension %s critical = %v", id, e.Critical)
		}
	}
	wantExts := []string{extKU, extEKU, extSKI, extAKI, extPolicies, extCRLDP, extFreshest, extAIA}
	if typ != core.CertSSL {
		wantExts = append(wantExts, extKeystore)
	}
	wantSAN := typ == core.CertSSL || want.legal
	if wantSAN {
		wantExts = append(wantExts, extSAN)
	}
	slices.Sort(wantExts)
	slices.Sort(order)
	if !slices.Equal(order, wantExts) {
		t.Errorf("extensions\n got %v\nwant %v", order, wantExts)
	}
	if _, ok := exts[extBasic]; ok {
		t.Error("basic constraints present")
	}

	// Key usage, exact DER.
	wantKU := map[core.CertType]string{core.CertSign: "030206c0", core.CertAuth: "030205a0", core.CertSSL: "030205a0"}[typ]
	if typ == core.CertSSL && kname == "ecdsa" {
		wantKU = "03020780"
	}
	if got := hex.EncodeToString(exts[extKU]); got != wantKU {
		t.Errorf("key usage %s, want %s", got, wantKU)
	}

	// EKU: the ordinary purpose, then the role OIDs, then identified in person.
	var ekus []asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(exts[extEKU], &ekus); err != nil {
		t.Fatal(err)
	}
	base := map[core.CertType]string{core.CertSign: ekuEmail, core.CertAuth: ekuClient, core.CertSSL: ekuServer}[typ]
	wantEKU := slices.Concat([]string{base}, want.roles, []string{inPerson})
	if got := oidStrings(ekus); !slices.Equal(got, wantEKU) {
		t.Errorf("EKU\n got %v\nwant %v", got, wantEKU)
	}

	// Certificate policies with the CPS qualifier.
	wantPolicy := map[bool]map[core.CertType]string{
		true:  {core.CertSign: "1.2.398.3.3.2.1", core.CertAuth: "1.2.398.3.3.2.2", core.CertSSL: "1.2.398.3.3.2.2"},
		false: {core.CertSign: "1.2.398.3.3.2.3", core.CertAuth: "1.2.398.3.3.2.4", core.CertSSL: "1.2.398.3.3.2.4"},
	}[want.legal][typ]
	checkPolicies(t, exts[extPolicies], []string{wantPolicy}, testEndpoints.CPS)

	if typ != core.CertSSL {
		if got := hex.EncodeToString(exts[extKeystore]); got != keystoreDER {
			t.Errorf("keystore extension %s", got)
		}
	}

	// SAN.
	switch {
	case typ == core.CertSSL:
		if !slices.Equal(c.DNSNames, []string{"example.kz", "www.example.kz", "mail.example.kz"}) || len(c.EmailAddresses) > 0 {
			t.Errorf("SAN %v %v", c.DNSNames, c.EmailAddresses)
		}
	case want.legal:
		if !slices.Equal(c.EmailAddresses, []string{"aigerim.testova@example.kz"}) || len(c.DNSNames) > 0 {
			t.Errorf("SAN %v %v", c.DNSNames, c.EmailAddresses)
		}
	}
	if len(c.URIs) > 0 || len(c.IPAddresses) > 0 {
		t.Error("SAN has URIs or IP addresses")
	}

	// SKI: SHA-1 of the subjectPublicKey BIT STRING (RFC 5280 method 1).
	var spki struct {
		Alg asn1.RawValue
		Key asn1.BitString
	}
	if _, err := asn1.Unmarshal(c.RawSubjectPublicKeyInfo, &spki); err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum(spki.Key.Bytes)
	if !bytes.Equal(c.SubjectKeyId, sum[:]) {
		t.Errorf("SKI %x, want %x", c.SubjectKeyId, sum)
	}
	if !bytes.Equal(c.AuthorityKeyId, throwawayIssuer().SubjectKeyId) {
		t.Error("AKI is not the issuer's SKI")
	}

	// Endpoints.
	if !slices.Equal(c.CRLDistributionPoints, testEndpoints.CRL) || !slices.Equal(c.OCSPServer, testEndpoints.OCSP) ||
		!slices.Equal(c.IssuingCertificateURL, testEndpoints.CAIssuers) {
		t.Errorf("endpoints %v %v %v", c.CRLDistributionPoints, c.OCSPServer, c.IssuingCertificateURL)
	}
	if got := decodeDistributionPoints(t, exts[extFreshest]); !slices.Equal(got, testEndpoints.DeltaCRL) {
		t.Errorf("freshest CRL %v", got)
	}
	if got := decodeDistributionPoints(t, exts[extCRLDP]); !slices.Equal(got, testEndpoints.CRL) {
		t.Errorf("CRL DP %v", got)
	}

	// Parse reads back what we wrote.
	id, err := Parse(c)
	if err != nil {
		t.Fatal(err)
	}
	if id.Type != typ {
		t.Errorf("Parse type %q", id.Type)
	}
	wantTemplate := tp.ID
	if tp.ID == NonresidentIndividual {
		wantTemplate = Individual
	}
	if id.Template != wantTemplate {
		t.Errorf("Parse template %q", id.Template)
	}
	if id.Country != "KZ" || !slices.Equal(id.Policies, []string{wantPolicy}) {
		t.Errorf("Parse %+v", id)
	}
	if typ != core.CertSSL {
		if id.CommonName != cn.Value || id.Surname != surname.Value || id.Name != "АЙГЕРІМ" || id.Patronymic != given.Value ||
			id.IIN != "871008401427" || !id.IINValid || id.Locality != locality.Value || id.Region != state.Value {
			t.Errorf("Parse person %+v", id)
		}
	}
	if want.legal {
		if id.BIN == "" || !id.BINValid || id.Organization == "" {
			t.Errorf("Parse organisation %+v", id)
		}
		if id.Email != "aigerim.testova@example.kz" && typ != core.CertSSL {
			t.Errorf("Parse email %q", id.Email)
		}
	}
	var roleOIDs []string
	for _, r := range id.Roles {
		roleOIDs = append(roleOIDs, r.OID)
		if r.Name == "" {
			t.Errorf("role %s has no name", r.OID)
		}
	}
	if !slices.Equal(roleOIDs, slices.Concat(want.roles, []string{inPerson})) {
		t.Errorf("Parse roles %v", id.Roles)
	}
}

func oidStrings(oids []asn1.ObjectIdentifier) []string {
	out := make([]string, len(oids))
	for i, o := range oids {
		out[i] = o.String()
	}
	return out
}

// checkPolicies decodes a certificatePolicies value and checks the OIDs and that
// each has exactly one CPS qualifier (IA5String) equal to cps ("" = no qualifiers).
func checkPolicies(t *testing.T, der []byte, want []string, cps string) {
	t.Helper()
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		t.Fatal("policies: not a SEQUENCE")
	}
	var got []string
	for !seq.Empty() {
		var pi cryptobyte.String
		var oid asn1.ObjectIdentifier
		if !seq.ReadASN1(&pi, cbasn1.SEQUENCE) || !pi.ReadASN1ObjectIdentifier(&oid) {
			t.Fatal("policies: malformed PolicyInformation")
		}
		got = append(got, oid.String())
		if cps == "" {
			if !pi.Empty() {
				t.Errorf("policy %s has qualifiers", oid)
			}
			continue
		}
		var quals, q, uri cryptobyte.String
		var qid asn1.ObjectIdentifier
		if !pi.ReadASN1(&quals, cbasn1.SEQUENCE) || !quals.ReadASN1(&q, cbasn1.SEQUENCE) ||
			!q.ReadASN1ObjectIdentifier(&qid) || !q.ReadASN1(&uri, cbasn1.IA5String) || !quals.Empty() || !pi.Empty() {
			t.Fatalf("policy %s: malformed qualifiers", oid)
		}
		if qid.String() != cpsQualifier || string(uri) != cps {
			t.Errorf("policy %s qualifier %s %q", oid, qid, uri)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("policies %v, want %v", got, want)
	}
}

// decodeDistributionPoints returns the fullName URIs of a CRLDistributionPoints value.
func decodeDistributionPoints(t *testing.T, der []byte) []string {
	t.Helper()
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) {
		t.Fatal("distribution points: not a SEQUENCE")
	}
	var out []string
	for !seq.Empty() {
		var dp, name, full, uri cryptobyte.String
		if !seq.ReadASN1(&dp, cbasn1.SEQUENCE) ||
			!dp.ReadASN1(&name, cbasn1.Tag(0).Constructed().ContextSpecific()) ||
			!name.ReadASN1(&full, cbasn1.Tag(0).Constructed().ContextSpecific()) ||
			!full.ReadASN1(&uri, cbasn1.Tag(6).ContextSpecific()) {
			t.Fatal("distribution points: malformed")
		}
		out = append(out, string(uri))
	}
	return out
}

func TestEndEntityRoles(t *testing.T) {
	k := testKeys()
	for _, c := range []struct {
		template, role, system string
		inPerson               bool
		want                   []string
	}{
		{LegalEntity, RoleFirstHead, "", false, []string{"1.2.398.3.3.4.1.2", "1.2.398.3.3.4.1.2.1"}},
		{LegalEntity, RoleSigningRight, "", false, []string{"1.2.398.3.3.4.1.2", "1.2.398.3.3.4.1.2.2"}},
		{LegalEntity, RoleFinancialSigning, "", false, []string{"1.2.398.3.3.4.1.2", "1.2.398.3.3.4.1.2.3"}},
		{LegalEntity, RoleHR, "", false, []string{"1.2.398.3.3.4.1.2", "1.2.398.3.3.4.1.2.4"}},
		{LegalEntity, RoleEmployee, "", true, []string{"1.2.398.3.3.4.1.2", "1.2.398.3.3.4.1.2.5", "1.2.398.3.3.4.3.1"}},
		{Treasury, RoleFirstHead, "chief-accountant", false, []string{"1.2.398.3.3.4.1.2", "1.2.398.3.3.4.1.2.1", "1.2.398.5.19.1.2.2.1"}},
		{ENotariat, "", SystemNotary, false, []string{"1.2.398.3.3.4.1.1", "1.2.398.6.1.1.1.1"}},
		{ENotariat, "", SystemMinistry, false, []string{"1.2.398.3.3.4.1.1", "1.2.398.6.1.1.1.2"}},
		{ENotariat, "", SystemTerritorialJustice, false, []string{"1.2.398.3.3.4.1.1", "1.2.398.6.1.1.1.3"}},
		{ENotariat, "", SystemRepublicanChamber, false, []string{"1.2.398.3.3.4.1.1", "1.2.398.6.1.1.1.4"}},
		{ENotariat, "", SystemTerritorialChamber, false, []string{"1.2.398.3.3.4.1.1", "1.2.398.6.1.1.1.5"}},
		{ENotariat, "", SystemModerator, false, []string{"1.2.398.3.3.4.1.1", "1.2.398.6.1.1.1.6"}},
		{ENotariat, "", SystemAdministrator, true, []string{"1.2.398.3.3.4.1.1", "1.2.398.6.1.1.1.7", "1.2.398.3.3.4.3.1"}},
		{Individual, "", "", false, []string{"1.2.398.3.3.4.1.1"}},
	} {
		t.Run(c.template+"/"+c.role+c.system, func(t *testing.T) {
			a := Sample(c.template)
			a.Role, a.SystemRole = c.role, c.system
			tmpl, err := EndEntity(Request{Template: c.template, Type: core.CertAuth, Applicant: a,
				PublicKey: &k.subject.PublicKey, Now: testNow, IdentifiedInPerson: c.inPerson}, testEndpoints)
			if err != nil {
				t.Fatal(err)
			}
			cert := sign(t, tmpl)
			if got := oidStrings(cert.UnknownExtKeyUsage); !slices.Equal(got, c.want) {
				t.Errorf("roles %v, want %v", got, c.want)
			}
			id, _ := Parse(cert)
			if c.template == Treasury && (id.DomainComponent != c.system || id.BusinessCategory != "1234567") {
				t.Errorf("treasury DC/businessCategory %q %q", id.DomainComponent, id.BusinessCategory)
			}
			if id.Template != c.template {
				t.Errorf("Parse template %q", id.Template)
			}
		})
	}
}

func TestEndEntityErrors(t *testing.T) {
	k := testKeys()
	rsaPub := &k.subject.PublicKey
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	for _, c := range []struct {
		name  string
		req   Request
		kind  core.Kind
		field string
	}{
		{"unknown template", Request{Template: "nope", Type: core.CertSign, PublicKey: rsaPub, Now: testNow}, core.KindInvalid, "template:"},
		{"SSL for individual", Request{Template: Individual, Type: core.CertSSL, Applicant: Sample(Individual), PublicKey: rsaPub, Now: testNow}, core.KindInvalid, "type:"},
		{"SIGN for SSL", Request{Template: SSLLegal, Type: core.CertSign, Applicant: Sample(SSLLegal), PublicKey: rsaPub, Now: testNow}, core.KindInvalid, "type:"},
		{"extra", Request{Template: Individual, Type: core.CertSign, Applicant: Sample(Individual), PublicKey: rsaPub, Now: testNow, Extra: []string{"x"}}, core.KindInvalid, "extra:"},
		{"no time", Request{Template: Individual, Type: core.CertSign, Applicant: Sample(Individual), PublicKey: rsaPub}, core.KindInvalid, "now:"},
		{"bad applicant", Request{Template: Individual, Type: core.CertSign, Applicant: core.Applicant{}, PublicKey: rsaPub, Now: testNow}, core.KindInvalid, "iin:"},
		{"ECDSA SIGN", Request{Template: Individual, Type: core.CertSign, Applicant: Sample(Individual), PublicKey: &k.ec.PublicKey, Now: testNow}, core.KindUnprocessable, "public key:"},
		{"RSA 1024", Request{Template: Individual, Type: core.CertAuth, Applicant: Sample(Individual), PublicKey: &small.PublicKey, Now: testNow}, core.KindUnprocessable, "public key:"},
		{"no key", Request{Template: Individual, Type: core.CertAuth, Applicant: Sample(Individual), Now: testNow}, core.KindUnprocessable, "public key:"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := EndEntity(c.req, testEndpoints)
			checkErr(t, err, c.kind, c.field)
		})
	}
}

func checkErr(t *testing.T, err error, kind core.Kind, prefix string) {
	t.Helper()
	var ce *core.Error
	if err == nil {
		t.Fatalf("no error, want %s %q", kind, prefix)
	}
	if !asCoreError(err, &ce) || ce.Kind != kind || !strings.HasPrefix(ce.Detail, prefix) {
		t.Fatalf("error %v; want kind %s with detail starting %q", err, kind, prefix)
	}
}

func asCoreError(err error, target **core.Error) bool {
	e, ok := err.(*core.Error)
	if ok {
		*target = e
	}
	return ok
}

func TestStaff(t *testing.T) {
	k := testKeys()
	a := Sample(Individual)
	a.Organization = "OpenNCA"
	for role, oid := range map[string]string{StaffAdministrator: "1.2.398.3.3.4.2.1", StaffManager: "1.2.398.3.3.4.2.2", StaffOperator: "1.2.398.3.3.4.2.3"} {
		t.Run(role, func(t *testing.T) {
			tmpl, err := Staff(role, a, &k.subject.PublicKey, testNow, testEndpoints)
			if err != nil {
				t.Fatal(err)
			}
			c := sign(t, tmpl)
			want := []rdn{cn, surname, serial, country, locality, state, {"2.5.4.10", tagUTF8, "OpenNCA"}, given}
			if got := decodeName(t, c.RawSubject); !slices.Equal(got, want) {
				t.Errorf("subject %v", got)
			}
			if c.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageKeyEncipherment ||
				!slices.Equal(c.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}) ||
				!slices.Equal(oidStrings(c.UnknownExtKeyUsage), []string{oid}) {
				t.Errorf("usage %v %v %v", c.KeyUsage, c.ExtKeyUsage, c.UnknownExtKeyUsage)
			}
			if !c.NotAfter.Equal(c.NotBefore.AddDate(1, 0, 0)) {
				t.Error("validity is not one year")
			}
			id, _ := Parse(c)
			if id.StaffRole != role || id.Type != core.CertAuth || id.Template != "" || RoleName(oid) != role {
				t.Errorf("Parse %+v", id)
			}
		})
	}
	_, err := Staff("root", a, &k.subject.PublicKey, testNow, testEndpoints)
	checkErr(t, err, core.KindInvalid, "role:")
	b := a
	b.Organization = ""
	_, err = Staff(StaffOperator, b, &k.subject.PublicKey, testNow, testEndpoints)
	checkErr(t, err, core.KindInvalid, "organization:")
	b = a
	b.IIN = "871008401428"
	_, err = Staff(StaffOperator, b, &k.subject.PublicKey, testNow, testEndpoints)
	checkErr(t, err, core.KindInvalid, "iin:")
}

func TestCACertificates(t *testing.T) {
	k := testKeys()
	root, err := RootCA("NCA Root (RSA)", "OpenNCA", &k.issuer.PublicKey, testNow)
	if err != nil {
		t.Fatal(err)
	}
	root.SerialNumber = bigOne()
	der, err := x509.CreateCertificate(rand.Reader, root, root, &k.issuer.PublicKey, k.issuer)
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := x509.ParseCertificate(der)
	sub := throwawayIssuer()

	wantName := []rdn{{"2.5.4.3", tagUTF8, "NCA Root (RSA)"}, country, {"2.5.4.10", tagUTF8, "OpenNCA"}}
	if got := decodeName(t, rc.RawSubject); !slices.Equal(got, wantName) {
		t.Errorf("root subject %v", got)
	}
	for _, c := range []struct {
		name    string
		cert    *x509.Certificate
		years   int
		pathLen string // DER of basicConstraints
		pols    []string
		cps     string
	}{
		{"root", rc, 20, "30030101ff", []string{"1.2.398.3.1.2"}, ""},
		{"issuing", sub, 10, "30060101ff020100", []string{"1.2.398.3.3.2", "1.2.398.3.3.2.1", "1.2.398.3.3.2.2", "1.2.398.3.3.2.3", "1.2.398.3.3.2.4"}, testEndpoints.CPS},
	} {
		t.Run(c.name, func(t *testing.T) {
			exts := map[string]bool{}
			for _, e := range c.cert.Extensions {
				id := e.Id.String()
				exts[id] = true
				switch id {
				case extBasic:
					if !e.Critical || hex.EncodeToString(e.Value) != c.pathLen {
						t.Errorf("basic constraints %x critical=%v", e.Value, e.Critical)
					}
				case extKU:
					if !e.Critical || hex.EncodeToString(e.Value) != "03020106" {
						t.Errorf("key usage %x critical=%v", e.Value, e.Critical)
					}
				case extPolicies:
					checkPolicies(t, e.Value, c.pols, c.cps)
				case extSKI, extAKI, extCRLDP, extAIA, extFreshest:
				default:
					t.Errorf("unexpected extension %s", id)
				}
			}
			for _, need := range []string{extBasic, extKU, extPolicies, extSKI} {
				if !exts[need] {
					t.Errorf("missing extension %s", need)
				}
			}
			if !c.cert.NotAfter.Equal(c.cert.NotBefore.AddDate(c.years, 0, 0)) {
				t.Errorf("validity %v – %v", c.cert.NotBefore, c.cert.NotAfter)
			}
			id, _ := Parse(c.cert)
			if id.Type != "" || id.Template != "" {
				t.Errorf("Parse of a CA: %+v", id)
			}
		})
	}
	if got := sub.CRLDistributionPoints; !slices.Equal(got, testEndpoints.CRL) {
		t.Errorf("issuing CRL DP %v", got)
	}
	if _, err := RootCA("", "OpenNCA", &k.issuer.PublicKey, testNow); core.KindOf(err) != core.KindInvalid {
		t.Errorf("RootCA without a name: %v", err)
	}
	if _, err := RootCA("x", "OpenNCA", nil, testNow); core.KindOf(err) != core.KindUnprocessable {
		t.Errorf("RootCA without a key: %v", err)
	}
}

func TestSubjectKeyID(t *testing.T) {
	// Ours is RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING.
	// The national test CA (observed) hashes the whole SubjectPublicKeyInfo instead;
	// relying parties only compare AKI with SKI, so either is interoperable.
	c := fixture(t, "certs_individual_valid_sign_2004_rsa.cer")
	ski, err := SubjectKeyID(c.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(ski); got != "e92ead337a386f10a57be303d527092e0a32deb3" {
		t.Errorf("SKI %s", got)
	}
	whole := sha1.Sum(c.RawSubjectPublicKeyInfo)
	if !bytes.Equal(whole[:], c.SubjectKeyId) {
		t.Errorf("the national CA's SKI method changed: %x", c.SubjectKeyId)
	}
	if _, err := SubjectKeyID(struct{}{}); err == nil {
		t.Error("SubjectKeyID of an unsupported key")
	}
}

func TestKeystoreExtensionMatchesNationalCA(t *testing.T) {
	c := fixture(t, "cms-leaf_gost2015_test.der")
	for _, e := range c.Extensions {
		if e.Id.String() == extKeystore {
			if e.Critical || hex.EncodeToString(e.Value) != keystoreDER {
				t.Errorf("national keystore extension %x critical=%v", e.Value, e.Critical)
			}
			ours := keystoreExtension(OIDKeystorePKCS12)
			if !bytes.Equal(ours.Value, e.Value) || ours.Critical {
				t.Errorf("ours %x", ours.Value)
			}
			return
		}
	}
	t.Fatal("fixture has no keystore extension")
}

func TestOpenSSLText(t *testing.T) {
	bin, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("openssl is required in CI")
		}
		t.Skip("openssl not found; skipping")
	}
	k := testKeys()
	dir := t.TempDir()
	for _, c := range []struct {
		template string
		typ      core.CertType
		want     []string
	}{
		{Treasury, core.CertSign, []string{
			"commonName                = UTF8STRING:", "serialNumber              = PRINTABLESTRING:IIN871008401427",
			"countryName               = PRINTABLESTRING:KZ", "emailAddress              = IA5STRING:aigerim.testova@example.kz",
			"domainComponent           = IA5STRING:accountant", "businessCategory          = UTF8STRING:1234567",
			"X509v3 Key Usage: critical", "Digital Signature, Non Repudiation",
			"E-mail Protection, 1.2.398.3.3.4.1.2, 1.2.398.3.3.4.1.2.5, 1.2.398.5.19.1.2.2.1, 1.2.398.3.3.4.3.1",
			"Policy: 1.2.398.3.3.2.1", "CPS: http://pki.example.kz/repository/cps",
			"X509v3 Freshest CRL", "URI:http://pki.example.kz/crl/nca-rsa-delta.crl",
			"OCSP - URI:http://pki.example.kz/ocsp/nca-rsa", "CA Issuers - URI:http://pki.example.kz/ca/nca-rsa.cer",
			"email:aigerim.testova@example.kz", "1.2.398.3.3.5:",
		}},
		{Individual, core.CertAuth, []string{"Digital Signature, Key Encipherment", "TLS Web Client Authentication, 1.2.398.3.3.4.1.1", "Policy: 1.2.398.3.3.2.4"}},
		{SSLLegal, core.CertSSL, []string{"TLS Web Server Authentication", "DNS:example.kz, DNS:www.example.kz, DNS:mail.example.kz", "organizationalUnitName    = UTF8STRING:BIN940140000385"}},
	} {
		tmpl, err := EndEntity(Request{Template: c.template, Type: c.typ, Applicant: Sample(c.template),
			PublicKey: &k.subject.PublicKey, Now: testNow, IdentifiedInPerson: c.template == Treasury}, testEndpoints)
		if err != nil {
			t.Fatal(err)
		}
		cert := sign(t, tmpl)
		p := filepath.Join(dir, c.template+".der")
		os.WriteFile(p, cert.Raw, 0o644)
		out, err := exec.Command(bin, "x509", "-inform", "DER", "-in", p, "-noout", "-text", "-nameopt", "multiline,show_type").CombinedOutput()
		if err != nil {
			t.Fatalf("%s: openssl: %v\n%s", c.template, err, out)
		}
		for _, w := range c.want {
			if !strings.Contains(string(out), w) {
				t.Errorf("%s: openssl -text lacks %q:\n%s", c.template, w, out)
			}
		}
	}
}
