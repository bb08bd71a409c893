package main

import (
	"slices"
	"strings"
	"testing"
)

// A context's uri and api take one string, as before, or a list of a
// cluster's nodes; anything else is refused with its line.
func TestConfigEndpointLists(t *testing.T) {
	p := writeConfig(t, 0o600, `current-context: cluster
contexts:
  - name: single
    uri: amqp://u@h1:5672/
  - name: cluster
    uri:
      - amqp://ops@n1:5672/orders
      - n2:5672
      - amqp://ops@n3:5672/orders
    api: [http://n1:15672, "n2:15672", http://n3:15672]
    password-file: pw
`)
	fc, err := loadConfig(p, true)
	if err != nil {
		t.Fatal(err)
	}
	if fc.Contexts[0].URI != "amqp://u@h1:5672/" || fc.Contexts[1].URI != "amqp://ops@n1:5672/orders,n2:5672,amqp://ops@n3:5672/orders" {
		t.Fatalf("decoded %q and %q", fc.Contexts[0].URI, fc.Contexts[1].URI)
	}
	s, err := resolve(flagValues{Password: "pw0"}, fc)
	if err != nil {
		t.Fatal(err)
	}
	if s.URI != "amqp://ops:pw0@n1:5672/orders" || !slices.Equal(s.MoreAMQP, []string{"n2:5672", "n3:5672"}) ||
		s.API != "http://n1:15672" || !slices.Equal(s.MoreAPI, []string{"n2:15672", "n3:15672"}) || s.Vhost != "orders" {
		t.Fatalf("resolved %+v", s)
	}
	if got := s.redactedAMQP(); got != "amqp://ops:xxxxx@n1:5672/orders,n2:5672,n3:5672" {
		t.Errorf("shown as %s", got)
	}
	if got := s.apiList(); got != "http://n1:15672,n2:15672,n3:15672" {
		t.Errorf("API list %s", got)
	}

	for _, tt := range []struct{ text, want string }{
		{"contexts:\n  - name: a\n    uri: {a: b}\n", `line 3: key "uri" must be a string or a list of strings, not a mapping`},
		{"contexts:\n  - name: a\n    api:\n      - [http://a]\n", `line 4: key "api" must be a string (one endpoint), not a list`},
	} {
		_, err := loadConfig(writeConfig(t, 0o600, tt.text), true)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: got %v, want …%s", tt.text, err, tt.want)
		}
	}
	// A password in any entry of a list counts for the file's mode check.
	fc, err = loadConfig(writeConfig(t, 0o644, "contexts:\n  - name: a\n    uri: [amqp://u@h1/, amqp://u:s3cret@h2/]\n"), true)
	if err != nil || !strings.Contains(fc.warning, "holds passwords") {
		t.Errorf("a password in a list's second entry: %v %q", err, fc.warning)
	}
}

// --uri and --api may be given more than once, or with commas; the
// environment takes commas. Without --api, each AMQP node's API is
// derived, and TLS checks each endpoint against its own host.
func TestFlagEndpointLists(t *testing.T) {
	fv, err := parseFlags([]string{"--uri", "amqp://u@n1:5681/", "--uri", "n2:5682", "--api", "http://n1:15681,n2:15682"}, discard{})
	if err != nil {
		t.Fatal(err)
	}
	if fv.URI != "amqp://u@n1:5681/,n2:5682" || fv.API != "http://n1:15681,n2:15682" {
		t.Fatalf("flags %q %q", fv.URI, fv.API)
	}
	t.Setenv("WARREN_URI", "amqps://u:pw@n1,n2,n3")
	fv, err = parseFlags(nil, discard{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := resolve(fv, fileConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.MoreAMQP, []string{"n2:5671", "n3:5671"}) || s.API != "https://n1:15671" ||
		!slices.Equal(s.MoreAPI, []string{"n2:15671", "n3:15671"}) {
		t.Fatalf("derived %+v", s)
	}
	if s.TLS == nil || s.TLS.ServerName != "" || s.APITLS.ServerName != "" {
		t.Fatalf("with several endpoints each is checked against its own host: %q %q", s.TLS.ServerName, s.APITLS.ServerName)
	}
	for _, bad := range []flagValues{
		{URI: "amqp://u:s3cret@n1/,amqp://v:s3cret@n2/"},
		{URI: "amqp://u:s3cret@n1/,n2", API: "http://n1:15672,https://n2:15671"},
		{URI: "amqp://u:s3cret@n1/", API: "http://u:s3cret@n1:15672,http://v:s3cret@n2:15672"},
		{URI: "amqp://u:s3cret@n1/", API: "n1:15672,n2:15672"},
		{URI: "amqp://u:s3cret@n1/", API: "http://n1:15672/rabbit,http://n2:15672/other"},
	} {
		_, err := resolve(bad, fileConfig{})
		if err == nil {
			t.Errorf("accepted %+v", bad.API)
		} else if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error repeats the password: %v", err)
		}
	}
}
