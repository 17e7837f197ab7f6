package ra

import (
	"sync"
	"testing"

	"github.com/opennca/nca/audit"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/profile"
	"github.com/opennca/nca/store"
	"github.com/opennca/nca/store/storetest"
)

// TestApproveOnSeveralNodes runs three workflow services, each on its own store handle
// of one database (as three `nca serve` nodes on one PostgreSQL, or processes on one
// SQLite file), sharing the CA. Operators on every node approve the same applications
// at once: each application is issued exactly once (two certificates), the others get
// a conflict, and the audit chain stays one verified chain.
func TestApproveOnSeveralNodes(t *testing.T) {
	e := newEnv(t)
	nodes := storetest.NewNodes(t, 3)
	svcs := make([]*Service, len(nodes))
	for i, st := range nodes {
		svcs[i] = New(Config{Store: st, Registry: e.reg, Signer: e.ca, Now: e.clock.Now})
	}
	// Prepare the applications through node 0.
	e.store, e.svc = nodes[0], svcs[0]
	const apps = 4
	var numbers []string
	for i := 0; i < apps; i++ {
		a := e.submit(e.demo(profile.Individual, ""))
		e.acceptAll(a.Number)
		numbers = append(numbers, a.Number)
	}
	type result struct {
		node   int
		number string
		certs  int
		err    error
	}
	results := make(chan result, len(svcs)*apps)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for n, svc := range svcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := range numbers {
				number := numbers[(i+n)%apps]
				_, certs, err := svc.Approve(e.ctx, e.staff, number)
				results <- result{n, number, len(certs), err}
			}
		}()
	}
	close(start)
	wg.Wait()
	close(results)
	wins := map[string]int{}
	for r := range results {
		switch {
		case r.err == nil:
			wins[r.number]++
			if r.certs != 2 {
				t.Errorf("node %d issued %d certificates for %s", r.node, r.certs, r.number)
			}
		case core.KindOf(r.err) != core.KindConflict:
			t.Errorf("node %d, %s: %v (want success or a conflict)", r.node, r.number, r.err)
		}
	}
	err := nodes[2].Read(e.ctx, func(tx store.Tx) error {
		for _, n := range numbers {
			if wins[n] != 1 {
				t.Errorf("%s approved %d times", n, wins[n])
			}
			cs, err := tx.CertificatesByApplication(e.ctx, n)
			if err != nil {
				return err
			}
			if len(cs) != 2 {
				t.Errorf("%s has %d certificates, want 2", n, len(cs))
			}
		}
		log, err := tx.AuditLog(e.ctx, 0, 10000)
		if err != nil {
			return err
		}
		return audit.Verify(log, audit.Genesis)
	})
	if err != nil {
		t.Fatal(err)
	}
}
