package ra

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/profile"
	"github.com/opennca/nca/registry"
	"github.com/opennca/nca/store"
)

// benchEnv is newEnv with production-size CA keys (RSA 4096) and the real clock.
func benchEnv(b *testing.B) *env {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	st, err := store.OpenSQLite(ctx, filepath.Join(dir, "nca.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
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

// revokeMany stores n revoked certificates of the issuing CA (random 20-byte
// serials, reasons cycling, revoked at at) in batches.
func revokeMany(b *testing.B, st store.Store, n int, at time.Time) {
	b.Helper()
	ctx := context.Background()
	const batch = 20000
	for done := 0; done < n; done += batch {
		err := st.Tx(ctx, func(tx store.Tx) error {
			for i := done; i < min(done+batch, n); i++ {
				raw := make([]byte, 20)
				rand.Read(raw)
				raw[0] = raw[0]&0x7f | 0x40
				serial := new(big.Int).SetBytes(raw).Text(16)
				if err := tx.InsertCertificate(ctx, &core.Certificate{Serial: serial, Issuer: ca.IssuingRSA, Type: core.CertSign,
					Subject: "CN=bench", NotBefore: at.Add(-time.Hour), NotAfter: at.AddDate(1, 0, 0), KeyHash: hex.EncodeToString(raw), DER: raw}); err != nil {
					return err
				}
				reasons := []core.RevocationReason{core.ReasonKeyCompromise, core.ReasonAffiliationChanged, core.ReasonSuperseded, core.ReasonCertificateHold, core.ReasonUnspecified}
				if err := tx.RevokeCertificate(ctx, ca.IssuingRSA, serial, reasons[i%len(reasons)], at, nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFullCRL measures one full CRL of the RSA-4096 issuing CA with
// NCA_BENCH_CRL_ENTRIES revoked certificates (default 1,000,000): read from SQLite,
// encoded as they stream, linted (mirror) and signed. Filling the store is not
// timed. Peak memory: run the test binary under /usr/bin/time -v (docs/performance.md).
//
//	go test -run '^$' -bench FullCRL -benchtime 3x ./ra
func BenchmarkFullCRL(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("NCA_BENCH_CRL_ENTRIES")); err == nil && v > 0 {
		n = v
	}
	e := benchEnv(b)
	revokeMany(b, e.store, n, time.Now().Add(-48*time.Hour))
	c := e.svc.CRLs()
	var crl *CRL
	for b.Loop() {
		var err error
		if crl, err = c.publishFull(e.ctx, ca.IssuingRSA); err != nil {
			b.Fatal(err)
		}
	}
	if crl.Entries != n {
		b.Fatalf("%d entries, want %d", crl.Entries, n)
	}
	b.ReportMetric(float64(len(crl.DER))/1e6, "MB/CRL")
}

// BenchmarkDeltaCRL measures one delta CRL listing 1,000 revocations made since its
// base, in a store that also holds 100,000 older revocations (listed by the base
// only): the delta reads them through the (issuer, revoked_at) index.
//
//	go test -run '^$' -bench DeltaCRL -benchtime 50x ./ra
func BenchmarkDeltaCRL(b *testing.B) {
	e := benchEnv(b)
	revokeMany(b, e.store, 100_000, time.Now().Add(-48*time.Hour))
	c := e.svc.CRLs()
	full, err := c.publishFull(e.ctx, ca.IssuingRSA)
	if err != nil {
		b.Fatal(err)
	}
	revokeMany(b, e.store, 1000, time.Now())
	var crl *CRL
	for b.Loop() {
		if crl, err = c.publishDelta(e.ctx, ca.IssuingRSA, full); err != nil {
			b.Fatal(err)
		}
	}
	if crl.Entries != 1000 {
		b.Fatalf("%d entries, want 1000", crl.Entries)
	}
}
