package registry_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/kzid"
	"github.com/opennca/nca/registry"
)

const sampleJSON = `{
  "persons": [
    {"iin": "871008401427", "surname": "Сейтқали", "name": "Әйгерім", "patronymic": "Бақытжанқызы",
     "birth_date": "1987-10-08", "phone": "+7 701 555 0101", "email": "aigerim.seitkali@example.kz"},
    {"iin": "760212350620", "surname": "Оспанов", "name": "Ерлан", "patronymic": "Маратұлы", "deceased": true}
  ],
  "organizations": [
    {"bin": "940140000385", "name": "«Қазақ Технологиялары» ЖШС", "head_iin": "760212350620",
     "hr_may_confirm": true, "employees": [{"iin": "871008401427", "role": "hr"}]}
  ]
}
`

const sampleCSV = `kind,iin,bin,surname,name,patronymic,birth_date,deceased,phone,email,organization,role,hr_may_confirm
person,871008401427,,Сейтқали,Әйгерім,Бақытжанқызы,1987-10-08,,+7 701 555 0101,aigerim.seitkali@example.kz,,,
person,760212350620,,Оспанов,Ерлан,Маратұлы,,yes,,,,,
organization,760212350620,940140000385,,,,,,,,«Қазақ Технологиялары» ЖШС,,yes
employee,871008401427,940140000385,,,,,,,,,hr,
`

// sampleSemicolonCSV is the same data as a spreadsheet in a Russian locale writes it:
// byte order mark, ';', dates as DD.MM.YYYY, columns in another order, comments,
// employee row before its organisation, a trailing empty row.
const sampleSemicolonCSV = "\uFEFF# exported from the HR spreadsheet\n" +
	"Kind;IIN;Surname;Name;Patronymic;Birth_Date;Deceased;Phone;Email;BIN;Organization;Role;HR_May_Confirm\n" +
	"person;871008401427;Сейтқали;Әйгерім;Бақытжанқызы;08.10.1987;;+7 701 555 0101;aigerim.seitkali@example.kz;;;;\n" +
	"person;760212350620;Оспанов;Ерлан;Маратұлы;12.02.1976;да;;;;;;\n" +
	"# the company\n" +
	"employee;871008401427;;;;;;;;940140000385;;hr;\n" +
	"organization;760212350620;;;;;;;;940140000385;«Қазақ Технологиялары» ЖШС;;иә\n" +
	";;;;;;;;;;;;\n"

func wantSample() ([]registry.Person, []registry.Organization) {
	return []registry.Person{
			{IIN: "871008401427", Surname: "Сейтқали", Name: "Әйгерім", Patronymic: "Бақытжанқызы",
				BirthDate: time.Date(1987, 10, 8, 0, 0, 0, 0, time.UTC), Phone: "+7 701 555 0101", Email: "aigerim.seitkali@example.kz"},
			{IIN: "760212350620", Surname: "Оспанов", Name: "Ерлан", Patronymic: "Маратұлы",
				BirthDate: time.Date(1976, 2, 12, 0, 0, 0, 0, time.UTC), Deceased: true},
		}, []registry.Organization{
			{BIN: "940140000385", Name: "«Қазақ Технологиялары» ЖШС", HeadIIN: "760212350620", HRMayConfirm: true,
				Employees: []registry.Employee{{IIN: "871008401427", Role: "hr"}}},
		}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func sameData(t *testing.T, f *registry.File, persons []registry.Person, orgs []registry.Organization) {
	t.Helper()
	if !reflect.DeepEqual(f.Persons, persons) {
		t.Errorf("persons:\n got %+v\nwant %+v", f.Persons, persons)
	}
	if !reflect.DeepEqual(f.Organizations, orgs) {
		t.Errorf("organizations:\n got %+v\nwant %+v", f.Organizations, orgs)
	}
}

func TestLoadFormats(t *testing.T) {
	persons, orgs := wantSample()
	for name, content := range map[string]string{
		"r.json": sampleJSON, "R.JSON": sampleJSON, "r.csv": sampleCSV, "semicolon.csv": sampleSemicolonCSV,
	} {
		t.Run(name, func(t *testing.T) {
			f, err := registry.LoadFile(writeFile(t, name, content))
			if err != nil {
				t.Fatal(err)
			}
			sameData(t, f, persons, orgs)
		})
	}
}

func TestLoadUnknownExtension(t *testing.T) {
	if _, err := registry.LoadFile(writeFile(t, "r.xml", sampleJSON)); err == nil {
		t.Fatal("loaded a .xml file")
	}
	if _, err := registry.LoadFile(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Fatal("loaded a missing file")
	}
}

func TestLookup(t *testing.T) {
	ctx := context.Background()
	persons, orgs := wantSample()
	indexed, err := registry.New(persons, orgs)
	if err != nil {
		t.Fatal(err)
	}
	literal := &registry.File{Persons: persons, Organizations: orgs}
	for name, f := range map[string]*registry.File{"indexed": indexed, "literal": literal} {
		t.Run(name, func(t *testing.T) {
			p, err := f.Person(ctx, "871008401427")
			if err != nil || p.Name != "Әйгерім" {
				t.Fatalf("person: %+v, %v", p, err)
			}
			o, err := f.Organization(ctx, "940140000385")
			if err != nil || o.HeadIIN != "760212350620" || len(o.Employees) != 1 {
				t.Fatalf("organisation: %+v, %v", o, err)
			}
			// Results are copies.
			p.Name, o.Employees[0].Role = "changed", "changed"
			if f.Persons[0].Name != "Әйгерім" || f.Organizations[0].Employees[0].Role != "hr" {
				t.Fatal("lookup results share memory with the registry")
			}
			_, err = f.Person(ctx, "950341000052")
			if !errors.Is(err, core.ErrNotFound) || core.KindOf(err) != core.KindNotFound {
				t.Fatalf("unknown person: %v", err)
			}
			_, err = f.Organization(ctx, "950341000052")
			if !errors.Is(err, core.ErrNotFound) {
				t.Fatalf("unknown organisation: %v", err)
			}
		})
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := indexed.Person(cancelled, "871008401427"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
}

// replace returns s with old replaced once, failing if old is absent.
func replace(t *testing.T, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("sample lacks %q", old)
	}
	return strings.Replace(s, old, new, 1)
}

func TestValidationErrors(t *testing.T) {
	cases := []struct {
		name, file, content string
		want                []string // substrings of the error
		is                  error    // errors.Is target, if any
	}{
		{"bad checksum JSON", "r.json", replace(t, sampleJSON, `"iin": "760212350620"`, `"iin": "760212350621"`),
			[]string{"persons[1]", "760212350621", "check digit"}, kzid.ErrChecksum},
		{"bad checksum CSV", "r.csv", replace(t, sampleCSV, "person,760212350620", "person,760212350621"),
			[]string{"line 3", "check digit"}, kzid.ErrChecksum},
		{"dropped leading zero", "r.csv", replace(t, sampleCSV, "person,760212350620", "person,76021235062"),
			[]string{"line 3", "leading zero"}, kzid.ErrFormat},
		{"bad BIN", "r.json", replace(t, sampleJSON, `"bin": "940140000385"`, `"bin": "940170000385"`),
			[]string{"organizations[0]", "940170000385"}, nil},
		{"unknown head", "r.json", replace(t, sampleJSON, `"head_iin": "760212350620"`, `"head_iin": "950341000052"`),
			[]string{"organizations[0]", "head IIN 950341000052 is not a registered person"}, nil},
		{"unknown head CSV", "r.csv", replace(t, sampleCSV, "organization,760212350620", "organization,950341000052"),
			[]string{"line 4", "head IIN 950341000052"}, nil},
		{"unknown employee", "r.csv", replace(t, sampleCSV, "employee,871008401427", "employee,950341000052"),
			[]string{"line 5", "employee IIN \"950341000052\" is not a registered person"}, nil},
		{"duplicate person", "r.csv", sampleCSV + "person,871008401427,,Сейтқали,Әйгерім,,,,,,,,\n",
			[]string{"line 6", "duplicate IIN, first listed at line 2"}, nil},
		{"duplicate organisation", "r.csv", sampleCSV + "organization,871008401427,940140000385,,,,,,,,Другое,,\n",
			[]string{"line 6", "duplicate BIN, first listed at line 4"}, nil},
		{"duplicate employee", "r.csv", sampleCSV + "employee,871008401427,940140000385,,,,,,,,,employee,\n",
			[]string{"line 6", "listed twice", "first at line 5"}, nil},
		{"bad role", "r.json", replace(t, sampleJSON, `"role": "hr"`, `"role": "director"`),
			[]string{"organizations[0].employees[0]", `unknown role "director"`}, nil},
		{"first_head not the head", "r.json", replace(t, sampleJSON, `"role": "hr"`, `"role": "first_head"`),
			[]string{"organizations[0].employees[0]", "first_head"}, nil},
		{"birth date mismatch", "r.json", replace(t, sampleJSON, `"birth_date": "1987-10-08"`, `"birth_date": "1987-10-09"`),
			[]string{"persons[0] (person IIN 871008401427)", "birth date 1987-10-09 does not match the date 1987-10-08"}, nil},
		{"birth date malformed", "r.csv", replace(t, sampleCSV, "1987-10-08", "8 Oct 1987"),
			[]string{"line 2", `birth date "8 Oct 1987"`}, nil},
		{"missing name", "r.json", replace(t, sampleJSON, `"name": "Ерлан", `, ``),
			[]string{"persons[1]", "name missing"}, nil},
		{"bad e-mail", "r.json", replace(t, sampleJSON, `aigerim.seitkali@example.kz`, `Әйгерім <a@example.kz>`),
			[]string{"persons[0]", "e-mail"}, nil},
		{"bad phone", "r.json", replace(t, sampleJSON, `+7 701 555 0101`, `8 701 555 0101`),
			[]string{"persons[0]", "phone"}, nil},
		{"employee of unknown BIN", "r.csv", sampleCSV + "employee,871008401427,950341000052,,,,,,,,,employee,\n",
			[]string{"line 6", "no organization row"}, nil},
		{"unknown kind", "r.csv", sampleCSV + "company,871008401427,,,,,,,,,,,\n",
			[]string{"line 6", `kind "company"`}, nil},
		{"column not for kind", "r.csv", replace(t, sampleCSV, ",,,,,,,,,hr,", ",,,,,,,,,hr,yes"),
			[]string{"line 5", "hr_may_confirm does not apply to a employee row"}, nil},
		{"bad boolean", "r.csv", replace(t, sampleCSV, ",yes\n", ",maybe\n"),
			[]string{"line 4", `hr_may_confirm "maybe"`}, nil},
		{"too many fields", "r.csv", sampleCSV + "person,871008401427,,,,,,,,,,,,extra\n",
			[]string{"line 6", "14 fields"}, nil},
		{"unknown column", "r.csv", replace(t, sampleCSV, "hr_may_confirm", "hr_may_confrim"),
			[]string{`unknown column "hr_may_confrim"`}, nil},
		{"missing iin column", "r.csv", "kind,bin\norganization,940140000385\n",
			[]string{`column "iin" is required`}, nil},
		{"unknown JSON field", "r.json", replace(t, sampleJSON, `"deceased": true`, `"dead": true`),
			[]string{"line 5", `unknown field "dead"`}, nil},
		{"JSON syntax", "r.json", replace(t, sampleJSON, `"persons": [`, `"persons": [,`),
			[]string{"line 2", "syntax"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeFile(t, c.file, c.content)
			_, err := registry.LoadFile(path)
			if err == nil {
				t.Fatal("loaded")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error does not wrap %v: %v", c.is, err)
			}
		})
	}
}

func TestValidationReportsAllProblems(t *testing.T) {
	content := replace(t, sampleJSON, `"iin": "760212350620"`, `"iin": "760212350621"`)
	content = replace(t, content, `"role": "hr"`, `"role": "boss"`)
	_, err := registry.LoadFile(writeFile(t, "r.json", content))
	var ve *registry.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("not a *ValidationError: %v", err)
	}
	// Bad IIN, the head IIN now unknown, the bad role.
	if len(ve.Problems) != 3 || !strings.HasSuffix(ve.File, "r.json") {
		t.Fatalf("problems: %v", err)
	}
}

func TestWriteJSONRoundTrip(t *testing.T) {
	persons, orgs := wantSample()
	f, err := registry.New(persons, orgs)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "out.json")
	if err := f.WriteJSON(path); err != nil {
		t.Fatal(err)
	}
	g, err := registry.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sameData(t, g, persons, orgs)
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), `"birth_date": "1987-10-08"`) || !strings.Contains(string(b), "«Қазақ") {
		t.Fatalf("written JSON:\n%s", b)
	}
	if err := f.WriteJSON(filepath.Join(t.TempDir(), "missing", "out.json")); err == nil {
		t.Fatal("wrote into a missing directory")
	}
}

// The examples in docs/registry.md load and mean the same.
func TestDocExamples(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "registry.md"))
	if err != nil {
		t.Skip("docs/registry.md not found:", err)
	}
	persons, orgs := wantSample()
	persons[1].Deceased = false
	for _, lang := range []string{"json", "csv"} {
		_, rest, ok := strings.Cut(string(doc), "```"+lang+"\n")
		if !ok {
			t.Fatalf("no %s example", lang)
		}
		example, _, _ := strings.Cut(rest, "```")
		f, err := registry.LoadFile(writeFile(t, "example."+lang, example))
		if err != nil {
			t.Fatalf("%s example: %v", lang, err)
		}
		sameData(t, f, persons, orgs)
	}
}
