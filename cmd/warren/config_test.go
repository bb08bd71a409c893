package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/warren-tui/warren/broker"
	"github.com/warren-tui/warren/ui"
)

func TestResolveDefaults(t *testing.T) {
	s, err := resolve(flagValues{}, fileConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if s.URI != defaultURI || s.API != defaultAPI || s.Username != "guest" || s.Password != "guest" || s.Vhost != "" || s.Refresh != 5*time.Second {
		t.Fatalf("defaults = %+v", s)
	}
}

func TestResolveDerivesAPIFromURIHost(t *testing.T) {
	s, err := resolve(flagValues{URI: "amqp://bob:pw@rabbit.internal:5673/orders"}, fileConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if s.API != "http://rabbit.internal:15672" || s.Vhost != "orders" || s.Username != "bob" || s.Password != "pw" {
		t.Fatalf("got %+v", s)
	}
	s, err = resolve(flagValues{URI: "amqps://bob:pw@rabbit.internal/%2F"}, fileConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if s.API != "https://rabbit.internal:15671" || s.Vhost != "/" || s.TLS == nil || s.TLS.InsecureSkipVerify {
		t.Fatalf("amqps should derive https on 15671 and verify TLS: %+v", s)
	}
}

func TestResolveContexts(t *testing.T) {
	fc := fileConfig{CurrentContext: "local", Contexts: []contextConfig{
		{Name: "local", URI: "amqp://guest:guest@127.0.0.1:5672/"},
		{Name: "prod", URI: "amqp://ops:secret@prod:5672/", API: "https://prod-mgmt:443", ReadOnly: true},
	}}
	s, err := resolve(flagValues{}, fc)
	if err != nil || s.Context != "local" || s.API != "http://127.0.0.1:15672" {
		t.Fatalf("current context: %+v %v", s, err)
	}
	s, err = resolve(flagValues{Context: "prod"}, fc)
	if err != nil || s.Context != "prod" || s.API != "https://prod-mgmt:443" || !s.ReadOnly || s.Username != "ops" {
		t.Fatalf("--context prod: %+v %v", s, err)
	}
	// An explicit URI ignores the current context entirely.
	s, err = resolve(flagValues{URI: "amqp://a:b@other:5672/"}, fc)
	if err != nil || s.Context != "" || s.API != "http://other:15672" || s.ReadOnly {
		t.Fatalf("--uri: %+v %v", s, err)
	}
	if _, err := resolve(flagValues{Context: "nope"}, fc); err == nil || !strings.Contains(err.Error(), "local, prod") {
		t.Fatalf("unknown context error = %v", err)
	}
}

func TestResolveRejectsBadInputWithoutLeakingSecrets(t *testing.T) {
	for _, fv := range []flagValues{
		{URI: "amqp://u:topsecret@host:70000/"},
		{URI: "amqp://u:topsecret@ho st/"},
		{URI: "http://u:topsecret@host/"},
		{URI: "amqp://u:topsecret@host/", API: "ftp://x"},
		{Refresh: 500 * time.Millisecond},
	} {
		_, err := resolve(fv, fileConfig{})
		if err == nil {
			t.Errorf("%+v: accepted", fv)
			continue
		}
		if strings.Contains(err.Error(), "topsecret") {
			t.Errorf("error leaks the password: %v", err)
		}
	}
}

func TestLoadConfigFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(p, []byte("current-context: a\ncontexts:\n  - name: a\n    uri: amqp://x:y@h:5672/\n    read-only: true\n    tls:\n      server-name: h\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fc, err := loadConfig(p, true)
	if err != nil || fc.CurrentContext != "a" || len(fc.Contexts) != 1 || !fc.Contexts[0].ReadOnly || fc.Contexts[0].TLS.ServerName != "h" {
		t.Fatalf("loaded %+v %v", fc, err)
	}
	if fc, err := loadConfig(filepath.Join(dir, "missing.yaml"), false); err != nil || len(fc.Contexts) != 0 {
		t.Fatal("a missing default config file is an empty config")
	}
	if err := os.WriteFile(p, []byte("contexts: [ {name: }"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadConfig(p, true); err == nil {
		t.Fatal("a broken config file should be an error")
	}
}

func TestFlagsAndEnv(t *testing.T) {
	t.Setenv("WARREN_URI", "amqp://e:e@envhost/")
	t.Setenv("WARREN_API", "http://envapi:15672")
	fv, err := parseFlags([]string{"--read-only", "--refresh", "2s"}, os.Stderr)
	if err != nil || fv.URI != "amqp://e:e@envhost/" || fv.API != "http://envapi:15672" || !fv.ReadOnly || fv.Refresh != 2*time.Second {
		t.Fatalf("%+v %v", fv, err)
	}
	fv, _ = parseFlags([]string{"--uri", "amqp://f:f@flaghost/"}, os.Stderr)
	if fv.URI != "amqp://f:f@flaghost/" {
		t.Fatal("a flag should beat the environment")
	}
}

// A read-only context's AMQP session itself refuses reads that raise
// delivery counts, whatever the UI asks of it.
func TestReadOnlySessionRefusesCountingReads(t *testing.T) {
	for _, ro := range []bool{true, false} {
		sw := &switcher{pump: newLinkPump()}
		tg, err := sw.open(settings{URI: "amqp://guest:guest@127.0.0.1:1/", API: "http://127.0.0.1:1", ReadOnly: ro})
		if err != nil {
			t.Fatal(err)
		}
		if got := tg.Peeker.(*broker.Session).ReadOnly(); got != ro {
			t.Fatalf("read-only %v: session read-only %v", ro, got)
		}
		sw.closeSession()
	}
}

func TestReadOnlyTargetHasNoWriteInterfaces(t *testing.T) {
	t.Parallel()
	w := withoutWrites(ui.Target{ReadOnly: true, Mover: struct{ ui.Mover }{}, Publisher: struct{ ui.Publisher }{}, Admin: struct{ ui.Admin }{},
		Shoveler: struct{ ui.Shoveler }{}})
	if w.Mover != nil || w.Publisher != nil || w.Admin != nil || w.Shoveler != nil {
		t.Fatalf("read-only target keeps a write interface: %+v", w)
	}
	tr := withoutWrites(ui.Target{ReadOnly: true, Tracer: struct{ ui.Tracer }{}}).Tracer
	if tr == nil || tr.SetTracing(context.Background(), "/", true) == nil {
		t.Fatal("a read-only target can turn tracing on")
	}
	rw := withoutWrites(ui.Target{Mover: struct{ ui.Mover }{}})
	if rw.Mover == nil {
		t.Fatal("a read-write target lost its mover")
	}
}
