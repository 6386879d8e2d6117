#!/usr/bin/env bash
# Footprint: time from `sluice up` to ready on a fresh node, then the agent's resident memory
# with 100 pods and 100 policies (and the cluster DNS process's, envoy-xds's and the relay's, reported apart).
set -euo pipefail
home=$(cd "$(dirname "$0")/.." && pwd)
state=$(mktemp -d /tmp/sluice-bench-XXXX)
node=unix://$state/api.sock
s() { "$home/bin/sluice" --node "$node" "$@"; }
cleanup() { s down --purge >/dev/null 2>&1 || true; rm -rf "$state"; }
trap cleanup EXIT
t0=$(date +%s.%N)
s up --state-dir "$state" --pin-root /sys/fs/bpf/sfoot --pod-cidr 10.222.0.0/16 --service-cidr 10.223.0.0/16 \
  --name-prefix sfoot --envoy-prometheus-port 19983 --envoy-health-port 19984 --hubble-port 19985 \
  --hubble-metrics-port 19986 --relay-port 19987 --relay-health-port 19988 >/dev/null
t1=$(date +%s.%N)
echo "up_to_ready_seconds $(python3 -c "print(round($t1-$t0,2))")"
for i in $(seq 1 100); do
  curl -sf -XPOST -H 'content-type: application/json' --unix-socket "$state/api.sock" http://node/v1/pods \
    -d "{\"name\":\"pod$i\",\"labels\":{\"app\":\"app$i\",\"tier\":\"t$((i % 5))\"},\"command\":[\"sleep\",\"infinity\"]}" >/dev/null
done
for i in $(seq 1 100); do
  cat <<YAML
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: p$i}
spec:
  endpointSelector: {matchLabels: {app: app$i}}
  ingress:
  - fromEndpoints: [{matchLabels: {app: app$(( i % 100 + 1 ))}}, {matchLabels: {tier: t$((i % 5))}}]
    toPorts: [{ports: [{port: "80", protocol: TCP}, {port: "8000", endPort: 8100, protocol: TCP}]}]
YAML
done | s apply -f - >/dev/null
sleep 2
pid=$(curl -s --unix-socket "$state/api.sock" http://node/v1/status | jq .agentPid)
echo "pods $(s get pods -o json | jq length), policies $(s get cnp -o json | jq length)"
echo "agent_rss_mb $(awk '/VmRSS/ {printf "%.1f", $2/1024}' /proc/$pid/status)"
dns=$(cut -d' ' -f1 "$state/dns.pid")
echo "dns_rss_mb $(awk '/VmRSS/ {printf "%.1f", $2/1024}' /proc/$dns/status)"
xds=$(cut -d' ' -f1 "$state/envoy-xds.pid")
echo "envoy_xds_rss_mb $(awk '/VmRSS/ {printf "%.1f", $2/1024}' /proc/$xds/status) (Envoy's config for 100 pods and 100 policies)"
# Some flows (connection attempts between pods, dropped by the policies), then the relay after
# serving every flow of the node five times over, as JSON.
peer=$(s get pods -o json | jq -r '.[] | select(.name=="pod2") | .ip')
ip netns exec sfoot-default-pod1 bash -c "for i in \$(seq 1 1000); do timeout 0.02 bash -c 'echo > /dev/tcp/$peer/80' 2>/dev/null; done" || true
for _ in 1 2 3 4 5; do s observe --server localhost:19987 --all -o json >/dev/null; done
relay=$(cut -d' ' -f1 "$state/relay.pid")
echo "relay_rss_mb $(awk '/VmRSS/ {printf "%.1f", $2/1024}' /proc/$relay/status) (flows served: $(s observe --server localhost:19987 --all -o json | wc -l))"

