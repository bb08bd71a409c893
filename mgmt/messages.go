package mgmt

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/warren-tui/warren/message"
)

// GetTruncate is where the management API cuts a message body for
// GetMessages; Message.FullSize then keeps the whole size.
const GetTruncate = 16 << 20

// GetMessages reads the first count messages of a queue through the
// management API's get (POST /api/queues/VHOST/QUEUE/get) with ackmode
// ack_requeue_true: the broker's own client takes them and gives them
// back when its channel closes, so a classic queue keeps its order (they
// come back marked redelivered). It decodes any header the broker took,
// which is why a peek falls back to it past a message amqp091-go cannot
// decode. Its JSON keeps no AMQP types: numbers become int64 or float64,
// and the messages come back with ViaAPI set. On a quorum queue it raises
// delivery counts like any requeue.
func (c *Client) GetMessages(ctx context.Context, vhost, queue string, count int) ([]message.Message, error) {
	if count <= 0 {
		return nil, nil
	}
	body, err := json.Marshal(map[string]any{
		"count": count, "ackmode": "ack_requeue_true", "encoding": "auto", "truncate": GetTruncate,
	})
	if err != nil {
		return nil, err
	}
	cl := call{what: fmt.Sprintf("queue %q in vhost %q", queue, vhost)}
	resp, err := c.do(ctx, cl, http.MethodPost, c.endpoint+"/api/queues/"+esc(vhost)+"/"+esc(queue)+"/get", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	r := reply{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type")}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, c.transportFailed(ctx, err)
	}
	if !r.isJSON() {
		return nil, c.notAPI(r, nil)
	}
	msgs, err := decodeGot(raw)
	if err != nil {
		return nil, c.unexpected(r, err)
	}
	for i := range msgs {
		msgs[i].Vhost, msgs[i].Queue, msgs[i].Position = vhost, queue, i+1
	}
	return msgs, nil
}

// gotMessage is one message of the get endpoint's answer.
type gotMessage struct {
	PayloadBytes    int             `json:"payload_bytes"`
	Redelivered     bool            `json:"redelivered"`
	Exchange        string          `json:"exchange"`
	RoutingKey      string          `json:"routing_key"`
	Payload         string          `json:"payload"`
	PayloadEncoding string          `json:"payload_encoding"`
	Properties      json.RawMessage `json:"properties"`
}

type gotProperties struct {
	ContentType     string         `json:"content_type"`
	ContentEncoding string         `json:"content_encoding"`
	DeliveryMode    uint8          `json:"delivery_mode"`
	Priority        uint8          `json:"priority"`
	CorrelationID   string         `json:"correlation_id"`
	ReplyTo         string         `json:"reply_to"`
	Expiration      string         `json:"expiration"`
	MessageID       string         `json:"message_id"`
	Timestamp       int64          `json:"timestamp"`
	Type            string         `json:"type"`
	UserID          string         `json:"user_id"`
	AppID           string         `json:"app_id"`
	Headers         map[string]any `json:"headers"`
}

// decodeGot reads the get endpoint's answer. The API writes properties
// as an empty array when a message has none.
func decodeGot(raw []byte) ([]message.Message, error) {
	var got []gotMessage
	if err := json.Unmarshal(raw, &got); err != nil {
		return nil, err
	}
	msgs := make([]message.Message, 0, len(got))
	for i, g := range got {
		m := message.Message{Offset: -1, Exchange: g.Exchange, RoutingKey: g.RoutingKey, Redelivered: g.Redelivered, ViaAPI: true}
		if len(g.Properties) > 0 && g.Properties[0] == '{' {
			var p gotProperties
			dec := json.NewDecoder(bytes.NewReader(g.Properties))
			dec.UseNumber()
			if err := dec.Decode(&p); err != nil {
				return nil, fmt.Errorf("message %d: properties: %w", i+1, err)
			}
			m.Properties = message.Properties{
				ContentType: p.ContentType, ContentEncoding: p.ContentEncoding, DeliveryMode: p.DeliveryMode,
				Priority: p.Priority, CorrelationID: p.CorrelationID, ReplyTo: p.ReplyTo, Expiration: p.Expiration,
				MessageID: p.MessageID, Type: p.Type, UserID: p.UserID, AppID: p.AppID,
			}
			if p.Timestamp != 0 {
				m.Properties.Timestamp = time.Unix(p.Timestamp, 0).UTC()
			}
			if len(p.Headers) > 0 {
				m.Headers = jsonTable(p.Headers)
			}
		}
		switch g.PayloadEncoding {
		case "base64":
			b, err := base64.StdEncoding.DecodeString(g.Payload)
			if err != nil {
				return nil, fmt.Errorf("message %d: payload: %w", i+1, err)
			}
			m.Body = b
		default:
			m.Body = []byte(g.Payload)
		}
		if len(m.Body) == 0 {
			m.Body = nil
		}
		if g.PayloadBytes > len(m.Body) {
			m.FullSize = g.PayloadBytes
		}
		msgs = append(msgs, m)
	}
	return msgs, nil
}

// jsonTable turns a header table decoded with UseNumber into the Go
// values message.Message documents: integers int64, other numbers float64.
func jsonTable(t map[string]any) map[string]any {
	out := make(map[string]any, len(t))
	for k, v := range t {
		out[k] = jsonValue(v)
	}
	return out
}

func jsonValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		return jsonTable(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e)
		}
		return out
	}
	return v // string, bool, nil
}
