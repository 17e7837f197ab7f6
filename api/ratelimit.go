package api

import (
	"math"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/opennca/nca/core"
)

// Defaults of the registry lookup limit (Config.LookupsPerMinute, Config.LookupBurst).
const (
	defaultLookupsPerMinute = 30
	defaultLookupBurst      = 10
	// maxLimitedClients bounds the memory of the limiter. When it is full, buckets
	// that have refilled (idle clients) are dropped; if none has, new clients share
	// one overflow bucket until some do, so that cycling through many addresses
	// cannot reset anyone's limit.
	maxLimitedClients = 10000
	// overflowKey names the shared bucket of the clients that found the table full.
	overflowKey = "overflow"
)

// limiter is a token bucket per client. It bounds how fast one client can walk
// through identification numbers on the public registry lookups, which answer names
// without sign-in. A client is an IPv4 address or an IPv6 /64 network (one host
// usually holds a whole /64) as Server.clientHost finds it (behind a trusted reverse
// proxy, the address the proxy forwarded). It is per node: behind N nodes a client
// gets N times the rate (docs/api.md).
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

// clientKey is the bucket of a remote host: the address itself for IPv4 (and for
// anything that is not an address), its /64 network for IPv6.
func clientKey(host string) string {
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// allow takes one token of host's bucket. When the bucket is empty it returns a
// KindTooMany error saying when to retry.
func (l *limiter) allow(host string) error {
	return l.take(host, 1)
}

// check is allow without taking a token: it fails only when host's bucket is empty.
func (l *limiter) check(host string) error {
	return l.take(host, 0)
}

func (l *limiter) take(host string, n float64) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.bucket(clientKey(host), now)
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = min(l.burst, b.tokens+el*l.perSec)
		b.last = now
	}
	if b.tokens < 1 {
		wait := (1 - b.tokens) / l.perSec
		secs := max(1, int(math.Ceil(wait)))
		return &retryError{err: core.Errorf(core.KindTooMany, "too many registry lookups from this address: try again in %d s", secs), after: secs}
	}
	b.tokens -= n
	return nil
}

// bucket returns key's bucket, making one (or, when the table is full of clients
// still being limited, handing out the shared overflow bucket). l.mu is held.
func (l *limiter) bucket(key string, now time.Time) *bucket {
	if b, ok := l.clients[key]; ok {
		return b
	}
	if len(l.clients) >= maxLimitedClients {
		for k, b := range l.clients {
			if k != overflowKey && b.tokens+now.Sub(b.last).Seconds()*l.perSec >= l.burst {
				delete(l.clients, k)
			}
		}
	}
	if len(l.clients) >= maxLimitedClients {
		key = overflowKey
		if b, ok := l.clients[key]; ok {
			return b
		}
	}
	b := &bucket{tokens: l.burst, last: now}
	l.clients[key] = b
	return b
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
