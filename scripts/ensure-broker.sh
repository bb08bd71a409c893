#!/usr/bin/env bash
# ensure-broker.sh: make sure a RabbitMQ with the management and shovel
# plugins answers on 127.0.0.1 (AMQP 5672, management API 15672, guest/guest).
#
# Idempotent: installs the Debian package when missing (as root), enables the
# plugins, starts the node when nothing listens, then waits until both the
# AMQP port and the management API answer. Works without systemd: the node is
# started with `rabbitmq-server -detached`.
#
# Env: BROKER_WAIT_SECONDS (default 120) bounds every wait.
set -euo pipefail

readonly AMQP_HOST=127.0.0.1
readonly AMQP_PORT=5672
readonly API_URL=http://127.0.0.1:15672
readonly PLUGINS=(rabbitmq_management rabbitmq_shovel rabbitmq_shovel_management)
readonly WAIT_SECONDS=${BROKER_WAIT_SECONDS:-120}
readonly LOG_DIR=/var/log/rabbitmq

log() { printf 'ensure-broker: %s\n' "$*" >&2; }

is_root() { [[ $(id -u) -eq 0 ]]; }

apt_install() {
	log "installing $* with apt-get (this takes a minute or two the first time)"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >&2 || log "apt-get update failed; trying with the package lists already here"
	apt-get install -y -q --no-install-recommends "$@" >&2
}

# amqp_up: true when something accepts TCP on the AMQP port.
amqp_up() {
	(exec 3<>"/dev/tcp/$AMQP_HOST/$AMQP_PORT") 2>/dev/null
}

# api_status prints the HTTP status of GET /api/overview as guest (000 when
# nothing answers). Uses curl, or a bare HTTP/1.0 request over /dev/tcp.
api_status() {
	if command -v curl >/dev/null 2>&1; then
		curl -s -o /dev/null -w '%{http_code}' --max-time 5 -u guest:guest "$API_URL/api/overview" || true
		return
	fi
	local hostport=${API_URL#http://}
	local host=${hostport%%:*} port=${hostport##*:} auth
	auth=$(printf guest:guest | base64)
	(
		exec 4<>"/dev/tcp/$host/$port" || exit 1
		printf 'GET /api/overview HTTP/1.0\r\nHost: %s\r\nAuthorization: Basic %s\r\nConnection: close\r\n\r\n' \
			"$hostport" "$auth" >&4
		IFS=' ' read -r -t 5 _ code _ <&4 || exit 1
		echo "$code"
	) 2>/dev/null || echo 000
}

api_up() { [[ $(api_status) == 200 ]]; }

# node_name is the short name of the default node ("rabbit" unless
# rabbitmq-env.conf or the environment says otherwise).
node_name() {
	local name=${RABBITMQ_NODENAME:-}
	if [[ -z $name && -r /etc/rabbitmq/rabbitmq-env.conf ]]; then
		name=$(sed -n 's/^[[:space:]]*NODENAME=//p' /etc/rabbitmq/rabbitmq-env.conf | tail -n 1 | tr -d "\"'")
	fi
	name=${name:-rabbit}
	echo "${name%%@*}"
}

# node_running: true when the default node's Erlang VM is registered with
# epmd, even if RabbitMQ in it is still booting or stopping. Other nodes on
# this machine (test nodes with their own names and ports) do not count.
node_running() {
	command -v epmd >/dev/null 2>&1 || return 1
	epmd -names 2>/dev/null | grep -q "^name $(node_name) at port "
}

tail_logs() {
	local f
	log "broker did not become ready; last lines of its logs:"
	for f in "$LOG_DIR"/*.log "$LOG_DIR"/startup_log "$LOG_DIR"/startup_err; do
		[[ -s $f ]] || continue
		printf '==> %s <==\n' "$f" >&2
		tail -n 40 "$f" >&2 || true
	done
}

# plugins_enabled: true when every wanted plugin is in the enabled_plugins file.
plugins_enabled() {
	local f=/etc/rabbitmq/enabled_plugins p
	[[ -r $f ]] || return 1
	for p in "${PLUGINS[@]}"; do
		grep -Eq "(\[|,|[[:space:]])$p(,|\]|[[:space:]])" "$f" || return 1
	done
}

need_root() {
	log "$1 needs root. Run, as root:"
	printf '    %s\n' "${@:2}" >&2
	exit 1
}

# --- 1. the package (and curl) --------------------------------------------
if ! command -v rabbitmq-server >/dev/null 2>&1 && [[ ! -x /usr/sbin/rabbitmq-server ]]; then
	if ! is_root; then
		need_root "installing RabbitMQ" \
			"apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y rabbitmq-server curl" \
			"rabbitmq-plugins enable --offline ${PLUGINS[*]}" \
			"rabbitmq-server -detached"
	fi
	pkgs=(rabbitmq-server)
	command -v curl >/dev/null 2>&1 || pkgs+=(curl ca-certificates)
	apt_install "${pkgs[@]}"
elif ! command -v curl >/dev/null 2>&1 && is_root; then
	apt_install curl ca-certificates || log "curl could not be installed; using /dev/tcp"
fi
export PATH=$PATH:/usr/sbin:/usr/bin:/usr/lib/rabbitmq/bin

# The integration tests publish with third-party clients too: Python's pika
# and amqp-tools. Under CI a missing one fails those tests, so install them.
if is_root && { ! command -v amqp-publish >/dev/null 2>&1 || ! /usr/bin/python3 -c 'import pika' >/dev/null 2>&1; }; then
	apt_install python3-pika amqp-tools || log "warning: python3-pika and amqp-tools could not be installed"
fi

# --- 2. plugins -------------------------------------------------------------
if ! plugins_enabled; then
	if ! is_root; then
		api_up || need_root "enabling plugins" "rabbitmq-plugins enable ${PLUGINS[*]}"
		log "warning: cannot check ${PLUGINS[*]} without root; the management API answers, going on"
	elif amqp_up; then
		log "enabling ${PLUGINS[*]} on the running node"
		rabbitmq-plugins enable "${PLUGINS[@]}" >&2
	else
		log "enabling ${PLUGINS[*]} (offline)"
		rabbitmq-plugins enable --offline "${PLUGINS[@]}" >&2
	fi
fi

# --- 3. start the node and wait for AMQP and the management API ------------
start_node() {
	is_root || need_root "starting RabbitMQ" "rabbitmq-server -detached"
	# Without systemd nothing raises the open-files limit (the Debian unit
	# sets 65536), and the Debian wrapper's `su` resets it to 1024 through
	# pam_limits. RabbitMQ wants a handle per queue: with a few thousand
	# queues and 1024 handles, queue recovery at boot stalls. So start the
	# node as the rabbitmq user ourselves, with the limit raised in there.
	local nofile
	nofile=$(ulimit -Hn)
	if [[ $nofile == unlimited ]] || ((nofile > 65536)); then nofile=65536; fi
	log "starting rabbitmq-server -detached (open files limit $nofile)"
	if [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]] && id rabbitmq >/dev/null 2>&1; then
		(cd /var/lib/rabbitmq && su rabbitmq -s /bin/sh -c \
			"ulimit -n $nofile 2>/dev/null; exec /usr/lib/rabbitmq/bin/rabbitmq-server -detached") >&2
	else
		rabbitmq-server -detached >&2
	fi || {
		tail_logs
		exit 1
	}
}

started=$SECONDS
launched=false
enabled_online=false
app_started=false
until amqp_up && api_up; do
	if ((SECONDS - started >= WAIT_SECONDS)); then
		log "timed out after ${WAIT_SECONDS}s (AMQP up: $(amqp_up && echo yes || echo no), API status: $(api_status))"
		tail_logs
		exit 1
	fi
	# Checked inside the loop, so a node that was still shutting down when we
	# looked gets started once it has gone.
	if ! $launched && ! amqp_up && ! node_running; then
		start_node
		launched=true
	fi
	# A node that accepts AMQP but has no API listener may lack the plugin
	# (enabled_plugins edited while it ran): enable it on the live node once.
	if ! $enabled_online && amqp_up && ((SECONDS - started >= 10)) && [[ $(api_status) == 000 ]] && is_root; then
		enabled_online=true
		log "AMQP answers but the management API does not: enabling plugins on the running node"
		rabbitmq-plugins enable "${PLUGINS[@]}" >&2 || true
	fi
	# A VM whose rabbit app was stopped (rabbitmqctl stop_app) never opens
	# the port by itself.
	if ! $app_started && ! amqp_up && node_running && ((SECONDS - started >= 45)) && is_root; then
		app_started=true
		log "the node runs but AMQP does not answer: trying rabbitmqctl start_app"
		rabbitmqctl -q start_app >&2 || true
	fi
	sleep 1
done

version=
if command -v curl >/dev/null 2>&1; then
	version=$(curl -s --max-time 5 -u guest:guest "$API_URL/api/overview" |
		grep -o '"rabbitmq_version":"[^"]*"' | cut -d'"' -f4 || true)
fi
echo "RabbitMQ ${version:-?} ready on amqp://$AMQP_HOST:$AMQP_PORT and $API_URL (took ${SECONDS}s)"
