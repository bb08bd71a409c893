//go:build !unix

package boundedfile

import "os"

func openNonBlocking(path string) (*os.File, error) { return os.Open(path) }
