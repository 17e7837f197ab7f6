package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/store"
)

func signedRequest(nonce, action, object, signer, owner string, d time.Duration) *store.SignedRequest {
	return &store.SignedRequest{
		Nonce: nonce, Action: action, Object: object, SignerIIN: signer, SignerBIN: "940140000385", OwnerIIN: owner,
		Issuer: "NCA RSA", Serial: "1a2b", Payload: []byte("nca-owner-v1\naction=revoke\n"), Signature: []byte{1, 2, 3},
		Algorithm: "1.2.840.113549.1.1.11", At: at(d), Result: "revoked",
	}
}

func testSignedRequests(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := signedRequest("n1", "revoke", "ff01", "871008401427", "871008401427", 0)
	b := signedRequest("n2", "head_confirm", "A-1", "750101300123", "871008401427", time.Minute)
	c := signedRequest("n3", "renew", "ff02", "990101300456", "990101300456", 2*time.Minute)
	c.SignerBIN, c.OwnerIIN = "", ""
	write(t, s, func(tx store.Tx) error {
		for _, r := range []*store.SignedRequest{a, b, c} {
			if err := tx.InsertSignedRequest(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	// A nonce is accepted once: the same nonce again is a duplicate, even for
	// another action and signer.
	err := s.Tx(ctx, func(tx store.Tx) error {
		return tx.InsertSignedRequest(ctx, signedRequest("n1", "renew", "x", "990101300456", "", time.Hour))
	})
	wantIs(t, "replayed nonce", err, core.ErrDuplicate)
	err = s.Tx(ctx, func(tx store.Tx) error {
		return tx.InsertSignedRequest(ctx, &store.SignedRequest{Nonce: "", Action: "revoke", SignerIIN: "1", At: at(0)})
	})
	wantKind(t, "empty nonce", err, core.KindInvalid)

	read(t, s, func(tx store.Tx) error {
		got, err := tx.SignedRequests(ctx, store.SignedRequestFilter{IIN: "871008401427"})
		if err != nil {
			return err
		}
		// Signer or owner; newest first.
		equal(t, "by IIN", utc(got), []store.SignedRequest{*utc(b), *utc(a)})
		got, err = tx.SignedRequests(ctx, store.SignedRequestFilter{Object: "A-1", Action: "head_confirm"})
		if err != nil {
			return err
		}
		equal(t, "by object and action", len(got), 1)
		got, err = tx.SignedRequests(ctx, store.SignedRequestFilter{IIN: "990101300456"})
		if err != nil {
			return err
		}
		equal(t, "optional columns empty", utc(got), []store.SignedRequest{*utc(c)})
		got, err = tx.SignedRequests(ctx, store.SignedRequestFilter{IIN: "000000000000"})
		equal(t, "nobody's", len(got), 0)
		return err
	})
}

func testCertificatesByBINAndExpiring(t *testing.T, s store.Store) {
	ctx := context.Background()
	day := 24 * time.Hour
	c1 := cert("NCA RSA", "01", "kh1")
	c1.NotAfter = at(10 * day)
	c2 := cert("NCA RSA", "02", "kh2")
	c2.NotAfter, c2.NotBefore, c2.BIN = at(30*day), at(time.Hour), "111111111111"
	c3 := cert("NCA RSA", "03", "kh3")
	c3.NotAfter = at(20 * day)
	c4 := cert("NCA RSA", "04", "kh4")
	c4.NotAfter = at(400 * day)
	write(t, s, func(tx store.Tx) error {
		for _, c := range []*core.Certificate{c1, c2, c3, c4} {
			if err := tx.InsertCertificate(ctx, c); err != nil {
				return err
			}
		}
		return tx.RevokeCertificate(ctx, "NCA RSA", "03", core.ReasonKeyCompromise, at(time.Minute), nil)
	})
	read(t, s, func(tx store.Tx) error {
		got, err := tx.CertificatesByBIN(ctx, "940140000385")
		if err != nil {
			return err
		}
		equal(t, "by BIN", serials(got), []string{"NCA RSA/01", "NCA RSA/03", "NCA RSA/04"})
		got, err = tx.CertificatesExpiring(ctx, at(10*day), at(30*day), 0)
		if err != nil {
			return err
		}
		// After from (01 ends exactly at from: excluded), up to to inclusive, good only.
		equal(t, "expiring", serials(got), []string{"NCA RSA/02"})
		got, err = tx.CertificatesExpiring(ctx, at(0), at(500*day), 2)
		if err != nil {
			return err
		}
		equal(t, "expiring soonest first, limited", serials(got), []string{"NCA RSA/01", "NCA RSA/02"})
		return nil
	})
}

func testOutbox(t *testing.T, s store.Store) {
	ctx := context.Background()
	m1 := &store.Message{Channel: store.ChannelEmail, Recipient: "a@example.kz", Language: "kk", Kind: "issued",
		Params: map[string]string{"number": "A-1", "serials": "ff01, ff02"}, CreatedAt: at(0)}
	m2 := &store.Message{Channel: store.ChannelSMS, Recipient: "+77010000000", Language: "ru", Kind: "expiry",
		Params: map[string]string{"days": "10"}, DedupKey: "expiry:sms:10:NCA RSA/ff01", CreatedAt: at(time.Second), NextAttempt: at(time.Hour)}
	write(t, s, func(tx store.Tx) error {
		for _, m := range []*store.Message{m1, m2} {
			ok, err := tx.EnqueueMessage(ctx, m)
			if err != nil {
				return err
			}
			equal(t, "enqueued", ok, true)
		}
		return nil
	})
	if m1.ID == 0 || m2.ID <= m1.ID {
		t.Fatalf("ids %d, %d: want increasing, non-zero", m1.ID, m2.ID)
	}
	equal(t, "default state", m1.State, store.MessagePending)
	// The same dedup key again stores nothing.
	write(t, s, func(tx store.Tx) error {
		dup := *m2
		dup.ID = 0
		ok, err := tx.EnqueueMessage(ctx, &dup)
		equal(t, "duplicate enqueued", ok, false)
		return err
	})
	read(t, s, func(tx store.Tx) error {
		due, err := tx.DueMessages(ctx, at(time.Minute), 0)
		if err != nil {
			return err
		}
		equal(t, "due now", len(due), 1)
		equal(t, "due message", utc(due[0]), *utc(m1))
		all, err := tx.Messages(ctx, 0, 0)
		if err != nil {
			return err
		}
		equal(t, "all", len(all), 2)
		equal(t, "second", utc(all[1]), *utc(m2))
		return nil
	})
	// Two deliverers read the same due message: only the first claim wins.
	var claims []bool
	for i := 0; i < 2; i++ {
		write(t, s, func(tx store.Tx) error {
			ok, err := tx.ClaimMessage(ctx, m1.ID, m1.NextAttempt, at(10*time.Minute))
			claims = append(claims, ok)
			return err
		})
	}
	equal(t, "claims", claims, []bool{true, false})
	read(t, s, func(tx store.Tx) error {
		due, err := tx.DueMessages(ctx, at(time.Minute), 0)
		equal(t, "claimed is not due", len(due), 0)
		return err
	})
	sent := at(2 * time.Hour)
	m2.State, m2.Attempts, m2.SentAt, m2.LastError = store.MessageSent, 2, &sent, "first attempt: 451"
	claimed := m2.NextAttempt // m2 is pending under its enqueued NextAttempt
	write(t, s, func(tx store.Tx) error {
		ok, err := tx.UpdateMessage(ctx, m2, claimed)
		equal(t, "update under its claim", ok, true)
		return err
	})
	read(t, s, func(tx store.Tx) error {
		due, err := tx.DueMessages(ctx, at(3*time.Hour), 0)
		if err != nil {
			return err
		}
		equal(t, "sent is not due", len(due), 1)
		all, err := tx.Messages(ctx, m1.ID, 0)
		if err != nil {
			return err
		}
		equal(t, "updated", utc(all[0]), *utc(m2))
		return nil
	})
	// m1 is claimed until at(10m); an update under another (lost) claim stores nothing.
	lost := *m1
	lost.State, lost.Attempts = store.MessageSent, 7
	write(t, s, func(tx store.Tx) error {
		ok, err := tx.UpdateMessage(ctx, &lost, at(5*time.Minute))
		equal(t, "update under a lost claim", ok, false)
		if err != nil {
			return err
		}
		all, err := tx.Messages(ctx, 0, 1)
		equal(t, "message kept after a lost claim", all[0].State, store.MessagePending)
		return err
	})
	write(t, s, func(tx store.Tx) error {
		ok, err := tx.UpdateMessage(ctx, &store.Message{ID: 999, NextAttempt: at(0)}, at(0))
		equal(t, "update unknown", ok, false)
		return err
	})
	var err error
	err = s.Read(ctx, func(tx store.Tx) error {
		_, err := tx.EnqueueMessage(ctx, &store.Message{Channel: "email", Recipient: "x@y", Kind: "k", CreatedAt: at(0)})
		return err
	})
	if err == nil {
		t.Error("enqueue in a read-only transaction succeeded")
	}
}
