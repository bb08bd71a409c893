package mgmt

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/warren-tui/warren/message"
)

func TestLooseFields(t *testing.T) {
	var v struct {
		B1, B2, B3 flexBool
		I1, I2, I3 flexInt
		S1, S2, S3 flexString
		M1, M2     flexMap
		O1, O2     object[rateJSON]
	}
	in := `{"B1":true,"B2":"undefined","B3":null,
		"I1":42,"I2":"5672","I3":"undefined",
		"S1":"x","S2":null,"S3":17,
		"M1":{"k":"v"},"M2":[],
		"O1":{"rate":2.5},"O2":[]}`
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	if !v.B1 || v.B2 || v.B3 || v.I1 != 42 || v.I2 != 5672 || v.I3 != 0 || v.S1 != "x" || v.S2 != "" || v.S3 != "17" {
		t.Fatalf("%+v", v)
	}
	if v.M1["k"] != "v" || v.M2 != nil || !v.O1.Set || v.O1.V.Rate != 2.5 || v.O2.Set {
		t.Fatalf("%+v", v)
	}
}

func TestListingReadsBothShapes(t *testing.T) {
	var paged, plain listing[queueJSON]
	if err := json.Unmarshal([]byte(`{"page":2,"page_count":3,"page_size":10,"filtered_count":25,"total_count":40,"items":[{"name":"a"}]}`), &paged); err != nil {
		t.Fatal(err)
	}
	if !paged.Paged || paged.Page != 2 || paged.PageCount != 3 || paged.FilteredCount != 25 || paged.TotalCount != 40 || len(paged.Items) != 1 {
		t.Fatalf("%+v", paged)
	}
	if err := json.Unmarshal([]byte(` [{"name":"a"},{"name":"b"}]`), &plain); err != nil || plain.Paged || len(plain.Items) != 2 {
		t.Fatalf("%+v, %v", plain, err)
	}
}

// Whatever the API sends, decoding fails cleanly or yields rows; it never
// panics, and every string but the queue's name and vhost (which address
// it) comes out safe for a terminal.
func FuzzQueueListing(f *testing.F) {
	f.Add([]byte(statsPage))
	f.Add([]byte(totalsAll))
	f.Add([]byte(`[{"name":"x","consumers":null,"messages":"7","arguments":[],"message_stats":{"publish_details":[]}}]`))
	f.Add([]byte(`[{"name":"\u001b]8;;x","state":"\u001b[2J\u009b","policy":"\u202e","arguments":{"\u001bk":["\u0085",{"a":"\u0007"}]}}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var l listing[queueJSON]
		if json.Unmarshal(data, &l) != nil {
			return
		}
		lq := listQuery{ListOptions: ListOptions{Page: 1, PageSize: 10, Sort: SortMessages}}
		c := &Client{}
		p := c.queuePage(l, lq)
		if len(p.Items) > max(len(l.Items), 0) {
			t.Fatalf("more rows than items: %d > %d", len(p.Items), len(l.Items))
		}
		for _, q := range p.Items {
			if !terminalSafe([]any{q.Type, q.State, q.Node, q.Policy, q.Arguments}) {
				t.Fatalf("unsafe text in a decoded row: %+v", q)
			}
		}
	})
}

// terminalSafe reports whether every string in a decoded JSON value, map
// keys included, holds no rune message.Unsafe refuses.
func terminalSafe(v any) bool {
	switch x := v.(type) {
	case string:
		return !strings.ContainsFunc(x, message.Unsafe)
	case []any:
		for _, e := range x {
			if !terminalSafe(e) {
				return false
			}
		}
	case map[string]any:
		for k, e := range x {
			if !terminalSafe(k) || !terminalSafe(e) {
				return false
			}
		}
	}
	return true
}
