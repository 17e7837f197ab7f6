package ra

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/internal/testclock"
	"github.com/opennca/nca/profile"
	"github.com/opennca/nca/registry"
	"github.com/opennca/nca/store"
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
	return &env{t: b, ctx: ctx, clock: testclock.New(time.Now()), store: st, ca: a, reg: reg,
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

// acceptedApplications submits and accepts n applications (their CSR keys are
// generated here, outside any timer) and returns their numbers.
func acceptedApplications(b *testing.B, e *env, n int) []string {
	b.Helper()
	d := e.demo(profile.Individual, "")
	numbers := make([]string, n)
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
	return numbers
}

// issuingKey loads the issuing CA's key from its key file, as the Authority does.
func issuingKey(b *testing.B, caDir string) crypto.Signer {
	b.Helper()
	key, err := ca.FileKeyStore{Dir: caDir}.Load(ca.IssuingRSA)
	if err != nil {
		b.Fatal(err)
	}
	return key
}

// rawSign makes one bare RSA-4096 PKCS#1 v1.5 signature over about a to-be-signed
// certificate's worth of bytes, different for each (i, j).
func rawSign(b *testing.B, key crypto.Signer, i, j int) {
	tbs := make([]byte, 1500)
	tbs[0], tbs[1], tbs[2] = byte(i), byte(i>>8), byte(j)
	digest := sha256.Sum256(tbs)
	if _, err := key.Sign(rand.Reader, digest[:], crypto.SHA256); err != nil {
		b.Error(err)
	}
}

// approveOne approves an accepted application and checks that it issued two
// certificates.
func approveOne(b *testing.B, e *env, number string) {
	got, certs, err := e.svc.Approve(e.ctx, e.staff, number)
	if err != nil || got.State != core.StateIssued || len(certs) != 2 {
		b.Errorf("approve %s: %v %v", number, got, err)
	}
}

// BenchmarkApproveRatio measures issuance through the workflow as a ratio to the raw
// signing rate of the same issuing key in the same run, one operation at a time: for
// each application it times two bare RSA-4096 PKCS#1 v1.5 signatures with the issuing
// key (loaded from its key file), then the approval (two certificates built, claimed,
// linted, signed and stored with the state change and audit records). Alternating the
// two spreads the machine's load over both. ratio = approval certificates per second
// / raw signatures per second. It also reports, per approval, the time of the two
// bare signatures (raw-pair-ms) and of the approval's steps (claim-ms, sign-ms,
// store-ms: ra.ApprovalTiming). The store is SQLite, or PostgreSQL when
// NCA_TEST_DATABASE_URL is set. Run:
//
//	go test -run '^$' -bench ApproveRatio -benchtime 40x ./ra
func BenchmarkApproveRatio(b *testing.B) {
	e, caDir := benchEnvDir(b)
	key := issuingKey(b, caDir)
	numbers := acceptedApplications(b, e, b.N)
	var steps ApprovalTiming
	e.svc.ObserveApprovals(func(t ApprovalTiming) {
		steps.Claim += t.Claim
		steps.Sign += t.Sign
		steps.Store += t.Store
	})
	b.ResetTimer()
	var raw, approve, rawCPU, approveCPU time.Duration
	for i, n := range numbers {
		start, startCPU := time.Now(), processCPU(b)
		rawSign(b, key, i, 0)
		rawSign(b, key, i, 1)
		mid, midCPU := time.Now(), processCPU(b)
		approveOne(b, e, n)
		raw += mid.Sub(start)
		approve += time.Since(mid)
		rawCPU += midCPU - startCPU
		approveCPU += processCPU(b) - midCPU
	}
	reportRatio(b, raw, approve, rawCPU, approveCPU)
	// Where an approval's time goes (ra.ApprovalTiming), per approval, beside the
	// time of its two bare signatures.
	perApproval := func(d time.Duration) float64 { return d.Seconds() * 1000 / float64(b.N) }
	b.ReportMetric(perApproval(raw), "raw-pair-ms")
	b.ReportMetric(perApproval(steps.Claim), "claim-ms")
	b.ReportMetric(perApproval(steps.Sign), "sign-ms")
	b.ReportMetric(perApproval(steps.Store), "store-ms")
}

// BenchmarkApproveRatioParallel is BenchmarkApproveRatio with as many concurrent
// operations as the machine has cores (GOMAXPROCS), the way several operators'
// approvals meet on one node: in rounds of 2×cores applications it times the raw
// signatures (two per application) made by cores goroutines, then the approvals of
// the round made by cores goroutines (NCA_BENCH_APPROVERS goroutines when set: an
// approval waits for its database, so more of them at once fill the cores). ratio =
// approval certificates per second / raw signatures per second. Run:
//
//	go test -run '^$' -bench ApproveRatioParallel -benchtime 80x ./ra
func BenchmarkApproveRatioParallel(b *testing.B) {
	e, caDir := benchEnvDir(b)
	key := issuingKey(b, caDir)
	numbers := acceptedApplications(b, e, b.N)
	workers := runtime.GOMAXPROCS(0)
	approvers := workers
	if v, err := strconv.Atoi(os.Getenv("NCA_BENCH_APPROVERS")); err == nil && v > 0 {
		approvers = v
	}
	b.ResetTimer()
	var raw, approve, rawCPU, approveCPU time.Duration
	for lo := 0; lo < len(numbers); lo += 2 * workers {
		round := numbers[lo:min(lo+2*workers, len(numbers))]
		start, startCPU := time.Now(), processCPU(b)
		onWorkers(workers, 2*len(round), func(k int) { rawSign(b, key, lo+k/2, k%2) })
		mid, midCPU := time.Now(), processCPU(b)
		onWorkers(approvers, len(round), func(k int) { approveOne(b, e, round[k]) })
		raw += mid.Sub(start)
		approve += time.Since(mid)
		rawCPU += midCPU - startCPU
		approveCPU += processCPU(b) - midCPU
	}
	b.ReportMetric(float64(workers), "workers")
	b.ReportMetric(float64(approvers), "approvers")
	reportRatio(b, raw, approve, rawCPU, approveCPU)
}

// onWorkers runs fn(0) … fn(n-1) on `workers` goroutines and waits for them.
func onWorkers(workers, n int, fn func(k int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := int(next.Add(1) - 1); k < n; k = int(next.Add(1) - 1) {
				fn(k)
			}
		}()
	}
	wg.Wait()
}

// reportRatio reports the raw and the approval rates over the wall-clock times, their
// ratio (the figure), and cpu-ratio: raw signatures' CPU time of this process per
// signature over the approvals' per certificate (the lint goroutines and the SQLite
// engine included; a PostgreSQL server's work is not). cpu-ratio does not move with
// the load other programs put on the machine, the wall-clock ratio does.
func reportRatio(b *testing.B, raw, approve, rawCPU, approveCPU time.Duration) {
	rawRate := float64(2*b.N) / raw.Seconds()
	rate := float64(2*b.N) / approve.Seconds()
	b.ReportMetric(rawRate, "raw-sigs/s")
	b.ReportMetric(rate, "certs/s")
	b.ReportMetric(rate/rawRate, "ratio")
	b.ReportMetric(rawCPU.Seconds()/approveCPU.Seconds(), "cpu-ratio")
}
