package broker

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"
)

// tcpPair is a connected loopback pair: the batching side and the far end.
func tcpPair(t *testing.T) (*batchingConn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	far := <-accepted
	if far == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { far.Close() })
	return newBatchingConn(c), far
}

// Many small writes arrive whole and in order, whatever batches they went
// out in, and Close sends what is still held before closing.
func TestBatchingConnKeepsOrderAndFlushesOnClose(t *testing.T) {
	b, far := tcpPair(t)
	var want bytes.Buffer
	for i := 0; i < 20000; i++ {
		frame := fmt.Appendf(nil, "frame %05d;", i)
		want.Write(frame)
		if n, err := b.Write(frame); err != nil || n != len(frame) {
			t.Fatalf("write %d: %d, %v", i, n, err)
		}
	}
	got := make(chan []byte)
	go func() {
		data, _ := io.ReadAll(far)
		got <- data
	}()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if data := <-got; !bytes.Equal(data, want.Bytes()) {
		t.Fatalf("far end read %d bytes, want %d in order", len(data), want.Len())
	}
	if _, err := b.Write([]byte("late")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write after close: %v, want net.ErrClosed", err)
	}
}

// An idle connection's write goes out at once, not when more arrive.
func TestBatchingConnWritesAloneAtOnce(t *testing.T) {
	b, far := tcpPair(t)
	defer b.Close()
	if _, err := b.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	_ = far.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4)
	if _, err := io.ReadFull(far, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("read %q, %v", buf, err)
	}
}

// A link that fails makes the next writes fail too, instead of holding
// bytes that can never go; a writer waiting for room is let go.
func TestBatchingConnReportsAFailedLink(t *testing.T) {
	b, far := tcpPair(t)
	defer b.Close()
	far.Close()
	deadline := time.Now().Add(10 * time.Second)
	chunk := make([]byte, 64<<10)
	for {
		if _, err := b.Write(chunk); err != nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("writes to a closed peer never failed")
		}
	}
}
