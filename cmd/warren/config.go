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

	"go.yaml.in/yaml/v3"

	"github.com/warren-tui/warren/broker"
)

// fileConfig is the config file: named contexts, k9s/kubectl style.
type fileConfig struct {
	CurrentContext string          `yaml:"current-context"`
	Contexts       []contextConfig `yaml:"contexts"`
}

type contextConfig struct {
	Name     string    `yaml:"name"`
	URI      string    `yaml:"uri"`
	API      string    `yaml:"api"`
	ReadOnly bool      `yaml:"read-only"`
	TLS      tlsConfig `yaml:"tls"`
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
	Context  string
	URI      string // with credentials: never print it, print Redacted
	API      string
	Username string
	Password string
	Vhost    string // "" = lists start with all vhosts
	ReadOnly bool
	Refresh  time.Duration
	TLS      *tls.Config
}

// flagValues are what the command line and environment said; empty means
// not said.
type flagValues struct {
	URI, API, Context, ConfigPath string
	ReadOnly                      bool
	Refresh                       time.Duration
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

// loadConfig reads the config file; a missing file is an empty config.
func loadConfig(path string) (fileConfig, error) {
	var fc fileConfig
	if path == "" {
		return fc, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return fc, nil
	}
	if err != nil {
		return fc, fmt.Errorf("config %s: %w", path, err)
	}
	if err := yaml.Unmarshal(data, &fc); err != nil {
		return fc, fmt.Errorf("config %s: %v", path, err)
	}
	for i, c := range fc.Contexts {
		if c.Name == "" {
			return fc, fmt.Errorf("config %s: context %d has no name", path, i+1)
		}
	}
	return fc, nil
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

// resolve decides the settings: flags and environment first, then the
// named (or current) context, then the defaults.
func resolve(fv flagValues, fc fileConfig) (settings, error) {
	// An explicit URI without --context means: ignore the config's contexts.
	var ctx contextConfig
	if fv.Context != "" || fv.URI == "" {
		name := first(fv.Context, fc.CurrentContext)
		if name != "" {
			c, ok := fc.context(name)
			if !ok {
				return settings{}, fmt.Errorf("no context %q in the config (have: %s)", name, strings.Join(fc.names(), ", "))
			}
			ctx = c
		}
	}
	s := settings{Context: ctx.Name, URI: first(fv.URI, ctx.URI, defaultURI), ReadOnly: fv.ReadOnly || ctx.ReadOnly, Refresh: fv.Refresh}
	u, err := broker.ParseURI(s.URI)
	if err != nil {
		return settings{}, err
	}
	s.Username = u.User.Username()
	s.Password, _ = u.User.Password()
	if u.User == nil {
		s.Username, s.Password = "guest", "guest"
	}
	// Lists start in the URI's vhost only when it names one explicitly.
	if p := strings.TrimPrefix(u.EscapedPath(), "/"); p != "" {
		s.Vhost, _ = url.PathUnescape(p)
	}
	api := first(fv.API, ctx.API)
	if api == "" {
		api = deriveAPI(u)
	}
	au, err := url.Parse(api)
	if err != nil || (au.Scheme != "http" && au.Scheme != "https") || au.Host == "" {
		return settings{}, fmt.Errorf("--api must be an http:// or https:// URL with a host")
	}
	if au.User != nil { // credentials in the API URL win for the API
		s.Username = au.User.Username()
		s.Password, _ = au.User.Password()
		au.User = nil
	}
	s.API = au.String()
	if s.Refresh == 0 {
		s.Refresh = 5 * time.Second
	}
	if s.Refresh < time.Second {
		return settings{}, fmt.Errorf("--refresh must be at least 1s (got %s)", s.Refresh)
	}
	if u.Scheme == "amqps" || au.Scheme == "https" || ctx.TLS != (tlsConfig{}) {
		if s.TLS, err = ctx.TLS.build(u.Hostname()); err != nil {
			return settings{}, err
		}
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
		pem, err := os.ReadFile(t.CAFile)
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
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("tls cert-file/key-file: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
