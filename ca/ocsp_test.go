package ca

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"testing"
	"time"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/profile"
)

func TestIssueOCSPResponder(t *testing.T) {
	a := sharedAuthority(t)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cert, err := a.IssueOCSPResponder(context.Background(), IssuingRSA, key.Public(), 7*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	is, _ := a.Issuer(IssuingRSA)
	if err := cert.CheckSignatureFrom(is.Cert); err != nil {
		t.Fatal(err)
	}
	if cert.Subject.CommonName != profile.OCSPResponderCommonName || cert.Subject.Country[0] != "KZ" || cert.Subject.Organization[0] == "" {
		t.Errorf("subject %s", cert.Subject)
	}
	if len(cert.ExtKeyUsage) != 1 || cert.ExtKeyUsage[0] != x509.ExtKeyUsageOCSPSigning || cert.KeyUsage != x509.KeyUsageDigitalSignature || cert.IsCA {
		t.Errorf("usage %v %v", cert.ExtKeyUsage, cert.KeyUsage)
	}
	if got := cert.NotAfter.Sub(cert.NotBefore); got != 7*24*time.Hour {
		t.Errorf("validity %v", got)
	}
	nocheck := false
	for _, e := range cert.Extensions {
		if e.Id.Equal(profile.OIDOCSPNoCheck) && !e.Critical && bytes.Equal(e.Value, asn1.NullBytes) {
			nocheck = true
		}
	}
	if !nocheck {
		t.Error("no ocsp-nocheck extension")
	}
	if _, err := a.IssueOCSPResponder(context.Background(), RootRSA, key.Public(), time.Hour); core.KindOf(err) != core.KindInternal {
		t.Errorf("a root signed a responder: %v", err)
	}
	if _, err := a.IssueOCSPResponder(context.Background(), IssuingRSA, key.Public(), 365*24*time.Hour); core.KindOf(err) != core.KindInvalid {
		t.Errorf("a year-long responder: %v", err)
	}
}
