package main

import (
	"runtime"
	"runtime/debug"
)

// version is stamped by the Makefile (-ldflags "-X main.version=...");
// without it the build info says what it can: a module version for
// `go install ...@vX`, else the VCS revision.
var version = ""

// versionText is what --version prints.
func versionText() string {
	return describeVersion(version, readBuildInfo())
}

func readBuildInfo() *debug.BuildInfo {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	return bi
}

func describeVersion(stamped string, bi *debug.BuildInfo) string {
	v := stamped
	var rev string
	var dirty bool
	if bi != nil {
		if v == "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "devel"
	}
	out := "warren " + v
	if rev != "" {
		out += " (" + rev[:min(len(rev), 12)]
		if dirty {
			out += ", modified"
		}
		out += ")"
	}
	return out + " " + runtime.Version()
}
