package broker

import (
	"bytes"
	"context"
	"fmt"

	"github.com/warren-tui/warren/message"
)

// pastUndecodable finishes a classic peek whose read met a message
// amqp091-go cannot decode at position bad. The peek's own connection is
// gone, and with it the broker requeued, in order, the messages taken
// before it and the bad one; res shows those before it. The page from bad
// on is read through the HeadReader, which leaves the queue in order too,
// and every message it brings is checked for what amqp091-go refuses.
func (s *Session) pastUndecodable(ctx context.Context, req PeekRequest, res PeekResult, bad int) (PeekResult, error) {
	want := req.Skip + req.Count
	res.Taken = bad
	res.More = false
	res.Effect = fmt.Sprintf("Message %d could not be decoded by amqp091-go, which closed the peek's own connection; "+
		"the broker returned the %d %s taken to the queue in order, now marked redelivered",
		bad, bad, plural(bad, "message", "messages"))
	hr := s.headReader()
	if hr == nil {
		res.Messages = appendShown(res.Messages, req, undecodableRow(req.Vhost, req.Queue, bad, -1))
		res.Effect += ". Messages after it cannot be read over AMQP."
		return res, nil
	}
	api, err := hr.GetMessages(ctx, req.Vhost, req.Queue, want)
	if err != nil {
		res.Messages = appendShown(res.Messages, req, undecodableRow(req.Vhost, req.Queue, bad, -1))
		res.Effect += ". Reading on through the management API failed: " + err.Error()
		return res, nil
	}
	changed := len(api) < bad
	for i, m := range api {
		pos := i + 1
		if pos < bad { // read over AMQP already: check the queue did not move
			if pos > req.Skip && !sameMessage(res.Messages[pos-req.Skip-1], m) {
				changed = true
			}
			continue
		}
		m.Vhost, m.Queue, m.Position, m.Offset, m.ViaAPI = req.Vhost, req.Queue, pos, -1, true
		if err := message.CheckHeaders(m.Headers); err != nil {
			m.Undecodable = "amqp091-go cannot read it: " + err.Error()
		} else if pos == bad {
			m.Undecodable = UndecodableReason
		}
		res.Messages = appendShown(res.Messages, req, m)
	}
	if len(api) < bad {
		res.Messages = appendShown(res.Messages, req, undecodableRow(req.Vhost, req.Queue, bad, -1))
	}
	res.Taken = max(bad, len(api))
	res.More = len(api) == want
	res.Effect += fmt.Sprintf(". Messages from %d on were read through the management API, which returned them in order too "+
		"(its JSON keeps no AMQP types: header numbers show as long or double).", bad)
	if changed {
		res.Effect += " The queue changed between the two reads, so those rows may not line up with the ones before."
	}
	return res, nil
}

// appendShown appends m when its position is on the page asked for.
func appendShown(msgs []message.Message, req PeekRequest, m message.Message) []message.Message {
	if m.Position > req.Skip && m.Position <= req.Skip+req.Count {
		msgs = append(msgs, m)
	}
	return msgs
}

// sameMessage says whether a message read over AMQP and one read through
// the management API look like the same message: the API loses header
// types, so only what it keeps exactly is compared.
func sameMessage(amqpMsg, apiMsg message.Message) bool {
	if amqpMsg.RoutingKey != apiMsg.RoutingKey || amqpMsg.Properties.MessageID != apiMsg.Properties.MessageID {
		return false
	}
	if apiMsg.FullSize > 0 { // truncated: compare the start
		return bytes.HasPrefix(amqpMsg.Body, apiMsg.Body)
	}
	return bytes.Equal(amqpMsg.Body, apiMsg.Body)
}

// quorumUndecodable is a quorum peek that met a message amqp091-go cannot
// decode after taking res.Taken messages. The broker returned every
// message it had handed to the peek when the connection closed: each
// delivery count went up by 1, as the peek's own return would have done,
// but in one return, whose order RabbitMQ 3.10 keeps only up to 32
// messages, and to the back of a queue without a delivery limit. Reading
// on through the management API would charge the counts once more, so
// the page stops at the undecodable message.
func (s *Session) quorumUndecodable(req PeekRequest, res PeekResult, ready int) PeekResult {
	bad := res.Taken + 1
	res.Messages = appendShown(res.Messages, req, undecodableRow(req.Vhost, req.Queue, bad, -1))
	res.More = false
	s1 := fmt.Sprintf("Message %d, or one of the few after it that amqp091-go held but had not handed over, "+
		"could not be decoded by amqp091-go, which closed the peek's own connection; "+
		"the broker returned every message it had handed to the peek (at least %d) at once", bad, bad)
	switch {
	case req.RequeueFree:
		s1 += ", without raising delivery counts"
	case req.DeliveryLimit >= 0:
		s1 += fmt.Sprintf(", each delivery count raised by 1 (limit %d)", req.DeliveryLimit)
	default:
		s1 += ", each delivery count raised by 1 (no delivery limit)"
	}
	switch {
	case req.DeliveryLimit < 0 && bad < ready:
		res.Reordered = true
		s1 += ", to the back of the queue, behind the messages not peeked"
	case req.DeliveryLimit >= 0:
		s1 += " (RabbitMQ 3.10 keeps the order of one such return only up to 32 messages)"
	}
	res.Taken = bad
	res.Effect = s1 + ". Messages after it cannot be read over AMQP; reading them through the management API would raise their counts again, so warren does not."
	return res
}
