package mgmt

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"

	"github.com/warren-tui/warren/internal/endpoint"
)

// apiEndpoints reads Config.APIURL, which may list several management
// APIs of one cluster separated by commas:
// http://user@h1:15672,h2:15672,http://h3:15672. The first is a whole
// URL; each later one a URL or host[:port] that names another node only:
// they share the first's scheme, path and credentials, and a later entry
// that names others is an error (never repeating it).
func apiEndpoints(raw, password string) (*url.URL, []string, error) {
	entries := endpoint.Split(raw, func(s string) bool { _, err := parseAPIEntry(s, nil); return err == nil })
	first, err := url.Parse(entries[0])
	if err != nil {
		return nil, nil, fmt.Errorf("management API URL is not valid: %s", scrubString(innermost(err), password))
	}
	if first.Scheme != "http" && first.Scheme != "https" {
		return nil, nil, fmt.Errorf("management API URL %s: scheme must be http or https", first.Redacted())
	}
	if first.Host == "" {
		return nil, nil, fmt.Errorf("management API URL %s: no host", first.Redacted())
	}
	addrs := []string{apiHostPort(first)}
	for i, e := range entries[1:] {
		u, err := parseAPIEntry(e, first)
		if err != nil {
			return nil, nil, fmt.Errorf("management API endpoint %d: %s", i+2, scrubString(err.Error(), password))
		}
		addrs = append(addrs, apiHostPort(u))
	}
	return first, addrs, nil
}

// parseAPIEntry reads a later entry of an API list; with first nil it
// only checks that the entry could be one.
func parseAPIEntry(e string, first *url.URL) (*url.URL, error) {
	if !strings.Contains(e, "://") {
		if strings.ContainsAny(e, "@/?#") {
			return nil, errors.New("a later endpoint is a URL or host:port")
		}
		scheme := "http"
		if first != nil {
			scheme = first.Scheme
		}
		e = scheme + "://" + e
	}
	u, err := url.Parse(e)
	if err != nil {
		return nil, errors.New("not a URL (reserved characters in a user name or password must be percent-encoded)")
	}
	if u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, errors.New("not an http:// or https:// URL with a host")
	}
	if first == nil {
		return u, nil
	}
	if u.Scheme != first.Scheme {
		return nil, fmt.Errorf("every endpoint must use %s://, as the first does", first.Scheme)
	}
	if u.User != nil {
		p1, _ := first.User.Password()
		p2, has := u.User.Password()
		if u.User.Username() != first.User.Username() || (has && p2 != p1) {
			return nil, errors.New("every endpoint logs in as the first one's user: give the credentials once, in the first")
		}
	}
	if p := strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/api"); p != "" && p != strings.TrimSuffix(strings.TrimRight(first.Path, "/"), "/api") {
		return nil, errors.New("every endpoint has the first one's path: give it once, in the first")
	}
	return u, nil
}

// apiHostPort is u's host and port, the scheme's when it names none.
func apiHostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// failoverTransport sends each request to the endpoint that answered
// last, and to the next when it cannot be reached (connection refused,
// reset, a dial timeout); an HTTP answer of any status is an answer, and
// is never retried elsewhere. A request that may already have reached
// the server (a reset or timeout after sending) is retried only when it
// reads (GET, HEAD): a change is never made twice.
type failoverTransport struct {
	base http.RoundTripper
	list *endpoint.List
}

func (t *failoverTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.list.Len() == 1 {
		return t.base.RoundTrip(req)
	}
	var last error
	for i, addr := range t.list.Order() {
		r := req.Clone(req.Context())
		r.URL.Host, r.Host = addr, ""
		if i > 0 && req.Body != nil && req.Body != http.NoBody {
			if req.GetBody == nil {
				return nil, last // cannot send the body again
			}
			body, err := req.GetBody()
			if err != nil {
				return nil, last
			}
			r.Body = body
		}
		resp, err := t.base.RoundTrip(r)
		if err == nil {
			t.list.Answered(addr)
			return resp, nil
		}
		last = err
		if req.Context().Err() != nil {
			// The caller's time ran out on this node: a node that hangs
			// (stopped, overloaded) accepts connections and never answers.
			// Nothing is sent again now, but the next request starts at
			// the next node instead of waiting here again.
			t.list.Failed(addr)
			return nil, err
		}
		if !unreachable(err, req.Method) {
			return nil, err
		}
	}
	return nil, last
}

// unreachable says whether err means the endpoint did not answer at all:
// another node may. A refused or timed-out dial never sent the request;
// a reset, an end of file or a timeout after it may have, so those count
// only for a request that changes nothing.
func unreachable(err error, method string) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) {
		return true
	}
	if method != http.MethodGet && method != http.MethodHead {
		return false
	}
	var ne net.Error
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.EPIPE) || (errors.As(err, &ne) && ne.Timeout())
}

// Endpoint is the management API endpoint (host:port) the client used
// last, and whether that is another than the first listed.
func (c *Client) Endpoint() (addr string, failedOver bool) {
	return c.apis.Current(), c.apis.FailedOver()
}

// Endpoints is every management API endpoint (host:port), as listed.
func (c *Client) Endpoints() []string { return c.apis.All() }
