package ownersig

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/opennca/nca/core"
)

func sample() Request {
	return Request{
		Action: ActionRevoke, Object: "1a2b", Nonce: strings.Repeat("ab", 16),
		Time: time.Date(2026, 11, 23, 14, 5, 0, 0, time.UTC), Signer: strings.Repeat("0f", 32),
		Fields: map[string]string{FieldReason: "key_compromise", "a": "first"},
	}
}

func TestCanonicalBytes(t *testing.T) {
	want := "nca-owner-request-v1\naction=revoke\nobject=1a2b\nnonce=" + strings.Repeat("ab", 16) +
		"\ntime=2026-11-23T14:05:00Z\nsigner=" + strings.Repeat("0f", 32) + "\na=first\nreason=key_compromise\n"
	if got := string(sample().Bytes()); got != want {
		t.Fatalf("Bytes:\n%s\nwant:\n%s", got, want)
	}
	r, err := Parse([]byte(want))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.Bytes(), []byte(want)) || r.Fields[FieldReason] != "key_compromise" || !r.Time.Equal(sample().Time) {
		t.Fatalf("Parse = %+v", r)
	}
}

func TestParseRefusesNonCanonical(t *testing.T) {
	good := string(sample().Bytes())
	for name, bad := range map[string]string{
		"other magic":       strings.Replace(good, "v1", "v2", 1),
		"no final newline":  strings.TrimSuffix(good, "\n"),
		"CRLF":              strings.ReplaceAll(good, "\n", "\r\n"),
		"fields unordered":  strings.Replace(good, "a=first\nreason=key_compromise\n", "reason=key_compromise\na=first\n", 1),
		"duplicate field":   good + "a=again\n",
		"time with zone":    strings.Replace(good, "14:05:00Z", "19:05:00+05:00", 1),
		"short nonce":       strings.Replace(good, strings.Repeat("ab", 16), "abab", 1),
		"upper-case nonce":  strings.Replace(good, strings.Repeat("ab", 16), strings.Repeat("AB", 16), 1),
		"head out of order": strings.Replace(good, "action=revoke\nobject=1a2b\n", "object=1a2b\naction=revoke\n", 1),
		"not key=value":     good + "junk\n",
		"empty":             "",
	} {
		if _, err := Parse([]byte(bad)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: Parse error %v, want ErrMalformed", name, err)
		}
	}
}

func TestApplicationDigestCoversTheContent(t *testing.T) {
	a := &core.Application{Number: "N1", Template: "legal_entity", Applicant: core.Applicant{IIN: "1", BIN: "2", Role: "employee"},
		Requests: []core.KeyRequest{{Type: core.CertSign, CSR: []byte{1}}}}
	d := ApplicationDigest(a)
	for name, change := range map[string]func(*core.Application){
		"role":    func(a *core.Application) { a.Applicant.Role = "first_head" },
		"bin":     func(a *core.Application) { a.Applicant.BIN = "3" },
		"key":     func(a *core.Application) { a.Requests[0].CSR = []byte{2} },
		"number":  func(a *core.Application) { a.Number = "N2" },
		"surname": func(a *core.Application) { a.Applicant.Surname = "X" },
	} {
		c := *a
		c.Requests = []core.KeyRequest{{Type: core.CertSign, CSR: []byte{1}}}
		change(&c)
		if ApplicationDigest(&c) == d {
			t.Errorf("changing the %s keeps the digest", name)
		}
	}
	// State and history are not content: the digest survives them.
	b := *a
	b.State, b.UpdatedAt = core.StateAwaitingHead, time.Now()
	if ApplicationDigest(&b) != d {
		t.Error("the digest depends on the state")
	}
}

// FuzzParse: any input either fails with ErrMalformed or is canonical.
func FuzzParse(f *testing.F) {
	f.Add(sample().Bytes())
	f.Add([]byte("nca-owner-request-v1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if !bytes.Equal(r.Bytes(), b) {
			t.Fatalf("accepted a non-canonical payload %q", b)
		}
	})
}
