package message

// Doc is a body view that pages: what the inspector scrolls. *Lines,
// *Styled and HexDoc are Docs.
type Doc interface {
	Len() int
	Spans(from, n int) []Line
	Search(query string) []int
}

// View is one of the inspector's body views.
type View int

const (
	ViewPretty View = iota // JSON pretty-printed; else as ViewRaw
	ViewRaw                // the text as sent; hex for binary bodies
	ViewHex                // hex dump of Body.Data
)

// Doc returns the body in view v, falling back to what the body has:
// pretty to raw when it is not JSON, raw to hex when it is binary.
// hexWidth is the bytes per hex line (<= 0 means HexWidth).
func (b Body) Doc(v View, hexWidth int) Doc {
	switch {
	case v == ViewPretty && b.Pretty != nil:
		return b.Pretty
	case v != ViewHex && b.Raw != nil:
		return b.Raw
	}
	return HexDoc{Data: b.Data, Width: hexWidth}
}
