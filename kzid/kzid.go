// Package kzid validates and decodes the Kazakh individual identification number (IIN)
// and business identification number (BIN): 12 digits with a check digit.
//
// IIN = YYMMDD + C + NNNN + K, where C encodes century and sex (1/2 = 1800s, 3/4 =
// 1900s, 5/6 = 2000s; odd = male, even = female). BIN = YYMM + T + A + NNNNN + K, where
// T is the entity type (4 resident legal entity, 5 non-resident, 6 individual
// entrepreneur acting jointly) and A the attribute (0 head office, 1 branch,
// 2 representative office, 3 peasant farm).
//
// Check digit K: s = Σ dᵢ·i (i = 1..11) mod 11; if s = 10, recompute with weights
// 3,4,5,6,7,8,9,10,11,1,2; if still 10 the number is invalid; else K = s.
package kzid

import (
	"errors"
	"fmt"
	"time"
)

// Errors returned by the parsers, wrapped with the offending detail.
var (
	ErrFormat   = errors.New("must be exactly 12 digits")
	ErrChecksum = errors.New("check digit does not match")
	ErrDate     = errors.New("encodes no valid date")
	ErrCode     = errors.New("has an unknown type code")
)

// CheckDigit computes the check digit of the first 11 digits of d. ok is false when
// both passes give 10 (no valid number has these 11 digits).
func CheckDigit(d [11]int) (k int, ok bool) {
	s := 0
	for i := 0; i < 11; i++ {
		s += d[i] * (i + 1)
	}
	s %= 11
	if s != 10 {
		return s, true
	}
	weights := [11]int{3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2}
	s = 0
	for i := 0; i < 11; i++ {
		s += d[i] * weights[i]
	}
	s %= 11
	if s == 10 {
		return 0, false
	}
	return s, true
}

func digits(s string) ([12]int, error) {
	var d [12]int
	if len(s) != 12 {
		return d, ErrFormat
	}
	for i := 0; i < 12; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return d, ErrFormat
		}
		d[i] = int(c - '0')
	}
	return d, nil
}

// ValidChecksum reports whether s is 12 digits whose last is the check digit of the
// first 11. It does not check the date or type fields.
func ValidChecksum(s string) bool {
	d, err := digits(s)
	if err != nil {
		return false
	}
	var first [11]int
	copy(first[:], d[:11])
	k, ok := CheckDigit(first)
	return ok && k == d[11]
}

func checksum(kind, s string) ([12]int, error) {
	d, err := digits(s)
	if err != nil {
		return d, fmt.Errorf("%s %q %w", kind, s, err)
	}
	if !ValidChecksum(s) {
		return d, fmt.Errorf("%s %q: %w", kind, s, ErrChecksum)
	}
	return d, nil
}

// Sex of a person as encoded in the IIN.
type Sex string

// Sexes.
const (
	Male   Sex = "male"
	Female Sex = "female"
)

// IIN is a decoded individual identification number.
type IIN struct {
	Number    string
	BirthDate time.Time // UTC midnight
	Sex       Sex
	Century   int // 1800, 1900 or 2000
}

// ParseIIN validates s (structure, century code, date, check digit) and decodes it.
func ParseIIN(s string) (IIN, error) {
	d, err := checksum("IIN", s)
	if err != nil {
		return IIN{}, err
	}
	var century int
	switch d[6] {
	case 1, 2:
		century = 1800
	case 3, 4:
		century = 1900
	case 5, 6:
		century = 2000
	default:
		return IIN{}, fmt.Errorf("IIN %q: century digit %d: %w", s, d[6], ErrCode)
	}
	year := century + d[0]*10 + d[1]
	month := d[2]*10 + d[3]
	day := d[4]*10 + d[5]
	bd := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if month < 1 || month > 12 || bd.Day() != day || bd.Month() != time.Month(month) {
		return IIN{}, fmt.Errorf("IIN %q: %w", s, ErrDate)
	}
	sex := Female
	if d[6]%2 == 1 {
		sex = Male
	}
	return IIN{Number: s, BirthDate: bd, Sex: sex, Century: century}, nil
}

// AgeOn returns the person's age in whole years on the calendar day of t (in t's
// location). A person born on 29 February comes of age on 1 March in common years.
func (i IIN) AgeOn(t time.Time) int {
	y, m, d := t.Date()
	age := y - i.BirthDate.Year()
	bm, bdDay := i.BirthDate.Month(), i.BirthDate.Day()
	if m < bm || (m == bm && d < bdDay) {
		age--
	}
	return age
}

// EntityType is the T digit of a BIN.
type EntityType int

// Entity types.
const (
	ResidentLegalEntity    EntityType = 4
	NonResidentLegalEntity EntityType = 5
	JointEntrepreneur      EntityType = 6
)

func (t EntityType) String() string {
	switch t {
	case ResidentLegalEntity:
		return "resident legal entity"
	case NonResidentLegalEntity:
		return "non-resident legal entity"
	case JointEntrepreneur:
		return "individual entrepreneur (joint)"
	}
	return fmt.Sprintf("entity type %d", int(t))
}

// Attribute is the A digit of a BIN.
type Attribute int

// Attributes.
const (
	HeadOffice           Attribute = 0
	Branch               Attribute = 1
	RepresentativeOffice Attribute = 2
	PeasantFarm          Attribute = 3
)

func (a Attribute) String() string {
	switch a {
	case HeadOffice:
		return "head office"
	case Branch:
		return "branch"
	case RepresentativeOffice:
		return "representative office"
	case PeasantFarm:
		return "peasant farm"
	}
	return fmt.Sprintf("attribute %d", int(a))
}

// BIN is a decoded business identification number.
type BIN struct {
	Number    string
	RegYear   int // two-digit year of registration, as encoded
	RegMonth  int
	Type      EntityType
	Attribute Attribute
}

// ParseBIN validates s (structure, month, type and attribute codes, check digit) and
// decodes it.
func ParseBIN(s string) (BIN, error) {
	d, err := checksum("BIN", s)
	if err != nil {
		return BIN{}, err
	}
	month := d[2]*10 + d[3]
	if month < 1 || month > 12 {
		return BIN{}, fmt.Errorf("BIN %q: registration month %d: %w", s, month, ErrDate)
	}
	t := EntityType(d[4])
	if t != ResidentLegalEntity && t != NonResidentLegalEntity && t != JointEntrepreneur {
		return BIN{}, fmt.Errorf("BIN %q: type digit %d: %w", s, d[4], ErrCode)
	}
	a := Attribute(d[5])
	if a > PeasantFarm {
		return BIN{}, fmt.Errorf("BIN %q: attribute digit %d: %w", s, d[5], ErrCode)
	}
	return BIN{Number: s, RegYear: d[0]*10 + d[1], RegMonth: month, Type: t, Attribute: a}, nil
}

// Complete returns s (11 digits) followed by its check digit; ok is false when no
// check digit exists for these 11 digits. It is meant for generating test and demo data.
func Complete(s string) (string, bool) {
	if len(s) != 11 {
		return "", false
	}
	var d [11]int
	for i := 0; i < 11; i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", false
		}
		d[i] = int(s[i] - '0')
	}
	k, ok := CheckDigit(d)
	if !ok {
		return "", false
	}
	return s + string(rune('0'+k)), true
}
