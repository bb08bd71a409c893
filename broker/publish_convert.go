package broker

import (
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/message"
)

// toPublishing is the inverse of fromDelivery: warren's message as an
// amqp091-go Publishing, headers turned back into AMQP field-table values.
func toPublishing(m message.Message) amqp.Publishing {
	p := m.Properties
	return amqp.Publishing{
		ContentType:     p.ContentType,
		ContentEncoding: p.ContentEncoding,
		DeliveryMode:    p.DeliveryMode,
		Priority:        p.Priority,
		CorrelationId:   p.CorrelationID,
		ReplyTo:         p.ReplyTo,
		Expiration:      p.Expiration,
		MessageId:       p.MessageID,
		Timestamp:       p.Timestamp,
		Type:            p.Type,
		UserId:          p.UserID,
		AppId:           p.AppID,
		Headers:         toTable(m.Headers),
		Body:            m.Body,
	}
}

// toTable turns plain Go header values into an AMQP field table,
// recursively; nil stays nil so a message without headers gets none.
func toTable(h map[string]any) amqp.Table {
	if h == nil {
		return nil
	}
	out := make(amqp.Table, len(h))
	for k, v := range h {
		out[k] = toFieldValue(v)
	}
	return out
}

func toFieldValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return toTable(x)
	case amqp.Table:
		return toTable(map[string]any(x))
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toFieldValue(e)
		}
		return out
	case message.Decimal:
		return amqp.Decimal{Scale: x.Scale, Value: x.Value}
	case int: // amqp091-go cannot encode a bare int
		return int64(x)
	case uint:
		return int64(x)
	case uint64: // the wire has no unsigned 64-bit type
		return int64(x)
	}
	return v // every other documented type is a wire type as it is
}
