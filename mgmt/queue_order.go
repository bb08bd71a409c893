package mgmt

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// The order by messages.
//
// On 3.10 every listing of a vhost's queues costs the broker time in
// proportion to all its queues, whatever the page, filter or columns
// asked: with 50,000 queues even one page by name costs it 11-15 s of
// CPU, and counting every queue's messages (queue totals, or a stats-ful
// sort) longer still. Asking one queue (/api/queues/V/NAME) stays cheap.
// And the totals listing has no counts for streams, so a broker-side sort
// on it puts every stream among the empty queues.
//
// So the order is read on its own: one unpaged listing of every queue's
// name, type and live count (no stats), each stream's count asked of the
// stream itself, sorted here. It is kept and read again only when it is
// older than orderStretch times the last read took: every poll for a few
// thousand queues, every few minutes for 50,000. Each page then reads only
// its own rows: by their exact names in one stats-ful listing, or past
// perQueueAbove queues one request per row. A read that takes longer than
// the page may wait goes on in the background, and the page says so
// (*SortPendingError) until it is there, instead of timing out.

// orderStretch: the order is read again once it is older than this many
// times the last read took.
const orderStretch = 10

// orderReadTimeout bounds one read of the order; the broker's own HTTP
// server gives up after about a minute.
const orderReadTimeout = 2 * time.Minute

// orderWaitBelow: when the last read took less than this, a page waits for
// a new read rather than show the older order.
const orderWaitBelow = time.Second

// perQueueAbove: past this many queues in the vhost, a page reads its rows
// one queue at a time, since any listing costs as much as all the queues.
const perQueueAbove = 5000

// rowReaders is how many single-queue requests run at once.
const rowReaders = 8

// errNoTotals: the broker listed queues without counts.
var errNoTotals = errors.New("the broker gave no queue totals")

// firstPageWait is how long a page waits for the first order before it
// says the order is still being read.
const firstPageWait = 1500 * time.Millisecond

// ErrSortPending is what a *SortPendingError matches with errors.Is.
var ErrSortPending = errors.New("the order by messages is still being read")

// SortPendingError says a page sorted by messages waits for the broker to
// count every queue's messages, which takes longer than a page may wait.
type SortPendingError struct {
	Running time.Duration // how long the read has run
}

func (e *SortPendingError) Error() string {
	return fmt.Sprintf("sorting by messages: the broker has been counting every queue's messages for %s, "+
		"longer than a page waits; the page follows when it is done, and that order is kept and read again less often",
		e.Running.Round(time.Second))
}

func (e *SortPendingError) Is(target error) bool { return target == ErrSortPending }

// ErrSortFailed is what a *SortFailedError matches with errors.Is.
var ErrSortFailed = errors.New("the order by messages could not be read")

// SortFailedError says the broker did not give every queue's count; the
// order is not asked again before orderStretch times the failed read.
type SortFailedError struct {
	Took time.Duration
	Err  error
}

func (e *SortFailedError) Error() string {
	return fmt.Sprintf("cannot sort by messages: the broker did not give every queue's count (%s after %s; "+
		"a count of every queue costs the broker time in proportion to all of them); sort by name, which reads only the page",
		e.Err, e.Took.Round(time.Second))
}

func (e *SortFailedError) Unwrap() error { return e.Err }

func (e *SortFailedError) Is(target error) bool { return target == ErrSortFailed }

// orderRow is one queue in the order.
type orderRow struct {
	vhost, name, typ string
	messages         int64
}

// messageOrder is the last order read for one vhost ("" is every vhost).
type messageOrder struct {
	rows []orderRow
	at   time.Time
	took time.Duration
	err  error // the last read's failure, kept until the next read is due
}

// orderCache keeps one vhost's order and the read under way.
type orderCache struct {
	mu      sync.Mutex
	vhost   string
	last    *messageOrder
	reading chan struct{} // closed when the running read ends; nil if none
	started time.Time
	once    sync.Once
	http    *http.Client // for reads longer than the client's timeout
}

type longReadKey struct{}

// httpFor is the HTTP client for a request: the order's own, with a longer
// timeout, for its reads; otherwise the client's.
func (c *Client) httpFor(ctx context.Context) *http.Client {
	if ctx.Value(longReadKey{}) == nil {
		return c.http
	}
	c.order.once.Do(func() {
		c.order.http = &http.Client{Transport: c.transport, Timeout: orderReadTimeout, CheckRedirect: c.http.CheckRedirect}
	})
	return c.order.http
}

// messageOrderFor returns the order of vhost's queues to page from: a
// fresh one, or the last one while a new read runs, or *SortPendingError
// when there is none yet and the read outlasts ctx.
func (c *Client) messageOrderFor(ctx context.Context, vhost, path string) (*messageOrder, error) {
	oc := &c.order
	oc.mu.Lock()
	if oc.vhost != vhost {
		oc.vhost, oc.last = vhost, nil // a read for another vhost still running ends unused
		oc.reading = nil
	}
	last := oc.last
	due := last == nil || time.Since(last.at) >= orderStretch*last.took
	if due && oc.reading == nil {
		done := make(chan struct{})
		oc.reading, oc.started = done, time.Now()
		go c.readOrder(vhost, path, done)
	}
	reading, started := oc.reading, oc.started
	oc.mu.Unlock()

	if reading != nil && (last == nil || last.took < orderWaitBelow) {
		// A first order is waited for up to the first page's budget; a new
		// read of a quick order for most of ctx, leaving the page time to
		// read its rows after it.
		wait, cancel := context.WithTimeout(ctx, firstPageWait)
		if last != nil {
			cancel()
			wait, cancel = context.WithCancel(ctx)
			if dl, ok := ctx.Deadline(); ok {
				cancel()
				wait, cancel = context.WithDeadline(ctx, dl.Add(-time.Until(dl)/4))
			}
		}
		defer cancel()
		select {
		case <-reading:
			oc.mu.Lock()
			last = oc.last
			oc.mu.Unlock()
		case <-wait.Done():
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
		}
	}
	switch {
	case last == nil:
		return nil, &SortPendingError{Running: time.Since(started)}
	case last.err != nil:
		return nil, last.err
	}
	return last, nil
}

// readOrder reads the order in the background and keeps it.
func (c *Client) readOrder(vhost, path string, done chan struct{}) {
	ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), longReadKey{}, true), orderReadTimeout)
	defer cancel()
	start := time.Now()
	rows, err := c.orderRows(ctx, path)
	o := &messageOrder{rows: rows, at: time.Now(), took: time.Since(start)}
	if err != nil {
		o.rows, o.err = nil, err
		if !errors.Is(err, errNoTotals) && !isStatus(err, http.StatusBadRequest, "") {
			o.err = &SortFailedError{Took: o.took, Err: err}
		}
	}
	oc := &c.order
	oc.mu.Lock()
	if oc.reading == done {
		oc.last, oc.reading = o, nil
	}
	oc.mu.Unlock()
	close(done)
}

// orderRows lists every queue's name, type and live count without stats,
// then asks each stream its count (a totals listing has none for them).
func (c *Client) orderRows(ctx context.Context, path string) ([]orderRow, error) {
	q := url.Values{"disable_stats": {"true"}, "enable_queue_totals": {"true"}, "columns": {"name,vhost,type,messages"}}
	var all []queueJSON
	if err := c.get(ctx, call{what: "queues"}, path, q, &all); err != nil {
		return nil, err
	}
	rows := make([]orderRow, len(all))
	var streams []int
	for i, j := range all {
		rows[i] = orderRow{vhost: j.Vhost, name: j.Name, typ: string(j.Type), messages: j.messages()}
		if j.Messages == nil {
			streams = append(streams, i)
		}
	}
	if len(streams) == len(all) && slices.ContainsFunc(rows, func(r orderRow) bool { return r.typ != "stream" }) {
		return nil, errNoTotals // a broker that ignores enable_queue_totals
	}
	err := forEach(ctx, len(streams), func(ctx context.Context, k int) error {
		r := &rows[streams[k]]
		n, err := c.queueMessages(ctx, r.vhost, r.name)
		r.messages = n
		return err
	})
	return rows, err
}

// queueMessages asks one queue alone for its message count: what a totals
// listing does not give for a stream. A queue gone since the listing
// counts as empty.
func (c *Client) queueMessages(ctx context.Context, vhost, name string) (int64, error) {
	var j queueJSON
	err := c.get(ctx, call{what: fmt.Sprintf("queue %q in vhost %q", name, vhost)},
		"/api/queues/"+esc(vhost)+"/"+esc(name), url.Values{"columns": {"name,messages"}}, &j)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	return j.messages(), err
}

// countUntotalled sets the message count of each row a totals listing
// gave none (a stream), asking for each such queue alone, rowReaders at a
// time; one gone since the listing stays empty.
func (c *Client) countUntotalled(ctx context.Context, rows []Queue, noTotals map[[2]string]bool) error {
	var idx []int
	for i, r := range rows {
		if noTotals[[2]string{r.Vhost, r.Name}] {
			idx = append(idx, i)
		}
	}
	return forEach(ctx, len(idx), func(ctx context.Context, k int) error {
		r := &rows[idx[k]]
		n, err := c.queueMessages(ctx, r.Vhost, r.Name)
		r.Messages = n
		return err
	})
}

// forEach runs f for 0..n-1, rowReaders at a time, and returns the first
// error.
func forEach(ctx context.Context, n int, f func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
		next  = make(chan int)
	)
	for range min(n, rowReaders) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		}()
	}
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return cmp.Or(first, ctx.Err())
}

// queuesByMessages pages the order by messages, then reads the page's
// rows.
func (c *Client) queuesByMessages(ctx context.Context, lq listQuery, path string) (Page[Queue], error) {
	o, err := c.messageOrderFor(ctx, lq.Vhost, path)
	if errors.Is(err, errNoTotals) || isStatus(err, http.StatusBadRequest, "") && !errors.Is(err, ErrBadRegex) {
		// A broker that refuses these parameters can still sort with stats.
		return c.queuesWithStats(ctx, lq, path, "messages")
	}
	if err != nil {
		return Page[Queue]{}, err
	}
	all := make([]Queue, len(o.rows))
	for i, r := range o.rows {
		all[i] = Queue{Vhost: r.vhost, Name: r.name, Type: escaped(r.typ), Messages: r.messages,
			Unknown: UnknownReady | UnknownUnacked | UnknownConsumers | UnknownRates}
	}
	page := pageLocally(all, lq, func(q Queue) bool { return lq.matches(q.Name) }, queueOrder(SortMessages))
	if len(o.rows) > perQueueAbove {
		page.Items, err = c.queueRowsOneByOne(ctx, page.Items)
	} else {
		err = c.queueRowsByName(ctx, path, page.Items)
	}
	if err != nil && ctx.Err() != nil {
		return Page[Queue]{}, err
	}
	return page, nil
}

// queueRowsByName fills rows from one stats-ful listing of exactly their
// names. Rows it does not find keep what the order knew.
func (c *Client) queueRowsByName(ctx context.Context, path string, rows []Queue) error {
	index := map[[2]string]int{}
	var names []string
	for i, r := range rows {
		index[[2]string{r.Vhost, r.Name}] = i
		if !slices.Contains(names, r.Name) {
			names = append(names, r.Name)
		}
	}
	for _, re := range exactNames(names, maxRegexQuery) {
		q := url.Values{"page": {"1"}, "page_size": {fmt.Sprint(MaxPageSize)}, "name": {re}, "use_regex": {"true"},
			"columns": {strings.Join(queueRowColumns, ",")}}
		l, err := fetchPage[queueJSON](ctx, c, call{what: "queues"}, path, q)
		if err != nil {
			return err
		}
		for _, j := range l.Items {
			if i, ok := index[[2]string{j.Vhost, j.Name}]; ok {
				rows[i] = j.queue(c.statsDisabled.Load())
			}
		}
	}
	return nil
}

// queueRowsOneByOne reads each row with a request of its own; a queue
// deleted since the order was read leaves the page.
func (c *Client) queueRowsOneByOne(ctx context.Context, rows []Queue) ([]Queue, error) {
	gone := make([]bool, len(rows))
	q := url.Values{"columns": {strings.Join(queueRowColumns, ",")}}
	err := forEach(ctx, len(rows), func(ctx context.Context, i int) error {
		r := &rows[i]
		var j queueJSON
		err := c.get(ctx, call{what: fmt.Sprintf("queue %q in vhost %q", r.Name, r.Vhost)}, "/api/queues/"+esc(r.Vhost)+"/"+esc(r.Name), q, &j)
		switch {
		case errors.Is(err, ErrNotFound):
			gone[i] = true
			return nil
		case err != nil:
			return err
		}
		*r = j.queue(c.statsDisabled.Load())
		return nil
	})
	kept := rows[:0]
	for i, r := range rows {
		if !gone[i] {
			kept = append(kept, r)
		}
	}
	return kept, err
}
