// Package web serves the authority's browser portal: a dependency-free single-page
// application (ES modules, no build step, no third-party code) embedded in the binary,
// in Kazakh, Russian and English. Citizens apply, generate their keys, follow their
// application, install their certificates and use their personal cabinet; first heads
// confirm employees; operators work the registration-centre desk (docs/portal.md).
//
// Private keys never leave the browser: they are generated and used by the project's
// own Go crypto compiled to WebAssembly (static/wasm/nca.wasm, built by go generate),
// running in a Web Worker. The server only ever sees public keys, certificate
// requests and signatures.
//
// Handler serves GET and HEAD of "/" (index.html) and of "/static/..." (the assets)
// with their exact media types (application/wasm included), a strong ETag answered by
// 304 on If-None-Match, "Cache-Control: no-cache" (every use revalidates, so a new
// binary's assets are picked up at once), gzip when the client accepts it for text
// and WebAssembly (each file compressed once, when first asked for), and on every answer the security headers: a Content-Security-Policy
// allowing only the portal's own origin (plus 'wasm-unsafe-eval' to compile the
// WebAssembly module; no inline scripts or styles), frame-ancestors 'none',
// X-Content-Type-Options nosniff and Referrer-Policy no-referrer.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

//go:embed static
var static embed.FS

// CSP is the Content-Security-Policy of every portal answer.
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
	"img-src 'self' data:; font-src 'self'; connect-src 'self' blob:; worker-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// mediaTypes maps file extensions to the Content-Type served. Anything else is
// application/octet-stream.
var mediaTypes = map[string]string{
	".html":  "text/html; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".mjs":   "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".json":  "application/json",
	".wasm":  "application/wasm",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".ico":   "image/x-icon",
	".woff2": "font/woff2",
	".txt":   "text/plain; charset=utf-8",
}

// compressible lists the extensions served gzip-encoded when the client accepts it.
var compressible = map[string]bool{".html": true, ".js": true, ".mjs": true, ".css": true, ".json": true, ".wasm": true, ".svg": true, ".txt": true}

// MediaType returns the Content-Type the portal serves a file name with.
func MediaType(name string) string {
	if t, ok := mediaTypes[strings.ToLower(path.Ext(name))]; ok {
		return t
	}
	return "application/octet-stream"
}

// asset is one embedded file, ready to serve. Its gzip encoding is made on first
// demand (the WebAssembly module takes a while), once.
type asset struct {
	name     string
	typ      string
	body     []byte
	etag     string
	compress bool

	gzOnce  sync.Once
	gz      []byte // nil when not compressible or not smaller
	gzipTag string
}

// handler serves the embedded portal. It is read-only once built.
type handler struct {
	assets map[string]*asset // by URL path: "/" and "/static/…"
}

// Handler returns the portal's http.Handler. It indexes the embedded files when made
// and compresses each at most once, on its first gzip request; callers create it once
// per server.
func Handler() http.Handler {
	h, err := newHandler(static)
	if err != nil {
		// The files are embedded at build time; failing to read them is a broken binary.
		panic(fmt.Sprintf("web: embedded portal files: %v", err))
	}
	return h
}

// newHandler builds the handler from fsys, whose root holds the folder "static".
func newHandler(fsys fs.FS) (*handler, error) {
	h := &handler{assets: map[string]*asset{}}
	err := fs.WalkDir(fsys, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		a, err := newAsset(p, b)
		if err != nil {
			return err
		}
		h.assets["/"+p] = a
		return nil
	})
	if err != nil {
		return nil, err
	}
	index, ok := h.assets["/static/index.html"]
	if !ok {
		return nil, fmt.Errorf("static/index.html is missing")
	}
	h.assets["/"] = index
	return h, nil
}

func newAsset(name string, b []byte) (*asset, error) {
	sum := sha256.Sum256(b)
	tag := hex.EncodeToString(sum[:16])
	return &asset{
		name: name, typ: MediaType(name), body: b, etag: `"` + tag + `"`,
		compress: compressible[strings.ToLower(path.Ext(name))] && len(b) > 512,
	}, nil
}

// gzipped returns the gzip encoding of a and its ETag, or nil when a is not
// compressible or would not get smaller.
func (a *asset) gzipped() ([]byte, string) {
	if !a.compress {
		return nil, ""
	}
	a.gzOnce.Do(func() {
		level := gzip.BestCompression
		if len(a.body) > 1<<20 {
			level = gzip.DefaultCompression
		}
		var buf bytes.Buffer
		zw, err := gzip.NewWriterLevel(&buf, level)
		if err != nil {
			return // an invalid level: a programming error, served uncompressed
		}
		if _, err := zw.Write(a.body); err != nil {
			return
		}
		if err := zw.Close(); err != nil {
			return
		}
		if buf.Len() < len(a.body) {
			a.gz = buf.Bytes()
			a.gzipTag = strings.TrimSuffix(a.etag, `"`) + `-gz"`
		}
	})
	return a.gz, a.gzipTag
}

// securityHeaders sets the headers every portal answer carries.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
}

// ServeHTTP implements http.Handler.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	securityHeaders(hdr)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, "the portal answers GET and HEAD only", http.StatusMethodNotAllowed)
		return
	}
	a, ok := h.assets[r.URL.Path]
	if !ok {
		http.Error(w, "not found: the portal is at /", http.StatusNotFound)
		return
	}
	body, etag := a.body, a.etag
	if a.compress {
		hdr.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			if gz, tag := a.gzipped(); gz != nil {
				body, etag = gz, tag
				hdr.Set("Content-Encoding", "gzip")
			}
		}
	}
	hdr.Set("Content-Type", a.typ)
	hdr.Set("ETag", etag)
	hdr.Set("Cache-Control", "no-cache")
	if etagMatch(r.Header.Get("If-None-Match"), etag) {
		hdr.Del("Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

// acceptsGzip reports whether an Accept-Encoding header accepts gzip (q > 0).
func acceptsGzip(v string) bool {
	for _, part := range strings.Split(v, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "x-gzip" && name != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		if q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000" {
			return false
		}
		return true
	}
	return false
}

// etagMatch reports whether an If-None-Match header names etag (weak comparison).
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
