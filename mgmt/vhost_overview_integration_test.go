package mgmt_test

import (
	"context"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/brokertest"
)

// The header's totals for one vhost count that vhost only.
func TestVhostOverviewCountsOneVhost(t *testing.T) {
	brokertest.Require(t)
	c := newClient(t)
	ctx := testContext(t)
	vhost := brokertest.Vhost(t)
	q1, q2 := brokertest.Name("q1"), brokertest.Name("q2")
	brokertest.DeclareQueue(t, vhost, q1, "")
	brokertest.DeclareQueue(t, vhost, q2, "")
	brokertest.DeclareExchange(t, vhost, brokertest.Name("ex"), "topic")
	conn, err := amqp.DialConfig(brokertest.URI(), amqp.Config{Vhost: vhost})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := ch.PublishWithContext(context.Background(), "", q1, false, false, amqp.Publishing{Body: []byte("x")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ch.Consume(q2, "", false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	// 7 default exchanges (amq.* and the default) plus ours.
	deadline := time.Now().Add(30 * time.Second)
	for {
		o, err := c.VhostOverview(ctx, vhost, true)
		if err != nil {
			t.Fatal(err)
		}
		if o.Queues == 2 && o.Exchanges == 8 && o.Connections == 1 && o.Consumers == 1 && o.Messages == 3 && o.Ready == 3 && o.RabbitMQVersion != "" {
			if o, err := c.VhostOverview(ctx, vhost, false); err != nil || o.Messages != 3 || o.Queues != 0 {
				t.Fatalf("without counts: %+v, %v", o, err)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("vhost overview %+v: want 2 queues, 8 exchanges, 1 connection, 1 consumer, 3 messages", o)
		}
		time.Sleep(time.Second)
	}
}

// The header's alarm poll reads every node, with its alarms.
func TestNodeAlarms(t *testing.T) {
	brokertest.Require(t)
	c := newClient(t)
	ctx := testContext(t)
	full, err := c.Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	alarms, err := c.NodeAlarms(ctx)
	if err != nil || len(alarms) != len(full) || len(alarms) == 0 {
		t.Fatalf("alarms %+v, %v; nodes %d", alarms, err, len(full))
	}
	for i := range alarms {
		if alarms[i].Name != full[i].Name || alarms[i].MemAlarm != full[i].MemAlarm || alarms[i].DiskAlarm != full[i].DiskAlarm {
			t.Errorf("node %d: %+v, full listing %+v", i, alarms[i], full[i])
		}
	}
}
