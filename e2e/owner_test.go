package e2e

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/opennca/nca/client"
	"github.com/opennca/nca/keyfile"
	"github.com/opennca/nca/notify/smtptest"
)

// TestOwnerEndToEnd drives the owner's own actions against the real server with
// e-mail delivered to a real SMTP server on loopback: the notifications of the
// application, the issuance alert, eds login, cabinet, renewal, online revocation
// (CRL updated at once), a first head revoking an employee's certificate, and a
// replayed or foreign signed request refused.
func TestOwnerEndToEnd(t *testing.T) {
	mail := smtptest.Start(t)
	w := newWorld(t, "--smtp-addr", mail.Addr, "--smtp-insecure", "--smtp-from", "NCA <noreply@nca.test>", "--notify-interval", "1s")
	const wait = 30 * time.Second
	mailTo := func(to, subject string) smtptest.Mail {
		t.Helper()
		return mail.Wait(t, wait, func(m smtptest.Mail) bool {
			return len(m.To) == 1 && m.To[0] == to && strings.Contains(m.Subject, subject)
		})
	}

	keys := filepath.Join(w.dir, "owner")
	must(t, w.b, citizenPW, "keygen", "--dir", keys)
	signP12 := keyFile(t, keys, "RSA256_*.p12")
	authP12 := keyFile(t, keys, "AUTH_RSA256_*.p12")
	d := w.demo("individual", "", "")
	p, err := w.reg.Person(context.Background(), d.IIN)
	if err != nil {
		t.Fatal(err)
	}
	args := w.applyArgs(d, keys)
	for i := range args {
		if args[i] == "--email" {
			args[i+1] = "owner@example.kz"
		}
	}
	args = append(args, "--lang", "en")
	out := must(t, w.b, citizenPW, args...)
	number := strings.TrimSpace(strings.SplitN(out, "\n", 2)[0])

	// E-mail on receipt, with the application number, in the applicant's language.
	m := mailTo("owner@example.kz", "Application "+number+" received")
	if !strings.Contains(m.Body, "before ") || m.From != "noreply@nca.test" {
		t.Fatalf("receipt mail: %+v", m)
	}
	w.identify(number)
	mailTo("owner@example.kz", "accepted at the registration centre")
	mailTo("owner@example.kz", "Certificates issued for application "+number)
	// The issuance alert goes to the e-mail the registry has for the IIN.
	alertTo := p.Email
	if alertTo == "" {
		alertTo = "owner@example.kz"
	}
	alert := mailTo(alertTo, "A certificate was issued in your name")
	if !strings.Contains(alert.Body, "eds revoke") || !strings.Contains(alert.Body, number) {
		t.Fatalf("issuance alert body:\n%s", alert.Body)
	}
	must(t, w.b, citizenPW, "fetch", "--server", w.s.url, "--dir", keys, number)
	oldSign, oldAuth := certSerial(t, w.leafOf(signP12)), certSerial(t, w.leafOf(authP12))

	t.Run("login", func(t *testing.T) {
		out := must(t, w.b, citizenPW, "login", "--server", w.s.url, "--key", authP12)
		if !strings.Contains(out, "iin: "+d.IIN) || !strings.Contains(out, "certificate: nca-rsa/"+strings.ToLower(strings.TrimLeft(oldAuth, "0"))) {
			t.Fatalf("eds login:\n%s", out)
		}
	})

	var newSignP12 string
	t.Run("renew without a visit", func(t *testing.T) {
		before, _ := filepath.Glob(filepath.Join(keys, "RSA256_*.p12"))
		out := must(t, w.b, citizenPW, "renew", "--server", w.s.url, "--key", signP12)
		if !strings.Contains(out, "state: issued") || strings.Count(out, "installed: ") != 2 {
			t.Fatalf("eds renew:\n%s", out)
		}
		after, _ := filepath.Glob(filepath.Join(keys, "RSA256_*.p12"))
		if len(after) != len(before)+1 {
			t.Fatalf("renew made %d new signing key files", len(after)-len(before))
		}
		for _, f := range after {
			if f != signP12 {
				newSignP12 = f
			}
		}
		leaf := w.leafOf(newSignP12)
		w.verify(leaf)
		if certSerial(t, leaf) == oldSign {
			t.Fatal("the renewal returned the old certificate")
		}
		// The old certificates are kept (default): the cabinet lists four good ones.
		cab := must(t, w.b, citizenPW, "cabinet", "--server", w.s.url, "--key", newSignP12)
		if n := len(regexp.MustCompile(`(?m)\s+good\s*$`).FindAllString(cab, -1)); n != 4 {
			t.Fatalf("cabinet after renewal: %d good certificates, want 4\n%s", n, cab)
		}
		if !strings.Contains(cab, "renew") || !strings.Contains(cab, number) {
			t.Fatalf("cabinet lacks the renewal or the application:\n%s", cab)
		}
	})

	t.Run("revoke online: CRL at once, e-mail, cabinet", func(t *testing.T) {
		out := must(t, w.b, citizenPW, "revoke", "--server", w.s.url, "--key", newSignP12, "--reason", "key_compromise", oldAuth)
		if !strings.HasPrefix(out, "revoked: ") {
			t.Fatalf("eds revoke:\n%s", out)
		}
		crl := writePEM(t, filepath.Join(w.dir, "owner.crl.pem"), "X509 CRL", get(t, w.s.url+"/crl/nca-rsa.crl"))
		text, err := openssl(t, "crl", "-in", crl, "-noout", "-text")
		if err != nil || !strings.Contains(strings.ToUpper(text), strings.ToUpper(strings.TrimLeft(oldAuth, "0"))) {
			t.Fatalf("the CRL lacks %s: %v\n%s", oldAuth, err, text)
		}
		mailTo("owner@example.kz", "revoked")
		cab := must(t, w.b, citizenPW, "cabinet", "--server", w.s.url, "--key", newSignP12, "--json")
		if !strings.Contains(cab, `"action": "revoke"`) {
			t.Fatalf("the cabinet does not record the revocation:\n%s", cab)
		}
		// The old AUTH certificate no longer signs in.
		r := eds(t, w.b, citizenPW, "login", "--server", w.s.url, "--key", authP12)
		if r.code == 0 || !strings.Contains(r.stderr, "revoked") {
			t.Fatalf("login with the revoked AUTH certificate: exit %d %s", r.code, r.stderr)
		}
	})

	t.Run("signed requests: replay and another person refused", func(t *testing.T) {
		ctx := context.Background()
		open := func(path string) (*keyfile.Container, *x509.Certificate) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			c, err := keyfile.Decode(data, citizenPW)
			if err != nil {
				t.Fatal(err)
			}
			return c, c.Leaf()
		}
		newAuthP12 := filepath.Join(keys, "AUTH_"+filepath.Base(newSignP12))
		authKey, authCert := open(newAuthP12)
		signKey, signCert := open(newSignP12)
		cl, err := client.New(w.s.url, http.DefaultClient)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cl.Login(ctx, authKey.Key, authCert); err != nil {
			t.Fatal(err)
		}
		req, err := client.Sign(signKey.Key, signCert, rand.Reader, time.Now(), client.RevokeRequest(strings.ToLower(strings.TrimLeft(oldSign, "0")), "owner_request"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cl.OwnerRevoke(ctx, strings.ToLower(strings.TrimLeft(oldSign, "0")), req); err != nil {
			t.Fatal(err)
		}
		_, err = cl.OwnerRevoke(ctx, strings.ToLower(strings.TrimLeft(oldSign, "0")), req)
		if p, ok := client.AsProblem(err); !ok || p.StatusCode != http.StatusConflict {
			t.Fatalf("replayed request: %v", err)
		}
		// Signed with the AUTH key instead of SIGN: refused.
		bad, err := client.Sign(authKey.Key, authCert, rand.Reader, time.Now(), client.RevokeRequest(signCert.SerialNumber.Text(16), "owner_request"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = cl.OwnerRevoke(ctx, signCert.SerialNumber.Text(16), bad)
		if p, ok := client.AsProblem(err); !ok || p.StatusCode != http.StatusForbidden {
			t.Fatalf("AUTH-signed request: %v", err)
		}
		// Another person's token with this owner's signature: refused.
		other := w.issued(t, "individual", "", "father", "other")
		ok, oc := open(keyFile(t, other, "AUTH_RSA256_*.p12"))
		cl2, _ := client.New(w.s.url, http.DefaultClient)
		if _, err := cl2.Login(ctx, ok.Key, oc); err != nil {
			t.Fatal(err)
		}
		req, _ = client.Sign(signKey.Key, signCert, rand.Reader, time.Now(), client.RevokeRequest(signCert.SerialNumber.Text(16), "owner_request"))
		_, err = cl2.OwnerRevoke(ctx, signCert.SerialNumber.Text(16), req)
		if p, ok := client.AsProblem(err); !ok || p.StatusCode != http.StatusForbidden {
			t.Fatalf("another person's token: %v", err)
		}
		// And that person's cabinet does not show this owner's certificates.
		cab, err := cl2.Cabinet(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cab.Certificates {
			if c.IIN != cab.IIN || c.IIN == d.IIN {
				t.Fatalf("another's certificate in the cabinet: %+v", c)
			}
		}
	})

	t.Run("first head: confirms by signature, sees and revokes an employee's certificate", func(t *testing.T) {
		headKeys := w.issued(t, "legal_entity", "first_head", "", "head")
		empKeys := filepath.Join(w.dir, "employee")
		must(t, w.b, citizenPW, "keygen", "--dir", empKeys)
		emp := w.demo("legal_entity", "employee", "")
		out := must(t, w.b, citizenPW, w.applyArgs(emp, empKeys)...)
		empNumber := strings.TrimSpace(strings.SplitN(out, "\n", 2)[0])
		headSign := keyFile(t, headKeys, "RSA256_*.p12")
		out = must(t, w.b, citizenPW, "head", "confirm", "--server", w.s.url, "--key", headSign, empNumber)
		if !strings.Contains(out, "state: awaiting_identification") {
			t.Fatalf("head confirm:\n%s", out)
		}
		w.identify(empNumber)
		st := w.status(empNumber)
		cab := must(t, w.b, citizenPW, "cabinet", "--server", w.s.url, "--key", headSign)
		if !strings.Contains(cab, "employees' certificates:") || !strings.Contains(cab, st.Certificates[0]) {
			t.Fatalf("head's cabinet lacks the employee's certificates:\n%s", cab)
		}
		must(t, w.b, citizenPW, "fetch", "--server", w.s.url, "--dir", empKeys, empNumber)

		// The employee renews: the renewal waits for the head, whose signed confirmation
		// issues it; eds fetch installs the certificates into the new key files.
		empSign := keyFile(t, empKeys, "RSA256_*.p12")
		out = must(t, w.b, citizenPW, "renew", "--server", w.s.url, "--key", empSign)
		renewal := strings.TrimSpace(strings.SplitN(out, "\n", 2)[0])
		if !strings.Contains(out, "state: awaiting_head_confirmation") || strings.Contains(out, "installed: ") {
			t.Fatalf("employee renewal:\n%s", out)
		}
		out = must(t, w.b, citizenPW, "head", "confirm", "--server", w.s.url, "--key", headSign, renewal)
		if !strings.Contains(out, "state: issued") {
			t.Fatalf("head confirms the renewal:\n%s", out)
		}
		out = must(t, w.b, citizenPW, "fetch", "--server", w.s.url, "--dir", empKeys, renewal)
		if strings.Count(out, "installed: ") != 2 {
			t.Fatalf("fetch of the renewal:\n%s", out)
		}
		for _, f := range strings.Fields(out) {
			if strings.HasSuffix(f, ".p12") && !strings.Contains(f, "AUTH_") {
				w.verify(w.leafOf(f))
			}
		}

		out = must(t, w.b, citizenPW, append([]string{"revoke", "--server", w.s.url, "--key", headSign, "--reason", "dismissal"}, st.Certificates...)...)
		if strings.Count(out, "revoked: ") != 2 {
			t.Fatalf("head revokes the employee's certificates:\n%s", out)
		}
	})
}

// issued makes key files in w.dir/name for demo person (template, role, note), applies,
// identifies, fetches, and returns the key directory.
func (w *world) issued(t *testing.T, template, role, note, name string) string {
	t.Helper()
	dir := filepath.Join(w.dir, name)
	must(t, w.b, citizenPW, "keygen", "--dir", dir)
	out := must(t, w.b, citizenPW, w.applyArgs(w.demo(template, role, note), dir)...)
	number := strings.TrimSpace(strings.SplitN(out, "\n", 2)[0])
	w.identify(number)
	must(t, w.b, citizenPW, "fetch", "--server", w.s.url, "--dir", dir, number)
	return dir
}
