package mgmt

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// The kinds of failure the UI tells apart. Every error returned by Client
// is an *Error whose Kind is one of these (or nil for anything else), so
// errors.Is(err, ErrUnauthorized) works.
var (
	ErrUnauthorized     = errors.New("wrong username or password")
	ErrForbidden        = errors.New("permission denied")
	ErrNotFound         = errors.New("not found")
	ErrUnreachable      = errors.New("unreachable")
	ErrNotManagementAPI = errors.New("not the RabbitMQ management API")
	ErrBadRegex         = errors.New("invalid filter regex")
	ErrExists           = errors.New("already exists")  // a declare whose name is taken
	ErrInvalid          = errors.New("invalid request") // refused here before asking the broker
)

// Error is one failed management API call, worded to fit one status line.
// It never holds credentials: API is the base URL without user info.
type Error struct {
	API    string // base URL of the management API, e.g. http://127.0.0.1:15672
	Kind   error  // one of the Err* values, or nil
	Status int    // HTTP status, 0 when there was no response
	Msg    string // what went wrong, for people
	Err    error  // the underlying cause, if any

	brokerCode string // the API's "error" field, e.g. page_out_of_range
	reason     string // the API's "reason" field, e.g. "Access refused."
}

func (e *Error) Error() string {
	if e.API == "" {
		return e.Msg
	}
	return "management API at " + e.API + ": " + e.Msg
}

// Unwrap exposes both the kind and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// reply is what the broker answered to a failed call.
type reply struct {
	status      int
	contentType string
	body        []byte // at most maxErrorBody bytes
}

const maxErrorBody = 64 << 10

// brokerError is the management API's JSON error body.
type brokerError struct {
	Error  string `json:"error"`
	Reason string `json:"reason"`
}

func (r reply) isJSON() bool { return strings.Contains(r.contentType, "json") }

// brokerError decodes the body when it is the API's error shape.
func (r reply) brokerError() (brokerError, bool) {
	var be brokerError
	if !r.isJSON() || json.Unmarshal(r.body, &be) != nil || (be.Error == "" && be.Reason == "") {
		return brokerError{}, false
	}
	return be, true
}

// call describes the request being made, to word its errors.
type call struct {
	what   string // "queue \"q\" in vhost \"/\"", used in not-found messages
	filter string // the regex sent, if any
}

// failed turns an HTTP answer >= 400 into an *Error.
func (c *Client) failed(cl call, r reply) error {
	be, isAPI := r.brokerError()
	e := &Error{API: c.apiRedacted, Status: r.status, brokerCode: be.Error, reason: be.Reason}
	switch {
	case r.status == http.StatusUnauthorized && be.Error == "not_authorised":
		// 3.x answers 401 (spelled "authorised") when the login is right
		// but the user may not use the API or the vhost.
		e.Kind, e.Msg = ErrForbidden, c.forbiddenMsg(be.Reason)
	case r.status == http.StatusUnauthorized:
		e.Kind, e.Msg = ErrUnauthorized, "wrong username or password"
	case r.status == http.StatusForbidden:
		e.Kind, e.Msg = ErrForbidden, c.forbiddenMsg(be.Reason)
	case r.status == http.StatusNotFound && isAPI:
		e.Kind, e.Msg = ErrNotFound, cl.what+" not found"
	case r.status == http.StatusBadGateway || r.status == http.StatusServiceUnavailable || r.status == http.StatusGatewayTimeout:
		e.Kind = ErrUnreachable
		e.Msg = fmt.Sprintf("HTTP %d: the API, or a proxy in front of it, cannot reach the broker", r.status)
	case !isAPI && r.status < 500:
		e.Kind = ErrNotManagementAPI
		e.Msg = fmt.Sprintf("the server answered HTTP %d but is not the RabbitMQ management API (is the rabbitmq_management plugin enabled on this port?)", r.status)
	case r.status == http.StatusBadRequest && cl.filter != "" && strings.Contains(be.Reason, "Pagination parameters are invalid"):
		// The broker reports a regex its PCRE cannot compile this way.
		e.Kind, e.Msg = ErrBadRegex, fmt.Sprintf("the broker rejected filter regex %q", cl.filter)
	default:
		e.Msg = fmt.Sprintf("HTTP %d: %s", r.status, oneLine(be.Error, be.Reason))
	}
	return c.scrub(e)
}

func (c *Client) forbiddenMsg(reason string) string {
	user := fmt.Sprintf("user %q", c.username)
	switch {
	case strings.Contains(reason, "Not management user"):
		return user + " lacks the management tag needed to use this API"
	case strings.Contains(reason, "localhost"):
		return user + " may only log in from localhost"
	case strings.Contains(reason, "Access refused"):
		return user + " has no permission for this (vhost access refused)"
	case reason != "":
		return user + " is not allowed: " + reason
	}
	return user + " is not allowed to do this"
}

// notAPI is the error for a 2xx answer that is not the API's JSON.
func (c *Client) notAPI(r reply, cause error) error {
	return c.scrub(&Error{API: c.apiRedacted, Kind: ErrNotManagementAPI, Status: r.status, Err: cause,
		Msg: "the server answered but not with the RabbitMQ management API's JSON (is the rabbitmq_management plugin enabled on this port?)"})
}

// transportFailed words an error that came without an HTTP answer.
func (c *Client) transportFailed(ctx context.Context, err error) error {
	e := &Error{API: c.apiRedacted, Kind: ErrUnreachable, Err: err}
	var dnsErr *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var certErr *tls.CertificateVerificationError
	var recordErr tls.RecordHeaderError
	var redirect *RedirectError
	switch {
	case errors.As(err, &redirect):
		e.Kind, e.Msg = nil, redirect.Error()
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		// The caller gave up; that says nothing about the broker.
		e.Kind, e.Msg = nil, "request canceled"
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		e.Msg = fmt.Sprintf("no answer within %s", c.timeout)
		if ctx.Err() != nil {
			e.Msg = "no answer before the caller's deadline"
		}
	case errors.As(err, &dnsErr):
		e.Msg = fmt.Sprintf("cannot resolve host %q", dnsErr.Name)
	case errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &certErr):
		e.Msg = "TLS certificate not trusted: " + innermost(err)
	case errors.As(err, &recordErr):
		e.Kind = ErrNotManagementAPI
		e.Msg = "the server does not speak TLS on this port (use http:// ?)"
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		e.Kind = ErrNotManagementAPI
		e.Msg = "the server speaks plain HTTP on this port (use http:// ?)"
	case strings.Contains(err.Error(), "malformed HTTP response \"AMQP"):
		e.Kind = ErrNotManagementAPI
		e.Msg = "this is the AMQP port, not the management API (usually 15672)"
	case strings.Contains(err.Error(), "malformed HTTP"):
		e.Kind = ErrNotManagementAPI
		e.Msg = "the server on this port does not speak HTTP"
	case strings.Contains(err.Error(), "connection refused"):
		e.Msg = "connection refused"
	default:
		e.Msg = "cannot connect: " + innermost(err)
	}
	return c.scrub(e)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// innermost drops the wrapping (which repeats the URL) down to the cause.
func innermost(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// scrub is a last guard: no message may carry the password, whatever a
// lower layer put into it, nor reach a terminal as control sequences (the
// broker's reason, a name it echoes).
func (c *Client) scrub(e *Error) *Error {
	e.Msg = escaped(scrubString(e.Msg, c.password))
	return e
}

func oneLine(parts ...string) string {
	var kept []string
	for _, p := range parts {
		p = strings.Join(strings.Fields(p), " ")
		if p != "" {
			kept = append(kept, p)
		}
	}
	if len(kept) == 0 {
		return "no details"
	}
	return strings.Join(kept, ": ")
}

// badRegex is the error for a filter that Go's regexp refuses.
func (c *Client) badRegex(filter string, cause error) error {
	msg := cause.Error()
	return c.scrub(&Error{Kind: ErrBadRegex, Err: cause,
		Msg: fmt.Sprintf("invalid filter regex %q: %s", filter, strings.TrimPrefix(msg, "error parsing regexp: "))})
}
