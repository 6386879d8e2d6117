#!/usr/bin/env bash
# Pod-to-pod TCP throughput (iperf3, 5 s per run) with the datapath programs attached vs
# detached, then with the anti-spoofing source check on vs off (the datapath's
# CFG_F_NO_SOURCE_CHECK flag, set here only), each alternating in one run, on a node of its own
# (removed at the end).
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
# The config map's flags word is bytes 8-11 (struct config_value, little-endian).
cfg=/sys/fs/bpf/sbench/sluice_config
flags() {
  local v; v=($(bpftool -j map lookup pinned "$cfg" key 0 0 0 0 | jq -r '.value[]'))
  v[8]=$(printf '%02x' "$1")
  bpftool map update pinned "$cfg" key 0 0 0 0 value hex ${v[@]#0x}
}
base=$(( $(bpftool -j map lookup pinned "$cfg" key 0 0 0 0 | jq -r '.value[8]') ))
checked=(); unchecked=()
for round in 1 2 3 4 5; do
  checked+=("$(measure)")
  flags $(( base | 2 ))
  unchecked+=("$(measure)")
  flags "$base"
done
python3 - "${with[*]}" "${without[*]}" "${checked[*]}" "${unchecked[*]}" <<'PY'
import sys, statistics as st
w, o, c, u = ([float(x) for x in a.split()] for a in sys.argv[1:5])
def row(name, xs): print(f"{name:<28} Gbit/s: " + " ".join(f"{x/1e9:.2f}" for x in xs) + f"  mean {st.mean(xs)/1e9:.2f}")
row("with programs", w); row("without programs", o)
print(f"throughput_ratio {st.mean(w)/st.mean(o):.3f}")
row("source check on", c); row("source check off", u)
print(f"source_check_ratio {st.mean(c)/st.mean(u):.3f}")
PY
