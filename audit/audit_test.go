package audit

import (
	"errors"
	"fmt"
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
