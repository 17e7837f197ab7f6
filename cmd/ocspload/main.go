// Command ocspload measures the OCSP responder: it prepares an authority with
// certificates and OCSP requests, serves the responder, and loads any OCSP server
// over HTTP with those requests (also `openssl ocsp -port`, for comparison).
//
//	ocspload setup -dir D [-n 1000] [-revoked 10]   CA, store, requests, openssl files
//	ocspload serve -dir D [-listen 127.0.0.1:8888]  the responder on D's store and CA
//	ocspload run -url URL -dir D [-c 64] [-d 10s] [-method POST|GET] [-nonce]
//
// setup writes D/requests/*.der (one request per certificate, SHA-1 CertIDs, no
// nonce), D/index.txt, D/ca.pem, D/ocsp-resp.pem and D/ocsp-resp.key (a responder
// key for openssl only; the responder of `serve` makes its own in memory).
// run prints requests/s, latency percentiles and answer errors.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	xocsp "golang.org/x/crypto/ocsp"

	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/ocsp"
	"github.com/opennca/nca/store"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: ocspload setup|serve|run [flags]")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var err error
	switch os.Args[1] {
	case "setup":
		err = setup(ctx, os.Args[2:])
	case "serve":
		err = serve(ctx, os.Args[2:])
	case "run":
		err = run(ctx, os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ocspload:", err)
		os.Exit(1)
	}
}

func openCA(dir string) (*ca.Authority, error) {
	a, _, err := ca.Open(ca.Options{Dir: filepath.Join(dir, "ca"), Org: "OCSP Load Test", BaseURL: "http://127.0.0.1", RSABits: 2048})
	return a, err
}

func setup(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("setup", flag.ContinueOnError)
	dir := fs.String("dir", "", "work folder (required)")
	n := fs.Int("n", 1000, "certificates")
	revoked := fs.Int("revoked", 10, "of which revoked")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New("setup: -dir is required")
	}
	a, err := openCA(*dir)
	if err != nil {
		return err
	}
	iss, _ := a.Issuer(ca.IssuingRSA)
	st, err := store.OpenSQLite(ctx, filepath.Join(*dir, "nca.db"), nil)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := os.MkdirAll(filepath.Join(*dir, "requests"), 0o755); err != nil {
		return err
	}
	// The requests name certificates by serial; the certificates themselves need
	// not exist for OCSP, so the store gets rows with random 20-byte serials.
	now := time.Now().UTC()
	var index bytes.Buffer
	err = st.Tx(ctx, func(tx store.Tx) error {
		for i := range *n {
			b := make([]byte, 20)
			if _, err := rand.Read(b); err != nil {
				return err
			}
			b[0] = b[0]&0x7f | 0x40
			serial := new(big.Int).SetBytes(b)
			kh := sha256.Sum256(b)
			c := &core.Certificate{Serial: serial.Text(16), Issuer: ca.IssuingRSA, Type: core.CertSign, Subject: "CN=load",
				NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0), KeyHash: hex.EncodeToString(kh[:]), DER: []byte{0}}
			if err := tx.InsertCertificate(ctx, c); err != nil {
				return err
			}
			status, revokedAt := "V", ""
			if i < *revoked {
				if err := tx.RevokeCertificate(ctx, ca.IssuingRSA, c.Serial, core.ReasonKeyCompromise, now, nil); err != nil {
					return err
				}
				status, revokedAt = "R", now.Format("060102150405Z")+",keyCompromise"
			}
			fmt.Fprintf(&index, "%s\t%s\t%s\t%s\tunknown\t/CN=load-%d\n", status, c.NotAfter.Format("060102150405Z"), revokedAt, strings.ToUpper(c.Serial), i)
			leaf := &x509.Certificate{SerialNumber: serial}
			req, err := xocsp.CreateRequest(leaf, iss.Cert, &xocsp.RequestOptions{Hash: crypto.SHA1})
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(*dir, "requests", fmt.Sprintf("%06d.der", i)), req, 0o644); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*dir, "index.txt"), index.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*dir, "index.txt.attr"), []byte("unique_subject = no\n"), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*dir, "ca.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: iss.Cert.Raw}), 0o644); err != nil {
		return err
	}
	// A responder key and certificate for openssl ocsp -port (a test key on disk).
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	cert, err := a.IssueOCSPResponder(ctx, ca.IssuingRSA, key.Public(), 7*24*time.Hour)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*dir, "ocsp-resp.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644); err != nil {
		return err
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	if err := os.WriteFile(filepath.Join(*dir, "ocsp-resp.key"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		return err
	}
	fmt.Printf("setup: %d certificates (%d revoked), requests in %s\n", *n, *revoked, filepath.Join(*dir, "requests"))
	return nil
}

func serve(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	dir := fs.String("dir", "", "work folder made by setup (required)")
	listen := fs.String("listen", "127.0.0.1:8888", "address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := openCA(*dir)
	if err != nil {
		return err
	}
	st, err := store.OpenSQLite(ctx, filepath.Join(*dir, "nca.db"), nil)
	if err != nil {
		return err
	}
	defer st.Close()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	r, err := ocsp.New(ctx, ocsp.Config{Store: st, Authority: a, Logger: log})
	if err != nil {
		return err
	}
	go r.Run(ctx)
	mux := http.NewServeMux()
	r.Register(mux)
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	fmt.Printf("serve: OCSP on http://%s/ocsp/%s\n", ln.Addr(), ca.IssuingRSA)
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	target := fs.String("url", "", "OCSP URL (required)")
	dir := fs.String("dir", "", "work folder made by setup (required)")
	conc := fs.Int("c", 64, "concurrent connections")
	dur := fs.Duration("d", 10*time.Second, "duration")
	warm := fs.Bool("warm", true, "send every request once before measuring (fills the responder's cache)")
	method := fs.String("method", "POST", "POST or GET")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *target == "" || *dir == "" {
		return errors.New("run: -url and -dir are required")
	}
	files, _ := filepath.Glob(filepath.Join(*dir, "requests", "*.der"))
	if len(files) == 0 {
		return errors.New("run: no requests; run setup first")
	}
	reqs := make([][]byte, len(files))
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		reqs[i] = b
	}
	tr := &http.Transport{MaxIdleConns: *conc, MaxIdleConnsPerHost: *conc, MaxConnsPerHost: *conc, IdleConnTimeout: time.Minute}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	do := func(body []byte) (time.Duration, error) {
		var req *http.Request
		if *method == "GET" {
			req, _ = http.NewRequest("GET", strings.TrimRight(*target, "/")+"/"+url.PathEscape(base64.StdEncoding.EncodeToString(body)), nil)
		} else {
			req, _ = http.NewRequest("POST", *target, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/ocsp-request")
		}
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		d := time.Since(t0)
		if err != nil {
			return d, err
		}
		// A successful OCSPResponse starts 30 xx [xx..] 0a 01 00.
		if resp.StatusCode != 200 || !bytes.Contains(b[:min(len(b), 8)], []byte{0x0a, 0x01, 0x00}) {
			return d, fmt.Errorf("HTTP %d, answer %x", resp.StatusCode, b[:min(len(b), 8)])
		}
		return d, nil
	}
	if *warm {
		for _, r := range reqs {
			if _, err := do(r); err != nil {
				return fmt.Errorf("warm-up: %w", err)
			}
		}
	}
	u, err := url.Parse(*target)
	if err != nil {
		return err
	}
	// Every request is prepared as raw HTTP/1.1 bytes once; workers write them on
	// keep-alive connections and read the answers with a minimal parser, so the
	// generator spends little of the CPU it shares with the server.
	raw := make([][]byte, len(reqs))
	for i, body := range reqs {
		if *method == "GET" {
			raw[i] = []byte("GET " + strings.TrimRight(u.RequestURI(), "/") + "/" + url.PathEscape(base64.StdEncoding.EncodeToString(body)) +
				" HTTP/1.1\r\nHost: " + u.Host + "\r\n\r\n")
		} else {
			raw[i] = append([]byte(fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/ocsp-request\r\nContent-Length: %d\r\n\r\n",
				u.RequestURI(), u.Host, len(body))), body...)
		}
	}
	var (
		next   atomic.Int64
		errs   atomic.Int64
		mu     sync.Mutex
		lat    []time.Duration
		wg     sync.WaitGroup
		lastEr atomic.Value
	)
	deadline := time.Now().Add(*dur)
	t0 := time.Now()
	for range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 1<<16)
			var c *conn
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if c == nil {
					var err error
					if c, err = dial(u.Host); err != nil {
						errs.Add(1)
						lastEr.Store(err.Error())
						time.Sleep(10 * time.Millisecond)
						continue
					}
				}
				i := next.Add(1)
				t := time.Now()
				keep, err := c.roundTrip(raw[int(i)%len(raw)])
				if err != nil {
					errs.Add(1)
					lastEr.Store(err.Error())
					c.close()
					c = nil
					continue
				}
				local = append(local, time.Since(t))
				if !keep {
					c.close()
					c = nil
				}
			}
			if c != nil {
				c.close()
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(t0)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(float64(len(lat))*p))]
	}
	fmt.Printf("%s %s: %d requests in %s, %.0f req/s, errors %d; latency p50 %s p90 %s p99 %s max %s (c=%d)\n",
		*method, *target, len(lat), elapsed.Round(time.Millisecond), float64(len(lat))/elapsed.Seconds(), errs.Load(),
		pct(0.50).Round(time.Microsecond), pct(0.90).Round(time.Microsecond), pct(0.99).Round(time.Microsecond),
		pct(1).Round(time.Microsecond), *conc)
	if e, ok := lastEr.Load().(string); ok {
		fmt.Println("last error:", e)
	}
	return nil
}

// conn is one keep-alive HTTP/1.1 connection of the load generator.
type conn struct {
	c   net.Conn
	r   *bufio.Reader
	buf []byte
}

func dial(host string) (*conn, error) {
	c, err := net.Dial("tcp", host)
	if err != nil {
		return nil, err
	}
	return &conn{c: c, r: bufio.NewReaderSize(c, 16<<10), buf: make([]byte, 8<<10)}, nil
}

func (c *conn) close() { c.c.Close() }

// roundTrip writes one request and reads its answer, checking that it is HTTP 200
// with a successful OCSPResponse. keep is false when the server closes the
// connection after the answer.
func (c *conn) roundTrip(req []byte) (keep bool, err error) {
	if err := c.c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return false, err
	}
	if _, err := c.c.Write(req); err != nil {
		return false, err
	}
	status, err := c.r.ReadSlice('\n')
	if err != nil {
		return false, err
	}
	if len(status) < 12 || string(status[9:12]) != "200" {
		return false, fmt.Errorf("HTTP status %q", strings.TrimSpace(string(status)))
	}
	// HTTP/1.0 answers (openssl ocsp -port) close the connection unless they say
	// otherwise.
	length, keep := -1, !bytes.HasPrefix(status, []byte("HTTP/1.0"))
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return false, err
		}
		if len(line) <= 2 {
			break
		}
		k, v, _ := strings.Cut(string(line), ":")
		switch strings.ToLower(k) {
		case "content-length":
			if length, err = strconv.Atoi(strings.TrimSpace(v)); err != nil {
				return false, err
			}
		case "connection":
			keep = strings.EqualFold(strings.TrimSpace(v), "keep-alive")
		}
	}
	if length < 0 {
		// openssl ocsp -port answers without Content-Length and closes.
		body, err := io.ReadAll(c.r)
		if err != nil {
			return false, err
		}
		return false, checkOCSP(body)
	}
	if cap(c.buf) < length {
		c.buf = make([]byte, length)
	}
	body := c.buf[:length]
	if _, err := io.ReadFull(c.r, body); err != nil {
		return false, err
	}
	return keep, checkOCSP(body)
}

// checkOCSP checks that an answer is a successful OCSPResponse: 30 len 0a 01 00.
func checkOCSP(b []byte) error {
	if !bytes.Contains(b[:min(len(b), 8)], []byte{0x0a, 0x01, 0x00}) {
		return fmt.Errorf("not a successful OCSP response: %x", b[:min(len(b), 8)])
	}
	return nil
}
