package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/registry"
	"github.com/opennca/nca/store"
)

// TestClientHost: without trusted proxies the peer is the client whatever the
// headers say; behind trusted proxies the client is the rightmost address of
// X-Forwarded-For that is not a proxy's, and what a client wrote into the header
// itself is not believed.
func TestClientHost(t *testing.T) {
	proxies, err := ParseTrustedProxies("10.0.0.0/8, 192.0.2.10 ,2001:db8:1::/48")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, peer string
		xff        []string
		trust      bool
		want       string
	}{
		{"no proxies configured: the header is ignored", "203.0.113.5:4000", []string{"198.51.100.1"}, false, "203.0.113.5"},
		{"an untrusted peer: the header is ignored", "203.0.113.5:4000", []string{"198.51.100.1"}, true, "203.0.113.5"},
		{"one trusted proxy", "10.1.2.3:4000", []string{"198.51.100.1"}, true, "198.51.100.1"},
		{"a spoofed entry left of the real one", "10.1.2.3:4000", []string{"1.1.1.1, 198.51.100.1"}, true, "198.51.100.1"},
		{"two proxies, two headers", "192.0.2.10:4000", []string{"1.1.1.1, 198.51.100.1", "10.9.9.9"}, true, "198.51.100.1"},
		{"an entry with a port", "10.1.2.3:4000", []string{"198.51.100.1:51234"}, true, "198.51.100.1"},
		{"IPv6 with brackets and port", "[2001:db8:1::5]:443", []string{"[2001:db8:9::7]:443"}, true, "2001:db8:9::7"},
		{"IPv4-mapped IPv6", "10.1.2.3:4000", []string{"::ffff:198.51.100.1"}, true, "198.51.100.1"},
		{"garbage stops at the proxy that passed it", "10.1.2.3:4000", []string{"198.51.100.1, unknown"}, true, "10.1.2.3"},
		{"only proxies: the leftmost", "10.1.2.3:4000", []string{"10.7.7.7, 10.8.8.8"}, true, "10.7.7.7"},
		{"a trusted peer and no header", "10.1.2.3:4000", nil, true, "10.1.2.3"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := &Server{}
			if c.trust {
				s.proxies = proxies
			}
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = c.peer
			for _, v := range c.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := s.clientHost(r); got != c.want {
				t.Errorf("clientHost = %s, want %s", got, c.want)
			}
		})
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.example", "10.0.0.1/8/8"} {
		if _, err := ParseTrustedProxies(bad); err == nil || !strings.Contains(err.Error(), "trusted proxy") {
			t.Errorf("ParseTrustedProxies(%q) = %v, want an error naming it", bad, err)
		}
	}
}

// TestTrustedProxyEndToEnd: behind a trusted proxy (here the loopback peer of the
// test's requests), two clients forwarded by it have a registry lookup limit each,
// and a submission's audit record names the forwarded client, not the proxy.
func TestTrustedProxyEndToEnd(t *testing.T) {
	ts := newTestServer(t)
	proxies, err := ParseTrustedProxies("127.0.0.0/8, ::1")
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{RA: ts.ra, Signer: ts.ca, LookupsPerMinute: 1, LookupBurst: 1, TrustedProxies: proxies})
	srv := httptest.NewServer(s)
	defer srv.Close()
	var iin string
	for _, c := range registry.DemoCases(ts.reg) {
		if c.IIN != "" {
			iin = c.IIN
			break
		}
	}
	lookup := func(client string) int {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/registry/persons/"+iin, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Forwarded-For", client)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := lookup("198.51.100.1"); code != http.StatusOK {
		t.Fatalf("first lookup of client 1: %d", code)
	}
	if code := lookup("198.51.100.1"); code != http.StatusTooManyRequests {
		t.Fatalf("second lookup of client 1 at once: %d, want 429", code)
	}
	if code := lookup("198.51.100.2"); code != http.StatusOK {
		t.Fatalf("first lookup of client 2 behind the same proxy: %d, want 200 (its own limit)", code)
	}

	body, err := json.Marshal(ts.individualRequest())
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/applications", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", "1.1.1.1, 203.0.113.77")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var sub wire.SubmitResponse
	err = json.NewDecoder(resp.Body).Decode(&sub)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("submit through the proxy: %d, %v", resp.StatusCode, err)
	}
	var recs []core.AuditRecord
	if err := ts.st.Read(context.Background(), func(tx store.Tx) error {
		recs, err = tx.AuditLog(context.Background(), 0, 10000)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range recs {
		if r.Object == sub.Number && r.Action == "application.submit" {
			found = true
			if r.Address != "203.0.113.77" {
				t.Errorf("audit record of the submission has address %q, want the forwarded client 203.0.113.77", r.Address)
			}
		}
	}
	if !found {
		t.Fatalf("no audit record of submission %s", sub.Number)
	}
}
