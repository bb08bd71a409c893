package message

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// The most common AMQP client for Go (amqp091-go, which warren itself
// uses) refuses a content header whose field tables nest deeper than
// MaxHeaderDepth or hold more than MaxHeaderEntries entries in one table
// or array, and it refuses it by closing the whole connection. The broker
// takes such messages without a word, so warren refuses to publish them.
const (
	// MaxHeaderDepth is how many tables or arrays may nest inside the
	// headers table (the headers table itself is depth 0).
	MaxHeaderDepth = 32
	// MaxHeaderEntries is the most entries one table or array may hold.
	MaxHeaderEntries = 8192
)

// ErrHeaderLimit is what a *HeaderLimitError matches with errors.Is.
var ErrHeaderLimit = errors.New("headers beyond what AMQP clients read")

// HeaderLimitError names the first header that passes a limit.
type HeaderLimitError struct {
	// Path is the header's place, as headers written in JSON would reach
	// it: `a.b[3].c`; "" is the headers table itself. Keys are kept as
	// they were; Error escapes them.
	Path    string
	Depth   int // the depth of the container at Path, when too deep
	Entries int // its entries, when too many; 0 when too deep
}

func (e *HeaderLimitError) Error() string {
	where := "the headers table"
	if e.Path != "" {
		where = `header "` + Escape(e.Path) + `"`
	}
	if e.Entries > 0 {
		return fmt.Sprintf("%s holds %d entries; AMQP clients such as amqp091-go read at most %d in one table or array "+
			"and drop the whole connection otherwise", where, e.Entries, MaxHeaderEntries)
	}
	return fmt.Sprintf("%s is a table or array nested %d deep; AMQP clients such as amqp091-go read at most %d levels "+
		"and drop the whole connection otherwise", where, e.Depth, MaxHeaderDepth)
}

func (e *HeaderLimitError) Is(target error) bool { return target == ErrHeaderLimit }

// CheckHeaders reports the first table or array in h (in key order, so
// the answer is stable) that nests deeper than MaxHeaderDepth or holds
// more than MaxHeaderEntries entries, or nil when a client can read them
// all. Tables are map[string]any, arrays []any, as in Message.Headers.
func CheckHeaders(h map[string]any) error {
	return checkContainer(h, "", 0)
}

func checkContainer(v any, path string, depth int) error {
	switch c := v.(type) {
	case map[string]any:
		if depth > MaxHeaderDepth {
			return &HeaderLimitError{Path: path, Depth: depth}
		}
		if len(c) > MaxHeaderEntries {
			return &HeaderLimitError{Path: path, Entries: len(c)}
		}
		for _, k := range slices.Sorted(maps.Keys(c)) {
			if err := checkContainer(c[k], joinPath(path, k), depth+1); err != nil {
				return err
			}
		}
	case []any:
		if depth > MaxHeaderDepth {
			return &HeaderLimitError{Path: path, Depth: depth}
		}
		if len(c) > MaxHeaderEntries {
			return &HeaderLimitError{Path: path, Entries: len(c)}
		}
		for i, e := range c {
			if err := checkContainer(e, path+"["+strconv.Itoa(i)+"]", depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	var b strings.Builder
	b.Grow(len(path) + 1 + len(key))
	b.WriteString(path)
	b.WriteByte('.')
	b.WriteString(key)
	return b.String()
}
