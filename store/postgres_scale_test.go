package store_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"testing"
	"time"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/store"
	"github.com/opennca/nca/store/storetest"
)

const scaleIssuer = "NCA (RSA)"

// scaleCert is the i-th certificate of a filled database: IIN number i/2 (two
// certificates per person), a unique serial and key hash, and 600 bytes of DER.
func scaleCert(i int, der []byte) *core.Certificate {
	nb := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
	return &core.Certificate{
		Issuer: scaleIssuer, Serial: fmt.Sprintf("4%039x", i), Application: fmt.Sprintf("A-%010d", i/2),
		Template: "individual", Type: core.CertAuth, IIN: fmt.Sprintf("%012d", i/2),
		Subject: fmt.Sprintf("CN=PERSON %d", i/2), NotBefore: nb, NotAfter: nb.AddDate(1, 0, 0),
		KeyHash: fmt.Sprintf("%064x", i), DER: der, Status: core.CertGood,
	}
}

func TestPostgresCopyCertificates(t *testing.T) {
	u := postgresURL(t)
	s := storetest.OpenPostgres(t, storetest.PostgresSchema(t, u))
	ctx := context.Background()
	der := []byte{0x30, 0x82, 0x01}
	certs := []*core.Certificate{scaleCert(0, der), scaleCert(1, der), scaleCert(2, der)}
	if err := s.CopyCertificates(ctx, certs); err != nil {
		t.Fatal(err)
	}
	err := s.Read(ctx, func(tx store.Tx) error {
		got, err := tx.CertificatesByIIN(ctx, certs[0].IIN)
		if err != nil {
			return err
		}
		if len(got) != 2 || got[0].Serial != certs[1].Serial || got[1].Serial != certs[0].Serial {
			t.Fatalf("CertificatesByIIN after COPY: %+v", got)
		}
		c, err := tx.GetCertificate(ctx, scaleIssuer, certs[2].Serial)
		if err != nil {
			return err
		}
		if !c.NotBefore.Equal(certs[2].NotBefore) || string(c.DER) != string(der) || c.KeyHash != certs[2].KeyHash {
			t.Fatalf("GetCertificate after COPY: %+v", c)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A duplicate fails the whole COPY.
	if err := s.CopyCertificates(ctx, []*core.Certificate{scaleCert(3, der), scaleCert(0, der)}); err == nil {
		t.Fatal("COPY of a duplicate succeeded")
	}
}

// BenchmarkPostgresScale fills one PostgreSQL schema with certificates through COPY,
// in steps up to 2,000,000, and at each step measures what runs against the big
// table in production: storing an issued certificate with its audit record
// (Issue), a status lookup by issuer and serial (GetCertificate, what OCSP and the
// status page do) and the cabinet listing of one person (CertificatesByIIN). Flat
// figures from step to step mean the indexes carry the load. Needs
// NCA_TEST_DATABASE_URL; takes several minutes and about 2 GB of disk. Run:
//
//	NCA_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test -run '^$' -bench PostgresScale -benchtime 2000x -timeout 60m ./store/
func BenchmarkPostgresScale(b *testing.B) {
	u := storetest.DatabaseURL()
	if u == "" {
		b.Skip(storetest.DatabaseURLEnv + " is not set")
	}
	ctx := context.Background()
	s := storetest.OpenPostgres(b, storetest.PostgresSchema(b, u))
	der := make([]byte, 600)
	if _, err := rand.Read(der); err != nil {
		b.Fatal(err)
	}
	filled := 0
	for _, step := range []int{100_000, 500_000, 1_000_000, 2_000_000} {
		start := time.Now()
		const batch = 50_000
		for filled < step {
			n := min(batch, step-filled)
			certs := make([]*core.Certificate, n)
			for j := range certs {
				certs[j] = scaleCert(filled+j, der)
			}
			if err := s.CopyCertificates(ctx, certs); err != nil {
				b.Fatal(err)
			}
			filled += n
		}
		if _, err := s.DB().ExecContext(ctx, "ANALYZE certificates"); err != nil {
			b.Fatal(err)
		}
		b.Logf("filled to %d certificates (%.0f s for this step)", filled, time.Since(start).Seconds())
		rows := filled
		b.Run(fmt.Sprintf("rows=%d/Issue", rows), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				var kh [32]byte
				rand.Read(kh[:])
				c := scaleCert(0, der)
				c.Serial, c.KeyHash, c.IIN = "5"+hex.EncodeToString(kh[:19]), hex.EncodeToString(kh[:]), "9"+hex.EncodeToString(kh[:6])[:11]
				err := s.Tx(ctx, func(tx store.Tx) error {
					if err := tx.InsertCertificate(ctx, c); err != nil {
						return err
					}
					r := core.AuditRecord{At: time.Now(), Actor: "bench", Action: "certificate.issue", Object: c.Serial}
					return tx.AppendAudit(ctx, &r)
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("rows=%d/GetCertificate", rows), func(b *testing.B) {
			want := scaleCert(rows/3, nil)
			b.ReportMetric(pages(b, s, `SELECT * FROM certificates WHERE issuer = $1 AND serial = $2`, scaleIssuer, want.Serial), "pages/op")
			for i := 0; i < b.N; i++ {
				want := scaleCert(mrand.IntN(rows), nil)
				err := s.Read(ctx, func(tx store.Tx) error {
					c, err := tx.GetCertificate(ctx, scaleIssuer, want.Serial)
					if err == nil && c.KeyHash != want.KeyHash {
						err = fmt.Errorf("got %s", c.KeyHash)
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("rows=%d/CertificatesByIIN", rows), func(b *testing.B) {
			want := scaleCert(2*(rows/6), nil)
			b.ReportMetric(pages(b, s, `SELECT * FROM certificates WHERE iin = $1 ORDER BY not_before DESC, issuer, serial`, want.IIN), "pages/op")
			for i := 0; i < b.N; i++ {
				want := scaleCert(2*mrand.IntN(rows/2), nil)
				err := s.Read(ctx, func(tx store.Tx) error {
					cs, err := tx.CertificatesByIIN(ctx, want.IIN)
					if err == nil && len(cs) != 2 {
						err = fmt.Errorf("%d certificates of %s", len(cs), want.IIN)
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// pages returns how many buffer pages (shared hits and reads) PostgreSQL touches to
// run query once, from EXPLAIN (ANALYZE, BUFFERS): a cost measure that does not move
// with the machine's load, and that stays flat when the plan is an index lookup.
func pages(b *testing.B, s *store.Postgres, query string, args ...any) float64 {
	b.Helper()
	var plan string
	if err := s.DB().QueryRowContext(context.Background(), "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "+query, args...).Scan(&plan); err != nil {
		b.Fatal(err)
	}
	var out []struct {
		Plan struct {
			Hit  float64 `json:"Shared Hit Blocks"`
			Read float64 `json:"Shared Read Blocks"`
		} `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(plan), &out); err != nil || len(out) != 1 {
		b.Fatalf("EXPLAIN output: %v\n%s", err, plan)
	}
	return out[0].Plan.Hit + out[0].Plan.Read
}
