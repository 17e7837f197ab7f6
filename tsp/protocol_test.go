package tsp

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/opennca/nca/pki"
)

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestNationalToken reads and verifies the time-stamp response of the national
// CA's test environment: a GOST 34.310-2004 token under policy 1.2.398.3.3.2.6.1
// with a SHA-1 imprint and the SHA-1 ESS signing-certificate attribute, whose TSA
// certificate chains to the GOST test CA.
func TestNationalToken(t *testing.T) {
	resp, err := ParseResponse(readFile(t, "tsp_tsp_response.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != StatusGranted || resp.Fail != -1 {
		t.Fatalf("status %d fail %d", resp.Status, resp.Fail)
	}
	if !bytes.Equal(resp.Token, readFile(t, "tsp_tsp_token.bin")) {
		t.Fatal("the response's token is not the token file")
	}
	tok, err := ParseToken(resp.Token)
	if err != nil {
		t.Fatal(err)
	}
	in := tok.Info
	wantSerial, _ := new(big.Int).SetString("5E846DD75D861154DB10F13C54DC1F8D33FE6ADC", 16)
	wantImprint, _ := hex.DecodeString("1465DAD126D32BF7AA5D3B95A5C7C331CDFF34DF")
	if !in.Policy.Equal(OIDPolicyGOST) || !in.Imprint.HashAlgorithm.Equal(oidSHA1) || !bytes.Equal(in.Imprint.HashedMessage, wantImprint) ||
		in.SerialNumber.Cmp(wantSerial) != 0 || !in.GenTime.Equal(time.Date(2022, 9, 18, 13, 20, 14, 0, time.UTC)) ||
		in.Nonce == nil || in.Nonce.Int64() != 0x018350C022D7 || in.Accuracy != 0 || in.TSA != nil {
		t.Fatalf("TSTInfo %+v", in)
	}
	si := tok.SignedData.Signers[0]
	if !si.SigningCertificate || si.SigningCertificateV2 {
		t.Errorf("signing-certificate v1 %v v2 %v", si.SigningCertificate, si.SigningCertificateV2)
	}
	cert, err := tok.Verify(VerifyOptions{Digest: wantImprint, Nonce: big.NewInt(0x018350C022D7)})
	if err != nil {
		t.Fatal(err)
	}
	if cert.Subject.CommonName != "СЕРВИС МЕТКИ ВРЕМЕНИ" {
		t.Errorf("TSA %s", cert.Subject)
	}
	block, _ := pem.Decode(readFile(t, "ca_nca_gost_test.crt"))
	caCert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pki.VerifyChain(cert, nil, []*x509.Certificate{caCert}, in.GenTime); err != nil {
		t.Errorf("the TSA certificate does not chain to the GOST test CA: %v", err)
	}

	// What must not verify.
	for name, opts := range map[string]VerifyOptions{
		"other digest": {Digest: make([]byte, 20)},
		"other data":   {Data: []byte("not the stamped data")},
		"other nonce":  {Nonce: big.NewInt(1)},
	} {
		if _, err := tok.Verify(opts); !errors.Is(err, ErrVerify) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A byte changed in the signature, or in the TSTInfo (its genTime).
	sig := bytes.Clone(resp.Token)
	sig[len(sig)-5] ^= 1
	info := bytes.Clone(resp.Token)
	i := bytes.Index(info, []byte("20220918132014Z"))
	info[i+13] = '5'
	for name, der := range map[string][]byte{"signature": sig, "TSTInfo": info} {
		tok, err := ParseToken(der)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := tok.Verify(VerifyOptions{}); !errors.Is(err, ErrVerify) {
			t.Errorf("altered %s verifies: %v", name, err)
		}
	}
}

func TestRequest(t *testing.T) {
	digest := sha256.Sum256([]byte("document"))
	req, err := NewRequest(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}, digest[:], OIDPolicySHA256, big.NewInt(12345), true)
	if err != nil {
		t.Fatal(err)
	}
	der, err := req.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseRequest(der)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Imprint.HashedMessage, digest[:]) || !got.Policy.Equal(OIDPolicySHA256) || got.Nonce.Int64() != 12345 || !got.CertReq {
		t.Errorf("round trip %+v", got)
	}
	bare, _ := NewRequest(oidSHA1, make([]byte, 20), nil, nil, false)
	bareDER, _ := bare.Marshal()
	if got, err := ParseRequest(bareDER); err != nil || got.Policy != nil || got.Nonce != nil || got.CertReq {
		t.Errorf("bare request %+v %v", got, err)
	}

	// Refusals, each with its RFC 3161 failure bit.
	imprint := func(alg asn1.ObjectIdentifier, sum []byte) []byte {
		return der1(t, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(alg); b.AddASN1NULL() })
			b.AddASN1OctetString(sum)
		})
	}
	request := func(version int64, imprint []byte, extra ...byte) []byte {
		return der1(t, func(b *cryptobyte.Builder) { b.AddASN1Int64(version); b.AddBytes(imprint); b.AddBytes(extra) })
	}
	sha256OID := asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	md5OID := asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5}
	good := imprint(sha256OID, digest[:])
	if _, err := ParseRequest(request(1, good)); err != nil {
		t.Fatalf("the well-formed control request: %v", err)
	}
	for name, c := range map[string]struct {
		der  []byte
		fail FailureInfo
	}{
		"not DER":         {[]byte("hello"), FailBadDataFormat},
		"trailing":        {append(bytes.Clone(der), 0), FailBadDataFormat},
		"version 2":       {request(2, good), FailBadDataFormat},
		"MD5":             {request(1, imprint(md5OID, make([]byte, 16))), FailBadAlg},
		"short SHA-256":   {request(1, imprint(sha256OID, make([]byte, 16))), FailBadDataFormat},
		"with extensions": {request(1, good, 0xa0, 0x00), FailUnacceptedExtension},
		"long nonce":      {request(1, good, append([]byte{0x02, 0x21, 0x01}, make([]byte, 32)...)...), FailBadDataFormat},
	} {
		_, err := ParseRequest(c.der)
		var re *RequestError
		if !errors.As(err, &re) || re.Fail != c.fail {
			t.Errorf("%s: %v, want failure bit %d", name, err, c.fail)
		}
	}
	if _, err := NewRequest(oidSHA1, make([]byte, 32), nil, nil, false); err == nil {
		t.Error("a 32-byte SHA-1 digest was accepted")
	}
}

// der1 returns the DER SEQUENCE that add fills.
func der1(t *testing.T, add func(*cryptobyte.Builder)) []byte {
	t.Helper()
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, add)
	out, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRejectionResponse(t *testing.T) {
	for _, fail := range []FailureInfo{FailBadAlg, FailBadRequest, FailBadDataFormat, FailUnacceptedPolicy, FailUnacceptedExtension, FailSystemFailure} {
		resp, err := ParseResponse(RejectionResponse(fail, "why"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != StatusRejection || resp.Fail != fail || resp.StatusText != "why" || resp.Token != nil {
			t.Errorf("fail %d: %+v", fail, resp)
		}
	}
}
