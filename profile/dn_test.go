package profile

import (
	"strings"
	"testing"
)

func TestDN(t *testing.T) {
	c := fixture(t, "certs_ceo_valid_sign_2004_gost.cer")
	got := DN(c.RawSubject)
	for _, want := range []string{"CN=", "SURNAME=", "SERIALNUMBER=IIN123456789011", "C=KZ", "OU=BIN123456789021", "G="} {
		if !strings.Contains(got, want) {
			t.Errorf("DN = %q, lacks %q", got, want)
		}
	}
	if !strings.HasPrefix(got, "CN=") {
		t.Errorf("DN = %q does not keep the encoded order (CN first)", got)
	}
	if got := DN([]byte{0x30, 0x03, 0x01}); !strings.Contains(got, "undecodable") {
		t.Errorf("DN of garbage = %q", got)
	}
}
