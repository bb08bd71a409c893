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
