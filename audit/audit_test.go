package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/opennca/nca/core"
)

// chain builds n linked records starting at seq 1.
func chain(n int) []core.AuditRecord {
	at := time.Date(2026, 3, 1, 9, 0, 0, 123456789, time.FixedZone("ALMT", 5*3600))
	prev := Genesis
	var rs []core.AuditRecord
	for i := 1; i <= n; i++ {
		r := core.AuditRecord{
			Seq:      int64(i),
			At:       at.Add(time.Duration(i) * time.Minute),
			Actor:    fmt.Sprintf("iin:87100840142%d", i%10),
			Action:   "application.submit",
			Object:   fmt.Sprintf("A-%04d", i),
			Address:  "192.0.2.1",
			Detail:   "detail",
			PrevHash: prev,
		}
		r.Hash = Hash(prev, r)
		prev = r.Hash
		rs = append(rs, r)
	}
	return rs
}

func TestVerifyIntact(t *testing.T) {
	rs := chain(5)
	if err := Verify(rs, Genesis); err != nil {
		t.Fatal(err)
	}
	if err := Verify(rs[2:], rs[1].Hash); err != nil {
		t.Fatalf("window: %v", err)
	}
	if err := Verify(nil, Genesis); err != nil {
		t.Fatal(err)
	}
	if len(rs[0].Hash) != 64 {
		t.Fatalf("hash %q is not 64 hex digits", rs[0].Hash)
	}
}

func TestHashIndependentOfZone(t *testing.T) {
	r := chain(1)[0]
	u := r
	u.At = r.At.UTC()
	if Hash(Genesis, r) != Hash(Genesis, u) {
		t.Fatal("hash depends on the time zone of At")
	}
}

func TestHashUnambiguous(t *testing.T) {
	a := core.AuditRecord{Seq: 1, Actor: "ab", Action: "c"}
	b := core.AuditRecord{Seq: 1, Actor: "a", Action: "bc"}
	if Hash(Genesis, a) == Hash(Genesis, b) {
		t.Fatal("field boundaries are not part of the hash")
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	tamper := map[string]func(r *core.AuditRecord){
		"seq":       func(r *core.AuditRecord) { r.Seq += 10 },
		"at":        func(r *core.AuditRecord) { r.At = r.At.Add(time.Nanosecond) },
		"actor":     func(r *core.AuditRecord) { r.Actor = "system" },
		"action":    func(r *core.AuditRecord) { r.Action = "certificate.revoke" },
		"object":    func(r *core.AuditRecord) { r.Object = "A-9999" },
		"address":   func(r *core.AuditRecord) { r.Address = "198.51.100.7" },
		"detail":    func(r *core.AuditRecord) { r.Detail = "" },
		"prev_hash": func(r *core.AuditRecord) { r.PrevHash = Genesis },
		"hash":      func(r *core.AuditRecord) { r.Hash = Genesis },
	}
	for name, f := range tamper {
		t.Run(name, func(t *testing.T) {
			rs := chain(5)
			f(&rs[2])
			err := Verify(rs, Genesis)
			var ce *ChainError
			if !errors.As(err, &ce) {
				t.Fatalf("tampered %s not detected: %v", name, err)
			}
			if ce.Seq != rs[2].Seq {
				t.Fatalf("reported seq %d, want the tampered record's %d", ce.Seq, rs[2].Seq)
			}
		})
	}
}

func TestVerifyDetectsDeletionAndReorder(t *testing.T) {
	rs := chain(5)
	deleted := append(append([]core.AuditRecord{}, rs[:2]...), rs[3:]...)
	if err := Verify(deleted, Genesis); err == nil {
		t.Fatal("deleted record not detected")
	}
	// Deleting the first record is detected against the genesis hash.
	if err := Verify(rs[1:], Genesis); err == nil {
		t.Fatal("deleted first record not detected")
	}
	swapped := append([]core.AuditRecord{}, rs...)
	swapped[1], swapped[2] = swapped[2], swapped[1]
	err := Verify(swapped, Genesis)
	var ce *ChainError
	if !errors.As(err, &ce) || ce.Seq != 3 {
		t.Fatalf("swap: got %v, want break at seq 3", err)
	}
	// Renumbering the swapped records does not help: the hashes cover Seq.
	swapped[1].Seq, swapped[2].Seq = 2, 3
	if err := Verify(swapped, Genesis); err == nil {
		t.Fatal("renumbered swap not detected")
	}
}

// pages serves records as a Page would, counting the reads.
func pages(records []core.AuditRecord, reads *int) Page {
	return func(_ context.Context, after int64, limit int) ([]core.AuditRecord, error) {
		*reads++
		var out []core.AuditRecord
		for _, r := range records {
			if r.Seq > after && len(out) < limit {
				out = append(out, r)
			}
		}
		return out, nil
	}
}

// TestVerifyLog: a whole log is verified across page boundaries; a record deleted
// at a page boundary, a log that does not start at seq 1, a record altered in a later
// page and a failed read are reported with the record or the cause.
func TestVerifyLog(t *testing.T) {
	ctx := context.Background()
	rs := chain(7)
	reads := 0
	n, last, err := VerifyLog(ctx, pages(rs, &reads), 3)
	if err != nil || n != 7 || last.Seq != 7 || last.Hash != rs[6].Hash || reads != 4 {
		t.Fatalf("VerifyLog = %d, seq %d, %v after %d reads; want 7 records, seq 7, 4 reads", n, last.Seq, err, reads)
	}
	if n, last, err := VerifyLog(ctx, pages(nil, &reads), 3); err != nil || n != 0 || last.Seq != 0 {
		t.Fatalf("empty log: %d, %+v, %v", n, last, err)
	}
	var ce *ChainError
	gap := append(append([]core.AuditRecord{}, rs[:3]...), rs[4:]...) // seq 4, the first of page 2, gone
	if _, _, err := VerifyLog(ctx, pages(gap, &reads), 3); !errors.As(err, &ce) || ce.Seq != 5 {
		t.Fatalf("a record deleted at a page boundary: %v", err)
	}
	if _, _, err := VerifyLog(ctx, pages(rs[1:], &reads), 3); !errors.As(err, &ce) || ce.Seq != 2 {
		t.Fatalf("a log without its first record: %v", err)
	}
	altered := append([]core.AuditRecord{}, rs...)
	altered[5].Detail = "changed"
	if n, last, err := VerifyLog(ctx, pages(altered, &reads), 3); !errors.As(err, &ce) || ce.Seq != 6 || n != 5 || last.Seq != 5 {
		t.Fatalf("a record altered in the second page: %d records before, %v", n, err)
	}
	boom := errors.New("boom")
	failing := func(context.Context, int64, int) ([]core.AuditRecord, error) { return nil, boom }
	if _, _, err := VerifyLog(ctx, failing, 3); !errors.Is(err, boom) {
		t.Fatalf("a failed read: %v", err)
	}
}

// TestVerifyLogAnchors: anchors catch what the chain alone cannot: records cut off
// at the end, and a log replaced by another chain computed from the genesis.
func TestVerifyLogAnchors(t *testing.T) {
	ctx := context.Background()
	rs := chain(7)
	reads := 0
	at := func(i int) Anchor { return Anchor{Seq: rs[i-1].Seq, Hash: rs[i-1].Hash} }

	if n, last, err := VerifyLog(ctx, pages(rs, &reads), 3, at(7), at(2), at(4)); err != nil || n != 7 || last.Seq != 7 {
		t.Fatalf("anchors the log holds: %d records, seq %d, %v", n, last.Seq, err)
	}
	// Cut off after seq 5: the chain verifies, the anchor at 7 does not.
	var ae *AnchorError
	n, last, err := VerifyLog(ctx, pages(rs[:5], &reads), 3, at(2), at(7))
	if !errors.As(err, &ae) || ae.Anchor != at(7) || ae.Found != "" || ae.Last != 5 || n != 5 || last.Seq != 5 {
		t.Fatalf("a log cut off before an anchor: %d records, seq %d, %v", n, last.Seq, err)
	}
	if !strings.Contains(err.Error(), "ends at seq 5") {
		t.Errorf("message: %v", err)
	}
	if _, _, err := VerifyLog(ctx, pages(nil, &reads), 3, at(1)); !errors.As(err, &ae) || ae.Last != 0 {
		t.Fatalf("an emptied log with an anchor: %v", err)
	}
	// Record 3 altered and the chain computed again from it: every hash from seq 3
	// on changes, the chain verifies, and the anchor at 4 (not the one at 2) fails.
	forged := append([]core.AuditRecord{}, rs...)
	forged[2].Detail = "changed"
	for i := 2; i < len(forged); i++ {
		forged[i].PrevHash = forged[i-1].Hash
		forged[i].Hash = Hash(forged[i].PrevHash, forged[i])
	}
	if err := Verify(forged, Genesis); err != nil {
		t.Fatalf("the forged chain should verify by itself: %v", err)
	}
	_, _, err = VerifyLog(ctx, pages(forged, &reads), 3, at(2), at(6), at(4))
	if !errors.As(err, &ae) || ae.Anchor != at(4) || ae.Found != forged[3].Hash {
		t.Fatalf("a rewritten log: %v", err)
	}
	// A broken chain is reported as such, before any anchor.
	broken := append([]core.AuditRecord{}, rs...)
	broken[5].Detail = "changed"
	var ce *ChainError
	if _, _, err := VerifyLog(ctx, pages(broken, &reads), 3, at(7)); !errors.As(err, &ce) || ce.Seq != 6 {
		t.Fatalf("a broken chain with anchors: %v", err)
	}
	if _, _, err := VerifyLog(ctx, pages(rs, &reads), 3, Anchor{Seq: 0, Hash: rs[0].Hash}); err == nil {
		t.Fatal("an anchor at seq 0 was accepted")
	}
}

func TestParseAnchor(t *testing.T) {
	h := chain(1)[0].Hash
	a, err := ParseAnchor(" 42:" + strings.ToUpper(h) + "\n")
	if err != nil || a != (Anchor{Seq: 42, Hash: h}) || a.String() != "42:"+h {
		t.Fatalf("ParseAnchor = %+v, %v", a, err)
	}
	for _, bad := range []string{"", "42", "42:", ":" + h, "0:" + h, "-1:" + h, "+4:" + h, "x:" + h, "42:" + h[:62], "42:" + h + "00", "42:" + h[:63] + "g"} {
		if _, err := ParseAnchor(bad); err == nil {
			t.Errorf("ParseAnchor(%q) accepted", bad)
		}
	}
}
