package clientlimit

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the reverse proxies and load balancers in front of a node, whose
// X-Forwarded-For headers are believed (ClientHost).
type Proxies []netip.Prefix

// ParseProxies reads a comma-separated list of addresses and CIDR prefixes
// ("10.0.0.0/8, 192.0.2.10, 2001:db8::/32"). An empty list gives none.
func ParseProxies(list string) (Proxies, error) {
	var out Proxies
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: not an IP address or CIDR prefix", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// ClientHost returns the address of the client of r. It is the connection's peer,
// unless that peer is one of p: then X-Forwarded-For is read from the right, each
// proxy having appended the peer it saw, and the client is the first address that is
// not a proxy's. Whatever stands left of it was written by the client itself and is
// not believed. An entry that is not an address stops the walk at the proxy that
// passed it on.
func (p Proxies) ClientHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if len(p) == 0 {
		return host
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || !p.trusted(addr) {
		return host
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := forwardedAddr(hops[i])
		if !ok {
			break
		}
		addr = a
		if !p.trusted(a) {
			break
		}
	}
	return addr.Unmap().String()
}

// trusted reports whether a is the address of one of p.
func (p Proxies) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, q := range p {
		if q.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedAddr reads one X-Forwarded-For entry: an address, possibly with a port
// ("192.0.2.1:5000", "[2001:db8::1]:443").
func forwardedAddr(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a, true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr(), true
	}
	if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")); err == nil {
		return a, true
	}
	return netip.Addr{}, false
}
