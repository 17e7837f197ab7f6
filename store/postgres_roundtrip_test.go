package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/store"
	"github.com/opennca/nca/store/storetest"
)

// BenchmarkPostgresRoundTrip measures what one round trip to PostgreSQL costs the
// caller (a one-row status lookup through Store.ReadOne, about 0.03 ms of the
// server's work) after the connection has been idle for a gap: none (round trips
// back to back), 1 ms, and 12 ms (about the two RSA-4096 signatures of an approval,
// between its claim and its storing transaction). During the gap the caller either
// sleeps or keeps its core busy, as signing does. The figure q-us is the round trip
// alone, in microseconds; the gap is outside it. It shows what an approval's
// round trips cost beyond the server's work on a machine whose idle processors sleep
// (docs/performance.md). Needs NCA_TEST_DATABASE_URL. Run:
//
//	NCA_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test -run '^$' -bench PostgresRoundTrip -benchtime 300x ./store/
func BenchmarkPostgresRoundTrip(b *testing.B) {
	u := storetest.DatabaseURL()
	if u == "" {
		b.Skip(storetest.DatabaseURLEnv + " is not set")
	}
	ctx := context.Background()
	s := storetest.OpenPostgres(b, storetest.PostgresSchema(b, u))
	for _, gap := range []time.Duration{0, time.Millisecond, 12 * time.Millisecond} {
		for _, busy := range []bool{false, true} {
			if gap == 0 && busy {
				continue
			}
			name := "gap=" + gap.String()
			if gap > 0 {
				name += map[bool]string{false: "/sleeping", true: "/busy"}[busy]
			}
			b.Run(name, func(b *testing.B) {
				var rt time.Duration
				for b.Loop() {
					switch {
					case busy:
						for start := time.Now(); time.Since(start) < gap; {
						}
					case gap > 0:
						time.Sleep(gap)
					}
					start := time.Now()
					err := s.ReadOne(ctx, func(tx store.Tx) error {
						_, err := tx.CertificateStatus(ctx, "nca-rsa", "01")
						return err
					})
					rt += time.Since(start)
					if err != nil && !errors.Is(err, core.ErrNotFound) {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(rt.Microseconds())/float64(b.N), "q-us")
			})
		}
	}
}
