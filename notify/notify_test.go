package notify_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/internal/testclock"
	"github.com/opennca/nca/notify"
	"github.com/opennca/nca/notify/smtptest"
	"github.com/opennca/nca/store"
	"github.com/opennca/nca/store/storetest"
)

// smsLog records SMS messages: the logging test implementation of the SMS channel.
type smsLog struct {
	mu   sync.Mutex
	sent []string
}

func (s *smsLog) SendSMS(_ context.Context, phone, text string) error {
	s.mu.Lock()
	s.sent = append(s.sent, phone+": "+text)
	s.mu.Unlock()
	return nil
}

func TestEveryTemplateInEveryLanguage(t *testing.T) {
	params := map[string]string{"number": "N-1234", "deadline": "2026-12-18", "next": "head", "receipt": "R-1", "reason": "false_information",
		"serial": "1a2b", "type": "SIGN", "subject": "CN=X", "date": "2026-11-23", "days": "7", "serials": "1a2b, 3c4d"}
	for _, kind := range []string{notify.KindReceived, notify.KindAccepted, notify.KindIssued, notify.KindRefused, notify.KindExpired, notify.KindRevoked, notify.KindIssuanceAlert, notify.KindExpiry} {
		seen := map[string]bool{}
		for _, lang := range notify.Languages {
			subj, body, err := notify.Render(kind, lang, params)
			if err != nil {
				t.Fatalf("%s/%s: %v", kind, lang, err)
			}
			if subj == "" || body == "" || strings.Contains(subj+body, "<no value>") {
				t.Fatalf("%s/%s: %q / %q", kind, lang, subj, body)
			}
			if seen[body] {
				t.Fatalf("%s/%s: same text as another language", kind, lang)
			}
			seen[body] = true
			for _, p := range []string{"number", "serial"} {
				if strings.Contains(notify.TemplateText(kind, lang), "{{."+p+"}}") && !strings.Contains(subj+body, params[p]) {
					t.Fatalf("%s/%s does not show %s", kind, lang, p)
				}
			}
		}
	}
	if _, _, err := notify.Render("nonsense", "en", nil); err == nil {
		t.Fatal("unknown kind rendered")
	}
	// An unknown language falls back to Russian.
	a, _, _ := notify.Render(notify.KindIssued, "de", params)
	b, _, _ := notify.Render(notify.KindIssued, "ru", params)
	if a != b {
		t.Fatalf("fallback %q != %q", a, b)
	}
}

func enqueue(t *testing.T, st store.Store, m *store.Message) {
	t.Helper()
	if err := st.Tx(context.Background(), func(tx store.Tx) error {
		_, err := tx.EnqueueMessage(context.Background(), m)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func messages(t *testing.T, st store.Store) []store.Message {
	t.Helper()
	var ms []store.Message
	if err := st.Read(context.Background(), func(tx store.Tx) error {
		var err error
		ms, err = tx.Messages(context.Background(), 0, 0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return ms
}

func TestDeliveryOverSMTPWithRetries(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	srv := smtptest.Start(t)
	clk := testclock.New(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	sms := &smsLog{}
	o := notify.New(notify.Config{Store: st, Now: clk.Now, SMS: sms, MaxAttempts: 3,
		Email: &notify.SMTP{Addr: srv.Addr, From: "NCA <noreply@pki.example.kz>", Insecure: true, Now: clk.Now}})

	enqueue(t, st, &store.Message{Channel: store.ChannelEmail, Recipient: "aigerim@example.kz", Language: "kk", Kind: notify.KindIssued,
		Params: map[string]string{"number": "ABCD-1234"}, CreatedAt: clk.Now()})
	enqueue(t, st, &store.Message{Channel: store.ChannelSMS, Recipient: "+77011234567", Language: "ru", Kind: notify.KindExpiry,
		Params: map[string]string{"days": "10"}, CreatedAt: clk.Now()})

	srv.FailNext(1) // the server answers 451 to the first e-mail
	n, err := o.Deliver(ctx, 0)
	if err != nil || n != 1 {
		t.Fatalf("first delivery sent %d, %v; want only the SMS", n, err)
	}
	ms := messages(t, st)
	if ms[0].State != store.MessagePending || ms[0].Attempts != 1 || !ms[0].NextAttempt.Equal(clk.Now().Add(time.Minute)) || !strings.Contains(ms[0].LastError, "451") {
		t.Fatalf("after a failure: %+v", ms[0])
	}
	if ms[1].State != store.MessageSent || len(sms.sent) != 1 || !strings.Contains(sms.sent[0], "+77011234567: ") || !strings.Contains(sms.sent[0], "10") {
		t.Fatalf("sms %+v, %v", ms[1], sms.sent)
	}
	// Not due before the backoff has passed.
	if n, _ := o.Deliver(ctx, 0); n != 0 {
		t.Fatalf("retried before the backoff: %d", n)
	}
	clk.Add(time.Minute)
	if n, err := o.Deliver(ctx, 0); err != nil || n != 1 {
		t.Fatalf("retry sent %d, %v", n, err)
	}
	got := srv.Mails()
	if len(got) != 1 {
		t.Fatalf("%d mails arrived, want 1", len(got))
	}
	m := got[0]
	if m.From != "noreply@pki.example.kz" || m.To[0] != "aigerim@example.kz" || m.Subject != "ABCD-1234 өтініші бойынша тіркеу куәліктері берілді" || !strings.Contains(m.Body, "eds fetch ABCD-1234") {
		t.Fatalf("mail %+v", m)
	}
	if ms := messages(t, st); ms[0].State != store.MessageSent || ms[0].Attempts != 2 || ms[0].SentAt == nil {
		t.Fatalf("after the retry: %+v", ms[0])
	}

	// A message that keeps failing is given up after MaxAttempts, with growing waits.
	enqueue(t, st, &store.Message{Channel: store.ChannelEmail, Recipient: "x@example.kz", Language: "en", Kind: notify.KindRevoked,
		Params: map[string]string{"serial": "ff"}, CreatedAt: clk.Now()})
	srv.FailNext(10)
	var waits []time.Duration
	for i := 0; i < 3; i++ {
		before := clk.Now()
		if _, err := o.Deliver(ctx, 0); err != nil {
			t.Fatal(err)
		}
		last := messages(t, st)[2]
		if i < 2 {
			waits = append(waits, last.NextAttempt.Sub(before))
			clk.Add(last.NextAttempt.Sub(before))
		} else if last.State != store.MessageFailed || last.Attempts != 3 {
			t.Fatalf("after 3 failures: %+v", last)
		}
	}
	if waits[0] != time.Minute || waits[1] != 2*time.Minute {
		t.Fatalf("backoff %v, want 1m then 2m", waits)
	}
}

func TestExpiryReminders(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	clk := testclock.New(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	o := notify.New(notify.Config{Store: st, Now: clk.Now})
	day := 24 * time.Hour
	end := clk.Now().Add(40 * day)
	err := st.Tx(ctx, func(tx store.Tx) error {
		a := &core.Application{Number: "AAAA-1111", Template: "individual", State: core.StateIssued, CreatedAt: clk.Now(), UpdatedAt: clk.Now(),
			Applicant: core.Applicant{IIN: "871008401427", Email: "owner@example.kz", Phone: "+77011234567", Language: "en"}}
		if err := tx.InsertApplication(ctx, a); err != nil {
			return err
		}
		for i, typ := range []core.CertType{core.CertSign, core.CertAuth} {
			c := &core.Certificate{Serial: []string{"a1", "a2"}[i], Issuer: "NCA RSA", Application: a.Number, Template: "individual", Type: typ,
				IIN: "871008401427", Subject: "CN=X", NotBefore: clk.Now().Add(-300 * day), NotAfter: end, KeyHash: []string{"k1", "k2"}[i], DER: []byte{1}, Status: core.CertGood}
			if err := tx.InsertCertificate(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	step := func(daysLeft int) []string {
		t.Helper()
		clk.Set(end.Add(-time.Duration(daysLeft) * day))
		if _, err := o.ScheduleReminders(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := o.ScheduleReminders(ctx); err != nil { // idempotent
			t.Fatal(err)
		}
		var out []string
		for _, m := range messages(t, st) {
			out = append(out, m.Channel+":"+m.Params["days"])
		}
		return out
	}
	want := []struct {
		left int
		got  string
	}{
		{35, ""},
		{30, "email:30"},
		{20, "email:30"},
		{14, "email:30,email:14"},
		{10, "email:30,email:14,sms:10"},
		{7, "email:30,email:14,sms:10,email:7"},
		{1, "email:30,email:14,sms:10,email:7"},
	}
	for _, w := range want {
		if got := strings.Join(step(w.left), ","); got != w.got {
			t.Fatalf("%d days before: %s, want %s", w.left, got, w.got)
		}
	}
	ms := messages(t, st)
	if ms[0].Recipient != "owner@example.kz" || ms[0].Params["serials"] != "a1, a2" || ms[2].Recipient != "+77011234567" {
		t.Fatalf("reminders %+v", ms)
	}
}

// TestTwoDeliverersSendOnce: two deliverers on one outbox (two server nodes) send each
// message once.
func TestTwoDeliverersSendOnce(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	srv := smtptest.Start(t)
	clk := testclock.New(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	for i := 0; i < 20; i++ {
		enqueue(t, st, &store.Message{Channel: store.ChannelEmail, Recipient: "a@example.kz", Language: "en", Kind: notify.KindIssued,
			Params: map[string]string{"number": "N"}, CreatedAt: clk.Now()})
	}
	var wg sync.WaitGroup
	counts := make([]int, 2)
	for i := range counts {
		o := notify.New(notify.Config{Store: st, Now: clk.Now, Email: &notify.SMTP{Addr: srv.Addr, From: "noreply@nca.test", Insecure: true}})
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := o.Deliver(ctx, 0)
			if err != nil {
				t.Error(err)
			}
			counts[i] = n
		}()
	}
	wg.Wait()
	if got := len(srv.Mails()); got != 20 || counts[0]+counts[1] != 20 {
		t.Fatalf("%d mails arrived, deliverers counted %v; want 20 in all", got, counts)
	}
}
