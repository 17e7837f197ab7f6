// Package profile holds the certificate templates of the authority: the applicant
// templates of SPEC §2 (forms, roles, desk checklists), the validation of application
// forms, the key policy, the to-be-signed certificates of subscribers, staff and CAs
// following PROFILE.md (the Kazakh national CA's profile), and Parse, which reads the
// national identity back out of any such certificate (GOST ones included).
//
// It is pure: no I/O, no clock, no randomness; read-only tables only. Errors for bad
// input are *core.Error values of kind KindInvalid (the form) or KindUnprocessable
// (the key) whose Detail starts with the JSON name of the offending field.
//
// Decisions where PROFILE.md is silent or marks a fact unconfirmed:
//   - SSL subject: CN = the domain; an individual's SERIALNUMBER=IIN… and C=KZ; an
//     organisation's C=KZ, [L, S], O, OU=BIN…; no personal names (the certificate is
//     public and names a site). SAN: dNSName = domain, then the extra domains. No
//     wildcards, no IDNs. EKU serverAuth only (no clientAuth) + the role OIDs; key
//     usage digitalSignature+keyEncipherment (RSA) or digitalSignature (ECDSA);
//     policy 1.2.398.3.3.2.2 (legal) / 1.2.398.3.3.2.4 (individual); no keystore
//     extension (the key comes from a CSR, not a PKCS#12 file).
//   - E-mail: E=… in the subject and rfc822Name in the SAN for legal templates only
//     (RFC 5280 §4.1.2.6 requires the SAN when E is present); individuals' certificates
//     carry no e-mail, like the national CA's.
//   - Treasury-Client: businessCategory and DC come last, after G and E.
//   - E-Notariat: subject of an individual, roles individual + the system role OID;
//     the notary is 1.2.398.6.1.1.1.1, the other system roles are provisionally
//     1.2.398.6.1.1.1.2–.7 in SPEC order.
//   - C=KZ for everyone, non-residents included (the country of the IIN/BIN).
//   - Staff: AUTH, policy 1.2.398.3.3.2.2, O = the authority's organisation.
//   - Issuing CA policies: 1.2.398.3.3.2 plus the four subscriber policies (no
//     anyPolicy); root: 1.2.398.3.1.2 without qualifiers.
//   - SKI: RFC 5280 method 1 (SHA-1 of the subjectPublicKey bits); the national test
//     CA hashes the whole SubjectPublicKeyInfo, which relying parties never recompute.
package profile
