#!/usr/bin/env bash
# Fault test: stop PostgreSQL in the middle of a write load, start it again. Passes when the API
# answered 503 (never 500) while the database was away, recovered by itself, and every write it
# acknowledged (201) is in the database afterwards. Traffic goes to 127.0.0.1 only; loops are bounded.
#
#   bash scripts/fault-test.sh            (builds the debug binary if needed)
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build -q -p hemvist-server
bin=target/debug/hemvist
work=$(mktemp -d /tmp/hemvist-fault-XXXXXX)
chmod 755 "$work"
port=$((20000 + RANDOM % 20000))
export HEMVIST_DATA_DIR="$work/data" HEMVIST_BIND="127.0.0.1:$port" RUST_LOG=warn
base="http://127.0.0.1:$port"

as_cluster_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

"$bin" serve >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do curl -fs "$base/ready" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "$base/ready" >/dev/null || { cat "$work/server.log"; echo "server did not become ready"; exit 1; }
pgdata=$(sed -n 's/^hemvist: private PostgreSQL cluster in //p' "$work/server.log")
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
token=$("$bin" token create --role housing_officer 2>/dev/null)

acked="$work/acked"; : >"$acked"
declare -A statuses=()
status=
# One write; its HTTP status lands in $status (not echoed: a subshell would lose the counts).
write() {
    local i=$1 id
    status=$(curl -s -o "$work/body" -w '%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -d "{\"identity_kind\":\"none\",\"given_name\":\"Fault$i\",\"family_name\":\"Test\",\"sex\":\"unknown\"}" "$base/api/v1/people" || true)
    statuses[$status]=$(( ${statuses[$status]:-0} + 1 ))
    if [ "$status" = 201 ]; then
        id=$(grep -o '"id":"[0-9a-f-]*"' "$work/body" | head -n 1 | cut -d'"' -f4)
        printf '%s\n' "$id" >>"$acked"
    fi
}

phase() { echo "== $1"; }
phase "write load, database up"
for i in $(seq 1 50); do write "$i"; done

phase "database stopped"
as_cluster_owner "$pgbin/pg_ctl" -D "$pgdata" stop -m fast -w >/dev/null
down_503=0; down_other=0
for i in $(seq 51 80); do
    write "$i"
    if [ "$status" = 503 ]; then down_503=$((down_503 + 1)); else down_other=$((down_other + 1)); fi
done
ready_down=$(curl -s -o /dev/null -w '%{http_code}' "$base/ready")

phase "database started again"
as_cluster_owner "$pgbin/pg_ctl" -D "$pgdata" start -w -l "$pgdata/postgres.log" >/dev/null
recovered=no
for i in $(seq 81 200); do
    write "$i"
    if [ "$status" = 201 ]; then recovered=yes; break; fi
    sleep 0.2
done
for i in $(seq 201 250); do write "$i"; done

phase "checking every acknowledged write"
missing=0
admin_token=$("$bin" token create --role admin 2>/dev/null)
while read -r id; do
    [ -n "$id" ] || continue
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $admin_token" "$base/api/v1/people/$id")
    [ "$code" = 200 ] || { missing=$((missing + 1)); echo "missing: $id ($code)"; }
done <"$acked"

for s in "${!statuses[@]}"; do echo "status $s: ${statuses[$s]}"; done
echo "while down: $down_503 x 503, $down_other other; /ready answered $ready_down"
echo "recovered by itself: $recovered; acknowledged writes: $(grep -c . "$acked"); missing: $missing"
failed=0
[ "$down_other" = 0 ] || { echo "FAIL: answers other than 503 while the database was down"; failed=1; }
[ "$ready_down" = 503 ] || { echo "FAIL: /ready did not answer 503"; failed=1; }
[ "$recovered" = yes ] || { echo "FAIL: no recovery"; failed=1; }
[ "$missing" = 0 ] || { echo "FAIL: acknowledged writes missing"; failed=1; }
[ -z "${statuses[500]:-}" ] || { echo "FAIL: 500 answers"; failed=1; }
[ "$failed" = 0 ] && echo "fault test passed"
exit "$failed"
