package mgmt

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"

	rabbithole "github.com/michaelklishin/rabbit-hole/v3"
)

// defaultStatsInterval is the broker's default collect_statistics_interval.
const defaultStatsInterval = 5 * time.Second

var overviewColumns = []string{"cluster_name", "rabbitmq_version", "erlang_version", "management_version",
	"node", "object_totals", "queue_totals.messages", "queue_totals.messages_ready",
	"queue_totals.messages_unacknowledged", "message_stats.publish_details.rate",
	"message_stats.deliver_get_details.rate", "collect_statistics_interval", "disable_stats", "product_name", "product_version"}

// Overview reads the cluster's header figures and the user the API
// authenticated as. rabbit-hole's overview lacks the cluster name and the
// stats switches, so this one call is made directly.
func (c *Client) Overview(ctx context.Context) (Overview, error) {
	var j overviewJSON
	q := url.Values{"columns": {strings.Join(overviewColumns, ",")}}
	if err := c.get(ctx, call{what: "overview"}, "/api/overview", q, &j); err != nil {
		return Overview{}, err
	}
	c.statsDisabled.Store(bool(j.DisableStats))
	c.statsKnown.Store(true)
	user, err := c.whoami(ctx)
	if err != nil {
		return Overview{}, err
	}
	o := Overview{
		ClusterName: escaped(string(j.ClusterName)), RabbitMQVersion: escaped(string(j.RabbitMQVersion)),
		ErlangVersion: escaped(string(j.ErlangVersion)), ManagementVersion: escaped(string(j.ManagementVersion)),
		User: escaped(user), Node: escaped(string(j.Node)),
		Queues: int(j.Objects.Queues), Exchanges: int(j.Objects.Exchanges),
		Connections: int(j.Objects.Connections),
		Channels:    int(j.Objects.Channels),
		Messages:    int64(j.Totals.V.Messages), Ready: int64(j.Totals.V.Ready), Unacked: int64(j.Totals.V.Unacked),
		PublishRate:   j.MessageStats.V.Publish.Rate,
		DeliverRate:   j.MessageStats.V.DeliverGet.Rate,
		StatsInterval: defaultStatsInterval,
	}
	o.Endpoint, o.FailedOver = c.Endpoint()
	if j.StatsIntervalMS > 0 {
		o.StatsInterval = time.Duration(j.StatsIntervalMS) * time.Millisecond
	}
	o.ProductName, o.ProductVersion = escaped(string(j.ProductName)), escaped(string(j.ProductVersion))
	if o.RabbitMQVersion == "" { // a broker that leaves it out still names its product's version
		o.RabbitMQVersion = o.ProductVersion
	}
	if !j.Totals.Set {
		o.Unknown |= UnknownCounts
	}
	if j.Objects.Consumers == nil {
		o.Unknown |= UnknownConsumers
	} else {
		o.Consumers = int(*j.Objects.Consumers)
	}
	o.StatsOff = bool(j.DisableStats)
	if o.StatsOff && !j.MessageStats.Set {
		c.overviewPrometheusRates(ctx, &o)
	}
	return o, nil
}

// overviewPrometheusRates gives a stats-off overview the node's publish
// and deliver rates from rabbitmq_prometheus, or says why it has none.
func (c *Client) overviewPrometheusRates(ctx context.Context, o *Overview) {
	o.PrometheusURL = c.prom.url
	pub, del, known, err := c.prom.globalRatesNow(ctx)
	switch {
	case err != nil:
		o.RatesFrom, o.Unknown, o.PrometheusErr = RatesNone, o.Unknown|UnknownRates, err.Error()
	case !known:
		o.RatesFrom, o.Unknown = RatesFromPrometheus, o.Unknown|UnknownRates // the first read: rates from the next
	default:
		o.RatesFrom, o.PublishRate, o.DeliverRate = RatesFromPrometheus, pub, del
	}
}

// learnStats asks the overview whether the broker's statistics are off,
// once, for a listing that comes before any overview: its form depends on
// it. A failure leaves it unknown (the listing then says what it can).
func (c *Client) learnStats(ctx context.Context) {
	if c.statsKnown.Load() {
		return
	}
	var j struct {
		DisableStats flexBool `json:"disable_stats"`
	}
	if err := c.get(ctx, call{what: "overview"}, "/api/overview", url.Values{"columns": {"disable_stats"}}, &j); err == nil {
		c.statsDisabled.Store(bool(j.DisableStats))
		c.statsKnown.Store(true)
	}
}

// whoami asks once: the user behind a client does not change.
func (c *Client) whoami(ctx context.Context) (string, error) {
	c.userMu.Lock()
	defer c.userMu.Unlock()
	if c.user != "" {
		return c.user, nil
	}
	info, err := viaRabbitHole(ctx, c, call{what: "whoami"}, func(rh *rabbithole.Client) (*rabbithole.WhoamiInfo, error) {
		return rh.Whoami()
	})
	if err != nil {
		return "", err
	}
	if info != nil {
		c.user = info.Name
	}
	return c.user, nil
}

type overviewJSON struct {
	ClusterName       flexString `json:"cluster_name"`
	RabbitMQVersion   flexString `json:"rabbitmq_version"`
	ErlangVersion     flexString `json:"erlang_version"`
	ManagementVersion flexString `json:"management_version"`
	Node              flexString `json:"node"`
	Objects           struct {
		Queues      flexInt  `json:"queues"`
		Exchanges   flexInt  `json:"exchanges"`
		Connections flexInt  `json:"connections"`
		Consumers   *flexInt `json:"consumers"` // absent when stats are off
		Channels    flexInt  `json:"channels"`
	} `json:"object_totals"`
	Totals object[struct {
		Messages flexInt `json:"messages"`
		Ready    flexInt `json:"messages_ready"`
		Unacked  flexInt `json:"messages_unacknowledged"`
	}] `json:"queue_totals"`
	MessageStats    object[messageStatsJSON] `json:"message_stats"`
	StatsIntervalMS flexInt                  `json:"collect_statistics_interval"`
	DisableStats    flexBool                 `json:"disable_stats"`
	ProductName     flexString               `json:"product_name"`
	ProductVersion  flexString               `json:"product_version"`
}

// Vhosts lists the vhosts the user can see, sorted by name.
func (c *Client) Vhosts(ctx context.Context) ([]string, error) {
	infos, err := viaRabbitHole(ctx, c, call{what: "vhosts"}, func(rh *rabbithole.Client) ([]rabbithole.VhostInfo, error) {
		return rh.ListVhosts()
	})
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(infos))
	for _, v := range infos {
		names = append(names, v.Name)
	}
	slices.Sort(names)
	return names, nil
}
