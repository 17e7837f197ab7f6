package profile

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/opennca/nca/core"
)

func TestTemplatesTable(t *testing.T) {
	ids := []string{Individual, Entrepreneur, LegalEntity, SSLIndividual, SSLLegal, Treasury, ENotariat,
		NonresidentIndividual, NonresidentLegal}
	ts := Templates()
	if len(ts) != len(ids) {
		t.Fatalf("%d templates", len(ts))
	}
	known := map[string]bool{}
	for _, f := range allFields {
		known[f] = true
	}
	for i, tp := range ts {
		if tp.ID != ids[i] {
			t.Errorf("template %d is %s, want %s", i, tp.ID, ids[i])
		}
		if got, ok := Lookup(tp.ID); !ok || got != tp {
			t.Errorf("Lookup(%s)", tp.ID)
		}
		for _, lang := range []string{"en", "ru", "kk"} {
			if tp.Title[lang] == "" {
				t.Errorf("%s: no %s title", tp.ID, lang)
			}
			for _, d := range tp.Documents {
				if d.Title[lang] == "" {
					t.Errorf("%s: document %s has no %s title", tp.ID, d.ID, lang)
				}
			}
		}
		for _, f := range tp.Fields {
			if !known[f.Name] {
				t.Errorf("%s: unknown field %s", tp.ID, f.Name)
			}
		}
		for _, f := range []string{FieldIIN, FieldSurname, FieldName, FieldEmail, FieldPhone} {
			if fl, ok := tp.Field(f); !ok || !fl.Required {
				t.Errorf("%s: %s not required", tp.ID, f)
			}
		}
		wantKeys := []core.CertType{core.CertSign, core.CertAuth}
		if tp.SSL {
			wantKeys = []core.CertType{core.CertSSL}
		}
		if !slices.Equal(tp.Keys, wantKeys) {
			t.Errorf("%s: keys %v", tp.ID, tp.Keys)
		}
		if tp.Legal != (len(tp.Roles) > 0) || tp.Legal != (len(tp.BINTypes) > 0) {
			t.Errorf("%s: Legal/Roles/BINTypes disagree", tp.ID)
		}
		if !slices.ContainsFunc(tp.Documents, func(d Document) bool { return d.ID == DocIdentity && d.Required }) {
			t.Errorf("%s: no identity document", tp.ID)
		}
		if err := ValidateApplicant(tp, Sample(tp.ID)); err != nil {
			t.Errorf("%s: Sample does not validate: %v", tp.ID, err)
		}
	}
	if _, ok := Lookup("nope"); ok {
		t.Error("Lookup of an unknown id")
	}
	ts[0] = nil
	if Templates()[0] == nil {
		t.Error("Templates returns the shared slice")
	}
}

func TestNeedsHeadConfirmationAndDocuments(t *testing.T) {
	docIDs := func(ds []Document) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.ID)
		}
		return out
	}
	for _, c := range []struct {
		template, role string
		head           bool
		docs           []string
	}{
		{Individual, "", false, []string{DocIdentity, DocPowerOfAttorney, DocBirthCertificate}},
		{LegalEntity, RoleFirstHead, false, []string{DocIdentity, DocPowerOfAttorney, DocAppointmentOrder, DocStateRegistration}},
		{LegalEntity, RoleEmployee, true, []string{DocIdentity, DocPowerOfAttorney, DocStateRegistration}},
		{LegalEntity, RoleHR, true, []string{DocIdentity, DocPowerOfAttorney, DocStateRegistration}},
		{Entrepreneur, RoleSigningRight, true, []string{DocIdentity, DocPowerOfAttorney, DocStateRegistration}},
		{Entrepreneur, RoleFirstHead, false, []string{DocIdentity, DocPowerOfAttorney, DocAppointmentOrder, DocStateRegistration}},
		{SSLIndividual, "", false, []string{DocIdentity, DocPowerOfAttorney, DocDomainOwnership}},
		{SSLLegal, RoleEmployee, true, []string{DocIdentity, DocPowerOfAttorney, DocStateRegistration, DocDomainOwnership}},
		{Treasury, RoleFinancialSigning, true, []string{DocIdentity, DocPowerOfAttorney, DocStateRegistration, DocTreasuryAgreement}},
		{ENotariat, "", false, []string{DocIdentity, DocPowerOfAttorney}},
		{NonresidentIndividual, "", false, []string{DocIdentity, DocPowerOfAttorney, DocNonresidentIIN}},
		{NonresidentLegal, RoleFirstHead, false, []string{DocIdentity, DocPowerOfAttorney, DocAppointmentOrder, DocNonresidentBIN}},
		{NonresidentLegal, RoleEmployee, true, []string{DocIdentity, DocPowerOfAttorney, DocNonresidentBIN}},
	} {
		tp, _ := Lookup(c.template)
		if got := tp.NeedsHeadConfirmation(c.role); got != c.head {
			t.Errorf("%s/%s: NeedsHeadConfirmation = %v", c.template, c.role, got)
		}
		docs := tp.RequiredDocuments(c.role)
		if got := docIDs(docs); !slices.Equal(got, c.docs) {
			t.Errorf("%s/%s: documents %v, want %v", c.template, c.role, got, c.docs)
		}
		for _, d := range docs {
			if want := d.ID != DocPowerOfAttorney && d.ID != DocBirthCertificate; d.Required != want {
				t.Errorf("%s: document %s required = %v", c.template, d.ID, d.Required)
			}
		}
	}
}

func TestValidateRequiredFields(t *testing.T) {
	for _, tp := range Templates() {
		for _, f := range tp.Fields {
			if !f.Required {
				continue
			}
			a := Sample(tp.ID)
			blank(&a, f.Name)
			err := ValidateApplicant(tp, a)
			checkErr(t, err, core.KindInvalid, f.Name+": is required")
		}
	}
}

// blank empties a form field by its JSON name.
func blank(a *core.Applicant, name string) {
	for _, p := range []struct {
		n string
		f *string
	}{
		{FieldIIN, &a.IIN}, {FieldSurname, &a.Surname}, {FieldName, &a.Name}, {FieldPatronymic, &a.Patronymic},
		{FieldRegion, &a.Region}, {FieldCity, &a.City}, {FieldEmail, &a.Email}, {FieldPhone, &a.Phone},
		{FieldBIN, &a.BIN}, {FieldOrganization, &a.Organization}, {FieldRole, &a.Role}, {FieldDomain, &a.Domain},
		{FieldStateBodyCode, &a.StateBodyCode}, {FieldRNN, &a.RNN}, {FieldSystemRole, &a.SystemRole},
		{FieldResidenceDocument, &a.ResidenceDocument},
	} {
		if p.n == name {
			*p.f = "   "
			if name == FieldIIN || name == FieldBIN {
				*p.f = ""
			}
		}
	}
}

func TestValidateApplicant(t *testing.T) {
	long := func(n int) string { return strings.Repeat("а", n) }
	cases := []struct {
		name     string
		template string
		edit     func(a *core.Applicant)
		detail   string // prefix of the error detail; "" = valid
	}{
		{"sample", Individual, func(a *core.Applicant) {}, ""},
		{"no patronymic, region, city", Individual, func(a *core.Applicant) { a.Patronymic, a.Region, a.City = "", "", "" }, ""},
		{"IIN checksum", Individual, func(a *core.Applicant) { a.IIN = "871008401428" }, "iin: "},
		{"IIN letters", Individual, func(a *core.Applicant) { a.IIN = "87100840142X" }, "iin: "},
		{"IIN date", Individual, func(a *core.Applicant) { a.IIN = "000813159890" }, "iin: "},
		{"IIN with prefix", Individual, func(a *core.Applicant) { a.IIN = "IIN871008401427" }, "iin: "},
		{"BIN on individual", Individual, func(a *core.Applicant) { a.BIN = "940140000385" }, "bin: is not a field"},
		{"domain on individual", Individual, func(a *core.Applicant) { a.Domain = "example.kz" }, "domain: is not a field"},
		{"extra domains on individual", Individual, func(a *core.Applicant) { a.ExtraDomains = []string{"example.kz"} }, "extra_domains: is not a field"},
		{"BIN checksum", LegalEntity, func(a *core.Applicant) { a.BIN = "940140000386" }, "bin: "},
		{"BIN of an entrepreneur on legal entity", LegalEntity, func(a *core.Applicant) { a.BIN = "240160000000" }, "bin: entity type 6 (individual entrepreneur (joint)) does not fit template legal_entity, which needs type 4 (resident legal entity)"},
		{"BIN of a non-resident on legal entity", LegalEntity, func(a *core.Applicant) { a.BIN = "240150000006" }, "bin: entity type 5"},
		{"resident BIN on entrepreneur", Entrepreneur, func(a *core.Applicant) { a.BIN = "940140000385" }, "bin: entity type 4"},
		{"resident BIN on non-resident", NonresidentLegal, func(a *core.Applicant) { a.BIN = "940140000385" }, "bin: "},
		{"entrepreneur BIN on SSL legal", SSLLegal, func(a *core.Applicant) { a.BIN = "240160000000" }, ""},
		{"non-resident BIN on treasury", Treasury, func(a *core.Applicant) { a.BIN = "240150000006" }, "bin: "},
		{"branch BIN", LegalEntity, func(a *core.Applicant) { a.BIN = "240141000007" }, ""},
		{"unknown role", LegalEntity, func(a *core.Applicant) { a.Role = "boss" }, "role: unknown role"},
		{"every role", LegalEntity, func(a *core.Applicant) { a.Role = RoleFinancialSigning }, ""},
		{"unknown system role", ENotariat, func(a *core.Applicant) { a.SystemRole = "judge" }, "system_role: unknown role"},
		{"treasury system role not ASCII", Treasury, func(a *core.Applicant) { a.SystemRole = "бухгалтер" }, "system_role: "},
		{"treasury system role too long", Treasury, func(a *core.Applicant) { a.SystemRole = strings.Repeat("a", 64) }, "system_role: "},
		{"state body code too long", Treasury, func(a *core.Applicant) { a.StateBodyCode = strings.Repeat("1", 129) }, "state_body_code: "},
		{"RNN short", Treasury, func(a *core.Applicant) { a.RNN = "123" }, "rnn: "},
		{"RNN optional", Treasury, func(a *core.Applicant) { a.RNN = "" }, ""},
		{"e-mail without @", Individual, func(a *core.Applicant) { a.Email = "a.example.kz" }, "email: "},
		{"e-mail with space", Individual, func(a *core.Applicant) { a.Email = "a b@example.kz" }, "email: "},
		{"e-mail non-ASCII", Individual, func(a *core.Applicant) { a.Email = "айгерім@example.kz" }, "email: "},
		{"e-mail single-label domain", Individual, func(a *core.Applicant) { a.Email = "a@localhost" }, "email: "},
		{"e-mail double dot", Individual, func(a *core.Applicant) { a.Email = "a..b@example.kz" }, "email: "},
		{"e-mail plus", Individual, func(a *core.Applicant) { a.Email = "a+nca@mail.example.kz" }, ""},
		{"phone letters", Individual, func(a *core.Applicant) { a.Phone = "+7 701 ABC" }, "phone: "},
		{"phone short", Individual, func(a *core.Applicant) { a.Phone = "12345" }, "phone: "},
		{"phone plus inside", Individual, func(a *core.Applicant) { a.Phone = "7701+2345678" }, "phone: "},
		{"phone formatted", Individual, func(a *core.Applicant) { a.Phone = "8 (701) 234-56-78" }, ""},
		{"surname with digit", Individual, func(a *core.Applicant) { a.Surname = "Тест0ва" }, "surname: "},
		{"name with control char", Individual, func(a *core.Applicant) { a.Name = "Ай\u0007герім" }, "name: contains a control character"},
		{"name with bidi control", Individual, func(a *core.Applicant) { a.Name = "Ай\u202eгерім" }, "name: contains a control character"},
		{"city with newline", Individual, func(a *core.Applicant) { a.City = "Алматы\nX" }, "city: contains a control character"},
		{"organization invalid UTF-8", LegalEntity, func(a *core.Applicant) { a.Organization = "\xff" }, "organization: is not valid UTF-8"},
		{"leading space", Individual, func(a *core.Applicant) { a.Surname = " Тестова" }, "surname: must not begin or end"},
		{"hyphenated name", Individual, func(a *core.Applicant) { a.Surname = "Тестова-Иванова" }, ""},
		{"Latin name with apostrophe", Individual, func(a *core.Applicant) { a.Surname, a.Name = "O'Neil", "Mary Ann" }, ""},
		{"surname too long", Individual, func(a *core.Applicant) { a.Surname = long(65) }, "surname: longer than 64"},
		{"CN too long", Individual, func(a *core.Applicant) { a.Surname, a.Name = long(40), long(24) }, "name: surname and name together"},
		{"CN at the limit", Individual, func(a *core.Applicant) { a.Surname, a.Name = long(40), long(23) }, ""},
		{"patronymic too long", Individual, func(a *core.Applicant) { a.Patronymic = long(65) }, "patronymic: "},
		{"organization too long", LegalEntity, func(a *core.Applicant) { a.Organization = long(65) }, "organization: is 65 characters"},
		{"organization at the limit", LegalEntity, func(a *core.Applicant) { a.Organization = long(64) }, ""},
		{"city too long", Individual, func(a *core.Applicant) { a.City = long(129) }, "city: longer than 128"},
		{"region too long", Individual, func(a *core.Applicant) { a.Region = long(129) }, "region: longer than 128"},
		{"residence document too long", NonresidentIndividual, func(a *core.Applicant) { a.ResidenceDocument = long(257) }, "residence_document: "},
		{"domain upper case", SSLIndividual, func(a *core.Applicant) { a.Domain = "Example.KZ" }, ""},
		{"domain wildcard", SSLIndividual, func(a *core.Applicant) { a.Domain = "*.example.kz" }, "domain: "},
		{"domain underscore", SSLIndividual, func(a *core.Applicant) { a.Domain = "my_site.example.kz" }, "domain: "},
		{"domain IDN A-label", SSLIndividual, func(a *core.Applicant) { a.Domain = "xn--80ak6aa92e.kz" }, "domain: "},
		{"domain unicode", SSLIndividual, func(a *core.Applicant) { a.Domain = "сайт.kz" }, "domain: "},
		{"domain single label", SSLIndividual, func(a *core.Applicant) { a.Domain = "localhost" }, "domain: "},
		{"domain trailing dot", SSLIndividual, func(a *core.Applicant) { a.Domain = "example.kz." }, "domain: "},
		{"domain leading hyphen", SSLIndividual, func(a *core.Applicant) { a.Domain = "-example.kz" }, "domain: "},
		{"domain IP", SSLIndividual, func(a *core.Applicant) { a.Domain = "10.0.0.1" }, "domain: "},
		{"domain unknown TLD", SSLIndividual, func(a *core.Applicant) { a.Domain = "example.internal" }, "domain: "},
		{"domain public suffix", SSLIndividual, func(a *core.Applicant) { a.Domain = "com.kz" }, "domain: "},
		{"domain label too long", SSLIndividual, func(a *core.Applicant) { a.Domain = strings.Repeat("a", 64) + ".kz" }, "domain: "},
		{"domain too long for CN", SSLIndividual, func(a *core.Applicant) { a.Domain = strings.Repeat("a", 60) + ".example.kz" }, "domain: longer than 64"},
		{"domain too long", SSLIndividual, func(a *core.Applicant) {
			a.Domain = "example.kz"
			a.ExtraDomains = []string{strings.Repeat(strings.Repeat("a", 60)+".", 5) + "kz"}
		}, "extra_domains: [0] longer than 253"},
		{"extra domain bad", SSLLegal, func(a *core.Applicant) { a.ExtraDomains = []string{"ok.example.kz", "bad..example.kz"} }, "extra_domains: [1] "},
		{"extra domain duplicate", SSLLegal, func(a *core.Applicant) { a.ExtraDomains = []string{"WWW.example.kz", "www.example.kz"} }, "extra_domains: [1] "},
		{"extra domain repeats main", SSLLegal, func(a *core.Applicant) { a.ExtraDomains = []string{"example.kz"} }, "extra_domains: [0] "},
		{"extra domains none", SSLLegal, func(a *core.Applicant) { a.ExtraDomains = nil }, ""},
		{"too many domains", SSLLegal, func(a *core.Applicant) {
			a.ExtraDomains = nil
			for i := 0; i < 100; i++ {
				a.ExtraDomains = append(a.ExtraDomains, "h"+strings.Repeat("x", i%5)+string(rune('a'+i%26))+strings.Repeat("y", i/26)+".example.kz")
			}
		}, "extra_domains: at most 100"},
		{"other country's domain", SSLIndividual, func(a *core.Applicant) { a.Domain = "example.co.uk" }, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tp, _ := Lookup(c.template)
			a := Sample(c.template)
			c.edit(&a)
			err := ValidateApplicant(tp, a)
			if c.detail == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			checkErr(t, err, core.KindInvalid, c.detail)
		})
	}
	if err := ValidateApplicant(nil, core.Applicant{}); core.KindOf(err) != core.KindInvalid {
		t.Errorf("nil template: %v", err)
	}
}

func TestCheckKey(t *testing.T) {
	k := testKeys()
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	rsaPub := &k.subject.PublicKey
	evenE := &rsa.PublicKey{N: rsaPub.N, E: 65536}
	smallE := &rsa.PublicKey{N: rsaPub.N, E: 1}
	evenN := &rsa.PublicKey{N: new(big.Int).Lsh(rsaPub.N, 1), E: 65537}
	huge := &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 8200), E: 65537}
	for _, c := range []struct {
		name string
		typ  core.CertType
		pub  any
		kind core.Kind // "" = accepted
	}{
		{"RSA 2048 SIGN", core.CertSign, rsaPub, ""},
		{"RSA 2048 AUTH", core.CertAuth, rsaPub, ""},
		{"RSA 2048 SSL", core.CertSSL, rsaPub, ""},
		{"P-256 SSL", core.CertSSL, &k.ec.PublicKey, ""},
		{"P-384 SSL", core.CertSSL, &p384.PublicKey, ""},
		{"P-256 SIGN", core.CertSign, &k.ec.PublicKey, core.KindUnprocessable},
		{"P-256 AUTH", core.CertAuth, &k.ec.PublicKey, core.KindUnprocessable},
		{"P-224 SSL", core.CertSSL, &p224.PublicKey, core.KindUnprocessable},
		{"Ed25519", core.CertSSL, edPub, core.KindUnprocessable},
		{"RSA even exponent", core.CertSign, evenE, core.KindUnprocessable},
		{"RSA exponent 1", core.CertSign, smallE, core.KindUnprocessable},
		{"RSA even modulus", core.CertSign, evenN, core.KindUnprocessable},
		{"RSA too large", core.CertSign, huge, core.KindUnprocessable},
		{"nil", core.CertSign, nil, core.KindUnprocessable},
		{"unknown type", core.CertType("CODE"), rsaPub, core.KindInvalid},
	} {
		err := CheckKey(c.typ, c.pub)
		if c.kind == "" && err != nil || c.kind != "" && core.KindOf(err) != c.kind {
			t.Errorf("%s: %v, want %q", c.name, err, c.kind)
		}
	}
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	if err := CheckKey(core.CertSign, &small.PublicKey); err == nil || !strings.Contains(err.Error(), "1024 bits") {
		t.Errorf("RSA 1024: %v", err)
	}
}

func TestParseNationalFixtures(t *testing.T) {
	for _, c := range []struct {
		file       string
		typ        core.CertType
		template   string
		roles      []Role
		bin        string
		org        string
		policies   []string
		keyUnknown bool
	}{
		{file: "certs_individual_valid_sign_2004_rsa.cer", typ: core.CertSign, template: Individual,
			roles: []Role{{OIDRoleIndividual, "individual"}}, policies: []string{"1.2.398.3.3.2.3"}},
		{file: "certs_individual_valid_sign_2004_rsa_auth.cer", typ: core.CertAuth, template: Individual,
			roles: []Role{{OIDRoleIndividual, "individual"}}, policies: []string{"1.2.398.3.3.2.4"}},
		{file: "certs_ceo_valid_sign_2004_gost.cer", typ: core.CertSign, template: LegalEntity,
			roles: []Role{{OIDRoleLegalEntity, "legal_entity"}, {OIDRoleFirstHead, "first_head"}},
			bin:   "123456789021", org: `АО "ТЕСТ"`, policies: []string{"1.2.398.3.3.2.1"}, keyUnknown: true},
		{file: "cms-leaf_gost2015_test.der", typ: core.CertSign, template: Individual,
			roles: []Role{{OIDRoleIndividual, "individual"}}, policies: []string{"1.2.398.3.3.2"}, keyUnknown: true},
	} {
		t.Run(c.file, func(t *testing.T) {
			cert := fixture(t, c.file)
			if c.keyUnknown && cert.PublicKeyAlgorithm != 0 {
				t.Errorf("expected Go not to know the GOST key, got %v", cert.PublicKeyAlgorithm)
			}
			id, err := Parse(cert)
			if err != nil {
				t.Fatal(err)
			}
			if id.Type != c.typ || id.Template != c.template {
				t.Errorf("type %q template %q", id.Type, id.Template)
			}
			sur, name := "ТЕСТОВ", "ТЕСТ"
			if strings.HasPrefix(c.file, "cms-leaf") {
				sur, name = "ТЕСТТОВ", "ТЕСТТ"
			}
			if id.CommonName != sur+" "+name || id.Surname != sur || id.Name != name || id.Patronymic != sur+"ИЧ" {
				t.Errorf("names %q %q %q %q", id.CommonName, id.Surname, id.Name, id.Patronymic)
			}
			wantIIN := "123456789011"
			if strings.HasPrefix(c.file, "cms-leaf") {
				wantIIN = "123456789012"
			}
			if id.IIN != wantIIN || id.IINValid {
				t.Errorf("IIN %q valid=%v", id.IIN, id.IINValid)
			}
			if id.BIN != c.bin || id.BINValid || id.Organization != c.org {
				t.Errorf("BIN %q valid=%v org %q", id.BIN, id.BINValid, id.Organization)
			}
			if id.Country != "KZ" || id.StaffRole != "" {
				t.Errorf("country %q staff %q", id.Country, id.StaffRole)
			}
			if !slices.Equal(id.Roles, c.roles) {
				t.Errorf("roles %v", id.Roles)
			}
			if !slices.Equal(id.Policies, c.policies) {
				t.Errorf("policies %v", id.Policies)
			}
		})
	}
	if _, err := Parse(nil); err == nil {
		t.Error("Parse(nil) succeeded")
	}
}

func TestRoleName(t *testing.T) {
	for oid, name := range map[string]string{
		"1.2.398.3.3.4.1.1": "individual", "1.2.398.3.3.4.1.2": "legal_entity", "1.2.398.3.3.4.1.2.1": "first_head",
		"1.2.398.3.3.4.1.2.2": "signing_right", "1.2.398.3.3.4.1.2.3": "financial_signing", "1.2.398.3.3.4.1.2.4": "hr",
		"1.2.398.3.3.4.1.2.5": "employee", "1.2.398.3.3.4.2.1": "administrator", "1.2.398.3.3.4.2.2": "manager",
		"1.2.398.3.3.4.2.3": "operator", "1.2.398.3.3.4.3.1": "identified_in_person",
		"1.2.398.3.3.4.3.2": "identified_remotely", "1.2.398.3.3.4.3.2.1": "identified_remotely_digital_id",
		"1.2.398.5.19.1.2.2.1": "treasury_participant", "1.2.398.6.1.1.1.1": "notary",
		"1.2.398.6.1.1.1.7": "enotariat_administrator", "1.2.3": "",
	} {
		if got := RoleName(oid); got != name {
			t.Errorf("RoleName(%s) = %q, want %q", oid, got, name)
		}
	}
	for oid := range roleNames {
		if mustOID(oid).String() != oid {
			t.Errorf("OID constant %s does not round-trip", oid)
		}
	}
}
