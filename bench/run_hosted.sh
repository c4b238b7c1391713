#!/usr/bin/env bash
# run_hosted.sh : benchmark bodega as a HOSTED index against nginx (static files, the near-limit
# reference), pypiserver (hosted, the same 43 wheels: the direct peer), proxpi and devpi, with the
# shared harness (its scripts are used in place, never copied).
#
#   bash bench/run_hosted.sh            # ≈25-30 min on 2 cores; tables in $BENCH_RESULTS/summary.md
#
# Steps: build the corpus if missing; start every server in $SERVERS side by side (bodega loads
# the corpus + the generated 3,000-file project on a fresh data dir, see servers.d/bodega.sh);
# S4 pip and uv installs for $S4_SERVERS ("cold" = first install after a restart, then "warm");
# then S1, S1big, S3 for $BENCH_REPS reps with the servers interleaved inside each rep (their
# order flips every rep, for S4 too), each
# with SERVER_PID so the server's CPU per request is recorded; S5 peak RSS; stop what it started;
# summarize vs nginx and vs pypiserver; check the issue's targets (targets.py hosted).
#
# Env: BENCH_HARNESS (../shared/bench next to the repository), SERVERS ("nginx bodega pypiserver proxpi devpi"),
#      S4_SERVERS ("nginx bodega"), SCENARIOS ("s4 s1 s3"; s1 includes s1big), BENCH_REPS (3),
#      the harness's BENCH_* paths and *_PORT variables, and servers.d/bodega.sh's BODEGA_*.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
: "${BENCH_HARNESS:=$(cd "$HERE/../../shared/bench" 2>/dev/null && pwd || echo "$HERE/../../shared/bench")}"
[ -f "$BENCH_HARNESS/lib.sh" ] || { echo "no bench harness at BENCH_HARNESS=$BENCH_HARNESS" >&2; exit 2; }
export BENCH_SERVERS_DIRS="$HERE/servers.d${BENCH_SERVERS_DIRS:+ $BENCH_SERVERS_DIRS}"
# shellcheck source=/dev/null
. "$BENCH_HARNESS/lib.sh"
: "${SERVERS:=nginx bodega pypiserver proxpi devpi}"
: "${S4_SERVERS:=nginx bodega}"
: "${SCENARIOS:=s4 s1 s3}"
export SERVERS S4_SERVERS SCENARIOS
srv() { "$BENCH_HARNESS/servers.sh" "$@"; }
bench() { "$BENCH_HARNESS/bench.sh" "$@" || true; }   # a failed scenario is recorded, not fatal
has() { case " $SCENARIOS " in *" $1 "*) return 0 ;; esac; return 1; }
in_list() { case " $2 " in *" $1 "*) return 0 ;; esac; return 1; }

# nginx is the upstream of the proxies and serves the corpus for S4 "straight from nginx"
in_list nginx "$SERVERS" || SERVERS="nginx $SERVERS"
for s in $S4_SERVERS; do in_list "$s" "$SERVERS" || { echo "S4_SERVERS: $s is not in SERVERS" >&2; exit 2; }; done

# refuse to touch anything (fresh wipes $BENCH_WORK/<server> state) while another bench holds a port
for s in $SERVERS; do
  port=$(srv url "$s" | sed -E 's#^http://[^/]*:([0-9]+)/.*#\1#')
  port_free "$port" || { echo "$s: port $port is busy (another bench running?); set BENCH_WORK and the *_PORT variables, see bench/README.md" >&2; exit 2; }
done
[ -f "$BENCH_CORPUS/www/simple/index.html" ] || python3 "$BENCH_HARNESS/make_corpus.py" "$BENCH_CORPUS"
mv -f "$BENCH_RESULTS/raw.tsv" "$BENCH_RESULTS/raw.$(date +%s).tsv" 2>/dev/null || true

# stop only the servers this run started (a pid file left by someone else is never acted on)
started=""
cleanup() { for s in $started; do srv stop "$s" || true; done; }
trap cleanup EXIT
start() { srv start "$1"; started="$started $1"; }
for s in $SERVERS; do
  [ "$s" = nginx ] || srv fresh "$s"
  start "$s"
done

{ echo "date	$(date -u +%FT%TZ)"; echo "kernel	$(uname -r)"; echo "cpus	$(nproc)"
  echo "nginx	$(nginx -v 2>&1)"; echo "wrk	$(wrk -v 2>&1 | head -1)"
  echo "pip	$("$PY_CLIENT" -m pip --version)"; echo "uv	$("$UV" --version)"
  bin=${BODEGA_BIN:-$HERE/../.venv/bin/bodega}
  echo "bodega	$("$bin" --version) workers=${BODEGA_BENCH_WORKERS:-1} bin=$bin"
  echo "repo:git	$(git -C "$HERE" rev-parse --short HEAD 2>/dev/null)$(git -C "$HERE" diff --quiet HEAD -- ../src 2>/dev/null || echo '+uncommitted-src')"
  for v in proxpi/proxpi devpi/devpi-server pypiserver/pypiserver pypiserver/gunicorn; do
    echo "${v%%/*}:${v#*/}	$("$BENCH_PEERS/${v%%/*}/bin/python" -m pip show "${v#*/}" 2>/dev/null | awk '/^Version:/{print $2}')"; done
} > "$BENCH_RESULTS/versions.tsv"

# S4: real installs of the harness's package set. A hosted index has no cache to empty:
# "cold" is the first install after a restart (pages rendered on demand), "warm" the next one.
# the order of the servers flips every rep: an install leaves work behind on the box (page cache,
# dirty pages of the deleted --target) that slows whichever install comes next
in_order() { if (($1 % 2)); then echo "$2"; else echo "$2" | tr -s ' ' '\n' | tac | tr '\n' ' '; fi; }  # REP "LIST"
if has s4; then
  for ((r = 1; r <= BENCH_REPS; r++)); do
    for c in pip uv; do
      for s in $(in_order "$r" "$S4_SERVERS"); do
        if [ "$s" != nginx ]; then
          srv stop "$s"
          in_list "$s" "bodega pypiserver" || srv fresh "$s"   # proxies: empty the cache
          srv start "$s"
        fi
        export SERVER_PID; SERVER_PID=$(srv pid "$s")
        S4_PHASE=cold bench "s4$c" "$(srv url "$s")" "$s" "$r"
        S4_PHASE=warm bench "s4$c" "$(srv url "$s")" "$s" "$r"
      done
    done
  done
fi

# S1 (small page), S1big (3,000-file page), S3 (wheel download): servers interleaved per rep
for ((r = 1; r <= BENCH_REPS; r++)); do
  for s in $(in_order "$r" "$SERVERS"); do
    u=$(srv url "$s"); export SERVER_PID; SERVER_PID=$(srv pid "$s")
    if has s1; then bench s1 "$u" "$s" "$r"; bench s1big "$u" "$s" "$r"; fi
    if has s3; then bench s3 "$u" "$s" "$r"; fi
  done
done

# S5: peak RSS of each server's process tree
for s in $SERVERS; do
  printf 's5\t%s\t1\tpeak_rss_MiB\t%s\n' "$s" "$(( $(peak_rss_kib "$(srv pid "$s")") / 1024 ))" | tee -a "$BENCH_RESULTS/raw.tsv"
done
cleanup; started=""

{ echo "# bodega hosted-index benchmark"; echo
  echo '```'; cat "$BENCH_RESULTS/versions.tsv"; echo '```'
  echo; echo "## vs nginx"; python3 "$BENCH_HARNESS/summarize.py" "$BENCH_RESULTS/raw.tsv" nginx
  echo; echo "## vs pypiserver"; python3 "$BENCH_HARNESS/summarize.py" "$BENCH_RESULTS/raw.tsv" pypiserver
  echo; python3 "$HERE/targets.py" "$BENCH_RESULTS/raw.tsv" hosted
} > "$BENCH_RESULTS/summary.md"
cat "$BENCH_RESULTS/summary.md"
