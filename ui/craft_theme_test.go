package ui

import (
	"bytes"
	"image/color"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
)

// asShown is the frame as a terminal of that profile gets it: colours
// downsampled or gone, attributes (bold, reverse) kept.
func asShown(t *testing.T, frame string, p colorprofile.Profile) []string {
	t.Helper()
	var b bytes.Buffer
	w := &colorprofile.Writer{Forward: &b, Profile: p}
	if _, err := w.Write([]byte(frame)); err != nil {
		t.Fatal(err)
	}
	return strings.Split(b.String(), "\n")
}

// lineWith is the first line whose text holds s.
func lineWith(lines []string, s string) string {
	for _, l := range lines {
		if strings.Contains(ansi.Strip(l), s) {
			return l
		}
	}
	return ""
}

// A light terminal background gets the light theme; a dark one keeps the
// dark theme.
func TestLightBackgroundGetsTheLightTheme(t *testing.T) {
	a := newTestApp(demoFake(), Target{})
	settle(t, a, a.Init(), size())
	dark := a.View().Content
	a.Update(tea.BackgroundColorMsg{Color: color.White})
	light := a.View().Content
	if light == dark {
		t.Fatal("a light background changed nothing")
	}
	sel := lineWith(strings.Split(light, "\n"), "billing")
	if !strings.Contains(sel, "48;5;153") || strings.Contains(sel, "48;5;24m") {
		t.Fatalf("the selected row should have the light selection colour: %q", sel)
	}
	a.Update(tea.BackgroundColorMsg{Color: color.Black})
	if a.View().Content != dark {
		t.Fatal("a dark background should give the dark theme back")
	}
}

// Without colours (NO_COLOR, or a profile that has none) the selected row
// and a form's chosen option still stand out: they are reversed.
func TestNoColorKeepsSelectionsVisible(t *testing.T) {
	for _, how := range []string{"NO_COLOR", "profile"} {
		a := newTestApp(demoFake(), Target{Publisher: &fakePublisher{}})
		if how == "NO_COLOR" { // cmd/warren says so from the start
			a = New(Target{Source: demoFake(), Publisher: &fakePublisher{}, API: "http://127.0.0.1:15672"},
				Options{Refresh: time.Hour, Timeout: time.Second, NoColor: true}, nil)
			a.c.now, a.c.tick, a.c.frame, a.debounce = func() time.Time { return fixedNow }, testTick, time.Hour, time.Millisecond
		}
		settle(t, a, a.Init(), size())
		if how == "profile" {
			settle(t, a, tea.ColorProfileMsg{Profile: colorprofile.Ascii})
		}
		lines := asShown(t, a.View().Content, colorprofile.Ascii)
		sel, other := lineWith(lines, "billing"), lineWith(lines, "demo.orders.dlq")
		if !strings.Contains(sel, "7m") || ansi.Strip(sel) == sel || strings.Contains(other, "7m") {
			t.Fatalf("%s: the selected row should be reversed, the others not:\n%q\n%q", how, sel, other)
		}
		selectQueue(t, a, "demo.orders.created")
		settle(t, a, press("P"))
		lines = asShown(t, a.View().Content, colorprofile.Ascii)
		mode := lineWith(lines, "persistent")
		if !strings.Contains(mode, "\x1b[7m persistent") {
			t.Fatalf("%s: the chosen option should be reversed: %q", how, mode)
		}
	}
}
