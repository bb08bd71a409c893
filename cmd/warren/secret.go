package main

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/charmbracelet/x/term"

	"github.com/warren-tui/warren/internal/boundedfile"
)

// maxPasswordFile bounds a password file: a password is a line.
const maxPasswordFile = 4 << 10

func readSmallFile(path string, limit int64) ([]byte, fs.FileInfo, error) {
	return boundedfile.ReadFile(path, limit)
}

// findPassword fills in the password of the URI's user when the URI has
// none: from WARREN_PASSWORD (env), else from the context's password-file.
// When neither has one, NeedPassword names the user, for a prompt.
func (s *settings) findPassword(u *url.URL, env string, ctx contextConfig, configFile string) error {
	if u.User == nil {
		return nil // no user: guest/guest, as before
	}
	if _, ok := u.User.Password(); ok {
		return nil // a password in the URI is the most specific
	}
	switch {
	case env != "":
		s.setPassword(env)
	case ctx.PasswordFile != "":
		pw, warning, err := readPasswordFile(ctx.PasswordFile, configFile)
		if err != nil {
			return fmt.Errorf("context %q: password-file: %w", ctx.Name, err)
		}
		s.setPassword(pw)
		s.Warning = warning
	default:
		s.NeedPassword = u.User.Username()
	}
	return nil
}

// setPassword gives the URI's user its password, for AMQP and for the API
// (unless the API URL named its own user and password).
func (s *settings) setPassword(pw string) {
	u, err := url.Parse(s.URI)
	if err != nil || u.User == nil {
		return
	}
	u.User = url.UserPassword(u.User.Username(), pw)
	s.URI = u.String()
	if !s.apiOwnCreds {
		s.Password = pw
	}
	s.NeedPassword = ""
}

// readPasswordFile reads the first line of a password file; a relative
// path is relative to the config file, and ~/ is the home directory. A
// file others may read comes with a warning.
func readPasswordFile(path, configFile string) (pw, warning string, err error) {
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", "", err
		}
		path = filepath.Join(home, rest)
	} else if !filepath.IsAbs(path) && configFile != "" {
		path = filepath.Join(filepath.Dir(configFile), path)
	}
	b, info, err := readSmallFile(path, maxPasswordFile)
	if err != nil {
		return "", "", err
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) == 0 {
		return "", "", fmt.Errorf("%s: the first line is empty", path)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		warning = fmt.Sprintf("password-file %s may be read by others (mode %04o): chmod 600 it", path, perm)
	}
	return string(line), warning, nil
}

// askPassword asks on the terminal, without echo, for the password that s
// lacks. Without a terminal it explains where a password may come from.
func askPassword(s *settings, in *os.File, out io.Writer) error {
	if s.NeedPassword == "" {
		return nil
	}
	if !term.IsTerminal(in.Fd()) {
		return noPassword(*s)
	}
	where := "the broker"
	if u, err := url.Parse(s.URI); err == nil {
		where = u.Host
	}
	fmt.Fprintf(out, "password for %s at %s: ", s.NeedPassword, where)
	// ctrl+c at the prompt must not leave the terminal without echo.
	if state, err := term.GetState(in.Fd()); err == nil {
		interrupt := make(chan os.Signal, 1)
		signal.Notify(interrupt, os.Interrupt, syscall.SIGTERM)
		done := make(chan struct{})
		defer func() { signal.Stop(interrupt); close(done) }()
		go func() {
			select {
			case <-interrupt:
				_ = term.Restore(in.Fd(), state)
				fmt.Fprintln(out)
				os.Exit(130)
			case <-done:
			}
		}()
	}
	pw, err := term.ReadPassword(in.Fd())
	fmt.Fprintln(out)
	if err != nil {
		return fmt.Errorf("reading the password: %w", err)
	}
	s.setPassword(string(pw))
	return nil
}

func noPassword(s settings) error {
	ways := "set WARREN_PASSWORD, or run warren on a terminal to be asked"
	if s.Context != "" {
		ways = "set WARREN_PASSWORD, add a password-file to context " + s.Context + ", or run warren on a terminal to be asked"
	}
	return fmt.Errorf("no password for user %q: %s", s.NeedPassword, ways)
}
