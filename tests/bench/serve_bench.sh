#!/usr/bin/env bash
# Benchmark of `vnetdiag serve` side by side, in one run, with Debian's prometheus-blackbox-exporter
# answering its own /metrics: wrk on loopback, 1 and 64 connections, req/s, p99 latency, errors,
# peak RSS of both, and serve's RSS at start and after a soak to show it does not grow.
# Prints a markdown table. Not a test: nothing here asserts a number. See README-serve.md.
#
# usage: serve_bench.sh [--quick] [--vnetdiag PATH] [--duration S] [--soak S] [--json FILE]
#   --quick   3 s per run and a 15 s soak instead of 10 s and 60 s
#   --json    also write the raw numbers to FILE
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
vnetdiag="$root/build/agent/vnetdiag"
duration=10
soak=60
json_out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) duration=3; soak=15 ;;
    --vnetdiag) vnetdiag=$2; shift ;;
    --duration) duration=$2; shift ;;
    --soak) soak=$2; shift ;;
    --json) json_out=$2; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "serve_bench.sh: unknown argument $1 (see --help)" >&2; exit 3 ;;
  esac
  shift
done
for tool in wrk prometheus-blackbox-exporter curl /usr/bin/python3 openssl; do
  command -v "$tool" >/dev/null || { echo "serve_bench.sh: $tool is missing (packaging/setup-debian.sh installs it)" >&2; exit 3; }
done
[ -x "$vnetdiag" ] || { echo "serve_bench.sh: no $vnetdiag (build first, or give --vnetdiag)" >&2; exit 3; }

work=$(mktemp -d /tmp/serve-bench.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# Polls until a command succeeds (a readiness check, not a fixed wait).
wait_for() {
  local tries=$1; shift
  for _ in $(seq "$tries"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "serve_bench.sh: gave up waiting for: $*" >&2
  return 1
}
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
status_kib() { awk -v k="$2:" '$1==k {print $2}' "/proc/$1/status"; }

# Peers on loopback: DNS (A 127.0.0.1) and a TLS server that answers 200, with a throwaway CA.
/usr/bin/python3 "$here/serve_bench_peers.py" "$work" > "$work/ports" 2> "$work/peers.err" &
pids+=($!)
wait_for 100 test -s "$work/ports"
read -r dns_port tls_port < "$work/ports"

serve_port=$(free_port)
"$vnetdiag" serve --listen "127.0.0.1:$serve_port" \
  --target "kv.bench.test:$tls_port" --target "cs.bench.test:$tls_port" \
  --dns-server "127.0.0.1:$dns_port" --resolv-conf /dev/null --proc-environ /dev/null \
  --ca-bundle "$work/ca.pem" --no-arm > "$work/serve.out" 2> "$work/serve.err" &
serve_pid=$!
pids+=($serve_pid)
serve="http://127.0.0.1:$serve_port"
wait_for 100 curl -sf "$serve/readyz"

bb_port=$(free_port)
printf 'modules:\n  http_2xx:\n    prober: http\n' > "$work/blackbox.yml"
prometheus-blackbox-exporter --config.file="$work/blackbox.yml" --web.listen-address="127.0.0.1:$bb_port" \
  > "$work/blackbox.log" 2>&1 &
bb_pid=$!
pids+=($bb_pid)
bb="http://127.0.0.1:$bb_port"
wait_for 100 curl -sf "$bb/metrics"

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
rss_start=$(status_kib "$serve_pid" VmRSS)
anon_start=$(status_kib "$serve_pid" RssAnon)

# One wrk run: "req/s|p99 ms|errors|p50 ms".
run_wrk() {
  local conns=$1 url=$2 out
  out=$(wrk -t1 -c"$conns" -d"${duration}s" --latency "$url")
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec:/ { rps = $2 }
    $1 == "99%" { p99 = ms($2) }
    $1 == "50%" { p50 = ms($2) }
    /Socket errors:/ { gsub(",", ""); errors += $4 + $6 + $8 + $10 }
    /Non-2xx or 3xx responses:/ { errors += $5 }
    END { printf "%.0f|%.3f|%d|%.3f\n", rps, p99, errors + 0, p50 }' <<< "$out"
}

declare -A result
for conns in 1 64; do
  for name in serve_readyz serve_metrics bb_metrics bb_healthy; do
    case $name in
      serve_readyz) url="$serve/readyz" ;;
      serve_metrics) url="$serve/metrics" ;;
      bb_metrics) url="$bb/metrics" ;;
      bb_healthy) url="$bb/-/healthy" ;;
    esac
    result[$name.$conns]=$(run_wrk "$conns" "$url")
  done
done

# Soak: /metrics at 64 connections, with serve's RSS before and after.
rss_pre=$(status_kib "$serve_pid" VmRSS)
anon_pre=$(status_kib "$serve_pid" RssAnon)
wrk -t1 -c64 -d"${soak}s" "$serve/metrics" > "$work/soak.txt"
soak_rps=$(awk '/Requests\/sec:/ {printf "%.0f", $2}' "$work/soak.txt")
rss_end=$(status_kib "$serve_pid" VmRSS)
anon_end=$(status_kib "$serve_pid" RssAnon)
checks=$(wc -l < "$work/serve.out")
check_peak=$(grep -o '"check_max_rss_kib":[0-9]*' "$work/serve.out" | cut -d: -f2 | sort -n | tail -1)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

field() { cut -d'|' -f"$2" <<< "${result[$1]}"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f×", a / b; else print "-" }'; }

echo "### vnetdiag serve vs prometheus-blackbox-exporter $(prometheus-blackbox-exporter --version 2>&1 | awk 'NR==1 {print $3}')"
echo
echo "wrk 1 thread on loopback, ${duration} s per row, $(nproc) cores (load average before ${load_before}, after ${load_after});"
echo "serve: 2 targets on loopback peers, interval 30 s; blackbox_exporter: one http module, no probes."
echo
echo "| endpoint | connections | req/s | p50 ms | p99 ms | errors | serve ÷ blackbox req/s |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for conns in 1 64; do
  echo "| serve /readyz | $conns | $(field serve_readyz.$conns 1) | $(field serve_readyz.$conns 4) | $(field serve_readyz.$conns 2) | $(field serve_readyz.$conns 3) | $(ratio "$(field serve_readyz.$conns 1)" "$(field bb_healthy.$conns 1)") vs /-/healthy |"
  echo "| serve /metrics | $conns | $(field serve_metrics.$conns 1) | $(field serve_metrics.$conns 4) | $(field serve_metrics.$conns 2) | $(field serve_metrics.$conns 3) | $(ratio "$(field serve_metrics.$conns 1)" "$(field bb_metrics.$conns 1)") |"
  echo "| blackbox /metrics | $conns | $(field bb_metrics.$conns 1) | $(field bb_metrics.$conns 4) | $(field bb_metrics.$conns 2) | $(field bb_metrics.$conns 3) | |"
  echo "| blackbox /-/healthy | $conns | $(field bb_healthy.$conns 1) | $(field bb_healthy.$conns 4) | $(field bb_healthy.$conns 2) | $(field bb_healthy.$conns 3) | |"
done
echo
echo "| memory | serve | blackbox |"
echo "|---|---:|---:|"
echo "| peak RSS (VmHWM) | $(( $(status_kib "$serve_pid" VmHWM) / 1024 )).$(( $(status_kib "$serve_pid" VmHWM) % 1024 * 10 / 1024 )) MiB | $(( $(status_kib "$bb_pid" VmHWM) / 1024 )).$(( $(status_kib "$bb_pid" VmHWM) % 1024 * 10 / 1024 )) MiB |"
echo "| RSS at start (after the first check) | ${rss_start} KiB (anon ${anon_start}) | |"
echo "| RSS after the runs above, before the soak | ${rss_pre} KiB (anon ${anon_pre}) | |"
echo "| RSS after a ${soak} s soak at 64 connections on /metrics (${soak_rps} req/s; ${checks} checks so far) | ${rss_end} KiB (anon ${anon_end}) | |"
echo "| of which shared-library file pages | $(( rss_end - anon_end )) KiB | |"
echo "| peak RSS of a check's child process (check_max_rss_kib) | ${check_peak:-?} KiB | |"

if [ -n "$json_out" ]; then
  {
    printf '{"duration_s": %s, "soak_s": %s, "nproc": %s, "load_before": "%s", "load_after": "%s",\n' \
      "$duration" "$soak" "$(nproc)" "$load_before" "$load_after"
    printf ' "rows": ['
    sep=""
    for conns in 1 64; do
      for name in serve_readyz serve_metrics bb_metrics bb_healthy; do
        printf '%s\n  {"name": "%s", "connections": %s, "rps": %s, "p50_ms": %s, "p99_ms": %s, "errors": %s}' "$sep" \
          "$name" "$conns" "$(field "$name.$conns" 1)" "$(field "$name.$conns" 4)" "$(field "$name.$conns" 2)" \
          "$(field "$name.$conns" 3)"
        sep=","
      done
    done
    printf '],\n "serve_hwm_kib": %s, "blackbox_hwm_kib": %s, "serve_rss_start_kib": %s, "serve_anon_start_kib": %s,\n' \
      "$(status_kib "$serve_pid" VmHWM)" "$(status_kib "$bb_pid" VmHWM)" "$rss_start" "$anon_start"
    printf ' "serve_rss_pre_soak_kib": %s, "serve_anon_pre_soak_kib": %s, "serve_rss_after_soak_kib": %s,\n' \
      "$rss_pre" "$anon_pre" "$rss_end"
    printf ' "serve_anon_after_soak_kib": %s, "soak_rps": %s, "checks": %s, "check_max_rss_kib": %s}\n' \
      "$anon_end" "${soak_rps:-0}" "$checks" "${check_peak:-null}"
  } > "$json_out"
fi
