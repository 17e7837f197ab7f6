package ocsp

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the responder's Prometheus measurements. A nil *Metrics records
// nothing.
type Metrics struct {
	requests  *prometheus.CounterVec
	signTime  *prometheus.HistogramVec
	cached    prometheus.Gauge
	refreshes prometheus.Counter
}

// NewMetrics registers the responder's metrics with reg:
//
//	nca_ocsp_requests_total{method,result}  requests by HTTP method and outcome
//	                                         (cached = cache hit, signed = cache miss,
//	                                         live = nonce, multi = several certificates,
//	                                         limited = tryLater over the client's limit,
//	                                         not_modified, malformed, unauthorized, error)
//	nca_ocsp_sign_seconds{kind}              time to sign one response (cache, live;
//	                                         live includes multi)
//	nca_ocsp_cached_responses                responses held in the cache
//	nca_ocsp_refreshes_total                 cached responses re-signed in the background
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nca_ocsp_requests_total", Help: "OCSP requests by HTTP method and outcome (cached = cache hit).",
		}, []string{"method", "result"}),
		signTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "nca_ocsp_sign_seconds", Help: "Time to build and sign one OCSP response.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 14),
		}, []string{"kind"}),
		cached: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "nca_ocsp_cached_responses", Help: "Pre-signed OCSP responses held in the cache.",
		}),
		refreshes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "nca_ocsp_refreshes_total", Help: "Cached OCSP responses re-signed before they went stale.",
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.signTime, m.cached, m.refreshes} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Metrics) request(method, result string) {
	if m != nil {
		m.requests.WithLabelValues(method, result).Inc()
	}
}

func (m *Metrics) observeSign(live bool, d time.Duration) {
	if m == nil {
		return
	}
	kind := "cache"
	if live {
		kind = "live"
	}
	m.signTime.WithLabelValues(kind).Observe(d.Seconds())
}

func (m *Metrics) setCached(n int64) {
	if m != nil {
		m.cached.Set(float64(n))
	}
}

func (m *Metrics) refreshed() {
	if m != nil {
		m.refreshes.Inc()
	}
}
