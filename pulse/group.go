package pulse

// Group is the findings of one rule at one severity: the same problem,
// with the same why and fix, on many objects (300 bulk queues with a TTL
// and no dead-letter exchange, say). Findings sorted with Sort keep a
// group's members together, in object order.
type Group struct {
	Severity Severity
	Rule     Rule
	Findings []Finding
}

// Groups splits sorted findings into their groups, in order.
func Groups(fs []Finding) []Group {
	var out []Group
	for _, f := range fs {
		if n := len(out); n > 0 && out[n-1].Severity == f.Severity && out[n-1].Rule == f.Rule {
			out[n-1].Findings = append(out[n-1].Findings, f)
			continue
		}
		out = append(out, Group{Severity: f.Severity, Rule: f.Rule, Findings: []Finding{f}})
	}
	return out
}

// Title says in a few words what the group's findings share, for a row
// standing for all of them ("ready messages and no consumers").
func (g Group) Title() string {
	if t, ok := infoTitles[g.Rule]; ok && g.Severity == Info {
		return t
	}
	if t, ok := titles[g.Rule]; ok {
		return t
	}
	return string(g.Rule)
}

var titles = map[Rule]string{
	RuleTTLNoDLX:           "messages expire and are dropped: no dead-letter exchange",
	RuleMaxLenNoDLX:        "a length limit drops the oldest: no dead-letter exchange",
	RuleDeliveryLimitNoDLX: "a delivery limit drops messages: no dead-letter exchange",
	RuleDLXMissing:         "the dead-letter exchange does not exist",
	RuleDLXNoRoute:         "dead letters match no binding and are dropped",
	RuleDLCycle:            "dead letters go round a cycle",
	RuleUnboundExchange:    "publishes into no bindings and no alternate exchange",
	RuleUnroutableDrops:    "the broker drops unroutable messages",
	RuleAEMissing:          "the alternate exchange does not exist",
	RuleReadyNoConsumers:   "ready messages and no consumers",
	RuleGrowing:            "depth growing: more in than out",
	RuleSaturated:          "consumers hold their full prefetch while more wait",
	RuleUnlimitedPrefetch:  "no prefetch limit and unacked growing",
	RuleBlockedConsumers:   "a consumer on a connection the broker has blocked",
	RuleMemoryAlarm:        "memory alarm: publishing blocked",
	RuleDiskAlarm:          "disk alarm: publishing blocked",
	RuleFileDescriptors:    "file descriptors nearly used up",
	RuleSockets:            "sockets nearly used up",
	RulePartition:          "network partition",
	RuleNodeDown:           "node down",
	RuleBlockedConnection:  "blocked by the broker during a resource alarm",
	RuleClassicMirroring:   "classic mirroring policy (removed in 4.0)",
	RuleTransientNonExcl:   "transient, non-exclusive queue (deprecated)",
}

// infoTitles word a rule whose info findings differ from its warnings.
var infoTitles = map[Rule]string{
	RuleReadyNoConsumers:  "dead letters wait and nobody consumes them",
	RuleBlockedConnection: "will be blocked when it next publishes",
}
