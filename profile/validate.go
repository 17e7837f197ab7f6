package profile

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/weppos/publicsuffix-go/publicsuffix"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/kzid"
)

// Upper bounds (in characters) of the DN attributes, RFC 5280 Appendix A.
const (
	maxCommonName   = 64  // ub-common-name
	maxOrganization = 64  // ub-organization-name
	maxOrgUnit      = 64  // ub-organizational-unit-name
	maxLocality     = 128 // ub-locality-name
	maxState        = 128 // ub-state-name
	// maxPersonName bounds surname, name and patronymic. X.520 allows 32768; the
	// national CN "SURNAME NAME" must fit in 64 anyway, so 64 is the useful bound.
	maxPersonName = 64
	// maxEmail is the longest address a mailbox can have (RFC 5321 §4.5.3.1.3 path
	// limit minus the angle brackets); ub-emailaddress-length is 255.
	maxEmail = 254
	// maxBusinessCategory is ub-business-category (X.520).
	maxBusinessCategory = 128
	// maxDC bounds the Treasury-Client access level put in DC (no ub in RFC 4519;
	// one DNS label's length keeps it sane).
	maxDC = 63
	// maxFreeText bounds free-text form fields that never enter a certificate.
	maxFreeText = 256
	// maxDomains bounds the number of DNS names of an SSL certificate.
	maxDomains = 100
)

func invalid(field, format string, args ...any) error {
	return &core.Error{Kind: core.KindInvalid, Detail: field + ": " + fmt.Sprintf(format, args...)}
}

// fieldValue returns the string value of a single-valued form field.
func fieldValue(a *core.Applicant, name string) string {
	switch name {
	case FieldIIN:
		return a.IIN
	case FieldSurname:
		return a.Surname
	case FieldName:
		return a.Name
	case FieldPatronymic:
		return a.Patronymic
	case FieldRegion:
		return a.Region
	case FieldCity:
		return a.City
	case FieldEmail:
		return a.Email
	case FieldPhone:
		return a.Phone
	case FieldBIN:
		return a.BIN
	case FieldOrganization:
		return a.Organization
	case FieldRole:
		return a.Role
	case FieldDomain:
		return a.Domain
	case FieldStateBodyCode:
		return a.StateBodyCode
	case FieldRNN:
		return a.RNN
	case FieldSystemRole:
		return a.SystemRole
	case FieldResidenceDocument:
		return a.ResidenceDocument
	case FieldExtraDomains:
		return strings.Join(a.ExtraDomains, ",")
	}
	return ""
}

// allFields lists every form field in validation order.
var allFields = []string{FieldIIN, FieldSurname, FieldName, FieldPatronymic, FieldRegion, FieldCity,
	FieldEmail, FieldPhone, FieldBIN, FieldOrganization, FieldRole, FieldDomain, FieldExtraDomains,
	FieldStateBodyCode, FieldRNN, FieldSystemRole, FieldResidenceDocument}

// ValidateApplicant checks a form against its template and returns the first problem
// as a *core.Error of kind KindInvalid whose Detail reads "<field>: <problem>" with
// the JSON field name. It does not modify a. The rules:
//
//   - every required field of t is present; fields t does not have must be empty;
//   - no field has control characters, leading/trailing spaces or invalid UTF-8;
//   - iin passes kzid.ParseIIN (structure, century, date, check digit);
//   - bin passes kzid.ParseBIN and its entity type is one of t.BINTypes:
//     entrepreneur 6; legal_entity and treasury 4; nonresident_legal 5;
//     ssl_legal 4, 5 or 6 (any organisation may own a domain);
//   - role is one of t.Roles; system_role one of t.SystemRoles (E-Notariat), or for the
//     Treasury-Client 1–63 ASCII letters, digits, '-', '_' or '.' (it becomes DC, an
//     IA5String);
//   - surname, name, patronymic: letters, combining marks, spaces, '-', ”', '’', '.',
//     at most 64 characters each, and "SURNAME NAME" (the CN) at most 64;
//     organization at most 64, region and city at most 128 (RFC 5280 upper bounds);
//   - email: an ASCII addr-spec local@domain (it may become an IA5String);
//   - phone: an optional '+' and 10–15 digits, spaces, '-', '(' and ')' allowed;
//   - domain and extra_domains: lower- or upper-case LDH host names (no wildcard, no
//     IDNA A-labels, no IP address), at most 253 characters, under a public suffix of
//     the ICANN section of the Public Suffix List and not a public suffix itself;
//     domain at most 64 characters since it becomes the CN; at most 100 names, no
//     duplicates;
//   - state_body_code at most 128 characters; rnn 12 digits.
func ValidateApplicant(t *Template, a core.Applicant) error {
	if t == nil {
		return invalid("template", "unknown template")
	}
	for _, name := range allFields {
		f, ok := t.Field(name)
		v := fieldValue(&a, name)
		if !ok {
			if v != "" {
				return invalid(name, "is not a field of template %s", t.ID)
			}
			continue
		}
		if f.Required && strings.TrimSpace(v) == "" {
			return invalid(name, "is required")
		}
		if name == FieldExtraDomains {
			continue // checked with the domain below
		}
		if err := checkText(name, v); err != nil {
			return err
		}
	}
	if err := validatePerson(&a); err != nil {
		return err
	}
	if a.Email != "" {
		if err := checkEmail(a.Email); err != nil {
			return invalid(FieldEmail, "%v", err)
		}
	}
	if a.Phone != "" {
		if err := checkPhone(a.Phone); err != nil {
			return invalid(FieldPhone, "%v", err)
		}
	}
	if t.Legal {
		if err := validateOrganization(t, &a); err != nil {
			return err
		}
	}
	if t.SSL {
		if err := validateDomains(&a); err != nil {
			return err
		}
	}
	if _, ok := t.Field(FieldSystemRole); ok {
		if err := validateSystemRole(t, a.SystemRole); err != nil {
			return err
		}
	}
	if a.StateBodyCode != "" && utf8.RuneCountInString(a.StateBodyCode) > maxBusinessCategory {
		return invalid(FieldStateBodyCode, "longer than %d characters", maxBusinessCategory)
	}
	if a.RNN != "" && !allDigits(a.RNN, 12) {
		return invalid(FieldRNN, "must be exactly 12 digits")
	}
	if a.ResidenceDocument != "" && utf8.RuneCountInString(a.ResidenceDocument) > maxFreeText {
		return invalid(FieldResidenceDocument, "longer than %d characters", maxFreeText)
	}
	return nil
}

// checkText rejects invalid UTF-8, control characters and surrounding spaces.
func checkText(field, v string) error {
	if !utf8.ValidString(v) {
		return invalid(field, "is not valid UTF-8")
	}
	for _, r := range v {
		if unicode.IsControl(r) || r == utf8.RuneError || unicode.Is(unicode.Cf, r) {
			return invalid(field, "contains a control character")
		}
	}
	if strings.TrimSpace(v) != v {
		return invalid(field, "must not begin or end with spaces")
	}
	return nil
}

// validatePerson checks the IIN and the names.
func validatePerson(a *core.Applicant) error {
	if a.IIN != "" {
		if _, err := kzid.ParseIIN(a.IIN); err != nil {
			return invalid(FieldIIN, "%v", err)
		}
	}
	for _, f := range []struct{ name, v string }{
		{FieldSurname, a.Surname}, {FieldName, a.Name}, {FieldPatronymic, a.Patronymic},
	} {
		if f.v == "" {
			continue
		}
		if err := checkPersonName(f.v); err != nil {
			return invalid(f.name, "%v", err)
		}
	}
	if a.Surname != "" && a.Name != "" {
		if n := utf8.RuneCountInString(commonName(a)); n > maxCommonName {
			return invalid(FieldName, "surname and name together are %d characters, the common name allows %d", n, maxCommonName)
		}
	}
	if utf8.RuneCountInString(a.Region) > maxState {
		return invalid(FieldRegion, "longer than %d characters", maxState)
	}
	if utf8.RuneCountInString(a.City) > maxLocality {
		return invalid(FieldCity, "longer than %d characters", maxLocality)
	}
	return nil
}

func checkPersonName(v string) error {
	if n := utf8.RuneCountInString(strings.ToUpper(v)); n > maxPersonName {
		return fmt.Errorf("longer than %d characters", maxPersonName)
	}
	letters := 0
	prevSpace := false
	for _, r := range v {
		switch {
		case unicode.IsLetter(r):
			letters++
		case unicode.Is(unicode.M, r):
		case r == ' ':
			if prevSpace {
				return fmt.Errorf("has consecutive spaces")
			}
		case r == '-' || r == '\'' || r == '’' || r == '.':
		default:
			return fmt.Errorf("contains %q: only letters, spaces, hyphens, apostrophes and dots are allowed", r)
		}
		prevSpace = r == ' '
	}
	if letters == 0 {
		return fmt.Errorf("has no letters")
	}
	return nil
}

// validateOrganization checks bin, organization and role of a legal template.
func validateOrganization(t *Template, a *core.Applicant) error {
	if a.BIN != "" {
		b, err := kzid.ParseBIN(a.BIN)
		if err != nil {
			return invalid(FieldBIN, "%v", err)
		}
		if !slices.Contains(t.BINTypes, b.Type) {
			return invalid(FieldBIN, "entity type %d (%s) does not fit template %s, which needs %s", int(b.Type), b.Type, t.ID, binTypes(t.BINTypes))
		}
	}
	if n := utf8.RuneCountInString(a.Organization); n > maxOrganization {
		return invalid(FieldOrganization, "is %d characters, at most %d fit in a certificate; use the registered short name", n, maxOrganization)
	}
	if a.Role != "" && !slices.Contains(t.Roles, a.Role) {
		return invalid(FieldRole, "unknown role %q; allowed: %s", a.Role, strings.Join(t.Roles, ", "))
	}
	return nil
}

func binTypes(ts []kzid.EntityType) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = fmt.Sprintf("type %d (%s)", int(t), t)
	}
	return strings.Join(s, " or ")
}

// validateSystemRole checks the E-Notariat / Treasury-Client system role.
func validateSystemRole(t *Template, v string) error {
	if v == "" {
		return nil
	}
	if len(t.SystemRoles) > 0 {
		if !slices.Contains(t.SystemRoles, v) {
			return invalid(FieldSystemRole, "unknown role %q; allowed: %s", v, strings.Join(t.SystemRoles, ", "))
		}
		return nil
	}
	if len(v) > maxDC {
		return invalid(FieldSystemRole, "longer than %d characters", maxDC)
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return invalid(FieldSystemRole, "contains %q: only ASCII letters, digits, '-', '_' and '.' are allowed", r)
		}
	}
	return nil
}

// validateDomains checks domain and extra_domains of an SSL template.
func validateDomains(a *core.Applicant) error {
	if err := CheckDomain(a.Domain); err != nil {
		return invalid(FieldDomain, "%v", err)
	}
	if len(a.Domain) > maxCommonName {
		return invalid(FieldDomain, "longer than %d characters (it becomes the common name)", maxCommonName)
	}
	if 1+len(a.ExtraDomains) > maxDomains {
		return invalid(FieldExtraDomains, "at most %d domain names in all", maxDomains)
	}
	seen := map[string]bool{strings.ToLower(a.Domain): true}
	for i, d := range a.ExtraDomains {
		if err := CheckDomain(d); err != nil {
			return invalid(FieldExtraDomains, "[%d] %v", i, err)
		}
		k := strings.ToLower(d)
		if seen[k] {
			return invalid(FieldExtraDomains, "[%d] %q is listed twice", i, d)
		}
		seen[k] = true
	}
	return nil
}

// icannOnly finds rules of the ICANN section only, and none for unknown TLDs.
var icannOnly = &publicsuffix.FindOptions{IgnorePrivate: true}

// CheckDomain reports whether d is a host name this authority certifies: ASCII LDH
// labels of 1–63 characters not starting or ending with '-', no "--" in the third and
// fourth positions (so no IDNA A-labels), at least two labels, at most 253 characters,
// no trailing dot, no wildcard, not an IP address, and a registrable name under a
// public suffix of the ICANN section of the Public Suffix List.
func CheckDomain(d string) error {
	if d == "" {
		return fmt.Errorf("is empty")
	}
	if len(d) > 253 {
		return fmt.Errorf("longer than 253 characters")
	}
	if _, err := netip.ParseAddr(d); err == nil {
		return fmt.Errorf("%q is an IP address, not a domain name", d)
	}
	if strings.Contains(d, "*") {
		return fmt.Errorf("%q: wildcard names are not issued", d)
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return fmt.Errorf("%q is not a fully qualified domain name", d)
	}
	for _, l := range labels {
		if l == "" {
			return fmt.Errorf("%q has an empty label", d)
		}
		if len(l) > 63 {
			return fmt.Errorf("%q has a label longer than 63 characters", d)
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return fmt.Errorf("%q contains %q: only ASCII letters, digits and '-' are allowed", d, r)
			}
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Errorf("%q has a label starting or ending with '-'", d)
		}
		if len(l) >= 4 && l[2:4] == "--" {
			return fmt.Errorf("%q has a reserved or internationalised (xn--) label, not supported", d)
		}
	}
	lower := strings.ToLower(d)
	if publicsuffix.DefaultList.Find(lower, icannOnly) == nil {
		return fmt.Errorf("%q is not under a known public top-level domain", d)
	}
	if _, err := publicsuffix.ParseFromListWithOptions(publicsuffix.DefaultList, lower, icannOnly); err != nil {
		return fmt.Errorf("%q is a public suffix, not a registrable domain name", d)
	}
	return nil
}

// checkEmail accepts an ASCII addr-spec local@domain with a dot-atom local part.
func checkEmail(e string) error {
	if len(e) > maxEmail {
		return fmt.Errorf("longer than %d characters", maxEmail)
	}
	at := strings.LastIndexByte(e, '@')
	if at <= 0 || at == len(e)-1 {
		return fmt.Errorf("%q is not an e-mail address", e)
	}
	local, domain := e[:at], e[at+1:]
	if len(local) > 64 {
		return fmt.Errorf("local part longer than 64 characters")
	}
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return fmt.Errorf("%q: misplaced dot in the local part", e)
	}
	for _, r := range local {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-/=?^_`{|}~.", r)) {
			return fmt.Errorf("%q: character %q is not allowed in the local part", e, r)
		}
	}
	if err := checkHostname(domain); err != nil {
		return fmt.Errorf("%q: domain %v", e, err)
	}
	return nil
}

// checkHostname is the syntax part of CheckDomain (no public suffix lookup).
func checkHostname(d string) error {
	if len(d) > 253 {
		return fmt.Errorf("longer than 253 characters")
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return fmt.Errorf("is not fully qualified")
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Errorf("has an invalid label %q", l)
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return fmt.Errorf("contains %q", r)
			}
		}
	}
	return nil
}

// checkPhone accepts an optional '+' and 10–15 digits; spaces, '-', '(' and ')' are
// ignored.
func checkPhone(p string) error {
	digits := 0
	for i, r := range p {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0:
		case r == ' ' || r == '-' || r == '(' || r == ')':
		default:
			return fmt.Errorf("%q: only digits, a leading '+', spaces, '-' and parentheses are allowed", p)
		}
	}
	if digits < 10 || digits > 15 {
		return fmt.Errorf("%q: must have 10 to 15 digits", p)
	}
	return nil
}

func allDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// commonName is the national CN of a person: "SURNAME NAME", upper-cased.
func commonName(a *core.Applicant) string {
	return strings.ToUpper(a.Surname + " " + a.Name)
}
