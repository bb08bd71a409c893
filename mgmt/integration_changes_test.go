package mgmt_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/mgmt"
)

// inThrowawayVhost is where every test here makes its changes: a vhost
// deleted with its contents when the test ends.
func inThrowawayVhost(t *testing.T) (*mgmt.Client, context.Context, string) {
	t.Helper()
	brokertest.Require(t)
	return newClient(t), testContext(t), brokertest.Vhost(t)
}

// deletesOnce checks that del removes what read finds, and that deleting
// again is ErrNotFound naming it.
func deletesOnce(t *testing.T, name string, del, read func() error) {
	t.Helper()
	if err := del(); err != nil {
		t.Fatal(err)
	}
	if err := read(); !errors.Is(err, mgmt.ErrNotFound) {
		t.Fatalf("after delete: got %v, want ErrNotFound", err)
	}
	if err := del(); !errors.Is(err, mgmt.ErrNotFound) || !strings.Contains(err.Error(), name) {
		t.Fatalf("second delete: got %v, want ErrNotFound naming %s", err, name)
	}
}

func TestDeclareQueues(t *testing.T) {
	c, ctx, vhost := inThrowawayVhost(t)

	t.Run("classic with arguments", func(t *testing.T) {
		name := brokertest.Name("queue")
		spec := mgmt.QueueSpec{Name: name, Durable: true, Arguments: map[string]any{
			"x-message-ttl": 60000, "x-max-length": 10, "x-dead-letter-exchange": "dlx"}}
		if err := c.DeclareQueue(ctx, vhost, spec); err != nil {
			t.Fatal(err)
		}
		d, err := c.Queue(ctx, vhost, name)
		if err != nil {
			t.Fatal(err)
		}
		a := d.Arguments
		if d.Type != "classic" || !d.Durable || d.AutoDelete || a["x-message-ttl"] != float64(60000) ||
			a["x-max-length"] != float64(10) || a["x-dead-letter-exchange"] != "dlx" {
			t.Fatalf("read back %+v", d.Queue)
		}

		err = c.DeclareQueue(ctx, vhost, spec) // the same again: the API's PUT would say 204
		if !errors.Is(err, mgmt.ErrExists) || !strings.Contains(err.Error(), name) {
			t.Fatalf("second declare: got %v, want ErrExists naming the queue", err)
		}
		spec.Arguments = map[string]any{"x-message-ttl": 1} // different: still taken, not "inequivalent"
		if err := c.DeclareQueue(ctx, vhost, spec); !errors.Is(err, mgmt.ErrExists) {
			t.Fatalf("declare with other arguments: got %v, want ErrExists", err)
		}
	})

	t.Run("quorum", func(t *testing.T) {
		name := brokertest.Name("quorum")
		if err := c.DeclareQueue(ctx, vhost, mgmt.QueueSpec{Name: name, Type: "quorum", Durable: true,
			Arguments: map[string]any{"x-delivery-limit": 5}}); err != nil {
			t.Fatal(err)
		}
		d, err := c.Queue(ctx, vhost, name)
		if err != nil || d.Type != "quorum" || d.Arguments["x-delivery-limit"] != float64(5) {
			t.Fatalf("read back %+v, %v", d.Queue, err)
		}
	})

	t.Run("the broker's refusal keeps its reason", func(t *testing.T) {
		name := brokertest.Name("queue")
		err := c.DeclareQueue(ctx, vhost, mgmt.QueueSpec{Name: name, Durable: true, Arguments: map[string]any{"x-message-ttl": "soon"}})
		var e *mgmt.Error
		if !errors.As(err, &e) || e.Status != 400 || !strings.Contains(err.Error(), "invalid arg 'x-message-ttl'") ||
			!strings.Contains(err.Error(), "cannot declare queue") {
			t.Fatalf("got %v, want HTTP 400 with the broker's reason", err)
		}
		if _, err := c.Queue(ctx, vhost, name); !errors.Is(err, mgmt.ErrNotFound) {
			t.Fatalf("the refused queue exists: %v", err)
		}
	})

	t.Run("into a missing vhost", func(t *testing.T) {
		missing := brokertest.Name("no-vhost")
		err := c.DeclareQueue(ctx, missing, mgmt.QueueSpec{Name: "q", Durable: true})
		if !errors.Is(err, mgmt.ErrNotFound) || !strings.Contains(err.Error(), missing) {
			t.Fatalf("got %v, want ErrNotFound naming the vhost", err)
		}
	})
}

func TestDeclareExchangesAndBindings(t *testing.T) {
	c, ctx, vhost := inThrowawayVhost(t)
	src, dst, queue := brokertest.Name("src"), brokertest.Name("dst"), brokertest.Name("queue")

	spec := mgmt.ExchangeSpec{Name: src, Type: "topic", Durable: true, Arguments: map[string]any{"alternate-exchange": dst}}
	if err := c.DeclareExchange(ctx, vhost, spec); err != nil {
		t.Fatal(err)
	}
	if err := c.DeclareExchange(ctx, vhost, mgmt.ExchangeSpec{Name: dst, Type: "fanout", Internal: true, AutoDelete: true}); err != nil {
		t.Fatal(err)
	}
	x, err := c.Exchange(ctx, vhost, src)
	if err != nil || x.Type != "topic" || !x.Durable || x.Internal || x.Arguments["alternate-exchange"] != dst {
		t.Fatalf("read back %+v, %v", x.Exchange, err)
	}
	y, err := c.Exchange(ctx, vhost, dst)
	if err != nil || y.Type != "fanout" || y.Durable || !y.Internal || !y.AutoDelete {
		t.Fatalf("read back %+v, %v", y.Exchange, err)
	}
	if err := c.DeclareExchange(ctx, vhost, spec); !errors.Is(err, mgmt.ErrExists) || !strings.Contains(err.Error(), src) {
		t.Fatalf("second declare: got %v, want ErrExists naming the exchange", err)
	}
	if err := c.DeclareExchange(ctx, vhost, mgmt.ExchangeSpec{Name: brokertest.Name("x"), Type: "no-such-type"}); err == nil ||
		!strings.Contains(err.Error(), "unknown exchange type 'no-such-type'") {
		t.Fatalf("unknown type: got %v, want the broker's reason", err)
	}
	if err := c.DeclareQueue(ctx, vhost, mgmt.QueueSpec{Name: queue, Durable: true}); err != nil {
		t.Fatal(err)
	}

	toQueue := mgmt.BindingSpec{Source: src, Destination: queue, DestinationType: "queue", RoutingKey: "order.#",
		Arguments: map[string]any{"note": "warren"}}
	toExchange := mgmt.BindingSpec{Source: src, Destination: dst, DestinationType: "exchange", RoutingKey: "audit.*"}
	for _, b := range []mgmt.BindingSpec{toQueue, toExchange} {
		if err := c.DeclareBinding(ctx, vhost, b); err != nil {
			t.Fatal(err)
		}
	}
	p, err := c.Bindings(ctx, mgmt.ListOptions{Vhost: vhost, Filter: src})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range p.Items {
		if b.Source == src {
			got = append(got, fmt.Sprintf("%s:%s:%s:%v", b.DestinationType, b.Destination, b.RoutingKey, b.Arguments["note"]))
		}
	}
	want := []string{"exchange:" + dst + ":audit.*:<nil>", "queue:" + queue + ":order.#:warren"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("bindings from %s: %v, want %v", src, got, want)
	}

	t.Run("to or from what is missing", func(t *testing.T) {
		missing := brokertest.Name("missing")
		for _, tc := range []struct {
			spec mgmt.BindingSpec
			says string
		}{
			{mgmt.BindingSpec{Source: missing, Destination: queue, DestinationType: "queue"}, `the source exchange "` + missing + `" does not exist`},
			{mgmt.BindingSpec{Source: src, Destination: missing, DestinationType: "queue"}, `the destination queue "` + missing + `" does not exist`},
			{mgmt.BindingSpec{Source: src, Destination: missing, DestinationType: "exchange"}, `the destination exchange "` + missing + `" does not exist`},
		} {
			err := c.DeclareBinding(ctx, vhost, tc.spec)
			if !errors.Is(err, mgmt.ErrNotFound) || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("got %v, want ErrNotFound saying %s", err, tc.says)
			}
		}
	})

	t.Run("delete", func(t *testing.T) {
		deletesOnce(t, dst, func() error { return c.DeleteExchange(ctx, vhost, dst) },
			func() error { _, err := c.Exchange(ctx, vhost, dst); return err })
		if err := c.DeleteExchange(ctx, vhost, "amq.direct"); !errors.Is(err, mgmt.ErrInvalid) {
			t.Fatalf("delete amq.direct: got %v, want ErrInvalid", err)
		}
	})
}

func TestPurgeAndDeleteQueue(t *testing.T) {
	c, ctx, vhost := inThrowawayVhost(t)
	name := brokertest.Name("queue")
	if err := c.DeclareQueue(ctx, vhost, mgmt.QueueSpec{Name: name, Durable: true}); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		out := brokertest.MustDo(t, "POST", "/api/exchanges/"+brokertest.Esc(vhost)+"/amq.default/publish",
			[]byte(fmt.Sprintf(`{"properties":{},"routing_key":%q,"payload":"m%d","payload_encoding":"string"}`, name, i)))
		if !strings.Contains(string(out), `"routed":true`) {
			t.Fatalf("publish: %s", out)
		}
	}
	// Ordered by messages, the listing reads live counts from the queue
	// process, not stats that lag by an emission interval.
	messages := func(want int64) func() error {
		return func() error {
			p, err := c.Queues(ctx, mgmt.ListOptions{Vhost: vhost, Filter: "^" + name + "$", Sort: mgmt.SortMessages})
			if err != nil {
				return err
			}
			if len(p.Items) != 1 || p.Items[0].Messages != want {
				return fmt.Errorf("queue listing %+v, want one queue with %d messages", p.Items, want)
			}
			return nil
		}
	}
	eventually(t, 20*time.Second, messages(5))
	if err := c.PurgeQueue(ctx, vhost, name); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, messages(0))

	deletesOnce(t, name, func() error { return c.DeleteQueue(ctx, vhost, name) },
		func() error { _, err := c.Queue(ctx, vhost, name); return err })
	if err := c.PurgeQueue(ctx, vhost, name); !errors.Is(err, mgmt.ErrNotFound) {
		t.Fatalf("purge of a missing queue: got %v, want ErrNotFound", err)
	}
}

func TestChangesWithoutPermission(t *testing.T) {
	brokertest.Require(t)
	ctx := testContext(t)
	vhost := brokertest.Vhost(t)
	queue, exchange := brokertest.Name("queue"), brokertest.Name("exchange")
	brokertest.DeclareQueue(t, vhost, queue, "")
	brokertest.DeclareExchange(t, vhost, exchange, "direct")

	// Every call, as a user who may use the API but has no permission at
	// all on the vhost, then as one who may read and write but not configure.
	calls := map[string]func(c *mgmt.Client) error{
		"declare queue": func(c *mgmt.Client) error {
			return c.DeclareQueue(ctx, vhost, mgmt.QueueSpec{Name: brokertest.Name("new"), Durable: true})
		},
		"declare exchange": func(c *mgmt.Client) error {
			return c.DeclareExchange(ctx, vhost, mgmt.ExchangeSpec{Name: brokertest.Name("new"), Type: "fanout"})
		},
		"declare binding": func(c *mgmt.Client) error {
			return c.DeclareBinding(ctx, vhost, mgmt.BindingSpec{Source: exchange, Destination: queue, DestinationType: "queue"})
		},
		"delete queue":    func(c *mgmt.Client) error { return c.DeleteQueue(ctx, vhost, queue) },
		"delete exchange": func(c *mgmt.Client) error { return c.DeleteExchange(ctx, vhost, exchange) },
	}
	const pass = "no-perm-pass-7c3"
	stranger := makeUser(t, "management", pass)
	for name, call := range calls {
		t.Run("no permission/"+name, func(t *testing.T) {
			err := call(clientAs(t, brokertest.API(), stranger, pass))
			checkErr(t, err, mgmt.ErrForbidden, pass)
		})
	}
	t.Run("no permission/purge queue", func(t *testing.T) {
		err := clientAs(t, brokertest.API(), stranger, pass).PurgeQueue(ctx, vhost, queue)
		checkErr(t, err, mgmt.ErrForbidden, pass)
	})

	reader := makeUser(t, "management", pass)
	brokertest.MustDo(t, "PUT", "/api/permissions/"+brokertest.Esc(vhost)+"/"+reader,
		[]byte(`{"configure":"","write":".*","read":".*"}`))
	delete(calls, "declare binding") // needs write and read only, which this user has
	for name, call := range calls {
		t.Run("no configure permission/"+name, func(t *testing.T) {
			err := call(clientAs(t, brokertest.API(), reader, pass))
			checkErr(t, err, mgmt.ErrForbidden, pass)
			if !strings.Contains(err.Error(), "Access refused") || !strings.Contains(err.Error(), reader) {
				t.Fatalf("%q should give the broker's reason and the user", err)
			}
		})
	}

	// Nothing was changed.
	admin := newClient(t)
	if _, err := admin.Queue(ctx, vhost, queue); err != nil {
		t.Fatalf("queue after refused deletes: %v", err)
	}
	if _, err := admin.Exchange(ctx, vhost, exchange); err != nil {
		t.Fatalf("exchange after refused deletes: %v", err)
	}
}
