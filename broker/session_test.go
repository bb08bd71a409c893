package broker

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/warren-tui/warren/internal/brokertest"
)

func TestParseURIErrorsNeverEchoTheURI(t *testing.T) {
	for _, raw := range []string{
		"amqp://user:s3cret@host:99999/", "amqp://user:s3cret@ho st/", "http://user:s3cret@host/",
		"amqp://user:s3cret%zz@host/", "amqp://user:s3cret@/",
	} {
		_, err := ParseURI(raw)
		if err == nil {
			t.Errorf("%q parsed", raw)
			continue
		}
		if !errors.Is(err, ErrBadURI) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%q: error %q must be ErrBadURI and never show the password", raw, err)
		}
	}
	if got := Redact("amqp://user:s3cret@host:5672/v"); strings.Contains(got, "s3cret") {
		t.Errorf("Redact leaked: %s", got)
	}
}

// Each kind of malformed URI gets its own reason, never the URI.
func TestParseURIReasons(t *testing.T) {
	for raw, want := range map[string]string{
		"amqp://user:s3cret@host:abc/":   "the port is not a number",
		"amqp://user:s3cret@host:0/":     `port "0" is not a number from 1 to 65535`,
		"amqp://user:s3c%zzret@host/":    "a % must start an escape",
		"amqp://us er:s3cret@host/":      "white space",
		"amqp://user:s3cret@ho^st:5672/": "the host name holds a character",
		"amqp://user:s3cret@/":           "no host",
	} {
		_, err := ParseURI(raw)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%q: %v, want it to say %q without the password", raw, err, want)
		}
	}
}

func TestVhostOfURI(t *testing.T) {
	for raw, want := range map[string]string{"amqp://h/": "/", "amqp://h": "/", "amqp://h/%2F": "/", "amqp://h/orders": "orders"} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := Vhost(u); got != want {
			t.Errorf("Vhost(%s) = %q, want %q", raw, got, want)
		}
	}
}

func waitState(t *testing.T, s *Session, want LinkState, within time.Duration) LinkEvent {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case ev := <-s.Events():
			if ev.State == want {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %s event within %s", want, within)
		}
	}
}

// The session shows a lost connection as reconnecting, then up again,
// without anyone reopening it.
func TestSessionRecoversAfterTheBrokerClosesIt(t *testing.T) {
	brokertest.Require(t)
	name := brokertest.Name("session")
	s, err := Open(Config{URI: brokertest.URI(), Name: name, Retry: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	waitState(t, s, LinkUp, 10*time.Second)

	// Find our connection by its advertised name and close it, as an
	// operator (or a broker restart) would.
	var conn string
	for i := 0; i < 50 && conn == ""; i++ {
		var list []struct {
			Name             string `json:"name"`
			ClientProperties struct {
				ConnectionName string `json:"connection_name"`
			} `json:"client_properties"`
		}
		if err := json.Unmarshal(brokertest.MustDo(t, "GET", "/api/connections?columns=name,client_properties", nil), &list); err != nil {
			t.Fatal(err)
		}
		for _, c := range list {
			if c.ClientProperties.ConnectionName == name {
				conn = c.Name
			}
		}
		time.Sleep(200 * time.Millisecond) // the API learns of connections with a lag
	}
	if conn == "" {
		t.Fatal("our connection never showed in the management API")
	}
	brokertest.MustDo(t, "DELETE", "/api/connections/"+brokertest.Esc(conn), nil)
	waitState(t, s, LinkReconnecting, 10*time.Second)
	waitState(t, s, LinkUp, 20*time.Second)
	if s.Connection() == nil {
		t.Fatal("up, but no connection")
	}
}

func TestSessionWrongPasswordIsClearAndSecret(t *testing.T) {
	brokertest.Require(t)
	u, _ := url.Parse(brokertest.URI())
	u.User = url.UserPassword(u.User.Username(), "not-the-password-xyz")
	s, err := Open(Config{URI: u.String(), Retry: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ev := waitState(t, s, LinkDown, 10*time.Second)
	if ev.Err == nil || !strings.Contains(ev.Err.Error(), "wrong username or password") {
		t.Fatalf("error = %v, want a clear wrong-password message", ev.Err)
	}
	if strings.Contains(ev.Err.Error(), "not-the-password-xyz") {
		t.Fatal("the password reached an error message")
	}
}

func TestSessionUnreachablePortSaysSo(t *testing.T) {
	s, err := Open(Config{URI: "amqp://guest:guest@127.0.0.1:1/", Retry: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ev := waitState(t, s, LinkDown, 10*time.Second)
	if ev.Err == nil || !strings.Contains(ev.Err.Error(), "unreachable") {
		t.Fatalf("error = %v, want unreachable", ev.Err)
	}
}
