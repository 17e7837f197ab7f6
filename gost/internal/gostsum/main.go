// Command gostsum prints the digest of files with one of the hash functions of package
// gost. It exists for scripts/bench-streebog.sh, which times it against OpenSSL's
// gost-engine on the same file; the project's CLI (eds digest) is elsewhere.
//
// Usage: go run ./gost/internal/gostsum [-hash streebog512] FILE...
package main

import (
	"bufio"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/opennca/nca/gost"
)

func main() {
	name := flag.String("hash", "streebog512", "hash function: one of gost.HashNames()")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: gostsum [-hash NAME] FILE...")
		os.Exit(2)
	}
	for _, path := range flag.Args() {
		sum, err := digestFile(*name, path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gostsum:", err)
			os.Exit(1)
		}
		fmt.Printf("%s *%s\n", sum, path)
	}
}

func digestFile(name, path string) (string, error) {
	h, err := gost.NewHashByName(name)
	if err != nil {
		return "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := io.Copy(h, bufio.NewReaderSize(f, 1<<20)); err != nil {
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
