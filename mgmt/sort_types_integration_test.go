package mgmt_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/mgmt"
)

// Sorting by messages puts every queue type in its place: each type has
// a queue fuller than one of another type and emptier than a third, and
// an empty one among the empty classic queues. (A totals listing sorted
// by the broker has no count for streams, so it put them among the
// empty queues.)
func TestSortByMessagesPlacesEveryQueueType(t *testing.T) {
	brokertest.Require(t)
	c := newClient(t)
	ctx := testContext(t)
	vhost := brokertest.Vhost(t) // deleting it at the end deletes the queues
	conn := dial(t, vhost, nil)
	ch := channel(t, conn)
	full := []struct {
		name, kind string
		n          int
	}{
		{"st-40", "stream", 40}, {"cl-30", "classic", 30}, {"qq-20", "quorum", 20},
		{"st-10", "stream", 10}, {"cl-5", "classic", 5}, {"qq-3", "quorum", 3},
	}
	for _, q := range append(full, []struct {
		name, kind string
		n          int
	}{{"st-0", "stream", 0}, {"qq-0", "quorum", 0}, {"cl-0a", "classic", 0}, {"cl-0b", "classic", 0}}...) {
		if _, err := ch.QueueDeclare(q.name, true, false, false, false, amqp.Table{"x-queue-type": q.kind}); err != nil {
			t.Fatalf("declare %s: %v", q.name, err)
		}
		if q.n > 0 {
			publish(t, conn, q.name, q.n)
		}
	}
	var want []string
	for _, q := range full {
		want = append(want, q.name)
	}
	empty := []string{"cl-0a", "cl-0b", "qq-0", "st-0"}
	// Streams report their counts through the broker's statistics, which
	// come every few seconds.
	eventually(t, 30*time.Second, func() error {
		p, err := c.Queues(ctx, mgmt.ListOptions{Vhost: vhost, PageSize: 6, Sort: mgmt.SortMessages, Reverse: true})
		if errors.Is(err, mgmt.ErrSortPending) {
			return err
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := names(p); !slices.Equal(got, want) || p.FilteredCount != 10 {
			return fmt.Errorf("fullest first: %v of %d, want %v", got, p.FilteredCount, want)
		}
		for i, q := range p.Items {
			if q.Messages != int64(full[i].n) || q.Type != full[i].kind {
				return fmt.Errorf("row %s: %s with %d messages, want %s with %d", q.Name, q.Type, q.Messages, full[i].kind, full[i].n)
			}
		}
		// Ascending: the empty ones of every type first, by name, then the rest.
		p, err = c.Queues(ctx, mgmt.ListOptions{Vhost: vhost, PageSize: 10, Sort: mgmt.SortMessages})
		if err != nil {
			return err
		}
		asc := append(slices.Clone(empty), want...)
		slices.Reverse(asc[len(empty):])
		if got := names(p); !slices.Equal(got, asc) {
			return fmt.Errorf("emptiest first: %v, want %v", got, asc)
		}
		return nil
	})
	// With a node filter the list is read without stats and sorted here:
	// streams still sort by their messages, not among the empty ones.
	nodes, err := c.Nodes(ctx)
	if err != nil || len(nodes) == 0 {
		t.Fatalf("nodes: %v (%d)", err, len(nodes))
	}
	eventually(t, 30*time.Second, func() error {
		p, err := c.Queues(ctx, mgmt.ListOptions{Vhost: vhost, PageSize: 6, Sort: mgmt.SortMessages, Reverse: true, Node: nodes[0].Name})
		if err != nil {
			return err
		}
		if got := names(p); !slices.Equal(got, want) {
			return fmt.Errorf("on node %s, fullest first: %v, want %v", nodes[0].Name, got, want)
		}
		return nil
	})
}
