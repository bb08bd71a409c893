// Package screen draws a Bubble Tea program's view on the terminal when
// the view changes, and at no other time.
//
// Bubble Tea v2's own renderer wakes on a fixed ticker (20 times a second
// at the rate warren ran it) whether or not anything changed, which alone
// costs an idle program about half a percent of a core. Here the program
// runs without that renderer: the model's View is taken after each
// update, as Bubble Tea asks for it, and a frame is written only when its
// text differs from the last one, at once, but no sooner than MinFrame
// after the last frame (a burst of changes is drawn as its last state).
// An idle program sleeps until something happens. The terminal work Bubble Tea's renderer did (raw mode, the
// alternate screen, the cursor, the window title, resizes, giving the
// terminal to an editor and taking it back) is done here; the cell diff
// is ultraviolet's, the library Bubble Tea's renderer is built on.
package screen

import (
	"bytes"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"
)

// Config says where the program reads keys and draws.
type Config struct {
	// In is the keyboard. When it is a terminal it is put in raw mode
	// for the program's run (and back for an editor's).
	In io.Reader
	// Out is the terminal. When it is one, its size is read at the start
	// and on every SIGWINCH.
	Out io.Writer
	// Width and Height are the screen's size when Out is not a terminal.
	Width, Height int
	// Profile is the colours Out shows; frames are cut down to it.
	Profile colorprofile.Profile
	// MinFrame is the least time between two frames (a burst of changes
	// is drawn as its last state).
	MinFrame time.Duration
	// Env is the environment the terminal is described by (TERM).
	Env []string
}

// Program is a Bubble Tea program whose frames a screen draws.
type Program struct {
	*tea.Program
	s *screen
}

// New builds the program for m; opts are Bubble Tea's, except those about
// the renderer, input, output, size and colour profile, which the screen
// sets.
func New(m tea.Model, cfg Config, opts ...tea.ProgramOption) *Program {
	if cfg.Out == nil {
		cfg.Out = os.Stdout
	}
	if cfg.In == nil {
		cfg.In = os.Stdin
	}
	if cfg.Env == nil {
		cfg.Env = os.Environ()
	}
	s := &screen{cfg: cfg, wake: make(chan struct{}, 1), done: make(chan struct{}), stopped: make(chan struct{})}
	s.width, s.height = cfg.Width, cfg.Height
	if f, ok := cfg.Out.(term.File); ok && term.IsTerminal(f.Fd()) {
		s.outTTY = f
		if w, h, err := term.GetSize(f.Fd()); err == nil && w > 0 && h > 0 {
			s.width, s.height = w, h
		}
	}
	if s.width <= 0 || s.height <= 0 {
		s.width, s.height = 80, 24
	}
	if f, ok := cfg.In.(term.File); ok && term.IsTerminal(f.Fd()) {
		s.inTTY = f
	}
	opts = append(opts,
		tea.WithoutRenderer(),
		// Bubble Tea still wakes at this rate to write out what it
		// queued itself (the background colour query); once a second
		// costs next to nothing.
		tea.WithFPS(1),
		tea.WithInput(cfg.In), tea.WithOutput(cfg.Out), tea.WithEnvironment(cfg.Env),
		tea.WithWindowSize(s.width, s.height), tea.WithColorProfile(cfg.Profile))
	return &Program{Program: tea.NewProgram(&model{inner: m, s: s}, opts...), s: s}
}

// Run takes the terminal, runs the program until it ends, gives the
// terminal back as it found it, and returns the final model (the one
// given to New, not the screen's wrapper).
func (p *Program) Run() (tea.Model, error) {
	if err := p.s.open(); err != nil {
		return nil, err
	}
	go p.s.loop()
	stopResize := p.s.watchResize(p.Program)
	final, err := p.Program.Run()
	stopResize()
	p.s.close()
	if m, ok := final.(*model); ok {
		return m.inner, err
	}
	return final, err
}

// Hand runs c with the terminal the way c expects a shell to leave it
// (cooked, main screen, cursor shown), then takes it back and draws the
// whole frame again. It is for tea.Exec: the editor a form opens.
func (p *Program) Hand(c tea.ExecCommand) tea.ExecCommand {
	return &handed{ExecCommand: c, s: p.s}
}

type handed struct {
	tea.ExecCommand
	s *screen
}

func (h *handed) Run() error {
	if err := h.s.release(); err != nil {
		return err
	}
	err := h.ExecCommand.Run()
	if rerr := h.s.retake(); err == nil {
		err = rerr
	}
	return err
}

// model hands each view the program asks for to the screen.
type model struct {
	inner tea.Model
	s     *screen
}

func (m *model) Init() tea.Cmd { return m.inner.Init() }

func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if ws, ok := msg.(tea.WindowSizeMsg); ok {
		m.s.resize(ws.Width, ws.Height)
	}
	var cmd tea.Cmd
	m.inner, cmd = m.inner.Update(msg)
	return m, cmd
}

func (m *model) View() tea.View {
	v := m.inner.View()
	m.s.offer(v.Content, v.WindowTitle)
	return v
}

// screen is the terminal's state and the goroutine that draws on it.
type screen struct {
	cfg           Config
	inTTY, outTTY term.File
	saved         *term.State // the keyboard's mode before raw

	mu            sync.Mutex
	content       string // the newest frame offered
	title         string
	width, height int
	dirty         bool // content, title or size changed since the last draw
	held          bool // the terminal is an editor's: draw nothing
	erase         bool // the next draw starts from a blank screen

	wake          chan struct{}
	done, stopped chan struct{}

	// Owned by the drawing goroutine (and by open and close, which run
	// when it does not).
	scr       *uv.TerminalRenderer
	buf       uv.ScreenBuffer
	out       bytes.Buffer
	drawnW    int
	drawnH    int
	drawnT    string
	lastFrame time.Time
}

// enter is what taking the terminal writes: the alternate screen, no
// cursor, pasted text marked as such.
const enter = ansi.SetModeAltScreenSaveCursor + ansi.HideCursor + ansi.SetModeBracketedPaste

// leave undoes enter.
const leave = ansi.ResetModeBracketedPaste + ansi.ShowCursor + ansi.ResetModeAltScreenSaveCursor

func (s *screen) open() error {
	if err := s.raw(); err != nil {
		return err
	}
	s.scr = uv.NewTerminalRenderer(&s.out, s.cfg.Env)
	s.scr.SetColorProfile(s.cfg.Profile)
	s.scr.SetFullscreen(true)
	s.scr.SetRelativeCursor(false)
	s.scr.SetScrollOptim(true)
	s.scr.SetTabStops(-1)
	s.buf = uv.NewScreenBuffer(s.width, s.height)
	s.scr.Resize(s.width, s.height)
	s.drawnW, s.drawnH = s.width, s.height
	s.scr.Erase()
	seq := enter
	if s.inTTY != nil && s.outTTY != nil {
		// The background colour, for a light or dark theme. Bubble Tea
		// would send its own request only on its next tick, up to a
		// second on, and a warren quit by then would leave the answer
		// to the shell.
		seq += ansi.RequestBackgroundColor
	}
	if _, err := io.WriteString(s.cfg.Out, seq); err != nil {
		_ = s.cooked()
		return err
	}
	return nil
}

// raw puts the keyboard in raw mode, remembering its mode.
func (s *screen) raw() error {
	if s.inTTY == nil {
		return nil
	}
	st, err := term.MakeRaw(s.inTTY.Fd())
	if err != nil {
		return err
	}
	s.saved = st
	return nil
}

// cooked puts the keyboard back as it was.
func (s *screen) cooked() error {
	if s.inTTY == nil || s.saved == nil {
		return nil
	}
	return term.Restore(s.inTTY.Fd(), s.saved)
}

func (s *screen) close() {
	close(s.done)
	<-s.stopped
	_, _ = io.WriteString(s.cfg.Out, leave)
	_ = s.cooked()
}

// release gives the terminal to a command until retake.
func (s *screen) release() error {
	s.mu.Lock()
	s.held = true
	_, err := io.WriteString(s.cfg.Out, leave) // under mu: no frame is half written
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return s.cooked()
}

// retake takes the terminal back and redraws all of it.
func (s *screen) retake() error {
	if err := s.raw(); err != nil {
		return err
	}
	s.mu.Lock()
	_, err := io.WriteString(s.cfg.Out, enter)
	s.held, s.erase, s.dirty = false, true, true
	s.mu.Unlock()
	s.poke()
	return err
}

func (s *screen) resize(w, h int) {
	if w <= 0 || h <= 0 {
		return
	}
	s.mu.Lock()
	if w != s.width || h != s.height {
		s.width, s.height, s.dirty = w, h, true
	}
	s.mu.Unlock()
	s.poke()
}

// offer is called with every view; a frame that differs is drawn soon.
func (s *screen) offer(content, title string) {
	s.mu.Lock()
	changed := content != s.content || title != s.title
	if changed {
		s.content, s.title, s.dirty = content, title, true
	}
	s.mu.Unlock()
	if changed {
		s.poke()
	}
}

func (s *screen) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// loop draws a frame each time one is offered, no sooner than MinFrame
// after the last; between frames it sleeps on a channel, not a ticker.
func (s *screen) loop() {
	defer close(s.stopped)
	for {
		select {
		case <-s.done:
			return
		case <-s.wake:
		}
		if wait := s.cfg.MinFrame - time.Since(s.lastFrame); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-s.done:
				t.Stop()
				return
			case <-t.C:
			}
		}
		s.draw()
	}
}

// draw writes the newest frame: only the cells that changed since the
// last, in one write. The frame is built outside the lock, so the program
// is never kept waiting for it.
func (s *screen) draw() {
	s.mu.Lock()
	if s.held || !s.dirty {
		s.mu.Unlock()
		return
	}
	content, title, w, h, erase := s.content, s.title, s.width, s.height, s.erase
	s.dirty, s.erase = false, false
	s.mu.Unlock()

	if w != s.drawnW || h != s.drawnH || erase {
		s.scr.Resize(w, h)
		s.buf.Resize(w, h)
		s.buf.Touched = nil
		s.scr.Erase()
		s.drawnW, s.drawnH = w, h
	}
	if title != s.drawnT {
		_, _ = s.scr.WriteString(ansi.SetWindowTitle(title))
		s.drawnT = title
	}
	s.buf.Clear()
	uv.NewStyledString(content).Draw(s.buf, s.buf.Bounds())
	s.scr.Render(s.buf.RenderBuffer)
	err := s.scr.Flush()

	s.mu.Lock()
	if s.held { // the terminal went to an editor meanwhile: retake redraws it all
		s.erase = true
	} else if err == nil && s.out.Len() > 0 {
		_, _ = s.cfg.Out.Write(s.out.Bytes())
	}
	s.mu.Unlock()
	s.out.Reset()
	s.lastFrame = time.Now()
}

// watchResize sends the program the terminal's new size on SIGWINCH.
func (s *screen) watchResize(p *tea.Program) (stop func()) {
	if s.outTTY == nil {
		return func() {}
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGWINCH)
	quit := make(chan struct{})
	go func() {
		for {
			select {
			case <-quit:
				return
			case <-ch:
				if w, h, err := term.GetSize(s.outTTY.Fd()); err == nil {
					p.Send(tea.WindowSizeMsg{Width: w, Height: h})
				}
			}
		}
	}()
	return func() { signal.Stop(ch); close(quit) }
}
