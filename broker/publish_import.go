package broker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/warren-tui/warren/message"
)

// Import publishes the messages next returns (until io.EOF) with confirms,
// mandatory and pipelined, in order, and reports per message what became of
// it. It holds only the messages awaiting their confirm, so a source of any
// length is imported in bounded memory. progress, when set, gets the number
// settled so far, at most every 100 ms.
func (s *Session) Import(ctx context.Context, req ImportRequest, next func() (message.Message, error), progress func(done int)) (ImportResult, error) {
	start := time.Now()
	mreq := MoveRequest{Queue: "(import)", Target: req.Target, TargetQueue: req.TargetQueue, Exchange: req.Exchange, RoutingKey: req.RoutingKey}
	if err := mreq.Check(); err != nil {
		return ImportResult{}, errors.New(strings.Replace(err.Error(), "move:", "import:", 1))
	}
	if err := s.checkTargetQueue(ctx, req.Vhost, req.Target, req.TargetQueue, req.Exchange, req.RoutingKey, "published"); err != nil {
		return ImportResult{}, err
	}
	p, err := s.OpenPublisher(ctx, req.Vhost, PublisherOptions{Window: req.Window, OnBlocked: req.OnBlocked})
	if err != nil {
		return ImportResult{}, err
	}
	defer p.Close()

	var res ImportResult
	// inFlight holds, in order, what awaits its outcome; a nil receipt is a
	// message with no origin. Settling from the front keeps NotPublished in
	// order; the publisher's window bounds how many can wait.
	type entry struct {
		i int
		r *Receipt
	}
	var inFlight []entry
	settled, last := 0, time.Now()
	settle := func(e entry) {
		settled++
		if progress != nil && time.Since(last) > 100*time.Millisecond {
			last = time.Now()
			progress(settled)
		}
		if e.r == nil {
			res.NotPublished = append(res.NotPublished, e.i)
			return
		}
		<-e.r.Done() // settles on confirm, or InDoubt when the channel closes
		switch e.r.Result().Outcome {
		case Confirmed:
			res.Published++
			return
		case Returned:
			res.Unroutable++
		case Nacked:
			res.Nacked++
		case InDoubt:
			res.InDoubt++
		}
		res.NotPublished = append(res.NotPublished, e.i)
	}
	ready := func(e entry) bool {
		if e.r == nil {
			return true
		}
		select {
		case <-e.r.Done():
			return true
		default:
			return false
		}
	}
	maxInFlight := 2 * max(req.Window, 512)
	var stopErr error
	failedAt := -1 // the message whose publish failed, if one did
	for {
		m, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			stopErr = err
			break
		}
		i := res.Read
		res.Read++
		ex, key, ok := importRoute(req, m)
		var r *Receipt
		if ok {
			if ex == "" {
				m.Headers = withoutCC(m.Headers)
			}
			if r, stopErr = p.Publish(ctx, ex, key, m); stopErr != nil {
				if errors.Is(stopErr, message.ErrHeaderLimit) {
					// The UI's scan of the file refuses such a line before
					// anything is published; this is the last guard.
					stopErr = fmt.Errorf("import: message %d: %w", i+1, stopErr)
				}
				failedAt = i
				break
			}
		} else {
			res.NoOrigin++
		}
		inFlight = append(inFlight, entry{i, r})
		for len(inFlight) > 0 && (ready(inFlight[0]) || len(inFlight) > maxInFlight) {
			settle(inFlight[0])
			inFlight = inFlight[1:]
		}
	}
	for _, e := range inFlight {
		settle(e)
	}
	if failedAt >= 0 {
		res.NotPublished = append(res.NotPublished, failedAt)
	}
	if progress != nil {
		progress(settled)
	}
	res.Took = time.Since(start)
	return res, stopErr
}

// SliceSource hands out msgs one by one, then io.EOF: a source for Import.
func SliceSource(msgs []message.Message) func() (message.Message, error) {
	i := 0
	return func() (message.Message, error) {
		if i == len(msgs) {
			return message.Message{}, io.EOF
		}
		i++
		return msgs[i-1], nil
	}
}

// importRoute is MoveRequest.route for a message read from a file.
func importRoute(req ImportRequest, m message.Message) (exchange, key string, ok bool) {
	switch req.Target {
	case ToQueue:
		return "", req.TargetQueue, true
	case ToExchange:
		return req.Exchange, req.RoutingKey, true
	}
	queue, ex, keys, ok := message.Origin(m)
	switch {
	case !ok:
		return "", "", false
	case req.Target == ReturnToOrigin:
		return "", queue, true
	case len(keys) == 0:
		return ex, "", true
	}
	return ex, keys[0], true
}
