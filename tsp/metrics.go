package tsp

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the time-stamping service's Prometheus measurements. A nil *Metrics
// records nothing.
type Metrics struct {
	requests *prometheus.CounterVec
	signTime *prometheus.HistogramVec
}

// NewMetrics registers the service's metrics with reg:
//
//	nca_tsp_requests_total{ca,result}  requests by issuing CA and outcome (granted,
//	                                   rejected, error, limited: over the client's
//	                                   limit, answered 429)
//	nca_tsp_stamp_seconds{ca}          time to read a request and sign its token
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nca_tsp_requests_total", Help: "Time-stamp requests by issuing CA and outcome.",
		}, []string{"ca", "result"}),
		signTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "nca_tsp_stamp_seconds", Help: "Time to read a time-stamp request and sign its token.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 14),
		}, []string{"ca"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.signTime} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Metrics) request(ca, result string) {
	if m != nil {
		m.requests.WithLabelValues(ca, result).Inc()
	}
}

func (m *Metrics) observeSign(ca string, d time.Duration) {
	if m != nil {
		m.signTime.WithLabelValues(ca).Observe(d.Seconds())
	}
}
