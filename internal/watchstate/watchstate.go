// Package watchstate keeps the watch board's pinned queues between runs:
// one small JSON file under the user's state directory
// ($XDG_STATE_HOME/warren/watch.json, else ~/.local/state/warren/),
// readable only by the user. It holds board names (a context, or an API
// URL without credentials) and queue names, never a secret.
package watchstate

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/warren-tui/warren/internal/boundedfile"
)

// Pin is one queue on a board.
type Pin struct {
	Vhost string `json:"vhost"`
	Queue string `json:"queue"`
}

// maxFile bounds the file read: far more than any board needs.
const maxFile = 4 << 20

// Store reads and writes the file. Its methods are safe to call from
// several goroutines; each write replaces the file whole.
type Store struct {
	path string
	mu   sync.Mutex
}

// Default is the store at its usual place.
func Default() (*Store, error) {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, err
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return At(filepath.Join(dir, "warren", "watch.json")), nil
}

// At is a store at path.
func At(path string) *Store { return &Store{path: path} }

// Path is where the file is.
func (s *Store) Path() string { return s.path }

type file struct {
	Boards map[string][]Pin `json:"boards"`
}

func (s *Store) read() (file, error) {
	f := file{Boards: map[string][]Pin{}}
	b, _, err := boundedfile.ReadFile(s.path, maxFile)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return f, err
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return file{Boards: map[string][]Pin{}}, &corruptError{path: s.path, err: err}
	}
	if f.Boards == nil {
		f.Boards = map[string][]Pin{}
	}
	return f, nil
}

// LoadPins is the board's pins, in the order pinned; none when the file
// does not exist yet.
func (s *Store) LoadPins(board string) ([]Pin, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.read()
	return f.Boards[board], err
}

// SavePins replaces the board's pins, keeping the other boards. The file
// is written beside itself and renamed over, so a crash leaves the old
// file or the new one, never half of one.
func (s *Store) SavePins(board string, pins []Pin) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.read()
	if err != nil && !errors.As(err, new(*corruptError)) {
		return err // a file that cannot be read is not overwritten blindly
	}
	if len(pins) == 0 {
		delete(f.Boards, board)
	} else {
		f.Boards[board] = pins
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), ".watch-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // gone after the rename; cleans up on failure
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), s.path)
}

// corruptError: the file is not the JSON warren writes; the next save
// replaces it.
type corruptError struct {
	path string
	err  error
}

func (e *corruptError) Error() string {
	return fmt.Sprintf("%s: not a watch board file (%v)", e.path, e.err)
}
func (e *corruptError) Unwrap() error { return e.err }
