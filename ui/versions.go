package ui

import (
	"fmt"

	"github.com/warren-tui/warren/broker/ops"
	"github.com/warren-tui/warren/mgmt"
)

// versionNotes says what the broker's version changes for this queue: the
// delivery limit a quorum queue really has and whether requeues count
// toward it, and ha-* policy keys that do nothing from RabbitMQ 4.0.
// Pure; the version is the overview's.
func versionNotes(q mgmt.QueueDetail, version string) []string {
	f := ops.VersionFeatures(version)
	var notes []string
	if q.Type == ops.QueueQuorum {
		limit := deliveryLimit(q, version)
		_, hasArg := q.Arguments["x-delivery-limit"].(float64)
		_, hasPol := q.EffectivePolicy["delivery-limit"].(float64)
		from := "its arguments and policy"
		if !hasArg && !hasPol {
			from = "the broker's default on " + brokerLabel(version)
		}
		switch {
		case limit < 0:
			notes = append(notes, fmt.Sprintf("delivery limit: none (from %s)", from))
		case f.RequeueCounts:
			notes = append(notes, fmt.Sprintf("delivery limit: %d (from %s); every requeue, a peek's included, counts toward it", limit, from))
		default:
			notes = append(notes, fmt.Sprintf("delivery limit: %d (from %s); only a reject counts toward it, so a peek does not", limit, from))
		}
	}
	for _, k := range sortedKeys(q.EffectivePolicy) {
		if note := f.MirroringNote(k); note != "" {
			notes = append(notes, safe(k)+": "+note)
		}
	}
	return notes
}

// transientQueueCheck refuses a transient queue where the broker would:
// the API cannot declare an exclusive queue, so a transient one is
// transient and non-exclusive, which RabbitMQ 4.3 refuses by default.
// Before 4.3 (or while the version is unknown) the broker decides.
func transientQueueCheck(durable bool, version string) error {
	f := ops.VersionFeatures(version)
	if durable || !f.Known || f.TransientNonExclusiveQueues {
		return nil
	}
	return fmt.Errorf("durable: %s refuses transient non-exclusive queues by default (and the API cannot declare an exclusive one): "+
		"declare it durable, with a queue TTL (x-expires) if it should go away", brokerLabel(version))
}
