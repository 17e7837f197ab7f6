package tsp_test

import (
	"context"
	"crypto/sha256"
	"testing"

	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/tsp"
)

// BenchmarkStamp measures one time stamp through Server.Stamp (the request read, a
// TSTInfo, a CMS signature by the TSA key, the response), without HTTP, for the
// RSA-2048 TSA of the RSA CA and the GOST 34.10-2015 TSA of the GOST CA. Run:
//
//	go test -run '^$' -bench Stamp -benchtime 2s ./tsp
func BenchmarkStamp(b *testing.B) {
	for _, c := range []struct{ name, ca string }{{"rsa", ca.IssuingRSA}, {"gost", ca.IssuingGOST}} {
		b.Run(c.name, func(b *testing.B) {
			e := newBenchEnv(b)
			sum := sha256.Sum256([]byte("a document"))
			req, err := tsp.NewRequest(oidSHA256, sum[:], nil, nil, true)
			if err != nil {
				b.Fatal(err)
			}
			der, _ := req.Marshal()
			ctx := context.Background()
			for b.Loop() {
				if ans := e.srv.Stamp(ctx, c.ca, der); ans.Result != "granted" {
					b.Fatalf("%s: %s", c.ca, ans.Result)
				}
			}
		})
	}
}
