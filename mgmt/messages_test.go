package mgmt

import (
	"reflect"
	"testing"
	"time"

	"github.com/warren-tui/warren/message"
)

// The get endpoint's answer, as RabbitMQ 3.10 writes it: properties as an
// empty array when there are none, binary payloads in base64, long
// payloads cut at the truncate size.
func TestDecodeGot(t *testing.T) {
	raw := []byte(`[
 {"payload_bytes":3,"redelivered":true,"exchange":"","routing_key":"q","message_count":2,"properties":[],"payload":"abc","payload_encoding":"string"},
 {"payload_bytes":2,"redelivered":false,"exchange":"x","routing_key":"k","message_count":1,
  "properties":{"message_id":"m","delivery_mode":2,"priority":3,"timestamp":1764590400,"content_type":"a/b",
   "headers":{"n":7,"f":1.5,"s":"t","b":true,"v":null,"t":{"d":{"d":[1,"two"]}}}},"payload":"AP8=","payload_encoding":"base64"},
 {"payload_bytes":10,"redelivered":false,"exchange":"","routing_key":"q","message_count":0,"properties":{},"payload":"01234","payload_encoding":"string"}
]`)
	got, err := decodeGot(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := []message.Message{
		{Offset: -1, RoutingKey: "q", Redelivered: true, Body: []byte("abc"), ViaAPI: true},
		{Offset: -1, Exchange: "x", RoutingKey: "k", Body: []byte{0, 0xff}, ViaAPI: true,
			Properties: message.Properties{MessageID: "m", DeliveryMode: 2, Priority: 3, ContentType: "a/b",
				Timestamp: time.Date(2025, 12, 1, 12, 0, 0, 0, time.UTC)},
			Headers: map[string]any{"n": int64(7), "f": 1.5, "s": "t", "b": true, "v": nil,
				"t": map[string]any{"d": map[string]any{"d": []any{int64(1), "two"}}}}},
		{Offset: -1, RoutingKey: "q", Body: []byte("01234"), FullSize: 10, ViaAPI: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	if got[2].Size() != 10 {
		t.Fatalf("a truncated body's size is the whole: %d", got[2].Size())
	}
	if _, err := decodeGot([]byte(`[{"payload":"!!","payload_encoding":"base64"}]`)); err == nil {
		t.Fatal("bad base64 should fail")
	}
}
