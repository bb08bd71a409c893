package mgmt

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// A move the broker runs itself: a dynamic shovel (the rabbitmq_shovel
// plugin) from the source queue to a queue or an exchange of the same
// vhost, over the node's direct connections. It acks each message once the
// target confirmed it (ack-mode on-confirm) and deletes itself after the
// number of messages the source held when it started (src-delete-after
// queue-length), so it keeps going, and ends, without warren.

// ShovelPrefetch is how many messages a warren shovel holds unacked: what
// may exist twice when one is stopped half-way.
const ShovelPrefetch = 1000

// ShovelSpec is a shovel move: from Queue to TargetQueue, or to Exchange
// with RoutingKey when TargetQueue is "". The shovel publishes without
// mandatory, so a message an exchange routes nowhere is confirmed, acked
// and lost: warren offers shovel moves to queues only.
type ShovelSpec struct {
	Vhost, Queue         string
	TargetQueue          string
	Exchange, RoutingKey string
}

// ShovelState is what the broker says of a shovel.
type ShovelState struct {
	Exists bool   // false once it deleted itself (done) or was deleted
	State  string // starting, running, terminated
	Reason string // why it terminated, when it did
}

// ErrNoShovel: the broker has no shovel plugin (or its management part).
var ErrNoShovel = errors.New("the broker's shovel plugin is not enabled")

// ShovelsEnabled says whether shovels can be declared and watched: the
// rabbitmq_shovel_management plugin answers /api/shovels.
func (c *Client) ShovelsEnabled(ctx context.Context) (bool, error) {
	var list []map[string]any
	err := c.get(ctx, call{what: "the shovel plugin's API"}, "/api/shovels", url.Values{}, &list)
	switch {
	case errors.Is(err, ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// StartShovel declares the shovel and returns its name
// (warren-move-QUEUE-HEX).
func (c *Client) StartShovel(ctx context.Context, s ShovelSpec) (string, error) {
	if err := c.checkTarget("queue", s.Vhost, s.Queue); err != nil {
		return "", err
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := "warren-move-" + s.Queue + "-" + hex.EncodeToString(b[:])
	uri := "amqp:///" + url.PathEscape(s.Vhost)
	value := map[string]any{
		"src-protocol": "amqp091", "src-uri": uri, "src-queue": s.Queue,
		"src-prefetch-count": ShovelPrefetch, "src-delete-after": "queue-length",
		"dest-protocol": "amqp091", "dest-uri": uri, "ack-mode": "on-confirm",
	}
	if s.TargetQueue != "" {
		value["dest-queue"] = s.TargetQueue
	} else {
		value["dest-exchange"], value["dest-exchange-key"] = s.Exchange, s.RoutingKey
	}
	what := fmt.Sprintf("shovel %q in vhost %q", name, s.Vhost)
	_, err := c.send(ctx, call{what: what}, http.MethodPut, shovelPath(s.Vhost, name), map[string]any{"value": value})
	if errors.Is(err, ErrNotFound) {
		return "", fmt.Errorf("cannot start a shovel: %w", ErrNoShovel)
	}
	return name, c.refused("start "+what, err)
}

// Shovel reads the state of the shovel name in vhost.
func (c *Client) Shovel(ctx context.Context, vhost, name string) (ShovelState, error) {
	var list []struct {
		Name   string `json:"name"`
		State  string `json:"state"`
		Reason string `json:"reason"`
	}
	if err := c.get(ctx, call{what: fmt.Sprintf("shovels of vhost %q", vhost)}, "/api/shovels/"+esc(vhost), url.Values{}, &list); err != nil {
		return ShovelState{}, err
	}
	for _, s := range list {
		if s.Name == name {
			return ShovelState{Exists: true, State: s.State, Reason: s.Reason}, nil
		}
	}
	return ShovelState{}, nil
}

// ShovelDefined says whether the shovel's definition still exists: false
// once it deleted itself (done) or was deleted.
func (c *Client) ShovelDefined(ctx context.Context, vhost, name string) (bool, error) {
	var v map[string]any
	err := c.get(ctx, call{what: fmt.Sprintf("shovel %q in vhost %q", name, vhost)}, shovelPath(vhost, name), url.Values{}, &v)
	switch {
	case errors.Is(err, ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// StopShovel deletes the shovel; a shovel already gone is no error. What
// it held unacked goes back to the source; copies of those it had sent
// may exist twice (at most ShovelPrefetch).
func (c *Client) StopShovel(ctx context.Context, vhost, name string) error {
	what := fmt.Sprintf("shovel %q in vhost %q", name, vhost)
	_, err := c.send(ctx, call{what: what}, http.MethodDelete, shovelPath(vhost, name), nil)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return c.refused("stop "+what, err)
}

func shovelPath(vhost, name string) string {
	return "/api/parameters/shovel/" + esc(vhost) + "/" + esc(name)
}
