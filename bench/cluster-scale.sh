#!/usr/bin/env bash
# Sluice in Kubernetes mode at 100 pods and 100 policies, on the test cluster (scripts/cluster):
#  - pod -> enforced: the agent's time from the CNI plugin's ADD to the pod in the datapath with
#    its policy (the agent pod's log: "enforced N ms after its CNI ADD"), p50/p99 over 100 pods; the same
#    run's baseline is the pod's whole start (creation -> Ready, the kubelet's and containerd's work);
#  - CNP -> enforced on 100 pods: from the watch event to the datapath written ("N ms after the
#    change"), p50/p99 over 40 applies and deletes of one policy with 100 policies loaded;
#  - the agent's resident memory then, against the idle agent (no pods, no policies) of the same run.
# Needs root and a build (make build). Uses its own CLUSTER_DIR and removes it at the end.
set -euo pipefail
home=$(cd "$(dirname "$0")/.." && pwd)
export CLUSTER_DIR=${CLUSTER_DIR:-/tmp/sluice-bench-cluster}
PODS=${PODS:-100}
POLICIES=${POLICIES:-100}
CHANGES=${CHANGES:-40}
trap '"$home/scripts/cluster/down.sh" >/dev/null 2>&1 || true' EXIT
"$home/scripts/cluster/up.sh" >/dev/null
bin=$("$home/scripts/cluster/build.sh")
k() { "$bin/kubectl" --kubeconfig "$CLUSTER_DIR/admin.kubeconfig" "$@"; }
log=$(mktemp)
agent_log() { k logs -n kube-system -l app.kubernetes.io/name=sluice-agent --tail=-1 > "$log"; }
rss() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$(cat "$CLUSTER_DIR/sluice/agent.pid")/status"; }
pct() { # percentile file: nearest rank
  sort -n "$2" | awk -v p="$1" '{a[NR]=$1} END {i=int((p/100)*NR+0.999999); if (i<1) i=1; print a[i]}'
}
work=$(mktemp -d)
sleep 5
idle=$(rss)

echo "== $PODS pods"
cat <<YAML | k apply -f - >/dev/null
apiVersion: apps/v1
kind: Deployment
metadata: {name: scale}
spec:
  replicas: $PODS
  selector: {matchLabels: {app: scale}}
  template:
    metadata: {labels: {app: scale}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: mock, image: quay.io/cilium/json-mock, imagePullPolicy: IfNotPresent}]
YAML
t0=$(date +%s)
k rollout status deployment/scale --timeout=900s >/dev/null
echo "all $PODS Ready in $(( $(date +%s) - t0 )) s"
agent_log
grep -o 'pod default/scale-[^ ]* enforced [0-9]* ms' "$log" | awk '{print $4}' > "$work/enforce"
k get pods -l app=scale -o jsonpath='{range .items[*]}{.metadata.creationTimestamp} {.status.conditions[?(@.type=="Ready")].lastTransitionTime}{"\n"}{end}' \
  | while read -r c r; do echo $(( ($(date -d "$r" +%s) - $(date -d "$c" +%s)) * 1000 )); done > "$work/start"
echo "pod -> enforced (CNI ADD to datapath), ms: n=$(wc -l < "$work/enforce") p50=$(pct 50 "$work/enforce") p99=$(pct 99 "$work/enforce") max=$(pct 100 "$work/enforce")"
echo "baseline, pod creation -> Ready, ms (1 s resolution): p50=$(pct 50 "$work/start") p99=$(pct 99 "$work/start")"

echo "== $POLICIES policies"
for i in $(seq 1 "$POLICIES"); do
  cat <<YAML
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: p$i}
spec:
  endpointSelector: {matchLabels: {app: scale}}
  ingress:
  - fromEndpoints: [{matchLabels: {client: c$i}}]
    toPorts: [{ports: [{port: "$((1000 + i))", protocol: TCP}]}]
YAML
done | k apply -f - >/dev/null
sleep 5
agent_log
mark=$(wc -l < "$log")
for i in $(seq 1 "$CHANGES"); do
  if (( i % 2 )); then
    printf 'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: probe}\nspec:\n  endpointSelector: {matchLabels: {app: scale}}\n  ingress: [{fromEndpoints: [{matchLabels: {client: probe}}]}]\n' \
      | k apply -f - >/dev/null
  else
    k delete cnp probe >/dev/null
  fi
  sleep 1
done
agent_log
tail -n +"$mark" "$log" | grep -o '[0-9]* ms after the change' | awk '{print $1}' > "$work/cnp"
echo "CNP -> enforced on $PODS pods with $POLICIES policies loaded, ms: n=$(wc -l < "$work/cnp") p50=$(pct 50 "$work/cnp") p99=$(pct 99 "$work/cnp")"
busy=$(rss)
echo "agent resident memory: idle $idle MiB, with $PODS pods and $((POLICIES + 1)) policies $busy MiB (ratio $(awk -v a="$busy" -v b="$idle" 'BEGIN {printf "%.2f", a/b}'))"
rm -rf "$work" "$log"
