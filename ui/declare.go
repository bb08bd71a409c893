package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/warren-tui/warren/message"
	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/ui/widget"
)

var (
	declareKinds   = []string{"queue", "exchange", "binding"}
	queueTypes     = []string{"classic", "quorum", "stream"}
	exchangeTypes  = []string{"direct", "fanout", "topic", "headers"}
	bindingDestTyp = []string{"queue", "exchange"}
)

// declareView is the form that declares a queue, an exchange or a binding,
// and asks y before it does.
type declareView struct {
	c          *common
	viewID     int
	form       *widget.Form
	confirming string // the question while asking y/n
	run        func(ctx context.Context, a Admin) error
	done       string
	busy       bool
	err        error
}

func newDeclareView(c *common, kind string) *declareView {
	vhost := c.target.Vhost
	if vhost == "" {
		vhost = "/"
	}
	kindIdx := 0
	for i, k := range declareKinds {
		if k == kind {
			kindIdx = i
		}
	}
	v := &declareView{c: c, viewID: nextViewID()}
	v.form = widget.NewForm(
		widget.ChoiceF("kind", "declare a", declareKinds, kindIdx, "space/←/→ to change"),
		widget.TextF("vhost", "vhost", vhost, ""),
		widget.TextF("name", "name", "", ""),
		widget.ChoiceF("qtype", "queue type", queueTypes, 0, ""),
		widget.ChoiceF("xtype", "exchange type", exchangeTypes, 2, ""),
		widget.TextF("source", "source exchange", "", "the exchange messages come from"),
		widget.ChoiceF("dtype", "destination is a", bindingDestTyp, 0, ""),
		widget.TextF("destination", "destination", "", "queue or exchange name"),
		widget.TextF("routing_key", "routing key", "", "binding key; topic patterns like orders.* work"),
		widget.ToggleF("durable", "durable", true, "survives a broker restart"),
		widget.ToggleF("auto_delete", "auto-delete", false, "goes away when its last consumer / binding does"),
		widget.ToggleF("internal", "internal", false, "only other exchanges may publish to it"),
		widget.MultiF("arguments", "arguments (JSON)", "{}", 4),
	)
	v.form.Get("arguments").Hint = `e.g. {"x-dead-letter-exchange": "dlx", "x-max-length": 1000}`
	v.relabel()
	if kind == "binding" {
		v.form.FocusOn("source")
	} else {
		v.form.FocusOn("name")
	}
	v.form.MarkClean()
	return v
}

// holdClose keeps an edited, undeclared form open on the first esc, as the
// publish form does.
func (v *declareView) holdClose() bool {
	if v.busy || !v.form.HoldEsc() {
		return false
	}
	v.confirming = ""
	v.err = errors.New("unsent edits: esc again discards them (ctrl+s declares)")
	return true
}

// holdQuit keeps warren open on the first ctrl+c over unsent edits.
func (v *declareView) holdQuit() bool {
	if v.busy || !v.form.HoldEsc() {
		return false
	}
	v.confirming = ""
	v.err = errors.New("unsent edits: ctrl+c again quits and discards them (ctrl+s declares)")
	return true
}

// relabel shows the fields of the chosen kind only.
func (v *declareView) relabel() {
	kind := v.form.Get("kind").Value()
	show := map[string]string{
		"name": "queue exchange", "qtype": "queue", "xtype": "exchange", "source": "binding", "dtype": "binding",
		"destination": "binding", "routing_key": "binding", "durable": "queue exchange", "auto_delete": "queue exchange",
		"internal": "exchange",
	}
	for f, kinds := range show {
		v.form.Get(f).Hidden = !strings.Contains(kinds, kind)
	}
	// Quorum queues and streams are always durable, never auto-delete.
	if kind == "queue" && v.form.Get("qtype").Value() != "classic" {
		v.form.Get("durable").On, v.form.Get("auto_delete").Hidden = true, true
	}
}

func (v *declareView) id() int                  { return v.viewID }
func (v *declareView) title() string            { return "declare " + v.form.Get("kind").Value() }
func (v *declareView) load() tea.Cmd            { return nil }
func (v *declareView) setSize(w, h int) tea.Cmd { return nil }
func (v *declareView) typing() bool             { return true } // y/n too: no global key may act
func (v *declareView) status() string           { return "ctrl+s declares (asks first)" }
func (v *declareView) keys() keyScope {
	if v.confirming != "" {
		a := v.answers()
		return scopeOf("Declare", a.Yes, a.No, v.c.keys.Global.Back.about("close"))
	}
	k := v.c.keys.Form
	return v.c.formScope("Declare", from(k.Submit).about("declare (asks first)").hint("declare"), from(k.Cancel).hint("close"))
}

// answers answer the question ctrl+s asks: y declares.
func (v *declareView) answers() answerKeys {
	a := answers("declare", "back to the form")
	a.Yes = a.Yes.write()
	return a
}

func (v *declareView) update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case tea.KeyPressMsg:
		v.form.KeyPressed()
		if v.busy {
			return nil
		}
		if v.confirming != "" {
			switch a := v.answers(); {
			case matches(m, a.Yes):
				return v.start()
			case matches(m, a.No):
				v.confirming = ""
			}
			return nil
		}
		if key.Matches(m, v.c.keys.Form.Submit) {
			v.ask()
			return nil
		}
		v.form.Key(m, v.c.keys.Form.Next, v.c.keys.Form.Prev)
		v.relabel()
	case tea.PasteMsg:
		v.form.Paste(m.Content)
	case adminDoneMsg:
		v.busy, v.err = false, m.err
		v.confirming = ""
	}
	return nil
}

// ask checks the form and, when it is sound, asks y/n.
func (v *declareView) ask() {
	run, question, err := v.build()
	if err != nil {
		v.err = err
		return
	}
	v.err, v.run, v.confirming = nil, run, question
}

func (v *declareView) build() (func(context.Context, Admin) error, string, error) {
	f := v.form
	vhost := f.Text("vhost")
	if vhost == "" {
		f.FocusOn("vhost")
		return nil, "", errors.New("vhost: give one (/ is the default)")
	}
	args, err := message.ParseHeadersJSON(f.Get("arguments").Value())
	if err != nil {
		f.FocusOn("arguments")
		return nil, "", errors.New(strings.Replace(err.Error(), "headers", "arguments", 1))
	}
	durable, autoDel := f.Get("durable").On, f.Get("auto_delete").On && !f.Get("auto_delete").Hidden
	flags := func(extra ...string) string {
		var fl []string
		if durable {
			fl = append(fl, "durable")
		} else {
			fl = append(fl, "transient")
		}
		if autoDel {
			fl = append(fl, "auto-delete")
		}
		fl = append(fl, extra...)
		if len(args) > 0 {
			fl = append(fl, "arguments "+argsInline(args))
		}
		return strings.Join(fl, ", ")
	}
	name := f.Text("name")
	switch f.Get("kind").Value() {
	case "queue":
		if name == "" {
			f.FocusOn("name")
			return nil, "", errors.New("name: a queue needs a name")
		}
		spec := mgmt.QueueSpec{Name: name, Type: f.Get("qtype").Value(), Durable: durable, AutoDelete: autoDel, Arguments: args}
		if err := transientQueueCheck(durable, v.c.rabbitVersion); err != nil {
			f.FocusOn("durable")
			return nil, "", err
		}
		q := fmt.Sprintf("Declare %s queue %q in vhost %s (%s)?", spec.Type, name, vhost, flags())
		return func(ctx context.Context, a Admin) error { return a.DeclareQueue(ctx, vhost, spec) }, q, nil
	case "exchange":
		if name == "" {
			f.FocusOn("name")
			return nil, "", errors.New("name: an exchange needs a name (the default exchange exists already)")
		}
		var extra []string
		if f.Get("internal").On {
			extra = append(extra, "internal")
		}
		spec := mgmt.ExchangeSpec{Name: name, Type: f.Get("xtype").Value(), Durable: durable, AutoDelete: autoDel, Internal: f.Get("internal").On, Arguments: args}
		q := fmt.Sprintf("Declare %s exchange %q in vhost %s (%s)?", spec.Type, name, vhost, flags(extra...))
		return func(ctx context.Context, a Admin) error { return a.DeclareExchange(ctx, vhost, spec) }, q, nil
	}
	spec := mgmt.BindingSpec{Source: f.Text("source"), Destination: f.Text("destination"), DestinationType: f.Get("dtype").Value(),
		RoutingKey: f.Get("routing_key").Value(), Arguments: args}
	if spec.Source == "" {
		f.FocusOn("source")
		return nil, "", errors.New("source exchange: the default exchange cannot be bound from; name an exchange")
	}
	if spec.Destination == "" {
		f.FocusOn("destination")
		return nil, "", errors.New("destination: name the " + spec.DestinationType + " to bind")
	}
	q := fmt.Sprintf("Bind %s %q to exchange %q with key %q in vhost %s?", spec.DestinationType, spec.Destination, spec.Source, spec.RoutingKey, vhost)
	if len(args) > 0 {
		q = strings.TrimSuffix(q, "?") + " (arguments " + argsInline(args) + ")?"
	}
	return func(ctx context.Context, a Admin) error { return a.DeclareBinding(ctx, vhost, spec) }, q, nil
}

func (v *declareView) start() tea.Cmd {
	admin := v.c.target.Admin
	if admin == nil {
		v.err, v.confirming = errors.New("no management API client"), ""
		return nil
	}
	v.busy = true
	done := adminDoneMsg{view: v.viewID, text: "done: " + strings.TrimSuffix(v.confirming, "?")}
	return adminCmd(admin, v.c.opts.Timeout, done, v.run)
}

func (v *declareView) render(w, h int) string {
	th := v.c.th
	head := []string{th.Section.Render("Declare a queue, an exchange or a binding") + th.Faint.Render("  · ctrl+s, then y"), ""}
	var foot []string
	if v.confirming != "" {
		foot = append(foot, "", th.Warn.Render(safe(v.confirming))+"  "+v.c.keyLine(v.answers().Yes, v.answers().No))
	}
	if v.busy {
		foot = append(foot, "", th.Faint.Render("declaring…"))
	}
	if v.err != nil {
		foot = append(foot, "", th.Error.Render(safe(v.err.Error())))
	}
	lines := v.form.Render(th, w, h-len(head)-len(foot))
	return strings.Join(append(append(head, lines...), foot...), "\n")
}
