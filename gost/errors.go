package gost

import "errors"

// Errors returned by this package; callers test them with errors.Is (the returned
// errors are wrapped with context).
var (
	// ErrInvalidSignature is returned by Verify when the signature does not verify.
	ErrInvalidSignature = errors.New("gost: invalid signature")
	// ErrInvalidPublicKey is wrapped by errors about malformed or invalid public keys.
	ErrInvalidPublicKey = errors.New("gost: invalid public key")
	// ErrInvalidPrivateKey is wrapped by errors about malformed or out-of-range
	// private keys.
	ErrInvalidPrivateKey = errors.New("gost: invalid private key")
	// ErrInvalidLayout is returned for a SignatureLayout other than LayoutRFC4491 and
	// LayoutKazakh.
	ErrInvalidLayout = errors.New("gost: invalid signature layout")
)

var (
	errPointLength   = errors.New("wrong length")
	errPointRange    = errors.New("coordinate not below p")
	errPointOffCurve = errors.New("point is not on the curve")
	errPointSubgroup = errors.New("point is not in the subgroup of order q")
)
