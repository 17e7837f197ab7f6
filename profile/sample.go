package profile

import "github.com/opennca/nca/core"

// Sample returns a complete, valid application form for the template id, for demos
// and tests: the IIN and BINs pass their checksums (IIN 871008401427, BIN
// 940140000385, entrepreneur BIN 240160000000, non-resident BIN 240150000006), the
// role is "employee" for legal templates. It returns the zero Applicant for an
// unknown id.
func Sample(id string) core.Applicant {
	t, ok := Lookup(id)
	if !ok {
		return core.Applicant{}
	}
	a := core.Applicant{
		IIN:        "871008401427",
		Surname:    "Тестова",
		Name:       "Айгерім",
		Patronymic: "Серікқызы",
		Region:     "Алматы облысы",
		City:       "Қонаев",
		Email:      "aigerim.testova@example.kz",
		Phone:      "+7 701 234 56 78",
		Language:   "kk",
	}
	if t.Legal {
		a.BIN = "940140000385"
		a.Organization = `АО "Тест"`
		a.Role = RoleEmployee
	}
	switch id {
	case Entrepreneur:
		a.BIN = "240160000000"
		a.Organization = `ИП "Тестова"`
	case NonresidentLegal:
		a.BIN = "240150000006"
		a.Organization = "Test GmbH (branch)"
		a.ResidenceDocument = "branch registration 12-345"
	case NonresidentIndividual:
		a.ResidenceDocument = "residence permit 012345678"
	case Treasury:
		a.StateBodyCode = "1234567"
		a.RNN = "600400123456"
		a.SystemRole = "accountant"
	case ENotariat:
		a.SystemRole = SystemNotary
	}
	if t.SSL {
		a.Domain = "example.kz"
		a.ExtraDomains = []string{"www.example.kz", "mail.example.kz"}
	}
	return a
}
