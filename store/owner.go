package store

import (
	"context"
	"time"

	"github.com/opennca/nca/core"
)

// SignedRequest is a request an owner (or an organisation's first head) proved by
// signing it: online revocation, renewal, head confirmation or rejection. It is kept
// as evidence: the exact signed bytes, the signature, its algorithm and the signer's
// certificate. Nonce is unique across all signed requests, which is what refuses a
// replayed request.
type SignedRequest struct {
	Nonce  string
	Action string
	// Object is what the request acts on: a certificate serial or an application number.
	Object string
	// SignerIIN and SignerBIN identify who signed; OwnerIIN is whose certificate or
	// application it is (the signer for an owner's own request, the employee for a
	// head's).
	SignerIIN string
	SignerBIN string
	OwnerIIN  string
	// Issuer and Serial name the signer's certificate.
	Issuer    string
	Serial    string
	Payload   []byte
	Signature []byte
	// Algorithm is the dotted OID of the signature algorithm.
	Algorithm string
	At        time.Time
	// Result says what the request did ("revoked", "application N", …).
	Result string
}

// SignedRequestFilter selects signed requests; zero fields do not filter. IIN matches
// the signer or the owner.
type SignedRequestFilter struct {
	IIN    string
	Object string
	Action string
	Limit  int // 0 = 100
}

// Message channels and states of the outbox.
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"

	MessagePending = "pending"
	MessageSent    = "sent"
	// MessageFailed is a message given up after its last attempt.
	MessageFailed = "failed"
)

// Message is one notification in the outbox. It is written in the transaction of
// the event it tells about and rendered and sent later (package notify).
type Message struct {
	ID        int64
	Channel   string
	Recipient string
	Language  string
	// Kind names the message template; Params fill it.
	Kind   string
	Params map[string]string
	// DedupKey, when set, is unique: enqueueing a second message with it does nothing.
	DedupKey    string
	State       string
	Attempts    int
	NextAttempt time.Time
	LastError   string
	CreatedAt   time.Time
	SentAt      *time.Time
}

// OwnerTx is the part of Tx serving the owner's actions and the notifications.
type OwnerTx interface {
	// InsertSignedRequest stores a signed request; a Nonce used before is a
	// core.ErrDuplicate error.
	InsertSignedRequest(ctx context.Context, r *SignedRequest) error
	// SignedRequests lists signed requests matching f, newest first.
	SignedRequests(ctx context.Context, f SignedRequestFilter) ([]SignedRequest, error)

	// CertificatesByBIN lists the certificates issued on a BIN, newest first.
	CertificatesByBIN(ctx context.Context, bin string) ([]*core.Certificate, error)
	// CertificatesExpiring lists good certificates whose NotAfter is after from and
	// not after to, soonest first, at most limit (0 = 1000).
	CertificatesExpiring(ctx context.Context, from, to time.Time, limit int) ([]*core.Certificate, error)

	// EnqueueMessage adds a message to the outbox, filling ID (and State pending,
	// CreatedAt and NextAttempt when zero from the caller's values). It reports false,
	// storing nothing, when DedupKey is set and was used before.
	EnqueueMessage(ctx context.Context, m *Message) (bool, error)
	// DueMessages lists pending messages whose NextAttempt is not after now, oldest
	// first, at most limit (0 = 100).
	DueMessages(ctx context.Context, now time.Time, limit int) ([]Message, error)
	// ClaimMessage leases a pending message for one delivery attempt: it moves its
	// NextAttempt from due (the value read) to until, and reports false when another
	// deliverer claimed or changed it meanwhile. A claim that is never completed
	// expires at until, so delivery is at least once.
	ClaimMessage(ctx context.Context, id int64, due, until time.Time) (bool, error)
	// UpdateMessage stores a message's State, Attempts, NextAttempt, LastError and
	// SentAt (matched by ID) if the message is still pending under the claim that
	// runs until claimedUntil (the until of ClaimMessage). It reports false, storing
	// nothing, when the claim was lost (it expired and another deliverer took the
	// message) or the message does not exist.
	UpdateMessage(ctx context.Context, m *Message, claimedUntil time.Time) (bool, error)
	// Messages lists the outbox after id, in order, at most limit (0 = 100).
	Messages(ctx context.Context, after int64, limit int) ([]Message, error)
}
