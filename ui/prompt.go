package ui

import (
	"sort"
	"strings"
)

// command is one parsed : command.
type command struct {
	name string // canonical: queues, exchanges, bindings, connections, nodes, vhost, ctx, quit
	arg  string
}

// parseCommand reads a : line. An unknown word is an error naming it.
func parseCommand(line string) (command, error) {
	f := strings.Fields(line)
	if len(f) == 0 {
		return command{}, errEmpty
	}
	name, ok := commandAliases[strings.ToLower(f[0])]
	if !ok {
		return command{}, &unknownCommandError{word: f[0]}
	}
	arg := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), f[0]))
	return command{name: name, arg: arg}, nil
}

type unknownCommandError struct{ word string }

func (e *unknownCommandError) Error() string {
	var try []string
	for _, c := range commandTable() {
		try = append(try, c.usage())
	}
	return "unknown command :" + e.word + " (try " + strings.Join(try, " ") + ")"
}

type emptyError struct{}

func (emptyError) Error() string { return "empty command" }

var errEmpty = emptyError{}

// complete returns the completions of a : line given the known vhosts and
// contexts, and the line as tab would leave it: the common prefix of all
// candidates, or the one candidate plus a space.
func complete(line string, vhosts, contexts []string) (string, []string) {
	f := strings.Fields(line)
	trailing := strings.HasSuffix(line, " ")
	var pool []string
	var prefix, head string
	switch {
	case len(f) == 0:
		pool = commandNames
	case len(f) == 1 && !trailing:
		pool, prefix = commandNames, f[0]
	default:
		switch commandAliases[strings.ToLower(f[0])] {
		case "vhost":
			pool = append([]string{"*"}, vhosts...)
		case "ctx":
			pool = contexts
		case "from":
			pool = []string{"first", "last", "next"}
		default:
			return line, nil
		}
		head = f[0] + " "
		if len(f) > 1 && !trailing {
			prefix = strings.Join(f[1:], " ")
		}
	}
	var matches []string
	for _, c := range pool {
		if strings.HasPrefix(c, prefix) {
			matches = append(matches, c)
		}
	}
	sort.Strings(matches)
	switch len(matches) {
	case 0:
		return line, nil
	case 1:
		return head + matches[0] + " ", matches
	}
	common := matches[0]
	for _, m := range matches[1:] {
		for !strings.HasPrefix(m, common) {
			common = common[:len(common)-1]
		}
	}
	if len(common) > len(prefix) {
		return head + common, matches
	}
	return line, matches
}
