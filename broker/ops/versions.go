package ops

import (
	"fmt"
)

// Features are what a RabbitMQ version changes for warren. The version
// comes from the management API's overview (rabbitmq_version, or
// product_version when a build leaves it out); warren is tested live on
// 3.10 and by contract (documented response shapes) on 4.0-4.2 and 4.3+.
// A version it cannot read takes the side that risks nothing: requeues
// count, the default delivery limit is 20, and nothing deprecated is
// assumed to be allowed.
type Features struct {
	Version string
	Known   bool // the version could be read
	// DefaultDeliveryLimit is the delivery limit of a quorum queue that
	// sets none: -1 (none) before 4.0, 20 from 4.0.
	DefaultDeliveryLimit int
	// RequeueCounts: a requeue (nack or reject with requeue, a cancelled
	// consumer, a closed channel) raises a quorum message's delivery
	// count, on every 3.x and 4.0-4.2; from 4.3 only a reject counts.
	RequeueCounts bool
	// GlobalQoS: basic.qos with global=true is accepted (before 4.3; from
	// 4.3 it is a channel error). warren never sends it.
	GlobalQoS bool
	// TransientNonExclusiveQueues: a queue that is neither durable nor
	// exclusive may be declared (before 4.3; from 4.3 refused by default).
	// warren never declares one.
	TransientNonExclusiveQueues bool
	// ClassicMirroring: ha-* policy keys mirror classic queues (before
	// 4.0; from 4.0 they have no effect).
	ClassicMirroring bool
}

// VersionFeatures works out Features from a broker's version string.
func VersionFeatures(rabbitVersion string) Features {
	major, minor, ok := version(rabbitVersion)
	before := func(ma, mi int) bool { return ok && (major < ma || major == ma && minor < mi) }
	f := Features{Version: rabbitVersion, Known: ok,
		DefaultDeliveryLimit:        20,
		RequeueCounts:               !ok || before(4, 3),
		GlobalQoS:                   before(4, 3),
		TransientNonExclusiveQueues: before(4, 3),
		ClassicMirroring:            before(4, 0),
	}
	if before(4, 0) {
		f.DefaultDeliveryLimit = -1
	}
	return f
}

// MirroringNote says what an ha-* policy key does on this version ("" for
// other keys, or when the version is unknown).
func (f Features) MirroringNote(key string) string {
	if !f.Known || len(key) < 3 || key[:3] != "ha-" {
		return ""
	}
	if f.ClassicMirroring {
		return "classic queue mirroring: deprecated, removed in RabbitMQ 4.0"
	}
	return fmt.Sprintf("no effect: classic queue mirroring was removed in RabbitMQ 4.0 (this is %s)", f.Version)
}
