#!/usr/bin/env bash
# Latency of requests through the L7 proxy vs the same requests under an L4-only policy, same
# run (fortio, 1000 qps, 8 connections, 30 s each), then the maximum qps of each (10 s).
# tiefighter -> deathstar (GET /), on a node of its own that is removed at the end.
set -euo pipefail
home=$(cd "$(dirname "$0")/.." && pwd)
# 1.66.0: later releases need a module (grol.io) the Go proxy here does not serve.
FORTIO_VERSION=v1.66.0
fortio=/opt/sluice/bin/fortio
if ! "$fortio" version 2>/dev/null | grep -q "${FORTIO_VERSION#v}"; then
  echo "installing fortio $FORTIO_VERSION (go install)" >&2
  mkdir -p /opt/sluice/bin
  GOBIN=/opt/sluice/bin go install "fortio.org/fortio@$FORTIO_VERSION"
fi
node=http://127.0.0.1:19890
s() { "$home/bin/sluice" --node "$node" "$@"; }
state=$(mktemp -d /tmp/sluice-bench-XXXX)
cleanup() { s down --purge >/dev/null 2>&1 || true; rm -rf "$state"; }
trap cleanup EXIT
s up --state-dir "$state" --pin-root /sys/fs/bpf/sl7 --pod-cidr 10.224.0.0/16 --service-cidr 10.225.0.0/16 \
  --name-prefix sl7 --envoy-prometheus-port 19991 --envoy-health-port 19992 >/dev/null
s apply -f "$home/demo/manifests/deathstar-service.yaml" >/dev/null
s pod run deathstar-1 --labels org=empire,class=deathstar -- "$home/bin/sluice" demo deathstar --name deathstar-1 >/dev/null
s pod run tiefighter --labels org=empire,class=tiefighter -- sleep infinity >/dev/null
url=http://deathstar.default.svc.cluster.local/
until ip netns exec sl7-default-tiefighter curl -sf -m 1 "$url" >/dev/null; do sleep 0.3; done
policy() { # $1: extra toPorts lines (L7 rules) or empty
  cat <<YAML
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: rule1}
spec:
  endpointSelector: {matchLabels: {class: deathstar}}
  ingress:
  - fromEndpoints: [{matchLabels: {org: empire}}]
    toPorts:
    - ports: [{port: "80", protocol: TCP}]
$1
YAML
}
run() { # label qps duration -> json file
  ip netns exec sl7-default-tiefighter "$fortio" load -quiet -qps "$2" -c 8 -t "$3" -json "$state/$1.json" "$url" >/dev/null 2>&1
}
policy "" | s apply -f - >/dev/null; sleep 1
run l4 1000 30s; run l4max 0 10s
policy '      rules: {http: [{method: GET, path: "/"}]}' | s apply -f - >/dev/null; sleep 1
ip netns exec sl7-default-tiefighter curl -s -o /dev/null -w "L7 path check: %{http_code}\n" -XPOST "$url"
run l7 1000 30s; run l7max 0 10s
python3 - "$state" <<'PY'
import json, sys
d = sys.argv[1]
def load(n): return json.load(open(f"{d}/{n}.json"))
def pct(r, p): return next(x["Value"] for x in r["DurationHistogram"]["Percentiles"] if x["Percentile"] == p) * 1000
l4, l7, l4m, l7m = load("l4"), load("l7"), load("l4max"), load("l7max")
for name, r in (("L4-only", l4), ("L7 proxy", l7)):
    codes = r["RetCodes"]
    print(f"{name:9} qps {r['ActualQPS']:.0f}  p50 {pct(r,50):.3f} ms  p99 {pct(r,99):.3f} ms  codes {codes}")
print(f"p99_added_ms {pct(l7,99)-pct(l4,99):.3f}  p50_added_ms {pct(l7,50)-pct(l4,50):.3f}")
print(f"max_qps L4 {l4m['ActualQPS']:.0f}  L7 {l7m['ActualQPS']:.0f}  ratio_L7_over_L4 {l7m['ActualQPS']/l4m['ActualQPS']:.3f}")
PY
