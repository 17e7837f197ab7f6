package profile

import (
	"crypto/x509"
	"slices"
	"testing"
	"time"

	"github.com/opennca/nca/core"
)

// TestTimeStamping: the TSA certificate of PROFILE.md and RFC 3161 §2.3 — the
// subject, digitalSignature, timeStamping alone in a critical EKU, the CA's status
// endpoints, the validity asked for, and the refusals.
func TestTimeStamping(t *testing.T) {
	k := testKeys()
	tmpl, err := TimeStamping("OpenNCA", &k.subject.PublicKey, testNow, 30*24*time.Hour, testEndpoints)
	if err != nil {
		t.Fatal(err)
	}
	c := sign(t, tmpl)
	want := []rdn{{"2.5.4.3", tagUTF8, "TIME-STAMPING AUTHORITY"}, country, {"2.5.4.10", tagUTF8, "OpenNCA"}}
	if got := decodeName(t, c.RawSubject); !slices.Equal(got, want) {
		t.Errorf("subject %v", got)
	}
	if c.KeyUsage != x509.KeyUsageDigitalSignature || !slices.Equal(c.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}) || c.IsCA {
		t.Errorf("usage %v %v", c.KeyUsage, c.ExtKeyUsage)
	}
	ekus := 0
	for _, e := range c.Extensions {
		if e.Id.Equal(oidExtendedKeyUsage) {
			ekus++
			if !e.Critical {
				t.Error("the EKU is not critical")
			}
		}
	}
	if ekus != 1 {
		t.Errorf("%d EKU extensions", ekus)
	}
	if !slices.Equal(c.CRLDistributionPoints, testEndpoints.CRL) || !slices.Equal(c.OCSPServer, testEndpoints.OCSP) ||
		!slices.Equal(c.IssuingCertificateURL, testEndpoints.CAIssuers) {
		t.Errorf("endpoints %v %v %v", c.CRLDistributionPoints, c.OCSPServer, c.IssuingCertificateURL)
	}
	if !c.NotBefore.Equal(testNow.Truncate(time.Second)) || c.NotAfter.Sub(c.NotBefore) != 30*24*time.Hour {
		t.Errorf("validity %s to %s", c.NotBefore, c.NotAfter)
	}

	_, err = TimeStamping("", &k.subject.PublicKey, testNow, time.Hour, testEndpoints)
	checkErr(t, err, core.KindInvalid, "organization:")
	_, err = TimeStamping("OpenNCA", &k.subject.PublicKey, testNow, 2*MaxTimeStampingValidity, testEndpoints)
	checkErr(t, err, core.KindInvalid, "validity:")
	_, err = TimeStamping("OpenNCA", nil, testNow, time.Hour, testEndpoints)
	checkErr(t, err, core.KindInvalid, "public_key:")
	_, err = TimeStamping("OpenNCA", "a string", testNow, time.Hour, testEndpoints)
	checkErr(t, err, core.KindUnprocessable, "public key:")
}
