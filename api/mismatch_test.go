package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestRegistryMismatchNamesFields checks that a submission the registry refuses is
// answered as a registry-mismatch problem naming the differing fields, without the
// registry's values.
func TestRegistryMismatchNamesFields(t *testing.T) {
	s := newTestServer(t)
	req := s.individualRequest()
	req.Applicant.Surname = "Другая"
	req.Applicant.Patronymic = "Иная"
	code, p := s.postJSON("/api/v1/applications", "", req, nil)
	if code != http.StatusUnprocessableEntity || p.Type != "/problems/registry-mismatch" {
		t.Fatalf("mismatched submission: %d %+v, want 422 registry-mismatch", code, p)
	}
	if !slices.Equal(p.Missing, []string{MismatchSurname, MismatchPatronymic}) {
		t.Errorf("missing = %q, want [surname patronymic]", p.Missing)
	}
}

// TestMismatchField checks the reading of every sentence shape ra writes.
func TestMismatchField(t *testing.T) {
	for in, want := range map[string]string{
		"IIN 800101300016 is not in the state registry of individuals":   MismatchIIN,
		"the state registry does not allow certificates for IIN 8001013": MismatchDeceased,
		`surname "A" differs from the registry`:                          MismatchSurname,
		`name "B" differs from the registry`:                             MismatchName,
		`patronymic "C" differs from the registry`:                       MismatchPatronymic,
		"BIN 123 is not in the state registry of legal entities":         MismatchBIN,
		`organisation "X" differs from the registry`:                     MismatchOrganization,
		"IIN 8001 is not an employee of BIN 123 in the registry":         MismatchEmployee,
		`role "chief" differs from the registry`:                         MismatchRole,
		"something new":                                                  "",
	} {
		if got := mismatchField(in); got != want {
			t.Errorf("mismatchField(%q) = %q, want %q", in, got, want)
		}
	}
	d := "the state registry does not confirm the application: " + strings.Join([]string{`name "B" differs from the registry`, `name "B" differs from the registry`, "BIN 1 is not in the state registry of legal entities"}, "; ")
	if got := mismatchFields(mismatchesOf(d)); !slices.Equal(got, []string{MismatchName, MismatchBIN}) {
		t.Errorf("mismatchFields = %q", got)
	}
}
