package ocsp

import (
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/opennca/nca/pki"
)

// MaxRequestBytes bounds an OCSP request body (up to pki.MaxOCSPRequests CertIDs,
// about 100 bytes each, a nonce, maybe a signature with its certificates).
const MaxRequestBytes = 16 << 10

// Register mounts the responder on mux:
//
//	POST /ocsp                 request body application/ocsp-request, any issuing CA
//	POST /ocsp/{ca}            the same, for the CA of the certificates' AIA URL
//	GET  /ocsp/{ca}/{request}  RFC 5019 §5: the request DER in base64, URL-escaped
//
// Answers are application/ocsp-response. Cacheable answers (no nonce) carry
// Cache-Control max-age up to their refresh time, Last-Modified (thisUpdate),
// Expires (nextUpdate) and an ETag (RFC 5019 §6); If-None-Match is honoured. A
// client over Config.Limit gets tryLater with Retry-After for what would be signed
// for it; cached answers it still gets.
func (r *Responder) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /ocsp", r.post)
	mux.HandleFunc("POST /ocsp/{ca}", r.post)
	mux.HandleFunc("GET /ocsp/{ca}/{request...}", r.get)
}

func (r *Responder) post(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, MaxRequestBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			r.write(w, req, "POST", Answer{DER: pki.OCSPErrorResponse(pki.OCSPMalformedRequest), Result: "malformed"})
			return
		}
		return // the client went away
	}
	r.write(w, req, "POST", r.respond(req.Context(), req.PathValue("ca"), body, r.admitter(req)))
}

// admitter is the admit of the client of req (Config.Limit), nil without a limit.
func (r *Responder) admitter(req *http.Request) admit {
	if r.cfg.Limit == nil {
		return nil
	}
	return func() (int, bool) { return r.cfg.Limit.Allow(r.cfg.Proxies.ClientHost(req)) }
}

func (r *Responder) get(w http.ResponseWriter, req *http.Request) {
	raw := req.PathValue("request")
	der, ok := decodeGET(raw)
	if !ok {
		// The escaped path keeps '%2F' and '+' as sent; try it as well.
		if esc := req.URL.EscapedPath(); strings.HasPrefix(esc, "/ocsp/") {
			if i := strings.Index(esc[len("/ocsp/"):], "/"); i >= 0 {
				der, ok = decodeGET(esc[len("/ocsp/")+i+1:])
			}
		}
	}
	if !ok {
		r.write(w, req, "GET", Answer{DER: pki.OCSPErrorResponse(pki.OCSPMalformedRequest), Result: "malformed"})
		return
	}
	ans := r.respond(req.Context(), req.PathValue("ca"), der, r.admitter(req))
	if ans.Cacheable && ans.ETag != "" && req.Header.Get("If-None-Match") == ans.ETag {
		r.headers(w, ans)
		w.WriteHeader(http.StatusNotModified)
		r.m.request("GET", "not_modified")
		return
	}
	r.write(w, req, "GET", ans)
}

// decodeGET decodes the request of a GET URL: URL-escaped standard base64, or the
// URL-safe alphabet, with or without padding.
func decodeGET(s string) ([]byte, bool) {
	if u, err := url.PathUnescape(s); err == nil {
		s = u
	}
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if der, err := enc.DecodeString(s); err == nil && len(der) > 0 {
			return der, true
		}
	}
	return nil, false
}

func (r *Responder) headers(w http.ResponseWriter, ans Answer) {
	h := w.Header()
	h.Set("Content-Type", "application/ocsp-response")
	if ans.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(ans.RetryAfter))
	}
	if !ans.Cacheable {
		h.Set("Cache-Control", "no-store")
		return
	}
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(ans.MaxAge/time.Second))+", no-transform, must-revalidate")
	h.Set("Last-Modified", ans.ThisUpdate.UTC().Format(http.TimeFormat))
	h.Set("Expires", ans.NextUpdate.UTC().Format(http.TimeFormat))
	h.Set("ETag", ans.ETag)
}

func (r *Responder) write(w http.ResponseWriter, req *http.Request, method string, ans Answer) {
	r.headers(w, ans)
	w.Header().Set("Content-Length", strconv.Itoa(len(ans.DER)))
	w.WriteHeader(http.StatusOK) // OCSP errors travel inside the OCSP response
	if req.Method != http.MethodHead {
		_, _ = w.Write(ans.DER)
	}
	r.m.request(method, ans.Result)
}
