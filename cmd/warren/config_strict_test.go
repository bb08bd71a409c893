package main

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeConfig(t *testing.T, mode os.FileMode, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil { // past the umask
		t.Fatal(err)
	}
	return p
}

// A misspelt key would leave a context meant to be read-only writable, so
// unknown keys and values of the wrong type are errors naming file, line
// and key.
func TestConfigRejectsUnknownKeysAndWrongTypes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ text, want string }{
		{"contexts:\n  - name: prod\n    uri: amqp://ops@prod/\n    readonly: true\n", `line 4: unknown key "readonly" under contexts (known: name, uri, api, read-only, password-file, tls)`},
		{"contexts:\n  - name: prod\n    tls:\n      ca-fil: /x.pem\n", `line 4: unknown key "ca-fil" under tls`},
		{"current-contxt: a\n", `line 1: unknown key "current-contxt"`},
		{"contexts:\n  - name: prod\n    read-only: yes\n", `line 3: key "read-only" must be true or false, not "yes"`},
		{"contexts:\n  - name: prod\n    read-only: 1\n", `line 3: key "read-only" must be true or false, not "1"`},
		{"contexts: prod\n", `line 1: key "contexts" must be a list, not "prod"`},
		{"contexts:\n  - name: [a, b]\n", `line 2: key "name" must be a string, not a list`},
		{"contexts:\n  - name: a\n    tls: true\n", `line 3: key "tls" must be a mapping of keys, not "true"`},
		{"- a\n- b\n", `line 1: the file must be a mapping of keys, not a list`},
	} {
		p := writeConfig(t, 0o600, tt.text)
		_, err := loadConfig(p, true)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "config "+p+": ") {
			t.Errorf("%q:\n got %v\nwant config %s: …%s", tt.text, err, p, tt.want)
		}
	}
	// Every documented key is known, and aliases and empty values work.
	p := writeConfig(t, 0o600, `current-context: a
contexts:
  - name: a
    uri: amqp://u@h/
    api: https://h:15671
    read-only: true
    password-file: pw
    tls: &tls
      ca-file: ""
      cert-file:
      key-file:
      server-name: h
      insecure-skip-verify: false
  - name: b
    tls: *tls
`)
	fc, err := loadConfig(p, true)
	if err != nil || len(fc.Contexts) != 2 || !fc.Contexts[0].ReadOnly || fc.Contexts[1].TLS.ServerName != "h" || fc.Contexts[0].PasswordFile != "pw" {
		t.Fatalf("%+v %v", fc, err)
	}
	// Merge keys bring in keys that are checked like any other.
	fc, err = loadConfig(writeConfig(t, 0o600, "x: &d\n  read-only: true\n"), true)
	if err == nil || !strings.Contains(err.Error(), `unknown key "x"`) {
		t.Fatalf("top-level anchor holder: %v", err)
	}
	merged := "contexts:\n  - &base\n    name: a\n    read-only: true\n  - <<: *base\n    name: b\n"
	if fc, err = loadConfig(writeConfig(t, 0o600, merged), true); err != nil || len(fc.Contexts) != 2 || !fc.Contexts[1].ReadOnly {
		t.Fatalf("merge: %+v %v", fc, err)
	}
	badMerge := "contexts:\n  - &base\n    name: a\n  - <<: [*base, {readonly: true}]\n    name: b\n"
	if _, err = loadConfig(writeConfig(t, 0o600, badMerge), true); err == nil || !strings.Contains(err.Error(), `unknown key "readonly"`) {
		t.Fatalf("a bad key through a merge: %v", err)
	}
	if fc, err := loadConfig(writeConfig(t, 0o600, ""), true); err != nil || len(fc.Contexts) != 0 {
		t.Fatalf("an empty file: %+v %v", fc, err)
	}
}

func TestMissingConfigIsNotFoundNotNoContext(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := loadConfig(missing, true)
	if err == nil || err.Error() != "config file "+missing+" not found" {
		t.Fatalf("--config of a missing file: %v", err)
	}
	fc, err := loadConfig(missing, false) // the default path may be absent
	if err != nil {
		t.Fatal(err)
	}
	if _, err := resolve(flagValues{Context: "prod"}, fc); err == nil || !strings.Contains(err.Error(), "there is no config file") {
		t.Fatalf("--context without a config file: %v", err)
	}
	fc, _ = loadConfig(writeConfig(t, 0o600, "contexts: []\n"), true)
	if _, err := resolve(flagValues{Context: "prod"}, fc); err == nil || !strings.Contains(err.Error(), "defines no contexts") {
		t.Fatalf("--context with an empty config: %v", err)
	}
}

func TestRefreshFlagMustBePositive(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"0", "-1s", "-1", "garbage", "5", "500ms"} {
		if _, err := parseFlags([]string{"--refresh", arg}, discard{}); err == nil {
			t.Errorf("--refresh %s accepted", arg)
		}
	}
	fv, err := parseFlags([]string{"--refresh", "2s"}, discard{})
	if err != nil || fv.Refresh != 2*time.Second {
		t.Fatalf("--refresh 2s: %+v %v", fv, err)
	}
	fv, err = parseFlags(nil, discard{})
	if err != nil || fv.Refresh != 5*time.Second {
		t.Fatalf("default refresh: %+v %v", fv, err)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func TestPasswordSources(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "prod.pw"), []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fc := fileConfig{path: filepath.Join(dir, "config.yaml"), Contexts: []contextConfig{
		{Name: "prod", URI: "amqp://ops@prod:5672/", PasswordFile: "prod.pw"},
		{Name: "bare", URI: "amqp://ops@bare:5672/"},
		{Name: "missing", URI: "amqp://ops@m/", PasswordFile: "nope.pw"},
	}}
	check := func(name string, s settings, err error, wantPW string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if u, _ := url.Parse(s.URI); s.Password != wantPW || u.User.String() != url.UserPassword("ops", wantPW).String() || s.NeedPassword != "" {
			t.Errorf("%s: password %q, need %q (want %q)", name, s.Password, s.NeedPassword, wantPW)
		}
	}
	s, err := resolve(flagValues{Context: "prod"}, fc)
	check("password-file relative to the config", s, err, "s3cret")
	s, err = resolve(flagValues{Context: "prod", Password: "fromenv"}, fc)
	check("WARREN_PASSWORD beats the context", s, err, "fromenv")
	s, err = resolve(flagValues{URI: "amqp://ops:inuri@h/", Password: "fromenv"}, fc)
	check("a password in the URI is used as given", s, err, "inuri")
	s, err = resolve(flagValues{URI: "amqp://ops@h/", Password: "p@ss:w/rd"}, fc)
	check("WARREN_PASSWORD with reserved characters", s, err, "p@ss:w/rd")

	s, err = resolve(flagValues{Context: "bare"}, fc)
	if err != nil || s.NeedPassword != "ops" {
		t.Fatalf("no password anywhere: need %q, %v", s.NeedPassword, err)
	}
	r, w, _ := os.Pipe() // not a terminal: no prompt, an explanation
	defer r.Close()
	defer w.Close()
	err = askPassword(&s, r, discard{})
	if err == nil || !strings.Contains(err.Error(), "WARREN_PASSWORD") || !strings.Contains(err.Error(), "password-file") {
		t.Fatalf("no terminal: %v", err)
	}
	if _, err := resolve(flagValues{Context: "missing"}, fc); err == nil || !strings.Contains(err.Error(), "password-file") {
		t.Fatalf("missing password file: %v", err)
	}
	// The API keeps its own credentials when its URL has them.
	s, err = resolve(flagValues{URI: "amqp://ops@h/", API: "http://mon:monpw@h:15672", Password: "fromenv"}, fc)
	if err != nil || s.Username != "mon" || s.Password != "monpw" || !strings.Contains(s.URI, "ops:fromenv@") {
		t.Fatalf("API credentials: %+v %v", s, err)
	}
}

func TestPasswordFileIsBoundedAndNotADevice(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, maxPasswordFile+1), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/dev/zero", big} {
		if _, _, err := readPasswordFile(p, ""); err == nil {
			t.Errorf("%s accepted as a password file", p)
		}
	}
	empty := filepath.Join(dir, "empty")
	_ = os.WriteFile(empty, []byte("\n"), 0o600)
	if _, _, err := readPasswordFile(empty, ""); err == nil {
		t.Error("an empty password file accepted")
	}
	crlf := filepath.Join(dir, "crlf")
	_ = os.WriteFile(crlf, []byte("pw\r\nignored\n"), 0o600)
	if pw, warning, err := readPasswordFile(crlf, ""); err != nil || pw != "pw" || warning != "" {
		t.Errorf("crlf: %q %q %v", pw, warning, err)
	}
	_ = os.Chmod(crlf, 0o644)
	if _, warning, _ := readPasswordFile(crlf, ""); !strings.Contains(warning, crlf+" may be read by others (mode 0644)") {
		t.Errorf("a password file others can read: %q", warning)
	}
}

func TestConfigWithPasswordsReadableByOthersWarns(t *testing.T) {
	t.Parallel()
	withPW := "contexts:\n  - name: a\n    uri: amqp://u:pw@h/\n"
	fc, err := loadConfig(writeConfig(t, 0o644, withPW), true)
	if err != nil || !strings.Contains(fc.warning, "holds passwords and others may read it (mode 0644): chmod 600") || strings.Contains(fc.warning, "pw@") {
		t.Fatalf("0644 with a password: %q %v", fc.warning, err)
	}
	if fc, _ := loadConfig(writeConfig(t, 0o600, withPW), true); fc.warning != "" {
		t.Fatalf("0600 warns: %q", fc.warning)
	}
	if fc, _ := loadConfig(writeConfig(t, 0o644, "contexts:\n  - name: a\n    uri: amqp://u@h/\n    password-file: pw\n"), true); fc.warning != "" {
		t.Fatalf("no password in the file, yet: %q", fc.warning)
	}
	if _, err := loadConfig(writeConfig(t, 0o600, "contexts:\n  - name: a\n    uri: amqp://u:pw@h/\n    password-file: pw\n"), true); err == nil || !strings.Contains(err.Error(), "keep one") {
		t.Fatalf("both a URI password and a password-file: %v", err)
	}
}

// The API's certificate is checked against the API URL's host; the AMQP
// connection's against the AMQP host (or an explicit server-name).
func TestTLSServerNamePerHost(t *testing.T) {
	t.Parallel()
	s, err := resolve(flagValues{URI: "amqps://u:p@amqp.example:5671/", API: "https://mgmt.example:443"}, fileConfig{})
	if err != nil || s.TLS.ServerName != "amqp.example" || s.APITLS.ServerName != "mgmt.example" || s.Insecure {
		t.Fatalf("%+v %v", s, err)
	}
	fc := fileConfig{Contexts: []contextConfig{
		{Name: "same", URI: "amqps://u:p@10.0.0.5/", TLS: tlsConfig{ServerName: "rabbit.example"}},
		{Name: "other", URI: "amqps://u:p@10.0.0.5/", API: "https://mgmt.example", TLS: tlsConfig{ServerName: "rabbit.example", Insecure: true}},
	}}
	s, err = resolve(flagValues{Context: "same"}, fc)
	if err != nil || s.TLS.ServerName != "rabbit.example" || s.APITLS.ServerName != "rabbit.example" {
		t.Fatalf("same host, explicit server-name: %+v %v", s, err)
	}
	s, err = resolve(flagValues{Context: "other"}, fc)
	if err != nil || s.TLS.ServerName != "rabbit.example" || s.APITLS.ServerName != "mgmt.example" || !s.Insecure || !s.APITLS.InsecureSkipVerify {
		t.Fatalf("other API host: %+v %v", s, err)
	}
	// Nothing to leave unchecked without TLS: no badge.
	fc.Contexts = append(fc.Contexts, contextConfig{Name: "plain", URI: "amqp://u:p@h/", TLS: tlsConfig{Insecure: true}})
	if s, err := resolve(flagValues{Context: "plain"}, fc); err != nil || s.Insecure {
		t.Fatalf("plain amqp and http: %+v %v", s, err)
	}
}

// A :ctx switch never carries WARREN_PASSWORD to another context, and a
// context without a password is refused before anything is dialled.
func TestSwitchNeedsTheContextsOwnPassword(t *testing.T) {
	t.Parallel()
	sw := &switcher{flags: flagValues{Password: "fromenv"}, config: fileConfig{Contexts: []contextConfig{{Name: "bare", URI: "amqp://ops@127.0.0.1:1/"}}}}
	_, err := sw.Switch(context.Background(), "bare")
	if err == nil || !strings.Contains(err.Error(), "no password") || strings.Contains(err.Error(), "fromenv") {
		t.Fatalf("switch: %v", err)
	}
}

// TLS files are read like every file a person names: never a device.
func TestTLSFilesAreRegularFiles(t *testing.T) {
	t.Parallel()
	for _, tc := range []tlsConfig{{CAFile: "/dev/zero"}, {CertFile: "/dev/zero", KeyFile: "/dev/zero"}} {
		if _, err := tc.build("h"); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("%+v: %v", tc, err)
		}
	}
}

func TestPasswordOnTheCommandLineWarns(t *testing.T) {
	t.Setenv("WARREN_URI", "amqp://u:envpw@h/") // the environment is not ps's to show
	fv, err := parseFlags(nil, discard{})
	if err != nil || fv.Warning != "" {
		t.Fatalf("WARREN_URI: %q %v", fv.Warning, err)
	}
	fv, err = parseFlags([]string{"--uri", "amqp://u:clipw@h/"}, discard{})
	if err != nil || !strings.Contains(fv.Warning, "--uri carries a password") || strings.Contains(fv.Warning, "clipw") {
		t.Fatalf("--uri with a password: %q %v", fv.Warning, err)
	}
	if fv, _ := parseFlags([]string{"--uri", "amqp://u@h/"}, discard{}); fv.Warning != "" {
		t.Fatalf("--uri without a password: %q", fv.Warning)
	}
}
