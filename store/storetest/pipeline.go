package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/opennca/nca/audit"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/store"
)

// testPipeline checks Tx.Pipeline: the writes made inside are stored as made (and
// read back inside by a later read), an audit chain appended inside links to the one
// before, and a write that fails inside (a duplicate certificate, an application
// changed meanwhile, a lost claim) fails Pipeline and the transaction with its own
// error, leaving nothing stored.
func testPipeline(t *testing.T, s store.Store) {
	ctx := context.Background()
	write(t, s, func(tx store.Tx) error {
		if err := tx.InsertApplication(ctx, minimalApplication("A-1")); err != nil {
			return err
		}
		r := auditRecord(0)
		return tx.AppendAudit(ctx, &r)
	})
	write(t, s, func(tx store.Tx) error {
		return tx.ClaimIssuance(ctx, &store.IssuanceClaim{Application: "A-1", Actor: "staff:1", ClaimedAt: at(0), Serials: []string{"nca-rsa/01"}})
	})
	claim := &store.IssuanceClaim{Application: "A-1", Actor: "staff:1", ClaimedAt: at(0), Serials: []string{"nca-rsa/01"}}
	a := minimalApplication("A-1")
	a.State, a.UpdatedAt = core.StateIssued, at(time.Minute)
	write(t, s, func(tx store.Tx) error {
		return tx.Pipeline(ctx, func() error {
			if err := tx.InsertCertificate(ctx, cert("NCA RSA", "01", "k1")); err != nil {
				return err
			}
			m := &store.Message{Channel: store.ChannelEmail, Recipient: "a@example.kz", Kind: "issued", CreatedAt: at(0)}
			if ok, err := tx.EnqueueMessage(ctx, m); err != nil || !ok {
				return errors.Join(err, errors.New("enqueue: not enqueued"))
			}
			r := auditRecord(1)
			if err := tx.AppendAudit(ctx, &r); err != nil {
				return err
			}
			if err := tx.CompleteIssuance(ctx, claim, at(time.Minute)); err != nil {
				return err
			}
			if err := tx.UpdateApplication(ctx, a, core.StateAwaitingIdentification); err != nil {
				return err
			}
			if err := tx.AddEvent(ctx, core.Event{Number: "A-1", At: at(time.Minute), From: core.StateAwaitingIdentification, To: core.StateIssued, Action: "approve", Actor: "staff:1"}); err != nil {
				return err
			}
			// A read inside sees the writes before it.
			got, err := tx.CertificateByKeyHash(ctx, "k1")
			if err != nil || got.Serial != "01" {
				t.Errorf("certificate read back inside the pipeline: %v, %v", got, err)
			}
			r = auditRecord(2)
			return tx.AppendAudit(ctx, &r)
		})
	})
	read(t, s, func(tx store.Tx) error {
		if _, err := tx.CertificateByKeyHash(ctx, "k1"); err != nil {
			t.Errorf("certificate: %v", err)
		}
		got, err := tx.GetApplication(ctx, "A-1")
		if err != nil || got.State != core.StateIssued {
			t.Errorf("application: %+v, %v", got, err)
		}
		ev, err := tx.Events(ctx, "A-1")
		if err != nil || len(ev) != 1 {
			t.Errorf("events: %v, %v", ev, err)
		}
		c, err := tx.IssuanceClaim(ctx, "A-1")
		if err != nil || c.CompletedAt == nil {
			t.Errorf("claim: %+v, %v", c, err)
		}
		log, err := tx.AuditLog(ctx, 0, 0)
		if err != nil || len(log) != 3 {
			t.Fatalf("audit log: %d records, %v", len(log), err)
		}
		if err := audit.Verify(log, audit.Genesis); err != nil {
			t.Errorf("audit chain: %v", err)
		}
		return nil
	})

	// Failures inside: each fails the transaction with its own error (from Pipeline,
	// or from the commit the writes went out with) and nothing is stored.
	fails := []struct {
		name string
		fn   func(tx store.Tx) error
		want func(error) bool
	}{
		{"duplicate certificate", func(tx store.Tx) error { return tx.InsertCertificate(ctx, cert("NCA RSA", "01", "k9")) },
			func(err error) bool { return errors.Is(err, core.ErrDuplicate) }},
		{"application changed meanwhile", func(tx store.Tx) error { return tx.UpdateApplication(ctx, a, core.StateAwaitingIdentification) },
			func(err error) bool { return core.KindOf(err) == core.KindConflict }},
		{"claim no longer open", func(tx store.Tx) error { return tx.CompleteIssuance(ctx, claim, at(time.Hour)) },
			func(err error) bool { return core.KindOf(err) == core.KindConflict }},
	}
	for _, f := range fails {
		err := s.Tx(ctx, func(tx store.Tx) error {
			return tx.Pipeline(ctx, func() error {
				if err := tx.InsertCertificate(ctx, cert("NCA RSA", "02", "k2")); err != nil {
					return err
				}
				r := auditRecord(3)
				if err := tx.AppendAudit(ctx, &r); err != nil {
					return err
				}
				return f.fn(tx)
			})
		})
		if !f.want(err) {
			t.Errorf("%s: Tx = %v", f.name, err)
		}
		read(t, s, func(tx store.Tx) error {
			if _, err := tx.CertificateByKeyHash(ctx, "k2"); !errors.Is(err, core.ErrNotFound) {
				t.Errorf("%s: the certificate before the failure was stored (%v)", f.name, err)
			}
			log, err := tx.AuditLog(ctx, 0, 0)
			if err != nil || len(log) != 3 {
				t.Errorf("%s: audit log has %d records (%v), want 3", f.name, len(log), err)
			}
			return nil
		})
	}
}

// testTxNoSync checks that a TxNoSync transaction is a transaction like Tx (its
// writes stored, its failure rolled back), and that a Tx after it still commits.
func testTxNoSync(t *testing.T, s store.Store) {
	ctx := context.Background()
	if err := s.TxNoSync(ctx, func(tx store.Tx) error { return tx.InsertApplication(ctx, minimalApplication("A-1")) }); err != nil {
		t.Fatal(err)
	}
	fail := errors.New("fail")
	if err := s.TxNoSync(ctx, func(tx store.Tx) error {
		if err := tx.InsertApplication(ctx, minimalApplication("A-2")); err != nil {
			return err
		}
		return fail
	}); !errors.Is(err, fail) {
		t.Fatalf("failed TxNoSync = %v", err)
	}
	write(t, s, func(tx store.Tx) error { return tx.InsertApplication(ctx, minimalApplication("A-3")) })
	read(t, s, func(tx store.Tx) error {
		for n, want := range map[string]bool{"A-1": true, "A-2": false, "A-3": true} {
			_, err := tx.GetApplication(ctx, n)
			if got := err == nil; got != want {
				t.Errorf("application %s stored: %v, want %v (%v)", n, got, want, err)
			}
		}
		return nil
	})
}

// testReadOne: a one-query read sees committed data and reports absence like Read,
// refuses a second query and any write (storing nothing), returns fn's error, and
// leaves no transaction behind: many of them in a row, then a write transaction.
func testReadOne(t *testing.T, s store.Store) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	write(t, s, func(tx store.Tx) error { return tx.InsertApplication(ctx, fullApplication("A-1")) })
	for range 40 {
		var got *core.Application
		if err := s.ReadOne(ctx, func(tx store.Tx) error {
			var err error
			got, err = tx.GetApplication(ctx, "A-1")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		equal(t, "application", utc(got), utc(fullApplication("A-1")))
	}
	err := s.ReadOne(ctx, func(tx store.Tx) error {
		_, err := tx.GetApplication(ctx, "A-404")
		return err
	})
	wantIs(t, "missing application", err, core.ErrNotFound)
	err = s.ReadOne(ctx, func(tx store.Tx) error {
		if _, err := tx.GetApplication(ctx, "A-1"); err != nil {
			return err
		}
		_, err := tx.GetApplication(ctx, "A-1")
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "second query") {
		t.Fatalf("a second query in ReadOne = %v, want a refusal", err)
	}
	if err := s.ReadOne(ctx, func(tx store.Tx) error { return tx.InsertApplication(ctx, minimalApplication("A-2")) }); err == nil {
		t.Fatal("write inside ReadOne succeeded")
	}
	if err := s.ReadOne(ctx, func(tx store.Tx) error {
		_, err := tx.NextCRLNumber(ctx, "A")
		return err
	}); err == nil {
		t.Fatal("NextCRLNumber inside ReadOne succeeded")
	}
	fail := errors.New("fail")
	if err := s.ReadOne(ctx, func(store.Tx) error { return fail }); !errors.Is(err, fail) {
		t.Fatalf("ReadOne returned %v, want fn's error", err)
	}
	write(t, s, func(tx store.Tx) error { return tx.InsertApplication(ctx, minimalApplication("A-3")) })
	read(t, s, func(tx store.Tx) error {
		if _, err := tx.GetApplication(ctx, "A-2"); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("write inside ReadOne was stored: %v", err)
		}
		return nil
	})
}

// testPipelineAuditChain checks the audit chain of records appended inside Pipeline
// (on PostgreSQL chained by the database) from an empty log, between and after
// records appended outside it: Seq counts from 1 and the chain verifies, with
// multi-byte text and times with and without a fraction of a second.
func testPipelineAuditChain(t *testing.T, s store.Store) {
	ctx := context.Background()
	records := []core.AuditRecord{auditRecord(1), auditRecord(2), auditRecord(3), auditRecord(4), auditRecord(5)}
	records[0].At = time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC) // no fraction
	records[1].At = time.Date(2026, 3, 2, 10, 30, 0, 120000000, time.FixedZone("+05", 5*3600))
	records[2].Detail = "Сертификат берілді: ЖСН 760212350620, «ҚР ҰКО»"
	records[3].Address = ""
	appendAll := func(rs []core.AuditRecord, pipelined bool) {
		t.Helper()
		write(t, s, func(tx store.Tx) error {
			add := func() error {
				for i := range rs {
					if err := tx.AppendAudit(ctx, &rs[i]); err != nil {
						return err
					}
				}
				return nil
			}
			if pipelined {
				return tx.Pipeline(ctx, add)
			}
			return add()
		})
	}
	appendAll(records[:2], true)
	appendAll(records[2:3], false)
	appendAll(records[3:], true)
	read(t, s, func(tx store.Tx) error {
		log, err := tx.AuditLog(ctx, 0, 0)
		if err != nil {
			return err
		}
		if len(log) != len(records) {
			t.Fatalf("%d records, want %d", len(log), len(records))
		}
		for i, r := range log {
			want := records[i]
			if r.Seq != int64(i+1) || !r.At.Equal(want.At) || r.Actor != want.Actor || r.Detail != want.Detail || r.Address != want.Address {
				t.Errorf("record %d = %+v, want seq %d and the fields of %+v", i, r, i+1, want)
			}
		}
		if err := audit.Verify(log, audit.Genesis); err != nil {
			t.Errorf("audit chain: %v", err)
		}
		return nil
	})
}
