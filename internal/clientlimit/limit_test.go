package clientlimit

import (
	"fmt"
	"testing"
	"time"
)

func TestLimiterRefillsAndRefuses(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	l := New(60, 3, func() time.Time { return now })
	for i := range 3 {
		if _, ok := l.Allow("a"); !ok {
			t.Fatalf("request %d within the burst refused", i+1)
		}
	}
	if secs, ok := l.Allow("a"); ok || secs != 1 {
		t.Fatalf("4th request at once: %d, %v; want refused, retry in 1 s", secs, ok)
	}
	if _, ok := l.Allow("b"); !ok {
		t.Fatal("another address shares the bucket")
	}
	now = now.Add(time.Second)
	if _, ok := l.Allow("a"); !ok {
		t.Fatal("a token refilled after 1 s at 60/min, still refused")
	}
	if _, ok := l.Allow("a"); ok {
		t.Fatal("a second token after 1 s at 60/min")
	}
	slow := New(2, 1, func() time.Time { return now })
	slow.Allow("a")
	if secs, ok := slow.Allow("a"); ok || secs != 30 {
		t.Fatalf("at 2/min an empty bucket refills in 30 s, got %d, %v", secs, ok)
	}
	for _, perMinute := range []int{0, -1} {
		if New(perMinute, 5, time.Now) != nil {
			t.Fatalf("a rate of %d must mean no limit", perMinute)
		}
	}
	var none *Limiter
	if _, ok := none.Allow("a"); !ok || none.Clients() != 0 {
		t.Fatal("no limiter refused")
	}
}

func TestLimiterMemoryIsBounded(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	l := New(1, 2, func() time.Time { return now })
	// The victim is being limited when the table fills up.
	for {
		if _, ok := l.Allow("198.51.100.9"); !ok {
			break
		}
	}
	for i := range MaxClients + 50 {
		if _, ok := l.Allow(fmt.Sprintf("10.%d.%d.%d", i>>16, (i>>8)&255, i&255)); !ok && i < MaxClients-1 {
			t.Fatalf("client %d refused before the table was full", i)
		}
		if n := l.Clients(); n > MaxClients+1 {
			t.Fatalf("%d clients remembered, bound %d", n, MaxClients)
		}
	}
	if _, ok := l.Allow("198.51.100.9"); ok {
		t.Fatal("filling the table with other addresses reset a limited client's bucket")
	}
	// Once the buckets refill, the table makes room again.
	now = now.Add(10 * time.Minute)
	if _, ok := l.Allow("203.0.113.1"); !ok {
		t.Fatal("a new client after the others went idle")
	}
	if _, ok := l.clients["203.0.113.1"]; !ok {
		t.Fatal("idle buckets were not dropped to make room")
	}
}

func TestLimiterCountsIPv6Networks(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	l := New(1, 1, func() time.Time { return now })
	if _, ok := l.Allow("2001:db8:1:2::1"); !ok {
		t.Fatal("first request refused")
	}
	if _, ok := l.Allow("2001:db8:1:2:ffff::7"); ok {
		t.Fatal("another address of the same /64 got a bucket of its own")
	}
	if _, ok := l.Allow("2001:db8:1:3::1"); !ok {
		t.Fatal("another /64 was limited")
	}
	if _, ok := l.Check("2001:db8:1:3::1"); ok {
		t.Fatal("Check passed on an empty bucket")
	}
	if _, ok := l.Allow("::ffff:192.0.2.1"); !ok {
		t.Fatal("an IPv4-mapped address refused")
	}
	if _, ok := l.Check("192.0.2.1"); ok {
		t.Fatal("an IPv4-mapped address and its IPv4 form are not one client")
	}
}
