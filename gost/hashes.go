package gost

import (
	"fmt"
	"hash"
	"sort"
	"strings"
)

// Hash identifies one of the hash functions of this package.
type Hash int

// The hash functions.
const (
	// HashGOST34311 is GOST 34.311-95 (Kazakhstan) = GOST R 34.11-94 with the "test"
	// S-box and H0 = 0; 32-byte digest.
	HashGOST34311 Hash = iota + 1
	// HashGOSTR341194CryptoPro is GOST R 34.11-94 with the CryptoPro S-box; 32 bytes.
	HashGOSTR341194CryptoPro
	// HashStreebog256 is GOST R 34.11-2012 / СТ РК ГОСТ Р 34.11-2015, 256-bit.
	HashStreebog256
	// HashStreebog512 is GOST R 34.11-2012 / СТ РК ГОСТ Р 34.11-2015, 512-bit.
	HashStreebog512
)

// New returns a new hash.Hash computing h, or nil if h is not a valid Hash.
func (h Hash) New() hash.Hash {
	switch h {
	case HashGOST34311:
		return NewGOST34311()
	case HashGOSTR341194CryptoPro:
		return NewGOSTR341194CryptoPro()
	case HashStreebog256:
		return NewStreebog256()
	case HashStreebog512:
		return NewStreebog512()
	}
	return nil
}

// Size returns the digest length of h in bytes (0 for an invalid Hash).
func (h Hash) Size() int {
	switch h {
	case HashGOST34311, HashGOSTR341194CryptoPro, HashStreebog256:
		return 32
	case HashStreebog512:
		return 64
	}
	return 0
}

// String returns the canonical name of h, as accepted by NewHashByName.
func (h Hash) String() string {
	switch h {
	case HashGOST34311:
		return "gost34311"
	case HashGOSTR341194CryptoPro:
		return "gostr3411-94-cryptopro"
	case HashStreebog256:
		return "streebog256"
	case HashStreebog512:
		return "streebog512"
	}
	return fmt.Sprintf("Hash(%d)", int(h))
}

var hashNames = map[string]Hash{
	"gost34311":              HashGOST34311,
	"gost34311-95":           HashGOST34311,
	"gost34.311-95":          HashGOST34311,
	"gostr3411-94-test":      HashGOST34311,
	"gostr3411-94-cryptopro": HashGOSTR341194CryptoPro,
	"md_gost94":              HashGOSTR341194CryptoPro,
	"streebog256":            HashStreebog256,
	"streebog-256":           HashStreebog256,
	"gost34112012-256":       HashStreebog256,
	"streebog512":            HashStreebog512,
	"streebog-512":           HashStreebog512,
	"gost34112012-512":       HashStreebog512,
}

// HashByName returns the Hash named name (case-insensitive): "gost34311" (GOST
// 34.311-95, test S-box; also "gost34311-95", "gostr3411-94-test"),
// "gostr3411-94-cryptopro", "streebog256" and "streebog512" (also "streebog-256",
// "gost34112012-256", …).
func HashByName(name string) (Hash, error) {
	h, ok := hashNames[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return 0, fmt.Errorf("gost: unknown hash %q (known: %s)", name, strings.Join(HashNames(), ", "))
	}
	return h, nil
}

// NewHashByName returns a new hash.Hash for a name accepted by HashByName, e.g.
// NewHashByName("streebog512"). Digests are in byte-stream order (what OpenSSL's
// gost-engine prints).
func NewHashByName(name string) (hash.Hash, error) {
	h, err := HashByName(name)
	if err != nil {
		return nil, err
	}
	return h.New(), nil
}

// HashNames returns the canonical hash names accepted by NewHashByName, sorted.
func HashNames() []string {
	names := []string{}
	for _, h := range []Hash{HashGOST34311, HashGOSTR341194CryptoPro, HashStreebog256, HashStreebog512} {
		names = append(names, h.String())
	}
	sort.Strings(names)
	return names
}
