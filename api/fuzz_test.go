package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/opennca/nca/auth"
	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/ra"
	"github.com/opennca/nca/registry"
	"github.com/opennca/nca/store/storetest"
)

// FuzzSubmit sends arbitrary bodies to the public endpoints that take input: whatever
// arrives, the answer is a 2xx or a 4xx problem document, never a 5xx or a panic.
func FuzzSubmit(f *testing.F) {
	dir := f.TempDir()
	st := storetest.New(f)
	a, _, err := ca.Open(ca.Options{Dir: filepath.Join(dir, "ca"), Org: "Fuzz NCA", BaseURL: "http://nca.test", RSABits: 2048})
	if err != nil {
		f.Fatal(err)
	}
	svc := ra.New(ra.Config{Store: st, Registry: registry.Demo(time.Now()), Signer: a})
	au, err := auth.New(auth.Config{Store: st, Issuers: a, Secret: bytes.Repeat([]byte{3}, 32)})
	if err != nil {
		f.Fatal(err)
	}
	h := New(Config{RA: svc, Auth: au, Signer: a})

	for _, seed := range []string{
		`{"template":"individual","applicant":{"iin":"871008401427","surname":"Сейтқали","name":"Әйгерім","email":"a@example.kz","phone":"+77011234567"},"requests":[{"type":"SIGN","csr":"MIIB"},{"type":"AUTH","csr":""}],"consents":{"policy":true,"agreement":true,"personal_data":true,"notifications":true}}`,
		`{"template":"ssl_legal","applicant":{"domain":"..","extra_domains":["*"]},"requests":[{"type":"SSL","csr":null}],"consents":{}}`,
		`{"template":"legal_entity","applicant":{"iin":"000813159890","bin":"940140000385","role":"wizard"}}`,
		`{"challenge_id":"x","certificate":"MIIB","signature":""}`,
		`[]`, `null`, `{"template":1}`, "\x00\xff", `{"applicant":{"iin":"8710084014270000000000000000000"}}`,
	} {
		f.Add(seed)
	}
	paths := []string{"/api/v1/applications", "/api/v1/auth/token", "/api/v1/auth/challenge", "/api/v1/desk/applications/X/accept"}
	f.Fuzz(func(t *testing.T, body string) {
		for _, p := range paths {
			req := httptest.NewRequest(http.MethodPost, p, bytes.NewReader([]byte(body)))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			done := make(chan struct{})
			go func() { h.ServeHTTP(rec, req); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				buf := make([]byte, 1<<20)
				n := runtime.Stack(buf, true)
				t.Fatalf("POST %s %q: no answer within 10 s\n%s", p, body, buf[:n])
			}
			if rec.Code >= 500 {
				t.Fatalf("POST %s %q: %d %s", p, body, rec.Code, rec.Body)
			}
			if rec.Code >= 400 {
				var pr map[string]any
				if err := json.Unmarshal(rec.Body.Bytes(), &pr); err != nil || pr["detail"] == "" {
					t.Fatalf("POST %s %q: %d without a problem document: %s", p, body, rec.Code, rec.Body)
				}
			}
		}
		req := httptest.NewRequest(http.MethodGet, "/api/v1/applications/"+urlSafe(body), nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("GET status %q: %d %s", body, rec.Code, rec.Body)
		}
	})
}

// urlSafe keeps the bytes a request path may carry.
func urlSafe(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s) && len(out) < 64; i++ {
		c := s[i]
		if c > ' ' && c < 0x7f && c != '/' && c != '?' && c != '#' && c != '%' {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return "x"
	}
	return string(out)
}
