package profile

import (
	"slices"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/kzid"
)

// Template IDs (SPEC §2), in the order Templates returns them.
const (
	Individual            = "individual"
	Entrepreneur          = "entrepreneur" // individual entrepreneur (joint enterprise)
	LegalEntity           = "legal_entity"
	SSLIndividual         = "ssl_individual"
	SSLLegal              = "ssl_legal"
	Treasury              = "treasury"  // "Treasury – Client" participant
	ENotariat             = "enotariat" // "E-Notariat" participant
	NonresidentIndividual = "nonresident_individual"
	NonresidentLegal      = "nonresident_legal"
)

// Form field names: the JSON names of core.Applicant's fields.
const (
	FieldIIN               = "iin"
	FieldSurname           = "surname"
	FieldName              = "name"
	FieldPatronymic        = "patronymic"
	FieldRegion            = "region"
	FieldCity              = "city"
	FieldEmail             = "email"
	FieldPhone             = "phone"
	FieldBIN               = "bin"
	FieldOrganization      = "organization"
	FieldRole              = "role"
	FieldDomain            = "domain"
	FieldExtraDomains      = "extra_domains"
	FieldStateBodyCode     = "state_body_code"
	FieldRNN               = "rnn"
	FieldSystemRole        = "system_role"
	FieldResidenceDocument = "residence_document"
)

// Field is one field of an application form. Name is the JSON field name of
// core.Applicant.
type Field struct {
	Name     string
	Required bool
}

// Document is one item of the desk checklist (SPEC §2 "Documents checked at the
// desk"). ID is stable (it is stored in core.Application.DocumentsPresented); Title is
// keyed by language "en", "ru", "kk".
type Document struct {
	ID       string
	Title    map[string]string
	Required bool
	// Roles, when not empty, limits the document to applicants with one of these
	// legal-entity roles (for example the appointment order: first head only).
	Roles []string
}

// Checklist document IDs.
const (
	DocIdentity          = "identity_document"
	DocPowerOfAttorney   = "power_of_attorney"
	DocBirthCertificate  = "birth_certificate"
	DocAppointmentOrder  = "appointment_order"
	DocStateRegistration = "state_registration"
	DocDomainOwnership   = "domain_ownership"
	DocTreasuryAgreement = "treasury_agreement"
	DocNonresidentIIN    = "nonresident_iin_document"
	DocNonresidentBIN    = "nonresident_bin_document"
)

// Template is an applicant category (SPEC §2): what its form carries, which keys it
// asks for, which roles it allows and which documents the desk checks.
type Template struct {
	ID    string
	Title map[string]string // "en", "ru", "kk"
	// Legal templates carry the organisation: BIN and name (O, OU=BIN…) and a
	// legal-entity role.
	Legal       bool
	Nonresident bool
	// Keys lists the certificate types an application must carry, one request each.
	Keys   []core.CertType
	Fields []Field
	// Roles lists the allowed core.Applicant.Role values (legal templates only).
	Roles []string
	// SystemRoles lists the allowed core.Applicant.SystemRole values when the set is
	// closed (E-Notariat); the Treasury-Client access level is free text.
	SystemRoles []string
	// Documents is the full desk checklist; see RequiredDocuments for one applicant's.
	Documents []Document
	// BINTypes lists the BIN entity types the template accepts (legal templates).
	BINTypes []kzid.EntityType
	// SSL templates carry a domain and certify a TLS server.
	SSL bool
}

// Field returns the template's field named name.
func (t *Template) Field(name string) (Field, bool) {
	for _, f := range t.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// NeedsHeadConfirmation reports whether an application under t by an applicant with
// this legal-entity role must first be confirmed by the organisation's first head
// (SPEC §3 step 2). It is true for every legal template (entrepreneur, legal entity,
// SSL legal entity, treasury, non-resident legal entity) unless the applicant is the
// first head; never for templates without an organisation.
func (t *Template) NeedsHeadConfirmation(role string) bool {
	return t.Legal && role != RoleFirstHead
}

// RequiredDocuments returns the desk checklist for an applicant with this role:
// t.Documents without the items limited to other roles. Items keep their Required
// flag (a representative's power of attorney, for one, stays optional). The result
// is a fresh slice the caller may modify.
func (t *Template) RequiredDocuments(role string) []Document {
	var out []Document
	for _, d := range t.Documents {
		if len(d.Roles) > 0 && !slices.Contains(d.Roles, role) {
			continue
		}
		d.Roles = slices.Clone(d.Roles)
		out = append(out, d)
	}
	return out
}

// Lookup returns the template with the given ID. The template is shared: callers must
// not modify it.
func Lookup(id string) (*Template, bool) {
	for _, t := range templates {
		if t.ID == id {
			return t, true
		}
	}
	return nil, false
}

// Templates returns all templates in SPEC §2 order. The templates are shared: callers
// must not modify them.
func Templates() []*Template { return slices.Clone(templates) }

func title(en, ru, kk string) map[string]string {
	return map[string]string{"en": en, "ru": ru, "kk": kk}
}

// Checklist items shared by several templates.
var (
	docIdentity = Document{ID: DocIdentity, Required: true, Title: title(
		"Identity document",
		"Документ, удостоверяющий личность",
		"Жеке басты куәландыратын құжат")}
	docPowerOfAttorney = Document{ID: DocPowerOfAttorney, Title: title(
		"Notarised power of attorney (when a representative applies)",
		"Нотариально удостоверенная доверенность (при обращении представителя)",
		"Нотариат куәландырған сенімхат (өкіл жүгінген жағдайда)")}
	docBirthCertificate = Document{ID: DocBirthCertificate, Title: title(
		"Birth certificate (when a parent applies for a minor)",
		"Свидетельство о рождении (при обращении родителя за несовершеннолетнего)",
		"Туу туралы куәлік (ата-ана кәмелетке толмаған бала үшін жүгінген жағдайда)")}
	docAppointmentOrder = Document{ID: DocAppointmentOrder, Required: true, Roles: []string{RoleFirstHead}, Title: title(
		"Employment reference or order appointing the first head",
		"Справка с места работы или приказ о назначении первого руководителя",
		"Жұмыс орнынан анықтама немесе бірінші басшыны тағайындау туралы бұйрық")}
	docStateRegistration = Document{ID: DocStateRegistration, Required: true, Title: title(
		"State registration certificate of the individual entrepreneur / legal entity",
		"Свидетельство (справка) о государственной регистрации ИП / юридического лица",
		"ЖК / заңды тұлғаны мемлекеттік тіркеу туралы куәлік (анықтама)")}
	docDomainOwnership = Document{ID: DocDomainOwnership, Required: true, Title: title(
		"Proof of domain ownership (KazNIC certificate, WHOIS extract, registrar reference or registration contract)",
		"Документ, подтверждающий владение доменным именем (справка KazNIC, выписка WHOIS, справка регистратора или договор регистрации)",
		"Домендік атауды иеленуді растайтын құжат (KazNIC анықтамасы, WHOIS үзіндісі, тіркеушінің анықтамасы немесе тіркеу шарты)")}
	docTreasuryAgreement = Document{ID: DocTreasuryAgreement, Required: true, Title: title(
		"Treasury e-signature agreement (signed at most 3 working days before submission)",
		"Соглашение с Казначейством об использовании ЭЦП (не старше 3 рабочих дней на момент подачи)",
		"Қазынашылықпен ЭЦҚ пайдалану туралы келісім (тапсыру сәтінде 3 жұмыс күнінен аспаған)")}
	docNonresidentIIN = Document{ID: DocNonresidentIIN, Required: true, Title: title(
		"Document carrying the non-resident's IIN (residence permit, stateless person certificate or foreigner registration)",
		"Документ с ИИН нерезидента (вид на жительство, удостоверение лица без гражданства или регистрация иностранца)",
		"Бейрезиденттің ЖСН бар құжаты (тұруға ықтиярхат, азаматтығы жоқ адамның куәлігі немесе шетелдікті тіркеу)")}
	docNonresidentBIN = Document{ID: DocNonresidentBIN, Required: true, Title: title(
		"Registration document of the branch or representative office carrying the BIN",
		"Документ о регистрации филиала или представительства с БИН",
		"БСН бар филиалды немесе өкілдікті тіркеу туралы құжат")}
)

func req(names ...string) []Field {
	out := make([]Field, len(names))
	for i, n := range names {
		out[i] = Field{Name: n, Required: true}
	}
	return out
}

func opt(names ...string) []Field {
	out := make([]Field, len(names))
	for i, n := range names {
		out[i] = Field{Name: n}
	}
	return out
}

// Fields in form order. Region and city are optional: the DN's L and S are.
var (
	personFields = slices.Concat(req(FieldIIN, FieldSurname, FieldName), opt(FieldPatronymic, FieldRegion, FieldCity),
		req(FieldEmail, FieldPhone))
	orgFields = req(FieldBIN, FieldOrganization, FieldRole)
)

var (
	signAuth = []core.CertType{core.CertSign, core.CertAuth}
	sslOnly  = []core.CertType{core.CertSSL}
)

// templates is the read-only table of templates, in SPEC §2 order.
var templates = []*Template{
	{
		ID:        Individual,
		Title:     title("Individual", "Физическое лицо", "Жеке тұлға"),
		Keys:      signAuth,
		Fields:    personFields,
		Documents: []Document{docIdentity, docPowerOfAttorney, docBirthCertificate},
	},
	{
		ID:        Entrepreneur,
		Title:     title("Individual entrepreneur (joint enterprise)", "Индивидуальный предприниматель (совместное предпринимательство)", "Жеке кәсіпкер (бірлескен кәсіпкерлік)"),
		Legal:     true,
		Keys:      signAuth,
		Fields:    slices.Concat(orgFields, personFields),
		Roles:     LegalRoles(),
		Documents: []Document{docIdentity, docPowerOfAttorney, docAppointmentOrder, docStateRegistration},
		BINTypes:  []kzid.EntityType{kzid.JointEntrepreneur},
	},
	{
		ID:        LegalEntity,
		Title:     title("Legal entity", "Юридическое лицо", "Заңды тұлға"),
		Legal:     true,
		Keys:      signAuth,
		Fields:    slices.Concat(orgFields, personFields),
		Roles:     LegalRoles(),
		Documents: []Document{docIdentity, docPowerOfAttorney, docAppointmentOrder, docStateRegistration},
		BINTypes:  []kzid.EntityType{kzid.ResidentLegalEntity},
	},
	{
		ID:        SSLIndividual,
		Title:     title("SSL certificate, individual", "SSL-сертификат, физическое лицо", "SSL сертификаты, жеке тұлға"),
		Keys:      sslOnly,
		Fields:    slices.Concat(personFields, req(FieldDomain), opt(FieldExtraDomains)),
		Documents: []Document{docIdentity, docPowerOfAttorney, docDomainOwnership},
		SSL:       true,
	},
	{
		ID:        SSLLegal,
		Title:     title("SSL certificate, legal entity", "SSL-сертификат, юридическое лицо", "SSL сертификаты, заңды тұлға"),
		Legal:     true,
		Keys:      sslOnly,
		Fields:    slices.Concat(orgFields, personFields, req(FieldDomain), opt(FieldExtraDomains)),
		Roles:     LegalRoles(),
		Documents: []Document{docIdentity, docPowerOfAttorney, docAppointmentOrder, docStateRegistration, docDomainOwnership},
		BINTypes:  []kzid.EntityType{kzid.ResidentLegalEntity, kzid.NonResidentLegalEntity, kzid.JointEntrepreneur},
		SSL:       true,
	},
	{
		ID:        Treasury,
		Title:     title("Treasury – Client participant", "Участник системы «Казначейство – Клиент»", "«Қазынашылық – Клиент» жүйесінің қатысушысы"),
		Legal:     true,
		Keys:      signAuth,
		Fields:    slices.Concat(orgFields, personFields, req(FieldStateBodyCode), opt(FieldRNN), req(FieldSystemRole)),
		Roles:     LegalRoles(),
		Documents: []Document{docIdentity, docPowerOfAttorney, docAppointmentOrder, docStateRegistration, docTreasuryAgreement},
		BINTypes:  []kzid.EntityType{kzid.ResidentLegalEntity},
	},
	{
		ID:          ENotariat,
		Title:       title("E-Notariat participant", "Участник системы «Е-Нотариат»", "«Е-Нотариат» жүйесінің қатысушысы"),
		Keys:        signAuth,
		Fields:      slices.Concat(personFields, req(FieldSystemRole)),
		SystemRoles: ENotariatRoles(),
		Documents:   []Document{docIdentity, docPowerOfAttorney},
	},
	{
		ID:          NonresidentIndividual,
		Title:       title("Non-resident individual", "Физическое лицо — нерезидент", "Бейрезидент жеке тұлға"),
		Nonresident: true,
		Keys:        signAuth,
		Fields:      slices.Concat(personFields, req(FieldResidenceDocument)),
		Documents:   []Document{docIdentity, docPowerOfAttorney, docNonresidentIIN},
	},
	{
		ID:          NonresidentLegal,
		Title:       title("Non-resident legal entity", "Юридическое лицо — нерезидент", "Бейрезидент заңды тұлға"),
		Legal:       true,
		Nonresident: true,
		Keys:        signAuth,
		Fields:      slices.Concat(orgFields, personFields, req(FieldResidenceDocument)),
		Roles:       LegalRoles(),
		Documents:   []Document{docIdentity, docPowerOfAttorney, docAppointmentOrder, docNonresidentBIN},
		BINTypes:    []kzid.EntityType{kzid.NonResidentLegalEntity},
	},
}
