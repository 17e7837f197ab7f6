package e2e

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// harnessPage exercises what the portal tests rely on: a blob download with a
// suggested name, a file input read by the page, a console error and a language kept
// in localStorage.
const harnessPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>harness</title></head><body>
<select id="lang"><option value="en">en</option><option value="kk">kk</option></select>
<input id="f" type="file"><pre id="got"></pre>
<a id="dl" download="RSA256_x.p12" href="#">key</a>
<a id="pdf" href="/doc.pdf">pdf</a>
<button id="err">error</button><button id="werr">worker</button>
<script>
const l = localStorage.getItem('lang'); if (l) { document.documentElement.lang = l; document.querySelector('#lang').value = l; }
document.querySelector('#lang').addEventListener('change', e => { localStorage.setItem('lang', e.target.value); document.documentElement.lang = e.target.value; });
document.querySelector('#dl').href = URL.createObjectURL(new Blob([new Uint8Array([1, 2, 3])]));
document.querySelector('#f').addEventListener('change', async e => { document.querySelector('#got').textContent = await e.target.files[0].text(); });
document.querySelector('#err').addEventListener('click', () => console.error('deliberate'));
document.querySelector('#werr').addEventListener('click', () => { const w = new Worker('/worker.js'); w.onmessage = (e) => { document.querySelector('#got').textContent = e.data; }; w.postMessage('go'); });
</script></body></html>`

// TestBrowserHarness checks the harness itself against a minimal page, so that a
// failure of the portal tests is about the portal.
func TestBrowserHarness(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(harnessPage))
		case "/worker.js":
			w.Header().Set("Content-Type", "text/javascript")
			_, _ = w.Write([]byte(`onmessage = () => { setTimeout(() => { console.error('worker deliberate'); postMessage('worker done'); }, 500); };`))
		case "/doc.pdf":
			w.Header().Set("Content-Type", "application/pdf")
			_, _ = w.Write([]byte("%PDF-1.4 not really"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	b := newBrowser(t, "harness")
	b.open(srv.URL + "/#/")

	got := b.downloadClick("#dl", filepath.Join(t.TempDir(), "keys"))
	if filepath.Base(got) != "RSA256_x.p12" {
		t.Errorf("download saved as %s", got)
	}
	if data, err := os.ReadFile(got); err != nil || string(data) != "\x01\x02\x03" {
		t.Errorf("downloaded %q, %v", data, err)
	}
	if data := b.linkBytes("#pdf"); !strings.HasPrefix(string(data), "%PDF-1.4") {
		t.Errorf("link fetched %q", data)
	}

	in := filepath.Join(t.TempDir(), "in.txt")
	if err := os.WriteFile(in, []byte("hello file"), 0o600); err != nil {
		t.Fatal(err)
	}
	b.upload("#f", in)
	b.waitJS(stepTimeout, "the page read the file", `document.querySelector('#got').textContent === 'hello file'`)

	b.setField("select#lang", "kk")
	b.do("reload", chromedpReload())
	b.waitJS(stepTimeout, "the language survives a reload", `document.documentElement.lang === 'kk'`)

	b.click("#err")
	b.waitJS(stepTimeout, "the console error is recorded", `true`)
	b.mu.Lock()
	n := len(b.problems)
	b.mu.Unlock()
	if n == 0 {
		// The event may still be on its way: wait for one more round trip.
		b.text("#got")
		b.mu.Lock()
		n = len(b.problems)
		b.mu.Unlock()
	}
	if n != 1 {
		t.Errorf("recorded problems: %d, want the one deliberate console.error", n)
	}
	b.allow(`console\.error: deliberate`)

	// A console error inside a Web Worker is recorded as well.
	b.click("#werr")
	b.waitJS(stepTimeout, "the worker answered", `document.querySelector('#got').textContent === 'worker done'`)
	b.text("#got")
	b.mu.Lock()
	all := strings.Join(b.problems, "\n")
	b.mu.Unlock()
	if !strings.Contains(all, "worker deliberate") {
		t.Errorf("the worker's console error was not recorded: %s", all)
	}
	b.allow(`worker deliberate`)
}
