// Command warren-demo gives warren something to look at: it seeds a demo
// topology into a RabbitMQ (exchanges, classic, quorum and stream queues,
// real dead letters, policies, a second vhost), generates live traffic, and
// cleans everything up again. Every name it creates starts with "demo.".
//
//	warren-demo [--uri URI] [--api URL] seed|traffic|clean
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"syscall"

	amqp "github.com/rabbitmq/amqp091-go"
)

const (
	defaultURI = "amqp://guest:guest@127.0.0.1:5672/"
	defaultAPI = "http://127.0.0.1:15672"
	// demoVhost is the second vhost the seeder fills, beside the main one.
	demoVhost = "demo.vhost"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "warren-demo:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("warren-demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	// Defaults stay out of the flag values so that -h never prints a password.
	uri := fs.String("uri", "", "AMQP URI of the broker; its path is the vhost to use\n(default $WARREN_URI, else "+redactRaw(defaultURI)+")")
	api := fs.String("api", "", "management API base URL; credentials from --uri unless given here\n(default $WARREN_API, else "+defaultAPI+")")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: warren-demo [--uri URI] [--api URL] seed|traffic|clean")
		fmt.Fprintln(stderr, "  seed     create the demo topology and messages (idempotent)")
		fmt.Fprintln(stderr, "  traffic  publish and consume demo traffic until interrupted")
		fmt.Fprintln(stderr, "  clean    delete every demo.* object, the demo policies and "+demoVhost)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return flag.ErrHelp
	}

	target, err := newTarget(firstSet(*uri, os.Getenv("WARREN_URI"), defaultURI),
		firstSet(*api, os.Getenv("WARREN_API"), defaultAPI))
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	switch cmd := fs.Arg(0); cmd {
	case "seed":
		fmt.Fprintf(stdout, "seeding %s (api %s)\n", target.redactedURI(), target.api.redacted())
		sum, err := seedAll(ctx, target)
		if err != nil {
			return err
		}
		sum.print(stdout)
		return nil
	case "traffic":
		fmt.Fprintf(stdout, "traffic on %s, vhost %q; ctrl+c stops\n", target.redactedURI(), target.vhost)
		tr := &Traffic{Target: target, Vhost: target.vhost, Log: stdout}
		return tr.Run(ctx)
	case "clean":
		fmt.Fprintf(stdout, "cleaning %s (api %s)\n", target.redactedURI(), target.api.redacted())
		return cleanAll(ctx, target, stdout)
	default:
		fs.Usage()
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// Target is where the demo goes: an AMQP URI (whose vhost may be replaced per
// connection) and a management API client with the same credentials.
type Target struct {
	uri   string
	vhost string
	api   *API
}

func newTarget(rawURI, rawAPI string) (*Target, error) {
	// Parse as amqp091-go will, so the vhost here is the one it connects to.
	parsed, err := amqp.ParseURI(rawURI)
	if err != nil {
		return nil, fmt.Errorf("--uri: want amqp://user:pass@host:port/vhost, got %q: %v", redactRaw(rawURI), scrub(err))
	}
	api, err := NewAPI(rawAPI, url.UserPassword(parsed.Username, parsed.Password))
	if err != nil {
		return nil, err
	}
	return &Target{uri: rawURI, vhost: parsed.Vhost, api: api}, nil
}

func firstSet(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func (t *Target) redactedURI() string { return redactRaw(t.uri) }

// redactRaw hides the password of a URL-shaped string, and hides the whole
// string when it does not parse (it might be a password typed in the wrong place).
func redactRaw(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "<unparsable URL>"
	}
	return u.Redacted()
}

// seedAll seeds the main vhost and the second demo vhost.
func seedAll(ctx context.Context, t *Target) (*Summary, error) {
	s := &Seeder{Target: t, Vhost: t.vhost, BulkQueues: 300}
	sum, err := s.Seed(ctx)
	if err != nil {
		return nil, err
	}
	if err := seedSecondVhost(ctx, t, sum); err != nil {
		return nil, err
	}
	return sum, nil
}

func cleanAll(ctx context.Context, t *Target, out io.Writer) error {
	n, err := Clean(ctx, t, t.vhost)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "vhost %q: deleted %d queues, %d exchanges, %d policies\n", t.vhost, n.Queues, n.Exchanges, n.Policies)
	if t.vhost == demoVhost {
		return nil
	}
	gone, err := t.api.DeleteVhost(ctx, demoVhost)
	if err != nil {
		return err
	}
	if gone {
		fmt.Fprintf(out, "deleted vhost %q\n", demoVhost)
	}
	return nil
}
