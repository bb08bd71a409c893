package procstat

import (
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	// comm may hold spaces and parentheses; fields count from the last ')'.
	line := "26107 (beam.smp) S 1 26000 26000 0 -1 4194560 123 0 0 0 4512 987 0 0 20 0 30 0 1234 0 0\n"
	s, err := Parse(line)
	if err != nil {
		t.Fatal(err)
	}
	if s.Comm != "beam.smp" || s.UTime != 4512 || s.STime != 987 {
		t.Fatalf("got %+v", s)
	}
	if got, want := s.CPU(), (4512+987)*10*time.Millisecond; got != want {
		t.Fatalf("CPU() = %s, want %s", got, want)
	}
	odd, err := Parse("7 (a) b (c)) R 1 1 1 0 -1 0 0 0 0 0 11 22 0 0 20 0 1 0 5 0 0")
	if err != nil || odd.Comm != "a) b (c)" || odd.UTime != 11 || odd.STime != 22 {
		t.Fatalf("odd comm: %+v, %v", odd, err)
	}
	for _, bad := range []string{"", "12 beam.smp S 1", "12 (x) S 1 2 3", "1 (x) S 1 1 1 0 -1 0 0 0 0 0 u s 0"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}
