package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/ui/widget"
)

// Admin changes the broker's topology through the management API;
// *mgmt.Client satisfies it.
type Admin interface {
	DeclareQueue(ctx context.Context, vhost string, q mgmt.QueueSpec) error
	DeclareExchange(ctx context.Context, vhost string, e mgmt.ExchangeSpec) error
	DeclareBinding(ctx context.Context, vhost string, b mgmt.BindingSpec) error
	PurgeQueue(ctx context.Context, vhost, name string) error
	DeleteQueue(ctx context.Context, vhost, name string) error
	DeleteExchange(ctx context.Context, vhost, name string) error
}

// confirmView asks before a destructive action: y for a purge, the typed
// name for a delete.
type confirmView struct {
	c      *common
	viewID int
	what   string // "purge queue" or "delete exchange"
	kind   string // queue or exchange
	vhost  string
	name   string
	typed  *widget.TextEditor // non-nil when the name must be typed
	busy   bool
	err    error
	run    func(ctx context.Context, a Admin) error
	done   adminDoneMsg // what a success reports
}

// adminDoneMsg reports a finished admin action to its view.
type adminDoneMsg struct {
	view  int
	text  string   // what was done, for the status bar
	kind  viewKind // kindQueue or kindExchange: whose detail closes when it is gone
	vhost string
	name  string
	gone  bool // the object no longer exists: leave its detail view
	err   error
}

func newPurgeConfirm(c *common, vhost, name string) *confirmView {
	v := &confirmView{c: c, viewID: nextViewID(), what: "purge queue", kind: "queue", vhost: vhost, name: name,
		run: func(ctx context.Context, a Admin) error { return a.PurgeQueue(ctx, vhost, name) }}
	v.done = adminDoneMsg{view: v.viewID, kind: kindQueue, vhost: vhost, name: name, text: "purged queue " + name + " (vhost " + vhost + ")"}
	return v
}

func newDeleteConfirm(c *common, kind, vhost, name string) *confirmView {
	v := &confirmView{c: c, viewID: nextViewID(), what: "delete " + kind, kind: kind, vhost: vhost, name: name, typed: &widget.TextEditor{}}
	v.done = adminDoneMsg{view: v.viewID, kind: objectKind(kind), vhost: vhost, name: name, text: "deleted " + kind + " " + name + " (vhost " + vhost + ")", gone: true}
	v.run = func(ctx context.Context, a Admin) error {
		if kind == "exchange" {
			return a.DeleteExchange(ctx, vhost, name)
		}
		return a.DeleteQueue(ctx, vhost, name)
	}
	return v
}

func (v *confirmView) id() int                  { return v.viewID }
func (v *confirmView) title() string            { return v.what + " " + v.name + "?" }
func (v *confirmView) load() tea.Cmd            { return nil }
func (v *confirmView) setSize(w, h int) tea.Cmd { return nil }
func (v *confirmView) typing() bool             { return true } // only y, n, the name and esc

// keys: y or n for a purge; the typed name and enter for a delete.
func (v *confirmView) keys() keyScope {
	if v.typed != nil {
		return scopeOf("Confirm", v.confirm())
	}
	a := v.answers()
	return scopeOf("Confirm", a.Yes, a.No)
}

func (v *confirmView) answers() answerKeys {
	a := answers(v.what, "cancel")
	a.Yes = a.Yes.write()
	return a
}

func (v *confirmView) confirm() binding {
	return bind("enter", v.what+", once the name is typed", "enter").write().hint(v.what)
}
func (v *confirmView) status() string {
	if v.busy {
		return "working…"
	}
	return "asks first"
}

func (v *confirmView) update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case tea.KeyPressMsg:
		if v.busy {
			return nil
		}
		if v.typed == nil {
			switch a := v.answers(); {
			case matches(m, a.Yes):
				return v.start()
			case matches(m, a.No):
				return func() tea.Msg { return popMsg{view: v.viewID} }
			}
			return nil
		}
		if matches(m, v.confirm()) {
			if v.typed.String() != v.name {
				v.err = fmt.Errorf("the name does not match: type %q exactly", v.name)
				return nil
			}
			return v.start()
		}
		v.typed.Key(m)
	case tea.PasteMsg:
		if v.typed != nil {
			v.typed.Insert(m.Content)
		}
	case adminDoneMsg:
		v.busy = false
		v.err = m.err
	}
	return nil
}

func (v *confirmView) start() tea.Cmd {
	admin := v.c.target.Admin
	if admin == nil {
		v.err = fmt.Errorf("no management API client")
		return nil
	}
	v.busy, v.err = true, nil
	return adminCmd(admin, v.c.opts.Timeout, v.done, v.run)
}

// adminCmd runs one admin call off the UI thread and reports it done.
func adminCmd(admin Admin, timeout time.Duration, done adminDoneMsg, run func(context.Context, Admin) error) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		done.err = run(ctx, admin)
		return done
	}
}

func (v *confirmView) render(w, h int) string {
	th := v.c.th
	var b strings.Builder
	b.WriteString(th.Section.Render(strings.ToUpper(v.what[:1])+v.what[1:]+" "+safe(v.name)+" in vhost "+safe(v.vhost)+"?") + "\n\n")
	switch {
	case v.kind == "queue" && v.typed == nil:
		b.WriteString("Every ready message in the queue is dropped for good (unacked messages stay with their consumers).\n\n")
		a := v.answers()
		b.WriteString(v.c.keyLine(a.Yes, a.No) + "\n")
	default:
		what := "The queue and every message in it are gone for good; its consumers are cancelled."
		if v.kind == "exchange" {
			what = "The exchange and all its bindings are gone for good; publishers to it get a channel error."
		}
		b.WriteString(what + "\n\nType the name to confirm, then enter:\n\n  ")
		b.WriteString(strings.Join(v.typed.Lines(th, max(w-4, 10), 1, true), "") + "\n")
	}
	if v.busy {
		b.WriteString("\n" + th.Faint.Render("working…"))
	}
	if v.err != nil {
		b.WriteString("\n" + th.Error.Render(safe(v.err.Error())))
	}
	return b.String()
}

// popMsg asks the App to close a view (a dialog that is done).
type popMsg struct{ view int }
