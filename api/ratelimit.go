package api

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/opennca/nca/core"
)

// Defaults of the registry lookup limit (Config.LookupsPerMinute, Config.LookupBurst).
const (
	defaultLookupsPerMinute = 30
	defaultLookupBurst      = 10
	// maxLimitedClients bounds the memory of the limiter: past it, buckets that are
	// full again (idle clients) are dropped, and if none is, the oldest half goes.
	maxLimitedClients = 10000
)

// limiter is a token bucket per client address. It bounds how fast one client can
// walk through identification numbers on the public registry lookups, which answer
// names without sign-in. It is per node: behind N nodes a client gets N times the
// rate, and behind a reverse proxy every client shares the proxy's address unless the
// proxy limits itself (docs/api.md).
type limiter struct {
	mu      sync.Mutex
	perSec  float64
	burst   float64
	now     func() time.Time
	clients map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// newLimiter returns a limiter of perMinute requests a minute with bursts of burst, or
// nil (no limit) when perMinute is negative.
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
	return &limiter{perSec: float64(perMinute) / 60, burst: float64(burst), now: now, clients: map[string]*bucket{}}
}

// allow takes one token of client's bucket. When the bucket is empty it returns a
// KindTooMany error saying when to retry.
func (l *limiter) allow(client string) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.clients[client]
	if !ok {
		if len(l.clients) >= maxLimitedClients {
			l.evict(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.clients[client] = b
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = min(l.burst, b.tokens+el*l.perSec)
		b.last = now
	}
	if b.tokens < 1 {
		wait := time.Duration((1 - b.tokens) / l.perSec * float64(time.Second))
		secs := max(1, int(math.Ceil(wait.Seconds())))
		return &retryError{err: core.Errorf(core.KindTooMany, "too many registry lookups from this address: try again in %d s", secs), after: secs}
	}
	b.tokens--
	return nil
}

// evict drops the buckets that have refilled (their clients are idle); if that frees
// nothing, it drops the buckets used longest ago until half the room is free.
func (l *limiter) evict(now time.Time) {
	for k, b := range l.clients {
		if b.tokens+now.Sub(b.last).Seconds()*l.perSec >= l.burst {
			delete(l.clients, k)
		}
	}
	if len(l.clients) < maxLimitedClients {
		return
	}
	var oldest time.Time
	for _, b := range l.clients {
		if oldest.IsZero() || b.last.Before(oldest) {
			oldest = b.last
		}
	}
	cut := oldest.Add(now.Sub(oldest) / 2)
	for k, b := range l.clients {
		if !b.last.After(cut) {
			delete(l.clients, k)
		}
	}
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
