package forms

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/profile"
)

// annex is the form of the service standard (seed 003) a template's application
// follows: its number and the title and subtitle of the form.
type annex struct {
	number   string
	title    tr
	subtitle tr
}

var (
	titleIssue = tr{
		"Қазақстан Республикасы Ұлттық куәландырушы орталығының тіркеу куәліктерін беруге арналған өтініш",
		"Заявление на выдачу регистрационных свидетельств Национального удостоверяющего центра Республики Казахстан",
		"Application for the issuance of registration certificates of the National Certification Authority of the Republic of Kazakhstan",
	}
	titleSSL = tr{
		"ҚР ҰКО SSL тіркеу куәлігін беруге арналған өтініш",
		"Заявление на выдачу SSL регистрационного свидетельства НУЦ РК",
		"Application for the issuance of an SSL registration certificate of the NCA RK",
	}
	fromIndividual = tr{"(жеке тұлғадан)", "(от физического лица)", "(from an individual)"}
	fromLegal      = tr{"(заңды тұлғадан)", "(от юридического лица)", "(from a legal entity)"}
)

// annexes maps every template to its form. The individual entrepreneur and the
// non-residents have no form of their own: they use the forms of the legal entity
// and the individual, with their extra fields.
var annexes = map[string]annex{
	profile.Individual:            {"2", titleIssue, fromIndividual},
	profile.NonresidentIndividual: {"2", titleIssue, fromIndividual},
	profile.ENotariat: {"5", titleIssue, tr{
		"(«Е-Нотариат» ақпараттық жүйесінің пайдаланушылары үшін жеке тұлғадан)",
		"(от физического лица для пользователей информационной системы «Е-Нотариат»)",
		"(from an individual, for users of the E-Notariat information system)"}},
	profile.LegalEntity:      {"7", titleIssue, fromLegal},
	profile.Entrepreneur:     {"7", titleIssue, fromLegal},
	profile.NonresidentLegal: {"7", titleIssue, fromLegal},
	profile.SSLIndividual:    {"10", titleSSL, fromIndividual},
	profile.SSLLegal:         {"11", titleSSL, fromLegal},
	profile.Treasury: {"12", titleIssue, tr{
		"(«Қазынашылық – Клиент» ақпараттық жүйесінің пайдаланушылары үшін заңды тұлғадан)",
		"(от юридического лица для пользователей информационной системы «Казначейство – Клиент»)",
		"(from a legal entity, for users of the Treasury – Client information system)"}},
}

// Annex returns the number of the annex of seed 003 whose form the application of
// template follows.
func Annex(template string) (string, bool) {
	a, ok := annexes[template]
	return a.number, ok
}

// orgFields are printed under the legal entity's heading.
var orgFields = map[string]bool{profile.FieldBIN: true, profile.FieldOrganization: true}

// ApplicationForm renders the printable application form of a: the form of its
// template's annex with the applicant's data as typed, the application number and
// date (in loc, the zone of the registration centres), the key requests, the
// consents given and the signature line. Labels are in lang (kk, ru or en).
func ApplicationForm(a *core.Application, lang string, loc *time.Location) ([]byte, error) {
	t, ok := profile.Lookup(a.Template)
	if !ok {
		return nil, fmt.Errorf("forms: application %s has unknown template %q", a.Number, a.Template)
	}
	ax := annexes[t.ID]
	lang, _ = Lang(lang)
	if loc == nil {
		loc = time.UTC
	}
	created := a.CreatedAt.In(loc)
	d, err := newDoc(ax.title.in(lang)+" "+a.Number, created)
	if err != nil {
		return nil, err
	}
	d.text(fmt.Sprintf(lAnnex.in(lang), ax.number), "", 8, 0, "")
	d.text(lAuthority.in(lang), "", 8, 0, "")
	d.space(10)
	d.text(ax.title.in(lang), "B", 13, 0, "C")
	d.text(ax.subtitle.in(lang), "", sizeTxt, 0, "C")
	d.space(8)
	d.field(lNumber.in(lang), a.Number)
	d.field(lSubmitted.in(lang), clock(created, lang))
	d.field(lTemplate.in(lang), t.Title[lang])
	d.rule()

	ap := a.Applicant
	values := map[string]string{
		profile.FieldIIN: ap.IIN, profile.FieldSurname: ap.Surname, profile.FieldName: ap.Name,
		profile.FieldPatronymic: ap.Patronymic, profile.FieldRegion: ap.Region, profile.FieldCity: ap.City,
		profile.FieldEmail: ap.Email, profile.FieldPhone: ap.Phone, profile.FieldBIN: ap.BIN,
		profile.FieldOrganization: ap.Organization, profile.FieldRole: ap.Role, profile.FieldDomain: ap.Domain,
		profile.FieldExtraDomains: strings.Join(ap.ExtraDomains, ", "), profile.FieldStateBodyCode: ap.StateBodyCode,
		profile.FieldRNN: ap.RNN, profile.FieldSystemRole: ap.SystemRole, profile.FieldResidenceDocument: ap.ResidenceDocument,
	}
	if r, ok := roleNames[ap.Role]; ok {
		values[profile.FieldRole] = r.in(lang)
	}
	if t.Legal {
		d.heading(lOrgHeading.in(lang))
		for _, f := range t.Fields {
			if orgFields[f.Name] {
				d.field(fieldLabels[f.Name].in(lang), values[f.Name])
			}
		}
		d.heading(lEmpHeading.in(lang))
	} else {
		d.heading(lPerHeading.in(lang))
	}
	for _, f := range t.Fields {
		if orgFields[f.Name] && t.Legal {
			continue
		}
		label, ok := fieldLabels[f.Name]
		if !ok {
			label = tr{f.Name, f.Name, f.Name}
		}
		d.field(label.in(lang), values[f.Name])
	}
	if ap.Language != "" {
		ln := ap.Language
		if n, ok := langNames[ln]; ok {
			ln = n.in(lang)
		}
		d.field(fieldLabels["language"].in(lang), ln)
	}
	d.space(4)
	d.para(lValidity.in(lang))

	if len(a.Requests) > 0 {
		d.heading(lKeys.in(lang))
		for _, r := range a.Requests {
			name := string(r.Type)
			if n, ok := certTypes[name]; ok {
				name = n.in(lang)
			}
			sum := sha256.Sum256(r.CSR)
			d.item("•", fmt.Sprintf(lKeyLine.in(lang), name, groups(hex.EncodeToString(sum[:]))))
			if t.SSL {
				d.para(lPKCS10.in(lang))
				d.text(base64.StdEncoding.EncodeToString(r.CSR), "", 7, 0, "")
			}
		}
	}

	d.heading(lConsents.in(lang))
	for _, c := range consentTexts {
		d.item("[X]", c.in(lang))
	}
	d.space(6)
	d.para(lExtra.in(lang))
	d.para("____________________________________________________________________________")
	d.space(14)
	d.field(lDate.in(lang), created.Format("02.01.2006"))
	d.space(14)
	sig := lSignPerson
	if t.Legal {
		sig = lSignEmpl
	}
	d.para(sig.in(lang) + " ____________________")
	return d.bytes()
}

// groups splits a hex digest into groups of 8 so that it wraps and reads well.
func groups(h string) string {
	var b strings.Builder
	for i := 0; i < len(h); i += 8 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(h[i:min(i+8, len(h))])
	}
	return b.String()
}
