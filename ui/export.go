package ui

import (
	"context"
	"io"
	"os"

	"github.com/warren-tui/warren/internal/boundedfile"
	"github.com/warren-tui/warren/message"
)

// maxBodyFile bounds a "body from file": the message is held in memory,
// and RabbitMQ 3.x refuses messages over 128 MiB by default.
const maxBodyFile = 64 << 20

// importLineLimit bounds one line of an import; a variable only so that
// tests need not write 32 MiB.
var importLineLimit = message.MaxJSONLLine

// writeExport writes messages as JSON Lines, refusing to overwrite a file.
func writeExport(path string, msgs []message.Message) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := message.WriteJSONL(f, msgs); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// exportFile is an export opened for an import: a regular file (never a
// device or a pipe, which could block or never end), read one message at
// a time with lines of at most message.MaxJSONLLine.
type exportFile struct {
	f  *os.File
	jr *message.JSONLReader
}

func openExport(path string) (*exportFile, error) {
	f, _, err := boundedfile.Open(path, 0)
	if err != nil {
		return nil, err
	}
	return &exportFile{f: f, jr: message.NewJSONLReader(f, importLineLimit)}, nil
}

// next is the import's source: the next message, or io.EOF.
func (e *exportFile) next() (message.Message, error) {
	m, _, err := e.jr.Next()
	return m, err
}

func (e *exportFile) Close() error { return e.f.Close() }

// exportSummary is what a read through an export found: how many
// messages, and the vhost of the first.
type exportSummary struct {
	count int
	vhost string
}

// scanExport reads an export through, checking every line before anything
// is published, in bounded memory; ctx stops it.
func scanExport(ctx context.Context, path string) (exportSummary, error) {
	var sum exportSummary
	e, err := openExport(path)
	if err != nil {
		return sum, err
	}
	defer e.Close()
	for {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		m, err := e.next()
		if err == io.EOF {
			return sum, nil
		}
		if err != nil {
			return sum, err
		}
		if sum.count == 0 {
			sum.vhost = m.Vhost
		}
		sum.count++
	}
}
