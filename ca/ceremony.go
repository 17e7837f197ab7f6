package ca

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/opennca/nca/profile"
)

// CeremonyRecord is the evidence of one key ceremony: what was done, to which keys and
// certificates, by whom and when. It holds no secret (no key, PIN or password).
type CeremonyRecord struct {
	StartedAt    time.Time `json:"started_at"`
	FinishedAt   time.Time `json:"finished_at"`
	Operator     string    `json:"operator"`
	Participants []string  `json:"participants,omitempty"`
	Host         string    `json:"host,omitempty"`
	// KeyStore describes where the keys are (e.g. "pkcs11 token nca via
	// /usr/lib/softhsm/libsofthsm2.so"); KeySpec the kind of new keys.
	KeyStore string `json:"key_store"`
	KeySpec  string `json:"key_spec"`
	// Steps lists what was done, in order.
	Steps []string     `json:"steps"`
	CAs   []CeremonyCA `json:"cas"`
}

// CeremonyCA is one CA as the ceremony left it.
type CeremonyCA struct {
	Name string `json:"name"`
	// Key is "generated" (made during this ceremony) or "found" (already in the store).
	Key string `json:"key"`
	// Certificate is "created" or "found".
	Certificate     string    `json:"certificate"`
	CertificateFile string    `json:"certificate_file"`
	Subject         string    `json:"subject"`
	Issuer          string    `json:"issuer"`
	Serial          string    `json:"serial"`
	NotBefore       time.Time `json:"not_before"`
	NotAfter        time.Time `json:"not_after"`
	KeyAlgorithm    string    `json:"key_algorithm"`
	SubjectKeyID    string    `json:"subject_key_id"`
	SPKISHA256      string    `json:"spki_sha256"`
	SHA256          string    `json:"sha256_fingerprint"`
}

// CeremonyInfo names the people and the place of a ceremony.
type CeremonyInfo struct {
	Operator     string
	Participants []string
	Host         string
	KeyStore     string
}

// Ceremony runs the key ceremony: it opens the authority with opts like Open does —
// generating the root and issuing keys in opts.Keys (inside the HSM for a PKCS#11
// store) or finding them there, signing the root certificate and the issuing CA
// certificate with the root key, writing both certificates into opts.Dir — and
// returns the authority with the record of what it did. Running it again on the same
// directory and key store finds everything and records that.
func Ceremony(opts Options, info CeremonyInfo) (*Authority, *CeremonyRecord, error) {
	if err := opts.defaults(); err != nil {
		return nil, nil, err
	}
	rec := &CeremonyRecord{StartedAt: opts.Now().UTC(), Operator: info.Operator, Participants: info.Participants,
		Host: info.Host, KeyStore: info.KeyStore, KeySpec: opts.keySpec().String()}
	rk := &recordingKeys{KeyStore: opts.Keys, generated: map[string]bool{}}
	opts.Keys = rk
	a, created, err := Open(opts)
	if err != nil {
		return nil, nil, err
	}
	made := map[string]bool{}
	for _, n := range created {
		made[n] = true
	}
	for _, is := range a.issuers {
		c := is.Cert
		ca := CeremonyCA{
			Name: is.Name, Key: "found", Certificate: "found",
			CertificateFile: filepath.Join(opts.Dir, is.Name+".cer"),
			Subject:         profile.DN(c.RawSubject), Issuer: profile.DN(c.RawIssuer),
			Serial: c.SerialNumber.Text(16), NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(),
			KeyAlgorithm: keyAlgorithm(c.PublicKey),
			SubjectKeyID: hex.EncodeToString(c.SubjectKeyId),
			SPKISHA256:   fingerprint(c.RawSubjectPublicKeyInfo),
			SHA256:       fingerprint(c.Raw),
		}
		if rk.wasGenerated(is.Name) {
			ca.Key = "generated"
			rec.Steps = append(rec.Steps, fmt.Sprintf("%s: %s key generated in %s", is.Name, ca.KeyAlgorithm, info.KeyStore))
		} else {
			rec.Steps = append(rec.Steps, fmt.Sprintf("%s: key found in %s", is.Name, info.KeyStore))
		}
		if made[is.Name] {
			ca.Certificate = "created"
			signer := "self-signed"
			if !is.Root {
				signer = "signed by " + ca.Issuer
			}
			rec.Steps = append(rec.Steps, fmt.Sprintf("%s: certificate %s (%s) written to %s", is.Name, ca.Serial, signer, ca.CertificateFile))
		} else {
			rec.Steps = append(rec.Steps, fmt.Sprintf("%s: certificate %s found in %s and checked against its key", is.Name, ca.Serial, ca.CertificateFile))
		}
		rec.CAs = append(rec.CAs, ca)
	}
	rec.FinishedAt = opts.Now().UTC()
	return a, rec, nil
}

func fingerprint(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// recordingKeys notes which keys were generated through it.
type recordingKeys struct {
	KeyStore
	mu        sync.Mutex
	generated map[string]bool
}

func (r *recordingKeys) note(name string) {
	r.mu.Lock()
	r.generated[name] = true
	r.mu.Unlock()
}

func (r *recordingKeys) wasGenerated(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.generated[name]
}

func (r *recordingKeys) Create(name string, gen func() (crypto.Signer, error)) (crypto.Signer, error) {
	s, err := r.KeyStore.Create(name, gen)
	if err == nil {
		r.note(name)
	}
	return s, err
}

func (r *recordingKeys) Generate(name string, spec KeySpec) (crypto.Signer, error) {
	g, ok := r.KeyStore.(KeyGenerator)
	if !ok {
		return nil, errNoGenerator
	}
	s, err := g.Generate(name, spec)
	if err == nil {
		r.note(name)
	}
	return s, err
}

// keyAlgorithm names a CA key: "RSA-4096", "ECDSA-P-384", ….
func keyAlgorithm(pub crypto.PublicKey) string {
	if k, ok := pub.(*rsa.PublicKey); ok {
		return fmt.Sprintf("RSA-%d", k.N.BitLen())
	}
	return keyClass(pub)
}
