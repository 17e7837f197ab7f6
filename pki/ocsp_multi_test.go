package pki

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"math/big"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"golang.org/x/crypto/ocsp"
)

// multiRequest is CreateOCSPRequest for tests.
func multiRequest(t testing.TB, nonce []byte, certIDs ...[]byte) []byte {
	t.Helper()
	der, err := CreateOCSPRequest(nonce, certIDs...)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// certIDOf returns the DER CertID x/crypto/ocsp sends for cert under hash h.
func certIDOf(t testing.TB, cert, issuer *x509.Certificate, h crypto.Hash) []byte {
	t.Helper()
	der, err := ocsp.CreateRequest(cert, issuer, &ocsp.RequestOptions{Hash: h})
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseOCSPRequest(der)
	if err != nil {
		t.Fatal(err)
	}
	return r.CertID
}

func TestParseOCSPMultiRequest(t *testing.T) {
	ca, _ := crlCA(t)
	leaves := []*x509.Certificate{leafOf(t, 101), leafOf(t, 102), leafOf(t, 103)}
	hashes := []crypto.Hash{crypto.SHA256, crypto.SHA1, crypto.SHA256}
	var ids [][]byte
	for i, l := range leaves {
		ids = append(ids, certIDOf(t, l, ca, hashes[i]))
	}
	nonce := []byte("0123456789abcdef")
	der := multiRequest(t, nonce, ids...)
	r, err := ParseOCSPRequest(der)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Requests) != len(leaves) {
		t.Fatalf("%d requests, want %d", len(r.Requests), len(leaves))
	}
	for i, q := range r.Requests {
		name, key, err := OCSPIssuerHashes(ca, hashes[i])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(q.CertID, ids[i]) || q.Hash != hashes[i] || q.Serial.Cmp(leaves[i].SerialNumber) != 0 ||
			!bytes.Equal(q.IssuerNameHash, name) || !bytes.Equal(q.IssuerKeyHash, key) {
			t.Errorf("request %d: %+v", i, q)
		}
	}
	// The single-request fields are those of the first Request.
	if !bytes.Equal(r.CertID, ids[0]) || r.Hash != hashes[0] || r.Serial.Cmp(leaves[0].SerialNumber) != 0 ||
		!bytes.Equal(r.IssuerNameHash, r.Requests[0].IssuerNameHash) || !bytes.Equal(r.IssuerKeyHash, r.Requests[0].IssuerKeyHash) {
		t.Errorf("first request fields %+v", r)
	}
	var got []byte
	if _, err := asn1.Unmarshal(r.Nonce, &got); err != nil || !bytes.Equal(got, nonce) {
		t.Errorf("nonce %x: %v", r.Nonce, err)
	}

	// A request made by x/crypto (one Request) has exactly that one in Requests.
	one, err := ParseOCSPRequest(multiRequest(t, nil, ids[1]))
	if err != nil || len(one.Requests) != 1 || !bytes.Equal(one.Requests[0].CertID, one.CertID) || one.Nonce != nil {
		t.Fatalf("one request: %+v, %v", one, err)
	}

	// Up to MaxOCSPRequests are accepted; one more, or none, is malformed.
	many := make([][]byte, MaxOCSPRequests+1)
	for i := range many {
		many[i] = ids[i%len(ids)]
	}
	if r, err := ParseOCSPRequest(multiRequest(t, nil, many[:MaxOCSPRequests]...)); err != nil || len(r.Requests) != MaxOCSPRequests {
		t.Errorf("%d requests: %v", MaxOCSPRequests, err)
	}
	if _, err := ParseOCSPRequest(multiRequest(t, nil, many...)); !errors.Is(err, ErrOCSPMalformed) {
		t.Errorf("%d requests: %v, want malformed", MaxOCSPRequests+1, err)
	}
	if _, err := ParseOCSPRequest([]byte{0x30, 0x04, 0x30, 0x02, 0x30, 0x00}); !errors.Is(err, ErrOCSPMalformed) {
		t.Errorf("no request: %v, want malformed", err)
	}
	// A broken second Request spoils the whole request.
	for name, id := range map[string][]byte{
		"not a CertID":       {0x30, 0x00},
		"short issuer hash":  rebuildCertID(t, ids[1], 1, nil),
		"trailing in CertID": rebuildCertID(t, ids[1], 0, []byte{0x05, 0x00}),
	} {
		if _, err := ParseOCSPRequest(multiRequest(t, nil, ids[0], id)); !errors.Is(err, ErrOCSPMalformed) {
			t.Errorf("%s in the second Request: %v, want malformed", name, err)
		}
	}
}

// rebuildCertID returns certID with cut bytes taken off its issuer name hash and
// trailing appended inside its SEQUENCE.
func rebuildCertID(t *testing.T, certID []byte, cut int, trailing []byte) []byte {
	t.Helper()
	in := cryptobyte.String(certID)
	var id, alg cryptobyte.String
	var name, key []byte
	serial := new(big.Int)
	if !in.ReadASN1(&id, cbasn1.SEQUENCE) || !id.ReadASN1Element(&alg, cbasn1.SEQUENCE) ||
		!id.ReadASN1Bytes(&name, cbasn1.OCTET_STRING) || !id.ReadASN1Bytes(&key, cbasn1.OCTET_STRING) || !id.ReadASN1Integer(serial) {
		t.Fatal("bad CertID")
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(alg)
		b.AddASN1OctetString(name[cut:])
		b.AddASN1OctetString(key)
		b.AddASN1BigInt(serial)
		b.AddBytes(trailing)
	})
	return b.BytesOrPanic()
}

func TestCreateOCSPMultiResponse(t *testing.T) {
	ca, caKey := crlCA(t)
	respCert, signer, keyHash := ocspResponder(t, ca, caKey, 10)
	good, revoked, never := leafOf(t, 201), leafOf(t, 202), leafOf(t, 203)
	revokedAt := crlNow.Add(-30 * time.Minute)
	singles := []OCSPSingleResponse{
		{CertID: certIDOf(t, good, ca, crypto.SHA256), Status: OCSPGood, Reason: -1, ThisUpdate: crlNow, NextUpdate: crlNow.Add(time.Hour)},
		{CertID: certIDOf(t, revoked, ca, crypto.SHA1), Status: OCSPRevoked, RevokedAt: revokedAt, Reason: 1, ThisUpdate: crlNow, NextUpdate: crlNow.Add(time.Hour)},
		{CertID: certIDOf(t, never, ca, crypto.SHA256), Status: OCSPRevoked, RevokedAt: time.Unix(0, 0), Reason: 6, ThisUpdate: crlNow, NextUpdate: crlNow.Add(time.Hour)},
	}
	nonce, _ := asn1.Marshal([]byte("nonce-2"))
	der, err := CreateOCSPResponse(&OCSPResponse{ResponderKeyHash: keyHash, ProducedAt: crlNow, Singles: singles,
		Nonce: nonce, ExtendedRevoke: true, Certs: [][]byte{respCert.Raw}}, signer)
	if err != nil {
		t.Fatal(err)
	}
	// x/crypto/ocsp refuses an answer of several SingleResponses without a
	// certificate to pick, and picks each one by its serial.
	if _, err := ocsp.ParseResponse(der, ca); err == nil {
		t.Error("x/crypto/ocsp parsed a response of three SingleResponses as one")
	}
	for _, c := range []struct {
		cert   *x509.Certificate
		status int
		reason int
		at     time.Time
	}{
		{good, ocsp.Good, 0, time.Time{}},
		{revoked, ocsp.Revoked, ocsp.KeyCompromise, revokedAt},
		{never, ocsp.Revoked, ocsp.CertificateHold, time.Unix(0, 0)},
	} {
		resp, err := ocsp.ParseResponseForCert(der, c.cert, ca)
		if err != nil {
			t.Fatalf("serial %v: %v", c.cert.SerialNumber, err)
		}
		if resp.Status != c.status || resp.SerialNumber.Cmp(c.cert.SerialNumber) != 0 || !resp.ThisUpdate.Equal(crlNow) ||
			!resp.NextUpdate.Equal(crlNow.Add(time.Hour)) || resp.Certificate == nil || !resp.Certificate.Equal(respCert) {
			t.Errorf("serial %v: %+v", c.cert.SerialNumber, resp)
		}
		if c.status == ocsp.Revoked && (resp.RevocationReason != c.reason || !resp.RevokedAt.Equal(c.at)) {
			t.Errorf("serial %v: revoked %v reason %d", c.cert.SerialNumber, resp.RevokedAt, resp.RevocationReason)
		}
	}
	// pki's own parser keeps the order, the CertID hashes and the nonce.
	a, err := ParseOCSPResponse(der, ca)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Responses) != 3 || !bytes.Equal(a.Nonce, nonce) || a.Responder == nil || !a.Responder.Equal(respCert) {
		t.Fatalf("answer %+v", a)
	}
	wantHash := []asn1.ObjectIdentifier{OIDSHA256, OIDSHA1, OIDSHA256}
	for i, c := range []*x509.Certificate{good, revoked, never} {
		s := a.Responses[i]
		if s.Serial.Cmp(c.SerialNumber) != 0 || s.Status != singles[i].Status || !s.HashAlgorithm.Equal(wantHash[i]) {
			t.Errorf("response %d: serial %v status %v hash %v", i, s.Serial, s.Status, s.HashAlgorithm)
		}
		if _, err := a.For(c, ca); err != nil {
			t.Errorf("response %d: %v", i, err)
		}
	}

	// Refused: CertID and Singles both set, a Single without CertID, a bad reason.
	for name, r := range map[string]*OCSPResponse{
		"CertID and Singles": {ResponderKeyHash: keyHash, CertID: singles[0].CertID, Singles: singles},
		"Single without CertID": {ResponderKeyHash: keyHash, Singles: []OCSPSingleResponse{singles[0],
			{Status: OCSPGood, ThisUpdate: crlNow}}},
		"reason 11": {ResponderKeyHash: keyHash, Singles: []OCSPSingleResponse{singles[0],
			{CertID: singles[1].CertID, Status: OCSPRevoked, Reason: 11, ThisUpdate: crlNow}}},
		"no responder key hash": {Singles: singles},
	} {
		if _, err := CreateOCSPResponse(r, signer); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// fixedSigner "signs" with the SHA-256 of the tbs: deterministic, for comparing
// DER byte for byte.
type fixedSigner struct{}

func (fixedSigner) AlgorithmIdentifier() pkix.AlgorithmIdentifier {
	return pkix.AlgorithmIdentifier{Algorithm: OIDSHA256}
}

func (fixedSigner) Sign(tbs []byte) ([]byte, error) {
	s := sha256.Sum256(tbs)
	return s[:], nil
}

// TestCreateOCSPResponseUnchanged pins the DER of single-certificate responses to
// what CreateOCSPResponse produced before it learned several SingleResponses, and
// checks that a Singles of one element encodes the same bytes.
func TestCreateOCSPResponseUnchanged(t *testing.T) {
	at := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	certID := []byte{0x30, 0x03, 0x02, 0x01, 0x07}
	kh := make([]byte, 20)
	for i, c := range []struct {
		r    OCSPResponse
		want string
	}{
		{OCSPResponse{ResponderKeyHash: kh, ProducedAt: at, CertID: certID, Status: OCSPGood, Reason: -1, ThisUpdate: at, NextUpdate: at.Add(time.Hour)},
			"3081a40a0100a0819e30819b06092b060105050730010104818d30818a3058a21604140000000000000000000000000000000000000000180f32303236303530343130303030305a302d302b30030201078000180f32303236303530343130303030305aa011180f32303236303530343131303030305a300b0609608648016503040201032100d18728e993dda843af251c86389d099d227dd73f47aca5469319564f216c7ede"},
		{OCSPResponse{ResponderKeyHash: kh, ProducedAt: at, CertID: certID, Status: OCSPRevoked, RevokedAt: time.Unix(0, 0), Reason: 6, ThisUpdate: at, NextUpdate: at.Add(time.Hour), Nonce: []byte{4, 2, 1, 2}, ExtendedRevoke: true, Certs: [][]byte{{0x30, 0x00}}},
			"3081e90a0100a081e33081e006092b06010505073001010481d23081cf308196a21604140000000000000000000000000000000000000000180f32303236303530343130303030305a304330413003020107a116180f31393730303130313030303030305aa0030a0106180f32303236303530343130303030305aa011180f32303236303530343131303030305aa1263024301106092b0601050507300102040404020102300f06092b060105050730010904020500300b060960864801650304020103210093f9412de0726ff42a3d9c23405aff18994ee8a3509f34461718c946e85fe19ea00430023000"},
		{OCSPResponse{ResponderKeyHash: kh, ProducedAt: at, CertID: certID, Status: OCSPRevoked, RevokedAt: at, Reason: -1, ThisUpdate: at},
			"3081a20a0100a0819c30819906092b060105050730010104818b3081883056a21604140000000000000000000000000000000000000000180f32303236303530343130303030305a302b30293003020107a111180f32303236303530343130303030305a180f32303236303530343130303030305a300b060960864801650304020103210008be68853d42c4d998bd683297afb1617916adc5af6ea68736dda72a6f55eed9"},
		{OCSPResponse{ResponderKeyHash: kh, ProducedAt: at, CertID: certID, Status: OCSPUnknown, ThisUpdate: at, ExtendedRevoke: true},
			"3081a60a0100a081a030819d06092b060105050730010104818f30818c305aa21604140000000000000000000000000000000000000000180f32303236303530343130303030305a301a301830030201078200180f32303236303530343130303030305aa1133011300f06092b060105050730010904020500300b06096086480165030402010321005e543edb93538fa07226cbbea21936a17a1ec82c18631a9a10fbf6fece474a4e"},
	} {
		der, err := CreateOCSPResponse(&c.r, fixedSigner{})
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(der); got != c.want {
			t.Errorf("case %d: DER changed:\n got %s\nwant %s", i, got, c.want)
		}
		r := c.r
		r.Singles = []OCSPSingleResponse{{CertID: r.CertID, Status: r.Status, RevokedAt: r.RevokedAt, Reason: r.Reason,
			ThisUpdate: r.ThisUpdate, NextUpdate: r.NextUpdate}}
		r.CertID, r.Status, r.RevokedAt, r.Reason, r.ThisUpdate, r.NextUpdate = nil, OCSPGood, time.Time{}, 0, time.Time{}, time.Time{}
		one, err := CreateOCSPResponse(&r, fixedSigner{})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(one, der) {
			t.Errorf("case %d: Singles of one encodes differently:\n got %x\nwant %x", i, one, der)
		}
	}
}

// TestCreateOCSPRequest: a request about one certificate without a nonce is byte for
// byte what x/crypto/ocsp makes; a nonce comes back as given; nothing to ask about,
// or a nonce over MaxOCSPNonce, is refused.
func TestCreateOCSPRequest(t *testing.T) {
	ca, _ := crlCA(t)
	leaf := leafOf(t, 0x1234567)
	plain, err := ocsp.CreateRequest(leaf, ca, &ocsp.RequestOptions{Hash: crypto.SHA1})
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseOCSPRequest(plain)
	if err != nil {
		t.Fatal(err)
	}
	der, err := CreateOCSPRequest(nil, r.CertID)
	if err != nil || !bytes.Equal(der, plain) {
		t.Fatalf("CreateOCSPRequest = %x, %v; x/crypto made %x", der, err, plain)
	}
	nonce := []byte("0123456789abcdef")
	der, err = CreateOCSPRequest(nonce, r.CertID, r.CertID)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseOCSPRequest(der)
	if err != nil || len(back.Requests) != 2 || back.Serial.Cmp(leaf.SerialNumber) != 0 {
		t.Fatalf("read back: %+v, %v", back, err)
	}
	if want, _ := asn1.Marshal(nonce); !bytes.Equal(back.Nonce, want) {
		t.Fatalf("nonce read back %x, want %x", back.Nonce, want)
	}
	if _, err := CreateOCSPRequest(nil); err == nil {
		t.Error("a request about nothing was made")
	}
	if _, err := CreateOCSPRequest(make([]byte, MaxOCSPNonce+1), r.CertID); err == nil {
		t.Error("an oversized nonce was accepted")
	}
}
