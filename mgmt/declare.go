package mgmt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// QueueSpec describes a queue to declare.
type QueueSpec struct {
	Name       string
	Type       string // "classic" (default when ""), "quorum" or "stream"
	Durable    bool
	AutoDelete bool
	Arguments  map[string]any // x-message-ttl, x-max-length, x-dead-letter-exchange, ...
}

// ExchangeSpec describes an exchange to declare.
type ExchangeSpec struct {
	Name       string
	Type       string // direct, fanout, topic, headers (or a plugin type)
	Durable    bool
	AutoDelete bool
	Internal   bool
	Arguments  map[string]any
}

// BindingSpec describes a binding to declare.
type BindingSpec struct {
	Source          string // exchange
	Destination     string
	DestinationType string // "queue" or "exchange"
	RoutingKey      string
	Arguments       map[string]any
}

// queueTypes are the types DeclareQueue accepts; "" means classic.
var queueTypes = []string{"classic", "quorum", "stream"}

// maxNameBytes is AMQP's limit on queue and exchange names (a shortstr).
const maxNameBytes = 255

// These calls use our own requests rather than rabbit-hole's: its
// declares cannot tell created (201) from already there (204), its
// exchange settings lack internal, its DeclareQueue writes into the
// caller's arguments, and its deletes take a 404 for success.

// DeclareQueue creates a queue. The API's PUT succeeds quietly when an
// equivalent queue exists; this fails with ErrExists instead, so that a
// user never takes someone else's queue for a new one.
func (c *Client) DeclareQueue(ctx context.Context, vhost string, q QueueSpec) error {
	if err := c.checkName("queue", vhost, q.Name); err != nil {
		return err
	}
	args, err := c.queueArguments(q)
	if err != nil {
		return err
	}
	body := map[string]any{"durable": q.Durable, "auto_delete": q.AutoDelete, "arguments": args}
	what := fmt.Sprintf("queue %q in vhost %q", q.Name, vhost)
	return c.create(ctx, vhost, what, "/api/queues/"+esc(vhost)+"/"+esc(q.Name), body)
}

// queueArguments are q's arguments with x-queue-type set, always: a
// broker with a per-vhost default queue type (3.11+) would otherwise make
// something other than the classic queue that Type "" promises.
func (c *Client) queueArguments(q QueueSpec) (map[string]any, error) {
	args := maps.Clone(q.Arguments)
	if args == nil {
		args = map[string]any{}
	}
	kind := q.Type
	if v, ok := args["x-queue-type"]; ok {
		s, isString := v.(string)
		switch {
		case !isString:
			return nil, c.invalid("queue %q: argument x-queue-type must be a string, not %T", q.Name, v)
		case kind != "" && s != kind:
			return nil, c.invalid("queue %q: argument x-queue-type %q contradicts type %q", q.Name, s, kind)
		}
		kind = s
	}
	if kind == "" {
		kind = "classic"
	}
	if !slices.Contains(queueTypes, kind) {
		return nil, c.invalid("queue %q: unknown queue type %q (want classic, quorum or stream)", q.Name, kind)
	}
	if kind != "classic" && (!q.Durable || q.AutoDelete) {
		return nil, c.invalid("queue %q: %s queues must be durable and cannot be auto-delete", q.Name, kind)
	}
	args["x-queue-type"] = kind
	if err := c.checkArguments("queue", q.Name, args); err != nil {
		return nil, err
	}
	return args, nil
}

// DeclareExchange creates an exchange, or fails with ErrExists when the
// name is taken (see DeclareQueue). An unknown type is the broker's to
// refuse: plugins add types.
func (c *Client) DeclareExchange(ctx context.Context, vhost string, e ExchangeSpec) error {
	if err := c.checkName("exchange", vhost, e.Name); err != nil {
		return err
	}
	if strings.TrimSpace(e.Type) == "" {
		return c.invalid("exchange %q needs a type (direct, fanout, topic, headers...)", e.Name)
	}
	args := maps.Clone(e.Arguments)
	if args == nil {
		args = map[string]any{}
	}
	if err := c.checkArguments("exchange", e.Name, args); err != nil {
		return err
	}
	body := map[string]any{"type": e.Type, "durable": e.Durable, "auto_delete": e.AutoDelete,
		"internal": e.Internal, "arguments": args}
	what := fmt.Sprintf("exchange %q in vhost %q", e.Name, vhost)
	return c.create(ctx, vhost, what, "/api/exchanges/"+esc(vhost)+"/"+esc(e.Name), body)
}

// create asks whether path exists, then PUTs body there. A 204 answer
// means another client created it between the two requests: ErrExists
// too, though the broker changed nothing.
func (c *Client) create(ctx context.Context, vhost, what, path string, body any) error {
	var existing struct{}
	err := c.get(ctx, call{what: what}, path, url.Values{"columns": {"name"}}, &existing)
	switch {
	case err == nil:
		return c.scrub(&Error{API: c.apiRedacted, Kind: ErrExists, Msg: what + " already exists"})
	case !errors.Is(err, ErrNotFound):
		return c.refused("declare "+what, err)
	}
	status, err := c.send(ctx, call{what: fmt.Sprintf("vhost %q", vhost)}, http.MethodPut, path, body)
	if err != nil {
		return c.refused("declare "+what, err)
	}
	if status == http.StatusNoContent {
		return c.scrub(&Error{API: c.apiRedacted, Kind: ErrExists, Status: status,
			Msg: what + " already exists (created by someone else a moment ago)"})
	}
	return nil
}

// DeclareBinding binds Destination to exchange Source. Binding twice is
// not an error (the broker keeps one binding). When the API answers 404,
// it asks which end is missing, to say so.
func (c *Client) DeclareBinding(ctx context.Context, vhost string, b BindingSpec) error {
	if vhost == "" {
		return c.invalid("no vhost given")
	}
	if b.Source == "" {
		return c.invalid("cannot bind from the default exchange: it routes to every queue by name and takes no bindings")
	}
	var segment string
	switch b.DestinationType {
	case "queue":
		segment = "q"
	case "exchange":
		segment = "e"
	default:
		return c.invalid("binding from exchange %q: destination type %q must be \"queue\" or \"exchange\"", b.Source, b.DestinationType)
	}
	if b.Destination == "" {
		return c.invalid("binding from exchange %q: the destination %s needs a name", b.Source, b.DestinationType)
	}
	args := maps.Clone(b.Arguments)
	if args == nil {
		args = map[string]any{}
	}
	if err := c.checkArguments("binding from exchange", b.Source, args); err != nil {
		return err
	}
	action := fmt.Sprintf("bind %s %q to exchange %q in vhost %q", b.DestinationType, b.Destination, b.Source, vhost)
	path := "/api/bindings/" + esc(vhost) + "/e/" + esc(b.Source) + "/" + segment + "/" + esc(b.Destination)
	body := map[string]any{"routing_key": b.RoutingKey, "arguments": args}
	_, err := c.send(ctx, call{what: action}, http.MethodPost, path, body)
	if errors.Is(err, ErrNotFound) {
		return c.missingEnd(ctx, vhost, b, action, err)
	}
	return c.refused(action, err)
}

// missingEnd rewords the 404 of a binding to name what is missing.
func (c *Client) missingEnd(ctx context.Context, vhost string, b BindingSpec, action string, notFound error) error {
	var e *Error
	if !errors.As(notFound, &e) {
		return notFound
	}
	if e.reason == "vhost_not_found" {
		e.Msg = fmt.Sprintf("cannot %s: vhost %q not found", action, vhost)
		return c.scrub(e)
	}
	ends := []struct{ role, kind, name, collection string }{
		{"source", "exchange", b.Source, "exchanges"},
		{"destination", b.DestinationType, b.Destination, b.DestinationType + "s"},
	}
	for _, end := range ends {
		var found struct{}
		err := c.get(ctx, call{what: end.kind}, "/api/"+end.collection+"/"+esc(vhost)+"/"+esc(end.name),
			url.Values{"columns": {"name"}}, &found)
		switch {
		case errors.Is(err, ErrNotFound):
			e.Msg = fmt.Sprintf("cannot %s: the %s %s %q does not exist", action, end.role, end.kind, end.name)
			return c.scrub(e)
		case err != nil:
			return c.refused(action, err)
		}
	}
	e.Msg = fmt.Sprintf("cannot %s: %s", action, oneLine(e.brokerCode, e.reason))
	return c.scrub(e)
}

// checkName vets the vhost and name of a queue or exchange to declare.
func (c *Client) checkName(kind, vhost, name string) error {
	if err := c.checkTarget(kind, vhost, name); err != nil {
		return err
	}
	switch {
	case strings.HasPrefix(name, "amq."):
		return c.invalid("%s name %q: names starting with \"amq.\" are reserved for the broker", kind, name)
	case len(name) > maxNameBytes:
		return c.invalid("%s name is %d bytes long; the limit is %d", kind, len(name), maxNameBytes)
	}
	return nil
}

// checkArguments refuses arguments that cannot be sent as JSON (a func,
// a channel, NaN), naming the culprit.
func (c *Client) checkArguments(kind, name string, args map[string]any) error {
	for _, k := range slices.Sorted(maps.Keys(args)) {
		if _, err := json.Marshal(args[k]); err != nil {
			return c.invalid("%s %q: argument %s cannot be sent: %s", kind, name, k, innermost(err))
		}
	}
	return nil
}

// invalid is the error for a request refused before it reaches the broker.
func (c *Client) invalid(format string, a ...any) error {
	return c.scrub(&Error{Kind: ErrInvalid, Msg: fmt.Sprintf(format, a...)})
}

// refused words a failed change: what was being done, then why, with the
// broker's reason where the usual wording would drop it. A not-found
// message already names what is missing and stays as it is. nil stays nil.
func (c *Client) refused(action string, err error) error {
	var e *Error
	if err == nil || !errors.As(err, &e) || errors.Is(err, ErrNotFound) {
		return err
	}
	if errors.Is(err, ErrForbidden) && strings.Contains(e.reason, "Access refused") {
		// 3.x says only this when the configure, write or read permission
		// the change needs is missing, or the name is reserved.
		e.Msg = fmt.Sprintf("user %q has no permission for this: %s", c.username, oneLine(e.reason))
	}
	e.Msg = "cannot " + action + ": " + e.Msg
	return c.scrub(e)
}
