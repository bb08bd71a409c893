package mgmt_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/warren-tui/warren/internal/testnode"
	"github.com/warren-tui/warren/mgmt"
)

// The management plugin disabled while warren runs: the client says the
// API does not answer, plainly and without the password, and answers again
// once the plugin is back. On a node of the test's own.
func TestManagementPluginDisabledAndBack(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a RabbitMQ node of its own: skipped under -short")
	}
	node := testnode.Start(t)
	c, err := mgmt.New(mgmt.Config{APIURL: node.API(), Username: "guest", Password: "guest", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	overview := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := c.Overview(ctx)
		return err
	}
	if err := overview(); err != nil {
		t.Fatalf("before: %v", err)
	}
	if out, err := node.Plugins("disable", "rabbitmq_management"); err != nil {
		t.Fatalf("disable: %v %s", err, out)
	}
	err = overview()
	if err == nil || !strings.Contains(err.Error(), node.API()) || strings.Contains(err.Error(), "guest:guest") {
		t.Fatalf("with the plugin disabled: %v", err)
	}
	t.Logf("with the plugin disabled: %v", err)
	if out, err := node.Plugins("enable", "rabbitmq_management"); err != nil {
		t.Fatalf("enable: %v %s", err, out)
	}
	for deadline := time.Now().Add(60 * time.Second); overview() != nil; time.Sleep(500 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the API never answered again: %v", overview())
		}
	}
}
