package gost

import (
	"encoding/asn1"
	"testing"
)

func TestLookupOID(t *testing.T) {
	for _, tc := range []struct {
		oid    asn1.ObjectIdentifier
		kind   OIDKind
		kazakh bool
		hash   Hash
		size   int
		layout SignatureLayout
		curve  *Curve
	}{
		{asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 1, 1}, KindPublicKey, true, 0, 32, 0, nil},
		{asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 1, 1, 1}, KindCurve, true, 0, 32, 0, CurveCryptoProA()},
		{asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 3, 1, 1, 0}, KindHashParamSet, true, HashGOST34311, 0, 0, nil},
		{asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 1, 2}, KindSignature, true, HashGOST34311, 32, LayoutKazakh, nil},
		{asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 3, 1}, KindHash, true, HashGOST34311, 0, 0, nil},
		{asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 2, 2}, KindPublicKey, true, 0, 64, 0, nil},
		{asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 2, 2, 1}, KindCurve, true, 0, 64, 0, Curve512A()},
		{asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 3, 3}, KindHash, true, HashStreebog512, 0, 0, nil},
		{asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 2, 3, 2}, KindSignature, true, HashStreebog512, 64, LayoutKazakh, nil},
		{asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 2, 1}, KindPublicKey, true, 0, 32, 0, nil},
		{asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 2, 1, 1}, KindCurve, true, 0, 32, 0, Curve256A()},
		{asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 2, 3, 1}, KindSignature, true, HashStreebog256, 32, LayoutKazakh, nil},
		{asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 3, 2}, KindHash, true, HashStreebog256, 0, 0, nil},
		{asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 6801, 1, 2, 2}, KindSignature, true, HashGOST34311, 32, LayoutKazakh, nil},
		{asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 1, 1}, KindPublicKey, false, 0, 32, 0, nil},
		{asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 1, 2}, KindPublicKey, false, 0, 64, 0, nil},
		{asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 3, 2}, KindSignature, false, HashStreebog256, 32, LayoutRFC4491, nil},
		{asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 3, 3}, KindSignature, false, HashStreebog512, 64, LayoutRFC4491, nil},
		{asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 2}, KindHash, false, HashStreebog256, 0, 0, nil},
		{asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 3}, KindHash, false, HashStreebog512, 0, 0, nil},
		{asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 4, 2}, KindHMAC, false, HashStreebog512, 0, 0, nil},
		{asn1.ObjectIdentifier{1, 2, 643, 2, 2, 3}, KindSignature, false, HashGOSTR341194CryptoPro, 32, LayoutRFC4491, nil},
		{asn1.ObjectIdentifier{1, 2, 643, 2, 2, 30, 1}, KindHashParamSet, false, HashGOSTR341194CryptoPro, 0, 0, nil},
		{asn1.ObjectIdentifier{1, 2, 643, 2, 2, 35, 1}, KindCurve, false, 0, 32, 0, CurveCryptoProA()},
		{asn1.ObjectIdentifier{1, 2, 643, 2, 2, 36, 0}, KindCurve, false, 0, 32, 0, CurveCryptoProXchA()},
		{asn1.ObjectIdentifier{1, 2, 643, 2, 2, 36, 1}, KindCurve, false, 0, 32, 0, CurveCryptoProXchB()},
		{asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 1, 1}, KindCurve, false, 0, 32, 0, Curve256A()},
		{asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 1, 4}, KindCurve, false, 0, 32, 0, Curve256D()},
		{asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 2, 0}, KindCurve, false, 0, 64, 0, CurveTest512()},
		{asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 2, 3}, KindCurve, false, 0, 64, 0, Curve512C()},
	} {
		info, ok := LookupOID(tc.oid)
		if !ok {
			t.Errorf("%v unknown", tc.oid)
			continue
		}
		if !info.OID.Equal(tc.oid) || info.Kind != tc.kind || info.Kazakh != tc.kazakh || info.Hash != tc.hash ||
			info.KeySize != tc.size || info.Layout != tc.layout || info.Curve != tc.curve || info.Name == "" {
			t.Errorf("%v: %+v", tc.oid, info)
		}
	}
	if _, ok := LookupOID(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}); ok {
		t.Error("sha256WithRSA is not a GOST OID")
	}
	seen := map[string]bool{}
	for _, info := range KnownOIDs() {
		if seen[info.OID.String()] {
			t.Errorf("duplicate OID %v", info.OID)
		}
		seen[info.OID.String()] = true
		if got, ok := LookupOID(info.OID); !ok || got.Name != info.Name {
			t.Errorf("KnownOIDs/LookupOID disagree on %v", info.OID)
		}
		if info.Kind.String() == "" {
			t.Error("empty kind name")
		}
	}
}

// Changing an exported OID variable (they are slices) does not change the lookups.
func TestOIDLookupsUsePrivateCopies(t *testing.T) {
	saved := OIDKZGost2015Signature512[len(OIDKZGost2015Signature512)-1]
	OIDKZGost2015Signature512[len(OIDKZGost2015Signature512)-1] = 99
	defer func() { OIDKZGost2015Signature512[len(OIDKZGost2015Signature512)-1] = saved }()
	if _, ok := LookupOID(asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 2, 3, 2}); !ok {
		t.Error("lookup changed by modifying an exported variable")
	}
	info, _ := LookupOID(asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 2, 3, 2})
	info.OID[0] = 7
	if again, _ := LookupOID(asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 2, 3, 2}); again.OID[0] != 1 {
		t.Error("LookupOID returned shared storage")
	}
	CurveCryptoProA().OID()[0] = 9
	if CurveCryptoProA().OID()[0] != 1 {
		t.Error("Curve.OID returned shared storage")
	}
}
