package main

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/opennca/nca/ra"
)

// crlCollector exposes the current CRLs of every CA, read at scrape time:
//
//	nca_crl_entries{ca,kind}       revoked certificates listed
//	nca_crl_bytes{ca,kind}         DER size
//	nca_crl_number{ca,kind}        CRL number
//	nca_crl_age_seconds{ca,kind}   now − thisUpdate
//	nca_crl_next_update_seconds{ca,kind}  nextUpdate − now (negative: stale)
//
// kind is "full" or "delta".
type crlCollector struct {
	crls                              *ra.CRLs
	issuers                           func() []string
	now                               func() time.Time
	entries, bytes, number, age, next *prometheus.Desc
}

func newCRLCollector(crls *ra.CRLs, issuers func() []string, now func() time.Time) *crlCollector {
	l := []string{"ca", "kind"}
	return &crlCollector{crls: crls, issuers: issuers, now: now,
		entries: prometheus.NewDesc("nca_crl_entries", "Revoked certificates listed in the current CRL.", l, nil),
		bytes:   prometheus.NewDesc("nca_crl_bytes", "Size of the current CRL in DER.", l, nil),
		number:  prometheus.NewDesc("nca_crl_number", "CRL number of the current CRL.", l, nil),
		age:     prometheus.NewDesc("nca_crl_age_seconds", "Seconds since the current CRL's thisUpdate.", l, nil),
		next:    prometheus.NewDesc("nca_crl_next_update_seconds", "Seconds until the current CRL's nextUpdate.", l, nil),
	}
}

func (c *crlCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.entries, c.bytes, c.number, c.age, c.next} {
		ch <- d
	}
}

func (c *crlCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.now()
	for _, name := range c.issuers() {
		full, delta := c.crls.Latest(name)
		for _, crl := range []*ra.CRL{full, delta} {
			if crl == nil {
				continue
			}
			kind := "full"
			if crl.Delta() {
				kind = "delta"
			}
			ch <- prometheus.MustNewConstMetric(c.entries, prometheus.GaugeValue, float64(crl.Entries), name, kind)
			ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.GaugeValue, float64(len(crl.DER)), name, kind)
			ch <- prometheus.MustNewConstMetric(c.number, prometheus.GaugeValue, float64(crl.Number), name, kind)
			ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, now.Sub(crl.ThisUpdate).Seconds(), name, kind)
			ch <- prometheus.MustNewConstMetric(c.next, prometheus.GaugeValue, crl.NextUpdate.Sub(now).Seconds(), name, kind)
		}
	}
}

// crlSignTime is observed for every CRL published (nca_crl_sign_seconds{kind}).
func crlSignTime(reg prometheus.Registerer) (ra.CRLObserver, error) {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "nca_crl_sign_seconds", Help: "Time to read, build and sign one CRL.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
	}, []string{"kind"})
	if err := reg.Register(h); err != nil {
		return nil, err
	}
	return func(c *ra.CRL) {
		kind := "full"
		if c.Delta() {
			kind = "delta"
		}
		h.WithLabelValues(kind).Observe(c.SignTime.Seconds())
	}, nil
}

// newRegistry returns the authority's metrics registry with the Go runtime and
// process collectors. It is made here and passed down: no package uses the global
// default registry.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// approvalSteps is observed for every approval that issued certificates:
//
//	nca_approval_step_seconds{step}  time of one step of an approval: claim (the
//	                                  application read, templates, rules of the day
//	                                  with the registry lookup, the claim stored),
//	                                  sign (the signatures), store (the storing
//	                                  transaction)
//	nca_issued_certificates_total    certificates issued by approvals
func approvalSteps(reg prometheus.Registerer) (ra.ApprovalObserver, error) {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "nca_approval_step_seconds", Help: "Time of one step of an approval that issued certificates (claim, sign, store).",
		Buckets: prometheus.ExponentialBuckets(0.0002, 2, 14),
	}, []string{"step"})
	n := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "nca_issued_certificates_total", Help: "Certificates issued by approvals.",
	})
	for _, c := range []prometheus.Collector{h, n} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	claim, sign, store := h.WithLabelValues("claim"), h.WithLabelValues("sign"), h.WithLabelValues("store")
	return func(t ra.ApprovalTiming) {
		claim.Observe(t.Claim.Seconds())
		sign.Observe(t.Sign.Seconds())
		store.Observe(t.Store.Seconds())
		n.Add(float64(t.Certificates))
	}, nil
}
