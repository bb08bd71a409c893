package mgmt_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/message"
	"github.com/warren-tui/warren/mgmt"
)

// hostileText is what a producer can put in a name, an argument, a
// consumer tag or a client property: a clipboard write (OSC 52), a
// hyperlink (OSC 8) hiding most of the text, SGR, a C1 CSI and a bidi
// override.
const hostileText = "n\x1b]52;c;aGk=\x07\x1b]8;;https://evil.example/\x1b\\LINK\x1b]8;;\x1b\\\x1b[31mC1\u009b2J\u202eRTL"

// The real broker takes control characters in names, arguments, consumer
// tags and client properties; the API hands them back verbatim. Names stay
// raw (warren addresses the queue with them), everything else arrives
// escaped.
func TestHostileTextFromTheBroker(t *testing.T) {
	brokertest.Require(t)
	c := newClient(t)
	ctx := testContext(t)
	vhost := brokertest.Vhost(t) // deleted with everything in it
	conn := dial(t, vhost, amqp.Table{"connection_name": hostileText})
	ch := channel(t, conn)
	name := brokertest.Name("queue") + hostileText
	if _, err := ch.QueueDeclare(name, true, false, false, false, amqp.Table{"x-note": hostileText}); err != nil {
		t.Fatalf("declare a queue with a hostile name: %v", err)
	}
	if _, err := ch.Consume(name, hostileText, false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	shown := message.Escape(hostileText)

	var q mgmt.Queue
	eventually(t, 20*time.Second, func() error {
		p, err := c.Queues(ctx, mgmt.ListOptions{Vhost: vhost})
		if err != nil {
			return err
		}
		if len(p.Items) != 1 {
			return fmt.Errorf("%d queues listed, want 1", len(p.Items))
		}
		q = p.Items[0]
		return nil
	})
	if q.Name != name {
		t.Errorf("queue name = %q, want the raw %q: warren addresses the queue with it", q.Name, name)
	}
	if got := q.Arguments["x-note"]; got != shown {
		t.Errorf("argument x-note = %q, want %q", got, shown)
	}

	eventually(t, 20*time.Second, func() error { // consumer details come with the stats
		d, err := c.Queue(ctx, vhost, q.Name) // the raw name addresses the queue
		if err != nil {
			return err
		}
		if got := d.Arguments["x-note"]; got != shown {
			t.Fatalf("detail argument x-note = %q, want %q", got, shown)
		}
		if len(d.ConsumerDetails) != 1 || d.ConsumerDetails[0].Tag != shown {
			return fmt.Errorf("consumers = %+v, want one tagged %q", d.ConsumerDetails, shown)
		}
		return nil
	})

	eventually(t, 20*time.Second, func() error {
		p, err := c.Connections(ctx, mgmt.ListOptions{Vhost: vhost})
		if err != nil {
			return err
		}
		if len(p.Items) != 1 {
			return fmt.Errorf("%d connections listed, want 1", len(p.Items))
		}
		if p.Items[0].ClientName != shown {
			return fmt.Errorf("client name = %q, want %q", p.Items[0].ClientName, shown)
		}
		return nil
	})

	// An error naming what is missing names it escaped.
	_, err := c.Queue(ctx, vhost, name+"-missing")
	if !errors.Is(err, mgmt.ErrNotFound) {
		t.Fatalf("missing queue: %v", err)
	}
	if strings.ContainsFunc(err.Error(), message.Unsafe) {
		t.Errorf("error %q holds control or bidi runes", err)
	}

	_ = ch.Close() // the consumer goes, so the delete below is the only one
	if err := c.DeleteQueue(ctx, vhost, q.Name); err != nil {
		t.Fatalf("delete by the raw name: %v", err)
	}
	if _, err := c.Queue(ctx, vhost, q.Name); !errors.Is(err, mgmt.ErrNotFound) {
		t.Fatalf("after delete: %v, want ErrNotFound", err)
	}
}
