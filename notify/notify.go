// Package notify sends the notifications the workflow writes to the outbox (store
// table outbox, in the transaction of the event they tell about): e-mail over SMTP and
// SMS through a provider behind the SMS interface. Delivery is at least once, with
// retries and exponential backoff; a message is given up (state failed) after
// MaxAttempts. It also schedules the expiry reminders: e-mails 30, 14 and 7 days
// and an SMS 10 days before a certificate expires. Time is injected.
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/store"
)

// Email sends one e-mail.
type Email interface {
	SendEmail(ctx context.Context, to, subject, body string) error
}

// SMS sends one short message to a phone number.
type SMS interface {
	SendSMS(ctx context.Context, phone, text string) error
}

// Config assembles an Outbox. Store is required; a nil Email or SMS logs the message
// instead of sending it (LogSender).
type Config struct {
	Store  store.Store
	Email  Email
	SMS    SMS
	Now    func() time.Time
	Logger *slog.Logger
	// MaxAttempts (default 8) and the backoff: the n-th retry waits Backoff·2^(n-1),
	// at most MaxBackoff (defaults 1 minute and 6 hours).
	MaxAttempts int
	Backoff     time.Duration
	MaxBackoff  time.Duration
	// Location is the time zone of dates in messages (default UTC+5).
	Location *time.Location
	// Lease is how long one delivery attempt holds a message (default 5 minutes):
	// longer than a send may take.
	Lease time.Duration
}

// Outbox delivers the outbox's messages and schedules reminders.
type Outbox struct {
	cfg Config
}

// New returns an Outbox from cfg.
func New(cfg Config) *Outbox {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Email == nil {
		cfg.Email = LogSender{Logger: cfg.Logger}
	}
	if cfg.SMS == nil {
		cfg.SMS = LogSender{Logger: cfg.Logger}
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = time.Minute
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 6 * time.Hour
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 5 * time.Minute
	}
	if cfg.Location == nil {
		cfg.Location = time.FixedZone("UTC+5", 5*3600)
	}
	return &Outbox{cfg: cfg}
}

// backoff is the wait before attempt n+1 after n failed attempts.
func (o *Outbox) backoff(n int) time.Duration {
	d := o.cfg.Backoff
	for i := 1; i < n && d < o.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, o.cfg.MaxBackoff)
}

// Deliver sends the messages due now, at most limit (0 = 100), and returns how many
// were sent. A failed send is retried later; errors of the store are returned.
func (o *Outbox) Deliver(ctx context.Context, limit int) (int, error) {
	var due []store.Message
	err := o.cfg.Store.Read(ctx, func(tx store.Tx) error {
		var err error
		due, err = tx.DueMessages(ctx, o.cfg.Now(), limit)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("notify: due messages: %w", err)
	}
	sent := 0
	for i := range due {
		m := &due[i]
		// Lease the message, so that another node delivering the same outbox skips it;
		// an attempt that never completes is retried when the lease ends.
		var claimed bool
		lease := o.cfg.Now().UTC().Add(o.cfg.Lease)
		if err := o.cfg.Store.Tx(ctx, func(tx store.Tx) error {
			var err error
			claimed, err = tx.ClaimMessage(ctx, m.ID, m.NextAttempt, lease)
			return err
		}); err != nil {
			return sent, fmt.Errorf("notify: claim message %d: %w", m.ID, err)
		}
		if !claimed {
			continue
		}
		m.NextAttempt = lease
		err := o.send(ctx, m)
		now := o.cfg.Now().UTC()
		m.Attempts++
		switch {
		case err == nil:
			m.State, m.SentAt, m.LastError = store.MessageSent, &now, ""
			sent++
		case m.Attempts >= o.cfg.MaxAttempts:
			m.State, m.LastError = store.MessageFailed, truncate(err.Error())
			o.cfg.Logger.ErrorContext(ctx, "notification given up", "id", m.ID, "kind", m.Kind, "channel", m.Channel, "attempts", m.Attempts, "err", err)
		default:
			m.NextAttempt, m.LastError = now.Add(o.backoff(m.Attempts)), truncate(err.Error())
			o.cfg.Logger.WarnContext(ctx, "notification failed; will retry", "id", m.ID, "kind", m.Kind, "channel", m.Channel, "attempt", m.Attempts, "next", m.NextAttempt, "err", err)
		}
		var kept bool
		if err := o.cfg.Store.Tx(ctx, func(tx store.Tx) error {
			var err error
			kept, err = tx.UpdateMessage(ctx, m, lease)
			return err
		}); err != nil {
			return sent, fmt.Errorf("notify: update message %d: %w", m.ID, err)
		}
		if !kept {
			// The attempt outlived its lease and another deliverer took the message
			// over; its outcome stands.
			o.cfg.Logger.WarnContext(ctx, "notification attempt outlived its lease; its result was not stored", "id", m.ID, "kind", m.Kind)
		}
	}
	return sent, nil
}

func truncate(s string) string {
	if len(s) > 500 {
		return s[:500]
	}
	return s
}

func (o *Outbox) send(ctx context.Context, m *store.Message) error {
	subject, body, err := Render(m.Kind, m.Language, m.Params)
	if err != nil {
		return err
	}
	switch m.Channel {
	case store.ChannelEmail:
		return o.cfg.Email.SendEmail(ctx, m.Recipient, subject, body)
	case store.ChannelSMS:
		return o.cfg.SMS.SendSMS(ctx, m.Recipient, subject)
	}
	return fmt.Errorf("notify: unknown channel %q", m.Channel)
}

// Reminder is one expiry reminder: how many days before, and the channel.
type Reminder struct {
	Days    int
	Channel string
}

// Reminders are the expiry reminders: e-mail 30, 14 and 7 days before, SMS 10 days.
var Reminders = []Reminder{{30, store.ChannelEmail}, {14, store.ChannelEmail}, {7, store.ChannelEmail}, {10, store.ChannelSMS}}

// ScheduleReminders enqueues the reminders due now: for each reminder of d days, the
// applications with a good certificate expiring after the next shorter reminder of
// the channel and within d days get one message (once: the dedup key names the
// application, the certificate's end and d). It returns how many it enqueued.
func (o *Outbox) ScheduleReminders(ctx context.Context) (int, error) {
	now := o.cfg.Now().UTC()
	day := 24 * time.Hour
	n := 0
	for _, r := range Reminders {
		lower := 0
		for _, x := range Reminders {
			if x.Channel == r.Channel && x.Days < r.Days && x.Days > lower {
				lower = x.Days
			}
		}
		err := o.cfg.Store.Tx(ctx, func(tx store.Tx) error {
			certs, err := tx.CertificatesExpiring(ctx, now.Add(time.Duration(lower)*day), now.Add(time.Duration(r.Days)*day), 0)
			if err != nil {
				return err
			}
			type group struct {
				app     string
				end     time.Time
				serials []string
			}
			var groups []*group
			byKey := map[string]*group{}
			for _, c := range certs {
				if c.Application == "" {
					continue
				}
				k := c.Application + "|" + c.NotAfter.UTC().Format(time.DateOnly)
				g := byKey[k]
				if g == nil {
					g = &group{app: c.Application, end: c.NotAfter}
					byKey[k] = g
					groups = append(groups, g)
				}
				g.serials = append(g.serials, c.Serial)
			}
			for _, g := range groups {
				a, err := tx.GetApplication(ctx, g.app)
				if errors.Is(err, core.ErrNotFound) {
					continue
				}
				if err != nil {
					return err
				}
				to := a.Applicant.Email
				if r.Channel == store.ChannelSMS {
					to = a.Applicant.Phone
				}
				if strings.TrimSpace(to) == "" {
					continue
				}
				ok, err := tx.EnqueueMessage(ctx, &store.Message{
					Channel: r.Channel, Recipient: to, Language: a.Applicant.Language, Kind: KindExpiry,
					Params: map[string]string{
						"days": strconv.Itoa(r.Days), "number": g.app, "serials": strings.Join(g.serials, ", "),
						"date": g.end.In(o.cfg.Location).Format(time.DateOnly),
					},
					DedupKey:  fmt.Sprintf("expiry:%s:%d:%s:%s", r.Channel, r.Days, g.app, g.end.UTC().Format(time.DateOnly)),
					CreatedAt: now,
				})
				if err != nil {
					return err
				}
				if ok {
					n++
				}
			}
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("notify: reminders %d days (%s): %w", r.Days, r.Channel, err)
		}
	}
	return n, nil
}

// Run delivers and schedules every interval until ctx ends.
func (o *Outbox) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := o.ScheduleReminders(ctx); err != nil && ctx.Err() == nil {
			o.cfg.Logger.ErrorContext(ctx, "scheduling reminders failed", "err", err)
		}
		if _, err := o.Deliver(ctx, 100); err != nil && ctx.Err() == nil {
			o.cfg.Logger.ErrorContext(ctx, "delivering notifications failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// LogSender "sends" by logging: the SMS channel's implementation until a provider is
// configured, and the e-mail channel's when no SMTP server is.
type LogSender struct{ Logger *slog.Logger }

// SendEmail implements Email.
func (l LogSender) SendEmail(ctx context.Context, to, subject, _ string) error {
	l.Logger.InfoContext(ctx, "e-mail (not sent: no SMTP server configured)", "to", to, "subject", subject)
	return nil
}

// SendSMS implements SMS.
func (l LogSender) SendSMS(ctx context.Context, phone, text string) error {
	l.Logger.InfoContext(ctx, "sms", "to", phone, "text", text)
	return nil
}
