// Package clientlimit bounds how fast one client may use an endpoint of the
// authority, and finds who the client of an HTTP request is.
//
// A Limiter is a token bucket per client: the public registry lookups (which answer
// names without sign-in), time stamps and OCSP answers signed on demand (each costs a
// signature) use one each. A client is an IPv4 address or an IPv6 /64 network (one
// host usually holds a whole /64), as Proxies.ClientHost finds it: behind a trusted
// reverse proxy, the address the proxy forwarded. Limiters are per node: behind N
// nodes a client gets N times the rate.
package clientlimit

import (
	"math"
	"net/netip"
	"sync"
	"time"
)

const (
	// MaxClients bounds the memory of a Limiter. When it is full, buckets that have
	// refilled (idle clients) are dropped; if none has, new clients share one
	// overflow bucket until some do, so that cycling through many addresses cannot
	// reset anyone's limit.
	MaxClients = 10000
	// overflowKey names the shared bucket of the clients that found the table full.
	overflowKey = "overflow"
)

// Limiter is a token bucket per client; safe for concurrent use. A nil *Limiter
// allows everything.
type Limiter struct {
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

// New returns a limiter of perMinute requests a minute per client, with bursts of up
// to burst requests (at least 1), on the clock now; nil, no limit, when perMinute is
// zero or negative.
func New(perMinute, burst int, now func() time.Time) *Limiter {
	if perMinute <= 0 {
		return nil
	}
	return &Limiter{perSec: float64(perMinute) / 60, burst: float64(max(1, burst)), now: now, clients: map[string]*bucket{}}
}

// Key is the bucket of a remote host: the address itself for IPv4 (and for anything
// that is not an address), its /64 network for IPv6. An IPv4-mapped IPv6 address is
// its IPv4 address.
func Key(host string) string {
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

// Allow takes one token of host's bucket. When the bucket is empty it takes nothing
// and returns false with the whole number of seconds (at least 1) until a token is
// there again, for a Retry-After header.
func (l *Limiter) Allow(host string) (retryAfter int, ok bool) { return l.take(host, 1) }

// Check is Allow without taking a token: false only when host's bucket is empty.
func (l *Limiter) Check(host string) (retryAfter int, ok bool) { return l.take(host, 0) }

func (l *Limiter) take(host string, n float64) (int, bool) {
	if l == nil {
		return 0, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.bucket(Key(host), now)
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = min(l.burst, b.tokens+el*l.perSec)
		b.last = now
	}
	if b.tokens < 1 {
		wait := (1 - b.tokens) / l.perSec
		return max(1, int(math.Ceil(wait))), false
	}
	b.tokens -= n
	return 0, true
}

// Clients returns how many clients the limiter remembers (the overflow bucket
// included).
func (l *Limiter) Clients() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

// bucket returns key's bucket, making one (or, when the table is full of clients
// still being limited, handing out the shared overflow bucket). l.mu is held.
func (l *Limiter) bucket(key string, now time.Time) *bucket {
	if b, ok := l.clients[key]; ok {
		return b
	}
	if len(l.clients) >= MaxClients {
		for k, b := range l.clients {
			if k != overflowKey && b.tokens+now.Sub(b.last).Seconds()*l.perSec >= l.burst {
				delete(l.clients, k)
			}
		}
	}
	if len(l.clients) >= MaxClients {
		key = overflowKey
		if b, ok := l.clients[key]; ok {
			return b
		}
	}
	b := &bucket{tokens: l.burst, last: now}
	l.clients[key] = b
	return b
}
