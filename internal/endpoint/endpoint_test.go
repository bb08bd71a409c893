package endpoint

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

func TestListOrderFollowsTheOneThatAnswered(t *testing.T) {
	l, err := New("a:1", "b:2", "c:3")
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Order(); !slices.Equal(got, []string{"a:1", "b:2", "c:3"}) || l.Current() != "a:1" || l.FailedOver() {
		t.Fatalf("fresh list: order %v current %s", got, l.Current())
	}
	if !l.Answered("c:3") || l.Answered("c:3") || l.Answered("nowhere:1") {
		t.Fatal("Answered says whether the list moved, once")
	}
	if got := l.Order(); !slices.Equal(got, []string{"c:3", "a:1", "b:2"}) || !l.FailedOver() {
		t.Fatalf("after c answered: order %v, failed over %v", got, l.FailedOver())
	}
	if !l.Answered("a:1") || l.FailedOver() {
		t.Fatalf("back on the first: failed over %v", l.FailedOver())
	}
}

func TestNewRefusesBadLists(t *testing.T) {
	for _, addrs := range [][]string{nil, {"a:1", "a:1"}, {"no-port"}} {
		if _, err := New(addrs...); err == nil {
			t.Errorf("New(%q) accepted", addrs)
		}
	}
}

func TestTryGoesOnUntilOneAnswers(t *testing.T) {
	l, _ := New("a:1", "b:2", "c:3")
	var tried []string
	v, err := Try(l, func(addr string) (string, error) {
		tried = append(tried, addr)
		if addr == "a:1" || addr == "b:2" {
			return "", fmt.Errorf("%s refused", addr)
		}
		return "conn to " + addr, nil
	}, nil)
	if err != nil || v != "conn to c:3" || !slices.Equal(tried, []string{"a:1", "b:2", "c:3"}) || l.Current() != "c:3" {
		t.Fatalf("Try = %q, %v after %v (current %s)", v, err, tried, l.Current())
	}
	// The next attempt starts where the last answer came from.
	tried = nil
	_, _ = Try(l, func(addr string) (int, error) { tried = append(tried, addr); return 0, nil }, nil)
	if !slices.Equal(tried, []string{"c:3"}) {
		t.Fatalf("second Try tried %v, want c:3 first and only", tried)
	}
	// Every endpoint fails: the last error, and the list stays put.
	_, err = Try(l, func(addr string) (int, error) { return 0, errors.New("down " + addr) }, nil)
	if err == nil || err.Error() != "down b:2" || l.Current() != "c:3" {
		t.Fatalf("all down: %v, current %s", err, l.Current())
	}
	// giveUp stops at an answer that every node would give.
	var n atomic.Int32
	_, err = Try(l, func(string) (int, error) { n.Add(1); return 0, errors.New("login refused") },
		func(err error) bool { return strings.Contains(err.Error(), "login") })
	if err == nil || n.Load() != 1 {
		t.Fatalf("giveUp: %v after %d attempts", err, n.Load())
	}
}

func TestSplit(t *testing.T) {
	parses := func(s string) bool { return !strings.HasSuffix(s, ":a") && s != "" }
	for raw, want := range map[string][]string{
		"amqp://h1":              {"amqp://h1"},
		"amqp://h1, h2:5672 ,h3": {"amqp://h1", "h2:5672", "h3"},
		"amqp://u:a,p@h1":        {"amqp://u:a,p@h1"}, // a literal comma in a password, as before lists
		"amqp://u@h1,":           {"amqp://u@h1", ""}, // the caller refuses the empty entry
	} {
		if got := Split(raw, parses); !slices.Equal(got, want) {
			t.Errorf("Split(%q) = %q, want %q", raw, got, want)
		}
	}
}
