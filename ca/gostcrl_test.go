package ca

import (
	"context"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/gost"
	"github.com/opennca/nca/internal/gostengine"
	"github.com/opennca/nca/pki"
)

// The GOST CAs' CRLs are signed with GOST 2015-512 (national OID, NULL parameters,
// r_LE‖s_LE): they verify with pki and with gost-engine, list the revoked serial,
// and do not verify with the other GOST CA's key.
func TestGOSTCRL(t *testing.T) {
	gostengine.Require(t)
	a := sharedAuthority(t)
	certs := issueAllGOST(t, a)
	leaf := certs["legal_entity/SIGN/gost2015"]
	for _, name := range []string{IssuingGOST, RootGOST} {
		is, _ := a.Issuer(name)
		der, err := a.CRL(context.Background(), name, CRLRequest{Number: 3, ThisUpdate: testNow, NextUpdate: testNow.Add(24 * time.Hour)},
			func(add func(core.RevokedEntry) error) error {
				return add(core.RevokedEntry{Serial: leaf.SerialNumber.Text(16), RevokedAt: testNow, Reason: core.ReasonKeyCompromise})
			})
		if err != nil {
			t.Fatalf("%s: CRL: %v", name, err)
		}
		key, _ := pki.PublicKeyOf(is.Cert)
		alg, err := pki.VerifySigned(der, key)
		if err != nil || !alg.Algorithm.Equal(gost.OIDKZGost2015Signature512) {
			t.Fatalf("%s: pki: %v %v", name, alg.Algorithm, err)
		}
		if ok, out := gostengine.VerifySigned(t, der, key.(*gost.PublicKey)); !ok {
			t.Fatalf("%s: gost-engine refuses the CRL: %s", name, out)
		}
		rl, err := x509.ParseRevocationList(der)
		if err != nil {
			t.Fatal(err)
		}
		if len(rl.RevokedCertificateEntries) != 1 || rl.RevokedCertificateEntries[0].SerialNumber.Cmp(leaf.SerialNumber) != 0 {
			t.Fatalf("%s: entries %v", name, rl.RevokedCertificateEntries)
		}
		other := RootGOST
		if name == RootGOST {
			other = IssuingGOST
		}
		oi, _ := a.Issuer(other)
		okey, _ := pki.PublicKeyOf(oi.Cert)
		if _, err := pki.VerifySigned(der, okey); !errors.Is(err, pki.ErrBadSignature) {
			t.Fatalf("%s CRL under the %s key: %v", name, other, err)
		}
	}
}
