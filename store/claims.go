package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/opennca/nca/core"
)

// IssuanceClaim is an approval's claim on an application: the certificates it is
// about to sign, recorded before they are signed (migration 0005).
type IssuanceClaim struct {
	Application string
	// Actor is who approved (core.Actor's String form).
	Actor     string
	ClaimedAt time.Time
	// Serials name the certificates to be signed, each "issuer/serial" (hex).
	Serials []string
	// CompletedAt is when the certificates were stored; nil while the claim is open.
	CompletedAt *time.Time
	// KeyHashes, when set, are the hashes of the public keys the claimed
	// certificates certify (core.Certificate.KeyHash): ClaimIssuance stores the
	// claim only if no certificate certifies one of them yet, in the same statement.
	// They are not stored with the claim.
	KeyHashes []string
	// AsRead, when set, is the application as the claimant read it: ClaimIssuance
	// stores the claim only while the stored application is still exactly that
	// one (compared in its stored form, in the same statement). Not stored with
	// the claim.
	AsRead *core.Application
}

// ClaimTx is the part of Tx serving issuance claims.
type ClaimTx interface {
	// ClaimIssuance records an open claim. An application has at most one claim:
	// a second one is a core.ErrDuplicate error, whatever the first one's state.
	// A claim whose KeyHashes name a key certified already, or whose AsRead is
	// no longer the stored application, is not stored either, with the same error
	// (the caller tells the causes apart with IssuanceClaim, CertifiedKeyHashes and
	// GetApplication, on that path only): one statement, where checks before the
	// claim would cost PostgreSQL round trips on every approval.
	//
	// A claim is best made with Store.Claim (alone) or in Store.TxNoSync: its
	// commit need not wait for the disk, because the transaction that stores the certificates commits durably,
	// which makes the claim durable too. A crash of the machine in between can lose
	// the claim, but then also the certificates signed under it, which exist only in
	// the memory of the process until that second commit.
	ClaimIssuance(ctx context.Context, c *IssuanceClaim) error
	// IssuanceClaim loads the claim of an application (core.ErrNotFound if none).
	IssuanceClaim(ctx context.Context, application string) (*IssuanceClaim, error)
	// CompleteIssuance marks the open claim c (matched by application, claimed_at
	// and serials) completed at `at`. When there is no such open claim (it was
	// released or taken over meanwhile) it returns a KindConflict error.
	CompleteIssuance(ctx context.Context, c *IssuanceClaim, at time.Time) error
	// ReleaseIssuance deletes the open claim c (matched as by CompleteIssuance), so
	// that the application may be claimed again; no such open claim is a
	// KindConflict error. The caller records the released serials in the audit log
	// in the same transaction.
	ReleaseIssuance(ctx context.Context, c *IssuanceClaim) error
}

// ClaimIssuance implements ClaimTx.
func (t *sqlTx) ClaimIssuance(ctx context.Context, c *IssuanceClaim) error {
	what := "claim issuance of " + c.Application
	if c.Application == "" || len(c.Serials) == 0 {
		return fmt.Errorf("store: %s: %w", what, core.Errorf(core.KindInvalid, "a claim names an application and its serials"))
	}
	for _, s := range c.Serials {
		if s == "" || strings.ContainsAny(s, " \t\n") {
			return fmt.Errorf("store: %s: %w", what, core.Errorf(core.KindInvalid, "serial %q", s))
		}
	}
	if err := checkTimes(what, c.ClaimedAt); err != nil {
		return err
	}
	args := []any{c.Application, c.Actor, formatTime(c.ClaimedAt), strings.Join(c.Serials, " "), nullTime(c.CompletedAt)}
	// A WHERE in every case: it also keeps SQLite from reading ON CONFLICT as a
	// join's ON.
	conds := []string{"1 = 1"}
	refused := "application " + c.Application + " is claimed already"
	if c.AsRead != nil {
		if c.AsRead.Number != c.Application {
			return fmt.Errorf("store: %s: %w", what, core.Errorf(core.KindInvalid, "the claim's application as read is %s", c.AsRead.Number))
		}
		data, err := applicationJSON(c.AsRead)
		if err != nil {
			return fmt.Errorf("store: %s: %w", what, err)
		}
		conds = append(conds, `EXISTS (SELECT 1 FROM applications WHERE number = ? AND data = ?)`)
		args = append(args, c.Application, data)
		refused += ", or changed since it was read"
	}
	if len(c.KeyHashes) > 0 {
		conds = append(conds, `NOT EXISTS (SELECT 1 FROM certificates WHERE key_hash IN (?`+strings.Repeat(`, ?`, len(c.KeyHashes)-1)+`))`)
		for _, h := range c.KeyHashes {
			args = append(args, h)
		}
		refused += ", or one of its keys is certified already"
	}
	// In Store.Claim the statement is held back and sent with COMMIT.
	return t.writeOne(ctx, what, `INSERT INTO issuance_claims (application, actor, claimed_at, serials, completed_at)
SELECT ?, ?, ?, ?, ? WHERE `+strings.Join(conds, " AND ")+`
ON CONFLICT DO NOTHING`, args, func(n int64) error {
		if n != 1 {
			return fmt.Errorf("store: %s: %w: %s", what, core.ErrDuplicate, refused)
		}
		return nil
	})
}

// IssuanceClaim implements ClaimTx.
func (t *sqlTx) IssuanceClaim(ctx context.Context, application string) (*IssuanceClaim, error) {
	c := &IssuanceClaim{Application: application}
	var serials string
	var completed sql.NullString
	err := t.queryRow(ctx, `SELECT actor, claimed_at, serials, completed_at FROM issuance_claims WHERE application = ?`, application).
		Scan(&c.Actor, timeScanner{&c.ClaimedAt}, &serials, &completed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("issuance claim of " + application)
	}
	if err != nil {
		return nil, fmt.Errorf("store: issuance claim of %s: %w", application, err)
	}
	c.Serials = strings.Fields(serials)
	if completed.Valid {
		at, err := time.Parse(timeLayout, completed.String)
		if err != nil {
			return nil, fmt.Errorf("store: issuance claim of %s: completed_at: %w", application, err)
		}
		c.CompletedAt = &at
	}
	return c, nil
}

// CompleteIssuance implements ClaimTx.
func (t *sqlTx) CompleteIssuance(ctx context.Context, c *IssuanceClaim, at time.Time) error {
	what := "complete issuance of " + c.Application
	if err := checkTimes(what, at); err != nil {
		return err
	}
	return t.writeOne(ctx, what, `UPDATE issuance_claims SET completed_at = ?
WHERE application = ? AND claimed_at = ? AND serials = ? AND completed_at IS NULL`,
		[]any{formatTime(at), c.Application, formatTime(c.ClaimedAt), strings.Join(c.Serials, " ")},
		claimChangedOne(what))
}

// ReleaseIssuance implements ClaimTx.
func (t *sqlTx) ReleaseIssuance(ctx context.Context, c *IssuanceClaim) error {
	res, err := t.exec(ctx, `DELETE FROM issuance_claims
WHERE application = ? AND claimed_at = ? AND serials = ? AND completed_at IS NULL`,
		c.Application, formatTime(c.ClaimedAt), strings.Join(c.Serials, " "))
	return t.claimChanged("release issuance claim of "+c.Application, res, err)
}

// claimChangedOne is the check of a write to one open claim: none is a KindConflict.
func claimChangedOne(what string) func(int64) error {
	return func(n int64) error {
		if n != 1 {
			return fmt.Errorf("store: %s: %w", what, core.Errorf(core.KindConflict, "the claim is no longer open (released or taken over meanwhile)"))
		}
		return nil
	}
}

func (t *sqlTx) claimChanged(what string, res sql.Result, err error) error {
	if err != nil {
		return t.writeErr(what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return claimChangedOne(what)(n)
}
