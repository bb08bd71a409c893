package message

import (
	"reflect"
	"testing"
)

func TestHexDump(t *testing.T) {
	data := []byte("Hello, world\n\x00\x01\x02\xffmore")
	want := []string{
		"00000000  48 65 6c 6c 6f 2c 20 77  6f 72 6c 64 0a 00 01 02  |Hello, world....|",
		"00000010  ff 6d 6f 72 65                                    |.more|",
	}
	if got := HexDump(data, 0); !reflect.DeepEqual(got, want) {
		t.Errorf("HexDump\n got %q\nwant %q", got, want)
	}
	want8 := []string{
		"00000000  48 65 6c 6c 6f 2c 20 77  |Hello, w|",
		"00000008  6f 72 6c 64 0a 00 01 02  |orld....|",
		"00000010  ff 6d 6f 72 65           |.more|",
	}
	if got := HexDump(data, 8); !reflect.DeepEqual(got, want8) {
		t.Errorf("HexDump width 8\n got %q\nwant %q", got, want8)
	}
	if got := HexDump(nil, 0); len(got) != 0 {
		t.Errorf("HexDump(nil) = %q", got)
	}
}

func TestHexLinesWindow(t *testing.T) {
	data := make([]byte, 1000)
	for i := range data {
		data[i] = byte(i * 7)
	}
	all := HexDump(data, 0)
	if len(all) != HexLineCount(len(data), 0) || len(all) != 63 {
		t.Fatalf("%d lines, count %d", len(all), HexLineCount(len(data), 0))
	}
	for _, w := range []struct{ from, n int }{{0, 10}, {60, 10}, {62, 1}, {63, 5}, {-1, 2}, {10, 0}} {
		from, to := clampRange(w.from, w.n, len(all))
		if got := HexLines(data, 0, w.from, w.n); !reflect.DeepEqual(got, all[from:to]) {
			t.Errorf("HexLines(%d, %d) differs from the dump", w.from, w.n)
		}
	}
	if HexLineCount(0, 0) != 0 || HexLineCount(16, 16) != 1 || HexLineCount(17, 16) != 2 {
		t.Error("HexLineCount")
	}
}

func TestHexSearch(t *testing.T) {
	data := []byte("0123456789abcdefXXXXHELLO world hello")
	if got := HexSearch(data, "hello", 0); !reflect.DeepEqual(got, []int{1, 2}) {
		t.Errorf("HexSearch = %v", got)
	}
	if got := HexSearch(data, "fXX", 0); !reflect.DeepEqual(got, []int{0}) { // spans lines 0 and 1
		t.Errorf("HexSearch across lines = %v", got)
	}
	if got := HexSearch(data, "", 0); got != nil {
		t.Errorf("empty query = %v", got)
	}
	doc := HexDoc{Data: data}
	if doc.Len() != 3 || len(doc.Spans(0, 9)) != 3 || !reflect.DeepEqual(doc.Search("world"), []int{1}) {
		t.Error("HexDoc")
	}
}
