#!/usr/bin/env bash
# CiliumEnvoyConfig applied -> Envoy acknowledged, on a node of its own that is removed at the end:
# $CONFIGS configs loaded (each a listener, a route configuration and an EDS cluster of the
# deathstar Service), then $CHANGES changes of one of them (its cluster's connect timeout), each
# sent to the node API (POST /v1/apply over its unix socket with curl), which answers once Envoy
# acknowledged the new snapshot. Baseline, same run: the same config applied unchanged, which
# takes the same path (parse, validate, store, reconcile, push) except that Envoy has nothing new
# to take. p50/p99 of each and their ratio.
set -euo pipefail
home=$(cd "$(dirname "$0")/.." && pwd)
CONFIGS=${CONFIGS:-100}
CHANGES=${CHANGES:-100}
state=$(mktemp -d /tmp/sluice-bench-XXXX)
node=unix://$state/api.sock
s() { "$home/bin/sluice" --node "$node" "$@"; }
trap '[ -n "${KEEP:-}" ] || { s down --purge >/dev/null 2>&1 || true; rm -rf "$state"; }' EXIT
s up --state-dir "$state" --pin-root /sys/fs/bpf/scec --pod-cidr 10.226.0.0/16 --service-cidr 10.227.0.0/16 \
  --name-prefix scec --relay-port 0 --hubble-port 14244 --hubble-metrics-port 19965 \
  --envoy-prometheus-port 19993 --envoy-health-port 19994 >/dev/null
s apply -f "$home/demo/manifests/deathstar-service.yaml" >/dev/null
s pod run deathstar-1 --labels org=empire,class=deathstar -- "$home/bin/sluice" demo deathstar --name deathstar-1 >/dev/null
cec() { # name connect-timeout-ms
  cat <<YAML
apiVersion: cilium.io/v2
kind: CiliumEnvoyConfig
metadata: {name: $1, namespace: default}
spec:
  backendServices: [{name: deathstar, namespace: default}]
  resources:
  - "@type": type.googleapis.com/envoy.config.listener.v3.Listener
    name: lb
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: $1
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
        route: {cluster: backend}
  - "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
    name: backend
    type: EDS
    connect_timeout: $(( $2 / 1000 )).$(printf '%03d' $(( $2 % 1000 )))s
    eds_cluster_config: {service_name: default/deathstar}
YAML
}
work=$(mktemp -d)
echo "== loading $CONFIGS configs"
for i in $(seq 1 "$CONFIGS"); do cec "c$i" 5000; done > "$work/all.yaml"
s apply -f "$work/all.yaml" >/dev/null
s get cec | awk 'NR > 1 && $4 != "True" {bad++} END {if (bad) {print bad " configs not programmed"; exit 1}}'
apply() { # file: milliseconds the node API took to answer
  local t0 t1
  t0=$(date +%s%N)
  curl -sf --unix-socket "$state/api.sock" -H 'Content-Type: application/yaml' --data-binary "@$1" \
    http://localhost/v1/apply >/dev/null
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000 ))
}
pct() { sort -n "$2" | awk -v p="$1" '{a[NR]=$1} END {i=int((p/100)*NR+0.999999); if (i<1) i=1; printf "%.1f", a[i]/1000}'; }
for i in $(seq 1 "$CHANGES"); do
  cec c1 $((5000 + i)) > "$work/changed.yaml"
  apply "$work/changed.yaml" >> "$work/changed.us"
  apply "$work/changed.yaml" >> "$work/unchanged.us" # the same again: nothing new for Envoy
done
s get cec c1 | awk 'NR == 2 && $4 != "True" {print "c1 not programmed: " $0; exit 1}'
printf '%-34s p50 %6s ms   p99 %6s ms\n' "changed (Envoy acknowledges)" "$(pct 50 "$work/changed.us")" "$(pct 99 "$work/changed.us")"
printf '%-34s p50 %6s ms   p99 %6s ms\n' "unchanged (baseline)" "$(pct 50 "$work/unchanged.us")" "$(pct 99 "$work/unchanged.us")"
awk -v a="$(pct 99 "$work/changed.us")" -v b="$(pct 99 "$work/unchanged.us")" 'BEGIN {printf "p99 ratio changed/unchanged: %.2f\n", a/b}'
rm -rf "$work"
