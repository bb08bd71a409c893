// Package procstat reads a process's CPU time from /proc/<pid>/stat, for
// the benchmarks that measure warren's and the broker's CPU.
package procstat

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// ClockTick is one unit of utime/stime in /proc/<pid>/stat. USER_HZ is 100
// on every Linux architecture Go supports (the kernel fixes it for ABI).
const ClockTick = 10 * time.Millisecond

// Stat is what the benchmarks read from one /proc/<pid>/stat line.
type Stat struct {
	Comm  string
	UTime uint64 // clock ticks
	STime uint64 // clock ticks
}

// CPU is the process's user plus system time.
func (s Stat) CPU() time.Duration {
	return time.Duration(s.UTime+s.STime) * ClockTick
}

// Parse reads a /proc/<pid>/stat line. comm may hold spaces and
// parentheses, so the fields after it are found from its last ')'.
func Parse(line string) (Stat, error) {
	open, end := strings.IndexByte(line, '('), strings.LastIndexByte(line, ')')
	if open < 0 || end < open {
		return Stat{}, errors.New("stat line has no (comm)")
	}
	rest := strings.Fields(line[end+1:])
	// rest[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(rest) < 13 {
		return Stat{}, fmt.Errorf("stat line has %d fields after comm, want at least 13", len(rest))
	}
	utime, err := strconv.ParseUint(rest[11], 10, 64)
	if err != nil {
		return Stat{}, fmt.Errorf("utime: %w", err)
	}
	stime, err := strconv.ParseUint(rest[12], 10, 64)
	if err != nil {
		return Stat{}, fmt.Errorf("stime: %w", err)
	}
	return Stat{Comm: line[open+1 : end], UTime: utime, STime: stime}, nil
}

// Read reads and parses /proc/<pid>/stat.
func Read(pid int) (Stat, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return Stat{}, err
	}
	return Parse(string(data))
}
