package watchstate

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestPinsSurviveAndBoardsStayApart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "warren", "watch.json")
	s := At(path)
	if pins, err := s.LoadPins("local"); err != nil || len(pins) != 0 {
		t.Fatalf("no file yet: %v, %v", pins, err)
	}
	local := []Pin{{"/", "orders"}, {"billing", "invoices"}}
	if err := s.SavePins("local", local); err != nil {
		t.Fatal(err)
	}
	if err := s.SavePins("prod", []Pin{{"/", "payments"}}); err != nil {
		t.Fatal(err)
	}
	again := At(path) // a new run
	if pins, err := again.LoadPins("local"); err != nil || !reflect.DeepEqual(pins, local) {
		t.Fatalf("local after a restart: %v, %v", pins, err)
	}
	if pins, _ := again.LoadPins("prod"); len(pins) != 1 || pins[0].Queue != "payments" {
		t.Fatalf("prod: %v", pins)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the file should be readable only by its owner: %v, %v", info.Mode(), err)
	}
	if dir, _ := os.Stat(filepath.Dir(path)); dir.Mode().Perm() != 0o700 {
		t.Fatalf("the directory mode is %v", dir.Mode())
	}
	if err := again.SavePins("local", nil); err != nil {
		t.Fatal(err)
	}
	if pins, _ := At(path).LoadPins("local"); len(pins) != 0 {
		t.Fatalf("unpinned all, still %v", pins)
	}
}

func TestCorruptFileIsReplacedNotFatal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "watch.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := At(path)
	if _, err := s.LoadPins("x"); err == nil {
		t.Fatal("a corrupt file should be an error to show")
	}
	if err := s.SavePins("x", []Pin{{"/", "q"}}); err != nil {
		t.Fatal(err)
	}
	if pins, err := s.LoadPins("x"); err != nil || len(pins) != 1 {
		t.Fatalf("%v, %v", pins, err)
	}
}

func TestDefaultFollowsXDG(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_STATE_HOME", dir)
	s, err := Default()
	if err != nil || s.Path() != filepath.Join(dir, "warren", "watch.json") {
		t.Fatalf("%v, %v", s, err)
	}
	t.Setenv("XDG_STATE_HOME", "relative") // not absolute: ignored, as the spec says
	t.Setenv("HOME", dir)
	if s, _ := Default(); s.Path() != filepath.Join(dir, ".local", "state", "warren", "watch.json") {
		t.Fatalf("%s", s.Path())
	}
}
