package ui

import (
	"os"

	"github.com/warren-tui/warren/message"
)

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

// readExport reads a JSON Lines export for an import.
func readExport(path string) ([]message.Message, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return message.ReadJSONL(f)
}
