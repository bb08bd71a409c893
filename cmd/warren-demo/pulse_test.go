package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/pulse"
)

// The demo stages every pulse rule a single healthy node can show: after a
// seed and a little traffic, :pulse finds each on the object meant for it.
func TestDemoStagesEveryPulseRule(t *testing.T) {
	brokertest.Require(t)
	vhost := brokertest.Vhost(t)
	target, err := newTarget(brokertest.URI(), brokertest.API())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	sum, err := (&Seeder{Target: target, Vhost: vhost, BulkQueues: 3}).Seed(ctx)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	if len(sum.PulseNotes) > 0 {
		t.Logf("this broker refused: %v", sum.PulseNotes)
	}

	conn, err := dial(target, vhost, "pulse test traffic")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- (&Traffic{Target: target, Vhost: vhost, Log: io.Discard}).pulseWork(tctx, conn) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("pulse traffic: %v", err)
		}
	}()

	c, err := mgmt.New(mgmt.Config{APIURL: brokertest.API(), Username: target.api.user, Password: target.api.pass})
	if err != nil {
		t.Fatal(err)
	}
	cfg := pulse.DefaultConfig()
	cfg.GrowthWindow, cfg.GrowthMinSpan = time.Minute, 8*time.Second
	h := pulse.NewHistory(cfg.GrowthWindow)
	want := map[pulse.Rule]string{
		pulse.RuleTTLNoDLX:           bulkName(0),
		pulse.RuleMaxLenNoDLX:        qShipped,
		pulse.RuleDeliveryLimitNoDLX: qPayments,
		pulse.RuleDLXMissing:         pqLostLetters,
		pulse.RuleDLXNoRoute:         pqDeadEnds,
		pulse.RuleDLCycle:            pqCycleA,
		pulse.RuleUnboundExchange:    pxUnbound,
		pulse.RuleAEMissing:          pxNoAE,
		pulse.RuleReadyNoConsumers:   pqBacklog,
		pulse.RuleGrowing:            pqBacklog,
		pulse.RuleSaturated:          pqSlow,
		pulse.RuleUnlimitedPrefetch:  pqGreedy,
		pulse.RuleClassicMirroring:   ppMirroring,
		pulse.RuleTransientNonExcl:   pqTransient,
	}
	for _, n := range sum.PulseNotes { // a 4.x broker refuses these two
		if strings.Contains(n, "mirroring") {
			delete(want, pulse.RuleClassicMirroring)
		}
		if strings.Contains(n, "transient") {
			delete(want, pulse.RuleTransientNonExcl)
		}
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		s, err := c.Pulse(ctx, vhost)
		if err != nil {
			t.Fatal(err)
		}
		h.Add(s)
		fs := pulse.Evaluate(s, h, cfg)
		var missing []string
		for rule, name := range want {
			found := false
			for _, f := range fs {
				found = found || f.Rule == rule && f.Object.Name == name && f.Object.Vhost == vhost
			}
			if !found {
				missing = append(missing, string(rule)+" on "+name)
			}
		}
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo does not stage: %s", strings.Join(missing, "; "))
		}
		time.Sleep(2 * time.Second)
	}
}
