package api

import (
	"net/http"
	"slices"
	"testing"

	"github.com/opennca/nca/ra"
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
	if !slices.Equal(p.Missing, []string{ra.MismatchSurname, ra.MismatchPatronymic}) {
		t.Errorf("missing = %q, want [surname patronymic]", p.Missing)
	}
}
