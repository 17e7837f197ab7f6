package ra

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/store"
)

// Default CRL periods (PROFILE.md: a full CRL and a delta CRL per CA).
const (
	DefaultFullCRLInterval  = 24 * time.Hour
	DefaultDeltaCRLInterval = 15 * time.Minute
)

// deltaOverlap is how far before its base's thisUpdate a delta CRL starts listing
// revocations. A revocation's time is taken inside its transaction, before it
// commits; a full CRL read just then may miss it. Listing an entry in both the
// base and the delta is harmless (RFC 5280 §5.2.4), missing one is not.
const deltaOverlap = 5 * time.Minute

// CRL is a published certificate revocation list.
type CRL struct {
	Issuer string
	// Number is the CRL number; full and delta CRLs of a CA share one sequence.
	Number int64
	// BaseNumber is the number of the full CRL a delta CRL updates; 0 for a full CRL.
	BaseNumber int64
	ThisUpdate time.Time
	NextUpdate time.Time
	// Entries is the number of revoked certificates listed.
	Entries int
	// SignTime is how long building and signing took.
	SignTime time.Duration
	DER      []byte
}

// Delta reports whether c is a delta CRL.
func (c *CRL) Delta() bool { return c.BaseNumber > 0 }

// ETag is the HTTP entity tag of the CRL: its issuer, kind and number.
func (c *CRL) ETag() string {
	kind := "full"
	if c.Delta() {
		kind = "delta"
	}
	return `"` + c.Issuer + "-" + kind + "-" + strconv.FormatInt(c.Number, 10) + `"`
}

// CRLObserver is told of every CRL published (for metrics); it must not block.
type CRLObserver func(c *CRL)

// crlPair is the current full and delta CRL of one CA.
type crlPair struct {
	full, delta *CRL
}

// CRLs builds, signs and keeps the current full and delta CRL of every CA.
//
// Rules: a full CRL lists every revoked certificate of the CA that has not expired
// yet (certificates leave the CRL after their notAfter, as RFC 5280 §3.3 allows);
// a delta CRL lists those revoked since its base full CRL was built (with a
// deltaOverlap safety margin). Numbers come from one sequence per CA in the store, so
// they strictly increase across full and delta CRLs and across restarts. A full
// CRL's nextUpdate is thisUpdate + the full interval + one delta interval; a delta's
// is thisUpdate + 2 delta intervals: the next one is always out before it.
// A revocation publishes the issuer's delta CRL at once.
type CRLs struct {
	store         store.Store
	signer        Signer
	now           func() time.Time
	fullInterval  time.Duration
	deltaInterval time.Duration
	log           *slog.Logger
	observe       CRLObserver

	mu      sync.RWMutex
	current map[string]*crlPair
	// publish serialises signing per process so numbers are published in order.
	publish sync.Mutex
}

func newCRLs(st store.Store, sg Signer, now func() time.Time, full, delta time.Duration, log *slog.Logger) *CRLs {
	return &CRLs{store: st, signer: sg, now: now, fullInterval: full, deltaInterval: delta, log: log, current: map[string]*crlPair{}}
}

// Observe sets the function told of every published CRL. Call it before serving.
func (c *CRLs) Observe(fn CRLObserver) {
	c.mu.Lock()
	c.observe = fn
	c.mu.Unlock()
}

// Intervals returns the full and delta CRL periods.
func (c *CRLs) Intervals() (full, delta time.Duration) { return c.fullInterval, c.deltaInterval }

// Publish builds and signs a new full CRL for issuer, then a delta CRL on it, and
// makes both current. It returns the full CRL.
func (c *CRLs) Publish(ctx context.Context, issuer string) (*CRL, error) {
	c.publish.Lock()
	defer c.publish.Unlock()
	full, err := c.publishFull(ctx, issuer)
	if err != nil {
		return nil, err
	}
	if _, err := c.publishDelta(ctx, issuer, full); err != nil {
		return nil, err
	}
	return full, nil
}

// PublishDelta builds and signs a new delta CRL for issuer on its current full CRL
// (publishing a full CRL first when there is none) and makes it current.
func (c *CRLs) PublishDelta(ctx context.Context, issuer string) (*CRL, error) {
	c.publish.Lock()
	defer c.publish.Unlock()
	c.mu.RLock()
	p := c.current[issuer]
	c.mu.RUnlock()
	var full *CRL
	if p != nil {
		full = p.full
	}
	if full == nil {
		var err error
		if full, err = c.publishFull(ctx, issuer); err != nil {
			return nil, err
		}
	}
	return c.publishDelta(ctx, issuer, full)
}

// nextNumber takes the next CRL number of issuer in its own transaction, so that a
// failed signing only leaves a gap.
func (c *CRLs) nextNumber(ctx context.Context, issuer string) (int64, error) {
	var number int64
	err := c.store.Tx(ctx, func(tx store.Tx) error {
		var err error
		number, err = tx.NextCRLNumber(ctx, issuer)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("ra: CRL number of %s: %w", issuer, err)
	}
	return number, nil
}

// stream returns a ca.RevokedSource reading from one store snapshot with read,
// counting the entries into *n.
func (c *CRLs) stream(ctx context.Context, n *int, read func(tx store.Tx, add func(core.RevokedEntry) error) error) ca.RevokedSource {
	return func(add func(core.RevokedEntry) error) error {
		started := false
		return c.store.Read(ctx, func(tx store.Tx) error {
			if started {
				// Entries already streamed cannot be taken back from the encoder.
				return errors.New("the read of the revoked entries was retried midway")
			}
			started = true
			return read(tx, func(e core.RevokedEntry) error {
				*n++
				return add(e)
			})
		})
	}
}

// publishFull signs a full CRL; c.publish is held.
func (c *CRLs) publishFull(ctx context.Context, issuer string) (*CRL, error) {
	if _, err := c.signer.Issuer(issuer); err != nil {
		return nil, err
	}
	start := time.Now()
	now := c.now().UTC().Truncate(time.Second)
	number, err := c.nextNumber(ctx, issuer)
	if err != nil {
		return nil, err
	}
	sizeHint := 0
	c.mu.RLock()
	if p := c.current[issuer]; p != nil && p.full != nil {
		sizeHint = p.full.Entries + p.full.Entries/8
	}
	c.mu.RUnlock()
	entries := 0
	req := ca.CRLRequest{Number: number, ThisUpdate: now, NextUpdate: now.Add(c.fullInterval + c.deltaInterval), SizeHint: sizeHint}
	der, err := c.signer.CRL(ctx, issuer, req, c.stream(ctx, &entries, func(tx store.Tx, add func(core.RevokedEntry) error) error {
		return tx.RevokedEntries(ctx, issuer, now, add)
	}))
	if err != nil {
		return nil, fmt.Errorf("ra: sign the full CRL of %s: %w", issuer, err)
	}
	crl := &CRL{Issuer: issuer, Number: number, ThisUpdate: now, NextUpdate: req.NextUpdate, Entries: entries,
		SignTime: time.Since(start), DER: der}
	c.mu.Lock()
	p := c.current[issuer]
	if p == nil {
		p = &crlPair{}
		c.current[issuer] = p
	}
	p.full = crl
	obs := c.observe
	c.mu.Unlock()
	if obs != nil {
		obs(crl)
	}
	c.log.InfoContext(ctx, "CRL published", "issuer", issuer, "kind", "full", "number", number, "entries", entries,
		"bytes", len(der), "took", crl.SignTime)
	return crl, nil
}

// publishDelta signs a delta CRL on full; c.publish is held.
func (c *CRLs) publishDelta(ctx context.Context, issuer string, full *CRL) (*CRL, error) {
	start := time.Now()
	now := c.now().UTC().Truncate(time.Second)
	number, err := c.nextNumber(ctx, issuer)
	if err != nil {
		return nil, err
	}
	since := full.ThisUpdate.Add(-deltaOverlap)
	entries := 0
	req := ca.CRLRequest{Number: number, BaseNumber: full.Number, ThisUpdate: now, NextUpdate: now.Add(2 * c.deltaInterval)}
	der, err := c.signer.CRL(ctx, issuer, req, c.stream(ctx, &entries, func(tx store.Tx, add func(core.RevokedEntry) error) error {
		return tx.RevokedSince(ctx, issuer, since, now, add)
	}))
	if err != nil {
		return nil, fmt.Errorf("ra: sign the delta CRL of %s: %w", issuer, err)
	}
	crl := &CRL{Issuer: issuer, Number: number, BaseNumber: full.Number, ThisUpdate: now, NextUpdate: req.NextUpdate,
		Entries: entries, SignTime: time.Since(start), DER: der}
	c.mu.Lock()
	p := c.current[issuer]
	if p == nil {
		p = &crlPair{full: full}
		c.current[issuer] = p
	}
	p.delta = crl
	obs := c.observe
	c.mu.Unlock()
	if obs != nil {
		obs(crl)
	}
	c.log.InfoContext(ctx, "CRL published", "issuer", issuer, "kind", "delta", "number", number, "base", full.Number,
		"entries", entries, "took", crl.SignTime)
	return crl, nil
}

// PublishAll publishes a fresh full and delta CRL for every CA.
func (c *CRLs) PublishAll(ctx context.Context) error {
	for _, iss := range c.signer.Issuers() {
		if _, err := c.Publish(ctx, iss.Name); err != nil {
			return err
		}
	}
	return nil
}

// Current returns the current full CRL of issuer, publishing one if none exists
// yet or the current one is past its full interval.
func (c *CRLs) Current(ctx context.Context, issuer string) (*CRL, error) {
	return c.currentOf(ctx, issuer, false)
}

// CurrentDelta returns the current delta CRL of issuer, publishing one if none
// exists yet or the current one is past its delta interval.
func (c *CRLs) CurrentDelta(ctx context.Context, issuer string) (*CRL, error) {
	return c.currentOf(ctx, issuer, true)
}

func (c *CRLs) currentOf(ctx context.Context, issuer string, delta bool) (*CRL, error) {
	if _, err := c.signer.Issuer(issuer); err != nil {
		return nil, err
	}
	if crl := c.fresh(issuer, delta); crl != nil {
		return crl, nil
	}
	c.publish.Lock()
	defer c.publish.Unlock()
	// Many requests may find the CRL stale at once; the first one publishes, the
	// others find its result here instead of each signing another CRL.
	if crl := c.fresh(issuer, delta); crl != nil {
		return crl, nil
	}
	c.mu.RLock()
	var full *CRL
	if p := c.current[issuer]; p != nil {
		full = p.full
	}
	c.mu.RUnlock()
	if full == nil || !c.now().Before(full.ThisUpdate.Add(c.fullInterval)) {
		f, err := c.publishFull(ctx, issuer)
		if err != nil {
			return nil, err
		}
		d, err := c.publishDelta(ctx, issuer, f)
		if err != nil {
			return nil, err
		}
		if delta {
			return d, nil
		}
		return f, nil
	}
	return c.publishDelta(ctx, issuer, full)
}

// fresh returns the current full (delta false) or delta CRL of issuer when it need
// not be published again now, else nil. A delta is fresh only on a fresh full CRL.
func (c *CRLs) fresh(issuer string, delta bool) *CRL {
	c.mu.RLock()
	p := c.current[issuer]
	var full, d *CRL
	if p != nil {
		full, d = p.full, p.delta
	}
	c.mu.RUnlock()
	now := c.now()
	if full == nil || !now.Before(full.ThisUpdate.Add(c.fullInterval)) {
		return nil
	}
	if !delta {
		return full
	}
	if d == nil || !now.Before(d.ThisUpdate.Add(c.deltaInterval)) {
		return nil
	}
	return d
}

// Refresh publishes, for every CA, a full CRL when its current one is older than
// the full interval (or missing), else a delta CRL.
func (c *CRLs) Refresh(ctx context.Context) error {
	var errs []error
	for _, iss := range c.signer.Issuers() {
		c.mu.RLock()
		p := c.current[iss.Name]
		c.mu.RUnlock()
		var err error
		if p == nil || p.full == nil || !c.now().Before(p.full.ThisUpdate.Add(c.fullInterval)) {
			_, err = c.Publish(ctx, iss.Name)
		} else {
			_, err = c.PublishDelta(ctx, iss.Name)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Run refreshes the CRLs every delta interval until ctx ends (see Refresh).
func (c *CRLs) Run(ctx context.Context) {
	t := time.NewTicker(c.deltaInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.Refresh(ctx); err != nil && ctx.Err() == nil {
				c.log.ErrorContext(ctx, "scheduled CRL refresh failed", "err", err)
			}
		}
	}
}

// Latest returns the current full and delta CRL of issuer without publishing
// (nil when none was published yet).
func (c *CRLs) Latest(issuer string) (full, delta *CRL) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if p := c.current[issuer]; p != nil {
		return p.full, p.delta
	}
	return nil, nil
}
