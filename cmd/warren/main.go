// Command warren is a terminal UI for exploring and debugging RabbitMQ.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"

	"github.com/warren-tui/warren/broker"
	"github.com/warren-tui/warren/internal/watchstate"
	"github.com/warren-tui/warren/internal/wiring"
	"github.com/warren-tui/warren/message"
	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/ui"
	"github.com/warren-tui/warren/ui/screen"
)

func main() {
	if os.Getenv(crashMonitorEnv) == "1" {
		os.Exit(runCrashMonitor())
	}
	if err := run(os.Args[1:], os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "warren:", message.Escape(err.Error())) // may quote the broker
		}
		os.Exit(2)
	}
}

func parseFlags(args []string, stderr io.Writer) (flagValues, error) {
	fs := flag.NewFlagSet("warren", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var fv flagValues
	fs.Var(listFlag{&fv.URI}, "uri", "AMQP URI, amqp://user@host:5672/vhost (env WARREN_URI; default "+defaultURI+"); the password comes from WARREN_PASSWORD, the context's password-file or a prompt. "+
		"Several nodes of one cluster: repeat --uri or separate them with commas (amqp://user@h1:5672/vhost,h2:5672); warren moves to the next when one stops answering")
	fs.Var(listFlag{&fv.API}, "api", "management API URL (env WARREN_API; default derived from --uri's host, port 15672); repeat it, or separate with commas, for several nodes")
	fs.StringVar(&fv.Prometheus, "prometheus", "", "rabbitmq_prometheus URL, read for rates when the broker's statistics are off (env WARREN_PROMETHEUS; default the API's host, port 15692)")
	fs.StringVar(&fv.Context, "context", "", "named context from the config file")
	fs.StringVar(&fv.ConfigPath, "config", configPath(), "config file with named contexts")
	fs.BoolVar(&fv.ReadOnly, "read-only", false, "remove every write action")
	fs.DurationVar(&fv.Refresh, "refresh", 5*time.Second, "poll interval of the visible view (at least 1s)")
	fs.BoolVar(&fv.Version, "version", false, "print warren's version and exit")
	fs.StringVar(&fv.LogPath, "log", "", "append a structured log (JSON lines) of connections, recoveries, failed polls and every write action to this file (env WARREN_LOG)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: warren [flags]\n\nA terminal UI for exploring and debugging RabbitMQ.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return fv, err
	}
	if fs.NArg() > 0 {
		return fv, fmt.Errorf("unexpected argument %q (see warren -h)", fs.Arg(0))
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "config":
			fv.ConfigGiven = true
		case "refresh":
			fv.RefreshGiven = true
		case "uri", "api":
			if uriHasPassword(f.Value.String()) {
				fv.Warning = "--" + f.Name + " carries a password, which every local user can read with ps: give the user only, and the password through WARREN_PASSWORD, a password-file or the prompt"
			}
		}
	})
	if fv.RefreshGiven && fv.Refresh < time.Second {
		return fv, fmt.Errorf("--refresh must be a duration of at least 1s, such as 5s or 1m (got %s)", fv.Refresh)
	}
	fv.Password = os.Getenv("WARREN_PASSWORD")
	if fv.URI == "" {
		fv.URI = os.Getenv("WARREN_URI")
	}
	if fv.API == "" {
		fv.API = os.Getenv("WARREN_API")
	}
	if fv.LogPath == "" {
		fv.LogPath = os.Getenv("WARREN_LOG")
	}
	if fv.Prometheus == "" {
		fv.Prometheus = os.Getenv("WARREN_PROMETHEUS")
	}
	return fv, nil
}

func run(args []string, stderr io.Writer) error {
	fv, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if fv.Version {
		fmt.Println(versionText())
		return nil
	}
	fc, err := loadConfig(fv.ConfigPath, fv.ConfigGiven)
	if err != nil {
		return err
	}
	s, err := resolve(fv, fc)
	if err != nil {
		return err
	}
	notice := strings.Join(nonEmpty(fv.Warning, fc.warning, s.Warning), "; ")
	if notice != "" {
		fmt.Fprintln(stderr, "warren: warning:", notice)
	}
	if err := askPassword(&s, os.Stdin, stderr); err != nil {
		return err
	}
	logger, closeLog, err := openLog(fv.LogPath)
	if err != nil {
		return err
	}
	defer closeLog()
	logger.Info("start", "context", s.Context, "amqp", s.redactedAMQP(), "api", strings.Join(append([]string{redactURL(s.API)}, s.MoreAPI...), ","), "read_only", s.ReadOnly)
	sw := &switcher{flags: fv, config: fc, pump: newLinkPump(), log: logger}
	sw.pump.log = logger
	target, err := sw.open(s)
	if err != nil {
		logger.Error("start failed", "err", err)
		return err
	}
	// A hung broker must not hold warren open once its screen is gone.
	defer sw.closeSessionWithin(time.Second)

	var opts []tea.ProgramOption
	stopMonitor, err := startCrashMonitor()
	if err == nil {
		// Panics go to the runtime, so that the crash monitor restores the
		// terminal and keeps a report for every one of them alike.
		opts = append(opts, tea.WithoutCatchPanics())
	} else {
		// Bubble Tea's own recovery then covers at least its goroutines.
		fmt.Fprintln(stderr, "warren: warning: no crash monitor (a crash outside the screen's own code would leave the terminal raw):", err)
	}
	uopts := ui.Options{Refresh: s.Refresh, Timeout: 10 * time.Second, Notice: notice, Log: logger}
	profile := colorprofile.Detect(os.Stdout, os.Environ())
	if os.Getenv("NO_COLOR") != "" { // any value, as no-color.org says (the profile detection wants a boolean)
		uopts.NoColor = true
		profile = colorprofile.Ascii
	}
	var prog *screen.Program
	uopts.Handoff = func(c tea.ExecCommand) tea.ExecCommand { return prog.Hand(c) }
	if pins, err := watchstate.Default(); err == nil { // no home: pins last the session
		uopts.Pins = pins
	}
	app := ui.New(target, uopts, sw)
	prog = screen.New(app, screen.Config{In: keyboard(), Profile: profile, MinFrame: ui.MinFrame}, opts...)
	p := prog.Program
	go sw.pump.run(p)
	stop := quitOnHangup(p)
	final, err := prog.Run()
	// Only now, never deferred: a deferred call would also run while a
	// panic unwinds, and let the monitor go before the crash is written.
	stopMonitor()
	stop()
	sw.pump.stop()
	if a, ok := final.(*ui.App); ok && a.ExitNote() != "" { // a move stopped to quit
		fmt.Fprintln(stderr, "warren:", message.Escape(a.ExitNote()))
	}
	logger.Info("quit", "err", err)
	return err
}

// keyboard is the terminal to read keys from: stdin, or the process's
// terminal when stdin is not one.
func keyboard() *os.File {
	if term.IsTerminal(os.Stdin.Fd()) {
		return os.Stdin
	}
	if in, _, err := tea.OpenTTY(); err == nil {
		return in
	}
	return os.Stdin
}

// quitOnHangup ends the program, closing its live panes, when the terminal
// goes away: on SIGHUP, or when the terminal stops answering (a parent
// that ignores SIGHUP, such as make or nohup, keeps the signal from us, and
// Bubble Tea takes the end of input as nothing to read). Without this a
// warren with no screen would poll the broker forever.
func quitOnHangup(p *tea.Program) (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan struct{})
	fd := os.Stdout.Fd()
	_, _, sizeErr := term.GetSize(fd)
	watchTTY := sizeErr == nil
	go func() {
		tick := time.NewTicker(2 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-hup:
			case <-tick.C:
				if _, _, err := term.GetSize(fd); !watchTTY || err == nil {
					continue
				}
			case <-done:
				return
			}
			p.Send(ui.QuitMsg{})
			select { // a program too wedged to quit is killed
			case <-done:
			case <-time.After(5 * time.Second):
				p.Kill()
			}
			return
		}
	}()
	return func() { signal.Stop(hup); close(done) }
}

// switcher opens targets: the first one, and others for :ctx. It owns the
// AMQP session and hands its link events to the pump.
type switcher struct {
	flags   flagValues
	log     *slog.Logger
	config  fileConfig
	pump    *linkPump
	session *broker.Session
}

func (sw *switcher) Contexts() []string { return sw.config.names() }

func (sw *switcher) Switch(_ context.Context, name string) (ui.Target, error) {
	// WARREN_PASSWORD was for the first target: it is not sent to another.
	fv := flagValues{Context: name, Refresh: sw.flags.Refresh, ReadOnly: sw.flags.ReadOnly}
	s, err := resolve(fv, sw.config)
	if err != nil {
		return ui.Target{}, err
	}
	if s.NeedPassword != "" {
		return ui.Target{}, fmt.Errorf("context %s: no password for user %q: add a password-file to the context, or start warren with --context %s to be asked", name, s.NeedPassword, name)
	}
	return sw.open(s)
}

// open builds the API client and a fresh AMQP session for settings s,
// closing the previous session.
func (sw *switcher) open(s settings) (ui.Target, error) {
	client, err := mgmt.New(mgmt.Config{APIURL: s.apiList(), Username: s.Username, Password: s.Password, Timeout: 10 * time.Second, TLS: s.APITLS,
		PrometheusURL: s.Prometheus})
	if err != nil {
		return ui.Target{}, err
	}
	session, err := broker.Open(broker.Config{URI: s.amqpList(), TLS: s.TLS, Name: "warren", ReadOnly: s.ReadOnly})
	if err != nil {
		return ui.Target{}, err
	}
	sw.closeSession()
	session.SetHeadReader(client) // a peek reads past a message amqp091-go cannot decode through the API
	session.SetQueueTyper(client) // a move or remove not told its queue's type asks the API
	sw.session = session
	sw.pump.follow(session)
	t := ui.Target{
		Context: s.Context, Source: client, Peeker: session, Streamer: wiring.Streamer(session), Mover: session, Publisher: session, Admin: client, Tracer: client, Shoveler: client, AMQP: s.redactedAMQP(), API: s.API, APIs: s.apiList(),
		Vhost: s.Vhost, ReadOnly: s.ReadOnly, Insecure: s.Insecure,
	}
	return withoutWrites(t), nil
}

// withoutWrites drops the write interfaces of a read-only target, so that
// no path through the UI can reach them, whatever its own checks say.
func withoutWrites(t ui.Target) ui.Target {
	if t.ReadOnly {
		t.Mover, t.Publisher, t.Admin, t.Shoveler = nil, nil, nil, nil
		if t.Tracer != nil {
			t.Tracer = readOnlyTracer{t.Tracer}
		}
	}
	return t
}

// readOnlyTracer reads whether tracing is on and never turns it on or off.
type readOnlyTracer struct{ ui.Tracer }

func (readOnlyTracer) SetTracing(context.Context, string, bool) error {
	return errors.New("read-only: warren does not turn tracing on or off")
}

func nonEmpty(vals ...string) []string {
	var out []string
	for _, v := range vals {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// closeSessionWithin closes the session, waiting at most d for it.
func (sw *switcher) closeSessionWithin(d time.Duration) {
	done := make(chan struct{})
	go func() { sw.closeSession(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		sw.log.Warn("the AMQP session did not close in time; the broker drops its connections itself")
	}
}

func (sw *switcher) closeSession() {
	if sw.session != nil {
		_ = sw.session.Close()
		sw.session = nil
	}
}
