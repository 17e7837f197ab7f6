package registry

import (
	"fmt"
	"strings"
	"time"

	"github.com/opennca/nca/kzid"
)

// DemoCase names one registered person to try one applicant template (and role)
// with. The server prints the list at first start.
type DemoCase struct {
	Template string // profile template ID, e.g. "legal_entity"
	Role     string // organisation role (first_head, …) for templates with a BIN, else
	IIN      string
	BIN      string // "" for templates without an organisation
	Name     string // surname, name and patronymic
	Note     string // what the case shows
}

// demoPerson is a person of the demo set; the IIN is computed from the birth date.
type demoPerson struct {
	key                       string // names the person in demoOrgs and demoCases
	surname, name, patronymic string
	year, month, day          int // birth date; year 0 = under 16 relative to now
	female, deceased          bool
	serial                    int // NNNN of the IIN
	phone, email              string
}

// demoPersons returns the demo persons.
func demoPersons() []demoPerson {
	return []demoPerson{
		{"adult", "Сейтқали", "Әйгерім", "Бақытжанқызы", 1987, 10, 8, true, false, 142, "+7 701 555 0101", "aigerim.seitkali@example.kz"},
		{"adult2", "Оспанов", "Ерлан", "Маратұлы", 1976, 2, 12, false, false, 5062, "+7 702 555 0102", "erlan.ospanov@example.kz"},
		{"minor", "Оспанов", "Нұрсұлтан", "Ерланұлы", 0, 0, 0, false, false, 2210, "+7 702 555 0103", ""},
		{"deceased", "Құдайбергенов", "Төлеген", "Әбілқасымұлы", 1941, 5, 9, false, true, 3104, "", ""},
		{"head", "Әбдірахманов", "Бауыржан", "Серікұлы", 1970, 7, 21, false, false, 1150, "+7 701 555 0201", "b.abdirakhmanov@example.kz"},
		{"signer", "Ғабитова", "Сәуле", "Қайратқызы", 1982, 3, 15, true, false, 2317, "+7 705 555 0202", "saule.gabitova@example.kz"},
		{"finsigner", "Ильясов", "Дамир", "Ахметович", 1979, 11, 30, false, false, 4021, "+7 707 555 0203", "damir.ilyasov@example.kz"},
		{"hr", "Мұқанова", "Гүлнар", "Өмірзаққызы", 1985, 1, 17, true, false, 3388, "+7 747 555 0204", "gulnar.mukanova@example.kz"},
		{"employee", "Тоқтаров", "Айбек", "Асқарұлы", 1995, 6, 4, false, false, 1702, "+7 771 555 0205", "aibek.toktarov@example.kz"},
		{"iehead", "Үмбетов", "Арман", "Болатұлы", 1980, 9, 12, false, false, 2544, "+7 701 555 0301", "arman.umbetov@example.kz"},
		{"ieemployee", "Сәрсенова", "Зуһра", "Ермекқызы", 1992, 12, 2, true, false, 1876, "+7 776 555 0302", "zuhra.sarsenova@example.kz"},
		{"nrhead", "Мюллер", "Томас", "", 1975, 4, 18, false, false, 7301, "+49 30 5550 1234", "thomas.mueller@example.kz"},
		{"nremployee", "Ким", "Виктория", "Сергеевна", 1990, 8, 25, true, false, 2689, "+7 727 555 0402", "victoria.kim@example.kz"},
		{"nonresident", "Алиев", "Рустам", "Тимурович", 1988, 2, 29, false, false, 7445, "+998 71 555 0501", "rustam.aliev@example.kz"},
		{"statehead", "Бектұров", "Асқар", "Жақсылықұлы", 1968, 10, 10, false, false, 1933, "+7 717 555 0601", "askar.bekturov@example.kz"},
		{"treasury", "Нұрпейісова", "Дана", "Маратқызы", 1984, 5, 5, true, false, 2475, "+7 717 555 0602", "dana.nurpeisova@example.kz"},
		{"notary", "Қасымова", "Ләззат", "Жанатқызы", 1972, 11, 11, true, false, 3016, "+7 727 555 0701", "lazzat.kasymova@example.kz"},
		{"ssl", "Ермеков", "Ғалым", "Жаңабайұлы", 1991, 1, 23, false, false, 4120, "+7 700 555 0801", "galym.ermekov@example.kz"},
	}
}

// demoOrg is an organisation of the demo set; the BIN is computed. Names fit the 64
// characters of an X.509 organizationName.
type demoOrg struct {
	key          string
	name         string
	yy, mm       int // registration
	typ, attr    int // BIN type and attribute digits
	serial       int // NNNNN of the BIN
	head         string
	hrMayConfirm bool
	employees    [][2]string // person key, role
}

// demoOrgs returns the demo organisations.
func demoOrgs() []demoOrg {
	return []demoOrg{
		{"company", "«Қазақ Технологиялары» ЖШС", 7, 5, 4, 0, 1234, "head", true, [][2]string{
			{"signer", "signing_right"}, {"finsigner", "financial_signing"}, {"hr", "hr"}, {"employee", "employee"},
		}},
		{"ie", "«Үміт» бірлескен жеке кәсіпкерлігі", 12, 3, 6, 0, 457, "iehead", false, [][2]string{
			{"ieemployee", "employee"},
		}},
		{"nonresident", "Steppe Logistics GmbH компаниясының Қазақстандағы филиалы", 15, 9, 5, 1, 78, "nrhead", false, [][2]string{
			{"nremployee", "employee"},
		}},
		{"statebody", "Астана қаласы бойынша қазынашылық департаменті ММ", 99, 2, 4, 0, 311, "statehead", false, [][2]string{
			{"treasury", "financial_signing"},
		}},
	}
}

// demoCase is a DemoCase by person and organisation key.
type demoCase struct{ template, role, person, org, note string }

// demoCases returns the cases.
func demoCases() []demoCase {
	return []demoCase{
		{"individual", "", "adult", "", "adult citizen: the ordinary path"},
		{"individual", "", "adult2", "", "adult citizen, father of the minor below"},
		{"individual", "", "minor", "", "under 16: the operator must refuse (under_16)"},
		{"individual", "", "deceased", "", "registered as deceased: the registry check refuses"},
		{"legal_entity", "first_head", "head", "company", "first head: no confirmation needed"},
		{"legal_entity", "signing_right", "signer", "company", "signing right: the first head (or HR) confirms"},
		{"legal_entity", "financial_signing", "finsigner", "company", "financial signing right: the first head (or HR) confirms"},
		{"legal_entity", "hr", "hr", "company", "HR, allowed to confirm employees' applications"},
		{"legal_entity", "employee", "employee", "company", "employee: confirmed by the first head or HR"},
		{"entrepreneur", "first_head", "iehead", "ie", "head of an individual entrepreneurs' joint enterprise"},
		{"entrepreneur", "employee", "ieemployee", "ie", "employee of the joint enterprise: the head confirms"},
		{"nonresident_legal", "first_head", "nrhead", "nonresident", "head of a foreign company's branch (BIN type 5)"},
		{"nonresident_legal", "employee", "nremployee", "nonresident", "employee of the branch: the head confirms"},
		{"nonresident_individual", "", "nonresident", "", "foreigner with an IIN (residence permit); born 29 February"},
		{"treasury", "first_head", "statehead", "statebody", "head of a state body using Treasury-Client; e.g. state body code 1530-ММ, RNN 620300000000"},
		{"treasury", "financial_signing", "treasury", "statebody", "Treasury-Client participant with financial signing right: the head confirms"},
		{"enotariat", "", "notary", "", "E-Notariat participant, system role notary"},
		{"ssl_individual", "", "ssl", "", "SSL for a domain owned by an individual, e.g. galym-ermekov.kz"},
		{"ssl_legal", "first_head", "head", "company", "SSL for the company's domain, e.g. qaztech.kz"},
	}
}

// demoIIN returns the IIN of a person born on the given day with the given serial,
// bumping the serial until a check digit exists.
func demoIIN(birth time.Time, female bool, serial int) string {
	c := 3
	if birth.Year() >= 2000 {
		c = 5
	}
	if female {
		c++
	}
	for ; ; serial++ {
		if s, ok := kzid.Complete(fmt.Sprintf("%s%d%04d", birth.Format("060102"), c, serial%10000)); ok {
			return s
		}
	}
}

// demoBIN returns the BIN of an organisation, bumping the serial until a check digit
// exists.
func demoBIN(o demoOrg) string {
	for serial := o.serial; ; serial++ {
		if s, ok := kzid.Complete(fmt.Sprintf("%02d%02d%d%d%05d", o.yy, o.mm, o.typ, o.attr, serial%100000)); ok {
			return s
		}
	}
}

// demoBirth returns a demo person's birth date; the minor is 15 years and 3 months
// old on now's calendar day.
func demoBirth(p demoPerson, now time.Time) time.Time {
	if p.year == 0 {
		y, m, d := now.AddDate(-15, -3, 0).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(p.year, time.Month(p.month), p.day, 0, 0, 0, 0, time.UTC)
}

// Demo returns the deterministic demo data set for the day of now: individuals (two
// adults, one under 16 relative to now, one deceased), a resident company (BIN type 4)
// with a first head, signing and financial signing rights, HR allowed to confirm and
// an employee, an individual entrepreneurs' joint enterprise (type 6), a foreign
// company's branch (type 5), a foreign individual, a state body using Treasury-Client,
// a notary and a domain owner. Every IIN and BIN is valid. DemoCases lists whom to try.
func Demo(now time.Time) *File {
	var persons []Person
	iins := map[string]string{}
	for _, dp := range demoPersons() {
		birth := demoBirth(dp, now)
		iin := demoIIN(birth, dp.female, dp.serial)
		iins[dp.key] = iin
		persons = append(persons, Person{
			IIN: iin, Surname: dp.surname, Name: dp.name, Patronymic: dp.patronymic,
			BirthDate: birth, Deceased: dp.deceased, Phone: dp.phone, Email: dp.email,
		})
	}
	var orgs []Organization
	for _, do := range demoOrgs() {
		o := Organization{BIN: demoBIN(do), Name: do.name, HeadIIN: iins[do.head], HRMayConfirm: do.hrMayConfirm}
		for _, e := range do.employees {
			o.Employees = append(o.Employees, Employee{IIN: iins[e[0]], Role: e[1]})
		}
		orgs = append(orgs, o)
	}
	f, err := New(persons, orgs)
	if err != nil {
		panic("registry: demo data set is invalid: " + err.Error()) // a bug, caught by the tests
	}
	return f
}

// DemoCases lists one person to try per applicant template and role, for a File made
// by Demo (or derived from it): each case is looked up in f by the person's and the
// organisation's names, and cases whose entries f lacks are left out.
func DemoCases(f *File) []DemoCase {
	var out []DemoCase
	for _, c := range demoCases() {
		p := findDemoPerson(f, c.person)
		if p == nil {
			continue
		}
		dc := DemoCase{Template: c.template, Role: c.role, IIN: p.IIN, Note: c.note,
			Name: strings.TrimSpace(p.Surname + " " + p.Name + " " + p.Patronymic)}
		if c.org != "" {
			o := findDemoOrg(f, c.org)
			if o == nil {
				continue
			}
			dc.BIN = o.BIN
		}
		if c.person == "minor" {
			dc.Note = fmt.Sprintf("born %s: %s", p.BirthDate.Format(dateLayout), c.note)
		}
		out = append(out, dc)
	}
	return out
}

func findDemoPerson(f *File, key string) *Person {
	for _, dp := range demoPersons() {
		if dp.key != key {
			continue
		}
		for i := range f.Persons {
			p := &f.Persons[i]
			if p.Surname == dp.surname && p.Name == dp.name && p.Patronymic == dp.patronymic {
				return p
			}
		}
	}
	return nil
}

func findDemoOrg(f *File, key string) *Organization {
	for _, do := range demoOrgs() {
		if do.key != key {
			continue
		}
		for i := range f.Organizations {
			if f.Organizations[i].Name == do.name {
				return &f.Organizations[i]
			}
		}
	}
	return nil
}
