package store_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/store"
)

// BenchmarkCertificateStatus measures one OCSP status lookup (by issuer and serial,
// through the primary key) in stores of different sizes: the cost must stay that of
// an index probe. Sizes come from NCA_BENCH_STATUS_SIZES (default
// "100000,2000000"); filling the large store takes a few minutes.
//
//	go test ./store -run '^$' -bench CertificateStatus -benchtime 20000x
func BenchmarkCertificateStatus(b *testing.B) {
	sizes := os.Getenv("NCA_BENCH_STATUS_SIZES")
	if sizes == "" {
		sizes = "100000,2000000"
	}
	for _, f := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			b.Fatalf("NCA_BENCH_STATUS_SIZES: %q", f)
		}
		b.Run(fmt.Sprintf("certificates=%d", n), func(b *testing.B) {
			ctx := context.Background()
			st, err := store.OpenSQLite(ctx, filepath.Join(b.TempDir(), "nca.db"), nil)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			serials := fill(b, st, n)
			b.ResetTimer()
			i := 0
			for b.Loop() {
				s := serials[i%len(serials)]
				i++
				if err := st.Read(ctx, func(tx store.Tx) error {
					_, err := tx.CertificateStatus(ctx, "nca-rsa", s)
					return err
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// fill inserts n certificates (1% revoked) with random 20-byte serials and returns
// up to 10,000 of their serials, spread over the table.
func fill(b *testing.B, st store.Store, n int) []string {
	b.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	var sample []string
	every := max(n/10000, 1)
	const batch = 20000
	for done := 0; done < n; done += batch {
		err := st.Tx(ctx, func(tx store.Tx) error {
			for i := done; i < min(done+batch, n); i++ {
				raw := make([]byte, 20)
				rand.Read(raw)
				raw[0] = raw[0]&0x7f | 0x40
				serial := new(big.Int).SetBytes(raw).Text(16)
				c := &core.Certificate{Serial: serial, Issuer: "nca-rsa", Type: core.CertSign, Subject: "CN=bench",
					NotBefore: now, NotAfter: now.AddDate(1, 0, 0), KeyHash: hex.EncodeToString(raw), DER: raw}
				if err := tx.InsertCertificate(ctx, c); err != nil {
					return err
				}
				if i%100 == 0 {
					if err := tx.RevokeCertificate(ctx, "nca-rsa", serial, core.ReasonKeyCompromise, now, nil); err != nil {
						return err
					}
				}
				if i%every == 0 {
					sample = append(sample, serial)
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return sample
}
