package ra

import (
	"crypto/x509"
	"sync"
	"testing"
	"time"

	"github.com/opennca/nca/ca"
)

// TestCRLSchedule checks the publication rules: a refresh inside the full interval
// publishes only a delta on the same base; past it, a new full CRL and a delta on
// it; numbers strictly increase across both kinds; nextUpdate lies after the next
// scheduled publication.
func TestCRLSchedule(t *testing.T) {
	e := newEnv(t)
	c := e.svc.CRLs()
	fullEvery, deltaEvery := c.Intervals()
	if fullEvery != DefaultFullCRLInterval || deltaEvery != DefaultDeltaCRLInterval {
		t.Fatalf("intervals %v %v", fullEvery, deltaEvery)
	}
	if err := c.PublishAll(e.ctx); err != nil {
		t.Fatal(err)
	}
	full0, delta0 := c.Latest(ca.IssuingRSA)
	if full0 == nil || delta0 == nil || delta0.BaseNumber != full0.Number || delta0.Number <= full0.Number {
		t.Fatalf("after PublishAll: %+v %+v", full0, delta0)
	}
	last := delta0.Number
	e.clock.Add(deltaEvery)
	if err := c.Refresh(e.ctx); err != nil {
		t.Fatal(err)
	}
	full1, delta1 := c.Latest(ca.IssuingRSA)
	if full1 != full0 || delta1.BaseNumber != full0.Number || delta1.Number <= last {
		t.Fatalf("refresh inside the full interval: full %d→%d, delta %d base %d", full0.Number, full1.Number, delta1.Number, delta1.BaseNumber)
	}
	last = delta1.Number
	e.clock.Add(fullEvery)
	if err := c.Refresh(e.ctx); err != nil {
		t.Fatal(err)
	}
	full2, delta2 := c.Latest(ca.IssuingRSA)
	if full2.Number <= last || delta2.BaseNumber != full2.Number || delta2.Number <= full2.Number {
		t.Fatalf("refresh past the full interval: full %d (after %d), delta %d base %d", full2.Number, last, delta2.Number, delta2.BaseNumber)
	}
	for _, crl := range []*CRL{full2, delta2} {
		l, err := x509.ParseRevocationList(crl.DER)
		if err != nil {
			t.Fatal(err)
		}
		period := fullEvery
		if crl.Delta() {
			period = deltaEvery
		}
		if !l.NextUpdate.After(l.ThisUpdate.Add(period)) || l.Number.Int64() != crl.Number {
			t.Errorf("CRL %d: thisUpdate %v nextUpdate %v, period %v", crl.Number, l.ThisUpdate, l.NextUpdate, period)
		}
	}
	// Current serves what is published and republishes only what is due.
	if got, _ := c.CurrentDelta(e.ctx, ca.IssuingRSA); got != delta2 {
		t.Errorf("CurrentDelta republished a fresh delta")
	}
	e.clock.Add(deltaEvery + time.Second)
	if got, _ := c.CurrentDelta(e.ctx, ca.IssuingRSA); got == delta2 || got.BaseNumber != full2.Number {
		t.Errorf("CurrentDelta kept a delta past its interval")
	}
}

// TestDueCRLIsPublishedOnce: many downloads that find the CRL due at the same moment
// get one new full CRL and one delta, not one each.
func TestDueCRLIsPublishedOnce(t *testing.T) {
	e := newEnv(t)
	c := e.svc.CRLs()
	if err := c.PublishAll(e.ctx); err != nil {
		t.Fatal(err)
	}
	_, delta0 := c.Latest(ca.IssuingRSA)
	fullEvery, _ := c.Intervals()
	e.clock.Add(fullEvery)
	const n = 20
	got := make([]*CRL, 2*n)
	errs := make([]error, 2*n)
	var wg sync.WaitGroup
	for i := range 2 * n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				got[i], errs[i] = c.Current(e.ctx, ca.IssuingRSA)
			} else {
				got[i], errs[i] = c.CurrentDelta(e.ctx, ca.IssuingRSA)
			}
		}()
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if got[i] != got[i%2] {
			t.Fatalf("download %d got CRL number %d, download %d number %d", i, got[i].Number, i%2, got[i%2].Number)
		}
	}
	full, delta := got[0], got[1]
	if full.Number != delta0.Number+1 || delta.Number != full.Number+1 || delta.BaseNumber != full.Number {
		t.Fatalf("after %d concurrent downloads: full %d, delta %d on %d (previous delta %d)", 2*n, full.Number, delta.Number, delta.BaseNumber, delta0.Number)
	}
}
