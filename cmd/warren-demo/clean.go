package main

import (
	"context"
	"fmt"
	"strings"
)

// Cleaned counts what Clean deleted.
type Cleaned struct {
	Queues, Exchanges, Policies int
}

// Clean deletes every demo.* queue and exchange and every demo-* policy of a
// vhost. It lists through the management API (AMQP cannot list) and deletes
// over AMQP, which is much faster for hundreds of queues.
func Clean(ctx context.Context, t *Target, vhost string) (Cleaned, error) {
	var done Cleaned
	queues, err := t.api.Names(ctx, "queues", vhost)
	if err != nil {
		return done, err
	}
	exchanges, err := t.api.Names(ctx, "exchanges", vhost)
	if err != nil {
		return done, err
	}
	policies, err := t.api.Policies(ctx, vhost)
	if err != nil {
		return done, err
	}
	// Policies first, so none is applied to queues about to go.
	for _, p := range policies {
		if strings.HasPrefix(p.Name, policyPrefix) {
			if err := t.api.DeletePolicy(ctx, vhost, p.Name); err != nil {
				return done, err
			}
			done.Policies++
		}
	}

	conn, err := dial(t, vhost, "warren-demo clean")
	if err != nil {
		return done, err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return done, err
	}
	for _, q := range queues {
		if !strings.HasPrefix(q, namePrefix) {
			continue
		}
		// Deleting a queue that is already gone is not an error in AMQP 0-9-1.
		if _, err := ch.QueueDelete(q, false, false, false); err != nil {
			return done, fmt.Errorf("delete queue %s: %w", q, err)
		}
		done.Queues++
	}
	for _, ex := range exchanges {
		if !strings.HasPrefix(ex, namePrefix) {
			continue
		}
		if err := ch.ExchangeDelete(ex, false, false); err != nil {
			return done, fmt.Errorf("delete exchange %s: %w", ex, err)
		}
		done.Exchanges++
	}
	return done, nil
}
