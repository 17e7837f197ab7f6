// Package audit defines the hash chain of the authority's append-only audit log.
//
// Every record carries the hash of the record before it (PrevHash) and its own hash
// (Hash), so that altering, deleting or reordering stored records breaks the chain.
// The store fills Seq, PrevHash and Hash when it appends a record (store.Tx.AppendAudit);
// Verify checks a run of records read back, VerifyLog a whole log read page by page
// (nca audit verify).
//
// # Canonical encoding
//
// Hash = lower-case hex of SHA-256 over the concatenation of eight length-prefixed
// fields, each written as an 8-byte big-endian byte length followed by the UTF-8
// bytes of the field:
//
//  1. prev: the previous record's Hash (Genesis for the first record)
//  2. Seq in decimal, without sign or leading zeros
//  3. At in UTC, formatted with time.RFC3339Nano (e.g. "2026-03-01T09:15:00.123Z")
//  4. Actor
//  5. Action
//  6. Object
//  7. Address
//  8. Detail
//
// The length prefixes make the encoding unambiguous: no two different records (or
// different prev values) encode to the same bytes. PrevHash and Hash of the record
// itself are not part of the encoding.
package audit

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/opennca/nca/core"
)

// Genesis is the PrevHash of the first record of a log: 64 zeros.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Hash returns the hex SHA-256 of prev followed by the canonical encoding of r (see
// the package documentation). r.PrevHash and r.Hash are ignored; prev is used as is.
func Hash(prev string, r core.AuditRecord) string {
	h := sha256.New()
	var n [8]byte
	field := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	field(prev)
	field(strconv.FormatInt(r.Seq, 10))
	field(r.At.UTC().Format(time.RFC3339Nano))
	field(r.Actor)
	field(r.Action)
	field(r.Object)
	field(r.Address)
	field(r.Detail)
	return hex.EncodeToString(h.Sum(nil))
}

// ChainError reports the first record at which a chain does not verify.
type ChainError struct {
	// Seq is the sequence number of the first broken record.
	Seq int64
	// Reason says what is wrong with it.
	Reason string
}

// Error implements error.
func (e *ChainError) Error() string {
	return fmt.Sprintf("audit: chain broken at seq %d: %s", e.Seq, e.Reason)
}

// Verify checks that records form an unbroken chain that continues from prev (use
// Genesis when records start at the beginning of the log): each record's PrevHash
// equals the Hash of the one before it (prev for the first), each Hash recomputes, and
// sequence numbers increase by one. It returns nil for an empty slice and otherwise a
// *ChainError naming the first broken record.
//
// A record altered in any field, a record deleted from the middle, or records swapped
// are detected. Records cut off at the end are not: compare the last Hash with a copy
// kept elsewhere (an anchor) to detect truncation.
func Verify(records []core.AuditRecord, prev string) error {
	for i, r := range records {
		if i > 0 && r.Seq != records[i-1].Seq+1 {
			return &ChainError{Seq: r.Seq, Reason: fmt.Sprintf("follows seq %d", records[i-1].Seq)}
		}
		if r.PrevHash != prev {
			return &ChainError{Seq: r.Seq, Reason: "prev_hash does not match the previous record's hash"}
		}
		if Hash(prev, r) != r.Hash {
			return &ChainError{Seq: r.Seq, Reason: "hash does not match the record's contents"}
		}
		prev = r.Hash
	}
	return nil
}

// Page reads the records of a log with Seq > after, in order, at most limit of them;
// none when there are no more.
type Page func(ctx context.Context, after int64, limit int) ([]core.AuditRecord, error)

// Anchor is one record of a log as it was seen once, kept outside the database (a
// line printed by a daily `nca audit verify`, a ticket, a notary): its sequence number
// and hash. Since every hash covers all the records before it, a log whose record at
// Seq still has Hash, and whose chain verifies, holds every anchored record unchanged;
// a log that no longer reaches Seq lost records from its end, which the chain alone
// cannot show. Its text form is "SEQ:HASH".
type Anchor struct {
	Seq  int64
	Hash string
}

// String returns the anchor's text form, "SEQ:HASH".
func (a Anchor) String() string { return strconv.FormatInt(a.Seq, 10) + ":" + a.Hash }

// ParseAnchor reads an anchor's text form "SEQ:HASH": a positive decimal sequence
// number and 64 hex digits (upper case is read as lower).
func ParseAnchor(s string) (Anchor, error) {
	seqText, hash, ok := strings.Cut(strings.TrimSpace(s), ":")
	seq, err := strconv.ParseInt(seqText, 10, 64)
	if !ok || err != nil || seq < 1 || seqText[0] == '+' {
		return Anchor{}, fmt.Errorf("audit: anchor %q: want SEQ:HASH with a positive sequence number", s)
	}
	hash = strings.ToLower(hash)
	if b, err := hex.DecodeString(hash); err != nil || len(b) != sha256.Size {
		return Anchor{}, fmt.Errorf("audit: anchor %q: the hash is not 64 hex digits", s)
	}
	return Anchor{Seq: seq, Hash: hash}, nil
}

// AnchorError reports an anchor a log whose chain verifies does not hold.
type AnchorError struct {
	Anchor Anchor
	// Found is the hash of the log's record at Anchor.Seq; "" when the log ends
	// before it, at seq Last.
	Found string
	Last  int64
}

// Error implements error.
func (e *AnchorError) Error() string {
	if e.Found == "" {
		return fmt.Sprintf("audit: the log ends at seq %d, before the anchor %s: records were removed from its end", e.Last, e.Anchor)
	}
	return fmt.Sprintf("audit: seq %d has hash %s, not the anchor's %s: the log up to seq %d was replaced by another chain",
		e.Anchor.Seq, e.Found, e.Anchor.Hash, e.Anchor.Seq)
}

// VerifyLog checks a whole log, read page by page from its first record, as Verify
// checks a run of records: the first record is Seq 1 and chains to Genesis, and each
// page continues the one before it. It returns the number of records and the last
// one (zero for an empty log); for a broken log, those of the records before the
// first broken one with a *ChainError naming it; or the error of a read. Like Verify
// the chain alone cannot see records cut off at the end: for that, give anchors (see
// Anchor). Once the chain verifies, each anchor is checked: a log that ends before an
// anchor's Seq, or whose record there has another hash, gives an *AnchorError (the
// first anchor, by Seq, that fails), with the count and the last record of the log.
func VerifyLog(ctx context.Context, read Page, pageSize int, anchors ...Anchor) (count int64, last core.AuditRecord, err error) {
	if pageSize <= 0 {
		pageSize = 1000
	}
	for _, a := range anchors {
		if a.Seq < 1 {
			return 0, last, fmt.Errorf("audit: anchor %s: sequence numbers start at 1", a)
		}
	}
	anchors = slices.Clone(anchors)
	slices.SortFunc(anchors, func(a, b Anchor) int { return cmp.Compare(a.Seq, b.Seq) })
	var failed *AnchorError // the first anchor that failed, reported once the chain verifies
	next := 0               // anchors[next] is the first not reached yet
	prev := Genesis
	for {
		records, err := read(ctx, last.Seq, pageSize)
		if err != nil {
			return count, last, fmt.Errorf("audit: read the log after seq %d: %w", last.Seq, err)
		}
		if len(records) == 0 {
			if failed == nil && next < len(anchors) {
				failed = &AnchorError{Anchor: anchors[next], Last: last.Seq}
			}
			if failed != nil {
				return count, last, failed
			}
			return count, last, nil
		}
		if want := last.Seq + 1; records[0].Seq != want {
			if count == 0 {
				return count, last, &ChainError{Seq: records[0].Seq, Reason: "the log starts here, not at seq 1"}
			}
			return count, last, &ChainError{Seq: records[0].Seq, Reason: fmt.Sprintf("follows seq %d", last.Seq)}
		}
		if err := Verify(records, prev); err != nil {
			// The records before the broken one verified.
			var ce *ChainError
			if errors.As(err, &ce) {
				for _, r := range records {
					if r.Seq == ce.Seq {
						break
					}
					count, last = count+1, r
				}
			}
			return count, last, err
		}
		for _, r := range records {
			for ; next < len(anchors) && anchors[next].Seq == r.Seq; next++ {
				if failed == nil && anchors[next].Hash != r.Hash {
					failed = &AnchorError{Anchor: anchors[next], Found: r.Hash}
				}
			}
		}
		count += int64(len(records))
		last = records[len(records)-1]
		prev = last.Hash
	}
}
