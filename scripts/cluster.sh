#!/usr/bin/env bash
# cluster.sh: a three-node RabbitMQ cluster on loopback, from the installed
# package, beside (never touching) the machine's own node rabbit@HOST.
#
#   scripts/cluster.sh up            start three nodes and join them (idempotent)
#   scripts/cluster.sh down          kill every node and remove the directory
#   scripts/cluster.sh kill N        kill -9 node N (1, 2 or 3): it shows as down
#   scripts/cluster.sh restart N     stop node N if it runs, start it on its data
#   scripts/cluster.sh pause N SECS  SIGSTOP node N for SECS, then SIGCONT: past
#                                    net_ticktime the others cut it off (a partition)
#   scripts/cluster.sh status        each node: running or down, pid, ports
#   scripts/cluster.sh uri N | api N the AMQP URI / management URL of node N
#
# Layout (internal/testnode's Cluster runs this script, so tests and people
# get the same nodes):
#
#   $DIR/home/.erlang.cookie   one cookie for the three (HOME of nodes and CLI)
#   $DIR/N/rabbitmq.conf       listeners on 127.0.0.1 only
#   $DIR/N/enabled_plugins     rabbitmq_management, its own (so rabbitmq-plugins
#                              never rewrites the shared node's file)
#   $DIR/N/rabbitmq-env.conf   empty, so /etc/rabbitmq's is not read
#   $DIR/N/mnesia, $DIR/N/log  data and logs; console.log is the node's output
#   $DIR/N/node.pid            the Erlang VM's pid while it runs
#
# Node N is $PREFIX$N@localhost with AMQP port BASE+N-1, management port
# BASE+10000+N-1 and distribution port BASE+20000+N-1. As root the nodes run
# as the rabbitmq user, which owns $DIR.
#
# Env: WARREN_CLUSTER_DIR (default /tmp/warren-cluster),
#      WARREN_CLUSTER_PREFIX (default w, so w1@localhost ...),
#      WARREN_CLUSTER_PORT_BASE (default 5681: AMQP 5681-5683, API
#      15681-15683, distribution 25681-25683),
#      WARREN_CLUSTER_OWNER (a pid: when it exits, the cluster goes down;
#      the tests set their own),
#      WARREN_CLUSTER_WAIT (seconds to wait for a node, default 180),
#      WARREN_CLUSTER_CONF (lines added to each node's rabbitmq.conf when the
#      directory is laid out, e.g. 'net_ticktime = 4').
set -euo pipefail

readonly DIR=${WARREN_CLUSTER_DIR:-/tmp/warren-cluster}
readonly PREFIX=${WARREN_CLUSTER_PREFIX:-w}
readonly BASE=${WARREN_CLUSTER_PORT_BASE:-5681}
readonly WAIT=${WARREN_CLUSTER_WAIT:-180}
readonly NODES=(1 2 3)
readonly SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")

log() { printf 'cluster: %s\n' "$*" >&2; }
die() {
	log "$*"
	exit 1
}

# The package's own scripts, not the Debian wrapper in /usr/sbin, which
# switches user through su (resetting limits) and logs to the shared
# node's directory.
BIN=${WARREN_TESTNODE_BIN:-/usr/lib/rabbitmq/bin}
if [[ ! -x $BIN/rabbitmq-server ]]; then
	real=$(readlink -f "$(command -v rabbitmq-server 2>/dev/null || echo /nonexistent)")
	[[ -x $real && $(basename "$real") == rabbitmq-server ]] && BIN=$(dirname "$real")
fi
[[ -x $BIN/rabbitmq-server && -x $BIN/rabbitmqctl ]] ||
	die "no RabbitMQ installed (no rabbitmq-server in /usr/lib/rabbitmq/bin or on PATH); run scripts/ensure-broker.sh"

name() { echo "$PREFIX$1@localhost"; }
amqp_port() { echo $((BASE + $1 - 1)); }
api_port() { echo $((BASE + 10000 + $1 - 1)); }
dist_port() { echo $((BASE + 20000 + $1 - 1)); }

check_node_arg() {
	[[ ${1:-} =~ ^[123]$ ]] || die "name a node: 1, 2 or 3 (got '${1:-}')"
}

# as_node runs a command as the nodes' user with node N's environment and
# nothing else (no RABBITMQ_* of the caller leaks in).
as_node() {
	local n=$1
	shift
	local env=(env -i "PATH=$PATH:/usr/bin:/bin:/usr/sbin:/sbin" "HOME=$DIR/home" LANG=C.UTF-8 LC_ALL=C.UTF-8
		"RABBITMQ_NODENAME=$(name "$n")" "RABBITMQ_DIST_PORT=$(dist_port "$n")"
		"RABBITMQ_MNESIA_BASE=$DIR/$n/mnesia" "RABBITMQ_LOG_BASE=$DIR/$n/log"
		"RABBITMQ_CONFIG_FILE=$DIR/$n/rabbitmq.conf" "RABBITMQ_ADVANCED_CONFIG_FILE=$DIR/$n/advanced.config"
		"RABBITMQ_ENABLED_PLUGINS_FILE=$DIR/$n/enabled_plugins" "RABBITMQ_CONF_ENV_FILE=$DIR/$n/rabbitmq-env.conf"
		"RABBITMQ_PID_FILE=$DIR/$n/node.pid")
	if [[ $(id -u) -eq 0 ]] && id rabbitmq >/dev/null 2>&1; then
		# setpriv keeps the limits (su and runuser reset them through PAM).
		(cd "$DIR/$n" && exec setpriv --reuid=rabbitmq --regid=rabbitmq --clear-groups "${env[@]}" "$@")
	else
		(cd "$DIR/$n" && exec "${env[@]}" "$@")
	fi
}

ctl() {
	local n=$1
	shift
	as_node "$n" "$BIN/rabbitmqctl" -q -n "$(name "$n")" "$@"
}

pid_of() {
	local p
	p=$(cat "$DIR/$1/node.pid" 2>/dev/null || true)
	[[ $p =~ ^[0-9]+$ ]] && kill -0 "$p" 2>/dev/null && echo "$p"
	return 0
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

api_ready() {
	[[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 3 -u guest:guest \
		"http://127.0.0.1:$(api_port "$1")/api/overview" || true) == 200 ]]
}

# layout writes the cookie and each node's files once.
layout() {
	[[ -f $DIR/home/.erlang.cookie ]] && return
	log "laying out $DIR"
	mkdir -p "$DIR/home"
	chmod 755 "$DIR"
	head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr a-f A-F >"$DIR/home/.erlang.cookie"
	chmod 400 "$DIR/home/.erlang.cookie"
	local n
	for n in "${NODES[@]}"; do
		mkdir -p "$DIR/$n/mnesia" "$DIR/$n/log"
		cat >"$DIR/$n/rabbitmq.conf" <<-EOF
			listeners.tcp.1 = 127.0.0.1:$(amqp_port "$n")
			management.tcp.ip = 127.0.0.1
			management.tcp.port = $(api_port "$n")
			vm_memory_high_watermark.relative = 0.4
			collect_statistics_interval = 1000
		EOF
		[[ -n ${WARREN_CLUSTER_CONF:-} ]] && printf '%s\n' "$WARREN_CLUSTER_CONF" >>"$DIR/$n/rabbitmq.conf"
		echo '[rabbitmq_management].' >"$DIR/$n/enabled_plugins"
		: >"$DIR/$n/rabbitmq-env.conf"
	done
	if [[ $(id -u) -eq 0 ]] && id rabbitmq >/dev/null 2>&1; then
		chown -R rabbitmq:rabbitmq "$DIR"
	fi
}

# start_node launches node N in the background, in a session of its own,
# its output in its console.log. The server script stays the VM's parent
# and reaps it when it dies.
start_node() {
	local n=$1
	if [[ -n $(pid_of "$n") ]]; then
		return
	fi
	local p
	for p in "$(amqp_port "$n")" "$(api_port "$n")" "$(dist_port "$n")"; do
		port_open "$p" && die "port $p (node $n) is taken; set WARREN_CLUSTER_PORT_BASE"
	done
	rm -f "$DIR/$n/node.pid"
	as_node "$n" setsid "$BIN/rabbitmq-server" >>"$DIR/$n/log/console.log" 2>&1 </dev/null &
	disown
}

wait_node() {
	local n=$1 started=$SECONDS
	until [[ -n $(pid_of "$n") ]] && port_open "$(amqp_port "$n")" && api_ready "$n"; do
		if ((SECONDS - started >= WAIT)); then
			log "node $(name "$n") not ready after ${WAIT}s; its log:"
			tail -n 30 "$DIR/$n/log/console.log" "$DIR/$n/log/$(name "$n").log" >&2 2>/dev/null || true
			return 1
		fi
		sleep 0.5
	done
}

# members prints the running nodes node N sees in its cluster.
running_members() {
	curl -s --max-time 5 -u guest:guest "http://127.0.0.1:$(api_port "$1")/api/nodes?columns=name,running" |
		grep -o '"name":"[^"]*","running":true' | cut -d'"' -f4 | sort | tr '\n' ' '
}

join() {
	local n=$1
	if running_members 1 | grep -qw "$(name "$n")"; then
		return
	fi
	log "joining $(name "$n") to $(name 1)"
	ctl "$n" stop_app
	ctl "$n" join_cluster "$(name 1)"
	ctl "$n" start_app
	wait_node "$n"
}

# watch_owner takes the cluster down once the process WARREN_CLUSTER_OWNER
# has gone, however it ended (a killed test binary has no clean-up).
watch_owner() {
	local owner=${WARREN_CLUSTER_OWNER:-}
	[[ $owner =~ ^[0-9]+$ ]] || return 0
	setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 2; done; exec "$2" down' _ "$owner" "$SELF" \
		>/dev/null 2>&1 </dev/null &
	disown
}

up() {
	local began=$SECONDS n
	layout
	watch_owner
	for n in "${NODES[@]}"; do start_node "$n"; done
	for n in "${NODES[@]}"; do wait_node "$n" || exit 1; done
	log "three nodes up after $((SECONDS - began))s"
	join 2
	join 3
	log "cluster $(running_members 1)up after $((SECONDS - began))s"
}

kill_node() {
	local n=$1 p
	p=$(pid_of "$n")
	[[ -n $p ]] || return 0
	kill -9 "$p" 2>/dev/null || true
	local i
	for ((i = 0; i < 100; i++)); do
		kill -0 "$p" 2>/dev/null || break
		# A zombie waiting for its reaper is dead enough.
		[[ $(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) == Z ]] && break
		sleep 0.1
	done
	rm -f "$DIR/$n/node.pid"
}

down() {
	local n
	[[ -d $DIR ]] || return 0
	for n in "${NODES[@]}"; do kill_node "$n"; done
	# The server scripts exit once their VM has gone; the rest of a node's
	# Erlang processes (epmd is shared and stays) go with the VM.
	rm -rf "$DIR"
	log "down"
}

restart() {
	local n=$1
	if [[ -n $(pid_of "$n") ]]; then
		ctl "$n" shutdown || kill_node "$n"
	fi
	start_node "$n"
	wait_node "$n"
}

# pause_node hangs node N's VM (SIGSTOP) for SECS seconds and lets it go
# on (SIGCONT): a node that stops answering without going down, as under
# a frozen host. Past net_ticktime the others count it gone; once it is
# back both sides report a partition.
pause_node() {
	local n=$1 secs=$2 p
	p=$(pid_of "$n")
	[[ -n $p ]] || die "node $(name "$n") is not running"
	kill -STOP "$p"
	trap 'kill -CONT "$p"' EXIT
	sleep "$secs"
	kill -CONT "$p"
	trap - EXIT
}

status() {
	local n p
	for n in "${NODES[@]}"; do
		p=$(pid_of "$n")
		printf '%s\t%s\tpid %s\tamqp %s\tapi http://127.0.0.1:%s\n' "$(name "$n")" \
			"$([[ -n $p ]] && echo running || echo down)" "${p:--}" "$(amqp_port "$n")" "$(api_port "$n")"
	done
}

case ${1:-} in
up) up ;;
down) down ;;
kill)
	check_node_arg "${2:-}"
	kill_node "$2"
	;;
restart)
	check_node_arg "${2:-}"
	[[ -f $DIR/home/.erlang.cookie ]] || die "no cluster in $DIR; run up first"
	restart "$2"
	;;
pause)
	check_node_arg "${2:-}"
	[[ ${3:-} =~ ^[0-9]+$ ]] || die "say for how many seconds: pause N SECS"
	pause_node "$2" "$3"
	;;
status) status ;;
uri)
	check_node_arg "${2:-}"
	echo "amqp://guest:guest@127.0.0.1:$(amqp_port "$2")/"
	;;
api)
	check_node_arg "${2:-}"
	echo "http://127.0.0.1:$(api_port "$2")"
	;;
*)
	sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac
