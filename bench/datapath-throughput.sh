#!/usr/bin/env bash
# Pod-to-pod TCP throughput (iperf3, 5 s per run) with the datapath programs attached vs
# detached, alternating in one run, on a node of its own (removed at the end).
# The server pod is under an ingress policy allowing the client on 5201, so every packet
# takes the full path: conntrack, ipcache and policy lookups, trace events.
set -euo pipefail
home=$(cd "$(dirname "$0")/.." && pwd)
state=$(mktemp -d /tmp/sluice-bench-XXXX)
node=unix://$state/api.sock
s() { "$home/bin/sluice" --node "$node" "$@"; }
cleanup() { s down --purge >/dev/null 2>&1 || true; rm -rf "$state"; }
trap cleanup EXIT
up() { s up --state-dir "$state" --pin-root /sys/fs/bpf/sbench --pod-cidr 10.220.0.0/16 \
  --service-cidr 10.221.0.0/16 --name-prefix sbench --envoy-prometheus-port 19981 --envoy-health-port 19982 >/dev/null; }
up
s pod run server --labels app=server -- iperf3 -s >/dev/null
s pod run client --labels app=client -- sleep infinity >/dev/null
s apply -f - >/dev/null <<'YAML'
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: iperf}
spec:
  endpointSelector: {matchLabels: {app: server}}
  ingress:
  - fromEndpoints: [{matchLabels: {app: client}}]
    toPorts: [{ports: [{port: "5201", protocol: TCP}]}]
YAML
server_ip=$(s get pods -o json | jq -r '.[] | select(.name=="server") | .ip')
ifs=$(s get pods -o json | jq -r '.[].hostInterface')
sleep 1
measure() { ip netns exec sbench-default-client iperf3 -c "$server_ip" -t 5 -J | jq '.end.sum_received.bits_per_second'; }
with=(); without=()
for round in 1 2 3; do
  with+=("$(measure)")
  for i in $ifs; do tc filter del dev "$i" ingress; tc filter del dev "$i" egress; done
  without+=("$(measure)")
  s down >/dev/null; up   # a restarted agent attaches the programs again
done
python3 - "${with[*]}" "${without[*]}" <<'PY'
import sys, statistics as st
w = [float(x) for x in sys.argv[1].split()]; o = [float(x) for x in sys.argv[2].split()]
print("with programs    Gbit/s: " + " ".join(f"{x/1e9:.2f}" for x in w) + f"  mean {st.mean(w)/1e9:.2f}")
print("without programs Gbit/s: " + " ".join(f"{x/1e9:.2f}" for x in o) + f"  mean {st.mean(o)/1e9:.2f}")
print(f"throughput_ratio {st.mean(w)/st.mean(o):.3f}")
PY
