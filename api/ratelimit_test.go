package api

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/opennca/nca/core"
)

// TestLimiterErrors: a refusal of the lookups' bucket (clientlimit.Limiter) is a
// KindTooMany error carrying Retry-After; a negative rate means no limit.
func TestLimiterErrors(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	l := newLimiter(120, 1, func() time.Time { return now })
	if err := l.allow("192.0.2.1"); err != nil {
		t.Fatalf("first lookup refused: %v", err)
	}
	if err := l.check("192.0.2.1"); err == nil {
		t.Fatal("check passed on an empty bucket")
	}
	var re *retryError
	if err := l.allow("192.0.2.1"); !errors.As(err, &re) || core.KindOf(err) != core.KindTooMany || re.retryAfter() != "1" {
		t.Fatalf("second lookup at once: got %v, want KindTooMany with Retry-After 1", err)
	}
	if newLimiter(-1, 0, time.Now) != nil {
		t.Fatal("a negative rate must mean no limit")
	}
	var none *limiter
	if err := none.allow("a"); err != nil || none.check("a") != nil {
		t.Fatalf("no limiter refused: %v", err)
	}
}

func TestRegistryLookupsAreLimited(t *testing.T) {
	s := newTestServer(t)
	api := New(Config{RA: s.ra, LookupsPerMinute: 1, LookupBurst: 2})
	bad := "/api/v1/registry/persons/123456789012"
	for i, path := range []string{bad, "/api/v1/registry/organizations/123456789012"} {
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code == http.StatusTooManyRequests {
			t.Fatalf("lookup %d within the burst got 429", i+1)
		}
	}
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, bad, nil))
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("third lookup: status %d, Retry-After %q; want 429 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("429 answered as %q, want a problem document", ct)
	}
	other := httptest.NewRequest(http.MethodGet, bad, nil)
	other.RemoteAddr = "192.0.2.7:4000"
	rec = httptest.NewRecorder()
	api.ServeHTTP(rec, other)
	if rec.Code == http.StatusTooManyRequests {
		t.Fatal("another address was limited by the first one's lookups")
	}
}

func TestRegistryRefusedSubmissionsCountAsLookups(t *testing.T) {
	s := newTestServer(t)
	s.api.lookups = newLimiter(1, 1, time.Now)
	req := s.individualRequest()
	req.Applicant.Surname = "Другая"
	code, p := s.postJSON("/api/v1/applications", "", req, nil)
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("mismatched submission: %d %+v", code, p)
	}
	code, p = s.postJSON("/api/v1/applications", "", s.individualRequest(), nil)
	if code != http.StatusTooManyRequests {
		t.Fatalf("submission after the client's lookups ran out: %d %+v, want 429", code, p)
	}
}
