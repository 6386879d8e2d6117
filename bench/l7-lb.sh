#!/usr/bin/env bash
# L7 load balancing (service.cilium.io/lb-l7) against upstream Envoy by itself, same run, on a
# node of its own that is removed at the end:
#   max qps: fortio at full speed (8 connections, SECONDS_PER_RUN (4) s) from the tiefighter pod to the deathstar
#     Service, which the node hands to the Envoy listener of the Service's generated config
#     (eBPF socket assignment, the config's listener, route and EDS cluster, the client's
#     address upstream); baselines: the same listener, route and cluster as a static Envoy in the
#     host, in front of the same deathstar pod, loaded from the host and from the tiefighter pod
#     (its veth and programs, as lb-l7's client). ROUNDS (20) rounds, the three in turn, each
#     first in a third of them; the ratios of the means.
#   weighted split: the lab exam's config (80 deathstar / 20 darkstar, reached through a CNP's
#     listener), 10,000 requests; each cluster's share from Envoy's own counters.
set -euo pipefail
home=$(cd "$(dirname "$0")/.." && pwd)
fortio=$("$home/scripts/install-tool.sh" fortio)
state=$(mktemp -d /tmp/sluice-bench-XXXX)
node=unix://$state/api.sock
admin=19981
s() { "$home/bin/sluice" --node "$node" "$@"; }
envoy_pid=
cleanup() { if [ -n "$envoy_pid" ]; then kill "$envoy_pid" 2>/dev/null || true; fi; s down --purge >/dev/null 2>&1 || true; rm -rf "$state"; }
trap cleanup EXIT
s up --state-dir "$state" --pin-root /sys/fs/bpf/slb --pod-cidr 10.232.0.0/16 --service-cidr 10.233.0.0/16 \
  --name-prefix slb --relay-port 0 --hubble-port 14246 --hubble-metrics-port 19982 --envoy-admin --envoy-admin-port $admin \
  --envoy-prometheus-port 19984 --envoy-health-port 19985 >/dev/null
service() { # name [annotations]
  cat <<YAML
apiVersion: v1
kind: Service
metadata:
  name: $1
  annotations: {${2:-}}
spec:
  ports: [{port: 80}]
  selector: {org: empire, class: $1}
YAML
}
service deathstar | s apply -f - >/dev/null
s pod run deathstar-1 --labels org=empire,class=deathstar -- "$home/bin/sluice" demo deathstar --name deathstar-1 >/dev/null
s pod run tiefighter --labels org=empire,class=tiefighter -- sleep infinity >/dev/null
url=http://deathstar.default.svc.cluster.local/v1/
until ip netns exec slb-default-tiefighter curl -sf -m 1 "$url" >/dev/null; do sleep 0.3; done
service deathstar "service.cilium.io/lb-l7: enabled" | s apply -f - >/dev/null
until s get cec cilium-envoy-lb-deathstar 2>/dev/null | grep -Eq 'cilium-envoy-lb-deathstar +True +True'; do sleep 0.3; done
ip netns exec slb-default-tiefighter curl -s -o /dev/null -D - "$url" | grep -qi '^x-envoy-upstream-service-time' \
  || { echo "the Service's requests do not go through Envoy" >&2; exit 1; }

plain_port=19983
backend=$(s pod list | awk '$2 == "deathstar-1" {print $4}')
# The pods' gateway on the host: the second baseline's client is the tiefighter pod, as lb-l7's is.
router=$(ip netns exec slb-default-tiefighter ip route show default | awk '{print $3; exit}')
listener() { # name address
  cat <<YAML
  - name: $1
    address: {socket_address: {address: $2, port_value: $plain_port}}
    listener_filters:
    - name: envoy.filters.listener.tls_inspector
      typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector}
    filter_chains:
    - filter_chain_match: {transport_protocol: raw_buffer}
      filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: $1
          use_remote_address: true
          upgrade_configs: [{upgrade_type: websocket}]
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes: [{match: {prefix: "/"}, route: {cluster: deathstar, max_stream_duration: {max_stream_duration: 0s}}}]
          http_filters:
          - name: envoy.filters.http.router
            typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
YAML
}
{
  echo "# The generated config's listener, route and cluster (L7LoadBalancing, with the node's"
  echo "# circuit-breaker defaults), static, with the pod as the cluster's one endpoint; on loopback"
  echo "# and on the pods' gateway."
  echo "static_resources:"
  echo "  listeners:"
  listener plain 127.0.0.1
  listener plain-gateway "$router"
  cat <<YAML
  clusters:
  - name: deathstar
    type: STATIC
    connect_timeout: 5s
    lb_policy: ROUND_ROBIN
    outlier_detection: {consecutive_local_origin_failure: 2, split_external_local_origin_errors: true}
    circuit_breakers: {thresholds: [{max_connections: 1024, max_requests: 1024, max_retries: 128}]}
    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        common_http_protocol_options: {idle_timeout: 60s}
        use_downstream_protocol_config: {http2_protocol_options: {}}
    load_assignment:
      cluster_name: deathstar
      endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: $backend, port_value: 80}}}}]}]
YAML
} > "$state/plain-envoy.yaml"
# In a session of its own, as the node's Envoy is: the kernel's autogroups share the CPUs between
# sessions, so an Envoy in the bench's session would share fortio's part.
setsid "$("$home/scripts/find-envoy.sh")" -c "$state/plain-envoy.yaml" --disable-hot-restart --base-id 1983 \
  --concurrency "$(nproc)" --log-level warn >"$state/plain-envoy.log" 2>&1 &
envoy_pid=$!
until curl -sf -m 1 "http://127.0.0.1:$plain_port/v1/" >/dev/null; do sleep 0.3; done
# Many short rounds: this machine's speed drifts over tens of seconds, and the three taking
# turns every few seconds meet the same drift.
rounds=${ROUNDS:-20}
secs=${SECONDS_PER_RUN:-4}s
lb() { ip netns exec slb-default-tiefighter "$fortio" load -quiet -qps 0 -c 8 -t "$secs" -json "$state/lb-$1.json" "$url" >/dev/null 2>&1; }
plain() { "$fortio" load -quiet -qps 0 -c 8 -t "$secs" -json "$state/plain-$1.json" "http://127.0.0.1:$plain_port/v1/" >/dev/null 2>&1; }
# the same static Envoy, from the tiefighter pod (its veth and programs, as lb-l7's client has)
podplain() { ip netns exec slb-default-tiefighter "$fortio" load -quiet -qps 0 -c 8 -t "$secs" -json "$state/podplain-$1.json" \
  "http://$router:$plain_port/v1/" >/dev/null 2>&1; }
# warm-up (the deathstar's JIT), then each goes first in every other round, so that drift on this
# shared machine falls on both alike
until ip netns exec slb-default-tiefighter curl -sf -m 1 "http://$router:$plain_port/v1/" >/dev/null; do sleep 0.3; done
lb warmup; plain warmup; podplain warmup
for i in $(seq "$rounds"); do
  case $((i % 3)) in
    1) lb "$i"; plain "$i"; podplain "$i" ;;
    2) plain "$i"; podplain "$i"; lb "$i" ;;
    0) podplain "$i"; lb "$i"; plain "$i" ;;
  esac
done

# The exam: the empire's connections to the deathstars and darkstars go to deathstar-lb's listener.
service deathstar | s apply -f - >/dev/null
service darkstar | s apply -f - >/dev/null
s pod run darkstar-1 --labels org=empire,class=darkstar -- "$home/bin/sluice" demo deathstar --name darkstar-1 >/dev/null
s apply -f - >/dev/null <<'YAML'
apiVersion: cilium.io/v2
kind: CiliumEnvoyConfig
metadata: {name: deathstar-lb, namespace: default}
spec:
  backendServices: [{name: deathstar, namespace: default}, {name: darkstar, namespace: default}]
  resources:
  - "@type": type.googleapis.com/envoy.config.listener.v3.Listener
    name: lb-listener
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: lb-listener
          rds: {route_config_name: lb_route}
          http_filters:
          - name: envoy.filters.http.router
            typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
  - "@type": type.googleapis.com/envoy.config.route.v3.RouteConfiguration
    name: lb_route
    virtual_hosts:
    - name: lb_route
      domains: ["*"]
      routes:
      - match: {prefix: /}
        route: {weighted_clusters: {clusters: [{name: exam/deathstar, weight: 80}, {name: exam/darkstar, weight: 20}]}}
  - "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
    name: exam/deathstar
    type: EDS
    connect_timeout: 5s
    eds_cluster_config: {service_name: default/deathstar}
  - "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
    name: exam/darkstar
    type: EDS
    connect_timeout: 5s
    eds_cluster_config: {service_name: default/darkstar}
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: empire-to-deathstar}
spec:
  endpointSelector: {matchLabels: {class: tiefighter}}
  egress:
  - toEntities: [host]
  - toEndpoints: [{matchExpressions: [{key: class, operator: In, values: [deathstar, darkstar]}]}]
    toPorts:
    - ports: [{port: "80", protocol: TCP}]
      listener: {envoyConfig: {kind: CiliumEnvoyConfig, name: deathstar-lb}, name: lb-listener}
YAML
until ip netns exec slb-default-tiefighter curl -s -m 1 "$url" | grep -q darkstar-1; do sleep 0.3; done
counter() { curl -s "http://127.0.0.1:$admin/stats?filter=^cluster\\.exam/$1\\.upstream_rq_total$" | awk '{print $2}'; }
d0=$(counter deathstar); k0=$(counter darkstar)
ip netns exec slb-default-tiefighter "$fortio" load -quiet -qps 0 -c 8 -n 10000 -json "$state/split.json" "$url" >/dev/null 2>&1
d=$(( $(counter deathstar) - d0 )); k=$(( $(counter darkstar) - k0 ))
python3 - "$state" "$rounds" "$d" "$k" <<'PY'
import json, sys
d, rounds, dead, dark = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def qps(name): return json.load(open(f"{d}/{name}.json"))["ActualQPS"]
lb = [qps(f"lb-{i}") for i in range(1, rounds + 1)]
plain = [qps(f"plain-{i}") for i in range(1, rounds + 1)]
pod = [qps(f"podplain-{i}") for i in range(1, rounds + 1)]
for i in range(rounds):
    print(f"round {i + 1}: lb-l7 {lb[i]:.0f} qps  plain Envoy from the host {plain[i]:.0f} ({lb[i] / plain[i]:.3f})"
          f"  from the pod {pod[i]:.0f} ({lb[i] / pod[i]:.3f})")
import statistics
print(f"median of the rounds' ratios: to the host's {statistics.median(l / p for l, p in zip(lb, plain)):.3f}"
      f"  to the pod's {statistics.median(l / p for l, p in zip(lb, pod)):.3f}")
print(f"max_qps lb-l7 {sum(lb) / rounds:.0f}  plain Envoy from the host {sum(plain) / rounds:.0f}  ratio {sum(lb) / sum(plain):.3f}"
      f"  from the pod {sum(pod) / rounds:.0f}  ratio {sum(lb) / sum(pod):.3f}")
codes = json.load(open(f"{d}/split.json"))["RetCodes"]
total = dead + dark
print(f"weighted split over {total} requests (codes {codes}): deathstar {dead} ({100 * dead / total:.2f} %), "
      f"darkstar {dark} ({100 * dark / total:.2f} %); off the 80/20 weights by {abs(100 * dead / total - 80):.2f} points")
PY
