package message

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"strings"
	"testing"
)

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func zlibBytes(b []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func flateBytes(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.DefaultCompression)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func msg(contentType, encoding string, body []byte) Message {
	return Message{Offset: -1, Body: body, Properties: Properties{ContentType: contentType, ContentEncoding: encoding}}
}

func hasNote(b Body, sub string) bool {
	for _, n := range b.Notes {
		if strings.Contains(n, sub) {
			return true
		}
	}
	return false
}

func TestDecode(t *testing.T) {
	hello := []byte("hello world\n")
	gz := gzipBytes(t, hello)
	corrupt := append([]byte(nil), gz...)
	corrupt[len(corrupt)-5] ^= 0xff // break the CRC
	tests := []struct {
		name        string
		ct, enc     string
		body        []byte
		kind        BodyKind
		text        string // expected Text when not binary
		note        string // a note that must be present
		wantErr     bool
		wantNoNotes bool
	}{
		{name: "empty", body: nil, kind: KindEmpty, wantNoNotes: true},
		{name: "plain text", ct: "text/plain", body: hello, kind: KindText, text: "hello world\n", wantNoNotes: true},
		{name: "no content type text", body: hello, kind: KindText, text: "hello world\n", wantNoNotes: true},
		{name: "gzip", ct: "text/plain", enc: "gzip", body: gz, kind: KindText, text: "hello world\n", note: "gzip-decoded: "},
		{name: "x-gzip upper case", enc: " X-GZIP ", body: gz, kind: KindText, text: "hello world\n", note: "gzip-decoded"},
		{name: "gzip sniffed", body: gz, kind: KindText, text: "hello world\n", note: "no content-encoding set"},
		{name: "deflate zlib", enc: "deflate", body: zlibBytes(hello), kind: KindText, text: "hello world\n", note: "deflate-decoded"},
		{name: "deflate raw", enc: "deflate", body: flateBytes(hello), kind: KindText, text: "hello world\n", note: "deflate-decoded"},
		{name: "gzip then identity list", enc: "gzip, identity", body: gz, kind: KindText, text: "hello world\n", note: "gzip-decoded"},
		{name: "corrupt gzip", enc: "gzip", body: corrupt, kind: KindBinary, note: "shown undecoded", wantErr: true},
		{name: "truncated gzip", enc: "gzip", body: gz[:len(gz)-10], kind: KindBinary, note: "truncated stream", wantErr: true},
		{name: "gzip header only", enc: "gzip", body: []byte{0x1f, 0x8b}, kind: KindBinary, wantErr: true},
		{name: "corrupt sniffed gzip", body: corrupt, kind: KindBinary, note: "looks like gzip"},
		{name: "unknown encoding", enc: "br", body: hello, kind: KindText, text: "hello world\n", note: `"br" not understood`},
		{name: "latin1", ct: "text/plain; charset=ISO-8859-1", body: []byte("caf\xe9"), kind: KindText, text: "café", note: "charset iso-8859-1"},
		{name: "latin1 quoted", ct: `text/plain; charset="latin1"`, body: []byte("caf\xe9"), kind: KindText, text: "café"},
		{name: "windows-1252 euro", ct: "text/plain;charset=windows-1252", body: []byte("\x80 5"), kind: KindText, text: "€ 5"},
		{name: "utf-16 BOM", ct: "text/plain; charset=utf-16", body: []byte{0xff, 0xfe, 'h', 0, 'i', 0}, kind: KindText, text: "hi"},
		{name: "utf-16 BOM sniffed", body: []byte{0xfe, 0xff, 0, 'h', 0, 'i'}, kind: KindText, text: "hi"},
		{name: "utf-16le", ct: "text/plain; charset=UTF-16LE", body: []byte{'o', 0, 'k', 0}, kind: KindText, text: "ok"},
		{name: "utf-8 BOM", body: []byte("\xef\xbb\xbf{\"a\":1}"), kind: KindJSON, text: `{"a":1}`, note: "byte order mark"},
		{name: "unknown charset", ct: "text/plain; charset=x-klingon", body: hello, kind: KindText, text: "hello world\n", note: "unknown charset"},
		{name: "invalid utf-8", ct: "text/plain", body: []byte("ab\xffcd"), kind: KindBinary, note: "not valid UTF-8: shown as hex"},
		{name: "NUL is binary", body: []byte("ab\x00cd"), kind: KindBinary, note: "control characters"},
		{name: "control heavy", body: []byte("\x01\x02abc"), kind: KindBinary},
		{name: "a few controls stay text", body: []byte("log line \x1b[31mred\x1b[0m and more words here"), kind: KindText,
			text: "log line \x1b[31mred\x1b[0m and more words here"},
		{name: "protobuf is binary", ct: "application/x-protobuf", body: []byte("abc"), kind: KindBinary, note: "shown as hex"},
		{name: "octet-stream text is text", ct: "application/octet-stream", body: hello, kind: KindText, text: "hello world\n"},
		{name: "json type", ct: "application/json", body: []byte(`{"a":1}`), kind: KindJSON, text: `{"a":1}`, wantNoNotes: true},
		{name: "json suffix type", ct: "application/vnd.api+json; charset=utf-8", body: []byte(`[1]`), kind: KindJSON, text: "[1]"},
		{name: "json scalar under json type", ct: "application/json", body: []byte(` "x" `), kind: KindJSON, text: ` "x" `},
		{name: "json sniffed", ct: "text/plain", body: []byte(" [1, 2]\n"), kind: KindJSON, text: " [1, 2]\n", note: "detected JSON"},
		{name: "scalar not sniffed", body: []byte("42"), kind: KindText, text: "42"},
		{name: "brace text not json", body: []byte("{not json}"), kind: KindText, text: "{not json}"},
		{name: "invalid json under json type", ct: "application/json", body: []byte(`{"a":}`), kind: KindText, text: `{"a":}`,
			note: "invalid JSON", wantErr: true},
		{name: "gzip json", ct: "application/json", enc: "gzip", body: gzipBytes(t, []byte(`{"k":"v"}`)), kind: KindJSON, text: `{"k":"v"}`},
		{name: "bad content type", ct: "text/plain;;charset=latin1;", body: []byte("caf\xe9"), kind: KindText, text: "café"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := Decode(msg(tt.ct, tt.enc, tt.body))
			if b.Kind != tt.kind {
				t.Fatalf("kind = %v, want %v (notes %q)", b.Kind, tt.kind, b.Notes)
			}
			if b.Text != tt.text {
				t.Errorf("text = %q, want %q", b.Text, tt.text)
			}
			if tt.note != "" && !hasNote(b, tt.note) {
				t.Errorf("notes %q lack %q", b.Notes, tt.note)
			}
			if tt.wantNoNotes && len(b.Notes) > 0 {
				t.Errorf("unexpected notes %q", b.Notes)
			}
			if (b.Err != nil) != tt.wantErr {
				t.Errorf("err = %v, want error %v", b.Err, tt.wantErr)
			}
			switch b.Kind {
			case KindText, KindJSON:
				if b.Raw == nil {
					t.Error("textual body without Raw lines")
				}
			case KindBinary:
				if len(b.Data) == 0 || b.Raw != nil || b.Text != "" {
					t.Errorf("binary body: data %d bytes, raw %v, text %q", len(b.Data), b.Raw, b.Text)
				}
			}
			if (b.Kind == KindJSON) != (b.Pretty != nil) {
				t.Errorf("kind %v with pretty %v", b.Kind, b.Pretty != nil)
			}
		})
	}
}

func TestDecodeBinaryKeepsDecodedData(t *testing.T) {
	raw := []byte{0, 1, 2, 3, 0xff}
	b := Decode(msg("", "gzip", gzipBytes(t, raw)))
	if b.Kind != KindBinary || !bytes.Equal(b.Data, raw) {
		t.Fatalf("kind %v data %x", b.Kind, b.Data)
	}
}

func TestDecodeZipBombIsBounded(t *testing.T) {
	defer func(old int) { decodedLimit = old }(decodedLimit)
	decodedLimit = 1 << 20
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	w.Write(make([]byte, 3<<20))
	w.Close()
	b := Decode(msg("", "gzip", buf.Bytes()))
	if !b.Truncated || len(b.Data) != decodedLimit {
		t.Fatalf("truncated %v, %d bytes", b.Truncated, len(b.Data))
	}
	if !hasNote(b, "larger than 1.0 MiB") {
		t.Errorf("notes %q", b.Notes)
	}
	b = Decode(msg("", "", buf.Bytes())) // sniffed
	if !b.Truncated || len(b.Data) != decodedLimit || !hasNote(b, "larger than 1.0 MiB") {
		t.Errorf("sniffed: truncated %v, %d bytes, notes %q", b.Truncated, len(b.Data), b.Notes)
	}
}

func TestDecodeEscapesControlsForDisplay(t *testing.T) {
	body := "red \x1b[31mtext\x1b[0m here, a longer line so controls are few\r\nbidi \u202e evil\r\nlone\rcr\n"
	b := Decode(msg("text/plain", "", []byte(body)))
	if b.Kind != KindText || b.Text != body {
		t.Fatalf("kind %v text %q", b.Kind, b.Text)
	}
	want := []string{
		`red \x1b[31mtext\x1b[0m here, a longer line so controls are few`,
		`bidi \u202e evil`,
		`lone\rcr`,
	}
	got := b.Raw.Slice(0, 10)
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("lines\n got %q\nwant %q", got, want)
	}
}

func TestPrettyJSON(t *testing.T) {
	in := `{"z":1.50,"a":[true,false,null,-0.0e+10,12345678901234567890],"e":{},"f":[ ],` +
		`"s":"caf\u00e9 \"q\" \u001b","n":{"deep":{"x":"y"}}}`
	want := `{
  "z": 1.50,
  "a": [
    true,
    false,
    null,
    -0.0e+10,
    12345678901234567890
  ],
  "e": {},
  "f": [],
  "s": "caf\u00e9 \"q\" \u001b",
  "n": {
    "deep": {
      "x": "y"
    }
  }
}`
	b := Decode(msg("application/json", "", []byte(in)))
	if b.Pretty == nil {
		t.Fatalf("no pretty: %q", b.Notes)
	}
	if got := b.Pretty.Plain().Text(); got != want {
		t.Fatalf("pretty\n%s\nwant\n%s", got, want)
	}
	lines := b.Pretty.Spans(0, b.Pretty.Len())
	for i, l := range lines {
		if l.String() != b.Pretty.Plain().Line(i) {
			t.Errorf("line %d: spans %q != text %q", i, l.String(), b.Pretty.Plain().Line(i))
		}
	}
	classes := func(l Line) string {
		var s []string
		for _, sp := range l {
			s = append(s, sp.Class.String()+"="+sp.Text)
		}
		return strings.Join(s, " ")
	}
	checks := map[int]string{
		0:  "punct={",
		1:  "plain=   key=\"z\" punct=: plain=  number=1.50 punct=,",
		3:  "plain=     bool=true punct=,",
		5:  "plain=     null=null punct=,",
		9:  "plain=   key=\"e\" punct=: plain=  punct={ punct=} punct=,",
		11: `plain=   key="s" punct=: plain=  string="caf\u00e9 \"q\" \u001b" punct=,`,
		17: "punct=}",
	}
	for i, want := range checks {
		if got := classes(lines[i]); got != want {
			t.Errorf("line %d classes\n got %s\nwant %s", i, got, want)
		}
	}
}

func TestPrettyJSONScalarsAndUnsafeStrings(t *testing.T) {
	for in, want := range map[string]string{
		`42`:                 "42",
		` "x" `:              `"x"`,
		`["a\u202eb"]`:       "[\n  \"a\\u202eb\"\n]",
		"[\"a\u202eb\x7f\"]": "[\n  \"a\\u202eb\\x7f\"\n]",
		`[[[]]]`:             "[\n  [\n    []\n  ]\n]",
	} {
		p := prettyJSON(in)
		if p == nil || p.Plain().Text() != want {
			t.Errorf("prettyJSON(%q) = %q, want %q", in, p.Plain().Text(), want)
		}
	}
}

func TestPrettyJSONDeepNestingGivesUp(t *testing.T) {
	in := strings.Repeat("[", 5000) + strings.Repeat("]", 5000)
	b := Decode(msg("application/json", "", []byte(in)))
	if b.Kind != KindJSON || b.Pretty != nil || !hasNote(b, "deeply nested") {
		t.Fatalf("kind %v pretty %v notes %q", b.Kind, b.Pretty != nil, b.Notes)
	}
	if b.Doc(ViewPretty, 0) != Doc(b.Raw) {
		t.Error("pretty view should fall back to raw")
	}
}

func TestBodyDocFallbacks(t *testing.T) {
	js := Decode(msg("application/json", "", []byte(`{"a":1}`)))
	txt := Decode(msg("text/plain", "", []byte("hi")))
	bin := Decode(msg("", "", []byte{0, 1, 2}))
	if _, ok := js.Doc(ViewPretty, 0).(*Styled); !ok {
		t.Error("json pretty view is not Styled")
	}
	if _, ok := js.Doc(ViewRaw, 0).(*Lines); !ok {
		t.Error("json raw view is not Lines")
	}
	if _, ok := txt.Doc(ViewPretty, 0).(*Lines); !ok {
		t.Error("text pretty view is not Lines")
	}
	if d, ok := bin.Doc(ViewRaw, 8).(HexDoc); !ok || d.Width != 8 || d.Len() != 1 {
		t.Errorf("binary raw view = %#v", bin.Doc(ViewRaw, 8))
	}
	if d := txt.Doc(ViewHex, 0); d.Len() != 1 || d.Spans(0, 1)[0].String()[:8] != "00000000" {
		t.Errorf("hex view of text: %v", d.Spans(0, 1))
	}
}

func TestHumanSize(t *testing.T) {
	for n, want := range map[int]string{
		0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1229: "1.2 KiB", 40 * 1024: "40 KiB",
		64 << 20: "64 MiB", 3 << 30: "3.0 GiB",
	} {
		if got := humanSize(n); got != want {
			t.Errorf("humanSize(%d) = %q, want %q", n, got, want)
		}
	}
}
