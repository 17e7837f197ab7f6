package api

import (
	"net/http"
	"net/netip"

	"github.com/opennca/nca/internal/clientlimit"
)

// ParseTrustedProxies reads a comma-separated list of addresses and CIDR prefixes
// ("10.0.0.0/8, 192.0.2.10, 2001:db8::/32") for Config.TrustedProxies
// (clientlimit.ParseProxies). An empty list gives none.
func ParseTrustedProxies(list string) ([]netip.Prefix, error) {
	return clientlimit.ParseProxies(list)
}

// clientHost returns the address of the client of r: the connection's peer, or,
// when that peer is a trusted proxy (Config.TrustedProxies), the client it forwarded
// in X-Forwarded-For (clientlimit.Proxies.ClientHost). The audit records, the logs
// and the registry lookup limit all see this address.
func (s *Server) clientHost(r *http.Request) string {
	return clientlimit.Proxies(s.proxies).ClientHost(r)
}
