// Package ownersig defines the bytes an owner signs to act on their own certificates
// and applications without visiting a registration centre: online revocation,
// renewal, and an organisation head's confirmation or rejection of an employee's
// application. The server (package ra) and the clients (package client, cmd/eds)
// build and read the same bytes with this package; docs/owner.md describes them.
//
// A payload is UTF-8 text, lines ended by "\n", in this fixed order:
//
//	nca-owner-request-v1
//	action=<revoke|renew|head_confirm|head_reject>
//	object=<certificate serial (hex) or application number>
//	nonce=<32 to 64 lower-case hex digits, fresh random>
//	time=<signing time, RFC 3339 UTC, seconds: 2026-11-23T14:05:00Z>
//	signer=<hex SHA-256 of the DER of the signer's certificate>
//	<key>=<value>     zero or more action fields, keys in byte order, each once
//
// Values hold no line breaks. The signature is over the exact payload bytes, with
// the signer's key and the algorithm its certificate names (RSA PKCS#1 v1.5 with
// SHA-256, ECDSA, or GOST 34.10 when GOST keys are issued). Parse accepts only
// payloads that Bytes reproduces byte for byte, so one request has one encoding.
package ownersig

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/opennca/nca/core"
)

// Magic is the first line of every payload; a new layout gets a new version.
const Magic = "nca-owner-request-v1"

// Actions.
const (
	ActionRevoke      = "revoke"
	ActionRenew       = "renew"
	ActionHeadConfirm = "head_confirm"
	ActionHeadReject  = "head_reject"
)

// Field keys of the actions.
const (
	// FieldReason is the revocation reason (revoke) or the rejection reason (head_reject).
	FieldReason = "reason"
	// FieldContent is the hex SHA-256 of the application content (head_confirm,
	// head_reject): see ApplicationDigest.
	FieldContent = "content"
	// FieldRequests lists the new keys of a renewal: "TYPE:hexsha256(CSR DER)" joined
	// by ",", in the order of the request body.
	FieldRequests = "requests"
	// FieldRevokeOld is "true" when the renewed certificates are to be revoked once
	// the new ones are issued, "false" to keep them until they expire.
	FieldRevokeOld = "revoke_old"
)

// Request is a parsed payload.
type Request struct {
	Action string
	Object string
	Nonce  string
	Time   time.Time
	// Signer is CertificateDigest of the signer's certificate.
	Signer string
	Fields map[string]string
}

// Bytes returns the canonical payload of r. Fields with empty keys are not written.
func (r Request) Bytes() []byte {
	var b strings.Builder
	b.WriteString(Magic + "\n")
	line := func(k, v string) { b.WriteString(k + "=" + v + "\n") }
	line("action", r.Action)
	line("object", r.Object)
	line("nonce", r.Nonce)
	line("time", r.Time.UTC().Format(time.RFC3339))
	line("signer", r.Signer)
	keys := make([]string, 0, len(r.Fields))
	for k := range r.Fields {
		if k != "" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		line(k, r.Fields[k])
	}
	return []byte(b.String())
}

// ErrMalformed is wrapped by every Parse error.
var ErrMalformed = errors.New("ownersig: malformed payload")

var headKeys = []string{"action", "object", "nonce", "time", "signer"}

// Parse reads a payload. It fails (wrapping ErrMalformed) unless the payload is in the
// canonical form Bytes writes.
func Parse(payload []byte) (Request, error) {
	s := string(payload)
	bad := func(format string, args ...any) (Request, error) {
		return Request{}, fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
	}
	if len(payload) > 8192 {
		return bad("longer than 8192 bytes")
	}
	body, ok := strings.CutPrefix(s, Magic+"\n")
	if !ok {
		return bad("the first line must be %s", Magic)
	}
	if !strings.HasSuffix(body, "\n") {
		return bad("the last line must end with a line feed")
	}
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	if len(lines) < len(headKeys) {
		return bad("%d lines: want at least %d", len(lines), len(headKeys))
	}
	r := Request{Fields: map[string]string{}}
	for i, l := range lines {
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" || strings.ContainsAny(l, "\r\x00") {
			return bad("line %d is not key=value", i+2)
		}
		if i < len(headKeys) {
			if k != headKeys[i] {
				return bad("line %d: want %s=", i+2, headKeys[i])
			}
			switch k {
			case "action":
				r.Action = v
			case "object":
				r.Object = v
			case "nonce":
				r.Nonce = v
			case "time":
				t, err := time.Parse(time.RFC3339, v)
				if err != nil {
					return bad("time %q: %v", v, err)
				}
				r.Time = t.UTC()
			case "signer":
				r.Signer = v
			}
			continue
		}
		if _, dup := r.Fields[k]; dup {
			return bad("field %s given twice", k)
		}
		r.Fields[k] = v
	}
	if string(r.Bytes()) != s {
		return bad("not in canonical form (field order, time format)")
	}
	if err := checkNonce(r.Nonce); err != nil {
		return Request{}, err
	}
	return r, nil
}

func checkNonce(n string) error {
	if len(n) < 32 || len(n) > 64 || strings.Trim(n, "0123456789abcdef") != "" {
		return fmt.Errorf("%w: the nonce must be 32 to 64 lower-case hex digits", ErrMalformed)
	}
	return nil
}

// NewNonce returns a nonce from 16 random bytes.
func NewNonce(random interface{ Read([]byte) (int, error) }) (string, error) {
	var b [16]byte
	if _, err := random.Read(b[:]); err != nil {
		return "", fmt.Errorf("ownersig: nonce: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// ApplicationDigest is the hex SHA-256 of an application's content as the head
// confirms it: its number, template, every field of the form (identity, contacts,
// organisation and role, domains, Treasury and E-Notariat fields) and the SHA-256 of
// each key request's DER, as "key=value" lines (docs/owner.md lists them in order).
func ApplicationDigest(a *core.Application) string {
	var b strings.Builder
	ap := a.Applicant
	for _, kv := range [][2]string{
		{"number", a.Number}, {"template", a.Template},
		{"iin", ap.IIN}, {"surname", ap.Surname}, {"name", ap.Name}, {"patronymic", ap.Patronymic},
		{"bin", ap.BIN}, {"organization", ap.Organization}, {"role", ap.Role},
		{"email", ap.Email}, {"phone", ap.Phone}, {"region", ap.Region}, {"city", ap.City},
		{"domain", ap.Domain}, {"extra_domains", strings.Join(ap.ExtraDomains, ",")},
		{"state_body_code", ap.StateBodyCode}, {"rnn", ap.RNN}, {"system_role", ap.SystemRole},
		{"residence_document", ap.ResidenceDocument},
	} {
		b.WriteString(kv[0] + "=" + kv[1] + "\n")
	}
	for _, r := range a.Requests {
		b.WriteString("request=" + string(r.Type) + ":" + CSRDigest(r.CSR) + "\n")
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// CertificateDigest is the hex SHA-256 of a certificate's DER: the signer line.
func CertificateDigest(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// CSRDigest is the hex SHA-256 of a PKCS#10 request's DER.
func CSRDigest(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// RenewalRequests is the FieldRequests value for the given key requests.
func RenewalRequests(reqs []core.KeyRequest) string {
	parts := make([]string, len(reqs))
	for i, r := range reqs {
		parts[i] = string(r.Type) + ":" + CSRDigest(r.CSR)
	}
	return strings.Join(parts, ",")
}
