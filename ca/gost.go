package ca

import (
	"crypto"

	"github.com/opennca/nca/gost"
)

// The GOST hierarchy of the authority: a root and an issuing CA with GOST 34.10-2015
// 512-bit keys (tc26-512-paramSetA), created by Open next to the RSA ones. Their
// certificates, the certificates they issue and (through package pki) their CRLs are
// signed with GOST 34.10-2015 over Streebog-512 under the Kazakh OIDs
// (1.2.398.3.10.1.1.2.3.2, explicit NULL parameters, signature r_LE‖s_LE); their keys
// are written in the national PKCS#8 layout (keyfile.GOSTCodec) by the key store.
// Certificates issued by nca-gost point to its own endpoints: BaseURL+"/crl/nca-gost.crl",
// "/ca/nca-gost.cer" and "/ocsp/nca-gost".
const (
	RootGOST    = "root-gost"
	IssuingGOST = "nca-gost"
)

// Common names of the GOST CAs; O is Options.Org.
const (
	RootGOSTCommonName    = "NCA Root (GOST)"
	IssuingGOSTCommonName = "NCA (GOST)"
)

// gostCAAlgorithm names the GOST CA key algorithm in logs.
const gostCAAlgorithm = "GOST 34.10-2015 512-bit (tc26-512-paramSetA)"

// genGOST makes a new GOST CA key from Options.Rand.
func (a *Authority) genGOST() (crypto.Signer, error) {
	return gost.GenerateKey(gost.Curve512A(), a.opts.Rand)
}

// IssuerFor returns the name of the issuing CA that certifies a subscriber key: GOST
// keys are certified by the GOST issuing CA (nca-gost), all others by the RSA one
// (nca-rsa).
func IssuerFor(pub crypto.PublicKey) string {
	if _, ok := pub.(*gost.PublicKey); ok {
		return IssuingGOST
	}
	return IssuingRSA
}
