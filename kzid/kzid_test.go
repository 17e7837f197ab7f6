package kzid

import (
	"errors"
	"testing"
	"time"
)

func TestParseIIN(t *testing.T) {
	tests := []struct {
		in      string
		birth   string
		sex     Sex
		century int
	}{
		{"871008401427", "1987-10-08", Female, 1900},
		{"760212350620", "1976-02-12", Male, 1900},
	}
	for _, tt := range tests {
		got, err := ParseIIN(tt.in)
		if err != nil {
			t.Fatalf("ParseIIN(%s): %v", tt.in, err)
		}
		if got.BirthDate.Format(time.DateOnly) != tt.birth || got.Sex != tt.sex || got.Century != tt.century {
			t.Errorf("ParseIIN(%s) = %+v, want %s %s %d", tt.in, got, tt.birth, tt.sex, tt.century)
		}
	}
}

func TestParseIINInvalid(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"000813159890", ErrChecksum}, // 10 on both passes
		{"871008401428", ErrChecksum}, // wrong check digit
		{"87100840142", ErrFormat},
		{"8710084014270", ErrFormat},
		{"87100840142a", ErrFormat},
		{"", ErrFormat},
		{"123456789011", ErrChecksum}, // the national test CA's identifier
	}
	for _, tt := range tests {
		if _, err := ParseIIN(tt.in); !errors.Is(err, tt.want) {
			t.Errorf("ParseIIN(%q) error = %v, want %v", tt.in, err, tt.want)
		}
	}
	// Valid check digit but impossible date / century.
	for _, body := range []string{"87130840142", "87023040142", "87100870142", "87100800142"} {
		s, ok := Complete(body)
		if !ok {
			continue
		}
		if _, err := ParseIIN(s); err == nil {
			t.Errorf("ParseIIN(%s) accepted an impossible date or century", s)
		}
	}
}

func TestCenturies(t *testing.T) {
	for c, want := range map[byte]struct {
		century int
		sex     Sex
	}{'1': {1800, Male}, '2': {1800, Female}, '3': {1900, Male}, '4': {1900, Female}, '5': {2000, Male}, '6': {2000, Female}} {
		found := false
		for n := 0; n < 50 && !found; n++ {
			s, ok := Complete("100315" + string(c) + string(rune('0'+n/10)) + string(rune('0'+n%10)) + "12")
			if !ok {
				continue
			}
			found = true
			got, err := ParseIIN(s)
			if err != nil {
				t.Fatalf("ParseIIN(%s): %v", s, err)
			}
			if got.Century != want.century || got.Sex != want.sex || got.BirthDate.Year() != want.century+10 {
				t.Errorf("ParseIIN(%s) = %+v, want century %d sex %s", s, got, want.century, want.sex)
			}
		}
		if !found {
			t.Fatalf("no completable IIN for century digit %c", c)
		}
	}
}

func TestAgeOn(t *testing.T) {
	iin, err := ParseIIN("871008401427")
	if err != nil {
		t.Fatal(err)
	}
	day := func(s string) time.Time { v, _ := time.Parse(time.DateOnly, s); return v }
	if got := iin.AgeOn(day("2003-10-07")); got != 15 {
		t.Errorf("age the day before 16th birthday = %d, want 15", got)
	}
	if got := iin.AgeOn(day("2003-10-08")); got != 16 {
		t.Errorf("age on 16th birthday = %d, want 16", got)
	}
	leap := IIN{BirthDate: day("2008-02-29")}
	if got := leap.AgeOn(day("2024-02-28")); got != 15 {
		t.Errorf("leap-day person on 28 Feb = %d, want 15", got)
	}
	if got := leap.AgeOn(day("2024-02-29")); got != 16 {
		t.Errorf("leap-day person on 29 Feb = %d, want 16", got)
	}
	if got := leap.AgeOn(day("2025-03-01")); got != 17 {
		t.Errorf("leap-day person on 1 Mar = %d, want 17", got)
	}
}

func TestParseBIN(t *testing.T) {
	tests := []struct {
		in    string
		typ   EntityType
		attr  Attribute
		month int
	}{
		{"940140000385", ResidentLegalEntity, HeadOffice, 1},
		{"950341000052", ResidentLegalEntity, Branch, 3},
	}
	for _, tt := range tests {
		got, err := ParseBIN(tt.in)
		if err != nil {
			t.Fatalf("ParseBIN(%s): %v", tt.in, err)
		}
		if got.Type != tt.typ || got.Attribute != tt.attr || got.RegMonth != tt.month {
			t.Errorf("ParseBIN(%s) = %+v", tt.in, got)
		}
	}
	for _, bad := range []string{"940140000386", "123456789021", "94014000038", "940140000385 "} {
		if _, err := ParseBIN(bad); err == nil {
			t.Errorf("ParseBIN(%q) accepted", bad)
		}
	}
	// Valid checksum, unknown type digit.
	if s, ok := Complete("94017000038"); ok {
		if _, err := ParseBIN(s); !errors.Is(err, ErrCode) {
			t.Errorf("ParseBIN(%s) error = %v, want ErrCode", s, err)
		}
	}
}

func TestComplete(t *testing.T) {
	if s, ok := Complete("87100840142"); !ok || s != "871008401427" {
		t.Errorf("Complete = %q %v", s, ok)
	}
	if _, ok := Complete("00081315989"); ok {
		t.Error("Complete accepted digits with no check digit")
	}
	if ValidChecksum("000813159890") {
		t.Error("ValidChecksum accepted 000813159890")
	}
}

func FuzzParseIIN(f *testing.F) {
	for _, s := range []string{"871008401427", "000813159890", "", "abc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		iin, err := ParseIIN(s)
		if err != nil {
			return
		}
		if !ValidChecksum(s) || iin.BirthDate.IsZero() {
			t.Fatalf("accepted %q without a valid checksum or date", s)
		}
	})
}
