package ui

import (
	"strings"
	"testing"
	"time"
)

// While certificates go unchecked the header says so on every screen; a
// switch to a context that checks them drops the badge. A start-up notice
// (a config others can read) is in the status bar.
func TestInsecureBadgeAndNotice(t *testing.T) {
	staging := demoFake()
	a := New(Target{Context: "local", Source: demoFake(), API: "https://local:15671", Insecure: true},
		Options{Refresh: time.Hour, Timeout: time.Second, Notice: "config x holds passwords and others may read it"}, fakeSwitcher{other: staging})
	a.c.tick = testTick
	settle(t, a, a.Init(), size())
	got := screen(a)
	if !strings.Contains(got, "TLS UNVERIFIED") || !strings.Contains(got, "others may read it") {
		t.Fatalf("badge or notice missing:\n%s", got)
	}
	settle(t, a, press(":"))
	settle(t, a, typed("queues")...)
	settle(t, a, press("enter"))
	if !strings.Contains(screen(a), "TLS UNVERIFIED") {
		t.Fatal("the badge left after a command")
	}
	settle(t, a, press(":"))
	settle(t, a, typed("ctx staging")...)
	settle(t, a, press("enter"))
	if got := screen(a); strings.Contains(got, "TLS UNVERIFIED") || !strings.Contains(got, "ctx staging") {
		t.Fatalf("a verified context still shows the badge:\n%s", got)
	}
}
