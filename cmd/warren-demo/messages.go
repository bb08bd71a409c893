package main

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Message bodies that look like what a shop's services would send, so that
// warren's JSON, text, gzip and hex renderings all have real material.

const appID = "warren-demo"

type product struct {
	sku   string
	name  string
	price float64
}

var (
	products = []product{
		{"SKU-1001", "Espresso beans, 1 kg", 18.50},
		{"SKU-1002", "Ceramic pour-over dripper", 24.00},
		{"SKU-1003", "Paper filters (100)", 4.90},
		{"SKU-2040", "Burr grinder", 129.00},
		{"SKU-2051", "Gooseneck kettle", 59.90},
		{"SKU-3300", "Travel mug, 350 ml", 21.00},
		{"SKU-3310", "Oat milk barista 6x1 l", 17.40},
	}
	customers = []struct{ name, email, country string }{
		{"Ana Silva", "ana.silva@example.com", "PT"},
		{"Jonas Becker", "jonas.becker@example.org", "DE"},
		{"Chloé Martin", "chloe.martin@example.fr", "FR"},
		{"Priya Nair", "priya.nair@example.in", "IN"},
		{"Sam O'Neill", "sam.oneill@example.ie", "IE"},
		{"Kenji Watanabe", "kenji.w@example.jp", "JP"},
	}
	carriers = []string{"DHL", "UPS", "PostNL", "La Poste", "Yamato"}
	tenants  = []string{"shop-eu", "shop-us", "shop-apac"}
)

func randHex(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return hex.EncodeToString(b)
}

// newID returns a UUID-shaped random id (version 4 layout).
func newID(r *rand.Rand) string {
	h := randHex(r, 16)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

// orderEvent builds one order message for routing key "order.<status>".
func orderEvent(r *rand.Rand, status string, now time.Time) amqp.Publishing {
	c := customers[r.IntN(len(customers))]
	type item struct {
		SKU       string  `json:"sku"`
		Name      string  `json:"name"`
		Qty       int     `json:"qty"`
		UnitPrice float64 `json:"unit_price"`
	}
	var items []item
	total := 0.0
	for range 1 + r.IntN(3) {
		p := products[r.IntN(len(products))]
		q := 1 + r.IntN(3)
		items = append(items, item{p.sku, p.name, q, p.price})
		total += float64(q) * p.price
	}
	orderID := fmt.Sprintf("ord-%d-%04d", now.Year(), r.IntN(10000))
	body := map[string]any{
		"order_id": orderID,
		"status":   status,
		"customer": map[string]any{"name": c.name, "email": c.email, "country": c.country},
		"items":    items,
		"total":    float64(int(total*100+0.5)) / 100,
		"currency": "EUR",
		"at":       now.UTC().Format(time.RFC3339Nano),
	}
	switch status {
	case "shipped":
		body["carrier"] = carriers[r.IntN(len(carriers))]
		body["tracking"] = strings.ToUpper(randHex(r, 6))
	case "cancelled":
		body["reason"] = []string{"customer request", "payment declined", "out of stock"}[r.IntN(3)]
	case "paid":
		body["payment_id"] = "pay_" + randHex(r, 8)
	}
	raw, _ := json.Marshal(body)
	return amqp.Publishing{
		ContentType:   "application/json",
		DeliveryMode:  amqp.Persistent,
		MessageId:     newID(r),
		CorrelationId: orderID,
		Timestamp:     now,
		Type:          "order." + status,
		AppId:         appID,
		Headers: amqp.Table{
			"tenant":      tenants[r.IntN(len(tenants))],
			"trace-id":    randHex(r, 16),
			"source":      "checkout-service",
			"schema":      "order/v3",
			"retry-count": int32(0),
		},
		Body: raw,
	}
}

// paymentMessage is a payment instruction for the quorum queue.
func paymentMessage(r *rand.Rand, now time.Time) amqp.Publishing {
	amount := float64(500+r.IntN(40000)) / 100
	body, _ := json.Marshal(map[string]any{
		"payment_id": "pay_" + randHex(r, 8),
		"order_id":   fmt.Sprintf("ord-%d-%04d", now.Year(), r.IntN(10000)),
		"amount":     amount,
		"currency":   "EUR",
		"method":     []string{"card", "sepa_debit", "ideal", "paypal"}[r.IntN(4)],
		"attempt":    1,
	})
	return amqp.Publishing{
		ContentType:  "application/json",
		DeliveryMode: amqp.Persistent,
		MessageId:    newID(r),
		Timestamp:    now,
		Type:         "payment.requested",
		AppId:        appID,
		Headers:      amqp.Table{"idempotency-key": randHex(r, 12), "tenant": tenants[r.IntN(len(tenants))]},
		Body:         body,
	}
}

// streamEvent is a small clickstream event for the stream.
func streamEvent(r *rand.Rand, seq int, now time.Time) amqp.Publishing {
	kinds := []string{"page_view", "add_to_cart", "search", "checkout_started", "login"}
	kind := kinds[r.IntN(len(kinds))]
	body, _ := json.Marshal(map[string]any{
		"seq":     seq,
		"event":   kind,
		"session": randHex(r, 6),
		"path":    []string{"/", "/coffee", "/grinders", "/cart", "/checkout"}[r.IntN(5)],
		"at":      now.UTC().Format(time.RFC3339Nano),
	})
	return amqp.Publishing{
		ContentType:  "application/json",
		DeliveryMode: amqp.Persistent,
		MessageId:    newID(r),
		Timestamp:    now,
		Type:         "web." + kind,
		AppId:        appID,
		Body:         body,
	}
}

// notification builds a message for the headers exchange. Emails are gzipped
// JSON, SMS plain text, push a binary (protobuf-like, not UTF-8) payload.
func notification(r *rand.Rand, channel string, now time.Time) amqp.Publishing {
	c := customers[r.IntN(len(customers))]
	p := amqp.Publishing{
		DeliveryMode: amqp.Persistent,
		MessageId:    newID(r),
		Timestamp:    now,
		AppId:        appID,
		Type:         "notification." + channel,
		Headers:      amqp.Table{"channel": channel},
	}
	switch channel {
	case "email":
		doc, _ := json.MarshalIndent(map[string]any{
			"to":       c.email,
			"template": "order-confirmation",
			"subject":  "Your order is on its way",
			"locale":   strings.ToLower(c.country),
			"vars":     map[string]any{"name": c.name, "order_id": fmt.Sprintf("ord-%d-%04d", now.Year(), r.IntN(10000))},
		}, "", "  ")
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(doc)
		_ = zw.Close()
		p.ContentType, p.ContentEncoding, p.Body = "application/json", "gzip", buf.Bytes()
	case "sms":
		p.ContentType = "text/plain; charset=utf-8"
		p.Headers["urgent"] = r.IntN(4) == 0
		p.Body = []byte(fmt.Sprintf("Hi %s, your parcel arrives today between 10:00 and 14:00. Reply STOP to opt out.", c.name))
	default:
		// Field tags and varints like a protobuf, plus raw random bytes.
		b := []byte{0x0a, 0x10}
		b = append(b, []byte(randHex(r, 8))...)
		b = append(b, 0x12, 0x08, 0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0xa0, 0xa1, 0x18, 0x96, 0x01)
		for range 24 {
			b = append(b, byte(r.Uint32()))
		}
		p.ContentType = "application/x-protobuf"
		p.Headers["device"] = []string{"ios", "android"}[r.IntN(2)]
		p.Body = b
	}
	return p
}

// bulkMessage is a small message for a bulk queue.
func bulkMessage(r *rand.Rand, queue string, n int, now time.Time) amqp.Publishing {
	body, _ := json.Marshal(map[string]any{"queue": queue, "n": n, "job": "reindex", "shard": r.IntN(64)})
	return amqp.Publishing{
		ContentType:  "application/json",
		DeliveryMode: amqp.Persistent,
		MessageId:    newID(r),
		Timestamp:    now,
		AppId:        appID,
		Body:         body,
	}
}
