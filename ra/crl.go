package ra

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/store"
)

// CRL is a published certificate revocation list.
type CRL struct {
	Issuer     string
	Number     int64
	ThisUpdate time.Time
	NextUpdate time.Time
	DER        []byte
}

// CRLs builds, signs and keeps the current CRL of every CA. A revocation publishes
// the issuer's CRL at once; the server also refreshes all of them on a schedule.
// Certificates leave the CRL once they have expired (RFC 5280 §3.3 allows it).
type CRLs struct {
	store    store.Store
	signer   Signer
	now      func() time.Time
	validity time.Duration
	log      *slog.Logger

	mu      sync.RWMutex
	current map[string]*CRL
	// publish serialises signing per process so numbers are published in order.
	publish sync.Mutex
}

func newCRLs(st store.Store, sg Signer, now func() time.Time, validity time.Duration, log *slog.Logger) *CRLs {
	return &CRLs{store: st, signer: sg, now: now, validity: validity, log: log, current: map[string]*CRL{}}
}

// Publish builds and signs a new CRL for issuer, with the next CRL number, and makes
// it the current one.
func (c *CRLs) Publish(ctx context.Context, issuer string) (*CRL, error) {
	c.publish.Lock()
	defer c.publish.Unlock()
	now := c.now().UTC().Truncate(time.Second)
	var number int64
	err := c.store.Tx(ctx, func(tx store.Tx) error {
		var err error
		number, err = tx.NextCRLNumber(ctx, issuer)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ra: CRL number of %s: %w", issuer, err)
	}
	// The entries stream from one read snapshot straight into the encoder; the
	// number was taken first so that a failed signing only leaves a gap.
	entries := 0
	req := ca.CRLRequest{Number: number, ThisUpdate: now, NextUpdate: now.Add(c.validity)}
	der, err := c.signer.CRL(ctx, issuer, req, func(add func(core.RevokedEntry) error) error {
		started := false
		return c.store.Read(ctx, func(tx store.Tx) error {
			if started {
				// Entries already streamed cannot be taken back from the encoder.
				return fmt.Errorf("the read of the revoked entries was retried midway")
			}
			started = true
			return tx.RevokedEntries(ctx, issuer, now, func(e core.RevokedEntry) error {
				entries++
				return add(e)
			})
		})
	})
	if err != nil {
		return nil, fmt.Errorf("ra: sign CRL of %s: %w", issuer, err)
	}
	crl := &CRL{Issuer: issuer, Number: number, ThisUpdate: now, NextUpdate: now.Add(c.validity), DER: der}
	c.mu.Lock()
	c.current[issuer] = crl
	c.mu.Unlock()
	c.log.InfoContext(ctx, "CRL published", "issuer", issuer, "number", number, "entries", entries)
	return crl, nil
}

// PublishAll publishes a fresh CRL for every CA.
func (c *CRLs) PublishAll(ctx context.Context) error {
	for _, iss := range c.signer.Issuers() {
		if _, err := c.Publish(ctx, iss.Name); err != nil {
			return err
		}
	}
	return nil
}

// Current returns the current CRL of issuer, publishing one if none exists yet or
// the current one is past half its validity.
func (c *CRLs) Current(ctx context.Context, issuer string) (*CRL, error) {
	if _, err := c.signer.Issuer(issuer); err != nil {
		return nil, err
	}
	c.mu.RLock()
	crl := c.current[issuer]
	c.mu.RUnlock()
	if crl != nil && c.now().Before(crl.ThisUpdate.Add(c.validity/2)) {
		return crl, nil
	}
	return c.Publish(ctx, issuer)
}

// Run refreshes every CRL each interval until ctx ends.
func (c *CRLs) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.PublishAll(ctx); err != nil && ctx.Err() == nil {
				c.log.ErrorContext(ctx, "scheduled CRL refresh failed", "err", err)
			}
		}
	}
}
