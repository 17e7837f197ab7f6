package gost

import (
	"bytes"
	"crypto/hmac"
	"encoding/hex"
	"hash"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func digestHex(h hash.Hash, msg []byte) string {
	h.Reset()
	h.Write(msg)
	return hex.EncodeToString(h.Sum(nil))
}

// GOST.md: GOST 34.311-95 with the test S-box, byte-stream output.
func TestGOST34311Vectors(t *testing.T) {
	for _, tc := range []struct{ msg, want string }{
		{"This is message, length=32 bytes", "b1c466d37519b82e8319819ff32595e047a28cb6f83eff1c6916a815a637fffa"},
		{"Suppose the original message has length = 50 bytes", "471aba57a60a770d3a76130635c1fbea4ef14de51f78b4ae57dd893b62f55208"},
		{"abc", "f3134348c44fb1b2a277729e2285ebb5cb5e0f29c975bc753b70497c06a4d51d"},
		{"", "ce85b99cc46752fffee35cab9a7b0278abb4c2d2055cff685af4912c49490f8d"},
	} {
		if got := digestHex(NewGOST34311(), []byte(tc.msg)); got != tc.want {
			t.Errorf("GOST34311(%q) = %s, want %s", tc.msg, got, tc.want)
		}
		if got := SumGOST34311([]byte(tc.msg)); hex.EncodeToString(got[:]) != tc.want {
			t.Errorf("SumGOST34311(%q) = %x", tc.msg, got)
		}
		if got := digestHex(NewGOSTR341194(SBoxTest()), []byte(tc.msg)); got != tc.want {
			t.Errorf("NewGOSTR341194(SBoxTest())(%q) = %s", tc.msg, got)
		}
	}
}

// The CryptoPro S-box gives other digests (RFC 4357 parameter set): a negative test for
// the Kazakh hash, and vectors of its own.
func TestGOSTR341194CryptoProVectors(t *testing.T) {
	msg := []byte("This is message, length=32 bytes")
	if digestHex(NewGOSTR341194CryptoPro(), msg) == digestHex(NewGOST34311(), msg) {
		t.Fatal("CryptoPro and test S-boxes give the same digest")
	}
	for _, tc := range []struct{ msg, want string }{
		{"This is message, length=32 bytes", "2cefc2f7b7bdc514e18ea57fa74ff357e7fa17d652c75f69cb1be7893ede48eb"},
		{"Suppose the original message has length = 50 bytes", "c3730c5cbccacf915ac292676f21e8bd4ef75331d9405e5f1a61dc3130a65011"},
		{"", "981e5f3ca30c841487830f84fb433e13ac1101569b9c13584ac483234cd656c0"},
	} {
		if got := digestHex(NewGOSTR341194CryptoPro(), []byte(tc.msg)); got != tc.want {
			t.Errorf("GOSTR341194CryptoPro(%q) = %s, want %s", tc.msg, got, tc.want)
		}
	}
}

// GOST.md / RFC 6986: Streebog M1 and M2, both sizes.
func TestStreebogVectors(t *testing.T) {
	m1 := []byte("012345678901234567890123456789012345678901234567890123456789012")
	m2 := unhex(t, "d1e520e2e5f2f0e82c20d1f2f0e8e1eee6e820e2edf3f6e82c20e2e5fef2fa20f120eceef0ff20f1f2f0e5ebe0ece820ede020f5f0e0e1f0fbff20efebfaeafb20c8e3eef0e5e2fb")
	for _, tc := range []struct {
		name     string
		msg      []byte
		w512     string
		w256     string
		sum512   [64]byte
		sum256   [32]byte
		useSumFn bool
	}{
		{name: "M1", msg: m1,
			w512: "1b54d01a4af5b9d5cc3d86d68d285462b19abc2475222f35c085122be4ba1ffa00ad30f8767b3a82384c6574f024c311e2a481332b08ef7f41797891c1646f48",
			w256: "9d151eefd8590b89daa6ba6cb74af9275dd051026bb149a452fd84e5e57b5500"},
		{name: "M2", msg: m2,
			w512: "1e88e62226bfca6f9994f1f2d51569e0daf8475a3b0fe61a5300eee46d961376035fe83549ada2b8620fcd7c496ce5b33f0cb9dddc2b6460143b03dabac9fb28",
			w256: "9dd2fe4e90409e5da87f53976d7405b0c0cac628fc669a741d50063c557e8f50"},
	} {
		if got := digestHex(NewStreebog512(), tc.msg); got != tc.w512 {
			t.Errorf("Streebog-512(%s) = %s", tc.name, got)
		}
		if got := digestHex(NewStreebog256(), tc.msg); got != tc.w256 {
			t.Errorf("Streebog-256(%s) = %s", tc.name, got)
		}
		if got := SumStreebog512(tc.msg); hex.EncodeToString(got[:]) != tc.w512 {
			t.Errorf("SumStreebog512(%s) = %x", tc.name, got)
		}
		if got := SumStreebog256(tc.msg); hex.EncodeToString(got[:]) != tc.w256 {
			t.Errorf("SumStreebog256(%s) = %x", tc.name, got)
		}
	}
}

// Digests of runs of 'a' computed with OpenSSL's gost-engine 3.0.1 (openssl dgst -engine
// gost -streebog256 / -streebog512 / -md_gost94), covering the padding boundaries.
func TestHashesAgainstOpenSSL(t *testing.T) {
	for _, tc := range []struct {
		n                     int
		s256, s512, cryptoPro string
	}{
		// For the empty message gost-engine's md_gost94 prints 3f25bc1f…e4c8: it hashes one
		// all-zero block, which the standard does not (the CryptoPro digest of "" is
		// 981e5f3c…56c0, tested above, and GOST.md's test-S-box digest of "" agrees).
		{0, "3f539a213e97c802cc229d474c6aa32a825a360b2a933a949fd925208d9ce1bb", "8e945da209aa869f0455928529bcae4679e9873ab707b55315f56ceb98bef0a7362f715528356ee83cda5f2aac4c6ad2ba3a715c1bcd81cb8e9f90bf4c1c1a8a", ""},
		{1, "ba31099b9cc84ec2a671e9313572378920a705b363b031a1cb4fc03e01ce8df3", "8b2a40ecab7b7496bc4cc0f773595452baf658849b495acc3ba017206810efb00420ccd73fb3297e0f7890941b84ac4a8bc27e3c95e1f97c094609e2136abb7e", "e74c52dd282183bf37af0079c9f78055715a103f17e3133ceff1aacf2f403011"},
		{31, "8a529e8c4737424a4306df2cdf55325e2fc9243afeebd8b04293462c700764e7", "173c19fc8644b18148b997bd18f0f57ae72dd2cd395551ccdfad41f949b90d6b8cdb2ebb59b7298741061a3613f6e4aaad357f862ce66ec502bb4d6d9745de6b", "8978e06b0ecf54ea81ec51ca4e02bcb4eb390b3f04cb5f65ee8de195ffae591b"},
		{32, "6ebf3cc65242c1cb33972b042e87cd8d982913a94d7769089bba08135ce22bb0", "47c63bdb82e48632379e34184fef7af549185f7c1c84389b39b1524e891f8f3e690d80c3365b6ef325dd817491d0c336230eb57f560a542a1020a5bd40df9ac0", "e121e3740ae94ca6d289e6d653ff31695783efff3dd960417a1098a0130fa720"},
		{33, "48c9ad9850cbb5a693a22da2199d75f0cfe5167ce807adf36a752a1c39d9fdff", "cf325dc3e0730b7b84c412c62617886606ca702d21e70013a66d148bebd55217e357c760c7ac132bc236de9661300a3ed2ad336f435c86d3f1f83ca8ca5f43b5", "d3e8f22d9762a148ddfc84a6043d97a608604dae7c05baee72b55f559d03dd74"},
		{63, "c2d359777ece1107df6c6899247fc4cd5492d0e3a60065965acb5a5bf8807dd2", "ab13de67195abaa49dfecd8fbd152c9058bc85fc5d5bb6436b1e91bb2ea1fa4244efc3b2ab308dbe2d78fb46b4c6304e8e5fc7bc3bfde8e8f277c2407d845448", "745a576802acbe37a13aed00775d77a9046ba253837b212d5452411961b90f18"},
		{64, "c2ce0969b6e468445ecfaed89f614178f89cc37ab59523528a58745007f33ab2", "613852076ca11156cf7d00f4feef0d5e3198e638f8e20eb02da2f5f7dca5b62dd9fb88e22e825f727ed6f25e4145dc868d0ef41e3e451e34b780e5547ade0d43", "351e9effed44763b11597bc3286b0d0e06bc62dfffea7ee0d3d3a892d33c88a7"},
		{65, "eed69dade400108a57e054f03dd694ab128207cefaae4c56159e13442e3f03f9", "42baf8f1711d47b6de63559743d09f5e11c9a348bea73b8bb3fe11be0ec0f6029856d70b936a00f7414b5f1ebd8e2bdaa74f3a893b90978da9cadcb72ae50338", "975ff8c3e7102ca61c47c894df3defe4f408018a2e1f4930ce5cb366db503417"},
		{127, "16a3373623efe72f3ffb7675b2aa5f558f09e531442d4f7310246fff78bf8784", "b831254408b55628135ece203fadfb9d1771123c1a53dd9e6522c478459950e1c60d30b3b36ed4190c8c6b120f8e1789d15b5ce870e31550cb889824e4387402", "87fb247f096f88fd6dc9dece2fbc8050f3ea9b9160376a65a75f0fcc5e42ca69"},
		{128, "cb8dedf5f959023c061dc6bc233b38e799be507a503ed26ee82c8ae3f340981f", "24741e27419b5e5796383cc54a915c5a69322c758f4391f48f2f120d832f840a82c4a23528d15612febfd2647ce64a97ba6ead9686617876f2d197087b47280f", "8521b1ff99ba64eaf043b0cbe96d0ec1496749d36c7d0d33c387ca0e0d61a386"},
		{1000, "e770017612ee6f0bd6dc188268c5dd331e08bad7203153b7a606386d486aebd7", "15b744f8a6131244ed96d4f351f2df78bab88861e1a3c8743123969f8d924da24faaf6aec9480007c0a7c9eb41fb000d08c769a1de581597f988c0346ce16c58", "cfd707497028e7afefdf80f823a0e0171bcdf5ee402be94e448acb8fb4ae58f3"},
	} {
		msg := bytes.Repeat([]byte("a"), tc.n)
		if got := digestHex(NewStreebog256(), msg); got != tc.s256 {
			t.Errorf("Streebog-256(a×%d) = %s, want %s", tc.n, got, tc.s256)
		}
		if got := digestHex(NewStreebog512(), msg); got != tc.s512 {
			t.Errorf("Streebog-512(a×%d) = %s, want %s", tc.n, got, tc.s512)
		}
		if got := digestHex(NewGOSTR341194CryptoPro(), msg); tc.cryptoPro != "" && got != tc.cryptoPro {
			t.Errorf("GOSTR341194CryptoPro(a×%d) = %s, want %s", tc.n, got, tc.cryptoPro)
		}
	}
}

// RFC 7836 HMAC vectors through crypto/hmac.
func TestHMACStreebog(t *testing.T) {
	key := unhex(t, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	msg := unhex(t, "0126bdb87800af214341456563780100")
	m := hmac.New(NewStreebog256, key)
	m.Write(msg)
	if got := hex.EncodeToString(m.Sum(nil)); got != "a1aa5f7de402d7b3d323f2991c8d4534013137010a83754fd0af6d7cd4922ed9" {
		t.Errorf("HMAC-Streebog-256 = %s", got)
	}
	m = hmac.New(NewStreebog512, key)
	m.Write(msg)
	if got := hex.EncodeToString(m.Sum(nil)); got != "a59bab22ecae19c65fbde6e5f4e9f5d8549d31f037f9df9b905500e171923a773d5f1530f2ed7e964cb2eedc29e9ad2f3afe93b2814f79f5000ffc0366c251e6" {
		t.Errorf("HMAC-Streebog-512 = %s", got)
	}
}

// The hash.Hash contract: split writes, Sum does not change the state, Reset, sizes.
func TestHashInterface(t *testing.T) {
	msg := make([]byte, 1000)
	for i := range msg {
		msg[i] = byte(i*7 + 3)
	}
	for _, name := range HashNames() {
		h, err := NewHashByName(name)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := HashByName(name)
		if h.Size() != id.Size() {
			t.Errorf("%s: Size %d, Hash.Size %d", name, h.Size(), id.Size())
		}
		want := digestHex(h, msg)
		if len(want) != 2*h.Size() {
			t.Errorf("%s: digest length %d", name, len(want)/2)
		}
		for _, split := range []int{1, 7, 31, 32, 33, 63, 64, 65, 500} {
			h.Reset()
			for off := 0; off < len(msg); off += split {
				h.Write(msg[off:min(off+split, len(msg))])
				if off == 2*split {
					h.Sum(nil) // must not disturb the state
				}
			}
			if got := hex.EncodeToString(h.Sum(nil)); got != want {
				t.Errorf("%s split %d: %s, want %s", name, split, got, want)
			}
		}
		prefix := []byte("prefix")
		if got := h.Sum(prefix); !bytes.HasPrefix(got, prefix) || hex.EncodeToString(got[len(prefix):]) != want {
			t.Errorf("%s: Sum does not append", name)
		}
	}
}

func TestNewHashByName(t *testing.T) {
	for name, want := range map[string]Hash{
		"streebog256": HashStreebog256, "STREEBOG512": HashStreebog512, "gost34311": HashGOST34311,
		" gost34311-95 ": HashGOST34311, "gostr3411-94-cryptopro": HashGOSTR341194CryptoPro,
	} {
		got, err := HashByName(name)
		if err != nil || got != want {
			t.Errorf("HashByName(%q) = %v, %v", name, got, err)
		}
		h, err := NewHashByName(name)
		if err != nil || h.Size() != want.Size() {
			t.Errorf("NewHashByName(%q): %v", name, err)
		}
	}
	if _, err := NewHashByName("sha1"); err == nil {
		t.Error("NewHashByName accepted sha1")
	}
	if Hash(0).New() != nil || Hash(0).Size() != 0 || Hash(99).String() != "Hash(99)" {
		t.Error("invalid Hash values misbehave")
	}
}
