# shellcheck shell=bash
# bodega as a HOSTED index: the bench corpus (BENCH_CORPUS/dl, 43 real wheels) plus a generated
# project of BENCH_BIG_FILES (3,000) real tiny wheels named BENCH_BIG_PROJECT, imported with
# `bodega import` into the index `local`; served by `bodega serve` in the foreground.
# Sourced by the shared harness's servers.sh (name this folder in BENCH_SERVERS_DIRS), which
# has already sourced its lib.sh (port_free, wait_http, stop_pid, BENCH_* paths).
#
# Env: BODEGA_BENCH_PORT (28090), BODEGA_BIN (<repo>/.venv/bin/bodega),
#      BODEGA_BENCH_WORKERS (1 = bodega's default), BODEGA_BENCH_SEED (1: import once into
#      $BENCH_WORK/bodega-seed and copy it for every fresh data dir; 0: import every time).
# The data dir is $BENCH_WORK/bodega-data; `fresh` removes it (the seed is kept: it is a pure
# function of the corpus, the big project's shape and bodega's schema, and is rebuilt when
# any of those change).
BODEGA_BENCH_PORT=${BODEGA_BENCH_PORT:-28090}
BODEGA_BENCH_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BODEGA_BIN=${BODEGA_BIN:-$BODEGA_BENCH_REPO/.venv/bin/bodega}

bodega_url() { echo "http://127.0.0.1:${BODEGA_BENCH_PORT}/local/simple/"; }
bodega_fresh() { rm -rf "$BENCH_WORK/bodega-data"; }

# _bodega_load DATA_DIR : import the corpus and the generated big project into index `local`
_bodega_load() {
  local data=$1 n=${BENCH_BIG_FILES:-3000} big
  big="$BENCH_WORK/bodega-big-wheels/${BENCH_BIG_PROJECT}-${n}"
  python3 "$BODEGA_BENCH_REPO/bench/make_big_project.py" "$big" --name "$BENCH_BIG_PROJECT" --files "$n" \
    >>"$BENCH_WORK/bodega-import.log" 2>&1 || return 1
  env -u BODEGA_CONFIG "$BODEGA_BIN" import "$BENCH_CORPUS/dl" --index local -q --data-dir "$data" \
    >>"$BENCH_WORK/bodega-import.log" 2>&1 || return 1
  env -u BODEGA_CONFIG "$BODEGA_BIN" import "$big" --index local -q --data-dir "$data" \
    >>"$BENCH_WORK/bodega-import.log" 2>&1 || return 1
}

# what the loaded data depends on: the corpus files, the big project's shape, bodega's schema
_bodega_seed_stamp() {
  {
    ls -l "$BENCH_CORPUS/dl"
    echo "${BENCH_BIG_PROJECT} ${BENCH_BIG_FILES:-3000}"
    cat "$BODEGA_BENCH_REPO/bench/make_big_project.py"
    # the schema migrations of the bodega that BODEGA_BIN runs (its venv's python finds them)
    "$(dirname "$BODEGA_BIN")/python" -c 'import bodega.storage.meta as m; print(m.__path__[0])' 2>/dev/null \
      | xargs -I{} find {}/migrations -name '*.py' -type f -print0 | sort -z | xargs -0 cat
    "$BODEGA_BIN" --version
  } | sha256sum | cut -d' ' -f1
}

_bodega_prepare_data() {
  local data="$BENCH_WORK/bodega-data" seed="$BENCH_WORK/bodega-seed" stamp
  [ -d "$data" ] && return 0
  echo "bodega: loading the corpus into a fresh data dir (log: $BENCH_WORK/bodega-import.log)" >&2
  if [ "${BODEGA_BENCH_SEED:-1}" = 0 ]; then
    _bodega_load "$data.tmp" || { rm -rf "$data.tmp"; return 1; }
    mv "$data.tmp" "$data"
    return 0
  fi
  stamp=$(_bodega_seed_stamp)
  if [ "$(cat "$seed.stamp" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$seed" "$seed.tmp" "$seed.stamp"
    _bodega_load "$seed.tmp" || { rm -rf "$seed.tmp"; return 1; }
    mv "$seed.tmp" "$seed"
    echo "$stamp" > "$seed.stamp"
  fi
  cp -a "$seed" "$data.tmp" && mv "$data.tmp" "$data"
}

bodega_start() {
  port_free "$BODEGA_BENCH_PORT" || return 1
  [ -x "$BODEGA_BIN" ] || { echo "bodega: no executable BODEGA_BIN=$BODEGA_BIN" >&2; return 1; }
  _bodega_prepare_data || { echo "bodega: loading the corpus failed, see $BENCH_WORK/bodega-import.log" >&2; return 1; }
  env -u BODEGA_CONFIG "$BODEGA_BIN" serve --data-dir "$BENCH_WORK/bodega-data" --host 127.0.0.1 \
    --port "$BODEGA_BENCH_PORT" --workers "${BODEGA_BENCH_WORKERS:-1}" --no-access-log \
    >"$BENCH_WORK/bodega.log" 2>&1 &
  echo $! > "$BENCH_WORK/bodega.run.pid"
  wait_http "$(bodega_url)" 60
}
bodega_stop() { stop_pid "$BENCH_WORK/bodega.run.pid"; }
bodega_pid() { cat "$BENCH_WORK/bodega.run.pid"; }
