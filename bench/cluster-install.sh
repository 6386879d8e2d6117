#!/usr/bin/env bash
# Installing Sluice on the test cluster (scripts/cluster): from `helm install` of the chart to
# `sluice status --wait` all OK (the agent's, Envoy's, the operator's and the relay's pods running and ready),
# RUNS (3) times, each after `helm uninstall`, with the cluster's own values; the median. The same
# run's baseline is what Kubernetes itself takes here to roll out a DaemonSet of one busybox pod
# on the host network (nothing of Sluice's in it), also the median of RUNS. The images are already
# in containerd, as after a first install. Needs root and a build (make build). Uses its own
# CLUSTER_DIR and removes it at the end.
set -euo pipefail
home=$(cd "$(dirname "$0")/.." && pwd)
export CLUSTER_DIR=${CLUSTER_DIR:-/tmp/sluice-bench-install}
RUNS=${RUNS:-3}
work=$(mktemp -d)
trap '"$home/scripts/cluster/down.sh" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
bin=$("$home/scripts/cluster/build.sh")
ms() { echo $(( $(date +%s%N) / 1000000 )); }
t0=$(ms)
"$home/scripts/cluster/up.sh" >/dev/null 2>&1
up=$(( $(ms) - t0 ))
k() { "$bin/kubectl" --kubeconfig "$CLUSTER_DIR/admin.kubeconfig" "$@"; }
h() { "$bin/helm" --kubeconfig "$CLUSTER_DIR/admin.kubeconfig" -n kube-system "$@"; }
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
h get values sluice -o yaml > "$work/values.yaml"

for i in $(seq "$RUNS"); do
  h uninstall sluice --wait >/dev/null
  k wait --for=delete pod -n kube-system -l app.kubernetes.io/part-of=sluice --timeout=120s >/dev/null 2>&1 || true
  t0=$(ms)
  h install sluice "$home/k8s/sluice" -f "$work/values.yaml" >/dev/null
  "$home/bin/sluice" status --kubeconfig "$CLUSTER_DIR/admin.kubeconfig" --wait --wait-duration 300s >/dev/null
  echo $(( $(ms) - t0 )) >> "$work/install"
  echo "install $i: $(tail -1 "$work/install") ms" >&2

  t0=$(ms)
  cat <<YAML | k apply -f - >/dev/null
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: baseline, namespace: default}
spec:
  selector: {matchLabels: {app: baseline}}
  template:
    metadata: {labels: {app: baseline}}
    spec:
      hostNetwork: true
      terminationGracePeriodSeconds: 1
      containers: [{name: sleep, image: docker.io/library/busybox:sluice, imagePullPolicy: Never, command: [sleep, "3600"]}]
YAML
  k rollout status daemonset/baseline --timeout=120s >/dev/null
  echo $(( $(ms) - t0 )) >> "$work/baseline"
  k delete daemonset baseline --wait >/dev/null
  k wait --for=delete pod -l app=baseline --timeout=60s >/dev/null 2>&1 || true
done
install=$(median "$work/install") baseline=$(median "$work/baseline")
python3 - "$install" "$baseline" "$RUNS" "$up" <<'PY'
import sys
i, b, n, up = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3], float(sys.argv[4])
print(f"scripts/cluster/up.sh, nothing running -> Sluice up on the node: {up/1000:.1f} s")
print(f"helm install -> sluice status --wait all OK: {i/1000:.1f} s (median of {n})")
print(f"baseline, a one-pod DaemonSet rolled out:    {b/1000:.1f} s (median of {n})")
print(f"ratio: {i/b:.1f}")
PY
