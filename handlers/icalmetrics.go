package handlers

import (
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/reservas/reservas/store"
)

// ICalMetrics are the iCal sync's series. Every method is safe on a nil *ICalMetrics.
type ICalMetrics struct {
	syncs     *prometheus.CounterVec
	nights    *prometheus.CounterVec
	conflicts *prometheus.CounterVec
	healthy   *prometheus.GaugeVec
	events    *prometheus.GaugeVec
	age       *feedAgeCollector
}

// newICalMetrics registers the iCal series on reg (called by NewMetrics).
func newICalMetrics(reg prometheus.Registerer) *ICalMetrics {
	labels := []string{"feed_id", "cabin", "channel"}
	m := &ICalMetrics{
		syncs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "reservas_ical_syncs_total",
			Help: "iCal feed syncs by result: ok, unchanged (304), suspect (empty or sharply shrunken; nothing released), failed.",
		}, []string{"channel", "result"}),
		nights: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "reservas_ical_nights_total", Help: "Imported nights newly blocked (added) or released.",
		}, []string{"channel", "change"}),
		conflicts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "reservas_ical_conflicts_total", Help: "Imported nights found over a guest's hold or booking (one per feed and reservation).",
		}, []string{"channel"}),
		healthy: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "reservas_ical_feed_healthy", Help: "1 when the feed's last sync was good, 0 when it failed or was suspect.",
		}, labels),
		events: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "reservas_ical_feed_events", Help: "Events in the feed at its last good fetch.",
		}, labels),
		age: &feedAgeCollector{
			last: map[feedLabels]time.Time{},
			since: prometheus.NewDesc("reservas_ical_feed_seconds_since_success",
				"Seconds since the feed's last good sync (as known to this process; take min() across processes).", labels, nil),
			at: prometheus.NewDesc("reservas_ical_feed_last_success_timestamp_seconds",
				"Unix time of the feed's last good sync (take max() across processes).", labels, nil),
		},
	}
	reg.MustRegister(m.syncs, m.nights, m.conflicts, m.healthy, m.events, m.age)
	return m
}

type feedLabels struct {
	id             int64
	cabin, channel string
}

func labelsOf(f store.Feed) feedLabels { return feedLabels{f.ID, f.CabinName, f.Channel} }

func (l feedLabels) values() []string {
	return []string{strconv.FormatInt(l.id, 10), l.cabin, l.channel}
}

// feedAgeCollector turns each feed's last good sync into "seconds since" at scrape time.
type feedAgeCollector struct {
	mu        sync.Mutex
	last      map[feedLabels]time.Time
	since, at *prometheus.Desc
}

func (c *feedAgeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.since
	ch <- c.at
}

func (c *feedAgeCollector) Collect(ch chan<- prometheus.Metric) {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for l, t := range c.last {
		ch <- prometheus.MustNewConstMetric(c.since, prometheus.GaugeValue, now.Sub(t).Seconds(), l.values()...)
		ch <- prometheus.MustNewConstMetric(c.at, prometheus.GaugeValue, float64(t.UnixNano())/1e9, l.values()...)
	}
}

// observeFeed records a feed's status (after a sync, or when the fan-out reads all feeds).
func (m *ICalMetrics) observeFeed(f store.Feed, st store.FeedStatus) {
	if m == nil {
		return
	}
	l := labelsOf(f)
	healthy := 0.0
	if st.Healthy {
		healthy = 1
	}
	m.healthy.WithLabelValues(l.values()...).Set(healthy)
	m.events.WithLabelValues(l.values()...).Set(float64(st.EventCount))
	m.age.mu.Lock()
	defer m.age.mu.Unlock()
	switch {
	case st.LastSuccessAt != nil:
		m.age.last[l] = *st.LastSuccessAt
	case !f.CreatedAt.IsZero():
		// Never synced: age counts from when the feed was added.
		if _, ok := m.age.last[l]; !ok {
			m.age.last[l] = f.CreatedAt
		}
	}
}

// forgetFeeds drops the series of feeds that no longer exist.
func (m *ICalMetrics) forgetFeeds(keep []store.Feed) {
	if m == nil {
		return
	}
	alive := map[feedLabels]bool{}
	for _, f := range keep {
		alive[labelsOf(f)] = true
	}
	m.age.mu.Lock()
	defer m.age.mu.Unlock()
	for l := range m.age.last {
		if !alive[l] {
			delete(m.age.last, l)
			m.healthy.DeleteLabelValues(l.values()...)
			m.events.DeleteLabelValues(l.values()...)
		}
	}
}

func (m *ICalMetrics) syncDone(channel, result string, added, released, newConflicts int) {
	if m == nil {
		return
	}
	m.syncs.WithLabelValues(channel, result).Inc()
	if added > 0 {
		m.nights.WithLabelValues(channel, "added").Add(float64(added))
	}
	if released > 0 {
		m.nights.WithLabelValues(channel, "released").Add(float64(released))
	}
	if newConflicts > 0 {
		m.conflicts.WithLabelValues(channel).Add(float64(newConflicts))
	}
}
