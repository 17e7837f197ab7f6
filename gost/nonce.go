package gost

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/binary"
	"hash"
)

// nonceLabel separates the nonce derivation from any other use of HMAC keyed with a
// private scalar.
const nonceLabel = "opennca gost R 34.10 nonce v1"

// nonceSource derives hedged nonce candidates: candidate number i is
//
//	HMAC-SHA512(d, label ‖ 0 ‖ curve name ‖ 0 ‖ BE32(i) ‖ BE32(j) ‖ entropy ‖ digest)
//
// for j = 0, 1, … concatenated up to the requested length, where d is the private scalar
// (little-endian), entropy 64 fresh bytes from the caller's random source and digest the
// message digest. It is RFC 6979 in spirit (the nonce is a PRF of the key and the
// message, so a broken random source cannot make two messages share a nonce) and hedged
// with fresh randomness (so signatures are not deterministic, which blunts fault and
// side-channel attacks on deterministic signing).
type nonceSource struct {
	mac     hash.Hash
	prefix  []byte
	entropy []byte
	digest  []byte
	counter uint32
}

func newNonceSource(d, entropy, digest []byte, curveName string) *nonceSource {
	prefix := make([]byte, 0, len(nonceLabel)+len(curveName)+2)
	prefix = append(prefix, nonceLabel...)
	prefix = append(prefix, 0)
	prefix = append(prefix, curveName...)
	prefix = append(prefix, 0)
	return &nonceSource{mac: hmac.New(sha512.New, d), prefix: prefix, entropy: entropy, digest: digest}
}

// next fills out with the next candidate.
func (n *nonceSource) next(out []byte) {
	var ctr [8]byte
	binary.BigEndian.PutUint32(ctr[:4], n.counter)
	n.counter++
	var block [sha512.Size]byte
	for j, off := uint32(0), 0; off < len(out); j++ {
		binary.BigEndian.PutUint32(ctr[4:], j)
		n.mac.Reset()
		n.mac.Write(n.prefix)
		n.mac.Write(ctr[:])
		n.mac.Write(n.entropy)
		n.mac.Write(n.digest)
		off += copy(out[off:], n.mac.Sum(block[:0]))
	}
	clear(block[:])
}
