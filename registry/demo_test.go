package registry_test

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/opennca/nca/kzid"
	"github.com/opennca/nca/registry"
)

var demoDays = []time.Time{
	time.Date(2026, 3, 2, 9, 0, 0, 0, time.FixedZone("+05", 5*3600)),
	time.Date(2024, 2, 29, 23, 59, 0, 0, time.UTC),
	time.Date(2031, 12, 31, 0, 0, 0, 0, time.UTC),
	time.Date(2045, 5, 31, 12, 0, 0, 0, time.UTC),
}

func TestDemoValid(t *testing.T) {
	for _, now := range demoDays {
		f := registry.Demo(now)
		if err := f.Validate(); err != nil {
			t.Fatalf("%s: %v", now, err)
		}
		if !reflect.DeepEqual(f, registry.Demo(now)) {
			t.Fatalf("%s: Demo is not deterministic", now)
		}
		minors, deceased := 0, 0
		for _, p := range f.Persons {
			id, err := kzid.ParseIIN(p.IIN)
			if err != nil {
				t.Fatalf("%s: %v", p.Surname, err)
			}
			if !p.BirthDate.Equal(id.BirthDate) {
				t.Fatalf("%s: birth date %s, IIN says %s", p.IIN, p.BirthDate, id.BirthDate)
			}
			if age := id.AgeOn(now); age < 16 {
				minors++
				if age < 14 {
					t.Errorf("%s: the minor is %d on %s", p.IIN, age, now)
				}
			}
			if p.Deceased {
				deceased++
			}
		}
		if minors != 1 || deceased != 1 {
			t.Fatalf("%s: %d persons under 16 and %d deceased, want 1 and 1", now, minors, deceased)
		}
		types := map[kzid.EntityType]bool{}
		for _, o := range f.Organizations {
			b, err := kzid.ParseBIN(o.BIN)
			if err != nil {
				t.Fatalf("%s: %v", o.Name, err)
			}
			types[b.Type] = true
			if n := utf8.RuneCountInString(o.Name); n > 64 {
				t.Errorf("%s: %d characters do not fit an X.509 organizationName", o.Name, n)
			}
		}
		for _, typ := range []kzid.EntityType{kzid.ResidentLegalEntity, kzid.NonResidentLegalEntity, kzid.JointEntrepreneur} {
			if !types[typ] {
				t.Errorf("no organisation of type %s", typ)
			}
		}
	}
}

func TestDemoKazakhNames(t *testing.T) {
	var names strings.Builder
	f := registry.Demo(demoDays[0])
	for _, p := range f.Persons {
		names.WriteString(strings.ToUpper(p.Surname + p.Name + p.Patronymic))
		if p.Email != "" && !strings.HasSuffix(p.Email, "@example.kz") {
			t.Errorf("e-mail %s is not @example.kz", p.Email)
		}
	}
	for _, r := range "ӘҒҚҢӨҰҮҺІ" {
		if !strings.ContainsRune(names.String(), r) {
			t.Errorf("no demo name has the letter %c", r)
		}
	}
}

func TestDemoJSONRoundTrip(t *testing.T) {
	for _, now := range demoDays {
		f := registry.Demo(now)
		path := filepath.Join(t.TempDir(), "demo.json")
		if err := f.WriteJSON(path); err != nil {
			t.Fatal(err)
		}
		g, err := registry.LoadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(f, g) {
			t.Fatalf("%s: loaded demo differs:\n got %+v\nwant %+v", now, g, f)
		}
	}
}

func TestDemoCases(t *testing.T) {
	ctx := context.Background()
	now := demoDays[0]
	f := registry.Demo(now)
	cases := registry.DemoCases(f)
	templates := map[string]bool{}
	roles := map[string]bool{}
	for _, c := range cases {
		templates[c.Template] = true
		p, err := f.Person(ctx, c.IIN)
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if !strings.HasPrefix(c.Name, p.Surname+" "+p.Name) || c.Note == "" {
			t.Errorf("case %+v", c)
		}
		if c.BIN == "" {
			continue
		}
		o, err := f.Organization(ctx, c.BIN)
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		role := ""
		if o.HeadIIN == c.IIN {
			role = "first_head"
		}
		for _, e := range o.Employees {
			if e.IIN == c.IIN {
				role = e.Role
			}
		}
		if role != c.Role {
			t.Errorf("case %+v: the registry gives role %q", c, role)
		}
		if c.Template == "legal_entity" {
			roles[c.Role] = true
		}
	}
	// The template IDs of package profile (SPEC §2).
	for _, tpl := range []string{"individual", "entrepreneur", "legal_entity", "ssl_individual", "ssl_legal",
		"treasury", "enotariat", "nonresident_individual", "nonresident_legal"} {
		if !templates[tpl] {
			t.Errorf("no demo case for template %s", tpl)
		}
	}
	for _, r := range registry.Roles() {
		if !roles[r] {
			t.Errorf("no legal_entity demo case for role %s", r)
		}
	}
	under16 := slices.IndexFunc(cases, func(c registry.DemoCase) bool { return strings.Contains(c.Note, "under 16") })
	if under16 < 0 {
		t.Fatal("no under-16 case")
	}
	if id, _ := kzid.ParseIIN(cases[under16].IIN); id.AgeOn(now) >= 16 {
		t.Fatalf("under-16 case is %d", id.AgeOn(now))
	}
	if len(registry.DemoCases(&registry.File{})) != 0 {
		t.Fatal("cases for an empty registry")
	}
	for _, c := range cases {
		t.Logf("%-22s %-17s %s %-12s %s — %s", c.Template, c.Role, c.IIN, c.BIN, c.Name, c.Note)
	}
}
