package message

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"strings"
	"unicode/utf8"
)

// BodyKind is how a decoded body is best shown.
type BodyKind int

const (
	KindEmpty  BodyKind = iota // no bytes
	KindText                   // UTF-8 text
	KindJSON                   // valid JSON text, pretty-printed in Body.Pretty
	KindBinary                 // anything else: show a hex dump of Body.Data
)

func (k BodyKind) String() string {
	switch k {
	case KindEmpty:
		return "empty"
	case KindText:
		return "text"
	case KindJSON:
		return "json"
	case KindBinary:
		return "binary"
	}
	return fmt.Sprintf("BodyKind(%d)", int(k))
}

// Limits that keep a hostile or huge body from exhausting memory.
const (
	// MaxDecodedSize bounds what gzip or deflate may expand a body to.
	MaxDecodedSize = 64 << 20
	// maxPrettyInput is the largest JSON text that is pretty-printed.
	maxPrettyInput = 32 << 20
)

// Body is a message body decoded for display.
type Body struct {
	Kind BodyKind
	// Notes say, in a few words each, what decoding did or could not do,
	// e.g. "gzip-decoded: 1.2 KiB → 40 KiB" or "not valid UTF-8: shown as hex".
	Notes []string
	// Err is the first real failure (corrupt gzip, invalid JSON under a JSON
	// content type); it is also in Notes. Decoding still produced a Body.
	Err error
	// Data is the body after content-encoding (gzip, deflate) was undone:
	// what the hex view shows and what a binary copy takes. The bytes as
	// they travelled stay in Message.Body.
	Data []byte
	// Truncated is set when decompression stopped at MaxDecodedSize.
	Truncated bool
	// Text is the body as UTF-8 (converted from its charset) when Kind is
	// Text or JSON, exactly as sent: copy and edit this. It is not safe to
	// print as is; Raw and Pretty are.
	Text string
	// Raw is Text as display-safe lines (control characters escaped), for
	// the raw view and for Text bodies. Nil for KindEmpty and KindBinary.
	Raw *Lines
	// Pretty is the JSON pretty-printed with classified spans. Nil unless
	// Kind is KindJSON and the body was small enough to pretty-print.
	Pretty *Styled
}

func (b *Body) note(format string, args ...any) {
	b.Notes = append(b.Notes, fmt.Sprintf(format, args...))
}

func (b *Body) fail(err error) {
	if b.Err == nil {
		b.Err = err
	}
	b.Notes = append(b.Notes, err.Error())
}

// Decode undoes the content encoding, converts the charset and classifies
// the body of m. It never panics and always returns something showable;
// problems are reported in Notes and Err. It is O(size of the body); run
// it off the UI goroutine for large bodies.
func Decode(m Message) Body {
	var b Body
	if len(m.Body) == 0 {
		b.Kind = KindEmpty
		return b
	}
	data := decodeContent(&b, m.Body, m.Properties.ContentEncoding)
	b.Data = data
	if len(data) == 0 {
		b.Kind = KindEmpty
		return b
	}

	mediaType, params := parseContentType(m.Properties.ContentType)
	if binaryMediaType(mediaType) {
		b.Kind = KindBinary
		b.note("%s: shown as hex", mediaType)
		return b
	}
	text, ok := toUTF8(&b, data, params["charset"])
	if !ok {
		b.Kind = KindBinary
		return b
	}
	if controlHeavy(text) {
		b.Kind = KindBinary
		b.note("control characters: shown as hex")
		return b
	}
	b.Text = text
	b.Raw = NewLines(text)
	b.Kind = KindText

	switch {
	case jsonMediaType(mediaType):
		if err := jsonSyntaxError(text); err != nil {
			b.fail(fmt.Errorf("invalid JSON: %v: shown as text", err))
			return b
		}
	case looksLikeJSON(text):
		b.note("detected JSON")
	default:
		return b
	}
	b.Kind = KindJSON
	if len(text) > maxPrettyInput {
		b.note("JSON of %s is too large to pretty-print: shown raw", humanSize(len(text)))
		return b
	}
	if b.Pretty = prettyJSON(text); b.Pretty == nil {
		b.note("JSON too deeply nested to pretty-print: shown raw")
	}
	return b
}

// parseContentType returns the lower-case media type and its parameters,
// tolerating content types that mime.ParseMediaType rejects.
func parseContentType(ct string) (string, map[string]string) {
	ct = strings.TrimSpace(ct)
	if ct == "" {
		return "", map[string]string{}
	}
	mediaType, params, err := mime.ParseMediaType(ct)
	if err == nil {
		return mediaType, params
	}
	params = map[string]string{}
	parts := strings.Split(ct, ";")
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, "=")
		if ok {
			params[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return strings.ToLower(strings.TrimSpace(parts[0])), params
}

func jsonMediaType(mt string) bool {
	return mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json")
}

// textMediaType is a type whose charset defaults to UTF-8.
func textMediaType(mt string) bool {
	return strings.HasPrefix(mt, "text/") || jsonMediaType(mt) ||
		mt == "application/xml" || strings.HasSuffix(mt, "+xml") ||
		mt == "application/javascript" || mt == "application/x-www-form-urlencoded" ||
		mt == "application/yaml" || mt == "application/x-yaml"
}

// binaryMediaType is a type that is binary even when its bytes happen to be
// valid UTF-8 (a short protobuf often is).
func binaryMediaType(mt string) bool {
	for _, p := range []string{"image/", "audio/", "video/", "font/"} {
		if strings.HasPrefix(mt, p) {
			return true
		}
	}
	switch mt {
	case "application/protobuf", "application/x-protobuf", "application/vnd.google.protobuf",
		"application/x-google-protobuf", "application/avro", "avro/binary",
		"application/msgpack", "application/x-msgpack", "application/vnd.msgpack",
		"application/cbor", "application/bson", "application/zip", "application/gzip",
		"application/x-gzip", "application/pdf":
		return true
	}
	return false
}

// controlHeavy reports text that reads better as hex: any NUL, or more than
// one rune in ten a control character other than tab, newline, CR and FF.
func controlHeavy(s string) bool {
	controls, runes := 0, 0
	for _, r := range s {
		runes++
		switch {
		case r == 0:
			return true
		case r == '\t' || r == '\n' || r == '\r' || r == '\f':
		case r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f:
			controls++
		}
	}
	return controls*10 > runes
}

// looksLikeJSON sniffs JSON in a body without a JSON content type: an
// object or array that parses. Bare scalars ("42", "true") stay text.
func looksLikeJSON(s string) bool {
	t := strings.TrimLeft(s, " \t\r\n")
	if t == "" || t[0] != '{' && t[0] != '[' {
		return false
	}
	return json.Valid([]byte(s))
}

// jsonSyntaxError is nil for valid JSON, else the parser's complaint.
func jsonSyntaxError(s string) error {
	data := []byte(s)
	if json.Valid(data) {
		return nil
	}
	var raw json.RawMessage
	err := json.Unmarshal(data, &raw)
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Errorf("%v at byte %d", syn, syn.Offset)
	}
	if err == nil { // not reachable: Valid and Unmarshal agree
		err = errors.New("syntax error")
	}
	return err
}

// humanSize formats a byte count: 512 B, 1.2 KiB, 40 KiB, 3.4 MiB.
func humanSize(n int) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	v := float64(n)
	for _, unit := range []string{"KiB", "MiB", "GiB"} {
		v /= 1024
		if v < 1024 || unit == "GiB" {
			if v < 10 {
				return fmt.Sprintf("%.1f %s", v, unit)
			}
			return fmt.Sprintf("%.0f %s", v, unit)
		}
	}
	return "" // unreachable
}

// validUTF8Prefix trims an incomplete rune from the end of a sample cut at
// an arbitrary byte, so that a cut does not look like invalid UTF-8.
func validUTF8Prefix(b []byte) []byte {
	for i := 1; i <= utf8.UTFMax-1 && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			break
		}
	}
	return b
}

var utf8BOM = []byte{0xef, 0xbb, 0xbf}

func hasUTF16BOM(b []byte) bool {
	return bytes.HasPrefix(b, []byte{0xfe, 0xff}) || bytes.HasPrefix(b, []byte{0xff, 0xfe})
}
