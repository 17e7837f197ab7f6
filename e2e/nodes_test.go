package e2e

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/opennca/nca/core"
)

// TestTwoServersOneDatabase runs two `nca serve` processes on one database (one
// PostgreSQL schema when the suite runs against PostgreSQL, else one SQLite file) and
// one data folder, as two nodes behind a load balancer. An application submitted and
// accepted through one node is approved through both at the same moment: exactly one
// approval issues the certificates, the other is refused with a conflict, and the
// other node reports the issued state.
func TestTwoServersOneDatabase(t *testing.T) {
	w := newWorld(t)
	s2 := start(t, w.b, w.s.data)
	if s2.url == w.s.url {
		t.Fatal("both nodes listen on one address")
	}
	keys := filepath.Join(w.dir, "citizen")
	must(t, w.b, citizenPW, "keygen", "--dir", keys)
	out := must(t, w.b, citizenPW, w.applyArgs(w.demo("individual", "", ""), keys)...)
	number := strings.TrimSpace(strings.SplitN(out, "\n", 2)[0])

	if show := w.desk("show", number); !strings.Contains(show, number) {
		t.Fatalf("desk show:\n%s", show)
	}
	w.desk("accept", number, "--doc", "identity_document")

	operator := filepath.Join(w.s.data, "operator.p12")
	var wg sync.WaitGroup
	results := make([]result, 2)
	for i, url := range []string{w.s.url, s2.url} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = eds(t, w.b, w.s.opPass, "desk", "approve", "--server", url, "--key", operator, number)
		}()
	}
	wg.Wait()
	ok := 0
	for i, r := range results {
		switch {
		case r.code == 0:
			ok++
		case !strings.Contains(strings.ToLower(r.stdout+r.stderr), "issued") && !strings.Contains(strings.ToLower(r.stdout+r.stderr), "conflict"):
			t.Errorf("node %d refused the approval without saying why: exit %d\n%s%s", i+1, r.code, r.stdout, r.stderr)
		}
	}
	if ok != 1 {
		t.Fatalf("%d approvals succeeded, want exactly 1:\n%+v", ok, results)
	}
	w.s = s2 // read the status through the other node
	st := w.status(number)
	if st.State != core.StateIssued || len(st.Certificates) != 2 {
		t.Fatalf("status through node 2: %s with %d certificates", st.State, len(st.Certificates))
	}
}
