package mgmt

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestPrepareNormalisesOptions(t *testing.T) {
	c := &Client{}
	cases := []struct {
		in   ListOptions
		want ListOptions
	}{
		{ListOptions{}, ListOptions{Page: 1, PageSize: DefaultPageSize, Sort: SortName}},
		{ListOptions{Page: -3, PageSize: -1}, ListOptions{Page: 1, PageSize: DefaultPageSize, Sort: SortName}},
		{ListOptions{Page: 4, PageSize: 5000, Sort: SortRate}, ListOptions{Page: 4, PageSize: MaxPageSize, Sort: SortRate}},
	}
	for _, tc := range cases {
		lq, err := c.prepare(tc.in)
		if err != nil || lq.ListOptions != tc.want {
			t.Errorf("prepare(%+v) = %+v, %v; want %+v", tc.in, lq.ListOptions, err, tc.want)
		}
	}
	if _, err := c.prepare(ListOptions{Filter: "a[b"}); !errors.Is(err, ErrBadRegex) || !strings.Contains(err.Error(), `"a[b"`) {
		t.Errorf("bad regex: %v", err)
	}
	lq, _ := c.prepare(ListOptions{Filter: "^orders"})
	if !lq.matches("nope", "ORDERS.eu") || lq.matches("my-orders") {
		t.Error("filter should match any text, ignoring case, like the broker")
	}
}

func TestPageQuery(t *testing.T) {
	lq := listQuery{ListOptions: ListOptions{Page: 2, PageSize: 50, Filter: `^a\.b`, Reverse: true}}
	q := pageQuery(lq, "", []string{"name", "vhost"})
	want := "columns=name%2Cvhost&name=%5Ea%5C.b&page=2&page_size=50&sort_reverse=true&use_regex=true"
	if got := q.Encode(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if q := pageQuery(listQuery{ListOptions: ListOptions{Page: 1, PageSize: 10}}, "consumers", nil); q.Get("sort") != "consumers" || q.Has("name") || q.Has("sort_reverse") {
		t.Errorf("got %s", q.Encode())
	}
}

func TestPageLocally(t *testing.T) {
	var all []int
	for i := range 23 {
		all = append(all, (i*7)%23) // 0..22 shuffled
	}
	lq := listQuery{ListOptions: ListOptions{Page: 3, PageSize: 10}}
	keep := func(int) bool { return true }
	cmpInt := func(a, b int) int { return a - b }

	p := pageLocally(all, lq, keep, cmpInt)
	if !slices.Equal(p.Items, []int{20, 21, 22}) || p.Page != 3 || p.PageCount != 3 || p.FilteredCount != 23 || p.TotalCount != 23 || p.PageSize != 10 {
		t.Errorf("page 3: %+v", p)
	}
	lq.Reverse, lq.Page = true, 1
	if p := pageLocally(all, lq, keep, cmpInt); p.Items[0] != 22 || len(p.Items) != 10 {
		t.Errorf("reverse: %+v", p)
	}
	lq.Reverse, lq.Page = false, 9
	even := func(i int) bool { return i%2 == 0 }
	if p := pageLocally(all, lq, even, cmpInt); p.Page != 2 || !slices.Equal(p.Items, []int{20, 22}) || p.FilteredCount != 12 || p.TotalCount != 23 {
		t.Errorf("past the end of a filtered list: %+v", p)
	}
	none := func(int) bool { return false }
	if p := pageLocally(all, lq, none, cmpInt); p.Page != 1 || p.PageCount != 0 || len(p.Items) != 0 || p.Items == nil {
		t.Errorf("empty: %+v", p)
	}
	if !slices.Equal(all[:3], []int{0, 7, 14}) {
		t.Error("pageLocally must not reorder its input")
	}
}

func TestExactNames(t *testing.T) {
	names := []string{"orders", "a.b", "x(1)|y", "Orders", "ünï", "[z]*"}
	for i := range 200 {
		names = append(names, fmt.Sprintf("queue-with-a-long-name-%03d", i))
	}
	patterns := exactNames(names, 3000)
	if len(patterns) < 2 {
		t.Fatalf("want the names split over several patterns, got %d", len(patterns))
	}
	matched := map[string]int{}
	for _, p := range patterns {
		re := regexp.MustCompile(p)
		for _, n := range append(slices.Clone(names), "order", "ab", "a-b", "xorders", "x(1)", "z") {
			if re.MatchString(n) {
				matched[n]++
			}
		}
	}
	for _, n := range names {
		if matched[n] != 1 {
			t.Errorf("%q matched %d patterns, want 1", n, matched[n])
		}
	}
	if len(matched) != len(names) {
		t.Errorf("patterns match other names too: %v", matched)
	}
	if exactNames(nil, 3000) != nil {
		t.Error("no names, no patterns")
	}
}
