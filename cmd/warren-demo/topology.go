package main

import (
	"fmt"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Names of everything the demo declares. All start with "demo." so that
// clean can find them; policies start with "demo-".
const (
	exOrders        = "demo.orders"
	exDLX           = "demo.dlx"
	exNotifications = "demo.notifications"

	qCreated  = "demo.orders.created"
	qShipped  = "demo.orders.shipped"
	qAll      = "demo.orders.all"
	qDLQ      = "demo.orders.dlq"
	qPayments = "demo.payments"
	qEvents   = "demo.events"
	qEmail    = "demo.notifications.email"
	qSMS      = "demo.notifications.sms"
	qPush     = "demo.notifications.push"

	namePrefix   = "demo."
	policyPrefix = "demo-"

	// paymentDeliveryLimit is low on purpose: a careless peek that requeues
	// a payment a few times makes the broker drop it.
	paymentDeliveryLimit = 3
)

type exchangeSpec struct {
	name, kind string
}

type bindingSpec struct {
	exchange, key string
	args          amqp.Table
}

type queueSpec struct {
	name     string
	args     amqp.Table
	bindings []bindingSpec
}

var demoExchanges = []exchangeSpec{
	{exOrders, amqp.ExchangeTopic},
	{exDLX, amqp.ExchangeTopic},
	{exNotifications, amqp.ExchangeHeaders},
}

// demoQueues is the core topology, without the bulk queues. Every queue is
// durable so that the demo survives a broker restart.
var demoQueues = []queueSpec{
	{name: qCreated,
		args:     amqp.Table{"x-dead-letter-exchange": exDLX},
		bindings: []bindingSpec{{exchange: exOrders, key: "order.created"}}},
	{name: qShipped, bindings: []bindingSpec{{exchange: exOrders, key: "order.shipped"}}},
	{name: qAll, bindings: []bindingSpec{{exchange: exOrders, key: "order.#"}}},
	{name: qDLQ, bindings: []bindingSpec{{exchange: exDLX, key: "#"}}},
	{name: qPayments,
		args: amqp.Table{
			amqp.QueueTypeArg:  amqp.QueueTypeQuorum,
			"x-delivery-limit": paymentDeliveryLimit,
		},
		bindings: []bindingSpec{{exchange: exOrders, key: "order.paid"}}},
	{name: qEvents,
		args: amqp.Table{
			amqp.QueueTypeArg:                 amqp.QueueTypeStream,
			"x-max-length-bytes":              int64(200 << 20),
			"x-stream-max-segment-size-bytes": int64(8 << 20),
		},
		bindings: []bindingSpec{{exchange: exOrders, key: "#"}}},
	{name: qEmail, bindings: []bindingSpec{{exchange: exNotifications,
		args: amqp.Table{"x-match": "all", "channel": "email"}}}},
	{name: qSMS, bindings: []bindingSpec{{exchange: exNotifications,
		args: amqp.Table{"x-match": "any", "channel": "sms", "urgent": true}}}},
	{name: qPush, bindings: []bindingSpec{{exchange: exNotifications,
		args: amqp.Table{"x-match": "all", "channel": "push"}}}},
}

// demoPolicies give the effective-policy display something to show. The TTL
// is long enough not to empty the demo during a session; the length cap keeps
// a traffic generator left running overnight from filling the disk.
var demoPolicies = []Policy{
	{Name: "demo-ttl", Pattern: `^demo\.bulk\.0`, ApplyTo: "queues", Priority: 1,
		Definition: map[string]any{"message-ttl": 24 * 3600 * 1000}},
	{Name: "demo-maxlen", Pattern: `^demo\.orders\.`, ApplyTo: "queues", Priority: 0,
		Definition: map[string]any{"max-length": 20000}},
}

func bulkName(i int) string { return fmt.Sprintf("demo.bulk.%03d", i) }

// bulkDepth gives bulk queue i a varied but stable depth: mostly small,
// some empty, a few deep, so sorting by messages shows something.
func bulkDepth(i int) int {
	switch {
	case i%50 == 7:
		return 400 + i
	case i%11 == 0:
		return 0
	default:
		return (i * 37) % 60
	}
}

// declareTopology declares the demo exchanges, core queues and bindings.
// Declaring with the same arguments is a no-op on the broker, so this is
// safe to repeat; a queue that exists with other arguments closes the
// channel with PRECONDITION_FAILED, reported as an error.
func declareTopology(ch *amqp.Channel) error {
	for _, ex := range demoExchanges {
		if err := ch.ExchangeDeclare(ex.name, ex.kind, true, false, false, false, nil); err != nil {
			return fmt.Errorf("declare exchange %s: %w", ex.name, err)
		}
	}
	for _, q := range demoQueues {
		if _, err := ch.QueueDeclare(q.name, true, false, false, false, q.args); err != nil {
			return fmt.Errorf("declare queue %s: %w", q.name, err)
		}
		for _, b := range q.bindings {
			if err := ch.QueueBind(q.name, b.key, b.exchange, false, b.args); err != nil {
				return fmt.Errorf("bind %s to %s: %w", q.name, b.exchange, err)
			}
		}
	}
	return nil
}
