package mgmt

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultPrometheusPort is where rabbitmq_prometheus listens by default.
const DefaultPrometheusPort = "15692"

// A broker whose statistics are off (management_agent.disable_metrics_collector)
// still counts in its core, and rabbitmq_prometheus serves those counters.
// Rates are the change of a counter between two reads. The plugin reports
// what the node it runs on knows: on a cluster, the node the URL names.

// promReader reads rabbitmq_prometheus and turns its counters into rates.
// It keeps the previous read of each kind; the first read of a kind gives
// no rates yet.
type promReader struct {
	url  string // base URL, without /metrics
	http *http.Client

	mu     sync.Mutex
	queues promSample // per channel and queue: published, delivered+got
	global promSample // received, delivered
	// queueRates and globalRates are the rates of the last two reads,
	// kept for a read that comes too soon after the previous one.
	lastQueueRates map[[2]string][2]float64
	globalRates    [2]float64
	globalHave     bool
}

// promSample is one read of counters, keyed by series.
type promSample struct {
	at     time.Time
	values map[string]float64
}

// minPromGap: reads closer than this reuse the last rates (a rate over a
// few milliseconds says nothing).
const minPromGap = 900 * time.Millisecond

// maxPromBody bounds one answer of the plugin.
const maxPromBody = 64 << 20

// prometheusURL is the configured URL, or the API's host on the plugin's
// default port (plain HTTP, as the plugin serves by default).
func prometheusURL(configured string, api *url.URL) (string, error) {
	if configured != "" {
		u, err := url.Parse(strings.TrimSpace(configured))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "", errors.New("prometheus URL must be http(s)://host:port")
		}
		if u.User != nil {
			return "", errors.New("prometheus URL must not carry credentials: rabbitmq_prometheus needs none")
		}
		u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/metrics")
		u.RawQuery, u.Fragment = "", ""
		return u.String(), nil
	}
	return "http://" + net.JoinHostPort(api.Hostname(), DefaultPrometheusPort), nil
}

func newPromReader(base string, timeout time.Duration) *promReader {
	return &promReader{url: base, http: &http.Client{
		Timeout: timeout,
		// The plugin needs no credentials and none are sent; a redirect
		// is still not followed anywhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// PrometheusURL is the rabbitmq_prometheus URL the client reads rates
// from when the broker's statistics are off.
func (c *Client) PrometheusURL() string { return c.prom.url }

// addPrometheusRates fills the in and out rates of rows from the
// plugin's per-channel, per-queue counters. Best effort: rows it cannot
// fill keep their rates unknown.
func (c *Client) addPrometheusRates(ctx context.Context, rows []Queue) {
	if len(rows) == 0 {
		return
	}
	rates, err := c.prom.queueRates(ctx)
	if err != nil || rates == nil {
		return
	}
	for i := range rows {
		r := &rows[i]
		rt, ok := rates[[2]string{r.Vhost, r.Name}]
		if !ok {
			rt = [2]float64{} // no channel published to it or took from it: 0 is right
		}
		r.PublishRate, r.DeliverRate, r.RatesFrom = rt[0], rt[1], RatesFromPrometheus
		r.Unknown &^= UnknownRates
	}
}

// queueRates reads /metrics/detailed's per-channel queue counters and
// returns each queue's publish and deliver+get rates, keyed by vhost and
// queue; nil (and no error) on the first read.
func (p *promReader) queueRates(ctx context.Context) (map[[2]string][2]float64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if !p.queues.at.IsZero() && now.Sub(p.queues.at) < minPromGap {
		return p.lastQueueRates, nil
	}
	cur := promSample{at: now, values: map[string]float64{}}
	err := p.read(ctx, "/metrics/detailed?family=channel_queue_metrics&family=channel_queue_exchange_metrics", func(m promMetric) {
		var vhost, dir string
		switch m.name {
		case "rabbitmq_detailed_queue_messages_published_total":
			vhost, dir = m.labels["queue_vhost"], "in"
		case "rabbitmq_detailed_channel_messages_delivered_total", "rabbitmq_detailed_channel_messages_delivered_ack_total",
			"rabbitmq_detailed_channel_get_total", "rabbitmq_detailed_channel_get_ack_total":
			vhost, dir = m.labels["vhost"], "out"
		default:
			return
		}
		// One series per counter, channel and queue (and exchange).
		key := strings.Join([]string{dir, vhost, m.labels["queue"], m.name, m.labels["channel"], m.labels["exchange"]}, "\x00")
		cur.values[key] += m.value
	})
	if err != nil {
		return nil, err
	}
	prev := p.queues
	p.queues = cur
	if prev.at.IsZero() {
		return nil, nil
	}
	dt := now.Sub(prev.at).Seconds()
	rates := map[[2]string][2]float64{}
	for key, v := range cur.values {
		parts := strings.SplitN(key, "\x00", 4)
		q := [2]string{parts[1], parts[2]}
		// A series absent before appeared since (a channel's first
		// publish): all of it is new. One that went down restarted.
		d := v - prev.values[key]
		if d < 0 {
			d = v
		}
		r := rates[q]
		if parts[0] == "in" {
			r[0] += d / dt
		} else {
			r[1] += d / dt
		}
		rates[q] = r
	}
	p.lastQueueRates = rates
	return rates, nil
}

// globalRatesNow reads /metrics's node-wide counters: messages received from
// publishers and delivered to consumers (gets included) per second.
// known is false on the first read.
func (p *promReader) globalRatesNow(ctx context.Context) (publish, deliver float64, known bool, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if !p.global.at.IsZero() && now.Sub(p.global.at) < minPromGap {
		return p.globalRates[0], p.globalRates[1], p.globalHave, nil
	}
	cur := promSample{at: now, values: map[string]float64{}}
	err = p.read(ctx, "/metrics", func(m promMetric) {
		switch m.name {
		case "rabbitmq_global_messages_received_total", "rabbitmq_global_messages_delivered_total":
			cur.values[m.name] += m.value
		}
	})
	if err != nil {
		return 0, 0, false, err
	}
	if len(cur.values) == 0 {
		return 0, 0, false, errors.New("its /metrics has no rabbitmq_global_messages_* counters")
	}
	prev := p.global
	p.global = cur
	if prev.at.IsZero() {
		return 0, 0, false, nil
	}
	dt := now.Sub(prev.at).Seconds()
	rate := func(name string) float64 { return max(cur.values[name]-prev.values[name], 0) / dt }
	p.globalRates = [2]float64{rate("rabbitmq_global_messages_received_total"), rate("rabbitmq_global_messages_delivered_total")}
	p.globalHave = true
	return p.globalRates[0], p.globalRates[1], true, nil
}

// read fetches one exposition and hands each sample to fn.
func (p *promReader) read(ctx context.Context, path string, fn func(promMetric)) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", "text/plain")
	resp, err := p.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("rabbitmq_prometheus at %s does not answer: %w", p.url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("rabbitmq_prometheus at %s answered HTTP %d", p.url, resp.StatusCode)
	}
	return parsePrometheus(io.LimitReader(resp.Body, maxPromBody), fn)
}

// promMetric is one sample of the text exposition format.
type promMetric struct {
	name   string
	labels map[string]string
	value  float64
}

// parsePrometheus reads the Prometheus text exposition format: comments
// and blank lines are skipped, a line it cannot read is an error.
func parsePrometheus(r io.Reader, fn func(promMetric)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		m, err := parsePromLine(line)
		if err != nil {
			return fmt.Errorf("rabbitmq_prometheus: line %d: %w", n, err)
		}
		fn(m)
	}
	return sc.Err()
}

func parsePromLine(line string) (promMetric, error) {
	m := promMetric{}
	end := strings.IndexAny(line, "{ \t")
	if end <= 0 {
		return m, errors.New("no value")
	}
	m.name, line = line[:end], line[end:]
	if line[0] == '{' {
		labels, rest, err := parsePromLabels(line[1:])
		if err != nil {
			return m, err
		}
		m.labels, line = labels, rest
	}
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return m, errors.New("no value")
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return m, fmt.Errorf("value %q: %w", fields[0], err)
	}
	if math.IsNaN(v) {
		v = 0
	}
	m.value = v
	return m, nil
}

// parsePromLabels reads name="value" pairs up to the closing brace;
// values escape \, " and newline with a backslash.
func parsePromLabels(s string) (map[string]string, string, error) {
	labels := map[string]string{}
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return nil, "", errors.New("labels not closed")
		}
		if s[0] == '}' {
			return labels, s[1:], nil
		}
		eq := strings.IndexByte(s, '=')
		if eq <= 0 || len(s) < eq+2 || s[eq+1] != '"' {
			return nil, "", errors.New("bad label")
		}
		name := strings.TrimSpace(s[:eq])
		s = s[eq+2:]
		var b strings.Builder
		closed := false
		for i := 0; i < len(s); i++ {
			switch c := s[i]; {
			case c == '\\' && i+1 < len(s):
				i++
				switch s[i] {
				case 'n':
					b.WriteByte('\n')
				default:
					b.WriteByte(s[i])
				}
			case c == '"':
				labels[name], s, closed = b.String(), s[i+1:], true
			default:
				b.WriteByte(c)
			}
			if closed {
				break
			}
		}
		if !closed {
			return nil, "", errors.New("label value not closed")
		}
	}
}
