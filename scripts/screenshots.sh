#!/usr/bin/env bash
# screenshots.sh: renders warren's main views to SVG files in
# docs/screenshots, from the real program running in tmux against the demo
# broker (seeded, with live traffic), with charmbracelet's freeze.
#
# Each step types keys as a person would, waits, and captures the pane with
# its colours (tmux capture-pane -e). The demo's state changes (a move
# returns the demo dead letters to their origin), as it would for a person.
# Env: SHOT_WIDTH, SHOT_HEIGHT (default 120x36).
set -euo pipefail
cd "$(dirname "$0")/.."

readonly OUT=docs/screenshots
readonly WORK=bin/screenshots
readonly SESSION=warren-shots-$$
readonly WIDTH=${SHOT_WIDTH:-120} HEIGHT=${SHOT_HEIGHT:-36}
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}

log() { printf 'screenshots: %s\n' "$*" >&2; }

command -v tmux >/dev/null || { log "tmux is needed (apt-get install -y tmux)"; exit 1; }
bash scripts/ensure-broker.sh
mkdir -p "$OUT" "$WORK" bin
"$GO" build -o bin/warren ./cmd/warren
"$GO" build -o bin/warren-demo ./cmd/warren-demo
FREEZE=$(command -v freeze || true)
if [[ -z $FREEZE ]]; then
	log "installing freeze into bin/ (go install github.com/charmbracelet/freeze@v0.2.2)"
	GOBIN=$PWD/bin "$GO" install github.com/charmbracelet/freeze@v0.2.2
	FREEZE=$PWD/bin/freeze
fi

bin/warren-demo seed >/dev/null
bin/warren-demo traffic >"$WORK/traffic.log" 2>&1 &
traffic=$!
trap 'kill $traffic 2>/dev/null; tmux kill-session -t "$SESSION" 2>/dev/null; true' EXIT

# The demo lives in vhost "/": the lists show it alone.
tmux new-session -d -s "$SESSION" -x "$WIDTH" -y "$HEIGHT" "WARREN_PASSWORD=guest bin/warren --uri amqp://guest@127.0.0.1:5672/%2F"
sleep 4 # first paint, and a few rate samples

# keys K...: each argument is sent to the pane; "+TEXT" is typed literally.
keys() {
	for k in "$@"; do
		if [[ $k == +* ]]; then
			tmux send-keys -t "$SESSION" -l "${k#+}"
		else
			tmux send-keys -t "$SESSION" "$k"
		fi
		sleep 0.4
	done
}

# shot NAME: the pane as it is now, to $OUT/NAME.svg.
shot() {
	tmux capture-pane -t "$SESSION" -e -p >"$WORK/$1.ansi"
	"$FREEZE" "$WORK/$1.ansi" --output "$OUT/$1.svg" --window --padding 20 --font.size 13 --font.family monospace >/dev/null
	log "wrote $OUT/$1.svg"
}

keys M
sleep 2
shot queue-list
keys / +orders.dlq Enter Enter
sleep 1.5
shot queue-detail
keys p
sleep 1.5
shot peek
keys Enter
sleep 1
shot inspector
keys Escape Escape Escape
keys : +exchanges Enter / +demo.orders Enter t
sleep 4
shot live-pane
keys Escape
keys : +pulse Enter
sleep 6
shot pulse
keys Escape
keys : +queues Enter / +orders.dlq Enter m Enter y
sleep 3
shot move-summary
tmux send-keys -t "$SESSION" q
