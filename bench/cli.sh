#!/usr/bin/env bash
# The CLI's answer time: `sluice get pods` against a standalone node of its own (3 pods), with
# the build's AOT cache and without it, against the stock `hubble version` (a Go binary), same
# run; the median of RUNS (10) of each, and the ratios to hubble's.
set -euo pipefail
home=$(cd "$(dirname "$0")/.." && pwd)
hubble=$("$home/scripts/install-hubble.sh")
state=$(mktemp -d /tmp/sluice-bench-XXXX)
node=unix://$state/api.sock
s() { "$home/bin/sluice" --node "$node" "$@"; }
trap 's down --purge >/dev/null 2>&1 || true; rm -rf "$state"' EXIT
s up --state-dir "$state" --pin-root /sys/fs/bpf/scli --pod-cidr 10.234.0.0/16 --service-cidr 10.235.0.0/16 \
  --name-prefix scli --relay-port 0 --hubble-port 14247 --hubble-metrics-port 19986 \
  --envoy-prometheus-port 19987 --envoy-health-port 19988 >/dev/null
for p in a b c; do s pod run "$p" --labels app=$p -- sleep infinity >/dev/null; done
runs=${RUNS:-10}
median() { # command... -> median wall time in ms
  local times=()
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'
}
with=$(median s get pods)
without=$(SLUICE_AOT=off median s get pods)
h=$(median "$hubble" version)
python3 - "$with" "$without" "$h" <<'PY'
import sys
w, wo, h = (float(x) for x in sys.argv[1:])
print(f"sluice get pods, AOT cache: {w:.0f} ms  without: {wo:.0f} ms  hubble version: {h:.0f} ms")
print(f"ratio to hubble: {w / h:.1f} (without the cache {wo / h:.1f}); the cache saves {100 * (1 - w / wo):.0f} %")
PY
