package mgmt

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// PurgeQueue removes the ready messages of a queue; messages delivered
// and not yet acknowledged stay. A missing queue is ErrNotFound.
func (c *Client) PurgeQueue(ctx context.Context, vhost, name string) error {
	if err := c.checkTarget("queue", vhost, name); err != nil {
		return err
	}
	what := fmt.Sprintf("queue %q in vhost %q", name, vhost)
	_, err := c.send(ctx, call{what: what}, http.MethodDelete, "/api/queues/"+esc(vhost)+"/"+esc(name)+"/contents", nil)
	return c.refused("purge "+what, err)
}

// DeleteQueue deletes a queue with its messages, whatever its consumers.
// A missing queue is ErrNotFound. Server-named queues (amq.gen-...) may
// be deleted.
func (c *Client) DeleteQueue(ctx context.Context, vhost, name string) error {
	if err := c.checkTarget("queue", vhost, name); err != nil {
		return err
	}
	what := fmt.Sprintf("queue %q in vhost %q", name, vhost)
	_, err := c.send(ctx, call{what: what}, http.MethodDelete, "/api/queues/"+esc(vhost)+"/"+esc(name), nil)
	return c.refused("delete "+what, err)
}

// DeleteExchange deletes an exchange and the bindings from and to it. A
// missing exchange is ErrNotFound. The default exchange and the built-in
// amq.* ones are refused here: the broker refuses them with an answer
// that reads like a permission problem.
func (c *Client) DeleteExchange(ctx context.Context, vhost, name string) error {
	if vhost == "" {
		return c.invalid("no vhost given")
	}
	switch {
	case name == "":
		return c.invalid("the default exchange cannot be deleted")
	case strings.HasPrefix(name, "amq."):
		return c.invalid("exchange %q is built into the broker and cannot be deleted", name)
	}
	what := fmt.Sprintf("exchange %q in vhost %q", name, vhost)
	_, err := c.send(ctx, call{what: what}, http.MethodDelete, "/api/exchanges/"+esc(vhost)+"/"+esc(name), nil)
	return c.refused("delete "+what, err)
}

// checkTarget vets the vhost and name of something to change.
func (c *Client) checkTarget(kind, vhost, name string) error {
	switch {
	case vhost == "":
		return c.invalid("no vhost given")
	case name == "":
		return c.invalid("no %s name given", kind)
	}
	return nil
}
