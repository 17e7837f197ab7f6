package core

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the edges: each kind has a stable problem type URI and
// an HTTP status (package api).
type Kind string

// Error kinds.
const (
	KindInvalid       Kind = "invalid-input" // 400: malformed or semantically wrong input
	KindUnauthorized  Kind = "unauthorized"  // 401: no or bad credentials
	KindForbidden     Kind = "forbidden"     // 403: authenticated but not allowed
	KindNotFound      Kind = "not-found"     // 404
	KindConflict      Kind = "conflict"      // 409: wrong state transition, duplicate
	KindExpired       Kind = "expired"       // 410: expired application / challenge
	KindUnprocessable Kind = "unprocessable" // 422: well-formed but refused by a rule
	KindTooMany       Kind = "too-many"      // 429: the caller asked too often; retry later
	KindInternal      Kind = "internal"      // 500
)

// Error is a typed domain error. Detail is safe to show to the caller; Err (if any) is
// the wrapped cause and is never shown to a remote caller.
type Error struct {
	Kind   Kind
	Detail string
	Err    error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Kind, e.Detail, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Kind, e.Detail)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf makes an *Error of kind k with a formatted, caller-safe detail.
func Errorf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Detail: fmt.Sprintf(format, args...)}
}

// Wrap makes an *Error of kind k around cause err; detail is caller-safe.
func Wrap(k Kind, err error, detail string) *Error {
	return &Error{Kind: k, Detail: detail, Err: err}
}

// KindOf returns the kind of the first *Error in err's chain, or KindInternal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// ErrNotFound is returned by the store when a row does not exist.
var ErrNotFound = &Error{Kind: KindNotFound, Detail: "not found"}

// ErrDuplicate is returned by the store when a uniqueness constraint is violated.
var ErrDuplicate = &Error{Kind: KindConflict, Detail: "duplicate"}
