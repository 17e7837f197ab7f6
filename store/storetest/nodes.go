package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/opennca/nca/audit"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/store"
)

// RunNodes checks what several authority nodes sharing one database rely on: open
// must return at least two independent store handles (own connections, as separate
// processes have) on one new, empty database. Work is spread over the handles at
// once; the suite checks that no application is issued twice, no update is lost, no
// CRL number is skipped or given twice and the audit chain does not fork.
func RunNodes(t *testing.T, open func(t *testing.T) []store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, nodes []store.Store)
	}{
		{"CRLNumbers", testNodesCRLNumbers},
		{"IssueOnce", testNodesIssueOnce},
		{"NoLostUpdate", testNodesNoLostUpdate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			nodes := open(t)
			if len(nodes) < 2 {
				t.Fatalf("RunNodes needs at least two handles, got %d", len(nodes))
			}
			tc.fn(t, nodes)
		})
	}
}

// onNodes runs perNode workers on every node at once and fails on the first error
// that ok does not accept.
func onNodes(t *testing.T, nodes []store.Store, perNode int, work func(node store.Store, worker int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(nodes)*perNode)
	start := make(chan struct{})
	for n, s := range nodes {
		for w := 0; w < perNode; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if err := work(s, n*perNode+w); err != nil {
					errs <- err
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func testNodesCRLNumbers(t *testing.T, nodes []store.Store) {
	ctx := context.Background()
	const perNode, each = 4, 25
	var mu sync.Mutex
	var got []int64
	onNodes(t, nodes, perNode, func(s store.Store, w int) error {
		for i := 0; i < each; i++ {
			var n int64
			err := s.Tx(ctx, func(tx store.Tx) (err error) {
				n, err = tx.NextCRLNumber(ctx, "NCA RSA")
				return err
			})
			if err != nil {
				return fmt.Errorf("worker %d: NextCRLNumber: %w", w, err)
			}
			mu.Lock()
			got = append(got, n)
			mu.Unlock()
		}
		return nil
	})
	slices.Sort(got)
	want := len(nodes) * perNode * each
	if len(got) != want {
		t.Fatalf("%d numbers, want %d", len(got), want)
	}
	for i, n := range got {
		if n != int64(i+1) {
			t.Fatalf("CRL numbers skipped or repeated: position %d holds %d", i, n)
		}
	}
}

// testNodesIssueOnce races every worker of every node to approve the same
// applications the way the workflow does: read the application, refuse unless it is
// accepted, store a certificate, move it to issued and append to the audit log, all in
// one transaction. Each application must end with exactly one certificate and one
// audit record, and the chain must verify.
func testNodesIssueOnce(t *testing.T, nodes []store.Store) {
	ctx := context.Background()
	const apps, perNode = 10, 3
	write(t, nodes[0], func(tx store.Tx) error {
		for i := 0; i < apps; i++ {
			a := minimalApplication(fmt.Sprintf("A-%d", i))
			a.State = core.StateAccepted
			if err := tx.InsertApplication(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	var mu sync.Mutex
	wins := map[string]int{}
	onNodes(t, nodes, perNode, func(s store.Store, w int) error {
		for i := 0; i < apps; i++ {
			number := fmt.Sprintf("A-%d", (i+w)%apps)
			err := s.Tx(ctx, func(tx store.Tx) error {
				a, err := tx.GetApplication(ctx, number)
				if err != nil {
					return err
				}
				if a.State != core.StateAccepted {
					return core.Errorf(core.KindConflict, "%s is already %s", number, a.State)
				}
				c := cert("NCA RSA", fmt.Sprintf("%x", w*1000+i+1), "key-of-"+number)
				c.Application = number
				if err := tx.InsertCertificate(ctx, c); err != nil {
					return err
				}
				a.State = core.StateIssued
				if err := tx.UpdateApplication(ctx, a, core.StateAccepted); err != nil {
					return err
				}
				r := core.AuditRecord{At: base, Actor: fmt.Sprintf("worker-%d", w), Action: "certificate.issue", Object: number}
				return tx.AppendAudit(ctx, &r)
			})
			switch {
			case err == nil:
				mu.Lock()
				wins[number]++
				mu.Unlock()
			case core.KindOf(err) != core.KindConflict:
				return fmt.Errorf("worker %d, %s: %w", w, number, err)
			}
		}
		return nil
	})
	read(t, nodes[len(nodes)-1], func(tx store.Tx) error {
		for i := 0; i < apps; i++ {
			number := fmt.Sprintf("A-%d", i)
			if wins[number] != 1 {
				t.Errorf("%s issued %d times", number, wins[number])
			}
			cs, err := tx.CertificatesByApplication(ctx, number)
			if err != nil {
				return err
			}
			if len(cs) != 1 {
				t.Errorf("%s has %d certificates, want 1", number, len(cs))
			}
		}
		log, err := tx.AuditLog(ctx, 0, 1000)
		if err != nil {
			return err
		}
		if len(log) != apps {
			t.Errorf("%d audit records, want %d", len(log), apps)
		}
		if err := audit.Verify(log, audit.Genesis); err != nil {
			t.Errorf("audit chain: %v", err)
		}
		return nil
	})
}

// testNodesNoLostUpdate has every worker append to one application's list without a
// state change (the optimistic state check cannot help): each append must survive.
func testNodesNoLostUpdate(t *testing.T, nodes []store.Store) {
	ctx := context.Background()
	const perNode, each = 3, 10
	write(t, nodes[0], func(tx store.Tx) error { return tx.InsertApplication(ctx, minimalApplication("A-1")) })
	onNodes(t, nodes, perNode, func(s store.Store, w int) error {
		for i := 0; i < each; i++ {
			err := s.Tx(ctx, func(tx store.Tx) error {
				a, err := tx.GetApplication(ctx, "A-1")
				if err != nil {
					return err
				}
				a.DocumentsPresented = append(a.DocumentsPresented, fmt.Sprintf("w%d-%d", w, i))
				return tx.UpdateApplication(ctx, a, a.State)
			})
			if err != nil {
				return fmt.Errorf("worker %d: %w", w, err)
			}
		}
		return nil
	})
	read(t, nodes[0], func(tx store.Tx) error {
		a, err := tx.GetApplication(ctx, "A-1")
		if err != nil {
			return err
		}
		if want := len(nodes) * perNode * each; len(a.DocumentsPresented) != want {
			t.Fatalf("%d appends survived, want %d: updates were lost", len(a.DocumentsPresented), want)
		}
		return nil
	})
}

// testDuplicateThenContinue: a duplicate insert leaves the transaction usable, so the
// workflow can draw another application number or serial in the same transaction.
func testDuplicateThenContinue(t *testing.T, s store.Store) {
	ctx := context.Background()
	write(t, s, func(tx store.Tx) error {
		if err := tx.InsertApplication(ctx, minimalApplication("A-1")); err != nil {
			return err
		}
		return tx.InsertCertificate(ctx, cert("NCA RSA", "01", "k1"))
	})
	write(t, s, func(tx store.Tx) error {
		if err := tx.InsertApplication(ctx, minimalApplication("A-1")); !errors.Is(err, core.ErrDuplicate) {
			return fmt.Errorf("duplicate application: got %v, want ErrDuplicate", err)
		}
		if err := tx.InsertApplication(ctx, minimalApplication("A-2")); err != nil {
			return fmt.Errorf("after a duplicate: %w", err)
		}
		if err := tx.InsertCertificate(ctx, cert("NCA RSA", "01", "k2")); !errors.Is(err, core.ErrDuplicate) {
			return fmt.Errorf("duplicate serial: got %v, want ErrDuplicate", err)
		}
		return tx.InsertCertificate(ctx, cert("NCA RSA", "02", "k2"))
	})
	read(t, s, func(tx store.Tx) error {
		if _, err := tx.GetApplication(ctx, "A-2"); err != nil {
			return err
		}
		_, err := tx.GetCertificate(ctx, "NCA RSA", "02")
		return err
	})
}
