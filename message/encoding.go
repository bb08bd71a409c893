package message

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// decodedLimit is MaxDecodedSize; tests lower it.
var decodedLimit = MaxDecodedSize

var gzipMagic = []byte{0x1f, 0x8b, 0x08}

// decodeContent undoes the content encodings named in enc (last applied is
// listed last, so they are undone from the end) and, when enc is empty,
// a gzip stream recognised by its magic bytes. On failure it notes why and
// returns raw unchanged.
func decodeContent(b *Body, raw []byte, enc string) []byte {
	var codings []string
	for _, c := range strings.Split(enc, ",") {
		if c = strings.ToLower(strings.TrimSpace(c)); c != "" && c != "identity" {
			codings = append(codings, c)
		}
	}
	if len(codings) == 0 {
		if !bytes.HasPrefix(raw, gzipMagic) {
			return raw
		}
		out, truncated, err := inflate("gzip", raw, decodedLimit)
		if err != nil {
			b.note("looks like gzip but does not decode (%v): shown as is", err)
			return raw
		}
		b.Truncated = truncated
		b.note("gzip-decoded (no content-encoding set): %s → %s", humanSize(len(raw)), humanSize(len(out)))
		noteTruncated(b)
		return out
	}
	data := raw
	for i := len(codings) - 1; i >= 0; i-- {
		c := codings[i]
		switch c {
		case "gzip", "x-gzip", "deflate", "zlib":
		default:
			b.note("content-encoding %q not understood: shown as is", c)
			return data
		}
		out, truncated, err := inflate(c, data, decodedLimit)
		if err != nil {
			b.fail(fmt.Errorf("content-encoding %s: %v: shown undecoded", c, err))
			return raw
		}
		b.note("%s-decoded: %s → %s", strings.TrimPrefix(c, "x-"), humanSize(len(data)), humanSize(len(out)))
		data = out
		if truncated {
			b.Truncated = true
			noteTruncated(b)
			break
		}
	}
	return data
}

func noteTruncated(b *Body) {
	if b.Truncated {
		b.note("decoded body larger than %s: showing the first %s", humanSize(decodedLimit), humanSize(decodedLimit))
	}
}

// inflate decompresses data, reading at most limit bytes of output so that
// a tiny compressed body cannot expand without bound. Deflate accepts both
// zlib-wrapped and raw streams, as senders disagree on what it means.
func inflate(coding string, data []byte, limit int) (out []byte, truncated bool, err error) {
	defer func() {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			err = errors.New("truncated stream")
		}
	}()
	var r io.Reader
	switch {
	case coding == "gzip" || coding == "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, false, err
		}
		r = zr
	case zlibHeader(data):
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, false, err
		}
		r = zr
	default:
		r = flate.NewReader(bytes.NewReader(data))
	}
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, false, err
	}
	out = buf.Bytes()
	if n > int64(limit) {
		return out[:limit], true, nil
	}
	return out, false, nil
}

// zlibHeader checks the two-byte zlib header: deflate method and a valid
// check value.
func zlibHeader(b []byte) bool {
	return len(b) >= 2 && b[0]&0x0f == 8 && b[0]>>4 <= 7 && (uint16(b[0])<<8|uint16(b[1]))%31 == 0
}

// charsets maps the charset labels senders use to decoders. UTF-8 and
// US-ASCII are absent: they need no conversion, only validation.
var charsets = map[string]encoding.Encoding{
	"iso-8859-1":   charmap.ISO8859_1,
	"iso8859-1":    charmap.ISO8859_1,
	"iso_8859-1":   charmap.ISO8859_1,
	"latin1":       charmap.ISO8859_1,
	"latin-1":      charmap.ISO8859_1,
	"l1":           charmap.ISO8859_1,
	"iso-8859-15":  charmap.ISO8859_15,
	"latin9":       charmap.ISO8859_15,
	"windows-1252": charmap.Windows1252,
	"cp1252":       charmap.Windows1252,
	"windows-1251": charmap.Windows1251,
	"cp1251":       charmap.Windows1251,
	"koi8-r":       charmap.KOI8R,
	"utf-16":       unicode.UTF16(unicode.BigEndian, unicode.UseBOM),
	"utf-16be":     unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM),
	"utf-16le":     unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM),
}

// toUTF8 converts data from charset (a content-type parameter, maybe empty)
// to UTF-8. ok is false when the bytes are not text in that charset; the
// reason is noted.
func toUTF8(b *Body, data []byte, charset string) (string, bool) {
	cs := strings.ToLower(strings.TrimSpace(charset))
	switch cs {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		if cs == "" && hasUTF16BOM(data) {
			cs = "utf-16"
			break
		}
		if bytes.HasPrefix(data, utf8BOM) {
			data = data[len(utf8BOM):]
			b.note("UTF-8 byte order mark removed")
		}
		if !utf8.Valid(data) {
			b.note("not valid UTF-8: shown as hex")
			return "", false
		}
		return string(data), true
	}
	enc, known := charsets[cs]
	if !known {
		b.note("unknown charset %q: read as UTF-8", charset)
		if !utf8.Valid(data) {
			b.note("not valid UTF-8: shown as hex")
			return "", false
		}
		return string(data), true
	}
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		b.note("not valid %s (%v): shown as hex", cs, err)
		return "", false
	}
	b.note("charset %s", cs)
	return string(out), true
}
