package mgmt

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// The management API is loose with types across versions and queue kinds:
// quorum queues report exclusive as null, some objects report
// auto_delete or ports as "undefined", and an empty Erlang proplist comes
// out as [] where an object is expected. These types read all of that
// without failing a whole listing over one odd field.

// flexBool is true only for JSON true.
type flexBool bool

func (b *flexBool) UnmarshalJSON(d []byte) error {
	*b = flexBool(bytes.Equal(d, []byte("true")))
	return nil
}

// flexInt reads a number or a numeric string; anything else is 0.
type flexInt int64

func (n *flexInt) UnmarshalJSON(d []byte) error {
	v, err := strconv.ParseFloat(string(bytes.Trim(d, `"`)), 64)
	if err != nil {
		v = 0
	}
	*n = flexInt(v)
	return nil
}

// value is the number, 0 when absent.
func (n *flexInt) value() int64 {
	if n == nil {
		return 0
	}
	return int64(*n)
}

// flexString reads a string; null is "", other values keep their JSON text.
type flexString string

func (s *flexString) UnmarshalJSON(d []byte) error {
	switch {
	case bytes.Equal(d, []byte("null")):
		*s = ""
	case len(d) > 0 && d[0] == '"':
		var v string
		if err := json.Unmarshal(d, &v); err != nil {
			return err
		}
		*s = flexString(v)
	default:
		*s = flexString(d)
	}
	return nil
}

// flexMap reads an object; [] and null are an empty (nil) map.
type flexMap map[string]any

func (m *flexMap) UnmarshalJSON(d []byte) error {
	if len(d) == 0 || d[0] != '{' {
		*m = nil
		return nil
	}
	var v map[string]any
	if err := json.Unmarshal(d, &v); err != nil {
		return err
	}
	*m = v
	return nil
}

// object reads a JSON object into V; [] and null leave V zero and Set false.
type object[T any] struct {
	V   T
	Set bool
}

func (o *object[T]) UnmarshalJSON(d []byte) error {
	if len(d) == 0 || d[0] != '{' {
		*o = object[T]{}
		return nil
	}
	o.Set = true
	return json.Unmarshal(d, &o.V)
}

// rateJSON is one of the API's *_details objects.
type rateJSON struct {
	Rate float64 `json:"rate"`
}

// messageStatsJSON holds the rates warren shows for queues, exchanges and
// the overview.
type messageStatsJSON struct {
	Publish    rateJSON `json:"publish_details"`
	DeliverGet rateJSON `json:"deliver_get_details"`
	Ack        rateJSON `json:"ack_details"`
	PublishIn  rateJSON `json:"publish_in_details"`
	PublishOut rateJSON `json:"publish_out_details"`
}

// listing is a page from the broker, or a plain array from a broker (or an
// endpoint) that does not page.
type listing[T any] struct {
	Paged         bool
	Items         []T
	Page          int
	PageCount     int
	PageSize      int
	FilteredCount int
	TotalCount    int
}

func (l *listing[T]) UnmarshalJSON(d []byte) error {
	d = bytes.TrimSpace(d)
	if len(d) > 0 && d[0] == '[' {
		*l = listing[T]{}
		return json.Unmarshal(d, &l.Items)
	}
	var p struct {
		Items         []T `json:"items"`
		Page          int `json:"page"`
		PageCount     int `json:"page_count"`
		PageSize      int `json:"page_size"`
		FilteredCount int `json:"filtered_count"`
		TotalCount    int `json:"total_count"`
	}
	if err := json.Unmarshal(d, &p); err != nil {
		return err
	}
	*l = listing[T]{Paged: true, Items: p.Items, Page: p.Page, PageCount: p.PageCount,
		PageSize: p.PageSize, FilteredCount: p.FilteredCount, TotalCount: p.TotalCount}
	return nil
}
