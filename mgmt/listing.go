package mgmt

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// listQuery is a normalised ListOptions with its filter compiled.
type listQuery struct {
	ListOptions
	match *regexp.Regexp // nil when there is no filter
}

// prepare normalises o and checks its filter with Go's regexp first, so a
// typo gets a precise message before any request. The broker matches
// names case-insensitively; the compiled regexp does too, so that
// client-side filtering (bindings, old brokers) agrees with it.
func (c *Client) prepare(o ListOptions) (listQuery, error) {
	if o.Page < 1 {
		o.Page = 1
	}
	if o.PageSize <= 0 {
		o.PageSize = DefaultPageSize
	}
	o.PageSize = min(o.PageSize, MaxPageSize)
	if o.Sort == "" {
		o.Sort = SortName
	}
	lq := listQuery{ListOptions: o}
	if o.Filter == "" {
		return lq, nil
	}
	if _, err := regexp.Compile(o.Filter); err != nil {
		return lq, c.badRegex(o.Filter, err)
	}
	lq.match = regexp.MustCompile("(?i)" + o.Filter)
	return lq, nil
}

// matches reports whether any of the texts matches the filter.
func (lq listQuery) matches(texts ...string) bool {
	if lq.match == nil {
		return true
	}
	return slices.ContainsFunc(texts, lq.match.MatchString)
}

// pageQuery builds the query for one server-side page. sortColumn ""
// keeps the broker's default (vhost, name) order: on 3.x that is the only
// order in which the broker pages first and computes stats for the
// visible page alone; any explicit sort (even sort=name) makes it compute
// stats for every object before sorting.
func pageQuery(lq listQuery, sortColumn string, columns []string) url.Values {
	q := url.Values{}
	q.Set("page", strconv.Itoa(lq.Page))
	q.Set("page_size", strconv.Itoa(lq.PageSize))
	if lq.Filter != "" {
		q.Set("name", lq.Filter)
		q.Set("use_regex", "true")
	}
	if sortColumn != "" {
		q.Set("sort", sortColumn)
	}
	if lq.Reverse {
		q.Set("sort_reverse", "true")
	}
	if len(columns) > 0 {
		q.Set("columns", strings.Join(columns, ","))
	}
	return q
}

// fetchPage gets one server-side page. A page past the end (the list
// shrank since the UI last looked) comes back as the last page instead of
// an error; Page says which page it is.
func fetchPage[T any](ctx context.Context, c *Client, cl call, path string, q url.Values) (listing[T], error) {
	var l listing[T]
	err := c.get(ctx, cl, path, q, &l)
	if !isStatus(err, http.StatusBadRequest, "page_out_of_range") {
		return l, err
	}
	q.Set("page", "1")
	l = listing[T]{}
	if err := c.get(ctx, cl, path, q, &l); err != nil || !l.Paged || l.PageCount <= 1 {
		return l, err
	}
	q.Set("page", strconv.Itoa(l.PageCount))
	l = listing[T]{}
	err = c.get(ctx, cl, path, q, &l)
	return l, err
}

// serverPage converts a broker page.
func serverPage[J, T any](l listing[J], pageSize int, conv func(J) T) Page[T] {
	p := Page[T]{Items: make([]T, 0, len(l.Items)), Page: max(l.Page, 1), PageCount: l.PageCount,
		PageSize: l.PageSize, FilteredCount: l.FilteredCount, TotalCount: l.TotalCount}
	if p.PageSize == 0 {
		p.PageSize = pageSize
	}
	for _, j := range l.Items {
		p.Items = append(p.Items, conv(j))
	}
	return p
}

// pageLocally filters, sorts and pages a complete listing the way the
// broker would, for endpoints (or brokers) that cannot do it themselves.
// cmp orders ascending and must break ties, so pages are stable.
func pageLocally[T any](all []T, lq listQuery, keep func(T) bool, cmp func(a, b T) int) Page[T] {
	kept := make([]T, 0, len(all))
	for _, it := range all {
		if keep(it) {
			kept = append(kept, it)
		}
	}
	slices.SortStableFunc(kept, cmp)
	if lq.Reverse {
		slices.Reverse(kept)
	}
	pageCount := (len(kept) + lq.PageSize - 1) / lq.PageSize
	page := min(lq.Page, max(pageCount, 1))
	start := min((page-1)*lq.PageSize, len(kept))
	end := min(start+lq.PageSize, len(kept))
	return Page[T]{Items: slices.Clone(kept[start:end]), Page: page, PageCount: pageCount,
		PageSize: lq.PageSize, FilteredCount: len(kept), TotalCount: len(all)}
}

// exactNames builds anchored alternations that match exactly these names,
// each short enough to keep the request line well under the broker's
// limit. The broker matches case-insensitively, so callers must still
// compare names exactly.
func exactNames(names []string, maxEscaped int) []string {
	var out []string
	var b strings.Builder
	size := 0
	flush := func() {
		if b.Len() > 0 {
			out = append(out, "^(?:"+b.String()+")$")
			b.Reset()
			size = 0
		}
	}
	for _, n := range names {
		alt := regexp.QuoteMeta(n)
		cost := len(url.QueryEscape(alt)) + 3
		if size > 0 && size+cost > maxEscaped {
			flush()
		}
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString(alt)
		size += cost
	}
	flush()
	return out
}

// vhostPath appends "/{vhost}" when the listing is for one vhost.
func vhostPath(base, vhost string) string {
	if vhost == "" {
		return base
	}
	return base + "/" + esc(vhost)
}

// listingCall names a listing for error messages: only a missing vhost
// can make a listing "not found".
func listingCall(lq listQuery) call {
	return call{what: fmt.Sprintf("vhost %q", lq.Vhost), filter: lq.Filter}
}

// compareStrings chains string comparisons for sort tie-breaks.
func compareStrings(pairs ...string) int {
	for i := 0; i+1 < len(pairs); i += 2 {
		if c := strings.Compare(pairs[i], pairs[i+1]); c != 0 {
			return c
		}
	}
	return 0
}
