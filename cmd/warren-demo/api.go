package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// API is the few management HTTP API calls the demo needs that AMQP cannot
// do: vhosts, permissions, policies and listings.
type API struct {
	base       *url.URL
	user, pass string
	client     *http.Client
}

// NewAPI parses the API base URL. Credentials come from the URL itself when
// it has them, else from fallback (the AMQP URI's), else guest/guest.
func NewAPI(raw string, fallback *url.Userinfo) (*API, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--api: want http://host:15672, got %q", redactRaw(raw))
	}
	a := &API{user: "guest", pass: "guest", client: &http.Client{Timeout: 30 * time.Second}}
	creds := u.User
	if creds == nil {
		creds = fallback
	}
	if creds != nil {
		a.user = creds.Username()
		a.pass, _ = creds.Password()
	}
	u.User = nil
	a.base = u
	return a, nil
}

func (a *API) redacted() string { return a.base.Redacted() }

// do sends one request; a status >= 300 other than an allowed one is an error
// that names the method and path but never the credentials.
func (a *API) do(ctx context.Context, method, path string, in, out any, allow ...int) (int, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base.String()+path, body)
	if err != nil {
		return 0, err
	}
	req.SetBasicAuth(a.user, a.pass)
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("management API %s %s: %w", method, path, scrub(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("management API %s %s: %w", method, path, err)
	}
	for _, code := range allow {
		if resp.StatusCode == code {
			return resp.StatusCode, nil
		}
	}
	if resp.StatusCode >= 300 {
		msg := strings.TrimSpace(string(raw))
		if len(msg) > 300 {
			msg = msg[:300] + "..."
		}
		return resp.StatusCode, fmt.Errorf("management API %s %s: %s: %s", method, path, resp.Status, msg)
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, fmt.Errorf("management API %s %s: decoding: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

// scrub drops the URL from an error: a *url.Error prints it whole, and
// wrappers around one print it too.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func esc(s string) string { return url.PathEscape(s) }

// EnsureVhost creates a vhost (a no-op when it exists) and grants the API
// user every permission on it.
func (a *API) EnsureVhost(ctx context.Context, vhost string) error {
	if _, err := a.do(ctx, http.MethodPut, "/api/vhosts/"+esc(vhost), map[string]any{"description": "warren demo"}, nil); err != nil {
		return err
	}
	perms := map[string]string{"configure": ".*", "write": ".*", "read": ".*"}
	_, err := a.do(ctx, http.MethodPut, "/api/permissions/"+esc(vhost)+"/"+esc(a.user), perms, nil)
	return err
}

// DeleteVhost deletes a vhost with everything in it; false when it did not exist.
func (a *API) DeleteVhost(ctx context.Context, vhost string) (bool, error) {
	code, err := a.do(ctx, http.MethodDelete, "/api/vhosts/"+esc(vhost), nil, nil, http.StatusNotFound)
	return code != http.StatusNotFound, err
}

// Policy is one policy as the API takes and lists it.
type Policy struct {
	Name       string         `json:"name,omitempty"`
	Pattern    string         `json:"pattern"`
	ApplyTo    string         `json:"apply-to"`
	Priority   int            `json:"priority"`
	Definition map[string]any `json:"definition"`
}

// PutPolicy creates or replaces a policy, which makes it idempotent.
func (a *API) PutPolicy(ctx context.Context, vhost string, p Policy) error {
	name := p.Name
	p.Name = ""
	_, err := a.do(ctx, http.MethodPut, "/api/policies/"+esc(vhost)+"/"+esc(name), p, nil)
	return err
}

// Policies lists the policies of a vhost.
func (a *API) Policies(ctx context.Context, vhost string) ([]Policy, error) {
	var out []Policy
	_, err := a.do(ctx, http.MethodGet, "/api/policies/"+esc(vhost), nil, &out)
	return out, err
}

// DeletePolicy deletes a policy; a missing one is not an error.
func (a *API) DeletePolicy(ctx context.Context, vhost, name string) error {
	_, err := a.do(ctx, http.MethodDelete, "/api/policies/"+esc(vhost)+"/"+esc(name), nil, nil, http.StatusNotFound)
	return err
}

// Names lists the names of the queues or exchanges ("queues", "exchanges")
// of a vhost, asking only for the name column to keep the answer small.
func (a *API) Names(ctx context.Context, kind, vhost string) ([]string, error) {
	var rows []struct {
		Name string `json:"name"`
	}
	code, err := a.do(ctx, http.MethodGet, "/api/"+kind+"/"+esc(vhost)+"?columns=name", nil, &rows, http.StatusNotFound)
	if err != nil || code == http.StatusNotFound {
		return nil, err
	}
	names := make([]string, 0, len(rows))
	for _, r := range rows {
		names = append(names, r.Name)
	}
	return names, nil
}
