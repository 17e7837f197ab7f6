package registry

import (
	"context"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/kzid"
)

// File is the built-in Registry: the persons and organisations of a JSON or CSV file
// (see docs/registry.md), or of the demo data set. Build it with New, LoadFile or
// Demo, which validate the data and index it; a File must not be modified afterwards.
// Its methods are safe for concurrent use.
type File struct {
	Persons       []Person
	Organizations []Organization

	persons map[string]int // IIN → index in Persons
	orgs    map[string]int // BIN → index in Organizations
}

var _ Registry = (*File)(nil)

// Roles lists the organisation roles an Employee may have.
func Roles() []string {
	return []string{"first_head", "signing_right", "financial_signing", "hr", "employee"}
}

// New validates persons and organisations (see Validate) and returns them as an
// indexed File. The slices are used as they are, not copied.
func New(persons []Person, orgs []Organization) (*File, error) {
	f := &File{Persons: persons, Organizations: orgs}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	f.index()
	return f, nil
}

func (f *File) index() {
	f.persons = make(map[string]int, len(f.Persons))
	for i, p := range f.Persons {
		f.persons[p.IIN] = i
	}
	f.orgs = make(map[string]int, len(f.Organizations))
	for i, o := range f.Organizations {
		f.orgs[o.BIN] = i
	}
}

// Person implements Registry. It returns a copy; an unknown IIN is an error wrapping
// core.ErrNotFound.
func (f *File) Person(ctx context.Context, iin string) (*Person, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	i, ok := f.persons[iin]
	if f.persons == nil {
		i = slices.IndexFunc(f.Persons, func(p Person) bool { return p.IIN == iin })
		ok = i >= 0
	}
	if !ok {
		return nil, fmt.Errorf("registry: person with IIN %s: %w", iin, core.ErrNotFound)
	}
	p := f.Persons[i]
	return &p, nil
}

// Organization implements Registry. It returns a copy; an unknown BIN is an error
// wrapping core.ErrNotFound.
func (f *File) Organization(ctx context.Context, bin string) (*Organization, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	i, ok := f.orgs[bin]
	if f.orgs == nil {
		i = slices.IndexFunc(f.Organizations, func(o Organization) bool { return o.BIN == bin })
		ok = i >= 0
	}
	if !ok {
		return nil, fmt.Errorf("registry: organisation with BIN %s: %w", bin, core.ErrNotFound)
	}
	o := f.Organizations[i]
	o.Employees = slices.Clone(o.Employees)
	return &o, nil
}

// Validate checks the whole data set and returns every problem found (joined, at most
// maxProblems), each naming the entry, or nil. It checks:
//   - every IIN (structure, century digit, date, check digit) and BIN (structure,
//     month, type and attribute digits, check digit) with package kzid;
//   - persons: surname and name present, the birth date equals the date encoded in
//     the IIN, the e-mail (if any) is a bare address, the phone (if any) is "+" and
//     8 to 15 digits (spaces, hyphens and parentheses allowed);
//   - organisations: name present, the head's IIN is a registered person, every
//     employee's IIN is a registered person listed once, every role is one of Roles,
//     and only the head has the role first_head;
//   - no IIN or BIN appears twice.
func (f *File) Validate() error {
	var pr problems
	validate(f.Persons, f.Organizations, defaultNames{}, &pr)
	return pr.err()
}

// maxProblems caps how many problems a validation error lists.
const maxProblems = 50

// entryNames names the entries of a data set in error messages: by position for
// JSON, by line for CSV.
type entryNames interface {
	person(i int) string
	org(i int) string
	employee(org, j int) string
}

type defaultNames struct{}

func (defaultNames) person(i int) string { return fmt.Sprintf("persons[%d]", i) }
func (defaultNames) org(i int) string    { return fmt.Sprintf("organizations[%d]", i) }
func (defaultNames) employee(o, j int) string {
	return fmt.Sprintf("organizations[%d].employees[%d]", o, j)
}

// problems collects validation errors.
type problems struct {
	errs []error
	more int
}

func (p *problems) add(where string, err error) {
	if len(p.errs) >= maxProblems {
		p.more++
		return
	}
	p.errs = append(p.errs, fmt.Errorf("%s: %w", where, err))
}

func (p *problems) addf(where, format string, args ...any) {
	p.add(where, fmt.Errorf(format, args...))
}

func (p *problems) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	errs := p.errs
	if p.more > 0 {
		errs = append(errs, fmt.Errorf("… and %d more problems", p.more))
	}
	return &ValidationError{Problems: errs}
}

// ValidationError lists the problems of a registry data set, each naming its entry
// (and wrapping, where it applies, the kzid error such as kzid.ErrChecksum).
type ValidationError struct {
	// File is the file the data came from, if any.
	File     string
	Problems []error
}

// Error lists the problems, one a line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("registry: ")
	if e.File != "" {
		b.WriteString(e.File + ": ")
	}
	fmt.Fprintf(&b, "%d problem(s):", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  " + p.Error())
	}
	return b.String()
}

// Unwrap returns the problems, so that errors.Is finds e.g. kzid.ErrChecksum.
func (e *ValidationError) Unwrap() []error { return e.Problems }

func describePerson(p Person) string {
	if p.IIN == "" {
		return "person without IIN"
	}
	return "person IIN " + p.IIN
}

// validate adds the problems of a data set to pr.
func validate(persons []Person, orgs []Organization, names entryNames, pr *problems) {
	byIIN := make(map[string]int, len(persons))
	for i, p := range persons {
		where := names.person(i) + " (" + describePerson(p) + ")"
		if first, dup := byIIN[p.IIN]; dup {
			pr.addf(where, "duplicate IIN, first listed at %s", names.person(first))
			continue
		}
		byIIN[p.IIN] = i
		if err := checkIIN(p.IIN); err != nil {
			pr.add(where, err)
		} else if id, _ := kzid.ParseIIN(p.IIN); !sameDay(p.BirthDate, id) {
			if p.BirthDate.IsZero() {
				pr.addf(where, "birth date missing (the IIN says %s)", id.BirthDate.Format(dateLayout))
			} else {
				pr.addf(where, "birth date %s does not match the date %s encoded in the IIN",
					p.BirthDate.Format(dateLayout), id.BirthDate.Format(dateLayout))
			}
		}
		if strings.TrimSpace(p.Surname) == "" {
			pr.addf(where, "surname missing")
		}
		if strings.TrimSpace(p.Name) == "" {
			pr.addf(where, "name missing")
		}
		if p.Email != "" {
			if a, err := mail.ParseAddress(p.Email); err != nil || a.Address != p.Email {
				pr.addf(where, "e-mail %q is not a plain address like name@example.kz", p.Email)
			}
		}
		if p.Phone != "" && !validPhone(p.Phone) {
			pr.addf(where, "phone %q is not \"+\" and 8 to 15 digits, e.g. +7 701 234 5678", p.Phone)
		}
	}
	byBIN := make(map[string]int, len(orgs))
	for i, o := range orgs {
		where := names.org(i) + " (BIN " + o.BIN + ")"
		if first, dup := byBIN[o.BIN]; dup {
			pr.addf(where, "duplicate BIN, first listed at %s", names.org(first))
			continue
		}
		byBIN[o.BIN] = i
		if err := checkBIN(o.BIN); err != nil {
			pr.add(where, err)
		}
		if strings.TrimSpace(o.Name) == "" {
			pr.addf(where, "organisation name missing")
		}
		switch _, ok := byIIN[o.HeadIIN]; {
		case o.HeadIIN == "":
			pr.addf(where, "head IIN missing")
		case !ok:
			pr.addf(where, "head IIN %s is not a registered person", o.HeadIIN)
		}
		seen := map[string]int{}
		for j, e := range o.Employees {
			ewhere := names.employee(i, j) + " (BIN " + o.BIN + ", IIN " + e.IIN + ")"
			if _, ok := byIIN[e.IIN]; !ok {
				pr.addf(ewhere, "employee IIN %q is not a registered person", e.IIN)
			}
			if first, dup := seen[e.IIN]; dup {
				pr.addf(ewhere, "employee listed twice in the organisation, first at %s", names.employee(i, first))
			} else {
				seen[e.IIN] = j
			}
			switch {
			case !slices.Contains(Roles(), e.Role):
				pr.addf(ewhere, "unknown role %q (known: %s)", e.Role, strings.Join(Roles(), ", "))
			case e.Role == "first_head" && e.IIN != o.HeadIIN:
				pr.addf(ewhere, "role first_head but the organisation's head is %s", o.HeadIIN)
			case e.Role != "first_head" && e.IIN == o.HeadIIN:
				pr.addf(ewhere, "the head is listed with role %s; the head's role is first_head", e.Role)
			}
		}
	}
}

func checkIIN(s string) error {
	if _, err := kzid.ParseIIN(s); err != nil {
		return withDigitsHint(s, err)
	}
	return nil
}

func checkBIN(s string) error {
	if _, err := kzid.ParseBIN(s); err != nil {
		return withDigitsHint(s, err)
	}
	return nil
}

// withDigitsHint adds a hint for the spreadsheet mistake of dropping a leading zero.
func withDigitsHint(s string, err error) error {
	if len(s) == 11 && strings.Trim(s, "0123456789") == "" {
		return fmt.Errorf("%w (11 digits: did a spreadsheet drop a leading zero? format the column as text)", err)
	}
	return err
}

func sameDay(t time.Time, id kzid.IIN) bool {
	y, m, d := t.Date()
	by, bm, bd := id.BirthDate.Date()
	return y == by && m == bm && d == bd
}

func validPhone(s string) bool {
	if !strings.HasPrefix(s, "+") {
		return false
	}
	digits := 0
	for _, r := range s[1:] {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '-' || r == '(' || r == ')':
		default:
			return false
		}
	}
	return digits >= 8 && digits <= 15
}

// WriteJSON writes the data set to path in the JSON format of LoadFile, replacing the
// file atomically (a temporary file in the same directory, then a rename).
func (f *File) WriteJSON(path string) (err error) {
	b, err := encodeJSON(f)
	if err != nil {
		return fmt.Errorf("registry: write %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".registry-*.json")
	if err != nil {
		return fmt.Errorf("registry: write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(b); err != nil {
		return fmt.Errorf("registry: write %s: %w", path, err)
	}
	if err = tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("registry: write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("registry: write %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("registry: write %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("registry: write %s: %w", path, err)
	}
	return nil
}

// LoadFile reads and validates a registry file: JSON when the name ends in .json, CSV
// when it ends in .csv (case-insensitive). The formats are described in
// docs/registry.md. A validation failure is a *ValidationError naming every bad
// entry (by position in JSON, by line in CSV).
func LoadFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	var (
		persons []Person
		orgs    []Organization
		names   entryNames
		pr      problems
	)
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".json":
		persons, orgs, names, err = decodeJSON(b, &pr)
	case ".csv":
		persons, orgs, names, err = decodeCSV(b, &pr)
	default:
		return nil, fmt.Errorf("registry: %s: unknown format %q: the name must end in .json or .csv", path, ext)
	}
	if err != nil {
		return nil, fmt.Errorf("registry: %s: %w", path, err)
	}
	validate(persons, orgs, names, &pr)
	if err := pr.err(); err != nil {
		err.(*ValidationError).File = path
		return nil, err
	}
	f := &File{Persons: persons, Organizations: orgs}
	f.index()
	return f, nil
}
