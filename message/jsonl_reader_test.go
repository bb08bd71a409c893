package message

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// zeros is an endless reader of NUL bytes, as /dev/zero.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// endless repeats one line forever.
type endless struct {
	line []byte
	off  int
}

func (e *endless) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], e.line[e.off:])
		n += c
		e.off = (e.off + c) % len(e.line)
	}
	return n, nil
}

func TestJSONLReaderBoundsTheLine(t *testing.T) {
	t.Parallel()
	// An endless line is cut at the limit with its number, not read into memory.
	r := NewJSONLReader(zeros{}, 1<<20)
	if _, n, err := r.Next(); err == nil || n != 1 || !strings.Contains(err.Error(), "line 1 is longer than 1 MiB") {
		t.Fatalf("endless line: line %d, %v", n, err)
	}
	good, _ := MarshalJSONL(Message{Offset: -1, Queue: "q", Body: []byte("hi")})
	long := append(append([]byte{}, good...), []byte(`{"v":1,"body":"`+strings.Repeat("A", 2<<20)+`"}`+"\n")...)
	r = NewJSONLReader(bytes.NewReader(long), 1<<20)
	if m, n, err := r.Next(); err != nil || n != 1 || m.Queue != "q" {
		t.Fatalf("first line: %d %v", n, err)
	}
	if _, n, err := r.Next(); err == nil || n != 2 || !strings.Contains(err.Error(), "line 2 is longer than 1 MiB") {
		t.Fatalf("long second line: line %d, %v", n, err)
	}
	// A line exactly at the limit, without a final newline, is read.
	exact := append(bytes.Repeat([]byte(" "), 1<<20-len(good)), bytes.TrimSuffix(good, []byte("\n"))...)
	r = NewJSONLReader(bytes.NewReader(exact), 1<<20)
	if m, _, err := r.Next(); err != nil || m.Queue != "q" {
		t.Fatalf("a line at the limit: %v", err)
	}
	if _, _, err := r.Next(); err != io.EOF {
		t.Fatalf("after the last line: %v", err)
	}
}

// Messages come one at a time from a file of any length: an endless
// source gives as many as asked for.
func TestJSONLReaderStreams(t *testing.T) {
	t.Parallel()
	good, _ := MarshalJSONL(Message{Offset: -1, Queue: "q", Body: bytes.Repeat([]byte("x"), 1000)})
	r := NewJSONLReader(&endless{line: append([]byte("\n"), good...)}, 0)
	for i := 1; i <= 10000; i++ {
		m, n, err := r.Next()
		if err != nil || m.Queue != "q" || n != 2*i {
			t.Fatalf("message %d: line %d, %v", i, n, err)
		}
	}
}
