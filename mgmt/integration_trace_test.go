package mgmt_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/warren-tui/warren/internal/brokertest"
)

// Tracing turns a vhost's firehose on and off, lists it while on, and
// keeps the vhost's description and tags (the broker's PUT would reset
// them).
func TestSetTracingKeepsTheVhost(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	brokertest.MustDo(t, "PUT", "/api/vhosts/"+brokertest.Esc(vh), []byte(`{"description":"orders, EU","tags":"eu,prod"}`))
	c := newClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, on := range []bool{true, false} {
		if err := c.SetTracing(ctx, vh, on); err != nil {
			t.Fatal(err)
		}
		vhosts, err := c.Tracing(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(vhosts, vh) != on {
			t.Fatalf("tracing %v, yet the vhosts traced are %v", on, vhosts)
		}
		var v struct {
			Description string   `json:"description"`
			Tags        []string `json:"tags"`
		}
		if err := json.Unmarshal(brokertest.MustDo(t, "GET", "/api/vhosts/"+brokertest.Esc(vh), nil), &v); err != nil {
			t.Fatal(err)
		}
		if v.Description != "orders, EU" || !slices.Equal(v.Tags, []string{"eu", "prod"}) {
			t.Fatalf("the vhost lost its description or tags: %+v", v)
		}
	}
}
