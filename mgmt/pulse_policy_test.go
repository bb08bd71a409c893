package mgmt

import (
	"reflect"
	"testing"

	"github.com/warren-tui/warren/pulse"
)

// A queue's effective policy, as the pulse works it out from a stats-free
// listing (which names the policy but not its definition): its policy,
// combined with the operator policy that matches it, the lower of two
// limits winning, as on the broker.
func TestPulseEffectivePolicy(t *testing.T) {
	ix := policyIndex([]pulse.Policy{
		{Vhost: "/", Name: "ttl", Pattern: "^orders", ApplyTo: "queues", Definition: map[string]any{"message-ttl": 60000.0, "dead-letter-exchange": "dlx"}},
		{Vhost: "/", Name: "cap", Pattern: "^orders", ApplyTo: "queues", Priority: 1, Operator: true, Definition: map[string]any{"message-ttl": 1000.0, "max-length": 10.0}},
		{Vhost: "/", Name: "cap-low", Pattern: "^orders", ApplyTo: "queues", Priority: 0, Operator: true, Definition: map[string]any{"max-length": 1.0}},
		{Vhost: "/", Name: "quorum-only", Pattern: ".*", ApplyTo: "quorum_queues", Operator: true, Priority: 5, Definition: map[string]any{"delivery-limit": 3.0}},
		{Vhost: "other", Name: "elsewhere", Pattern: ".*", ApplyTo: "all", Operator: true, Priority: 9, Definition: map[string]any{"expires": 1.0}},
	})
	for _, c := range []struct {
		q    pulse.Queue
		want map[string]any
	}{
		{pulse.Queue{Vhost: "/", Name: "orders.created", Type: "classic", PolicyName: "ttl"},
			map[string]any{"message-ttl": 1000.0, "dead-letter-exchange": "dlx", "max-length": 10.0}},
		{pulse.Queue{Vhost: "/", Name: "payments", Type: "quorum"}, map[string]any{"delivery-limit": 3.0}},
		{pulse.Queue{Vhost: "/", Name: "payments", Type: "classic"}, nil},
	} {
		if got := ix.forQueue(c.q); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s (%s): %v, want %v", c.q.Name, c.q.Type, got, c.want)
		}
	}
}
