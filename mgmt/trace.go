package mgmt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
)

// The firehose: with tracing on in a vhost, the broker publishes a copy of
// every message published in it, and of every delivery, to the topic
// exchange amq.rabbitmq.trace (keys "publish.EXCHANGE" and
// "deliver.QUEUE"). It costs the broker about one more publish per
// message, so it is meant to be on only while someone watches.

// Tracing lists the vhosts whose firehose is on, sorted.
func (c *Client) Tracing(ctx context.Context) ([]string, error) {
	var vhosts []struct {
		Name    string `json:"name"`
		Tracing bool   `json:"tracing"`
	}
	q := url.Values{"columns": {"name,tracing"}, "disable_stats": {"true"}}
	if err := c.get(ctx, call{what: "vhosts"}, "/api/vhosts", q, &vhosts); err != nil {
		return nil, err
	}
	var on []string
	for _, v := range vhosts {
		if v.Tracing {
			on = append(on, v.Name)
		}
	}
	slices.Sort(on)
	return on, nil
}

// SetTracing turns the firehose of vhost on or off. The broker's PUT of a
// vhost also sets its description and tags, so they are read first and
// sent back as they were. It needs the administrator tag.
func (c *Client) SetTracing(ctx context.Context, vhost string, on bool) error {
	what := fmt.Sprintf("vhost %q", vhost)
	var v struct {
		Description string          `json:"description"`
		Tags        json.RawMessage `json:"tags"` // a list, or "a,b" on older brokers
	}
	path := "/api/vhosts/" + esc(vhost)
	if err := c.get(ctx, call{what: what}, path, url.Values{"disable_stats": {"true"}}, &v); err != nil {
		return err
	}
	body := map[string]any{"description": v.Description, "tags": v.Tags, "tracing": on}
	if len(v.Tags) == 0 || string(v.Tags) == "null" {
		body["tags"] = []string{}
	}
	_, err := c.send(ctx, call{what: what}, http.MethodPut, path, body)
	state := "off"
	if on {
		state = "on"
	}
	action := fmt.Sprintf("turn tracing %s in %s", state, what)
	if errors.Is(err, ErrForbidden) {
		action += " (it needs the administrator tag)"
	}
	return c.refused(action, err)
}
