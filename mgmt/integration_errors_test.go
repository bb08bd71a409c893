package mgmt_test

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/mgmt"
)

// checkErr asserts the kind of err and that its text never carries the password.
func checkErr(t *testing.T, err, kind error, password string) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("got %v, want %v", err, kind)
	}
	if strings.Contains(err.Error(), password) {
		t.Fatalf("error %q shows the password", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Fatalf("error %q is not one line", err)
	}
}

func clientAs(t *testing.T, api, user, pass string) *mgmt.Client {
	t.Helper()
	c, err := mgmt.New(mgmt.Config{APIURL: api, Username: user, Password: pass})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// makeUser creates a broker user with these tags and deletes it when the test ends.
func makeUser(t *testing.T, tags, password string) string {
	t.Helper()
	name := brokertest.Name("user")
	brokertest.MustDo(t, "PUT", "/api/users/"+name, []byte(`{"password":"`+password+`","tags":"`+tags+`"}`))
	t.Cleanup(func() { _, _, _ = brokertest.Do("DELETE", "/api/users/"+name, nil) })
	return name
}

func TestErrorKinds(t *testing.T) {
	brokertest.Require(t)
	ctx := testContext(t)
	user, _ := credentials()

	t.Run("wrong password", func(t *testing.T) {
		const pass = "not-the-password-5d1c"
		_, err := clientAs(t, brokertest.API(), user, pass).Overview(ctx)
		checkErr(t, err, mgmt.ErrUnauthorized, pass)
		if !strings.Contains(err.Error(), "wrong username or password") || !strings.Contains(err.Error(), brokertest.API()) {
			t.Fatalf("message %q", err)
		}
	})

	t.Run("nothing listens on the port", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		_, err = clientAs(t, "http://"+addr, user, "secret-pass-1").Queues(ctx, mgmt.ListOptions{})
		checkErr(t, err, mgmt.ErrUnreachable, "secret-pass-1")
	})

	t.Run("an HTTP server that is not the API", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/overview" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>hello</html>"))
		}))
		defer srv.Close()
		c := clientAs(t, srv.URL, user, "secret-pass-2")
		_, err := c.Overview(ctx)
		checkErr(t, err, mgmt.ErrNotManagementAPI, "secret-pass-2")
		_, err = c.Nodes(ctx) // a 200 that is not JSON, through rabbit-hole
		checkErr(t, err, mgmt.ErrNotManagementAPI, "secret-pass-2")
	})

	t.Run("a user without the management tag", func(t *testing.T) {
		const pass = "no-tag-pass-9e2"
		name := makeUser(t, "", pass)
		_, err := clientAs(t, brokertest.API(), name, pass).Overview(ctx)
		checkErr(t, err, mgmt.ErrForbidden, pass)
		if !strings.Contains(err.Error(), "management tag") {
			t.Fatalf("message %q should name the missing tag", err)
		}
	})

	t.Run("a user without permission on the vhost", func(t *testing.T) {
		const pass = "no-perm-pass-41a"
		vhost := brokertest.Vhost(t)
		name := makeUser(t, "management", pass)
		_, err := clientAs(t, brokertest.API(), name, pass).Queues(ctx, mgmt.ListOptions{Vhost: vhost})
		checkErr(t, err, mgmt.ErrForbidden, pass)
	})
}
