package broker

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
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
		return nil, fmt.Errorf("%w: reserved characters in the user name or password must be percent-encoded", ErrBadURI)
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

// Redact returns the URI with its password replaced, or a placeholder when
// it does not parse: safe to show on screen and in logs.
func Redact(raw string) string {
	u, err := ParseURI(raw)
	if err != nil {
		return "(malformed URI)"
	}
	return u.Redacted()
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
