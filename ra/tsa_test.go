package ra

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/store"
)

// TestIssueTimeStamping: the certificate is issued by the named issuing CA, stored
// as a TSA certificate (good, so that OCSP and CRLs answer for it) with an audit
// record by the system; a root CA does not issue one; one that cannot be stored is
// not returned and its serial is recorded.
func TestIssueTimeStamping(t *testing.T) {
	e := newEnv(t)
	key := pool.get(t)
	cert, err := e.svc.IssueTimeStamping(e.ctx, ca.IssuingRSA, &key.PublicKey, 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if cert.Subject.CommonName != "TIME-STAMPING AUTHORITY" || cert.NotAfter.Sub(cert.NotBefore) != 30*24*time.Hour {
		t.Errorf("certificate %s, %s to %s", cert.Subject, cert.NotBefore, cert.NotAfter)
	}
	var rec *core.Certificate
	err = e.store.Read(e.ctx, func(tx store.Tx) error {
		var err error
		rec, err = tx.GetCertificate(context.Background(), ca.IssuingRSA, cert.SerialNumber.Text(16))
		return err
	})
	if err != nil || rec.Type != core.CertTSA || rec.Status != core.CertGood || rec.Template != "tsa" {
		t.Fatalf("stored %+v %v", rec, err)
	}
	recs := auditActions(t, e, "certificate.issue")
	if len(recs) != 1 || recs[0].Actor != "system" || !strings.Contains(recs[0].Detail, "time-stamping authority") {
		t.Fatalf("audit %+v", recs)
	}

	_, err = e.svc.IssueTimeStamping(e.ctx, ca.RootRSA, &key.PublicKey, time.Hour)
	wantKind(t, err, core.KindInvalid)

	// The desk revokes it like any certificate: its tokens stop being trusted.
	if _, err := e.svc.Revoke(e.ctx, e.staff, cert.SerialNumber.Text(16), "key_compromise", "the node was lost"); err != nil {
		t.Fatalf("revoke the TSA certificate: %v", err)
	}
	err = e.store.Read(e.ctx, func(tx store.Tx) error {
		var err error
		rec, err = tx.GetCertificate(context.Background(), ca.IssuingRSA, cert.SerialNumber.Text(16))
		return err
	})
	if err != nil || rec.Status != core.CertRevoked {
		t.Fatalf("after revocation %+v %v", rec, err)
	}

	fs := &failingStore{Store: e.store}
	svc := New(Config{Store: fs, Registry: e.reg, Signer: e.ca, Now: e.clock.Now})
	fs.failNext.Store(true)
	if _, err := svc.IssueTimeStamping(e.ctx, ca.IssuingRSA, &pool.get(t).PublicKey, time.Hour); err == nil {
		t.Fatal("a certificate that was not stored was returned")
	}
	if recs := auditActions(t, e, "certificate.unstored"); len(recs) != 1 || !strings.Contains(recs[0].Detail, "time-stamping certificate of nca-rsa") {
		t.Fatalf("audit of the unstored certificate: %+v", recs)
	}
}
