#!/usr/bin/env bash
# Failover test: pg_auto_failover (Debian's postgresql-15-auto-failover) with a monitor, a primary and
# a synchronous standby on loopback ports of this machine; Hemvist serves on the multi-host
# DATABASE_URL (target_session_attrs=read-write) under a write load of guarantee requests and capacity
# reports; the primary is killed with SIGKILL (keeper, postmaster and backends). `hemvist-failover`
# prints: acknowledged writes lost (must be 0), double placements (must be 0), seconds until writes
# succeed again, and requests that failed (must be 0). Everything lives in a temp directory and is
# removed afterwards.
#
#   bash scripts/failover-test.sh           pg_auto_failover's default timing
#   FAILOVER_FAST=1 bash scripts/failover-test.sh   health checks every second, shorter timeouts
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v pg_autoctl >/dev/null 2>&1; then
    echo "== installing pg_auto_failover"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q postgresql-15-auto-failover pg-auto-failover-cli
fi
pgbin=${PG_BINDIR:-/usr/lib/postgresql/15/bin}

cargo build -q -p hemvist-server -p hemvist-bench --bin hemvist --bin hemvist-failover
work=$(mktemp -d /tmp/hemvist-failover-XXXXXX)
chmod 755 "$work"
# PostgreSQL refuses to run as root: as root, the nodes belong to the postgres system user.
if [ "$(id -u)" = 0 ]; then
    chown postgres: "$work"
    owner=(setpriv --reuid=postgres --regid=postgres --init-groups env HOME="$work")
else
    owner=(env HOME="$work")
fi
as_owner() { "${owner[@]}" "$@"; }
# pg_autoctl keeps its configuration and state under XDG directories: keep them in the temp directory.
export XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/share" XDG_RUNTIME_DIR="$work/run"
monitor_port=$((30000 + RANDOM % 20000))
ports=($((monitor_port + 1)) $((monitor_port + 2)))
monitor_uri="postgres://autoctl_node@127.0.0.1:$monitor_port/pg_auto_failover?sslmode=disable"

pids=()
cleanup() {
    for pgdata in "$work/node1" "$work/node2" "$work/monitor"; do
        [ -d "$pgdata" ] && as_owner pg_autoctl stop --pgdata "$pgdata" --immediate >/dev/null 2>&1 || true
    done
    for pid in "${pids[@]}"; do kill -9 -- "-$pid" 2>/dev/null || true; done
    sleep 1
    for pgdata in "$work/node1" "$work/node2" "$work/monitor"; do
        if [ -f "$pgdata/postmaster.pid" ]; then
            kill -9 "$(head -n 1 "$pgdata/postmaster.pid")" 2>/dev/null || true
        fi
    done
    rm -rf "$work"
}
trap cleanup EXIT

# Starts `pg_autoctl run` for a node in a process group of its own (so the test can kill it whole).
run_node() {
    local pgdata=$1
    as_owner pg_autoctl config set --pgdata "$pgdata" postgresql.listen_addresses 127.0.0.1 >/dev/null
    if [ -n "${FAILOVER_FAST:-}" ] && [ "$pgdata" != "$work/monitor" ]; then
        # A primary cut off from the monitor and its standby demotes itself after this long: it must
        # stay below the monitor's primary_demote_timeout (5 s here), or two primaries could overlap.
        as_owner pg_autoctl config set --pgdata "$pgdata" timeout.network_partition_timeout 3 >/dev/null
    fi
    setsid "${owner[@]}" pg_autoctl run --pgdata "$pgdata" >"$pgdata.log" 2>&1 &
    pids+=($!)
    disown
}

# Waits until the monitor reports `count` nodes in state `state`.
wait_for() {
    local state=$1 count=$2 n
    for _ in $(seq 1 240); do
        n=$("$pgbin/psql" -qAt "$monitor_uri" -c \
            "SELECT count(*) FROM pgautofailover.node WHERE reportedstate = '$state' AND goalstate = '$state'" 2>/dev/null || true)
        [ "$n" = "$count" ] && return 0
        sleep 0.5
    done
    echo "timed out waiting for $count node(s) in state $state" >&2
    tail -n 20 "$work"/*.log >&2
    return 1
}

started=$(date +%s)
echo "== pg_auto_failover: monitor on $monitor_port, nodes on ${ports[*]}"
as_owner pg_autoctl create monitor --pgctl "$pgbin/pg_ctl" --pgdata "$work/monitor" --pgport "$monitor_port" \
    --hostname 127.0.0.1 --auth trust --no-ssl >"$work/monitor.create.log" 2>&1
run_node "$work/monitor"
for _ in $(seq 1 120); do "$pgbin/pg_isready" -q -h 127.0.0.1 -p "$monitor_port" && break; sleep 0.5; done
if [ -n "${FAILOVER_FAST:-}" ]; then
    # Health checks every second; a node that stops reporting is unhealthy after 5 s.
    "$pgbin/psql" -qAt -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$monitor_port" -U postgres -d pg_auto_failover >/dev/null <<'SQL'
ALTER SYSTEM SET pgautofailover.health_check_period = 1000;
ALTER SYSTEM SET pgautofailover.health_check_timeout = 1000;
ALTER SYSTEM SET pgautofailover.health_check_max_retries = 1;
ALTER SYSTEM SET pgautofailover.health_check_retry_delay = 500;
ALTER SYSTEM SET pgautofailover.node_considered_unhealthy_timeout = 5000;
ALTER SYSTEM SET pgautofailover.primary_demote_timeout = 5000;
SELECT pg_reload_conf();
SQL
fi
nodes=
for n in 1 2; do
    port=${ports[$((n - 1))]}
    as_owner pg_autoctl create postgres --pgctl "$pgbin/pg_ctl" --pgdata "$work/node$n" --pgport "$port" \
        --hostname 127.0.0.1 --listen 127.0.0.1 --name "node$n" --dbname hemvist --auth trust --no-ssl \
        --monitor "$monitor_uri" >"$work/node$n.create.log" 2>&1
    run_node "$work/node$n"
    nodes="${nodes:+$nodes,}$port:$work/node$n:${pids[-1]}"
    if [ "$n" = 1 ]; then wait_for single 1; else wait_for secondary 1; wait_for primary 1; fi
done
echo "== primary and synchronous standby ready in $(($(date +%s) - started)) s:" \
    "$("$pgbin/psql" -qAt -h 127.0.0.1 -p "${ports[0]}" -U postgres hemvist -c 'SHOW synchronous_standby_names')"
"$pgbin/psql" -qAt "$monitor_uri" -c \
    "SELECT name || '=' || setting FROM pg_settings WHERE name IN ('pgautofailover.health_check_period',
        'pgautofailover.node_considered_unhealthy_timeout', 'pgautofailover.primary_demote_timeout')
        ORDER BY name" | sed 's/^/   /'

url="host=127.0.0.1,127.0.0.1 port=${ports[0]},${ports[1]} user=postgres dbname=hemvist target_session_attrs=read-write"
echo "== DATABASE_URL='$url'"
status=0
RUST_BACKTRACE=0 FAILOVER_DATABASE_URL="$url" FAILOVER_NODES="$nodes" FAILOVER_SERVER_LOG="$work/server.log" \
    target/debug/hemvist-failover || status=$?
if [ "$status" != 0 ]; then
    echo "== server log (last lines)"; tail -n 20 "$work/server.log" || true
fi
echo "== after the failover:"
as_owner pg_autoctl show state --pgdata "$work/monitor" 2>/dev/null || true
echo "== whole run: $(($(date +%s) - started)) s"
exit "$status"
