// Package api is the authority's HTTP edge: the JSON API of version 1 (documented in
// openapi.yaml beside this file), the publication endpoints for CA certificates and
// CRLs, and health. Handlers decode and validate input, call the workflow (package
// ra) or sign-in (package auth), and turn typed errors into RFC 9457 problem answers.
package api

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/auth"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/ra"
)

// OpenAPI is the OpenAPI 3 description of the API, served at /openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte

// Config assembles a Server.
type Config struct {
	RA     *ra.Service
	Auth   *auth.Service
	Signer ra.Signer
	Logger *slog.Logger
	// MaxBody is the largest request body accepted (default 1 MiB).
	MaxBody int64
	// Now is the clock (default time.Now).
	Now func() time.Time
	// FormSecret keys the form tokens of SubmitResponse (at least 32 bytes; the
	// secret of the sign-in tokens may be reused: the key is derived from it for this
	// use only). Every node serving one database needs the same secret. When it is
	// empty a random key is drawn from Rand: form tokens then open forms only on this
	// node and until it restarts.
	FormSecret []byte
	// Rand is the randomness for that key (default crypto/rand.Reader).
	Rand io.Reader
	// LookupsPerMinute limits the public registry lookups (names by IIN or BIN) per
	// client address on this node (default 30; negative: no limit). LookupBurst is the
	// number a client may make at once (default 10).
	LookupsPerMinute int
	LookupBurst      int
	// TrustedProxies are the reverse proxies and load balancers in front of this
	// node (ParseTrustedProxies): for a request from one of them, the client is read
	// from X-Forwarded-For (see Server.clientHost). Empty: the connection's peer is
	// the client.
	TrustedProxies []netip.Prefix
	// Portal, when set, serves the browser portal (package web): GET and HEAD of "/"
	// and of "/static/..." go to it; every other unknown path stays a 404 problem.
	Portal http.Handler
}

// Server serves the API.
type Server struct {
	ra      *ra.Service
	auth    *auth.Service
	signer  ra.Signer
	log     *slog.Logger
	maxBody int64
	now     func() time.Time
	portal  http.Handler
	mux     *http.ServeMux
	formKey []byte
	lookups *limiter
	proxies []netip.Prefix
}

// Route is one endpoint of the API.
type Route struct {
	Method  string
	Pattern string // net/http ServeMux pattern path, e.g. /api/v1/applications/{number}
	handler func(http.ResponseWriter, *http.Request) error
}

// New returns a Server from cfg.
func New(cfg Config) *Server {
	s := &Server{ra: cfg.RA, auth: cfg.Auth, signer: cfg.Signer, log: cfg.Logger, maxBody: cfg.MaxBody, now: cfg.Now, portal: cfg.Portal, proxies: cfg.TrustedProxies}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.maxBody <= 0 {
		s.maxBody = 1 << 20
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.formKey = formKey(cfg.FormSecret, cfg.Rand, s.log)
	s.lookups = newLimiter(cfg.LookupsPerMinute, cfg.LookupBurst, s.now)
	s.mux = http.NewServeMux()
	for _, r := range s.Routes() {
		s.mux.HandleFunc(r.Method+" "+r.Pattern, s.wrap(r.handler))
	}
	s.mux.HandleFunc("/", s.wrap(func(w http.ResponseWriter, r *http.Request) error {
		if s.portal != nil && isPortalPath(r) {
			s.portal.ServeHTTP(w, r)
			return nil
		}
		return core.Errorf(core.KindNotFound, "no such endpoint: %s %s (the API is described at /openapi.yaml)", r.Method, r.URL.Path)
	}))
	return s
}

// isPortalPath reports whether r is for the portal: GET or HEAD of "/" or "/static/…".
func isPortalPath(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	return r.URL.Path == "/" || strings.HasPrefix(r.URL.Path, "/static/")
}

// Routes lists every endpoint the server serves.
func (s *Server) Routes() []Route {
	return []Route{
		{"POST", "/api/v1/applications", s.submit},
		{"GET", "/api/v1/applications/{number}", s.status},
		{"GET", "/api/v1/applications/{number}/certificates", s.certificates},
		{"GET", "/api/v1/applications/{number}/form.pdf", s.applicationForm},
		{"GET", "/api/v1/templates", s.templates},
		{"GET", "/api/v1/registry/persons/{iin}", s.registryPerson},
		{"GET", "/api/v1/registry/organizations/{bin}", s.registryOrganization},
		{"POST", "/api/v1/auth/challenge", s.challenge},
		{"POST", "/api/v1/auth/token", s.token},
		{"GET", "/api/v1/desk/applications", s.deskList},
		{"GET", "/api/v1/desk/applications/{number}", s.deskShow},
		{"POST", "/api/v1/desk/applications/{number}/accept", s.deskAccept},
		{"POST", "/api/v1/desk/applications/{number}/refuse-documents", s.deskRefuseDocuments},
		{"POST", "/api/v1/desk/applications/{number}/approve", s.deskApprove},
		{"POST", "/api/v1/desk/applications/{number}/refuse", s.deskRefuse},
		{"POST", "/api/v1/desk/certificates/{serial}/revoke", s.deskRevoke},
		{"GET", "/api/v1/desk/applications/{number}/form.pdf", s.deskApplicationForm},
		{"GET", "/api/v1/desk/receipts/{receipt}/pdf", s.receiptPDF},
		{"GET", "/api/v1/head/applications", s.headList},
		{"POST", "/api/v1/head/applications/{number}/confirm", s.headConfirm},
		{"POST", "/api/v1/head/applications/{number}/reject", s.headReject},
		{"GET", "/api/v1/owner/cabinet", s.cabinet},
		{"POST", "/api/v1/owner/certificates/{serial}/revoke", s.ownerRevoke},
		{"POST", "/api/v1/owner/renewals", s.renew},
		{"GET", "/ca/{file}", s.caCert},
		{"GET", "/crl/{file}", s.crl},
		{"GET", "/healthz", s.health},
		{"GET", "/openapi.yaml", s.openapi},
	}
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// statusWriter remembers the status code for the access log.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// wrap adds the body limit, panic recovery, error → problem translation and the
// access log to a handler.
func (s *Server) wrap(h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := s.now()
		sw := &statusWriter{ResponseWriter: w}
		r.Body = http.MaxBytesReader(sw, r.Body, s.maxBody)
		defer func() {
			if v := recover(); v != nil {
				s.log.ErrorContext(r.Context(), "panic in handler", "panic", fmt.Sprint(v), "path", r.URL.Path)
				s.problem(sw, r, core.Errorf(core.KindInternal, "internal error"))
			}
			s.log.InfoContext(r.Context(), "http", "method", r.Method, "path", r.URL.Path, "status", sw.code, "duration_ms", s.now().Sub(start).Milliseconds(), "remote", s.clientHost(r))
		}()
		if err := h(sw, r); err != nil {
			s.problem(sw, r, err)
		}
	}
}

// kindStatus maps error kinds to HTTP statuses.
func kindStatus(k core.Kind) int {
	switch k {
	case core.KindInvalid:
		return http.StatusBadRequest
	case core.KindUnauthorized:
		return http.StatusUnauthorized
	case core.KindForbidden:
		return http.StatusForbidden
	case core.KindNotFound:
		return http.StatusNotFound
	case core.KindConflict:
		return http.StatusConflict
	case core.KindExpired:
		return http.StatusGone
	case core.KindUnprocessable:
		return http.StatusUnprocessableEntity
	case core.KindTooMany:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// problem writes err as an RFC 9457 problem document. Internal errors are logged and
// answered without their cause.
func (s *Server) problem(w http.ResponseWriter, r *http.Request, err error) {
	p := wire.Problem{Instance: r.URL.Path}
	var tooBig *http.MaxBytesError
	var ce *core.Error
	switch {
	case errors.As(err, &tooBig):
		p.Type, p.Status, p.Detail = "/problems/too-large", http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than %d bytes", tooBig.Limit)
	case errors.As(err, &ce) && ce.Kind != core.KindInternal:
		p.Type, p.Status, p.Detail = "/problems/"+string(ce.Kind), kindStatus(ce.Kind), ce.Detail
		var md *ra.MissingDocuments
		if errors.As(err, &md) {
			p.Type = "/problems/documents-incomplete"
			p.Missing = md.IDs
		}
		var rm *ra.RegistryMismatch
		if errors.As(err, &rm) {
			// The fields that differ, by name, so that a page can say so in its language.
			p.Type = "/problems/registry-mismatch"
			p.Missing = rm.Fields
		}
	default:
		s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		p.Type, p.Status, p.Detail = "/problems/internal", http.StatusInternalServerError, "internal error; the authority logged it"
	}
	p.Title = http.StatusText(p.Status)
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="nca"`)
	}
	var retry *retryError
	if errors.As(err, &retry) {
		w.Header().Set("Retry-After", retry.retryAfter())
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// writeJSON writes v with status code.
func writeJSON(w http.ResponseWriter, code int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	return json.NewEncoder(w).Encode(v)
}

// decode reads a JSON body into v strictly: JSON content type, no unknown fields, one
// value. An empty body decodes to the zero value when allowEmpty.
func decode(r *http.Request, v any, allowEmpty bool) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return core.Errorf(core.KindInvalid, "the request body must be application/json, not %q", ct)
		}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		return core.Wrap(core.KindInvalid, err, "the request body could not be read")
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		if allowEmpty {
			return nil
		}
		return core.Errorf(core.KindInvalid, "the request body is empty; a JSON object is expected")
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return core.Wrap(core.KindInvalid, err, "the request body is not valid JSON for this endpoint: "+err.Error())
	}
	if dec.More() {
		return core.Errorf(core.KindInvalid, "the request body has data after the JSON object")
	}
	return nil
}

// anonymous returns the anonymous actor of a request.
func (s *Server) anonymous(r *http.Request) ra.Actor {
	return ra.Actor{Kind: "anonymous", Address: s.clientHost(r)}
}

// signedIn returns the actor of a request carrying a valid bearer token.
func (s *Server) signedIn(r *http.Request) (ra.Actor, error) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		return ra.Actor{}, core.Errorf(core.KindUnauthorized, "sign in first: send Authorization: Bearer <token> (POST /api/v1/auth/challenge, then /api/v1/auth/token)")
	}
	p, err := s.auth.Verify(r.Context(), strings.TrimSpace(tok))
	if err != nil {
		return ra.Actor{}, err
	}
	a := ra.Actor{Kind: "subscriber", IIN: p.IIN, BIN: p.BIN, Name: p.Name, Roles: p.Roles, Address: s.clientHost(r)}
	if a.HasRole("operator") || a.HasRole("manager") || a.HasRole("administrator") {
		a.Kind = "staff"
	}
	return a, nil
}

// health answers liveness and readiness.
func (s *Server) health(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.ra.Ping(ctx); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/yaml")
	_, err := w.Write(OpenAPI)
	return err
}
