package registry

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// CSV format (docs/registry.md): one header row naming the columns (any order, any
// case), then one row per person, organisation or employee, told apart by the kind
// column. Lines starting with '#' are comments. The delimiter is ',' or ';' or a tab,
// whichever the header row uses (spreadsheets in Kazakh and Russian locales write ';').
// A UTF-8 byte order mark is ignored.
//
//	kind          columns used
//	person        iin, surname, name, patronymic, birth_date, deceased, phone, email
//	organization  bin, organization (its name), iin (its first head), hr_may_confirm
//	employee      bin, iin, role
func csvColumns() []string {
	return []string{
		"kind", "iin", "bin", "surname", "name", "patronymic", "birth_date", "deceased",
		"phone", "email", "organization", "role", "hr_may_confirm",
	}
}

// csvUses returns the columns that a row of kind may fill (besides kind); ok is false
// for an unknown kind.
func csvUses(kind string) (cols []string, ok bool) {
	switch kind {
	case "person":
		return []string{"iin", "surname", "name", "patronymic", "birth_date", "deceased", "phone", "email"}, true
	case "organization":
		return []string{"iin", "bin", "organization", "hr_may_confirm"}, true
	case "employee":
		return []string{"iin", "bin", "role"}, true
	}
	return nil, false
}

// csvNames names entries by the line they came from.
type csvNames struct {
	persons   []int
	orgs      []int
	employees [][]int
}

func (n csvNames) person(i int) string      { return fmt.Sprintf("line %d", n.persons[i]) }
func (n csvNames) org(i int) string         { return fmt.Sprintf("line %d", n.orgs[i]) }
func (n csvNames) employee(o, j int) string { return fmt.Sprintf("line %d", n.employees[o][j]) }

// decodeCSV decodes a CSV registry file. Row-level problems (unknown kind, a column
// that does not apply, an employee of an unknown BIN, a bad date or boolean) are
// added to pr; the error is for a file that cannot be read as CSV at all.
func decodeCSV(b []byte, pr *problems) ([]Person, []Organization, entryNames, error) {
	b = bytes.TrimPrefix(b, []byte("\uFEFF"))
	r := csv.NewReader(bytes.NewReader(b))
	r.Comment = '#'
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.Comma = sniffDelimiter(b)

	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, nil, errors.New("CSV file is empty: the first row must name the columns")
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("CSV: %w", err)
	}
	columns := csvColumns()
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(columns, h) {
			return nil, nil, nil, fmt.Errorf("CSV header, column %d: unknown column %q (known: %s)", i+1, h, strings.Join(columns, ", "))
		}
		if _, dup := col[h]; dup {
			return nil, nil, nil, fmt.Errorf("CSV header: column %q appears twice", h)
		}
		col[h] = i
	}
	for _, need := range []string{"kind", "iin"} {
		if _, ok := col[need]; !ok {
			return nil, nil, nil, fmt.Errorf("CSV header: column %q is required", need)
		}
	}

	var (
		persons []Person
		orgs    []Organization
		names   csvNames
		byBIN   = map[string]int{}
		// employees whose organisation row may come later
		pending []struct {
			line int
			bin  string
			e    Employee
		}
	)
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, nil, fmt.Errorf("CSV: %w", err)
		}
		line, _ := r.FieldPos(0)
		where := fmt.Sprintf("line %d", line)
		if len(rec) > len(header) {
			pr.addf(where, "%d fields but the header names %d columns", len(rec), len(header))
			continue
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if strings.Trim(strings.Join(rec, ""), " \t") == "" {
			continue // a row of empty cells, as spreadsheets export
		}
		kind := strings.ToLower(get("kind"))
		uses, ok := csvUses(kind)
		if !ok {
			pr.addf(where, "kind %q is not person, organization or employee", get("kind"))
			continue
		}
		for _, c := range columns {
			if c != "kind" && get(c) != "" && !slices.Contains(uses, c) {
				pr.addf(where, "column %s does not apply to a %s row", c, kind)
			}
		}
		switch kind {
		case "person":
			p := Person{IIN: get("iin"), Surname: get("surname"), Name: get("name"), Patronymic: get("patronymic"),
				Phone: get("phone"), Email: get("email")}
			p.Deceased = csvBool(get("deceased"), where, "deceased", pr)
			p.BirthDate = birthDate(get("birth_date"), p.IIN, where+" ("+describePerson(p)+")", pr, dateLayout, "02.01.2006")
			persons = append(persons, p)
			names.persons = append(names.persons, line)
		case "organization":
			o := Organization{BIN: get("bin"), Name: get("organization"), HeadIIN: get("iin")}
			o.HRMayConfirm = csvBool(get("hr_may_confirm"), where, "hr_may_confirm", pr)
			if _, dup := byBIN[o.BIN]; !dup {
				byBIN[o.BIN] = len(orgs)
			}
			orgs = append(orgs, o)
			names.orgs = append(names.orgs, line)
			names.employees = append(names.employees, nil)
		case "employee":
			pending = append(pending, struct {
				line int
				bin  string
				e    Employee
			}{line, get("bin"), Employee{IIN: get("iin"), Role: get("role")}})
		}
	}
	for _, p := range pending {
		i, ok := byBIN[p.bin]
		if !ok {
			pr.addf(fmt.Sprintf("line %d", p.line), "employee of BIN %q, which has no organization row", p.bin)
			continue
		}
		orgs[i].Employees = append(orgs[i].Employees, p.e)
		names.employees[i] = append(names.employees[i], p.line)
	}
	return persons, orgs, names, nil
}

// sniffDelimiter picks the delimiter the header row uses most: ',', ';' or tab.
func sniffDelimiter(b []byte) rune {
	for len(b) > 0 && b[0] == '#' { // skip leading comment lines
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return ','
		}
		b = b[i+1:]
	}
	first, _, _ := bytes.Cut(b, []byte("\n"))
	best, n := ',', bytes.Count(first, []byte(","))
	for _, d := range []rune{';', '\t'} {
		if c := bytes.Count(first, []byte(string(d))); c > n {
			best, n = d, c
		}
	}
	return best
}

// csvBool parses a yes/no cell: empty, 0/1, true/false, yes/no, да/нет, иә/жоқ.
func csvBool(s, where, column string, pr *problems) bool {
	switch strings.ToLower(s) {
	case "", "0", "false", "no", "нет", "жоқ":
		return false
	case "1", "true", "yes", "да", "иә":
		return true
	}
	pr.addf(where, "%s %q is not yes or no", column, s)
	return false
}
