package message

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"io"
	"strings"
	"unicode"
)

// Preview is a one-line summary of m's body for a message list, at most
// width terminal cells (<= 0: no limit, but never more than a sample of the
// body): decoded, whitespace collapsed, control and bidi characters
// escaped (\x1b, \u202e); "‹empty›" or "‹binary 1.2 KiB›" when there is no
// text to show. It decodes only the start of the body, so it is cheap even
// for huge messages.
func Preview(m Message, width int) string {
	if len(m.Body) == 0 {
		return truncateCells("‹empty›", width)
	}
	sampleSize := max(1024, 8*width)
	sample, whole := previewSample(m, sampleSize)
	binary := "‹binary " + humanSize(len(m.Body)) + "›"
	mediaType, params := parseContentType(m.Properties.ContentType)
	if binaryMediaType(mediaType) {
		return truncateCells(binary, width)
	}
	if !whole {
		sample = validUTF8Prefix(sample)
	}
	var scratch Body
	text, ok := toUTF8(&scratch, sample, params["charset"])
	if !ok || controlHeavy(text) {
		return truncateCells(binary, width)
	}
	text = collapseForPreview(text)
	if text == "" {
		return truncateCells("‹blank›", width)
	}
	if !whole && width <= 0 {
		text += "…"
	}
	return truncateCells(text, width)
}

// previewSample returns up to n bytes of the decoded body, and whether that
// is all of it. Undecodable compressed bodies are sampled as they are.
func previewSample(m Message, n int) ([]byte, bool) {
	raw := m.Body
	enc := strings.ToLower(strings.TrimSpace(m.Properties.ContentEncoding))
	var r io.Reader
	switch {
	case enc == "gzip" || enc == "x-gzip" || enc == "" && bytes.HasPrefix(raw, gzipMagic):
		if zr, err := gzip.NewReader(bytes.NewReader(raw)); err == nil {
			r = zr
		}
	case enc == "deflate" || enc == "zlib":
		if zlibHeader(raw) {
			if zr, err := zlib.NewReader(bytes.NewReader(raw)); err == nil {
				r = zr
			}
		} else {
			r = flate.NewReader(bytes.NewReader(raw))
		}
	}
	if r != nil {
		buf := make([]byte, n+1)
		k, err := io.ReadFull(r, buf)
		if err == nil {
			return buf[:n], false
		}
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			// Short: the whole body if the stream ended cleanly (flate
			// reports truncation as ErrUnexpectedEOF too; its errors stick).
			if _, err := r.Read(buf[k:]); err == io.EOF {
				return buf[:k], true
			}
		}
		// Corrupt stream: fall through to the raw bytes.
	}
	if len(raw) > n {
		return raw[:n], false
	}
	return raw, true
}

// collapseForPreview turns every run of white space into one space and
// escapes control and bidi characters: dropped, they would hide what the
// body holds.
func collapseForPreview(s string) string {
	var sb strings.Builder
	sb.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = true
		case r == '\ufeff': // a byte order mark says nothing
		default:
			if space && sb.Len() > 0 {
				sb.WriteByte(' ')
			}
			space = false
			if unsafeRune(r) {
				sb.Write(appendEscapedRune(nil, r))
			} else {
				sb.WriteRune(r)
			}
		}
	}
	return sb.String()
}
