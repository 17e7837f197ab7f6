package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/opennca/nca/core"
)

// Portable SQL of OwnerTx, on the same sqlTx as sqltx.go.

// InsertSignedRequest implements OwnerTx.
func (t *sqlTx) InsertSignedRequest(ctx context.Context, r *SignedRequest) error {
	what := "insert signed request " + r.Nonce
	if r.Nonce == "" || r.Action == "" || r.SignerIIN == "" {
		return fmt.Errorf("store: insert signed request: %w", core.Errorf(core.KindInvalid, "nonce, action and signer IIN are required"))
	}
	if err := checkTimes(what, r.At); err != nil {
		return err
	}
	payload, sig := r.Payload, r.Signature
	if payload == nil {
		payload = []byte{}
	}
	if sig == nil {
		sig = []byte{}
	}
	_, err := t.exec(ctx, `INSERT INTO signed_requests (nonce, action, object, signer_iin, signer_bin, owner_iin, issuer, serial, payload, signature, algorithm, at, result)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Nonce, r.Action, r.Object, r.SignerIIN, nullString(r.SignerBIN), nullString(r.OwnerIIN), r.Issuer, r.Serial,
		payload, sig, r.Algorithm, formatTime(r.At), r.Result)
	if err != nil {
		return t.writeErr(what, err)
	}
	return nil
}

// SignedRequests implements OwnerTx.
func (t *sqlTx) SignedRequests(ctx context.Context, f SignedRequestFilter) ([]SignedRequest, error) {
	var where []string
	var args []any
	if f.IIN != "" {
		where, args = append(where, "(signer_iin = ? OR owner_iin = ?)"), append(args, f.IIN, f.IIN)
	}
	if f.Object != "" {
		where, args = append(where, "object = ?"), append(args, f.Object)
	}
	if f.Action != "" {
		where, args = append(where, "action = ?"), append(args, f.Action)
	}
	q := `SELECT nonce, action, object, signer_iin, signer_bin, owner_iin, issuer, serial, payload, signature, algorithm, at, result FROM signed_requests`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q += " ORDER BY at DESC, nonce LIMIT ?"
	args = append(args, limit)
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: signed requests: %w", err)
	}
	defer rows.Close()
	var out []SignedRequest
	for rows.Next() {
		var r SignedRequest
		var bin, owner sql.NullString
		if err := rows.Scan(&r.Nonce, &r.Action, &r.Object, &r.SignerIIN, &bin, &owner, &r.Issuer, &r.Serial,
			&r.Payload, &r.Signature, &r.Algorithm, timeScanner{&r.At}, &r.Result); err != nil {
			return nil, fmt.Errorf("store: signed requests: %w", err)
		}
		r.SignerBIN, r.OwnerIIN = bin.String, owner.String
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: signed requests: %w", err)
	}
	return out, nil
}

// CertificatesByBIN implements OwnerTx (newest NotBefore first).
func (t *sqlTx) CertificatesByBIN(ctx context.Context, bin string) ([]*core.Certificate, error) {
	return t.certificates(ctx, "certificates of BIN "+bin,
		`WHERE bin = ? ORDER BY not_before DESC, issuer, serial`, bin)
}

// CertificatesExpiring implements OwnerTx.
func (t *sqlTx) CertificatesExpiring(ctx context.Context, from, to time.Time, limit int) ([]*core.Certificate, error) {
	if err := checkTimes("certificates expiring", from, to); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 1000
	}
	return t.certificates(ctx, "certificates expiring",
		`WHERE status = ? AND not_after > ? AND not_after <= ? ORDER BY not_after, issuer, serial LIMIT ?`,
		string(core.CertGood), formatTime(from), formatTime(to), limit)
}

// EnqueueMessage implements OwnerTx.
func (t *sqlTx) EnqueueMessage(ctx context.Context, m *Message) (bool, error) {
	what := "enqueue " + m.Kind + " message"
	if t.readOnly {
		return false, fmt.Errorf("store: %s: %w", what, errReadOnly)
	}
	if m.Channel == "" || m.Recipient == "" || m.Kind == "" {
		return false, fmt.Errorf("store: %s: %w", what, core.Errorf(core.KindInvalid, "channel, recipient and kind are required"))
	}
	if m.State == "" {
		m.State = MessagePending
	}
	if m.NextAttempt.IsZero() {
		m.NextAttempt = m.CreatedAt
	}
	ts := []time.Time{m.CreatedAt, m.NextAttempt}
	if m.SentAt != nil {
		ts = append(ts, *m.SentAt)
	}
	if err := checkTimes(what, ts...); err != nil {
		return false, err
	}
	params, err := json.Marshal(m.Params)
	if err != nil {
		return false, fmt.Errorf("store: %s: %w", what, err)
	}
	if t.deferring() && m.DedupKey == "" {
		// Without a dedup key the insert cannot meet a conflict: held back with the
		// other writes, without reading the new id.
		return true, t.write(ctx, what, `INSERT INTO outbox (channel, recipient, language, kind, params, dedup_key, state, attempts, next_attempt, last_error, created_at, sent_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			[]any{m.Channel, m.Recipient, m.Language, m.Kind, string(params), nullString(m.DedupKey), m.State, m.Attempts,
				formatTime(m.NextAttempt), m.LastError, formatTime(m.CreatedAt), nullTime(m.SentAt)}, nil, false)
	}
	err = t.queryRow(ctx, `INSERT INTO outbox (channel, recipient, language, kind, params, dedup_key, state, attempts, next_attempt, last_error, created_at, sent_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (dedup_key) DO NOTHING
RETURNING id`,
		m.Channel, m.Recipient, m.Language, m.Kind, string(params), nullString(m.DedupKey), m.State, m.Attempts,
		formatTime(m.NextAttempt), m.LastError, formatTime(m.CreatedAt), nullTime(m.SentAt)).Scan(&m.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, t.writeErr(what, err)
	}
	return true, nil
}

const messageColumns = `id, channel, recipient, language, kind, params, dedup_key, state, attempts, next_attempt, last_error, created_at, sent_at`

func (t *sqlTx) messages(ctx context.Context, what, query string, args ...any) ([]Message, error) {
	rows, err := t.query(ctx, `SELECT `+messageColumns+` FROM outbox `+query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		var params string
		var key sql.NullString
		if err := rows.Scan(&m.ID, &m.Channel, &m.Recipient, &m.Language, &m.Kind, &params, &key, &m.State, &m.Attempts,
			timeScanner{&m.NextAttempt}, &m.LastError, timeScanner{&m.CreatedAt}, nullTimeScanner{&m.SentAt}); err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		m.DedupKey = key.String
		if err := json.Unmarshal([]byte(params), &m.Params); err != nil {
			return nil, fmt.Errorf("store: %s: message %d params: %w", what, m.ID, err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return out, nil
}

// DueMessages implements OwnerTx.
func (t *sqlTx) DueMessages(ctx context.Context, now time.Time, limit int) ([]Message, error) {
	if err := checkTimes("due messages", now); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 100
	}
	return t.messages(ctx, "due messages", `WHERE state = ? AND next_attempt <= ? ORDER BY next_attempt, id LIMIT ?`,
		MessagePending, formatTime(now), limit)
}

// Messages implements OwnerTx.
func (t *sqlTx) Messages(ctx context.Context, after int64, limit int) ([]Message, error) {
	if limit <= 0 {
		limit = 100
	}
	return t.messages(ctx, "messages", `WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
}

// ClaimMessage implements OwnerTx.
func (t *sqlTx) ClaimMessage(ctx context.Context, id int64, due, until time.Time) (bool, error) {
	what := fmt.Sprintf("claim message %d", id)
	if err := checkTimes(what, due, until); err != nil {
		return false, err
	}
	res, err := t.exec(ctx, `UPDATE outbox SET next_attempt = ? WHERE id = ? AND state = ? AND next_attempt = ?`,
		formatTime(until), id, MessagePending, formatTime(due))
	if err != nil {
		return false, t.writeErr(what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: %s: %w", what, err)
	}
	return n == 1, nil
}

// UpdateMessage implements OwnerTx.
func (t *sqlTx) UpdateMessage(ctx context.Context, m *Message, claimedUntil time.Time) (bool, error) {
	what := fmt.Sprintf("update message %d", m.ID)
	ts := []time.Time{m.NextAttempt, claimedUntil}
	if m.SentAt != nil {
		ts = append(ts, *m.SentAt)
	}
	if err := checkTimes(what, ts...); err != nil {
		return false, err
	}
	res, err := t.exec(ctx, `UPDATE outbox SET state = ?, attempts = ?, next_attempt = ?, last_error = ?, sent_at = ?
WHERE id = ? AND state = ? AND next_attempt = ?`,
		m.State, m.Attempts, formatTime(m.NextAttempt), m.LastError, nullTime(m.SentAt), m.ID,
		MessagePending, formatTime(claimedUntil))
	if err != nil {
		return false, t.writeErr(what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: %s: %w", what, err)
	}
	return n == 1, nil
}
