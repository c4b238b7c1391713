# shellcheck shell=bash
# bodega as a CACHING PROXY with no configuration: `bodega serve` on an empty data dir, with
# pip's configured index (PIP_INDEX_URL) pointing at the harness's upstream. Its default
# index `root` (hosted `local` + proxy `pypi`) answers /simple/ - exactly what a user gets.
# Sourced by the shared harness's servers.sh (name this folder in BENCH_SERVERS_DIRS).
#
# Env: BODEGAPROXY_PORT (28091), BODEGA_BIN (<repo>/.venv/bin/bodega),
#      BODEGA_BENCH_WORKERS (1 = bodega's default).
BODEGAPROXY_PORT=${BODEGAPROXY_PORT:-28091}
BODEGAPROXY_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BODEGA_BIN=${BODEGA_BIN:-$BODEGAPROXY_REPO/.venv/bin/bodega}

bodegaproxy_url() { echo "http://127.0.0.1:${BODEGAPROXY_PORT}/simple/"; }
bodegaproxy_fresh() { rm -rf "$BENCH_WORK/bodegaproxy-data"; }
bodegaproxy_start() {
  port_free "$BODEGAPROXY_PORT" || return 1
  [ -x "$BODEGA_BIN" ] || { echo "bodegaproxy: no executable BODEGA_BIN=$BODEGA_BIN" >&2; return 1; }
  env -u BODEGA_CONFIG PIP_INDEX_URL="$UPSTREAM_URL/simple/" \
    "$BODEGA_BIN" serve --data-dir "$BENCH_WORK/bodegaproxy-data" --host 127.0.0.1 \
    --port "$BODEGAPROXY_PORT" --workers "${BODEGA_BENCH_WORKERS:-1}" --no-access-log \
    >"$BENCH_WORK/bodegaproxy.log" 2>&1 &
  echo $! > "$BENCH_WORK/bodegaproxy.run.pid"
  wait_http "http://127.0.0.1:${BODEGAPROXY_PORT}/healthz" 60
}
bodegaproxy_stop() { stop_pid "$BENCH_WORK/bodegaproxy.run.pid"; }
bodegaproxy_pid() { cat "$BENCH_WORK/bodegaproxy.run.pid"; }
