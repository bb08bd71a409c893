package broker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/message"
)

// A stream never says "that was the last message": a read ends after
// Count messages or after a pause without deliveries.
const (
	streamFirstWait   = time.Second            // the first chunk may come from disk
	streamIdleWait    = 300 * time.Millisecond // then the end is a short silence
	streamMaxPrefetch = 1000
)

// streamOffsetArg is the x-stream-offset value for from, in the AMQP types
// the broker expects: a longstr for first/last/next, a long (int64, not
// int, which amqp091-go would send as a 32-bit int) for an offset, a
// timestamp for a time.
func streamOffsetArg(from StreamFrom) (any, error) {
	switch from.Kind {
	case StreamFirst:
		return "first", nil
	case StreamLast:
		return "last", nil
	case StreamNext:
		return "next", nil
	case StreamOffset:
		if from.Offset < 0 {
			return nil, fmt.Errorf("stream offset %d is negative", from.Offset)
		}
		return from.Offset, nil
	case StreamTime:
		if from.Time.IsZero() {
			return nil, errors.New("stream peek from a time, but no time given")
		}
		return from.Time, nil
	}
	return nil, fmt.Errorf("unknown stream start %d", from.Kind)
}

// peekStream reads up to Count messages from a stream with a consumer at
// an offset. Reading a stream removes nothing, and its acks only grant
// credit, so this peek leaves the stream exactly as it was.
func (s *Session) peekStream(ctx context.Context, req PeekRequest) (PeekResult, error) {
	res := PeekResult{NextOffset: -1, Effect: "Read by offset: the stream is unchanged."}
	if req.From.Kind == StreamOffset {
		res.NextOffset = req.From.Offset
	}
	arg, err := streamOffsetArg(req.From)
	if err != nil {
		return res, err
	}
	conn, ch, err := s.vhosts.ownChannel(ctx, req.Vhost, "peek") // see undecodable.go
	if err != nil {
		return res, err
	}
	defer conn.Close()
	closed := ch.NotifyClose(make(chan *amqp.Error, 1))

	prefetch := min(req.Count, streamMaxPrefetch)
	if err := ch.Qos(prefetch, 0, false); err != nil { // streams refuse consumers without one
		return res, cleanErr(err)
	}
	tag := peekTag()
	deliveries, err := ch.Consume(req.Queue, tag, false, false, false, false, amqp.Table{"x-stream-offset": arg})
	if err != nil {
		return res, s.queueErr(req, err)
	}

	res.Messages = make([]message.Message, 0, prefetch)
	wait := streamFirstWait
	if req.From.Kind == StreamNext {
		wait = streamIdleWait // nothing to read from disk: only new messages come
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	unacked := 0
	lastSeen := int64(-1) // the offset of the last delivery, shown or not
	var readErr error
read:
	for len(res.Messages) < req.Count {
		select {
		case d, ok := <-deliveries:
			if !ok {
				readErr = s.streamEnded(req, closed)
				if isUndecodable(readErr) {
					// Nothing past it can be read: the broker resends its
					// whole chunk from any offset inside it.
					bad := int64(-1)
					if lastSeen >= 0 {
						bad = lastSeen + 1
					}
					res.Messages = append(res.Messages, undecodableRow(req.Vhost, req.Queue, req.Skip+len(res.Messages)+1, bad))
					res.Effect = "Read by offset: the stream is unchanged. " + undecodableStreamNote(bad)
					return res, nil
				}
				break read
			}
			if unacked++; unacked >= (prefetch+1)/2 {
				_ = ch.Ack(d.DeliveryTag, true) // credit for the next batch
				unacked = 0
			}
			off, hasOff := headerInt(d.Headers, "x-stream-offset")
			if hasOff {
				lastSeen = off
			}
			if req.From.Kind == StreamOffset && hasOff && off < req.From.Offset {
				continue // the broker starts at the chunk holding the offset
			}
			m := fromDelivery(d, req.Vhost, req.Queue, req.Skip+len(res.Messages)+1)
			if hasOff {
				m.Offset = off
				res.NextOffset = off + 1
			}
			res.Messages = append(res.Messages, m)
			timer.Reset(streamIdleWait)
		case <-timer.C:
			break read
		case <-ctx.Done():
			readErr = ctx.Err()
			break read
		}
	}
	res.More = len(res.Messages) == req.Count
	if readErr == nil {
		_ = ch.Cancel(tag, false) // the deferred Close drops what is still in flight
	}
	return res, readErr
}

// undecodableStreamNote says where a stream read stopped at a message
// amqp091-go cannot decode.
func undecodableStreamNote(offset int64) string {
	at := "the next message"
	if offset >= 0 {
		at = fmt.Sprintf("the message at offset %d", offset)
	}
	return "amqp091-go could not decode " + at + " and closed the peek's own connection; " +
		"the broker sends a stream's messages in chunks, so nothing after it in its chunk can be read over AMQP " +
		"(:from a later offset may reach the next chunk)."
}

// streamEnded explains why the broker stopped our consumer early.
func (s *Session) streamEnded(req PeekRequest, closed <-chan *amqp.Error) error {
	select {
	case e, ok := <-closed:
		if ok && e != nil && isUndecodable(e) {
			return e
		}
		if ok && e != nil {
			return s.queueErr(req, e)
		}
	case <-time.After(100 * time.Millisecond):
	}
	return fmt.Errorf("the broker stopped the read of stream %q in vhost %q (was it deleted?)", req.Queue, req.Vhost)
}

// peekTag names our consumer so operators can tell a peek from a client.
func peekTag() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "warren-peek-" + hex.EncodeToString(b)
}
