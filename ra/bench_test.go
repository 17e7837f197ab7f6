package ra

import (
	"context"
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
		staff: Actor{Kind: "staff", IIN: "800101300016", Name: "Operator", Roles: []string{"operator"}}}
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
