// Package boundedfile opens files that a person names (an import, a
// message body, a password file) so that a wrong name cannot hang or
// exhaust warren: only regular files are read, a FIFO is refused without
// waiting for a writer, and sizes are capped.
package boundedfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// ErrNotRegular is returned for a device, pipe, socket or directory.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is returned for a file over the caller's limit.
var ErrTooLarge = errors.New("too large")

// Open opens path for reading if it is a regular file of at most limit
// bytes (no limit when limit <= 0). The check is made on the opened file,
// so a name swapped for a device in between is still refused.
func Open(path string, limit int64) (*os.File, fs.FileInfo, error) {
	f, err := openNonBlocking(path)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("%s is %s, %w: warren reads only regular files", path, kind(info.Mode()), ErrNotRegular)
	}
	if limit > 0 && info.Size() > limit {
		f.Close()
		return nil, nil, tooLarge(path, overSize(info.Size(), limit), limit)
	}
	return f, info, nil
}

// ReadFile reads a whole regular file of at most limit bytes. A file that
// grows past the limit while being read is refused too.
func ReadFile(path string, limit int64) ([]byte, fs.FileInfo, error) {
	f, info, err := Open(path, limit)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	r := io.Reader(f)
	if limit > 0 {
		r = io.LimitReader(f, limit+1)
	}
	// Sized to the file (plus one byte to see it end) so that a large one
	// is read without regrowing.
	var buf bytes.Buffer
	buf.Grow(int(info.Size()) + 1)
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, nil, err
	}
	b := buf.Bytes()
	if limit > 0 && int64(len(b)) > limit {
		return nil, nil, tooLarge(path, "over "+Size(limit)+" (it grew while read)", limit)
	}
	return b, info, nil
}

// overSize writes a size known to exceed limit so that it reads as more:
// 64 MiB and one byte is not "64.0 MiB".
func overSize(n, limit int64) string {
	text := Size(n)
	if v, _, _ := strings.Cut(text, " "); strings.TrimSuffix(v, ".0") == strings.Fields(Size(limit))[0] {
		return fmt.Sprintf("%d bytes", n)
	}
	return text
}

func tooLarge(path, size string, limit int64) error {
	return fmt.Errorf("%s is %s, %w: the limit is %s", path, size, ErrTooLarge, Size(limit))
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

// Size formats a byte count for a message: 512 B, 64 MiB, 1.5 GiB.
func Size(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, suffix := float64(n), ""
	for _, s := range []string{"KiB", "MiB", "GiB", "TiB"} {
		v /= unit
		suffix = s
		if v < unit {
			break
		}
	}
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d %s", int64(v), suffix)
	}
	return fmt.Sprintf("%.1f %s", v, suffix)
}
