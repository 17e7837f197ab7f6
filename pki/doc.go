// Package pki holds the encoders and signature plumbing shared by certificates, CRLs,
// OCSP responses and CMS: one place that knows, for a signing key, which
// AlgorithmIdentifier goes into a to-be-signed structure and how the signature value
// is made and checked — RSA, ECDSA and the national GOST algorithms alike.
//
// The package does no I/O and keeps no state: the callers (package ca for CA keys,
// the subscriber's client for its own keys) hold the keys.
package pki
