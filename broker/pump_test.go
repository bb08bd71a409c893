package broker

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/warren-tui/warren/message"
)

func pumpMsg(i int) message.Message { return message.Message{Body: []byte(fmt.Sprint(i))} }

func TestPumpKeepsOrderAndNumbers(t *testing.T) {
	p := NewPump(4)
	for i := 0; i < 3; i++ {
		p.Push(pumpMsg(i))
	}
	select {
	case <-p.Notify():
	default:
		t.Fatal("no wake-up after a push")
	}
	batch, dropped, total := p.Drain(2)
	if len(batch) != 2 || string(batch[0].Body) != "0" || batch[1].Position != 2 || dropped != 0 || total != 3 {
		t.Fatalf("Drain(2) = %v, %d, %d", batch, dropped, total)
	}
	batch, _, _ = p.Drain(0)
	if len(batch) != 1 || string(batch[0].Body) != "2" || batch[0].Position != 3 {
		t.Fatalf("Drain(0) = %v", batch)
	}
	if batch, _, _ := p.Drain(0); batch != nil {
		t.Fatalf("empty pump drained %v", batch)
	}
}

// A full ring drops the oldest and counts them; what is left is the newest.
func TestPumpDropsOldestWhenFull(t *testing.T) {
	p := NewPump(100)
	for i := 0; i < 1000; i++ {
		p.Push(pumpMsg(i))
	}
	st := p.Stats()
	if st.Received != 1000 || st.Dropped != 900 || st.Buffered != 100 {
		t.Fatalf("stats %+v", st)
	}
	batch, dropped, total := p.Drain(0)
	if len(batch) != 100 || string(batch[0].Body) != "900" || string(batch[99].Body) != "999" || dropped != 900 || total != 1000 {
		t.Fatalf("got %d msgs from %s to %s, dropped %d total %d", len(batch), batch[0].Body, batch[99].Body, dropped, total)
	}
	p.Clear()
	if st := p.Stats(); st.Received != 0 || st.Dropped != 0 || st.Buffered != 0 {
		t.Fatalf("after Clear: %+v", st)
	}
}

// Producers and a draining reader at once: nothing is lost or duplicated
// beyond what the drop count says.
func TestPumpConcurrent(t *testing.T) {
	p := NewPump(64)
	const producers, each = 4, 5000
	var wg sync.WaitGroup
	for w := 0; w < producers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				p.Push(pumpMsg(i))
			}
		}()
	}
	stop := make(chan struct{})
	got := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-p.Notify():
				b, _, _ := p.Drain(0)
				n += len(b)
			case <-stop:
				b, _, _ := p.Drain(0)
				got <- n + len(b)
				return
			}
		}
	}()
	wg.Wait()
	close(stop)
	n := <-got
	st := p.Stats()
	if st.Received != producers*each || uint64(n)+st.Dropped != st.Received {
		t.Fatalf("drained %d + dropped %d != received %d", n, st.Dropped, st.Received)
	}
}

func BenchmarkPumpPush(b *testing.B) {
	p := NewPump(DefaultPumpCapacity)
	batch := make([]message.Message, liveBatch)
	b.ReportAllocs()
	for i := 0; i < b.N; i += liveBatch {
		p.Push(batch...)
	}
}

func TestPumpWaitRoom(t *testing.T) {
	p := NewPump(4)
	p.Push(message.Message{}, message.Message{}, message.Message{})
	if err := p.WaitRoom(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := p.WaitRoom(ctx, 2); err == nil {
		t.Fatal("no room for 2 in a ring of 4 holding 3: WaitRoom should wait until ctx ends")
	}
	done := make(chan error, 1)
	go func() { done <- p.WaitRoom(context.Background(), 4) }()
	time.Sleep(20 * time.Millisecond)
	p.Drain(0)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Drain should wake a waiter")
	}
	if err := p.WaitRoom(context.Background(), 10); err != nil {
		t.Fatal("asking for more than the capacity waits only for an empty ring:", err)
	}
}
