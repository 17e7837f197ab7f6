package ca

// PKCS11Config names a token of a hardware security module.
type PKCS11Config struct {
	// Module is the path of the vendor's PKCS#11 library, e.g.
	// /usr/lib/softhsm/libsofthsm2.so.
	Module string
	// TokenLabel selects the token (slot) by its label.
	TokenLabel string
	// PIN is the user PIN. Read it from a file or the environment; it is never logged.
	PIN string
}
