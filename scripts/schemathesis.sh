#!/usr/bin/env bash
# Property-based API testing: schemathesis (from PyPI) generates requests from the served OpenAPI
# document, with every check (`--checks all`) and the stateful phase following the document's links.
# What JSON Schema cannot say is in schemathesis.toml, with the reason.
#
#   bash scripts/schemathesis.sh [examples per operation, default 100]
set -euo pipefail
cd "$(dirname "$0")/.."
examples=${1:-100}
command -v st >/dev/null 2>&1 || pip install -q schemathesis

cargo build -q -p hemvist-server
work=$(mktemp -d /tmp/hemvist-st-XXXXXX)
chmod 755 "$work"
port=$((20000 + RANDOM % 20000))
export HEMVIST_DATA_DIR="$work/data" HEMVIST_BIND="127.0.0.1:$port" RUST_LOG=warn
target/debug/hemvist serve >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break; sleep 0.2; done
token=$(target/debug/hemvist token create --role admin 2>/dev/null)

st --config-file schemathesis.toml run "http://127.0.0.1:$port/api/v1/openapi.json" \
    -H "Authorization: Bearer $token" --checks all --max-examples "$examples" --workers 2
