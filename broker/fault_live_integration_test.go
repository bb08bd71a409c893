package broker

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/internal/testnode"
)

// Live panes across a restart of their node: the tap, the tail and the
// consume each come back by themselves; the tail resumes at the next
// offset (nothing twice, nothing skipped), the consume that acks loses
// nothing (what it took before the restart was acked, the rest stayed in
// the queue), and no temporary object of the tap is left behind.
func TestLivePanesAcrossANodeRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts a RabbitMQ node: skipped under -short")
	}
	node := testnode.Start(t)
	s, err := Open(Config{URI: node.URI(), Name: brokertest.Name("live-restart"), Retry: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	conn := nodeConn(t, node)
	ch := adminChannel(t, conn)
	ex, stream, q := brokertest.Name("topic"), brokertest.Name("stream"), brokertest.Name("work")
	if err := ch.ExchangeDeclare(ex, "topic", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	declareDurableQueue(t, conn, stream, map[string]any{"x-queue-type": "stream"})
	declareDurableQueue(t, conn, q, nil)

	opts := LiveOptions{Retry: 500 * time.Millisecond}
	tap, err := s.Tap(liveCtx(t), TapSpec{Vhost: "/", Exchange: ex, Kind: "topic"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	tail, err := s.Tail(liveCtx(t), TailSpec{Vhost: "/", Queue: stream, From: StreamFrom{Kind: StreamFirst}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	consume, err := s.Consume(liveCtx(t), ConsumeSpec{Vhost: "/", Queue: q, Type: QueueClassic, Mode: ConsumeAck, DeliveryLimit: -1}, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []*Live{tap, tail, consume} {
		closeLive(t, l)
	}
	publish := func(prefix string, n int) {
		t.Helper()
		c := nodeConn(t, node)
		publishConfirmed(t, c, ex, "k", numbered(n, prefix)...)
		publishConfirmed(t, c, "", stream, numbered(n, prefix)...)
		publishConfirmed(t, c, "", q, numbered(n, prefix)...)
	}
	publish("before", 100)
	got := map[*Live][]string{}
	for _, l := range []*Live{tap, tail, consume} {
		for _, m := range collect(t, l, 100) {
			got[l] = append(got[l], string(m.Body))
		}
	}

	if err := node.Restart(); err != nil {
		t.Fatal(err)
	}
	for name, l := range map[string]*Live{"tap": tap, "tail": tail, "consume": consume} {
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			if st := l.State(); st.State == LiveRunning && st.Resumed >= 1 {
				break
			} else if st.State == LiveFailed || time.Now().After(deadline) {
				t.Fatalf("the %s did not come back after the restart: %+v", name, st)
			}
		}
	}
	publish("after", 50)
	for _, l := range []*Live{tap, tail, consume} {
		for _, m := range collect(t, l, 50) {
			got[l] = append(got[l], string(m.Body))
		}
	}
	quiet(t, tail)
	want := append(wantBodies("before", 0, 100), wantBodies("after", 0, 50)...)
	for name, l := range map[string]*Live{"tap": tap, "tail": tail, "consume": consume} {
		if fmt.Sprint(got[l]) != fmt.Sprint(want) {
			t.Errorf("the %s saw %d messages, not each once in order: %v", name, len(got[l]), got[l])
		}
	}
	waitDepth(t, nodeConn(t, node), q, 0) // all taken were acked, none lost

	for _, l := range []*Live{tap, tail, consume} {
		_ = l.Close()
	}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		left := tapLeftovers(t, node)
		if left == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the tap left %s behind", left)
		}
	}
}

// tapLeftovers names the tap's temporary exchanges and queues still on the
// node, "" when there are none.
func tapLeftovers(t *testing.T, node *testnode.Node) string {
	t.Helper()
	var left []string
	for _, kind := range []string{"exchanges", "queues"} {
		code, body, err := node.Do("GET", "/api/"+kind+"?columns=name")
		if err != nil || code != 200 {
			t.Fatalf("list %s: %d %v", kind, code, err)
		}
		var items []struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal(body, &items); err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if strings.HasPrefix(it.Name, "warren.tap.") || strings.HasPrefix(it.Name, "amq.gen-") {
				left = append(left, kind+" "+it.Name)
			}
		}
	}
	return strings.Join(left, ", ")
}
