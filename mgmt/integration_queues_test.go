package mgmt_test

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/mgmt"
)

const bigQueueCount = 3000

// bigVhost makes a throwaway vhost with count classic queues q-0000,
// q-0001, ... plus one quorum and one stream queue; q-0100, q-0200 and
// q-0300 hold 30, 20 and 10 messages, and q-0400 has one consumer.
// Deleting the vhost at the end deletes them all.
func bigVhost(t testing.TB, count int) string {
	t.Helper()
	vhost := brokertest.Vhost(t)
	conn := dial(t, vhost, nil)
	names := make([]string, count)
	for i := range names {
		names[i] = fmt.Sprintf("q-%04d", i)
	}
	declareQueues(t, conn, names, nil)
	ch := channel(t, conn)
	for name, kind := range map[string]string{"qq-quorum": "quorum", "qs-stream": "stream"} {
		if _, err := ch.QueueDeclare(name, true, false, false, false, amqp.Table{"x-queue-type": kind}); err != nil {
			t.Fatalf("declare %s: %v", name, err)
		}
	}
	publish(t, conn, "q-0100", 30)
	publish(t, conn, "q-0200", 20)
	publish(t, conn, "q-0300", 10)
	if _, err := ch.Consume("q-0400", "warren-test", false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	return vhost
}

func names(p mgmt.Page[mgmt.Queue]) []string {
	var out []string
	for _, q := range p.Items {
		out = append(out, q.Name)
	}
	return out
}

func TestQueuesOverManyQueues(t *testing.T) {
	brokertest.Require(t)
	c := newClient(t)
	ctx := testContext(t)
	vhost := bigVhost(t, bigQueueCount)
	total := bigQueueCount + 2

	t.Run("pages in name order with stats for the page", func(t *testing.T) {
		eventually(t, 20*time.Second, func() error {
			p, err := c.Queues(ctx, mgmt.ListOptions{Vhost: vhost, PageSize: 100})
			if err != nil {
				return err
			}
			if p.TotalCount != total || p.FilteredCount != total || p.PageCount != 31 || p.Page != 1 || len(p.Items) != 100 {
				return fmt.Errorf("page 1: got %d items, page %d of %d, %d of %d", len(p.Items), p.Page, p.PageCount, p.FilteredCount, p.TotalCount)
			}
			if got := names(p); got[0] != "q-0000" || !slices.IsSorted(got) {
				return fmt.Errorf("page 1 not in name order: %v...", got[:3])
			}
			for _, q := range p.Items {
				if !q.HasStats || q.Type != "classic" || q.Vhost != vhost {
					return fmt.Errorf("row %+v: want classic with stats", q)
				}
			}
			return nil
		})
		p2, err := c.Queues(ctx, mgmt.ListOptions{Vhost: vhost, PageSize: 100, Page: 2})
		if err != nil || p2.Items[0].Name != "q-0100" {
			t.Fatalf("page 2 starts with %v, %v; want q-0100", names(p2)[:1], err)
		}
		rev, err := c.Queues(ctx, mgmt.ListOptions{Vhost: vhost, PageSize: 3, Reverse: true})
		if err != nil || !slices.Equal(names(rev), []string{"qs-stream", "qq-quorum", "q-2999"}) {
			t.Fatalf("reverse page 1 = %v, %v", names(rev), err)
		}
	})

	t.Run("a page past the end is the last page", func(t *testing.T) {
		p, err := c.Queues(ctx, mgmt.ListOptions{Vhost: vhost, PageSize: 100, Page: 99})
		if err != nil {
			t.Fatal(err)
		}
		if p.Page != 31 || len(p.Items) != 2 {
			t.Fatalf("got page %d with %d items, want page 31 with 2", p.Page, len(p.Items))
		}
	})

	t.Run("the broker filters by regex, ignoring case", func(t *testing.T) {
		p, err := c.Queues(ctx, mgmt.ListOptions{Vhost: vhost, Filter: `^q-00[0-4]\d$`, PageSize: 500})
		if err != nil {
			t.Fatal(err)
		}
		re := regexp.MustCompile(`^q-00[0-4]\d$`)
		if p.FilteredCount != 50 || p.TotalCount != total || len(p.Items) != 50 {
			t.Fatalf("got %d items, %d of %d", len(p.Items), p.FilteredCount, p.TotalCount)
		}
		for _, n := range names(p) {
			if !re.MatchString(n) {
				t.Fatalf("%s does not match the filter", n)
			}
		}
		p, err = c.Queues(ctx, mgmt.ListOptions{Vhost: vhost, Filter: `^Q-0001$`})
		if err != nil || !slices.Equal(names(p), []string{"q-0001"}) {
			t.Fatalf("case-insensitive filter: %v, %v", names(p), err)
		}
	})

	t.Run("sort by messages uses live totals, then stats for the page", func(t *testing.T) {
		eventually(t, 20*time.Second, func() error {
			p, err := c.Queues(ctx, mgmt.ListOptions{Vhost: vhost, PageSize: 10, Sort: mgmt.SortMessages, Reverse: true})
			if err != nil {
				return err
			}
			if p.TotalCount != total || p.PageCount != 301 {
				return fmt.Errorf("counts: %d of %d, %d pages", p.FilteredCount, p.TotalCount, p.PageCount)
			}
			want := []struct {
				name string
				n    int64
			}{{"q-0100", 30}, {"q-0200", 20}, {"q-0300", 10}}
			for i, w := range want {
				q := p.Items[i]
				if q.Name != w.name || q.Messages != w.n || q.Ready != w.n {
					return fmt.Errorf("row %d = %s with %d messages, want %s with %d", i, q.Name, q.Messages, w.name, w.n)
				}
			}
			for _, q := range p.Items {
				if !q.HasStats || q.Memory == 0 {
					return fmt.Errorf("row %s has no stats yet", q.Name)
				}
			}
			return nil
		})
	})

	t.Run("sort by consumers", func(t *testing.T) {
		eventually(t, 20*time.Second, func() error {
			p, err := c.Queues(ctx, mgmt.ListOptions{Vhost: vhost, PageSize: 5, Sort: mgmt.SortConsumers, Reverse: true})
			if err != nil {
				return err
			}
			if q := p.Items[0]; q.Name != "q-0400" || q.Consumers != 1 || !q.HasStats {
				return fmt.Errorf("first row %+v, want q-0400 with 1 consumer", q)
			}
			return nil
		})
	})

	t.Run("sort by rate", func(t *testing.T) {
		p, err := c.Queues(ctx, mgmt.ListOptions{Vhost: vhost, PageSize: 20, Sort: mgmt.SortRate, Reverse: true})
		if err != nil || len(p.Items) != 20 || p.TotalCount != total {
			t.Fatalf("got %d rows of %d, %v", len(p.Items), p.TotalCount, err)
		}
	})

	t.Run("queue types", func(t *testing.T) {
		p, err := c.Queues(ctx, mgmt.ListOptions{Vhost: vhost, Filter: `^q[qs]-`})
		if err != nil || len(p.Items) != 2 {
			t.Fatalf("got %v, %v", names(p), err)
		}
		if p.Items[0].Type != "quorum" || p.Items[1].Type != "stream" {
			t.Fatalf("types %q %q, want quorum stream", p.Items[0].Type, p.Items[1].Type)
		}
	})

	t.Run("bad regex", func(t *testing.T) {
		// Refused by Go's regexp before any request.
		_, err := c.Queues(ctx, mgmt.ListOptions{Vhost: vhost, Filter: `(`})
		if !errors.Is(err, mgmt.ErrBadRegex) {
			t.Fatalf("got %v, want ErrBadRegex", err)
		}
		// Valid for Go, unknown to the broker's older PCRE.
		_, err = c.Queues(ctx, mgmt.ListOptions{Vhost: vhost, Filter: `\p{Vithkuqi}`})
		if !errors.Is(err, mgmt.ErrBadRegex) {
			t.Fatalf("got %v, want ErrBadRegex", err)
		}
	})

	t.Run("missing vhost", func(t *testing.T) {
		_, err := c.Queues(ctx, mgmt.ListOptions{Vhost: brokertest.Name("nosuchvhost")})
		if !errors.Is(err, mgmt.ErrNotFound) {
			t.Fatalf("got %v, want ErrNotFound", err)
		}
	})
}
