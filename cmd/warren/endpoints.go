package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/warren-tui/warren/broker"
	"github.com/warren-tui/warren/internal/endpoint"
)

// endpointList is a context's uri or api in the config file: one string,
// or a list of the endpoints of one cluster. It is kept as the string the
// flags take (entries joined by commas), so both read the same way.
type endpointList string

func (l *endpointList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*l = endpointList(n.Value)
	case yaml.SequenceNode:
		var entries []string
		for _, e := range n.Content {
			if e.Kind != yaml.ScalarNode || strings.Contains(e.Value, ",") {
				return errors.New("each endpoint of a list is one URI or host:port")
			}
			entries = append(entries, strings.TrimSpace(e.Value))
		}
		*l = endpointList(strings.Join(entries, ","))
	default:
		return errors.New("must be a string or a list of strings")
	}
	return nil
}

// listFlag is --uri or --api: given more than once, each names another
// endpoint of the same cluster (as do commas within one).
type listFlag struct{ v *string }

func (f listFlag) String() string {
	if f.v == nil {
		return ""
	}
	return *f.v
}

func (f listFlag) Set(s string) error {
	if *f.v != "" {
		s = *f.v + "," + s
	}
	*f.v = s
	return nil
}

// deriveAPIs guesses the management API of each AMQP endpoint (see
// deriveAPI), in the same order.
func deriveAPIs(first *url.URL, addrs []string) string {
	out := []string{deriveAPI(first)}
	for _, a := range addrs[1:] {
		host, _, _ := net.SplitHostPort(a)
		out = append(out, deriveAPI(&url.URL{Scheme: first.Scheme, Host: host}))
	}
	return strings.Join(out, ",")
}

// splitAPIs reads --api: one URL or a list (see mgmt.Config.APIURL). A
// later entry may be host:port; one that names credentials must name the
// first's. The URLs come back without credentials, but the first's.
func splitAPIs(raw string) ([]*url.URL, error) {
	entries := endpoint.Split(raw, func(s string) bool { _, err := parseAPI(s, "http"); return err == nil })
	var out []*url.URL
	for i, e := range entries {
		scheme := "http"
		if i > 0 {
			scheme = out[0].Scheme
		}
		u, err := parseAPI(e, scheme)
		if err != nil || (i == 0 && !strings.Contains(e, "://")) {
			if len(entries) > 1 {
				return nil, fmt.Errorf("--api endpoint %d must be an http:// or https:// URL with a host (later ones may be host:port)", i+1)
			}
			return nil, fmt.Errorf("--api must be an http:// or https:// URL with a host")
		}
		if i > 0 {
			if u.Scheme != out[0].Scheme {
				return nil, fmt.Errorf("--api endpoint %d: every endpoint must use %s://, as the first does", i+1, out[0].Scheme)
			}
			if u.User != nil {
				p1, _ := out[0].User.Password()
				p2, has := u.User.Password()
				if u.User.Username() != out[0].User.Username() || (has && p1 != p2) {
					return nil, fmt.Errorf("--api endpoint %d: every endpoint logs in as the first one's user: give the credentials once, in the first", i+1)
				}
				u.User = nil
			}
			if p := apiPath(u); p != "" && p != apiPath(out[0]) {
				return nil, fmt.Errorf("--api endpoint %d: every endpoint has the first one's path: give it once, in the first", i+1)
			}
		}
		out = append(out, u)
	}
	return out, nil
}

// apiPath is the API's path prefix, as mgmt reads it.
func apiPath(u *url.URL) string {
	return strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/api")
}

func parseAPI(e, scheme string) (*url.URL, error) {
	if !strings.Contains(e, "://") {
		if strings.ContainsAny(e, "@/?#") {
			return nil, errors.New("not host:port")
		}
		e = scheme + "://" + e
	}
	u, err := url.Parse(e)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("not an http(s) URL")
	}
	return u, nil
}

// amqpList and apiList are what broker.Open and mgmt.New are given: the
// first endpoint and the others, joined by commas.
func (s settings) amqpList() string { return strings.Join(append([]string{s.URI}, s.MoreAMQP...), ",") }
func (s settings) apiList() string  { return strings.Join(append([]string{s.API}, s.MoreAPI...), ",") }

// redactedAMQP is every AMQP endpoint, safe to show.
func (s settings) redactedAMQP() string { return broker.Redact(s.amqpList()) }
