package registry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/opennca/nca/kzid"
)

// dateLayout is the birth date format of the files.
const dateLayout = "2006-01-02"

// fileJSON is the JSON file: Organization is written with its own json tags, Person
// through personJSON so that birth_date is a plain "YYYY-MM-DD".
type fileJSON struct {
	Persons       []personJSON   `json:"persons"`
	Organizations []Organization `json:"organizations"`
}

type personJSON struct {
	IIN        string `json:"iin"`
	Surname    string `json:"surname"`
	Name       string `json:"name"`
	Patronymic string `json:"patronymic,omitempty"`
	BirthDate  string `json:"birth_date,omitempty"`
	Deceased   bool   `json:"deceased,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Email      string `json:"email,omitempty"`
}

func encodeJSON(f *File) ([]byte, error) {
	out := fileJSON{Persons: make([]personJSON, 0, len(f.Persons)), Organizations: f.Organizations}
	if out.Organizations == nil {
		out.Organizations = []Organization{}
	}
	for _, p := range f.Persons {
		pj := personJSON{IIN: p.IIN, Surname: p.Surname, Name: p.Name, Patronymic: p.Patronymic,
			Deceased: p.Deceased, Phone: p.Phone, Email: p.Email}
		if !p.BirthDate.IsZero() {
			pj.BirthDate = p.BirthDate.Format(dateLayout)
		}
		out.Persons = append(out.Persons, pj)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&out); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decodeJSON decodes a JSON registry file strictly (unknown fields are errors). A
// missing birth_date is taken from the IIN; a malformed one is added to pr.
func decodeJSON(b []byte, pr *problems) ([]Person, []Organization, entryNames, error) {
	var in fileJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, nil, nil, jsonError(b, err, dec.InputOffset())
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, nil, nil, fmt.Errorf("data after the JSON object at %s", position(b, dec.InputOffset()))
	}
	names := defaultNames{}
	persons := make([]Person, 0, len(in.Persons))
	for i, pj := range in.Persons {
		p := Person{IIN: pj.IIN, Surname: pj.Surname, Name: pj.Name, Patronymic: pj.Patronymic,
			Deceased: pj.Deceased, Phone: pj.Phone, Email: pj.Email}
		p.BirthDate = birthDate(pj.BirthDate, p.IIN, names.person(i)+" ("+describePerson(p)+")", pr, dateLayout)
		persons = append(persons, p)
	}
	return persons, in.Organizations, names, nil
}

// birthDate parses s with one of layouts (UTC midnight). An empty s gives the date
// encoded in iin (zero if the IIN is invalid: validation reports it); a malformed s
// is added to pr and also gives the IIN's date, so that it is reported once.
func birthDate(s, iin, where string, pr *problems, layouts ...string) time.Time {
	if s != "" {
		for _, l := range layouts {
			if t, err := time.Parse(l, s); err == nil {
				return t
			}
		}
		pr.addf(where, "birth date %q is not a date like 1987-10-08", s)
	}
	if id, err := kzid.ParseIIN(iin); err == nil {
		return id.BirthDate
	}
	return time.Time{}
}

// jsonError adds the line and column to a decoding error; off is where the decoder
// stopped, for errors that carry no offset of their own (unknown fields).
func jsonError(b []byte, err error, off int64) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("JSON syntax error at %s: %w", position(b, se.Offset), err)
	case errors.As(err, &te):
		return fmt.Errorf("JSON field %s at %s: %w", te.Field, position(b, te.Offset), err)
	}
	if m := unknownFieldRE.FindStringSubmatch(err.Error()); m != nil {
		// The decoder does not say where; the first key of that name is a good guess.
		key := regexp.MustCompile(`"` + regexp.QuoteMeta(m[1]) + `"\s*:`)
		if loc := key.FindIndex(b); loc != nil {
			off = int64(loc[0])
		}
	}
	return fmt.Errorf("JSON at %s: %w", position(b, off), err)
}

var unknownFieldRE = regexp.MustCompile(`unknown field "(.*)"`)

// position turns a byte offset into "line L, column C" (1-based).
func position(b []byte, off int64) string {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	line := 1 + bytes.Count(b[:off], []byte("\n"))
	col := off - int64(bytes.LastIndexByte(b[:off], '\n'))
	return fmt.Sprintf("line %d, column %d", line, col)
}
