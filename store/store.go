// Package store is the only package that speaks SQL. It keeps applications, their
// history, issued certificates, revocations, CRL numbers, sign-in challenges and the
// hash-chained audit log. The embedded implementation uses SQLite (pure Go,
// modernc.org/sqlite); Postgres (pgx) serves deployments with several nodes on one
// database. Both share the portable SQL of sqlTx and the migrations.
package store

import (
	"context"
	"time"

	"github.com/opennca/nca/core"
)

// Store opens transactions. Every state change of the workflow happens inside one
// Tx together with its audit record: either all of it is stored or none.
type Store interface {
	// Tx runs fn in one read-write transaction and commits it if fn returns nil;
	// otherwise it rolls back and returns fn's error. Transactions are serialised
	// (SQLite: BEGIN IMMEDIATE; PostgreSQL: SERIALIZABLE); a transaction that loses a
	// race is retried by Tx a bounded number of times before returning the error.
	Tx(ctx context.Context, fn func(Tx) error) error
	// TxNoSync is Tx for a transaction whose commit does not wait for the disk: a
	// crash of the machine (not of the process) right after it can lose it, whole,
	// never half of it; the next Tx's commit makes it durable. It is for records that
	// only guard work done after them and that a later Tx completes: issuance claims
	// (see ClaimTx.ClaimIssuance). SQLite: synchronous=NORMAL for the transaction;
	// PostgreSQL: synchronous_commit off, and READ COMMITTED instead of SERIALIZABLE:
	// fn must rely only on the store's guarded writes (UpdateApplication's state
	// check, duplicates refused, the claim checks), not on what it read staying true
	// until the commit.
	TxNoSync(ctx context.Context, fn func(Tx) error) error
	// Claim stores the issuance claim c in a transaction of its own, with
	// TxNoSync's durability and isolation, as ClaimTx.ClaimIssuance would inside
	// it: the claim is one guarded statement, refused (core.ErrDuplicate) having
	// stored nothing. On PostgreSQL BEGIN, that statement and COMMIT go out in one
	// round trip (TxNoSync with ClaimIssuance takes two: a write outside Pipeline
	// runs at once, and COMMIT follows it).
	Claim(ctx context.Context, c *IssuanceClaim) error
	// Read runs fn in a read-only transaction (a consistent snapshot).
	Read(ctx context.Context, fn func(Tx) error) error
	// ReadOne is Read for an fn that runs one query (GetApplication, say): the query
	// runs on its own, outside any transaction (one statement sees one consistent
	// snapshot), which spares PostgreSQL the BEGIN and ROLLBACK round trips. A second
	// query of fn fails; a write fails as in Read.
	ReadOne(ctx context.Context, fn func(Tx) error) error
	// Close releases the database.
	Close() error
}

// ApplicationFilter selects applications for listings. Zero fields do not filter.
type ApplicationFilter struct {
	States []core.State
	IIN    string
	BIN    string
	Number string
	// DeadlineBefore selects applications whose Deadline is before this time.
	DeadlineBefore time.Time
	Limit          int // 0 = 100
}

// CertStatus is what a status responder needs to know of one certificate.
type CertStatus struct {
	Status    core.CertStatus
	NotBefore time.Time
	NotAfter  time.Time
	// RevokedAt, Reason and InvalidityDate are set when Status is core.CertRevoked.
	RevokedAt      *time.Time
	Reason         core.RevocationReason
	InvalidityDate *time.Time
}

// Challenge is a one-time sign-in challenge.
type Challenge struct {
	ID        string
	Nonce     []byte
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Tx is the set of operations available inside a transaction. Methods return
// core.ErrNotFound (wrapped) when a row is missing and core.ErrDuplicate (wrapped)
// when a uniqueness constraint is violated.
type Tx interface {
	// Pipeline runs fn and lets the store send the writes fn makes through this
	// transaction to the database together: on PostgreSQL in one round trip, at the
	// next read, at the next write that is not held back, or with the commit when
	// they are the transaction's last (their errors then come back from the
	// transaction); SQLite runs every write at once. Held back are
	// InsertCertificate, AddEvent, AppendAudit, UpdateApplication, CompleteIssuance
	// and EnqueueMessage of a message without a DedupKey. Inside fn:
	//   - such a write's error (a duplicate, an application changed meanwhile, a lost
	//     claim, a serialization failure) is returned by a later call, by Pipeline or
	//     by the commit instead of by the write, so fn must not act on one (it may
	//     only return it); UpdateApplication's conflict does not name the state found;
	//   - reads see the writes made before them;
	//   - EnqueueMessage of a message without a DedupKey returns true and leaves its
	//     ID zero.
	// Pipeline reads the audit chain's head first (on PostgreSQL it only locks the
	// chain, and the database chains the records), so that audit records appended
	// in fn need no read. Its error is the first of fn's and of the held-back
	// writes' that were sent before it returned.
	Pipeline(ctx context.Context, fn func() error) error

	// InsertApplication stores a new application (Number unique).
	InsertApplication(ctx context.Context, a *core.Application) error
	// GetApplication loads one application by number.
	GetApplication(ctx context.Context, number string) (*core.Application, error)
	// UpdateApplication overwrites a stored application (matched by Number) only if
	// its stored state is still `from` (optimistic check); otherwise it returns an
	// error of kind KindConflict.
	UpdateApplication(ctx context.Context, a *core.Application, from core.State) error
	// ListApplications returns applications matching f, oldest first.
	ListApplications(ctx context.Context, f ApplicationFilter) ([]*core.Application, error)

	// AddEvent appends to an application's status history.
	AddEvent(ctx context.Context, e core.Event) error
	// Events returns an application's history, oldest first.
	Events(ctx context.Context, number string) ([]core.Event, error)

	// InsertCertificate stores an issued certificate. (Issuer, Serial) is unique, and
	// so is KeyHash: a public key is certified at most once.
	InsertCertificate(ctx context.Context, c *core.Certificate) error
	// GetCertificate loads one certificate by issuer name and hex serial.
	GetCertificate(ctx context.Context, issuer, serial string) (*core.Certificate, error)
	// CertificatesBySerial finds certificates with this hex serial under any issuer.
	CertificatesBySerial(ctx context.Context, serial string) ([]*core.Certificate, error)
	// CertificatesByApplication lists the certificates issued for an application.
	CertificatesByApplication(ctx context.Context, number string) ([]*core.Certificate, error)
	// CertificatesByIIN lists the certificates issued on an IIN, newest first.
	CertificatesByIIN(ctx context.Context, iin string) ([]*core.Certificate, error)
	// CertificateByKeyHash returns the certificate of a public key, if any.
	CertificateByKeyHash(ctx context.Context, keyHash string) (*core.Certificate, error)
	// CertifiedKeyHashes returns those of keyHashes that some stored certificate
	// certifies, in no particular order (one query for all).
	CertifiedKeyHashes(ctx context.Context, keyHashes []string) ([]string, error)
	// RevokeCertificate marks a good certificate revoked; revoking a revoked one is a
	// KindConflict error.
	RevokeCertificate(ctx context.Context, issuer, serial string, reason core.RevocationReason, at time.Time, invalidity *time.Time) error
	// RevokedEntries streams the revoked, not yet expired (NotAfter after notAfterAfter)
	// certificates of an issuer in serial order, calling fn for each.
	RevokedEntries(ctx context.Context, issuer string, notAfterAfter time.Time, fn func(core.RevokedEntry) error) error

	// RevokedSince streams the certificates of an issuer revoked at or after since
	// and not yet expired (NotAfter after notAfterAfter), in revocation time order
	// (then serial), calling fn for each. It reads an index on (issuer, revoked_at):
	// the cost follows the number of entries returned, not the size of the table.
	RevokedSince(ctx context.Context, issuer string, since, notAfterAfter time.Time, fn func(core.RevokedEntry) error) error
	// CertificateStatus returns the revocation status of one certificate by issuer
	// name and hex serial, reading only the status columns through the primary key.
	CertificateStatus(ctx context.Context, issuer, serial string) (CertStatus, error)

	// NextCRLNumber increments and returns the CRL number of an issuer (starting at 1).
	NextCRLNumber(ctx context.Context, issuer string) (int64, error)

	// PutChallenge stores a sign-in challenge.
	PutChallenge(ctx context.Context, c Challenge) error
	// TakeChallenge loads and deletes a challenge (one use only).
	TakeChallenge(ctx context.Context, id string) (Challenge, error)

	// AppendAudit appends a record to the hash-chained audit log, filling Seq,
	// PrevHash and Hash; inside Pipeline on PostgreSQL the database computes them
	// (so that no read of the chain's head goes before the writes) and r is left
	// as given.
	AppendAudit(ctx context.Context, r *core.AuditRecord) error
	// AuditLog returns audit records with Seq > after, up to limit, in order.
	AuditLog(ctx context.Context, after int64, limit int) ([]core.AuditRecord, error)

	// Owner actions and notifications (owner.go).
	OwnerTx
	// Desk receipts (receipts.go).
	ReceiptTx
	// Issuance claims (claims.go).
	ClaimTx
}
