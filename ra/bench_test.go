package ra

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"path/filepath"
	"testing"
	"time"

	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/profile"
	"github.com/opennca/nca/registry"
	"github.com/opennca/nca/store/storetest"
)

// benchEnv is newEnv with production-size CA keys (RSA 4096) and the real clock.
func benchEnv(b *testing.B) *env {
	e, _ := benchEnvDir(b)
	return e
}

// benchEnvDir is benchEnv that also returns the CA folder (its key files).
func benchEnvDir(b *testing.B) (*env, string) {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	st := storetest.New(b)
	a, _, err := ca.Open(ca.Options{Dir: filepath.Join(dir, "ca"), Org: "Bench NCA", BaseURL: "http://nca.test", RSABits: 4096})
	if err != nil {
		b.Fatal(err)
	}
	reg := registry.Demo(time.Now())
	return &env{t: b, ctx: ctx, clock: &clock{t: time.Now()}, store: st, ca: a, reg: reg,
		svc:   New(Config{Store: st, Registry: reg, Signer: a}),
		staff: Actor{Kind: "staff", IIN: "800101300016", Name: "Operator", Roles: []string{"operator"}}}, filepath.Join(dir, "ca")
}

// BenchmarkApprove measures the decision step of the workflow: age and registry
// checks, two certificates built, linted, signed with the RSA-4096 issuing key and
// stored, the state change and the audit records, in one SQLite transaction. The
// applications are submitted and accepted outside the timer (their CSR keys are
// generated there). Run: go test -run '^$' -bench Approve -benchtime 40x ./ra
func BenchmarkApprove(b *testing.B) {
	e := benchEnv(b)
	d := e.demo(profile.Individual, "")
	numbers := make([]string, b.N)
	for i := range numbers {
		app := e.applicant(d)
		a, err := e.svc.Submit(e.ctx, Actor{Kind: "anonymous"}, SubmitInput{Template: d.Template, Applicant: app, Requests: e.requests(d.Template, app), Consents: allConsents})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.svc.Accept(e.ctx, e.staff, a.Number, Presentation{Presented: []string{profile.DocIdentity}}); err != nil {
			b.Fatal(err)
		}
		numbers[i] = a.Number
	}
	b.ResetTimer()
	start := time.Now()
	for _, n := range numbers {
		got, certs, err := e.svc.Approve(e.ctx, e.staff, n)
		if err != nil || got.State != core.StateIssued || len(certs) != 2 {
			b.Fatalf("approve: %v %v", got, err)
		}
	}
	b.ReportMetric(float64(2*b.N)/time.Since(start).Seconds(), "certs/s")
}

// BenchmarkApproveRatio measures issuance through the workflow as a ratio to the raw
// signing rate of the same issuing key in the same run: for each application it times
// two bare RSA-4096 PKCS#1 v1.5 signatures with the issuing key (loaded from its key
// file), then the approval (two certificates built, linted, signed and stored with the
// state change and audit records). Alternating the two spreads the machine's load
// over both. ratio = approval certificates per second / raw signatures per second.
// The store is SQLite, or PostgreSQL when NCA_TEST_DATABASE_URL is set. Run:
//
//	go test -run '^$' -bench ApproveRatio -benchtime 40x ./ra
func BenchmarkApproveRatio(b *testing.B) {
	e, caDir := benchEnvDir(b)
	key, err := ca.FileKeyStore{Dir: caDir}.Load(ca.IssuingRSA)
	if err != nil {
		b.Fatal(err)
	}
	d := e.demo(profile.Individual, "")
	numbers := make([]string, b.N)
	for i := range numbers {
		app := e.applicant(d)
		a, err := e.svc.Submit(e.ctx, Actor{Kind: "anonymous"}, SubmitInput{Template: d.Template, Applicant: app, Requests: e.requests(d.Template, app), Consents: allConsents})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.svc.Accept(e.ctx, e.staff, a.Number, Presentation{Presented: []string{profile.DocIdentity}}); err != nil {
			b.Fatal(err)
		}
		numbers[i] = a.Number
	}
	tbs := make([]byte, 1500) // about the size of a to-be-signed certificate
	b.ResetTimer()
	var raw, approve time.Duration
	for i, n := range numbers {
		start := time.Now()
		for j := 0; j < 2; j++ {
			tbs[0], tbs[1] = byte(i), byte(j)
			digest := sha256.Sum256(tbs)
			if _, err := key.Sign(rand.Reader, digest[:], crypto.SHA256); err != nil {
				b.Fatal(err)
			}
		}
		mid := time.Now()
		got, certs, err := e.svc.Approve(e.ctx, e.staff, n)
		if err != nil || got.State != core.StateIssued || len(certs) != 2 {
			b.Fatalf("approve: %v %v", got, err)
		}
		raw += mid.Sub(start)
		approve += time.Since(mid)
	}
	rawRate := float64(2*b.N) / raw.Seconds()
	rate := float64(2*b.N) / approve.Seconds()
	b.ReportMetric(rawRate, "raw-sigs/s")
	b.ReportMetric(rate, "certs/s")
	b.ReportMetric(rate/rawRate, "ratio")
}
