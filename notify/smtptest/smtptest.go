// Package smtptest runs a real SMTP server on loopback for tests (github.com/emersion/
// go-smtp) and keeps what it receives, decoded, for assertions.
package smtptest

import (
	"errors"
	"io"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Mail is one received message.
type Mail struct {
	From    string
	To      []string
	Subject string // decoded (RFC 2047)
	Body    string // decoded (quoted-printable), line ends \n
	Header  mail.Header
}

// Server is a running SMTP server.
type Server struct {
	Addr string

	mu    sync.Mutex
	mails []Mail
	fail  int
	srv   *smtp.Server
}

// Start starts a server on 127.0.0.1 and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	s.srv.Domain = "localhost"
	s.srv.ReadTimeout, s.srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	s.Addr = ln.Addr().String()
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(func() { _ = s.srv.Close() })
	return s
}

// FailNext makes the next n deliveries fail with a temporary error (451).
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	s.fail = n
	s.mu.Unlock()
}

// Mails returns what was received so far.
func (s *Server) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

// Wait waits up to timeout for a message to match and returns it.
func (s *Server) Wait(t testing.TB, timeout time.Duration, match func(Mail) bool) Mail {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, m := range s.Mails() {
			if match(m) {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("smtptest: no matching message within %s; received %d: %v", timeout, len(s.Mails()), subjects(s.Mails()))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func subjects(ms []Mail) []string {
	var out []string
	for _, m := range ms {
		out = append(out, strings.Join(m.To, ",")+": "+m.Subject)
	}
	return out
}

type session struct {
	s    *Server
	from string
	to   []string
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }
func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	x.s.mu.Lock()
	if x.s.fail > 0 {
		x.s.fail--
		x.s.mu.Unlock()
		_, _ = io.Copy(io.Discard, r)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	x.s.mu.Unlock()
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	m := Mail{From: x.from, To: x.to, Header: msg.Header}
	if m.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return err
	}
	body := msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedPrintable(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return errors.New("bad body")
	}
	m.Body = strings.ReplaceAll(string(b), "\r\n", "\n")
	x.s.mu.Lock()
	x.s.mails = append(x.s.mails, m)
	x.s.mu.Unlock()
	return nil
}
