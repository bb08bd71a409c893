package ui

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/warren-tui/warren/internal/boundedfile"
)

// execEditorMsg carries a prepared $EDITOR run back to its view, which
// hands it to tea.ExecProcess (the terminal is the editor's until it exits).
type execEditorMsg struct {
	view  int
	field string
	cmd   *exec.Cmd
	path  string
	err   error
}

// editedMsg brings a field's text back from $EDITOR.
type editedMsg struct {
	view  int
	field string
	text  string
	err   error
}

// editorCommand is $VISUAL, else $EDITOR, else vi; it may carry arguments
// ("code -w").
func editorCommand() ([]string, error) {
	for _, env := range []string{"VISUAL", "EDITOR"} {
		if f := strings.Fields(os.Getenv(env)); len(f) > 0 {
			return f, nil
		}
	}
	if _, err := exec.LookPath("vi"); err == nil {
		return []string{"vi"}, nil
	}
	return nil, errors.New("no editor: set $EDITOR")
}

// prepareEditor writes text to a temporary file and builds the editor's
// command, off the UI thread.
func prepareEditor(view int, field, text, suffix string) tea.Cmd {
	return func() tea.Msg {
		argv, err := editorCommand()
		if err != nil {
			return execEditorMsg{view: view, field: field, err: err}
		}
		f, err := os.CreateTemp("", "warren-*"+suffix)
		if err != nil {
			return execEditorMsg{view: view, field: field, err: err}
		}
		_, err = f.WriteString(text)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(f.Name())
			return execEditorMsg{view: view, field: field, err: err}
		}
		cmd := exec.Command(argv[0], append(argv[1:], f.Name())...)
		return execEditorMsg{view: view, field: field, cmd: cmd, path: f.Name()}
	}
}

// discardEditorFile removes a prepared file no editor will open.
func discardEditorFile(m execEditorMsg) tea.Cmd {
	if m.path == "" {
		return nil
	}
	return func() tea.Msg { _ = os.Remove(m.path); return nil }
}

// runEditor suspends the UI while the editor runs, then reads the file
// back. handoff, when set, gives the editor the terminal (see
// Options.Handoff).
func runEditor(m execEditorMsg, handoff func(tea.ExecCommand) tea.ExecCommand) tea.Cmd {
	if m.err != nil {
		return func() tea.Msg { return editedMsg{view: m.view, field: m.field, err: m.err} }
	}
	done := func(err error) tea.Msg {
		defer os.Remove(m.path)
		if err != nil {
			return editedMsg{view: m.view, field: m.field, err: errors.New("editor: " + err.Error())}
		}
		b, _, rerr := boundedfile.ReadFile(m.path, maxBodyFile)
		if rerr != nil {
			return editedMsg{view: m.view, field: m.field, err: rerr}
		}
		return editedMsg{view: m.view, field: m.field, text: strings.TrimSuffix(string(b), "\n")}
	}
	if handoff == nil {
		return tea.ExecProcess(m.cmd, done)
	}
	return tea.Exec(handoff(editorRun{m.cmd}), done)
}

// editorRun is the editor's process as a tea.ExecCommand. Streams already
// set (the terminal itself, by the screen) are kept.
type editorRun struct{ *exec.Cmd }

func (e editorRun) SetStdin(r io.Reader) {
	if e.Stdin == nil {
		e.Stdin = r
	}
}

func (e editorRun) SetStdout(w io.Writer) {
	if e.Stdout == nil {
		e.Stdout = w
	}
}

func (e editorRun) SetStderr(w io.Writer) {
	if e.Stderr == nil {
		e.Stderr = w
	}
}
