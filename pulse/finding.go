package pulse

import (
	"cmp"
	"slices"
)

// Severity orders findings: Critical first.
type Severity int

const (
	Info Severity = iota
	Warning
	Critical
)

func (s Severity) String() string {
	switch s {
	case Critical:
		return "critical"
	case Warning:
		return "warning"
	}
	return "info"
}

// Kind is the kind of object a finding is about.
type Kind string

const (
	KindQueue      Kind = "queue"
	KindExchange   Kind = "exchange"
	KindNode       Kind = "node"
	KindConnection Kind = "connection"
	KindPolicy     Kind = "policy"
	KindBroker     Kind = "broker"
)

// Object names what a finding is about. Names are raw.
type Object struct {
	Kind  Kind
	Vhost string // "" for nodes and the broker
	Name  string
}

// Rule identifies the rule behind a finding, so tests and the UI can
// tell findings apart without reading their words.
type Rule string

const (
	RuleTTLNoDLX           Rule = "ttl-without-dead-letter"
	RuleMaxLenNoDLX        Rule = "max-length-drop-head-without-dead-letter"
	RuleDeliveryLimitNoDLX Rule = "delivery-limit-without-dead-letter"
	RuleDLXMissing         Rule = "dead-letter-exchange-missing"
	RuleDLXNoRoute         Rule = "dead-letters-unroutable"
	RuleDLCycle            Rule = "dead-letter-cycle"
	RuleUnboundExchange    Rule = "published-exchange-without-bindings"
	RuleUnroutableDrops    Rule = "broker-drops-unroutable"
	RuleAEMissing          Rule = "alternate-exchange-missing"
	RuleReadyNoConsumers   Rule = "ready-without-consumers"
	RuleGrowing            Rule = "depth-growing"
	RuleSaturated          Rule = "consumers-saturated"
	RuleUnlimitedPrefetch  Rule = "unlimited-prefetch-unacked-growing"
	RuleBlockedConsumers   Rule = "consumers-on-blocked-connection"
	RuleMemoryAlarm        Rule = "memory-alarm"
	RuleDiskAlarm          Rule = "disk-alarm"
	RuleFileDescriptors    Rule = "file-descriptors-high"
	RuleSockets            Rule = "sockets-high"
	RulePartition          Rule = "partition"
	RuleNodeDown           Rule = "node-down"
	RuleBlockedConnection  Rule = "connection-blocked"
	RuleClassicMirroring   Rule = "classic-mirroring-policy"
	RuleTransientNonExcl   Rule = "transient-non-exclusive-queue"
)

// Finding is one thing wrong, worded for a person: what is wrong in one
// line, why it matters, and how to fix it.
type Finding struct {
	Severity Severity
	Rule     Rule
	Object   Object
	What     string
	Why      string
	// Fix says how to fix it in a line, naming the warren key where
	// there is one.
	Fix string
	// Command is a shell command that fixes it (rabbitmqctl or
	// rabbitmqadmin), names quoted for a POSIX shell, or "".
	Command string
}

// ruleOrder ranks rules of one severity: what stops the whole broker
// first, then what loses messages, then what stalls work.
var ruleOrder = []Rule{
	RuleNodeDown, RulePartition, RuleMemoryAlarm, RuleDiskAlarm,
	RuleDLXMissing, RuleDLXNoRoute, RuleAEMissing, RuleUnboundExchange, RuleUnroutableDrops,
	RuleMaxLenNoDLX, RuleTTLNoDLX, RuleDeliveryLimitNoDLX, RuleDLCycle,
	RuleBlockedConsumers, RuleReadyNoConsumers, RuleGrowing, RuleSaturated, RuleUnlimitedPrefetch,
	RuleFileDescriptors, RuleSockets, RuleBlockedConnection, RuleClassicMirroring, RuleTransientNonExcl,
}

func rank(r Rule) int {
	if i := slices.Index(ruleOrder, r); i >= 0 {
		return i
	}
	return len(ruleOrder)
}

// Sort orders findings worst first, then by rule, then by object.
func Sort(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(rank(a.Rule), rank(b.Rule)), cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Object.Kind, b.Object.Kind), cmp.Compare(a.Object.Vhost, b.Object.Vhost),
			cmp.Compare(a.Object.Name, b.Object.Name))
	})
}

// Count is how many findings there are of each severity.
func Count(fs []Finding) (critical, warning, info int) {
	for _, f := range fs {
		switch f.Severity {
		case Critical:
			critical++
		case Warning:
			warning++
		default:
			info++
		}
	}
	return critical, warning, info
}
