package main

import (
	"io"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	fv, err := parseFlags([]string{"--version"}, io.Discard)
	if err != nil || !fv.Version {
		t.Fatalf("--version: %+v, %v", fv, err)
	}
	bi := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}}}
	for _, tc := range []struct {
		stamped string
		bi      *debug.BuildInfo
		want    string
	}{
		{"v1.2.3", bi, "warren v1.2.3 (0123456789ab, modified) go"},
		{"", bi, "warren devel (0123456789ab, modified) go"},
		{"", &debug.BuildInfo{Main: debug.Module{Version: "v0.4.0"}}, "warren v0.4.0 go"},
		{"", nil, "warren devel go"},
	} {
		if got := describeVersion(tc.stamped, tc.bi); !strings.HasPrefix(got, tc.want) {
			t.Errorf("describeVersion(%q) = %q, want %q…", tc.stamped, got, tc.want)
		}
	}
	if got := versionText(); !strings.HasPrefix(got, "warren ") {
		t.Errorf("versionText() = %q", got)
	}
}
