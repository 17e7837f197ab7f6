package api

import (
	"strconv"
	"time"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/internal/clientlimit"
)

// Defaults of the registry lookup limit (Config.LookupsPerMinute, Config.LookupBurst).
const (
	defaultLookupsPerMinute = 30
	defaultLookupBurst      = 10
)

// limiter bounds how fast one client can walk through identification numbers on the
// public registry lookups, which answer names without sign-in: a token bucket per
// client (clientlimit.Limiter) whose refusals are KindTooMany errors with a
// Retry-After. It is per node: behind N nodes a client gets N times the rate
// (docs/api.md).
type limiter struct{ l *clientlimit.Limiter }

// newLimiter returns a limiter of perMinute requests a minute (default 30) with
// bursts of burst (default 10), or nil (no limit) when perMinute is negative.
func newLimiter(perMinute, burst int, now func() time.Time) *limiter {
	if perMinute < 0 {
		return nil
	}
	if perMinute == 0 {
		perMinute = defaultLookupsPerMinute
	}
	if burst <= 0 {
		burst = defaultLookupBurst
	}
	return &limiter{l: clientlimit.New(perMinute, burst, now)}
}

// allow takes one token of host's bucket. When the bucket is empty it returns a
// KindTooMany error saying when to retry.
func (l *limiter) allow(host string) error {
	if l == nil {
		return nil
	}
	return refused(l.l.Allow(host))
}

// check is allow without taking a token: it fails only when host's bucket is empty.
func (l *limiter) check(host string) error {
	if l == nil {
		return nil
	}
	return refused(l.l.Check(host))
}

func refused(secs int, ok bool) error {
	if ok {
		return nil
	}
	return &retryError{err: core.Errorf(core.KindTooMany, "too many registry lookups from this address: try again in %d s", secs), after: secs}
}

// retryError is a KindTooMany error that also tells the client, in Retry-After, when
// to come back.
type retryError struct {
	err   *core.Error
	after int
}

func (e *retryError) Error() string { return e.err.Error() }
func (e *retryError) Unwrap() error { return e.err }

// retryAfter is the Retry-After header value of e.
func (e *retryError) retryAfter() string { return strconv.Itoa(e.after) }
