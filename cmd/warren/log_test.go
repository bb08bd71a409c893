package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The log is a file only its user may read, appended to, and what warren
// writes there about its target never carries the password.
func TestLogFileIsPrivateAndRedacted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "warren.log")
	log, closeLog, err := openLog(path)
	if err != nil {
		t.Fatal(err)
	}
	log.Info("start", "amqp", "amqp://ops:xxxxx@rabbit:5672/", "api", redactURL("https://ops:s3cret@rabbit:15671"))
	closeLog()
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("log file mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), "s3cret") || !strings.Contains(string(b), `"msg":"start"`) {
		t.Fatalf("log: %s", b)
	}
	if _, _, err := openLog(t.TempDir()); err == nil {
		t.Fatal("a directory was taken for the log")
	}
}

func TestLogFlagAndEnvironment(t *testing.T) {
	t.Setenv("WARREN_LOG", "/tmp/from-env.log")
	fv, err := parseFlags(nil, os.Stderr)
	if err != nil || fv.LogPath != "/tmp/from-env.log" {
		t.Fatalf("env: %q %v", fv.LogPath, err)
	}
	fv, err = parseFlags([]string{"--log", "/tmp/flag.log"}, os.Stderr)
	if err != nil || fv.LogPath != "/tmp/flag.log" {
		t.Fatalf("flag: %q %v", fv.LogPath, err)
	}
}
