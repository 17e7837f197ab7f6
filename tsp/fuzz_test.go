package tsp_test

import (
	"context"
	"crypto/sha256"
	"math/big"
	"testing"

	"github.com/opennca/nca/tsp"
)

// FuzzStamp: any request body gets a TimeStampResp that parses — a granted one whose
// token verifies against the request's imprint, or a rejection with a failure bit —
// and nothing panics. Run: go test ./tsp -run '^$' -fuzz FuzzStamp -fuzztime 1m
func FuzzStamp(f *testing.F) {
	e := newBenchEnv(f)
	sum := sha256.Sum256([]byte("x"))
	for _, c := range []struct {
		policy  []int
		nonce   *big.Int
		certReq bool
	}{{nil, nil, false}, {[]int{1, 2, 398, 3, 3, 2, 6, 1}, big.NewInt(7), true}, {[]int{1, 2, 398, 3, 3, 2, 6, 2}, big.NewInt(1 << 40), false}} {
		req, err := tsp.NewRequest(oidSHA256, sum[:], c.policy, c.nonce, c.certReq)
		if err != nil {
			f.Fatal(err)
		}
		der, _ := req.Marshal()
		f.Add(der)
	}
	f.Add([]byte{})
	f.Add([]byte("junk"))
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, der []byte) {
		ans := e.srv.Stamp(ctx, "", der)
		resp, err := tsp.ParseResponse(ans.DER)
		if err != nil {
			t.Fatalf("%s answer does not parse: %v", ans.Result, err)
		}
		switch ans.Result {
		case "granted":
			req, err := tsp.ParseRequest(der)
			if err != nil {
				t.Fatalf("granted a request that does not parse: %v", err)
			}
			tok, err := tsp.ParseToken(resp.Token)
			if err != nil {
				t.Fatal(err)
			}
			opts := tsp.VerifyOptions{Digest: req.Imprint.HashedMessage, Nonce: req.Nonce}
			if !req.CertReq {
				opts.Certificate = e.srv.Stampers()[ans.CA].Cert
			}
			if _, err := tok.Verify(opts); err != nil {
				t.Fatalf("granted token does not verify: %v", err)
			}
		case "rejected":
			if resp.Status != tsp.StatusRejection || resp.Fail < 0 {
				t.Fatalf("rejection %+v", resp)
			}
		default:
			t.Fatalf("result %q for %x", ans.Result, der)
		}
	})
}
