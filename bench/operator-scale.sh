#!/usr/bin/env bash
# The operator on the test cluster (scripts/cluster):
#  - CNP applied -> Valid written: from just before `kubectl apply` of a new policy to the moment
#    a watcher (`kubectl get cnp --watch`, its lines timestamped as they arrive) sees its Valid
#    condition, p50/p99 over $APPLIES policies, one every 200 ms; the same run's baseline is the
#    `kubectl apply` alone (client start, request, answer);
#  - the operator's resident memory idle, then with $POLICIES more policies and $IDENTITIES
#    CiliumIdentity objects in its caches (identities written directly: collected only after the
#    grace period, 15 min, longer than this run).
# Needs root and a build (make build). Uses its own CLUSTER_DIR and removes it at the end.
set -euo pipefail
home=$(cd "$(dirname "$0")/.." && pwd)
export CLUSTER_DIR=${CLUSTER_DIR:-/tmp/sluice-bench-operator}
APPLIES=${APPLIES:-100}
POLICIES=${POLICIES:-1000}
IDENTITIES=${IDENTITIES:-500}
trap '[ -n "${watcher:-}" ] && kill "$watcher" 2>/dev/null; "$home/scripts/cluster/down.sh" >/dev/null 2>&1 || true' EXIT
"$home/scripts/cluster/up.sh" >/dev/null
bin=$("$home/scripts/cluster/build.sh")
k() { "$bin/kubectl" --kubeconfig "$CLUSTER_DIR/admin.kubeconfig" "$@"; }
# the operator's pod's JVM, as the host sees it (by its options file: the relay's pod runs /app/quarkus-run.jar too)
rss() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$(pgrep -f -n '@/app/jvm/operator.options -jar /app/quarkus-run.jar')/status"; }
pct() { # percentile file: nearest rank
  sort -n "$2" | awk -v p="$1" '{a[NR]=$1} END {i=int((p/100)*NR+0.999999); if (i<1) i=1; print a[i]}'
}
cnp() { # name: a valid policy
  printf 'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: %s}\nspec:\n  endpointSelector: {matchLabels: {app: %s}}\n  ingress: [{fromEndpoints: [{matchLabels: {client: %s}}], toPorts: [{ports: [{port: "80"}]}]}]\n' "$1" "$1" "$1"
}
work=$(mktemp -d)
sleep 10
idle=$(rss)

echo "== $APPLIES policies applied one by one"
k get cnp --watch -o jsonpath='{.metadata.name} {.status.conditions[0].status}{"\n"}' 2>/dev/null \
  | while read -r line; do echo "$(date +%s%N) $line"; done > "$work/seen" &
watcher=$!
sleep 2
for i in $(seq 1 "$APPLIES"); do
  t0=$(date +%s%N)
  cnp "v$i" | k apply -f - >/dev/null
  t1=$(date +%s%N)
  echo "v$i $t0" >> "$work/started"
  echo $(( (t1 - t0) / 1000000 )) >> "$work/apply"
  sleep 0.2
done
sleep 3
while read -r name t0; do
  t=$(awk -v n="$name" '$2 == n && $3 == "True" {print $1; exit}' "$work/seen")
  if [ -n "$t" ]; then echo $(( (t - t0) / 1000000 )); else echo "$name: no Valid condition seen" >&2; fi
done < "$work/started" > "$work/valid"
echo "CNP applied -> Valid seen, ms: n=$(wc -l < "$work/valid") p50=$(pct 50 "$work/valid") p99=$(pct 99 "$work/valid") max=$(pct 100 "$work/valid")"
echo "baseline, the kubectl apply alone, ms: p50=$(pct 50 "$work/apply") p99=$(pct 99 "$work/apply")"

echo "== $POLICIES policies and $IDENTITIES identities"
for i in $(seq 1 "$POLICIES"); do echo "---"; cnp "m$i"; done | k apply --server-side -f - >/dev/null
for i in $(seq 1 "$IDENTITIES"); do
  printf -- '---\napiVersion: cilium.io/v2\nkind: CiliumIdentity\nmetadata: {name: "%d"}\nsecurity-labels: {"k8s:app": "bench%d", "k8s:io.kubernetes.pod.namespace": default}\n' $((20000 + i)) "$i"
done | k apply --server-side -f - >/dev/null
k wait --for=jsonpath='{.status.conditions[0].status}'=True cnp --all --timeout=300s >/dev/null
sleep 20
busy=$(rss)
echo "operator resident memory: idle $idle MiB, with $((POLICIES + APPLIES)) policies and $IDENTITIES identities $busy MiB"
rm -rf "$work"
