package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/warren-tui/warren/broker"
)

// fileConfig is the config file: named contexts, k9s/kubectl style.
type fileConfig struct {
	CurrentContext string          `yaml:"current-context"`
	Contexts       []contextConfig `yaml:"contexts"`

	path    string // where it was read from; "" when there was no file
	warning string // one line for the person, e.g. a password others can read
}

type contextConfig struct {
	Name string `yaml:"name"`
	// URI and API may each list the endpoints of a cluster (see
	// endpointList); warren moves to the next when one stops answering.
	URI      endpointList `yaml:"uri"`
	API      endpointList `yaml:"api"`
	ReadOnly bool         `yaml:"read-only"`
	// PasswordFile holds the password for the URI's user, so that it need
	// not sit in the config or on the command line.
	PasswordFile string    `yaml:"password-file"`
	TLS          tlsConfig `yaml:"tls"`
}

type tlsConfig struct {
	CAFile     string `yaml:"ca-file"`
	CertFile   string `yaml:"cert-file"`
	KeyFile    string `yaml:"key-file"`
	ServerName string `yaml:"server-name"`
	// Insecure skips certificate checks; off unless a person turns it on.
	Insecure bool `yaml:"insecure-skip-verify"`
}

// settings are the resolved connection settings of one run or context.
type settings struct {
	Context string
	URI     string // the first AMQP endpoint, with credentials: never print it, print Redacted
	API     string // the first management API endpoint, without credentials
	// MoreAMQP and MoreAPI are the further endpoints (host:port) of the
	// same cluster, in the order given: same scheme, credentials, vhost
	// and API path as the first.
	MoreAMQP []string
	MoreAPI  []string
	Username string // for the API
	Password string // for the API
	Vhost    string // "" = lists start with all vhosts
	ReadOnly bool
	Refresh  time.Duration
	TLS      *tls.Config // for AMQP: checks the AMQP host's certificate
	APITLS   *tls.Config // for the API: checks the API host's certificate
	Insecure bool        // certificates are not checked
	Warning  string      // one line for the person, e.g. a password file others can read
	// Prometheus is rabbitmq_prometheus's URL for rates when the broker's
	// statistics are off; "" derives it from the API's host.
	Prometheus string

	// NeedPassword is the user that has no password from any source yet;
	// the caller asks for one (setPassword) or refuses.
	NeedPassword string
	apiOwnCreds  bool // the API URL carried its own user and password
}

// flagValues are what the command line and environment said; empty means
// not said.
type flagValues struct {
	URI, API, Context, ConfigPath string
	ConfigGiven                   bool // --config was on the command line
	ReadOnly                      bool
	Refresh                       time.Duration
	RefreshGiven                  bool // --refresh was on the command line
	// Password is WARREN_PASSWORD: for the URI's user when the URI has no
	// password. Only the first target gets it, never a :ctx switch.
	Password string
	Warning  string // a password on the command line
	LogPath  string // --log or WARREN_LOG: where the structured log goes
	// Prometheus is --prometheus or WARREN_PROMETHEUS, for the target
	// warren starts with (a :ctx switch derives its own).
	Prometheus string
	Version    bool // --version: print it and stop
}

const (
	defaultURI = "amqp://guest:guest@localhost:5672/"
	defaultAPI = "http://localhost:15672"
)

// configPath is $XDG_CONFIG_HOME/warren/config.yaml (or ~/.config/...).
func configPath() string {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "warren", "config.yaml")
}

// maxConfigSize bounds the config file; a real one is a few KiB.
const maxConfigSize = 1 << 20

// loadConfig reads the config file. A missing file is an empty config,
// unless the person named it (mustExist); an unknown key or a value of the
// wrong type is an error naming the file, line and key.
func loadConfig(path string, mustExist bool) (fileConfig, error) {
	var fc fileConfig
	if path == "" {
		return fc, nil
	}
	data, info, err := readSmallFile(path, maxConfigSize)
	if errors.Is(err, os.ErrNotExist) {
		if mustExist {
			return fc, fmt.Errorf("config file %s not found", path)
		}
		return fc, nil
	}
	if err != nil {
		return fc, fmt.Errorf("config %s: %w", path, err)
	}
	if err := decodeConfig(data, &fc); err != nil {
		return fc, fmt.Errorf("config %s: %w", path, err)
	}
	fc.path = path
	for i, c := range fc.Contexts {
		if c.Name == "" {
			return fc, fmt.Errorf("config %s: context %d has no name", path, i+1)
		}
		if c.PasswordFile != "" && uriHasPassword(string(c.URI)) {
			return fc, fmt.Errorf("config %s: context %q has both a password in its uri and a password-file; keep one", path, c.Name)
		}
	}
	if fc.holdsPasswords() && info.Mode().Perm()&0o077 != 0 {
		fc.warning = fmt.Sprintf("config %s holds passwords and others may read it (mode %04o): chmod 600 it", path, info.Mode().Perm())
	}
	return fc, nil
}

// holdsPasswords says whether a URI of the config carries a password.
func (fc fileConfig) holdsPasswords() bool {
	for _, c := range fc.Contexts {
		if uriHasPassword(string(c.URI)) || uriHasPassword(string(c.API)) {
			return true
		}
	}
	return false
}

// uriHasPassword says whether a URI, or any URI of a comma-separated
// list of endpoints, carries a password.
func uriHasPassword(raw string) bool {
	for _, e := range append(strings.Split(raw, ","), raw) {
		if u, err := url.Parse(strings.TrimSpace(e)); err == nil && u.User != nil {
			if _, ok := u.User.Password(); ok {
				return true
			}
		}
	}
	return false
}

func (fc fileConfig) context(name string) (contextConfig, bool) {
	for _, c := range fc.Contexts {
		if c.Name == name {
			return c, true
		}
	}
	return contextConfig{}, false
}

func (fc fileConfig) names() []string {
	out := make([]string, len(fc.Contexts))
	for i, c := range fc.Contexts {
		out[i] = c.Name
	}
	return out
}

// missingContext words a context name the config does not have.
func (fc fileConfig) missingContext(name string) error {
	if fc.path == "" && len(fc.Contexts) == 0 {
		return fmt.Errorf("no context %q: there is no config file (looked for %s; --config names another)", name, first(configPath(), "none"))
	}
	if len(fc.Contexts) == 0 {
		return fmt.Errorf("no context %q: config %s defines no contexts", name, fc.path)
	}
	return fmt.Errorf("no context %q in config %s (have: %s)", name, first(fc.path, "file"), strings.Join(fc.names(), ", "))
}

// resolve decides the settings: flags and environment first, then the
// named (or current) context, then the defaults.
func resolve(fv flagValues, fc fileConfig) (settings, error) {
	s, err := resolveContext(fv, fc)
	s.Prometheus = fv.Prometheus
	return s, err
}

func resolveContext(fv flagValues, fc fileConfig) (settings, error) {
	// An explicit URI without --context means: ignore the config's contexts.
	var ctx contextConfig
	if fv.Context != "" || fv.URI == "" {
		name := first(fv.Context, fc.CurrentContext)
		if name != "" {
			c, ok := fc.context(name)
			if !ok {
				return settings{}, fc.missingContext(name)
			}
			ctx = c
		}
	}
	s := settings{Context: ctx.Name, ReadOnly: fv.ReadOnly || ctx.ReadOnly, Refresh: fv.Refresh}
	eps, err := broker.ParseEndpoints(first(fv.URI, string(ctx.URI), defaultURI))
	if err != nil {
		return settings{}, err
	}
	u := eps.URI
	s.URI, s.MoreAMQP = eps.First, eps.Addrs[1:]
	s.Username = u.User.Username()
	s.Password, _ = u.User.Password()
	if u.User == nil {
		s.Username, s.Password = "guest", "guest"
	}
	// Lists start in the URI's vhost only when it names one explicitly.
	if p := strings.TrimPrefix(u.EscapedPath(), "/"); p != "" {
		s.Vhost, _ = url.PathUnescape(p)
	}
	api := first(fv.API, string(ctx.API))
	if api == "" {
		api = deriveAPIs(u, eps.Addrs)
	}
	apis, err := splitAPIs(api)
	if err != nil {
		return settings{}, err
	}
	au := apis[0]
	if au.User != nil { // credentials in the API URL win for the API
		s.Username = au.User.Username()
		s.Password, s.apiOwnCreds = au.User.Password()
		au.User = nil
	}
	s.API = au.String()
	for _, more := range apis[1:] {
		s.MoreAPI = append(s.MoreAPI, more.Host)
	}
	if s.Refresh == 0 {
		s.Refresh = 5 * time.Second
	}
	if s.Refresh < time.Second {
		return settings{}, fmt.Errorf("--refresh must be at least 1s (got %s)", s.Refresh)
	}
	if u.Scheme == "amqps" || au.Scheme == "https" || ctx.TLS != (tlsConfig{}) {
		// With several endpoints each is checked against its own host
		// name, unless the context names the one they all carry.
		amqpHost, apiHost := u.Hostname(), au.Hostname()
		if len(s.MoreAMQP) > 0 {
			amqpHost = ""
		}
		if len(s.MoreAPI) > 0 {
			apiHost = ""
		}
		if s.TLS, err = ctx.TLS.build(amqpHost); err != nil {
			return settings{}, err
		}
		// The API's certificate names the API's host; an explicit
		// server-name is for the AMQP host, and for the API only when it
		// is the same host.
		apiTLS := ctx.TLS
		if au.Hostname() != u.Hostname() {
			apiTLS.ServerName = ""
		}
		if s.APITLS, err = apiTLS.build(apiHost); err != nil {
			return settings{}, err
		}
		// Only a TLS connection has certificates to leave unchecked.
		s.Insecure = ctx.TLS.Insecure && (u.Scheme == "amqps" || au.Scheme == "https")
	}
	if err := s.findPassword(u, fv.Password, ctx, fc.path); err != nil {
		return settings{}, err
	}
	return s, nil
}

// deriveAPI guesses the management URL from the AMQP URI's host: http on
// 15672, or https on 15671 for amqps.
func deriveAPI(u *url.URL) string {
	if u.Scheme == "amqps" {
		return "https://" + net.JoinHostPort(u.Hostname(), "15671")
	}
	if u.Hostname() == "localhost" && u.Port() == "" {
		return defaultAPI
	}
	return "http://" + net.JoinHostPort(u.Hostname(), "15672")
}

func (t tlsConfig) build(host string) (*tls.Config, error) {
	cfg := &tls.Config{ServerName: first(t.ServerName, host), InsecureSkipVerify: t.Insecure, MinVersion: tls.VersionTLS12}
	if t.CAFile != "" {
		pem, _, err := readSmallFile(t.CAFile, maxPEMSize)
		if err != nil {
			return nil, fmt.Errorf("tls ca-file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls ca-file %s: no PEM certificates in it", t.CAFile)
		}
		cfg.RootCAs = pool
	}
	if t.CertFile != "" || t.KeyFile != "" {
		certPEM, _, err := readSmallFile(t.CertFile, maxPEMSize)
		if err != nil {
			return nil, fmt.Errorf("tls cert-file: %w", err)
		}
		keyPEM, _, err := readSmallFile(t.KeyFile, maxPEMSize)
		if err != nil {
			return nil, fmt.Errorf("tls key-file: %w", err)
		}
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("tls cert-file/key-file: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// maxPEMSize bounds a CA bundle; the system's whole bundle is ~200 KiB.
const maxPEMSize = 4 << 20

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
