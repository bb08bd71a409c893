package broker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/warren-tui/warren/message"
)

// ImportRequest says where Import publishes messages read from a JSON Lines
// export. Target is ToQueue, ToExchange, ReturnToOrigin or
// ReturnViaExchange, with the same fields and meaning as in MoveRequest.
type ImportRequest struct {
	Vhost       string
	Target      MoveTarget
	TargetQueue string
	Exchange    string
	RoutingKey  string
	Window      int
	OnBlocked   func(blocked bool, reason string)
}

// ImportResult counts an import. NotPublished lists the 0-based indexes
// of the messages that were not confirmed at a queue, so they can be
// retried or saved again: nothing is lost silently.
type ImportResult struct {
	Published    int // confirmed and routed
	Unroutable   int
	Nacked       int
	InDoubt      int
	NoOrigin     int
	NotPublished []int
	Took         time.Duration
}

// Import publishes msgs with confirms, mandatory and pipelined, in order,
// and reports per message what became of it. progress, when set, gets the
// number settled so far, at most every 100 ms.
func (s *Session) Import(ctx context.Context, req ImportRequest, msgs []message.Message, progress func(done int)) (ImportResult, error) {
	start := time.Now()
	mreq := MoveRequest{Queue: "(import)", Target: req.Target, TargetQueue: req.TargetQueue, Exchange: req.Exchange, RoutingKey: req.RoutingKey}
	if err := mreq.check(); err != nil {
		return ImportResult{}, errors.New(strings.Replace(err.Error(), "move:", "import:", 1))
	}
	for i, m := range msgs { // all or nothing: refuse before the first publish
		if err := message.CheckHeaders(m.Headers); err != nil {
			return ImportResult{}, fmt.Errorf("import: message %d of %d: %w", i+1, len(msgs), err)
		}
	}
	p, err := s.OpenPublisher(ctx, req.Vhost, PublisherOptions{Window: req.Window, OnBlocked: req.OnBlocked})
	if err != nil {
		return ImportResult{}, err
	}
	defer p.Close()

	var res ImportResult
	receipts := make([]*Receipt, len(msgs))
	var pubErr error
	for i, m := range msgs {
		ex, key, ok := importRoute(req, m)
		if !ok {
			res.NoOrigin++
			continue
		}
		if ex == "" {
			m.Headers = withoutCC(m.Headers)
		}
		if receipts[i], pubErr = p.Publish(ctx, ex, key, m); pubErr != nil {
			break // the rest count as not published
		}
	}
	last := time.Now()
	for i := range msgs {
		if progress != nil && time.Since(last) > 100*time.Millisecond {
			last = time.Now()
			progress(i)
		}
		r := receipts[i]
		if r == nil {
			res.NotPublished = append(res.NotPublished, i)
			continue
		}
		<-r.Done() // settles on confirm, or InDoubt when the channel closes
		switch r.Result().Outcome {
		case Confirmed:
			res.Published++
			continue
		case Returned:
			res.Unroutable++
		case Nacked:
			res.Nacked++
		case InDoubt:
			res.InDoubt++
		}
		res.NotPublished = append(res.NotPublished, i)
	}
	if progress != nil {
		progress(len(msgs))
	}
	res.Took = time.Since(start)
	return res, pubErr
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
