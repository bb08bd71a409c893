package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/warren-tui/warren/internal/procstat"
)

// statusKB returns a "Key:   123 kB" figure of /proc/<pid>/status.
func statusKB(status, key string) (int64, bool) {
	sc := bufio.NewScanner(strings.NewReader(status))
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != key {
			continue
		}
		f := strings.Fields(value)
		if len(f) == 0 {
			return 0, false
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		return n, err == nil
	}
	return 0, false
}

// memory is the resident set of this process now and at its peak.
type memory struct{ RSSKB, HWMKB int64 }

func selfMemory() memory {
	data, _ := os.ReadFile("/proc/self/status")
	rss, _ := statusKB(string(data), "VmRSS")
	hwm, _ := statusKB(string(data), "VmHWM")
	return memory{RSSKB: rss, HWMKB: hwm}
}

// selfCPU is this process's user plus system time, to the microsecond.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// listenInodes returns the socket inodes listening on port in a
// /proc/net/tcp or /proc/net/tcp6 table.
func listenInodes(table []byte, port int) []uint64 {
	var out []uint64
	want := fmt.Sprintf(":%04X", port)
	sc := bufio.NewScanner(bytes.NewReader(table))
	sc.Scan() // header line
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		// sl local rem st tx:rx tr:when retrnsmt uid timeout inode
		if len(f) < 10 || f[3] != "0A" || !strings.HasSuffix(f[1], want) {
			continue
		}
		if inode, err := strconv.ParseUint(f[9], 10, 64); err == nil && inode != 0 {
			out = append(out, inode)
		}
	}
	return out
}

// socketInode reads an fd link target such as "socket:[12345]".
func socketInode(link string) (uint64, bool) {
	s, ok := strings.CutPrefix(link, "socket:[")
	if !ok || !strings.HasSuffix(s, "]") {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimSuffix(s, "]"), 10, 64)
	return n, err == nil
}

// listeningPIDs finds the processes holding a listening socket on port,
// by matching /proc/net/tcp{,6} inodes against every process's fds.
func listeningPIDs(port int) ([]int, error) {
	inodes := map[uint64]bool{}
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(table)
		if err != nil {
			continue
		}
		for _, in := range listenInodes(data, port) {
			inodes[in] = true
		}
	}
	if len(inodes) == 0 {
		return nil, fmt.Errorf("nothing listens on port %d", port)
	}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var pids []int
	for _, dir := range dirs {
		pid, err := strconv.Atoi(filepath.Base(dir))
		if err != nil {
			continue
		}
		fds, err := os.ReadDir(dir + "/fd")
		if err != nil {
			continue // not ours to read, or gone
		}
		for _, fd := range fds {
			link, err := os.Readlink(dir + "/fd/" + fd.Name())
			if in, ok := socketInode(link); err == nil && ok && inodes[in] {
				pids = append(pids, pid)
				break
			}
		}
	}
	if len(pids) == 0 {
		return nil, fmt.Errorf("port %d listens, but its process is not visible here (run as root or as the broker's user)", port)
	}
	return pids, nil
}

// cpuMeter sums the CPU time of a fixed set of processes.
type cpuMeter struct{ pids []int }

func (m cpuMeter) read() (time.Duration, error) {
	var total time.Duration
	for _, pid := range m.pids {
		s, err := procstat.Read(pid)
		if err != nil {
			return 0, fmt.Errorf("broker process %d: %w (did the broker restart?)", pid, err)
		}
		total += s.CPU()
	}
	return total, nil
}

// percentOfCore turns CPU time used over a wall-clock span into percent of one core.
func percentOfCore(cpu, wall time.Duration) float64 {
	if wall <= 0 {
		return 0
	}
	return 100 * float64(cpu) / float64(wall)
}
