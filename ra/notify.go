package ra

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/notify"
	"github.com/opennca/nca/registry"
	"github.com/opennca/nca/store"
)

// enqueue adds a notification to the outbox inside tx; a missing address is skipped.
func (s *Service) enqueue(ctx context.Context, tx store.Tx, channel, to, lang, kind string, params map[string]string) error {
	if strings.TrimSpace(to) == "" {
		return nil
	}
	_, err := tx.EnqueueMessage(ctx, &store.Message{
		Channel: channel, Recipient: to, Language: lang, Kind: kind, Params: params, CreatedAt: s.now().UTC(),
	})
	return err
}

// notifyEvent tells the applicant by e-mail about a state change of their application:
// received, accepted at a centre, issued, refused (with the reason) or expired.
func (s *Service) notifyEvent(ctx context.Context, tx store.Tx, a *core.Application, act Action) error {
	p := map[string]string{"number": a.Number}
	var kind string
	switch {
	case act == ActSubmit || (act == ActRenew && a.State == core.StateAwaitingHead):
		kind = notify.KindReceived
		p["deadline"] = a.Deadline.In(s.loc).Format(time.DateOnly)
		p["next"] = "visit"
		if a.State == core.StateAwaitingHead {
			p["next"] = "head"
		}
	case act == ActAccept:
		kind = notify.KindAccepted
		p["receipt"] = a.ReceiptNumber
	case a.State == core.StateIssued:
		kind = notify.KindIssued
	case act == ActRefuse || act == ActHeadReject:
		kind = notify.KindRefused
		p["reason"] = strings.TrimSpace(string(a.RefusalReason) + " " + a.RefusalDetail)
	case act == ActExpire:
		kind = notify.KindExpired
	default:
		return nil
	}
	return s.enqueue(ctx, tx, store.ChannelEmail, a.Applicant.Email, a.Applicant.Language, kind, p)
}

// registeredEmail is the e-mail the state registry has for an IIN, else fallback.
func (s *Service) registeredEmail(ctx context.Context, iin, fallback string) (string, error) {
	p, err := s.registry.Person(ctx, iin)
	switch {
	case errors.Is(err, core.ErrNotFound):
		return fallback, nil
	case err != nil:
		return "", err
	}
	return emailOf(p, fallback), nil
}

// revocationRecipient asks, with no transaction open, the state registry for the
// e-mail of the owner of certificate c when c has no application (a staff
// certificate) to take the address from; "" otherwise.
func (s *Service) revocationRecipient(ctx context.Context, c *core.Certificate) (string, error) {
	if c.Application != "" || c.IIN == "" {
		return "", nil
	}
	return s.registeredEmail(ctx, c.IIN, "")
}

// emailOf is the e-mail the registry's answer p (nil: not registered) gives, else
// fallback.
func emailOf(p *registry.Person, fallback string) string {
	if p != nil && p.Email != "" {
		return p.Email
	}
	return fallback
}

// alertIssued tells the registered e-mail of the certificate's IIN (to: see
// registeredEmail, asked before the transaction) at once that a certificate was
// issued on it, so that a certificate obtained in someone else's name is noticed.
func (s *Service) alertIssued(ctx context.Context, tx store.Tx, a *core.Application, c *core.Certificate, to string) error {
	return s.enqueue(ctx, tx, store.ChannelEmail, to, a.Applicant.Language, notify.KindIssuanceAlert, map[string]string{
		"serial": c.Serial, "type": string(c.Type), "subject": c.Subject, "number": a.Number,
		"date": c.NotBefore.In(s.loc).Format("2006-01-02 15:04"),
	})
}

// notifyRevoked tells the owner that a certificate was revoked: at the e-mail of its
// application, else at registered, the registry's e-mail for its IIN, asked before
// the transaction (see revocationRecipient).
func (s *Service) notifyRevoked(ctx context.Context, tx store.Tx, c *core.Certificate, reason, registered string) error {
	to, lang := "", ""
	if c.Application != "" {
		a, err := tx.GetApplication(ctx, c.Application)
		if err != nil && !errors.Is(err, core.ErrNotFound) {
			return err
		}
		if a != nil {
			to, lang = a.Applicant.Email, a.Applicant.Language
		}
	}
	if to == "" {
		to = registered
	}
	return s.enqueue(ctx, tx, store.ChannelEmail, to, lang, notify.KindRevoked, map[string]string{
		"serial": c.Serial, "reason": reason, "date": s.now().In(s.loc).Format("2006-01-02 15:04"),
	})
}
