package ui

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// scopeCase opens an App in one key scope: a view (in one of its states),
// a prompt or help.
type scopeCase struct {
	name string
	open func(t *testing.T) *App
}

// scopeCases is every key scope: each main view (viewCases), each dialog
// and form in each state that has its own keys, the prompts and help.
// TestEveryViewHasAScopeCase fails when a view type is missing here.
func scopeCases() []scopeCase {
	var cs []scopeCase
	for _, vc := range viewCases() {
		cs = append(cs, scopeCase{vc.name, func(t *testing.T) *App { return vc.open(t, 120, 40) }})
	}
	onQueue := func(name string, keys ...string) func(t *testing.T) *App {
		return func(t *testing.T) *App {
			a, _, _, _, _ := writeApp(t, false)
			selectQueue(t, a, name)
			for _, k := range keys {
				settle(t, a, keyPress(k))
			}
			return a
		}
	}
	return append(cs,
		scopeCase{"purge-confirm", onQueue("demo.orders.dlq", "ctrl+p")},
		scopeCase{"delete-confirm", onQueue("demo.orders.dlq", "ctrl+d")},
		scopeCase{"declare-form", onQueue("demo.orders.dlq", "ctrl+n")},
		scopeCase{"declare-question", func(t *testing.T) *App {
			a := onQueue("demo.orders.dlq", "ctrl+n")(t)
			settle(t, a, typed("fresh.queue")...)
			settle(t, a, keyPress("ctrl+s"))
			if v, ok := a.top().(*declareView); !ok || v.confirming == "" {
				t.Fatalf("ctrl+s should ask before declaring: top %T", a.top())
			}
			return a
		}},
		scopeCase{"republish-form", onQueue("demo.orders.dlq", "p", "r")},
		scopeCase{"peek-of-dead-letters", onQueue("demo.orders.dlq", "p")},
		scopeCase{"move-choices", onQueue("demo.orders.dlq", "m")},
		scopeCase{"move-target", onQueue("demo.orders.dlq", "m", "a")},
		scopeCase{"move-question", onQueue("demo.orders.dlq", "m", "enter")},
		scopeCase{"trace-question", func(t *testing.T) *App {
			a, _ := traceApp(t, &fakeTracer{}, false)
			runCommand(t, a, "trace /")
			return a
		}},
		scopeCase{"route", func(t *testing.T) *App {
			a := sizedApp(t, Target{}, 120, 40)
			runCommand(t, a, "route demo.orders order.created")
			return a
		}},
		scopeCase{"pulse", func(t *testing.T) *App {
			a, _ := pulseApp(t, demoPulse(), 120, 40)
			runCommand(t, a, "pulse")
			return a
		}},
		scopeCase{"command-prompt", func(t *testing.T) *App {
			a := sizedApp(t, Target{}, 120, 40)
			settle(t, a, keyPress(":"))
			return a
		}},
		scopeCase{"filter-prompt", func(t *testing.T) *App {
			a := sizedApp(t, Target{}, 120, 40)
			settle(t, a, keyPress("/"))
			return a
		}},
		scopeCase{"inspector-of-a-live-row", func(t *testing.T) *App {
			a, st := liveApp(t, false)
			tapDemoOrders(t, a)
			st.feed.push(orderMsg(1))
			frame(t, a)
			settle(t, a, keyPress("enter"))
			return a
		}},
	)
}

// keyPress is the key press a binding's key name stands for.
func keyPress(k string) tea.Msg {
	switch k {
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	}
	return press(k)
}

// Every scope: no key means two things, every binding says what it does,
// the footer names only keys of the scope, and read-only mode refuses
// every binding that writes, whatever the view.
func TestEveryScope(t *testing.T) {
	for _, sc := range scopeCases() {
		t.Run(sc.name, func(t *testing.T) {
			a := sc.open(t)
			s := a.scope()
			if len(s.bindings()) == 0 {
				t.Fatalf("%T has no keys", a.top())
			}
			seen := map[string]string{}
			for _, b := range s.bindings() {
				h := b.Help()
				if h.Key == "" || h.Desc == "" {
					t.Errorf("a binding of %v has no help text: %q %q", b.Keys(), h.Key, h.Desc)
				}
				for _, k := range b.Keys() {
					if other, dup := seen[k]; dup {
						t.Errorf("%q means both %q and %q", k, other, h.Desc)
					}
					seen[k] = h.Desc
				}
			}
			checkFooter(t, a, s)
			if a.mode == modeNormal {
				checkReadOnlyRefuses(t, sc)
			}
		})
	}
}

// checkFooter: every hint on the bottom line is a key of the scope.
func checkFooter(t *testing.T, a *App, s keyScope) {
	t.Helper()
	a.status = ""
	if a.mode != modeNormal {
		return // the bottom line is the prompt
	}
	labels := map[string]bool{}
	for _, b := range s.bindings() {
		labels[b.Help().Key] = true
	}
	foot := a.hints()
	if foot == "" {
		t.Fatal("no hints on the bottom line")
	}
	if line := ansi.Strip(a.bottomLine()); !strings.HasPrefix(foot, strings.TrimSuffix(strings.TrimRight(line, " "), "…")) {
		t.Errorf("the bottom line %q is not the hints %q", line, foot)
	}
	for _, hint := range strings.Split(foot, "  ") {
		label, _, _ := strings.Cut(hint, " ")
		for _, part := range strings.Split(label, "/") { // N/M/C/R sort: several bindings
			if !labels[part] && !labels[label] {
				t.Errorf("the footer offers %q (%q), no key of this scope", part, hint)
			}
		}
	}
}

// checkReadOnlyRefuses opens the case again in read-only mode and presses
// each writing key: nothing opens and the status says why.
func checkReadOnlyRefuses(t *testing.T, sc scopeCase) {
	t.Helper()
	probe := sc.open(t)
	for _, b := range probe.scope().bindings() {
		if !b.writes {
			continue
		}
		a := sc.open(t)
		a.c.target.ReadOnly = true
		top, depth := a.top(), len(a.stack)
		a.status = ""
		settle(t, a, keyPress(b.Keys()[0]))
		if a.top() != top || len(a.stack) != depth || !strings.Contains(a.status, "read-only") {
			t.Errorf("read-only: %s (%s) was not refused: top %T, status %q", b.Keys()[0], b.Help().Desc, a.top(), a.status)
		}
		if !strings.Contains(ansi.Strip(strings.Join(a.helpLines(200), "\n")), "unavailable (read-only): "+b.Help().Desc) {
			t.Errorf("read-only: help does not mark %q unavailable", b.Help().Desc)
		}
	}
}

// Every type that has a key scope (a view) is opened by some scope case,
// so a new view cannot be left out of TestEveryScope.
func TestEveryViewHasAScopeCase(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Name.Name != "keys" || fn.Type.Results == nil {
				continue
			}
			if id, ok := fn.Type.Results.List[0].Type.(*ast.Ident); !ok || id.Name != "keyScope" {
				continue
			}
			types = append(types, recvName(fn.Recv.List[0].Type))
		}
	}
	if len(types) < 10 {
		t.Fatalf("found only %d views: %v", len(types), types)
	}
	opened := map[string]bool{}
	for _, sc := range scopeCases() {
		a := sc.open(t)
		for _, v := range a.stack {
			opened[typeName(v)] = true
		}
	}
	for _, ty := range types {
		if !opened[ty] {
			t.Errorf("no scope case opens a %s: add one to scopeCases", ty)
		}
	}
}

func recvName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.StarExpr:
		return recvName(x.X)
	case *ast.IndexExpr:
		return recvName(x.X)
	case *ast.IndexListExpr:
		return recvName(x.X)
	case *ast.Ident:
		return x.Name
	}
	return fmt.Sprintf("%T", e)
}

// typeName is a view's type without package, pointer or type arguments.
func typeName(v any) string {
	n := strings.TrimPrefix(fmt.Sprintf("%T", v), "*ui.")
	n, _, _ = strings.Cut(n, "[")
	return n
}

// No handler reads a key by its string: keys are matched against named
// bindings, so the help and the handler cannot disagree.
func TestNoRawKeyComparisons(t *testing.T) {
	raw := regexp.MustCompile(`\b(m|msg|k|key)\.String\(\) *(==|!=) *"|switch (m|msg|k|key)\.String\(\) *\{`)
	files, _ := filepath.Glob("*.go")
	sub, _ := filepath.Glob("*/*.go")
	for _, f := range append(files, sub...) {
		if strings.HasSuffix(f, "_test.go") || slices.Contains(rawKeyAllowed, f) {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range strings.Split(string(b), "\n") {
			if raw.MatchString(l) {
				t.Errorf("%s:%d compares a key by its string: %s", f, i+1, strings.TrimSpace(l))
			}
		}
	}
}

// rawKeyAllowed are the files whose String() switches are not on keys.
var rawKeyAllowed = []string{}

// At 80x24 the whole of help is reachable by scrolling: for the queue
// list and for the scope with the most keys, the last line of the body
// shows once scrolled to the end, and every line shows on the way.
func TestHelpScrollsToItsLastLine(t *testing.T) {
	biggest, most := scopeCase{}, 0
	for _, sc := range scopeCases() {
		a := sc.open(t)
		if a.mode != modeNormal {
			continue
		}
		if n := len(a.helpLines(80)); n > most {
			biggest, most = sc, n
		}
	}
	biggest.name = fmt.Sprintf("largest-%s-%d-lines", biggest.name, most)
	for _, sc := range []scopeCase{scopeCases()[0], biggest} {
		t.Run(sc.name, func(t *testing.T) {
			a := sc.open(t)
			settle(t, a, tea.WindowSizeMsg{Width: 80, Height: 24})
			body := a.helpLines(80)
			open := keyPress("?")
			if tv, ok := a.top().(typingView); ok && tv.typing() {
				open = keyPress("f1")
			}
			lines, scrolls := readHelp(t, a, open)
			if scrolls == 0 {
				t.Fatalf("%d help lines fit 80x24 without scrolling: this test proves nothing", len(body))
			}
			for i := range body {
				body[i] = strings.TrimRight(ansi.Strip(body[i]), " ")
			}
			if !slices.Equal(lines, body) {
				t.Errorf("scrolling read %d lines of help, not its body of %d:\nread:\n%s\nbody:\n%s", len(lines), len(body), strings.Join(lines, "\n"), strings.Join(body, "\n"))
			}
			last := body[len(body)-2] // the last line with text: the last command
			if !strings.Contains(last, "quit") {
				t.Errorf("the help body ends with %q, not the last command", last)
			}
			settle(t, a, keyPress("G"))
			if got := ansi.Strip(a.render()); !strings.Contains(got, last) {
				t.Errorf("G does not reach the last line %q:\n%s", last, got)
			}
		})
	}
}

// README's Keys section names every key of every scope and every :
// command, so it cannot fall behind the bindings.
func TestReadmeNamesEveryKey(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start := strings.Index(doc, "\n## Keys")
	if start < 0 {
		t.Fatal("README has no Keys section")
	}
	section := doc[start+1:]
	if end := strings.Index(section, "\n## "); end > 0 {
		section = section[:end]
	}
	missing := map[string]string{}
	for _, sc := range scopeCases() {
		a := sc.open(t)
		for _, bd := range a.scope().bindings() {
			for _, part := range strings.FieldsFunc(bd.Help().Key, func(r rune) bool { return r == '/' || r == ' ' }) {
				if !strings.Contains(section, "`"+part+"`") {
					missing[part] = bd.Help().Desc
				}
			}
		}
	}
	for k, desc := range missing {
		t.Errorf("README's Keys section does not name `%s` (%s)", k, desc)
	}
	for _, c := range commandTable() {
		if !strings.Contains(section, "`:"+c.name) && !slices.ContainsFunc(c.aliases, func(al string) bool { return strings.Contains(section, "`:"+al) }) {
			t.Errorf("README's Keys section does not name :%s", c.name)
		}
	}
}

// What each view offers is what it does: a list offers only its own
// sorts, a view without a filter offers none, the consume dialog's r is
// reject and nothing else, and an action pressed where it does not apply
// says so instead of doing nothing.
func TestScopesOfferOnlyWhatTheyDo(t *testing.T) {
	a := sizedApp(t, Target{}, 120, 40)
	runCommand(t, a, "no")
	if got := a.hints(); !strings.Contains(got, "N sort") || strings.Contains(got, "M") {
		t.Errorf("the node list sorts only by name, its hints say %q", got)
	}
	runCommand(t, a, "ex")
	send(t, a, press("G"), press("enter")) // an exchange's detail
	if _, ok := a.top().(*exchangeDetail); !ok {
		t.Fatalf("top %T", a.top())
	}
	if a.scope().has(a.c.keys.Global.Filter) || strings.Contains(a.hints(), "/ filter") {
		t.Errorf("the exchange detail has no filter, yet offers one: %q", a.hints())
	}
	a.status = ""
	send(t, a, press("/"))
	if a.mode != modeNormal || !strings.Contains(a.status, "does nothing in this view") {
		t.Errorf("/ on the exchange detail: mode %v, status %q", a.mode, a.status)
	}
	a.status = ""
	send(t, a, press("ctrl+p"))
	if len(a.stack) != 2 || !strings.Contains(a.status, "does nothing in this view") {
		t.Errorf("ctrl+p on an exchange: top %T, status %q", a.top(), a.status)
	}

	c := sizedApp(t, Target{Streamer: &fakeStreamer{feed: &fakeFeed{}}}, 120, 40)
	filterTo(t, c, "orders.created")
	send(t, c, press("t"))
	r, ok := c.scope().lookup(keyPress("r").(tea.KeyPressMsg))
	if _, isDialog := c.top().(*consumeDialog); !isDialog || !ok || r.Help().Desc != c.c.keys.Consume.Reject.Help().Desc {
		t.Errorf("r in the consume dialog is %q (top %T)", r.Help().Desc, c.top())
	}
}
