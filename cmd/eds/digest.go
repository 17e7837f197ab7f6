package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/opennca/nca/gost"
)

// cmdDigest prints GOST digests of files like sha256sum: "<hex>  <name>", the hex of
// the hash function's output byte stream.
func cmdDigest(ctx context.Context, a *app, args []string) error {
	fs := a.flags("digest", "eds digest --alg streebog256|streebog512|gost34311 FILE… (- for standard input)",
		`Prints the digest of each file in the format of sha256sum: the hex of the hash
output in byte-stream order (what OpenSSL's gost-engine prints), two spaces, the
file name. gost34311 is GOST 34.311-95 with the "test" S-box the national CA uses;
streebog256/512 are GOST R 34.11-2012 (СТ РК ГОСТ Р 34.11-2015).`)
	alg := fs.String("alg", "streebog256", "hash: "+strings.Join(gost.HashNames(), ", "))
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("digest", "missing FILE (use - for standard input)")
	}
	if _, err := gost.HashByName(*alg); err != nil {
		return usagef("digest", "%v", err)
	}
	for _, name := range pos {
		if err := ctx.Err(); err != nil {
			return err
		}
		sum, err := a.digestOf(*alg, name)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%s  %s\n", hex.EncodeToString(sum), name)
	}
	return nil
}

// digestOf hashes the file name ("-" = standard input) with hash alg.
func (a *app) digestOf(alg, name string) ([]byte, error) {
	h, err := gost.NewHashByName(alg)
	if err != nil {
		return nil, err
	}
	if name == "-" {
		if _, err := io.Copy(h, a.stdin); err != nil {
			return nil, fmt.Errorf("cannot read standard input: %w", err)
		}
		return h.Sum(nil), nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", name, err)
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", name, err)
	}
	return h.Sum(nil), nil
}
