#!/usr/bin/env bash
# run_proxy.sh : bodega as a caching proxy (servers.d/bodegaproxy.sh) side by side with nginx
# (the upstream and the reference), proxpi and devpi, through the shared harness's
# run_all.sh: S4 pip/uv cold and warm, S1, S1big, S3, S2 (root page, HTML), S5 (peak RSS);
# then S2 again with the PEP 691 JSON root and with gzip; summary and the issue's targets.
#
# Env: BENCH_HARNESS (../shared/bench next to the repository), SERVERS
#      ("nginx bodegaproxy proxpi devpi"), BENCH_REPS (3), the harness's BENCH_* paths and
#      *_PORT variables.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
: "${BENCH_HARNESS:=$(cd "$HERE/../../shared/bench" 2>/dev/null && pwd || echo "$HERE/../../shared/bench")}"
[ -f "$BENCH_HARNESS/lib.sh" ] || { echo "no bench harness at BENCH_HARNESS=$BENCH_HARNESS" >&2; exit 2; }
export BENCH_SERVERS_DIRS="$HERE/servers.d${BENCH_SERVERS_DIRS:+ $BENCH_SERVERS_DIRS}"
: "${SERVERS:=nginx bodegaproxy proxpi devpi}"
export SERVERS
# shellcheck source=/dev/null
. "$BENCH_HARNESS/lib.sh"

bash "$BENCH_HARNESS/run_all.sh"

# the JSON root and the compressed root (run_all's S2 asks for neither)
srv() { "$BENCH_HARNESS/servers.sh" "$@"; }
srv start nginx bodegaproxy
trap 'srv stop bodegaproxy nginx || true' EXIT
u=$(srv url bodegaproxy)
for ((r = 1; r <= BENCH_REPS; r++)); do
  S2_ACCEPT="application/vnd.pypi.simple.v1+json" "$BENCH_HARNESS/bench.sh" s2 "$u" bodegaproxy-json "$r"
  S2_ACCEPT="application/vnd.pypi.simple.v1+json" "$BENCH_HARNESS/bench.sh" s2 "$(srv url nginx)" nginx-json "$r"
done
times=$(for _ in 1 2 3 4 5 6 7 8 9 10; do
  curl -fsS -o /dev/null --compressed --max-time 60 -w '%{time_total} %{size_download}\n' "$u"; done)
printf 's2gz\tbodegaproxy\t1\tmedian_s\t%s\n' "$(echo "$times" | awk '{print $1}' | median)" >> "$BENCH_RESULTS/raw.tsv"
printf 's2gz\tbodegaproxy\t1\tbytes\t%s\n' "$(echo "$times" | awk 'NR==1{print $2}')" >> "$BENCH_RESULTS/raw.tsv"
python3 "$BENCH_HARNESS/summarize.py" "$BENCH_RESULTS/raw.tsv" > "$BENCH_RESULTS/summary.md"
python3 "$HERE/targets.py" "$BENCH_RESULTS/raw.tsv" proxy | tee -a "$BENCH_RESULTS/summary.md"
