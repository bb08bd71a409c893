package mgmt

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	rabbithole "github.com/michaelklishin/rabbit-hole/v3"

	"github.com/warren-tui/warren/internal/endpoint"
)

// Config says where the management API is and how to log in.
type Config struct {
	APIURL   string        // http(s)://host:15672, optionally with a path prefix
	Username string        // taken from APIURL's user info when empty
	Password string        // never printed
	Timeout  time.Duration // per request; 0 means DefaultTimeout
	TLS      *tls.Config   // nil verifies against the system roots
	// PrometheusURL is rabbitmq_prometheus's base URL, read for rates when
	// the broker's statistics are off; "" means the API's host on port
	// 15692 over plain HTTP. No credentials are sent to it.
	PrometheusURL string
}

// DefaultTimeout bounds each request when Config.Timeout is 0.
const DefaultTimeout = 10 * time.Second

// maxBody bounds one answer: a full binding listing of a very large broker
// fits, a runaway server does not exhaust memory.
const maxBody = 256 << 20

const userAgent = "warren-mgmt"

// Client reads one broker's management API. It is safe for concurrent use
// and keeps connections alive between polls.
type Client struct {
	endpoint    string // base URL without user info or trailing slash
	apiRedacted string // endpoint as shown to people
	username    string
	password    string
	timeout     time.Duration
	transport   http.RoundTripper
	http        *http.Client
	apis        *endpoint.List // every API endpoint; the one that answered last first
	rh          *rabbithole.Client

	userMu sync.Mutex
	user   string // from /api/whoami, fetched once

	// statsDisabled is learnt from /api/overview: when the broker collects
	// no stats, rates are unknown rather than zero.
	statsDisabled atomic.Bool
	statsKnown    atomic.Bool // statsDisabled was learnt at least once
	prom          *promReader

	// pulseLimit replaces PulseLimit when set (tests).
	pulseLimit int
	// pulsePage is the page of queues a sampled pulse reads next.
	pulseMu   sync.Mutex
	pulsePage int

	// order is the last order by messages (queue_order.go).
	order orderCache
}

// New checks the configuration and builds a client. It does no I/O; call
// Overview to find out whether the API answers.
func New(cfg Config) (*Client, error) {
	u, addrs, err := apiEndpoints(strings.TrimSpace(cfg.APIURL), cfg.Password)
	if err != nil {
		return nil, err
	}
	apis, err := endpoint.New(addrs...)
	if err != nil {
		return nil, fmt.Errorf("management API: %w", err)
	}
	if u.User != nil {
		if cfg.Username == "" {
			cfg.Username = u.User.Username()
			cfg.Password, _ = u.User.Password()
		}
		u.User = nil // credentials travel in the Authorization header only
	}
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/api")
	u.RawPath, u.RawQuery, u.Fragment = "", "", ""
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}

	tr := http.DefaultTransport.(*http.Transport).Clone()
	if cfg.TLS != nil {
		tr.TLSClientConfig = cfg.TLS.Clone()
	}
	tr.MaxIdleConnsPerHost = 4
	if n := apis.Len(); n > 1 {
		// A node whose host died answers nothing, not even a refusal:
		// each endpoint's connect and TLS handshake get a share of the
		// request's time, so that the next is still asked within it.
		share := max(timeout/time.Duration(n+1), time.Second)
		tr.DialContext = (&net.Dialer{Timeout: share, KeepAlive: 30 * time.Second}).DialContext
		tr.TLSHandshakeTimeout = share
	}
	// Every request, ours or rabbit-hole's, goes through the origin guard:
	// credentials never follow a redirect to another scheme, host or port.
	// Below it, each request goes to the endpoint that answered last, and
	// to the next when that one cannot be reached.
	guard := &originGuard{base: &failoverTransport{base: tr, list: apis}, origin: origin(u)}

	c := &Client{
		endpoint:    u.String(),
		apiRedacted: u.Redacted(),
		username:    cfg.Username,
		password:    cfg.Password,
		timeout:     timeout,
		transport:   guard,
		apis:        apis,
		http:        &http.Client{Transport: guard, Timeout: timeout},
	}
	promURL, err := prometheusURL(cfg.PrometheusURL, u)
	if err != nil {
		return nil, err
	}
	c.prom = newPromReader(promURL, timeout)
	c.rh, err = rabbithole.NewTLSClient(c.endpoint, cfg.Username, cfg.Password, guard)
	if err != nil {
		return nil, fmt.Errorf("management API URL %s: %s", c.apiRedacted, scrubString(innermost(err), cfg.Password))
	}
	c.rh.SetTimeout(timeout)
	return c, nil
}

// API is the management API's base URL, safe to show.
func (c *Client) API() string { return c.apiRedacted }

// get fetches path (segments already escaped) and decodes the JSON answer.
func (c *Client) get(ctx context.Context, cl call, path string, q url.Values, out any) error {
	target := c.endpoint + path
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	resp, err := c.do(ctx, cl, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	r := reply{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type")}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return c.transportFailed(ctx, err)
	}
	if !r.isJSON() || !json.Valid(body) {
		return c.notAPI(r, nil)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return c.unexpected(r, err)
	}
	return nil
}

// send makes one change (PUT, POST, DELETE) on path, with body encoded as
// JSON unless it is nil, and returns the answer's status: the API says 201
// when a PUT created something and 204 when it was there already.
func (c *Client) send(ctx context.Context, cl call, method, path string, body any) (int, error) {
	var payload io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, c.scrub(&Error{Kind: ErrInvalid, Msg: "cannot encode the request as JSON: " + innermost(err), Err: err})
		}
		payload = bytes.NewReader(b)
	}
	resp, err := c.do(ctx, cl, method, c.endpoint+path, payload)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody)) // lets the connection be reused
	return resp.StatusCode, nil
}

// do sends one request under ctx and the client's timeout; an answer of
// 300 or more comes back as the error, worded by failed.
func (c *Client) do(ctx context.Context, cl call, method, target string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, c.scrub(&Error{API: c.apiRedacted, Msg: "cannot build request: " + innermost(err), Err: err})
	}
	req.SetBasicAuth(c.username, c.password)
	req.Header.Set("Accept", "application/json")
	if method != http.MethodGet {
		// Some changes (a purge) offer no JSON answer, and "JSON only" gets 406.
		req.Header.Set("Accept", "application/json, */*;q=0.5")
	}
	req.Header.Set("User-Agent", userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.httpFor(ctx).Do(req)
	if err != nil {
		return nil, c.transportFailed(ctx, err)
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		r := reply{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type")}
		r.body, _ = io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return nil, c.failed(cl, r)
	}
	return resp, nil
}

// unexpected is the error for valid JSON of a shape we cannot read.
func (c *Client) unexpected(r reply, cause error) error {
	return c.scrub(&Error{API: c.apiRedacted, Status: r.status, Err: cause,
		Msg: "unexpected answer: " + innermost(cause)})
}

// viaRabbitHole runs one rabbit-hole call under ctx and the client's
// timeout, over the shared transport, and words its failure like get does.
// rabbit-hole takes no context, so a per-call copy gets a transport that
// carries ctx and remembers the answer's status and error body.
func viaRabbitHole[T any](ctx context.Context, c *Client, cl call, fn func(*rabbithole.Client) (T, error)) (T, error) {
	callCtx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	rec := &recordingTransport{base: c.transport, ctx: callCtx}
	rh := *c.rh
	rh.SetTransport(rec)
	v, err := fn(&rh)
	if err == nil {
		return v, nil
	}
	var zero T
	var redirect *RedirectError
	switch {
	case !rec.answered, errors.As(err, &redirect):
		return zero, c.transportFailed(ctx, err)
	case rec.reply.status >= 300:
		return zero, c.failed(cl, rec.reply)
	case !rec.reply.isJSON():
		return zero, c.notAPI(rec.reply, err)
	}
	return zero, c.unexpected(rec.reply, err)
}

// recordingTransport serves one rabbit-hole call.
type recordingTransport struct {
	base     http.RoundTripper
	ctx      context.Context
	answered bool
	reply    reply
}

func (t *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(t.ctx)
	req.Close = false // rabbit-hole closes after each call; reuse spares the broker a handshake
	req.Header.Set("User-Agent", userAgent)
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	t.answered = true
	t.reply = reply{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type")}
	if resp.StatusCode >= 300 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		t.reply.body = body
		resp.Body = io.NopCloser(bytes.NewReader(body))
	}
	return resp, nil
}

// RedirectError is a redirect that warren refused to follow because it
// leaves the API's origin (scheme, host and port): following it would send
// the credentials somewhere they were not meant for, perhaps in clear.
type RedirectError struct {
	From, To string // origins, e.g. https://rabbit:15671 and http://rabbit:15672
}

func (e *RedirectError) Error() string {
	return "the server redirected to " + e.To + "; warren follows no redirect that changes scheme, host or port, so the credentials were not sent there (use that URL as --api if it is right)"
}

// originGuard refuses any request that leaves the API's origin: the first
// request is always to it, so only a redirect can.
type originGuard struct {
	base   http.RoundTripper
	origin string
}

func (g *originGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if o := origin(req.URL); o != g.origin {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, &RedirectError{From: g.origin, To: o}
	}
	return g.base.RoundTrip(req)
}

// origin is scheme://host:port with the scheme's default port made
// explicit, so that https://h and https://h:443 are one origin.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[scheme]
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// esc escapes one path segment (vhost, queue or exchange name).
func esc(s string) string { return url.PathEscape(s) }

func scrubString(s, password string) string {
	if len(password) >= 3 {
		return strings.ReplaceAll(s, password, "xxxxx")
	}
	return s
}

// isStatus reports whether err is an *Error with this HTTP status and
// broker error code ("" matches any code).
func isStatus(err error, status int, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == status && (code == "" || e.brokerCode == code)
}
