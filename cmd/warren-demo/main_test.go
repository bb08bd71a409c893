package main

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestTargetNeverShowsThePassword(t *testing.T) {
	tg, err := newTarget("amqp://alice:s3cret@broker:5672/prod", "http://broker:15672/")
	if err != nil {
		t.Fatal(err)
	}
	if tg.vhost != "prod" {
		t.Errorf("vhost %q, want prod", tg.vhost)
	}
	if got := tg.redactedURI(); strings.Contains(got, "s3cret") {
		t.Errorf("redacted URI %q shows the password", got)
	}
	if tg.api.user != "alice" || tg.api.pass != "s3cret" {
		t.Errorf("API credentials %q/%q, want them from --uri", tg.api.user, tg.api.pass)
	}

	var out bytes.Buffer
	err = run([]string{"--uri", "amqp://alice:s3cret@[::1", "seed"}, &out, &out)
	if err == nil || strings.Contains(err.Error()+out.String(), "s3cret") {
		t.Errorf("bad URI: err %v, output %q; want an error without the password", err, out.String())
	}
}

func TestTargetVhosts(t *testing.T) {
	for uri, want := range map[string]string{
		"amqp://guest:guest@127.0.0.1:5672/":     "/",
		"amqp://guest:guest@127.0.0.1:5672":      "/",
		"amqp://guest:guest@127.0.0.1:5672/%2F":  "/",
		"amqp://guest:guest@127.0.0.1:5672/demo": "demo",
	} {
		tg, err := newTarget(uri, defaultAPI)
		if err != nil {
			t.Fatalf("%s: %v", uri, err)
		}
		if tg.vhost != want {
			t.Errorf("%s: vhost %q, want %q", uri, tg.vhost, want)
		}
	}
}

func TestBulkDepthsVary(t *testing.T) {
	seen := map[int]bool{}
	empty, deep := 0, 0
	for i := range 300 {
		d := bulkDepth(i)
		seen[d] = true
		if d == 0 {
			empty++
		}
		if d >= 400 {
			deep++
		}
	}
	if len(seen) < 30 || empty == 0 || deep == 0 {
		t.Errorf("bulk depths: %d distinct, %d empty, %d deep; want variety", len(seen), empty, deep)
	}
}

func TestConsumeRateSteersTowardsTarget(t *testing.T) {
	s := consumerSpec{low: 10, high: 110, period: time.Minute, maxRate: 50}
	if r := s.consumeRate(0, 0); r != 0 {
		t.Errorf("empty queue: rate %v, want 0 (let it fill)", r)
	}
	if r := s.consumeRate(100000, 0); r != 50 {
		t.Errorf("deep queue: rate %v, want the cap 50", r)
	}
	// At a quarter period the target is at its high mark.
	if r := s.consumeRate(110, 15*time.Second); r > 0.001 {
		t.Errorf("depth at the high mark: rate %v, want ~0", r)
	}
}

func TestPickStatusCoversAllKeys(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	got := map[string]int{}
	for range 2000 {
		got[pickStatus(r)]++
	}
	for _, k := range orderKeys {
		if got[k.status] == 0 {
			t.Errorf("status %s never picked", k.status)
		}
	}
}
