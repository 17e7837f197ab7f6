package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/opennca/nca/api/wire"
)

// TestPortalFallback checks that GET and HEAD of "/" and "/static/…" reach the portal
// while every other unknown request stays a 404 problem, and the API's own routes are
// never shadowed by it.
func TestPortalFallback(t *testing.T) {
	portal := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Portal", "yes")
		w.WriteHeader(http.StatusTeapot)
	})
	s := New(Config{Portal: portal})
	for _, tc := range []struct {
		method, path string
		portal       bool
	}{
		{"GET", "/", true},
		{"HEAD", "/", true},
		{"GET", "/static/js/app.js", true},
		{"HEAD", "/static/wasm/nca.wasm", true},
		{"GET", "/static/", true},
		{"POST", "/", false},
		{"PUT", "/static/js/app.js", false},
		{"GET", "/nope", false},
		{"GET", "/staticx", false},
		{"GET", "/api/v1/nope", false},
	} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		got := rec.Header().Get("X-Portal") == "yes"
		if got != tc.portal {
			t.Errorf("%s %s: served by the portal = %v, want %v (status %d)", tc.method, tc.path, got, tc.portal, rec.Code)
			continue
		}
		if tc.portal {
			continue
		}
		if rec.Code != http.StatusNotFound && rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("%s %s: status %d, want 404 or 405", tc.method, tc.path, rec.Code)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s %s: Content-Type %q, want a problem document", tc.method, tc.path, ct)
		}
	}

	// Without a portal, "/" is the 404 problem it always was.
	rec := httptest.NewRecorder()
	New(Config{}).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	var p wire.Problem
	if err := json.NewDecoder(rec.Body).Decode(&p); err != nil || rec.Code != http.StatusNotFound || p.Type != "/problems/not-found" {
		t.Errorf("GET / without a portal: %d %+v %v", rec.Code, p, err)
	}
}
