// Package client is the Go client of the authority's HTTP API (version 1): thin typed
// methods over net/http, one per endpoint, with the JSON shapes of package api/wire.
//
// Every method takes a context. An answer outside 2xx becomes a *Problem error carrying
// the server's RFC 9457 problem document (or one made up from the status line when the
// answer was not a problem document). Desk and head methods need a bearer token: call
// Login (challenge → sign → token) or SetToken first.
//
// A Client is safe for concurrent use.
package client

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/webkeys"
)

// MaxResponseBytes bounds the size of a response body the client reads.
const MaxResponseBytes = 32 << 20

// UserAgent is sent with every request.
const UserAgent = "opennca-eds/1"

// Client calls one authority's API.
type Client struct {
	base *url.URL
	hc   *http.Client

	mu    sync.Mutex
	token string
}

// New returns a client of the API at baseURL (scheme and host, optionally a path
// prefix: "https://nca.example.kz" or "http://127.0.0.1:8080/prefix"). httpClient nil
// means a client with a 60-second overall timeout.
func New(baseURL string, httpClient *http.Client) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("client: server URL %q: %w", baseURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("client: server URL %q: want http:// or https:// and a host", baseURL)
	}
	u.RawQuery, u.Fragment = "", ""
	if httpClient == nil {
		httpClient = &http.Client{Timeout: defaultTimeout}
	}
	return &Client{base: u, hc: httpClient}, nil
}

// BaseURL returns the server's base URL as given to New (without a trailing slash).
func (c *Client) BaseURL() string { return c.base.String() }

// SetToken sets the bearer token sent with every later request ("" for none).
func (c *Client) SetToken(token string) {
	c.mu.Lock()
	c.token = token
	c.mu.Unlock()
}

// Token returns the bearer token in use, or "".
func (c *Client) Token() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token
}

// Problem is an error answer of the server.
type Problem struct {
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// Problem is the problem document; when the server sent none, Title is the status
	// text and Detail the beginning of the body.
	wire.Problem
}

// Error returns "<detail> (HTTP <status>)", followed by the missing items if any.
func (p *Problem) Error() string {
	msg := p.Detail
	if msg == "" {
		msg = p.Title
	}
	if msg == "" {
		msg = http.StatusText(p.StatusCode)
	}
	s := fmt.Sprintf("%s (HTTP %d)", msg, p.StatusCode)
	if len(p.Missing) > 0 {
		s += "; missing: " + strings.Join(p.Missing, ", ")
	}
	return s
}

// AsProblem returns the *Problem in err's chain, if any.
func AsProblem(err error) (*Problem, bool) {
	var p *Problem
	ok := errors.As(err, &p)
	return p, ok
}

// do sends method path with body (JSON-encoded unless nil) and decodes a 2xx JSON
// answer into out (unless nil).
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body, out any) error {
	raw, err := c.doRaw(ctx, method, path, query, body, "application/json, application/problem+json")
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("client: %s %s: decoding the answer: %w", method, path, err)
	}
	return nil
}

func (c *Client) doRaw(ctx context.Context, method, path string, query url.Values, body any, accept string) ([]byte, error) {
	// path is already escaped (segments go through url.PathEscape).
	target := c.base.String() + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("client: %s %s: encoding the request: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return nil, fmt.Errorf("client: %s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", UserAgent)
	if tok := c.Token(); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("client: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("client: %s %s: reading the answer: %w", method, path, err)
	}
	if len(data) > MaxResponseBytes {
		return nil, fmt.Errorf("client: %s %s: answer larger than %d bytes", method, path, MaxResponseBytes)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, problemOf(resp, data)
	}
	return data, nil
}

// problemOf turns an error answer into a *Problem.
func problemOf(resp *http.Response, data []byte) *Problem {
	p := &Problem{StatusCode: resp.StatusCode}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt == "application/problem+json" || mt == "application/json" {
		if err := json.Unmarshal(data, &p.Problem); err == nil && (p.Detail != "" || p.Title != "") {
			if p.Status == 0 {
				p.Status = resp.StatusCode
			}
			return p
		}
		p.Problem = wire.Problem{}
	}
	p.Type = "about:blank"
	p.Status = resp.StatusCode
	p.Title = http.StatusText(resp.StatusCode)
	text := strings.TrimSpace(string(data))
	if mt == "text/html" || !isPrintable(text) {
		text = ""
	}
	if len(text) > 300 {
		text = text[:300] + "…"
	}
	if text == "" {
		text = fmt.Sprintf("the server answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	p.Detail = text
	return p
}

func isPrintable(s string) bool {
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' {
			return false
		}
	}
	return true
}

// appPath returns the path of an application (plus suffix).
func appPath(number, suffix string) string {
	return wire.PathApplication + url.PathEscape(number) + suffix
}

// Submit sends an application (POST /api/v1/applications).
func (c *Client) Submit(ctx context.Context, req *wire.SubmitRequest) (*wire.SubmitResponse, error) {
	var out wire.SubmitResponse
	if err := c.do(ctx, http.MethodPost, wire.PathApplications, nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Status returns the public status of application number.
func (c *Client) Status(ctx context.Context, number string) (*wire.Status, error) {
	var out wire.Status
	if err := c.do(ctx, http.MethodGet, appPath(number, ""), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Certificates returns the certificates issued for application number.
func (c *Client) Certificates(ctx context.Context, number string) (*wire.CertificatesResponse, error) {
	var out wire.CertificatesResponse
	if err := c.do(ctx, http.MethodGet, appPath(number, "/certificates"), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Templates returns the applicant templates the authority offers.
func (c *Client) Templates(ctx context.Context) (*wire.TemplatesResponse, error) {
	var out wire.TemplatesResponse
	if err := c.do(ctx, http.MethodGet, wire.PathTemplates, nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Challenge asks for a sign-in challenge.
func (c *Client) Challenge(ctx context.Context) (*wire.ChallengeResponse, error) {
	var out wire.ChallengeResponse
	if err := c.do(ctx, http.MethodPost, wire.PathChallenge, nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ExchangeToken trades a signed challenge for a token. It does not install the token;
// Login does.
func (c *Client) ExchangeToken(ctx context.Context, req *wire.TokenRequest) (*wire.TokenResponse, error) {
	var out wire.TokenResponse
	if err := c.do(ctx, http.MethodPost, wire.PathToken, nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Login signs in with an AUTH key and its certificate: it asks for a challenge, signs
// the challenge bytes verbatim with key (SignChallenge), exchanges the signature for a
// token and sends that token with every later request.
func (c *Client) Login(ctx context.Context, key crypto.Signer, cert *x509.Certificate) (*wire.TokenResponse, error) {
	if key == nil || cert == nil {
		return nil, errors.New("client: sign-in needs a private key and its certificate")
	}
	ch, err := c.Challenge(ctx)
	if err != nil {
		return nil, fmt.Errorf("client: sign-in challenge: %w", err)
	}
	sig, err := SignChallenge(key, ch.Challenge)
	if err != nil {
		return nil, fmt.Errorf("client: signing the challenge: %w", err)
	}
	tok, err := c.ExchangeToken(ctx, &wire.TokenRequest{ChallengeID: ch.ID, Certificate: cert.Raw, Signature: sig})
	if err != nil {
		return nil, fmt.Errorf("client: sign-in: %w", err)
	}
	c.SetToken(tok.Token)
	return tok, nil
}

// SignChallenge signs the challenge bytes as the server verifies them: RSA keys with
// RSASSA-PKCS1-v1_5 over SHA-256, ECDSA keys with an ASN.1 ECDSA signature over
// SHA-256, Ed25519 keys over the bytes themselves, GOST keys with their national
// algorithm (webkeys.SignChallenge, with crypto/rand).
func SignChallenge(key crypto.Signer, challenge []byte) ([]byte, error) {
	return webkeys.SignChallenge(rand.Reader, key, challenge)
}

// DeskFilter narrows the operator's application list; empty fields do not filter.
type DeskFilter struct {
	State  string
	IIN    string
	Number string
}

func deskPath(number, suffix string) string {
	return wire.PathDesk + "applications/" + url.PathEscape(number) + suffix
}

// DeskList lists applications for the operator (GET /api/v1/desk/applications).
func (c *Client) DeskList(ctx context.Context, f DeskFilter) (*wire.DeskList, error) {
	q := url.Values{}
	for k, v := range map[string]string{"state": f.State, "iin": f.IIN, "number": f.Number} {
		if v != "" {
			q.Set(k, v)
		}
	}
	var out wire.DeskList
	if err := c.do(ctx, http.MethodGet, wire.PathDesk+"applications", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeskApplication returns what the operator sees of application number.
func (c *Client) DeskApplication(ctx context.Context, number string) (*wire.DeskApplication, error) {
	var out wire.DeskApplication
	if err := c.do(ctx, http.MethodGet, deskPath(number, ""), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Accept records the documents presented and accepts application number, returning
// the desk receipt. An incomplete checklist is a *Problem (422) listing Missing.
func (c *Client) Accept(ctx context.Context, number string, req *wire.AcceptRequest) (*wire.Receipt, error) {
	var out wire.Receipt
	if err := c.do(ctx, http.MethodPost, deskPath(number, "/accept"), nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RefuseDocuments records an incomplete document set and returns the refusal receipt
// (Refused true, Missing listed).
func (c *Client) RefuseDocuments(ctx context.Context, number string, req *wire.AcceptRequest) (*wire.Receipt, error) {
	var out wire.Receipt
	if err := c.do(ctx, http.MethodPost, deskPath(number, "/refuse-documents"), nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Approve approves application number: the answer carries the issued certificates, or
// a refused status when a rule checked at decision time refused it.
func (c *Client) Approve(ctx context.Context, number string) (*wire.ApproveResponse, error) {
	var out wire.ApproveResponse
	if err := c.do(ctx, http.MethodPost, deskPath(number, "/approve"), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Refuse gives a motivated refusal of application number.
func (c *Client) Refuse(ctx context.Context, number string, req *wire.DecisionRequest) (*wire.Status, error) {
	var out wire.Status
	if err := c.do(ctx, http.MethodPost, deskPath(number, "/refuse"), nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Revoke revokes the certificate with the given serial (lower-case hex).
func (c *Client) Revoke(ctx context.Context, serial string, req *wire.RevokeRequest) (*wire.RevokeResponse, error) {
	var out wire.RevokeResponse
	p := wire.PathDesk + "certificates/" + url.PathEscape(serial) + "/revoke"
	if err := c.do(ctx, http.MethodPost, p, nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func headPath(number, suffix string) string {
	return wire.PathHead + "applications/" + url.PathEscape(number) + suffix
}

// HeadList lists the employees' applications awaiting the signed-in first head.
func (c *Client) HeadList(ctx context.Context) (*wire.DeskList, error) {
	var out wire.DeskList
	if err := c.do(ctx, http.MethodGet, wire.PathHead+"applications", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// HeadConfirm confirms an employee's application as the organisation's first head,
// by a request signed with the head's SIGN key (SignHeadDecision).
func (c *Client) HeadConfirm(ctx context.Context, number string, req *wire.SignedRequest) (*wire.Status, error) {
	var out wire.Status
	if err := c.do(ctx, http.MethodPost, headPath(number, "/confirm"), nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// HeadReject rejects an employee's application as the organisation's first head, by a
// signed request whose payload carries the reason (SignHeadDecision).
func (c *Client) HeadReject(ctx context.Context, number string, req *wire.SignedRequest) (*wire.Status, error) {
	var out wire.Status
	if err := c.do(ctx, http.MethodPost, headPath(number, "/reject"), nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CACertificate downloads the DER certificate of the CA called name (GET /ca/{name}.cer).
func (c *Client) CACertificate(ctx context.Context, name string) ([]byte, error) {
	return c.doRaw(ctx, http.MethodGet, wire.PathCA+url.PathEscape(name)+".cer", nil, nil, "application/pkix-cert, */*")
}

// CRL downloads the DER CRL called name (GET /crl/{name}.crl).
func (c *Client) CRL(ctx context.Context, name string) ([]byte, error) {
	return c.doRaw(ctx, http.MethodGet, wire.PathCRL+url.PathEscape(name)+".crl", nil, nil, "application/pkix-crl, */*")
}

// defaultTimeout is the overall timeout of the http.Client New makes.
const defaultTimeout = 60 * time.Second
