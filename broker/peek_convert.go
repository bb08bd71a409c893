package broker

import (
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/message"
)

// fromDelivery turns one amqp091-go delivery into warren's library-free
// message. Offset is -1; stream peeks set it.
func fromDelivery(d amqp.Delivery, vhost, queue string, position int) message.Message {
	return message.Message{
		Vhost:       vhost,
		Queue:       queue,
		Position:    position,
		Offset:      -1,
		Exchange:    d.Exchange,
		RoutingKey:  d.RoutingKey,
		Redelivered: d.Redelivered,
		Properties: message.Properties{
			ContentType:     d.ContentType,
			ContentEncoding: d.ContentEncoding,
			DeliveryMode:    d.DeliveryMode,
			Priority:        d.Priority,
			CorrelationID:   d.CorrelationId,
			ReplyTo:         d.ReplyTo,
			Expiration:      d.Expiration,
			MessageID:       d.MessageId,
			Timestamp:       d.Timestamp,
			Type:            d.Type,
			UserID:          d.UserId,
			AppID:           d.AppId,
		},
		Headers: convertTable(d.Headers),
		Body:    d.Body,
	}
}

// convertTable turns an AMQP field table into the plain Go values that
// message.Message documents, recursively.
func convertTable(t amqp.Table) map[string]any {
	if t == nil {
		return nil
	}
	out := make(map[string]any, len(t))
	for k, v := range t {
		out[k] = convertValue(v)
	}
	return out
}

func convertValue(v any) any {
	switch x := v.(type) {
	case amqp.Table:
		return convertTable(x)
	case map[string]any:
		return convertTable(amqp.Table(x))
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = convertValue(e)
		}
		return out
	case amqp.Decimal:
		return message.Decimal{Scale: x.Scale, Value: x.Value}
	case int: // never read off the wire; only from tables built in Go
		return int64(x)
	}
	return v // the remaining wire types are already plain Go values
}

// headerInt reads an integer header of any AMQP integer type.
func headerInt(h amqp.Table, key string) (int64, bool) {
	switch x := h[key].(type) {
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint8:
		return int64(x), true
	case int:
		return int64(x), true
	}
	return 0, false
}

// deliveryCount is a quorum message's x-delivery-count: how often it was
// returned before. RabbitMQ 4.x leaves the header out while it is 0.
func deliveryCount(h amqp.Table) int64 {
	n, _ := headerInt(h, "x-delivery-count")
	return n
}
