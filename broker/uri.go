package broker

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/warren-tui/warren/internal/endpoint"
)

// ErrBadURI says an AMQP URI could not be used. Its message never repeats
// the URI itself, which may carry a password.
var ErrBadURI = errors.New("malformed AMQP URI")

// ParseURI checks an amqp:// or amqps:// URI without ever echoing it: the
// standard library's parse errors quote the whole string, password and all.
func ParseURI(raw string) (*url.URL, error) {
	if strings.ContainsAny(raw, " \t\r\n") {
		return nil, fmt.Errorf("%w: it contains white space", ErrBadURI)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrBadURI, uriParseReason(err))
	}
	if u.Scheme != "amqp" && u.Scheme != "amqps" {
		return nil, fmt.Errorf("%w: the scheme must be amqp:// or amqps://", ErrBadURI)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("%w: no host", ErrBadURI)
	}
	if p := u.Port(); p != "" {
		var n int
		if _, err := fmt.Sscanf(p, "%d", &n); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("%w: port %q is not a number from 1 to 65535", ErrBadURI, p)
		}
	}
	return u, nil
}

// uriParseReason says what url.Parse refused, in words that never quote
// the URI: its own message repeats it, password and all.
func uriParseReason(err error) string {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "invalid port"):
		return "the port is not a number from 1 to 65535"
	case strings.HasPrefix(msg, "invalid URL escape"):
		return "a % must start an escape such as %40 (write % itself as %25)"
	case strings.HasPrefix(msg, "invalid userinfo"):
		return "reserved characters in the user name or password must be percent-encoded"
	case strings.HasPrefix(msg, "invalid character") && strings.Contains(msg, "host name"):
		return "the host name holds a character a host name cannot"
	}
	return "it is not a URI (reserved characters in the user name or password must be percent-encoded)"
}

// Redact returns the URI with its password replaced, or a placeholder when
// it does not parse: safe to show on screen and in logs. A list of
// endpoints shows the first URI and the others' host:port.
func Redact(raw string) string {
	eps, err := ParseEndpoints(raw)
	if err != nil {
		return "(malformed URI)"
	}
	return strings.Join(append([]string{eps.URI.Redacted()}, eps.Addrs[1:]...), ",")
}

// Vhost is the virtual host a URI names: its path without the leading
// slash, "/" when the path is empty.
func Vhost(u *url.URL) string {
	p := strings.TrimPrefix(u.Path, "/")
	if p == "" {
		return "/"
	}
	return p
}

// Endpoints is an AMQP URI list read by ParseEndpoints: the first URI,
// whose user, password, vhost and scheme every endpoint shares, and the
// host:port of each endpoint in the order given.
type Endpoints struct {
	URI   *url.URL // the first entry, credentials and all: never print it
	First string   // the first entry as it was written (never print it either)
	Addrs []string // host:port of every entry, the first's first
}

// ParseEndpoints reads a URI that may list several endpoints of one
// cluster, separated by commas: amqp://user@h1:5672/vhost,h2:5672,h3.
// The first entry is a whole URI; each later one is a URI or host[:port]
// that names another node only: the endpoints share the first's scheme,
// user, password and vhost, and a later entry that names others is an
// error (never repeating it). A missing port is the scheme's (5672, or
// 5671 for amqps).
func ParseEndpoints(raw string) (Endpoints, error) {
	entries := endpoint.Split(raw, func(s string) bool { _, err := parseEntry(s, nil); return err == nil })
	first, err := ParseURI(entries[0])
	if err != nil {
		if len(entries) > 1 {
			return Endpoints{}, fmt.Errorf("endpoint 1: %w", err)
		}
		return Endpoints{}, err
	}
	eps := Endpoints{URI: first, First: entries[0], Addrs: []string{hostPort(first)}}
	for i, e := range entries[1:] {
		u, err := parseEntry(e, first)
		if err != nil {
			return Endpoints{}, fmt.Errorf("endpoint %d: %w", i+2, err)
		}
		addr := hostPort(u)
		for _, a := range eps.Addrs {
			if a == addr {
				return Endpoints{}, fmt.Errorf("endpoint %d: %s is listed twice", i+2, addr)
			}
		}
		eps.Addrs = append(eps.Addrs, addr)
	}
	return eps, nil
}

// parseEntry reads a later entry of an endpoint list: a URI or a bare
// host[:port]. With first nil it only checks that the entry could be one.
func parseEntry(e string, first *url.URL) (*url.URL, error) {
	if !strings.Contains(e, "://") {
		scheme := "amqp"
		if first != nil {
			scheme = first.Scheme
		}
		if strings.ContainsAny(e, "@/?#") {
			return nil, fmt.Errorf("%w: a later endpoint is a URI or host:port", ErrBadURI)
		}
		e = scheme + "://" + e
	}
	u, err := ParseURI(e)
	if err != nil || first == nil {
		return u, err
	}
	if u.Scheme != first.Scheme {
		return nil, fmt.Errorf("%w: every endpoint must use %s://, as the first does", ErrBadURI, first.Scheme)
	}
	if u.User != nil {
		p1, _ := first.User.Password()
		p2, has := u.User.Password()
		if u.User.Username() != first.User.Username() || (has && p2 != p1) {
			return nil, fmt.Errorf("%w: every endpoint logs in as the first one's user, with its password: give them once, in the first", ErrBadURI)
		}
	}
	if p := strings.TrimPrefix(u.EscapedPath(), "/"); p != "" && p != strings.TrimPrefix(first.EscapedPath(), "/") {
		return nil, fmt.Errorf("%w: every endpoint opens the first one's vhost: name it once, in the first", ErrBadURI)
	}
	return u, nil
}

// hostPort is u's host and port, the scheme's port when it names none.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "5672"
		if u.Scheme == "amqps" {
			port = "5671"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}
