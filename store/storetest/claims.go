package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/store"
)

// testIssuanceClaims checks the life of a claim: one per application, read back as
// written, completed or released only while open and only by its own claimed_at.
func testIssuanceClaims(t *testing.T, s store.Store) {
	ctx := context.Background()
	write(t, s, func(tx store.Tx) error { return tx.InsertApplication(ctx, minimalApplication("A-1")) })
	c := &store.IssuanceClaim{Application: "A-1", Actor: "staff:1", ClaimedAt: at(0), Serials: []string{"nca-rsa/4a01", "nca-rsa/4a02"}}
	write(t, s, func(tx store.Tx) error { return tx.ClaimIssuance(ctx, c) })
	err := s.Tx(ctx, func(tx store.Tx) error {
		return tx.ClaimIssuance(ctx, &store.IssuanceClaim{Application: "A-1", Actor: "staff:2", ClaimedAt: at(1), Serials: []string{"nca-rsa/4a03"}})
	})
	wantIs(t, "second claim", err, core.ErrDuplicate)
	err = s.Tx(ctx, func(tx store.Tx) error {
		return tx.ClaimIssuance(ctx, &store.IssuanceClaim{Application: "A-9", Actor: "staff:2", ClaimedAt: at(1), Serials: []string{"x/1"}})
	})
	wantIs(t, "claim of an unknown application", err, core.ErrNotFound)
	err = s.Tx(ctx, func(tx store.Tx) error {
		return tx.ClaimIssuance(ctx, &store.IssuanceClaim{Application: "A-1", ClaimedAt: at(1)})
	})
	wantKind(t, "claim without serials", err, core.KindInvalid)
	read(t, s, func(tx store.Tx) error {
		got, err := tx.IssuanceClaim(ctx, "A-1")
		if err != nil {
			return err
		}
		equal(t, "claim", got, c)
		_, err = tx.IssuanceClaim(ctx, "A-2")
		wantIs(t, "missing claim", err, core.ErrNotFound)
		return nil
	})
	// Only the claim itself (claimed_at and serials) completes or releases it.
	other := *c
	other.ClaimedAt = at(5)
	err = s.Tx(ctx, func(tx store.Tx) error { return tx.CompleteIssuance(ctx, &other, at(6)) })
	wantKind(t, "complete another claim", err, core.KindConflict)
	err = s.Tx(ctx, func(tx store.Tx) error { return tx.ReleaseIssuance(ctx, &other) })
	wantKind(t, "release another claim", err, core.KindConflict)
	other = *c
	other.Serials = []string{"nca-rsa/4a01"}
	err = s.Tx(ctx, func(tx store.Tx) error { return tx.ReleaseIssuance(ctx, &other) })
	wantKind(t, "release a claim of other serials", err, core.KindConflict)
	write(t, s, func(tx store.Tx) error { return tx.CompleteIssuance(ctx, c, at(2)) })
	err = s.Tx(ctx, func(tx store.Tx) error { return tx.ReleaseIssuance(ctx, c) })
	wantKind(t, "release a completed claim", err, core.KindConflict)
	err = s.Tx(ctx, func(tx store.Tx) error { return tx.CompleteIssuance(ctx, c, at(3)) })
	wantKind(t, "complete twice", err, core.KindConflict)
	read(t, s, func(tx store.Tx) error {
		got, err := tx.IssuanceClaim(ctx, "A-1")
		if err != nil {
			return err
		}
		if got.CompletedAt == nil || !got.CompletedAt.Equal(at(2)) {
			t.Errorf("completed at %v, want %v", got.CompletedAt, at(2))
		}
		return nil
	})
	// A released claim frees the application for a new one.
	write(t, s, func(tx store.Tx) error { return tx.InsertApplication(ctx, minimalApplication("A-2")) })
	c2 := &store.IssuanceClaim{Application: "A-2", Actor: "staff:1", ClaimedAt: at(0), Serials: []string{"nca-rsa/5b"}}
	write(t, s, func(tx store.Tx) error { return tx.ClaimIssuance(ctx, c2) })
	write(t, s, func(tx store.Tx) error { return tx.ReleaseIssuance(ctx, c2) })
	c2.ClaimedAt = at(1)
	write(t, s, func(tx store.Tx) error { return tx.ClaimIssuance(ctx, c2) })

	// A claim naming its keys is stored only while none of them is certified.
	write(t, s, func(tx store.Tx) error {
		if err := tx.InsertApplication(ctx, minimalApplication("A-3")); err != nil {
			return err
		}
		if err := tx.InsertApplication(ctx, minimalApplication("A-4")); err != nil {
			return err
		}
		return tx.InsertCertificate(ctx, cert("nca-rsa", "6c01", "kh-used"))
	})
	used := &store.IssuanceClaim{Application: "A-3", Actor: "staff:1", ClaimedAt: at(0), Serials: []string{"nca-rsa/6c02", "nca-rsa/6c03"},
		KeyHashes: []string{"kh-fresh", "kh-used"}}
	err = s.TxNoSync(ctx, func(tx store.Tx) error { return tx.ClaimIssuance(ctx, used) })
	wantIs(t, "claim of a certified key", err, core.ErrDuplicate)
	fresh := &store.IssuanceClaim{Application: "A-4", Actor: "staff:1", ClaimedAt: at(0), Serials: []string{"nca-rsa/6c04"},
		KeyHashes: []string{"kh-fresh", "kh-other"}}
	write(t, s, func(tx store.Tx) error { return tx.ClaimIssuance(ctx, fresh) })
	read(t, s, func(tx store.Tx) error {
		_, err := tx.IssuanceClaim(ctx, "A-3")
		wantIs(t, "claim refused for its key", err, core.ErrNotFound)
		got, err := tx.IssuanceClaim(ctx, "A-4")
		if err != nil {
			return err
		}
		fresh.KeyHashes = nil // not stored
		equal(t, "claim with unused keys", got, fresh)
		return nil
	})
}

// testConcurrentClaims has workers claim one application at once (half of them
// with Store.Claim, half in a Tx): exactly one wins,
// the others get core.ErrDuplicate (or a conflict the store retried into it).
func testConcurrentClaims(t *testing.T, s store.Store) {
	ctx := context.Background()
	write(t, s, func(tx store.Tx) error { return tx.InsertApplication(ctx, minimalApplication("A-1")) })
	const workers = 8
	results := make([]error, workers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			c := &store.IssuanceClaim{Application: "A-1", Actor: fmt.Sprint("staff:", w),
				ClaimedAt: at(0), Serials: []string{fmt.Sprint("nca-rsa/", w+10)}}
			if w%2 == 0 {
				results[w] = s.Claim(ctx, c)
				return
			}
			results[w] = s.Tx(ctx, func(tx store.Tx) error { return tx.ClaimIssuance(ctx, c) })
		}()
	}
	close(start)
	wg.Wait()
	winner := -1
	for w, err := range results {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("workers %d and %d both claimed", winner, w)
		case err == nil:
			winner = w
		case !errors.Is(err, core.ErrDuplicate) && core.KindOf(err) != core.KindConflict:
			t.Fatalf("worker %d: %v", w, err)
		}
	}
	if winner < 0 {
		t.Fatal("no worker claimed")
	}
	read(t, s, func(tx store.Tx) error {
		c, err := tx.IssuanceClaim(ctx, "A-1")
		if err != nil {
			return err
		}
		if c.Actor != fmt.Sprint("staff:", winner) {
			t.Errorf("claim by %s, want staff:%d", c.Actor, winner)
		}
		return nil
	})
}

// testClaim checks Store.Claim: a claim stored in a transaction of its own only
// while the application is the one the claimant read and none of its keys is
// certified; refused, nothing is stored and the store goes on.
func testClaim(t *testing.T, s store.Store) {
	ctx := context.Background()
	write(t, s, func(tx store.Tx) error {
		for _, a := range []*core.Application{fullApplication("A-1"), minimalApplication("A-2"), minimalApplication("A-3")} {
			if err := tx.InsertApplication(ctx, a); err != nil {
				return err
			}
		}
		return tx.InsertCertificate(ctx, cert("nca-rsa", "7d01", "kh-used"))
	})
	readApp := func(number string) *core.Application {
		t.Helper()
		var a *core.Application
		if err := s.ReadOne(ctx, func(tx store.Tx) error {
			var err error
			a, err = tx.GetApplication(ctx, number)
			return err
		}); err != nil {
			t.Fatalf("read %s: %v", number, err)
		}
		return a
	}
	claimOf := func(number string) *store.IssuanceClaim {
		t.Helper()
		var c *store.IssuanceClaim
		read(t, s, func(tx store.Tx) error {
			got, err := tx.IssuanceClaim(ctx, number)
			if errors.Is(err, core.ErrNotFound) {
				return nil
			}
			c = got
			return err
		})
		return c
	}

	// The application as read (every field of a full one) and fresh keys: stored.
	c := &store.IssuanceClaim{Application: "A-1", Actor: "staff:1", ClaimedAt: at(0), Serials: []string{"nca-rsa/7d02", "nca-gost/7d03"},
		KeyHashes: []string{"kh-a", "kh-b"}, AsRead: readApp("A-1")}
	if err := s.Claim(ctx, c); err != nil {
		t.Fatalf("Claim: %v", err)
	}
	want := *c
	want.KeyHashes, want.AsRead = nil, nil // not stored
	equal(t, "claim", claimOf("A-1"), &want)
	err := s.Claim(ctx, &store.IssuanceClaim{Application: "A-1", Actor: "staff:2", ClaimedAt: at(1), Serials: []string{"nca-rsa/7d04"}})
	wantIs(t, "second claim", err, core.ErrDuplicate)
	equal(t, "claim after a second one", claimOf("A-1"), &want)

	// Changed since it was read: refused; read again: stored.
	stale := readApp("A-2")
	write(t, s, func(tx store.Tx) error {
		cur, err := tx.GetApplication(ctx, "A-2")
		if err != nil {
			return err
		}
		cur.Applicant.Email = "changed@example.kz"
		return tx.UpdateApplication(ctx, cur, cur.State)
	})
	c2 := &store.IssuanceClaim{Application: "A-2", Actor: "staff:1", ClaimedAt: at(0), Serials: []string{"nca-rsa/7d05"}, AsRead: stale}
	wantIs(t, "claim of a changed application", s.Claim(ctx, c2), core.ErrDuplicate)
	if got := claimOf("A-2"); got != nil {
		t.Fatalf("claim %+v stored for a changed application", got)
	}
	c2.AsRead = readApp("A-2")
	if err := s.Claim(ctx, c2); err != nil {
		t.Fatalf("Claim after reading again: %v", err)
	}

	// A certified key: refused.
	c3 := &store.IssuanceClaim{Application: "A-3", Actor: "staff:1", ClaimedAt: at(0), Serials: []string{"nca-rsa/7d06", "nca-rsa/7d07"},
		KeyHashes: []string{"kh-c", "kh-used"}, AsRead: readApp("A-3")}
	wantIs(t, "claim of a certified key", s.Claim(ctx, c3), core.ErrDuplicate)
	if got := claimOf("A-3"); got != nil {
		t.Fatalf("claim %+v stored for a certified key", got)
	}

	// Errors: an unknown application, an application read under another number,
	// no serials. Many of them: no connection may be left inside a transaction.
	for i := range 20 {
		err := s.Claim(ctx, &store.IssuanceClaim{Application: "A-9", Actor: "staff:1", ClaimedAt: at(0), Serials: []string{fmt.Sprint("x/", i)}})
		wantIs(t, "claim of an unknown application", err, core.ErrNotFound)
	}
	err = s.Claim(ctx, &store.IssuanceClaim{Application: "A-3", Actor: "staff:1", ClaimedAt: at(0), Serials: []string{"x/1"}, AsRead: readApp("A-1")})
	wantKind(t, "claim with another application as read", err, core.KindInvalid)
	wantKind(t, "claim without serials", s.Claim(ctx, &store.IssuanceClaim{Application: "A-3", ClaimedAt: at(0)}), core.KindInvalid)
	c3.KeyHashes = []string{"kh-c"}
	if err := s.Claim(ctx, c3); err != nil {
		t.Fatalf("Claim after the errors: %v", err)
	}
	write(t, s, func(tx store.Tx) error { return tx.CompleteIssuance(ctx, c3, at(1)) })
	if got := claimOf("A-3"); got == nil || got.CompletedAt == nil {
		t.Fatalf("claim %+v, want it completed", got)
	}
}
