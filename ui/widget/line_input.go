package widget

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/warren-tui/warren/message"
	"github.com/warren-tui/warren/ui/theme"
)

// LineInput is the : and / prompts' editor: bubbles' textinput does the
// editing (←/→, home/end, word moves, deletes), with a static cursor so an
// open prompt runs no blink timer. The prompt draws it itself, escaped and
// by display cells.
//
// textinput drops control runes and invalid UTF-8 from what it is given,
// and a pasted file name or regex must keep every byte. So each such rune
// or byte enters as a private-use rune standing for it (see holdRune), is
// drawn escaped, and comes back out as itself.
type LineInput struct {
	m textinput.Model
}

func NewLineInput(text string) LineInput {
	m := textinput.New()
	m.Prompt = ""
	st := m.Styles()
	st.Cursor.Blink = false // no blink, so no timer
	m.SetStyles(st)
	off := key.NewBinding(key.WithDisabled())
	// Completion is the prompt's own (tab); the clipboard is not read
	// behind the person's back (their terminal pastes).
	m.KeyMap.AcceptSuggestion, m.KeyMap.NextSuggestion, m.KeyMap.PrevSuggestion, m.KeyMap.Paste = off, off, off, off
	m.Focus()
	l := LineInput{m: m}
	l.Set(text)
	return l
}

// Text is what was typed, byte for byte.
func (l *LineInput) Text() string { return releaseRunes(l.m.Value()) }

// Set replaces the text and puts the cursor at its end.
func (l *LineInput) Set(s string) {
	l.m.SetValue(string(holdRunes(s)))
	l.m.CursorEnd()
}

// Insert types s at the cursor (a paste).
func (l *LineInput) Insert(s string) {
	l.m, _ = l.m.Update(tea.PasteMsg{Content: string(holdRunes(s))})
}

// Key edits with one key press; the keys the prompt handles itself
// (enter, esc, tab) never get here.
func (l *LineInput) Key(m tea.KeyPressMsg) {
	if m.Text != "" {
		m.Text = string(holdRunes(m.Text))
	}
	l.m, _ = l.m.Update(m) // a static cursor asks for no command
}

// View draws the text in w cells with the cursor, scrolled sideways to
// keep the cursor in view: each rune takes the cells it shows in (escapes,
// wide runes).
func (l *LineInput) View(th theme.Theme, w int) string {
	w = max(w, 2)
	r := []rune(l.m.Value())
	pos := min(l.m.Position(), len(r))
	shown := make([]string, len(r))
	for i, c := range r {
		shown[i] = shownHeld(c)
	}
	cells := func(i int) int { return max(ansi.StringWidth(shown[i]), 1) }
	// From the cursor back as far as fits, keeping a cell for the cursor
	// at the end; then on to the right as far as fits.
	from, used := pos, 1
	for from > 0 && used+cells(from-1) <= w {
		from--
		used += cells(from)
	}
	var b strings.Builder
	total := 0
	for i := from; i < len(r); i++ {
		if total+cells(i) > w {
			break
		}
		total += cells(i)
		if i == pos {
			b.WriteString(th.Cursor.Render(shown[i]))
		} else {
			b.WriteString(th.PromptText.Render(shown[i]))
		}
	}
	if pos >= len(r) {
		b.WriteString(th.Cursor.Render(" "))
	}
	return b.String()
}

// The private-use runes that stand for what textinput would drop:
// U+F0000+r for a control rune r (all below U+100), U+F0100+b for an
// invalid byte b, and U+F0200+k for a rune U+F0000+k itself of that range.
const (
	heldControl = 0xF0000
	heldByte    = 0xF0100
	heldSelf    = 0xF0200
	heldEnd     = 0xF0400
)

// holdRunes turns s into runes textinput keeps as they are.
func holdRunes(s string) []rune {
	out := make([]rune, 0, len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			out = append(out, heldByte+rune(s[i]))
		case r < 0x100 && (r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f)):
			out = append(out, heldControl+r)
		case r >= heldControl && r < heldByte+0x100:
			out = append(out, heldSelf+(r-heldControl))
		default:
			out = append(out, r)
		}
		i += size
	}
	return out
}

// releaseRunes undoes holdRunes.
func releaseRunes(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= heldControl && r < heldByte:
			b.WriteRune(r - heldControl)
		case r >= heldByte && r < heldSelf:
			b.WriteByte(byte(r - heldByte))
		case r >= heldSelf && r < heldEnd:
			b.WriteRune(heldControl + (r - heldSelf))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// shownHeld is how one held rune shows: escaped when it stands for a
// control rune or a byte, or when it is unsafe itself (bidi).
func shownHeld(r rune) string {
	switch {
	case r >= heldByte && r < heldSelf:
		return fmt.Sprintf(`\x%02x`, r-heldByte)
	case r >= heldControl && r < heldEnd:
		return message.Escape(releaseRunes(string(r)))
	}
	return message.Escape(string(r))
}
