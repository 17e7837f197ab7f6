package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

// portal is the handler of the embedded files, made once: making it compresses the
// WebAssembly module.
var portal = sync.OnceValue(Handler)

func get(t *testing.T, h http.Handler, method, path string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func checkSecurityHeaders(t *testing.T, w *httptest.ResponseRecorder, what string) {
	t.Helper()
	csp := w.Header().Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("%s: CSP %q lacks %q", what, csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "'unsafe-eval'") {
		t.Errorf("%s: CSP %q allows inline code or eval", what, csp)
	}
	for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"} {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s: %s = %q, want %q", what, k, got, v)
		}
	}
}

func TestIndex(t *testing.T) {
	h := portal()
	w := get(t, h, "GET", "/", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("GET /: %d", w.Code)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("GET /: Content-Type %q", ct)
	}
	checkSecurityHeaders(t, w, "GET /")
	body := w.Body.String()
	for _, want := range []string{"<!doctype html>", `<html lang="kk">`, `<script type="module" src="/static/js/app.js">`, `id="message"`, `id="lang"`} {
		if !strings.Contains(body, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	if w.Header().Get("Cache-Control") != "no-cache" || w.Header().Get("ETag") == "" {
		t.Errorf("GET /: Cache-Control %q, ETag %q", w.Header().Get("Cache-Control"), w.Header().Get("ETag"))
	}

	head := get(t, h, "HEAD", "/", nil)
	if head.Code != http.StatusOK || head.Body.Len() != 0 || head.Header().Get("Content-Length") != w.Header().Get("Content-Length") {
		t.Errorf("HEAD /: %d, body %d bytes, length %q", head.Code, head.Body.Len(), head.Header().Get("Content-Length"))
	}
}

func TestNotFoundAndMethods(t *testing.T) {
	h := portal()
	for _, p := range []string{"/static/", "/static/nope.js", "/static/../web.go", "/index.html", "/static/js"} {
		w := get(t, h, "GET", p, nil)
		if w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, w.Code)
		}
		checkSecurityHeaders(t, w, "GET "+p)
	}
	for _, m := range []string{"POST", "PUT", "DELETE"} {
		w := get(t, h, m, "/", nil)
		if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("%s /: %d, Allow %q", m, w.Code, w.Header().Get("Allow"))
		}
	}
}

func TestMediaTypes(t *testing.T) {
	for name, want := range map[string]string{
		"a.html": "text/html; charset=utf-8", "a.js": "text/javascript; charset=utf-8",
		"a.css": "text/css; charset=utf-8", "a.json": "application/json", "a.wasm": "application/wasm",
		"a.svg": "image/svg+xml", "a.WASM": "application/wasm", "a.p12": "application/octet-stream",
	} {
		if got := MediaType(name); got != want {
			t.Errorf("MediaType(%s) = %q, want %q", name, got, want)
		}
	}
	// Every embedded file is served with its media type.
	h := portal()
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		w := get(t, h, "GET", "/"+p, nil)
		if w.Code != http.StatusOK {
			t.Errorf("GET /%s: %d", p, w.Code)
		}
		if got := w.Header().Get("Content-Type"); got != MediaType(p) {
			t.Errorf("GET /%s: Content-Type %q, want %q", p, got, MediaType(p))
		}
		b, _ := fs.ReadFile(static, p)
		if !bytes.Equal(w.Body.Bytes(), b) {
			t.Errorf("GET /%s: body differs from the embedded file", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestWasmGzipETag serves a WebAssembly module from a test file system: its media
// type, gzip when accepted (and only then), a distinct ETag per encoding, and 304.
func TestWasmGzipETag(t *testing.T) {
	module := append([]byte("\x00asm\x01\x00\x00\x00"), bytes.Repeat([]byte("go wasm "), 4096)...)
	h, err := newHandler(fstest.MapFS{
		"static/index.html":     {Data: []byte("<!doctype html><title>x</title>")},
		"static/wasm/nca.wasm":  {Data: module},
		"static/js/tiny.js":     {Data: []byte("export {};\n")},
		"static/i18n/en.json":   {Data: []byte(`{"a":"b"}`)},
		"static/css/portal.css": {Data: bytes.Repeat([]byte("a{color:red}\n"), 100)},
	})
	if err != nil {
		t.Fatal(err)
	}
	plain := get(t, h, "GET", "/static/wasm/nca.wasm", nil)
	if plain.Code != 200 || plain.Header().Get("Content-Type") != "application/wasm" || plain.Header().Get("Content-Encoding") != "" || !bytes.Equal(plain.Body.Bytes(), module) {
		t.Fatalf("plain wasm: %d %q %q", plain.Code, plain.Header().Get("Content-Type"), plain.Header().Get("Content-Encoding"))
	}
	if !strings.Contains(plain.Header().Get("Vary"), "Accept-Encoding") {
		t.Errorf("wasm: no Vary: Accept-Encoding")
	}
	gz := get(t, h, "GET", "/static/wasm/nca.wasm", map[string]string{"Accept-Encoding": "br, gzip;q=0.8"})
	if gz.Header().Get("Content-Encoding") != "gzip" || gz.Header().Get("Content-Type") != "application/wasm" {
		t.Fatalf("gzip wasm: encoding %q type %q", gz.Header().Get("Content-Encoding"), gz.Header().Get("Content-Type"))
	}
	zr, err := gzip.NewReader(gz.Body)
	if err != nil {
		t.Fatal(err)
	}
	unz, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(unz, module) {
		t.Fatalf("gzip body does not decode to the module: %v", err)
	}
	if gz.Body.Len() >= len(module) {
		t.Errorf("gzip did not compress")
	}
	if gz.Header().Get("ETag") == plain.Header().Get("ETag") {
		t.Errorf("both encodings share the ETag %s", gz.Header().Get("ETag"))
	}
	if w := get(t, h, "GET", "/static/wasm/nca.wasm", map[string]string{"Accept-Encoding": "gzip;q=0"}); w.Header().Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 got gzip")
	}
	for _, enc := range []string{"", "gzip"} {
		ref := plain
		if enc != "" {
			ref = gz
		}
		w := get(t, h, "GET", "/static/wasm/nca.wasm", map[string]string{"Accept-Encoding": enc, "If-None-Match": ref.Header().Get("ETag")})
		if w.Code != http.StatusNotModified || w.Body.Len() != 0 {
			t.Errorf("If-None-Match (%q): %d, %d bytes", enc, w.Code, w.Body.Len())
		}
	}
	if w := get(t, h, "GET", "/static/wasm/nca.wasm", map[string]string{"If-None-Match": `"other"`}); w.Code != 200 {
		t.Errorf("a stale ETag: %d", w.Code)
	}
	// Small files are not worth compressing.
	if w := get(t, h, "GET", "/static/js/tiny.js", map[string]string{"Accept-Encoding": "gzip"}); w.Header().Get("Content-Encoding") != "" {
		t.Errorf("tiny.js compressed")
	}
	if w := get(t, h, "GET", "/static/css/portal.css", map[string]string{"Accept-Encoding": "gzip"}); w.Header().Get("Content-Encoding") != "gzip" {
		t.Errorf("portal.css not compressed")
	}
	// The first gzip requests, arriving together, share one compression.
	h2, err := newHandler(fstest.MapFS{"static/index.html": {Data: []byte("x")}, "static/wasm/nca.wasm": {Data: module}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	bodies := make([][]byte, 8)
	for i := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := httptest.NewRequest("GET", "/static/wasm/nca.wasm", nil)
			r.Header.Set("Accept-Encoding", "gzip")
			w := httptest.NewRecorder()
			h2.ServeHTTP(w, r)
			bodies[i] = w.Body.Bytes()
		}()
	}
	wg.Wait()
	for i := range bodies {
		if len(bodies[i]) == 0 || !bytes.Equal(bodies[i], bodies[0]) {
			t.Errorf("concurrent gzip answer %d differs", i)
		}
	}
	if zr, err := gzip.NewReader(bytes.NewReader(bodies[0])); err != nil {
		t.Error(err)
	} else if b, err := io.ReadAll(zr); err != nil || !bytes.Equal(b, module) {
		t.Errorf("concurrent gzip answer does not decode to the module: %v", err)
	}
	if _, err := newHandler(fstest.MapFS{"static/js/a.js": {Data: []byte("x")}}); err == nil {
		t.Errorf("a portal without index.html was accepted")
	}
}

func TestAcceptsGzip(t *testing.T) {
	for v, want := range map[string]bool{
		"": false, "gzip": true, "GZIP": true, "br": false, "deflate, gzip": true, "gzip;q=0": false,
		"gzip; q=0.5": true, "*": true, "identity": false, "x-gzip": true,
	} {
		if got := acceptsGzip(v); got != want {
			t.Errorf("acceptsGzip(%q) = %v", v, got)
		}
	}
}
