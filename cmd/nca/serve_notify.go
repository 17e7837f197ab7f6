package main

import (
	"flag"
	"log/slog"
	"strconv"
	"time"

	"github.com/opennca/nca/notify"
	"github.com/opennca/nca/store"
)

// notifyConfig configures the notifications: the SMTP server of the e-mails (none:
// e-mails are logged, not sent) and how often the outbox is delivered.
type notifyConfig struct {
	smtpAddr     string
	smtpFrom     string
	smtpUser     string
	smtpInsecure bool
	interval     time.Duration
}

// registerNotifyFlags adds the notification flags. The SMTP password is read from
// NCA_SMTP_PASSWORD only, so that it shows in no process list or config file.
func registerNotifyFlags(fs *flag.FlagSet, c *notifyConfig, env func(name, def string) string) {
	fs.StringVar(&c.smtpAddr, "smtp-addr", env("NCA_SMTP_ADDR", ""), "SMTP server host:port for e-mail notifications (NCA_SMTP_ADDR; empty: e-mails are only logged); password in NCA_SMTP_PASSWORD")
	fs.StringVar(&c.smtpFrom, "smtp-from", env("NCA_SMTP_FROM", "NCA <noreply@localhost>"), "sender address of e-mail notifications (NCA_SMTP_FROM)")
	fs.StringVar(&c.smtpUser, "smtp-username", env("NCA_SMTP_USERNAME", ""), "SMTP user name for PLAIN authentication (NCA_SMTP_USERNAME)")
	insecure, _ := strconv.ParseBool(env("NCA_SMTP_INSECURE", "false"))
	fs.BoolVar(&c.smtpInsecure, "smtp-insecure", insecure, "allow an SMTP server without STARTTLS, e.g. a relay on this host (NCA_SMTP_INSECURE)")
	interval, err := time.ParseDuration(env("NCA_NOTIFY_INTERVAL", "30s"))
	if err != nil {
		interval = 30 * time.Second
	}
	fs.DurationVar(&c.interval, "notify-interval", interval, "how often the notification outbox is delivered and expiry reminders scheduled (NCA_NOTIFY_INTERVAL)")
}

// newOutbox assembles the notification outbox of the server.
func newOutbox(c notifyConfig, st store.Store, log *slog.Logger, getenv func(string) string) *notify.Outbox {
	cfg := notify.Config{Store: st, Logger: log}
	if c.smtpAddr != "" {
		cfg.Email = &notify.SMTP{Addr: c.smtpAddr, From: c.smtpFrom, Username: c.smtpUser, Password: getenv("NCA_SMTP_PASSWORD"), Insecure: c.smtpInsecure}
	}
	return notify.New(cfg)
}
