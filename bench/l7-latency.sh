#!/usr/bin/env bash
# Latency of requests through the L7 proxy vs the same requests under an L4-only policy, same
# run: ROUNDS (3) alternating rounds of fortio at 1000 qps, 8 connections, 30 s each, 100 us
# histogram resolution, with requests spread evenly and in bursts of 8 (below); then the maximum
# qps of each (10 s).
# tiefighter -> deathstar (GET /), on a node of its own that is removed at the end.
# Each round also measures upstream Envoy by itself as a reference: a static listener with only
# the router (no BPF, no RBAC, no access log) in the host, in front of the same deathstar pod,
# against the same requests sent from the host straight to the pod.
set -euo pipefail
home=$(cd "$(dirname "$0")/.." && pwd)
fortio=$("$home/scripts/install-tool.sh" fortio)
state=$(mktemp -d /tmp/sluice-bench-XXXX)
node=unix://$state/api.sock
s() { "$home/bin/sluice" --node "$node" "$@"; }
trap cleanup EXIT
envoy_pid=
cleanup() { if [ -n "$envoy_pid" ]; then kill "$envoy_pid" 2>/dev/null || true; fi; s down --purge >/dev/null 2>&1 || true; rm -rf "$state"; }
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
plain_port=19993
backend=$(s pod list | awk '$2 == "deathstar-1" {print $4}')
cat > "$state/plain-envoy.yaml" <<YAML
static_resources:
  listeners:
  - name: plain
    address: {socket_address: {address: 127.0.0.1, port_value: $plain_port}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: plain
          route_config:
            virtual_hosts: [{name: all, domains: ["*"], routes: [{match: {prefix: "/"}, route: {cluster: deathstar}}]}]
          http_filters:
          - name: envoy.filters.http.router
            typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
  clusters:
  - name: deathstar
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: deathstar
      endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: $backend, port_value: 80}}}}]}]
YAML
"$("$home/scripts/find-envoy.sh")" -c "$state/plain-envoy.yaml" --disable-hot-restart --base-id 1993 \
  --concurrency "$(nproc)" --log-level warn >"$state/plain-envoy.log" 2>&1 &
envoy_pid=$!
# Two arrival patterns at the same 1000 qps over 8 connections:
#   uniform  (fortio -uniform) spreads the 8 connections' requests evenly in time: one request
#            every millisecond, the latency each request sees. The target is judged on it.
#   lockstep (fortio's default) starts the 8 connections together, so every 8 ms a burst of 8
#            requests arrives at once; on each of the proxy's 2 workers a request waits for up
#            to 3 ahead of it, so the proxy's CPU time per request is counted up to 4 times.
modes="uniform lockstep"
flags() { if [ "$1" = uniform ]; then echo -uniform; fi; }
run_host() { # label mode url
  "$fortio" load -quiet -r 0.0001 -qps 1000 -c 8 -t 30s $(flags "$2") -json "$state/$1.json" "$3" >/dev/null 2>&1
}
run() { # label mode qps duration -> json file
  ip netns exec sl7-default-tiefighter "$fortio" load -quiet -r 0.0001 -qps "$3" -c 8 -t "$4" $(flags "$2") \
    -json "$state/$1.json" "$url" >/dev/null 2>&1
}
# Rounds alternate L4 and L7 so that drift on this shared machine (the backend's JIT and GC,
# other load) falls on both alike; percentiles come from the rounds' histograms pooled.
rounds=${ROUNDS:-3}
l4() { policy "" | s apply -f - >/dev/null; sleep 1; }
l7() { policy '      rules: {http: [{method: GET, path: "/"}]}' | s apply -f - >/dev/null; sleep 1; }
l7
ip netns exec sl7-default-tiefighter curl -s -o /dev/null -w "L7 path check (POST is not allowed): %{http_code}\n" -XPOST "$url"
for i in $(seq "$rounds"); do
  for m in $modes; do
    l4; run "$m-l4-$i" "$m" 1000 30s
    l7; run "$m-l7-$i" "$m" 1000 30s
    run_host "$m-direct-$i" "$m" "http://$backend:80/"
    run_host "$m-envoy-$i" "$m" "http://127.0.0.1:$plain_port/"
  done
done
l4; run l4max lockstep 0 10s
l7; run l7max lockstep 0 10s
# After every round each L7 request has left two flows in Hubble's ring: it is full and has
# wrapped many times, so this is the agent's memory in a busy steady state.
echo "agent_rss_mb after the runs (Hubble's flow ring full): $(awk '/VmRSS/ {printf "%.1f", $2/1024}' \
  "/proc/$(curl -s --unix-socket "$state/api.sock" http://node/v1/status | jq .agentPid)/status")"
python3 - "$state" "$rounds" $modes <<'PY'
import json, sys
d, rounds, modes = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def load(n): return json.load(open(f"{d}/{n}.json"))
def pct(buckets, p):
    """Percentile p of pooled fortio histogram buckets, interpolated within its bucket (ms)."""
    total = sum(b["Count"] for b in buckets)
    want, seen = total * p / 100, 0
    for b in sorted(buckets, key=lambda b: b["Start"]):
        if seen + b["Count"] >= want:
            return (b["Start"] + (b["End"] - b["Start"]) * (want - seen) / b["Count"]) * 1000
        seen += b["Count"]
def buckets(names):
    pooled = {}
    for n in names:
        for b in load(n)["DurationHistogram"]["Data"]:
            k = (b["Start"], b["End"])
            pooled[k] = pooled.get(k, 0) + b["Count"]
    return [{"Start": s, "End": e, "Count": c} for (s, e), c in pooled.items()]
def pooled(m, what): return buckets([f"{m}-{what}-{i}" for i in range(1, rounds + 1)])
for m in modes:
    print(f"== {m}")
    for i in range(1, rounds + 1):
        a, b = buckets([f"{m}-l4-{i}"]), buckets([f"{m}-l7-{i}"])
        codes = (load(f"{m}-l4-{i}")["RetCodes"], load(f"{m}-l7-{i}")["RetCodes"])
        print(f"round {i}: L4 p50 {pct(a,50):.3f} p99 {pct(a,99):.3f}  L7 p50 {pct(b,50):.3f} p99 {pct(b,99):.3f}  "
              f"p99 added {pct(b,99)-pct(a,99):.3f} ms  codes {codes[0]} {codes[1]}")
    l4, l7 = pooled(m, "l4"), pooled(m, "l7")
    for name, h in (("L4-only", l4), ("L7 proxy", l7)):
        print(f"{name:9} pooled ({sum(x['Count'] for x in h)} requests)  p50 {pct(h,50):.3f} ms  p99 {pct(h,99):.3f} ms")
    print(f"{m} p99_added_ms {pct(l7,99)-pct(l4,99):.3f}  p50_added_ms {pct(l7,50)-pct(l4,50):.3f}")
    d_, e_ = pooled(m, "direct"), pooled(m, "envoy")
    print(f"reference: host to pod p50 {pct(d_,50):.3f} p99 {pct(d_,99):.3f}; plain Envoy p50 {pct(e_,50):.3f} "
          f"p99 {pct(e_,99):.3f}; plain Envoy added p50 {pct(e_,50)-pct(d_,50):.3f} ms p99 {pct(e_,99)-pct(d_,99):.3f} ms")
l4m, l7m = load("l4max"), load("l7max")
print(f"max_qps L4 {l4m['ActualQPS']:.0f}  L7 {l7m['ActualQPS']:.0f}  ratio_L7_over_L4 {l7m['ActualQPS']/l4m['ActualQPS']:.3f}")
PY
