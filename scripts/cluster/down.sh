#!/usr/bin/env bash
# Tears the test cluster down completely: its pods first (so the CNI's DEL runs) but the agent's,
# then the kubelet, Sluice (`sluice down --purge` of the agent, which no kubelet restarts now: its
# programs, pins, routes), containerd and its shims, CoreDNS, the control plane and etcd, by PID; then what they left on
# the host: cni-* network namespaces, the kubelet's mounts, the kubepods and
# k8s.io cgroups, its runtime directories (except those the host had before the first up), IPv4
# forwarding as the first up found it, and $CLUSTER_DIR. Idempotent.
set -euo pipefail
DIR=${CLUSTER_DIR:-/var/lib/sluice-cluster}
[ -d "$DIR" ] || exit 0
log() { echo "cluster-down: $*" >&2; }
if [ ! -f "$DIR/preexisting" ]; then
  log "$DIR is not a test cluster's directory (no preexisting list): leaving it alone"; exit 1
fi
bin=$(ls -d /opt/sluice/k8s-*/bin 2>/dev/null | head -n1 || true)
stop() { # name: SIGTERM, then SIGKILL after 10 s; the whole process group
  local f="$DIR/run/$1.pid" pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    log "stopped $1 (pid $pid)"
  fi
  rm -f "$f"
}
if [ -n "$bin" ] && [ -f "$DIR/admin.kubeconfig" ] && [ -f "$DIR/run/kube-apiserver.pid" ] \
   && kill -0 "$(cat "$DIR/run/kube-apiserver.pid")" 2>/dev/null; then
  "$bin/kubectl" --kubeconfig "$DIR/admin.kubeconfig" delete pods -A -l 'app.kubernetes.io/name!=sluice-agent' \
    --grace-period=1 --timeout=60s >/dev/null 2>&1 || true
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
# A restarting agent (a rollout, a crash) is given a minute to answer: with the kubelet gone,
# nothing would start it again to purge.
if [ -S "$DIR/sluice/api.sock" ]; then
  for _ in $(seq 1 300); do "$root/bin/sluice" --node "unix://$DIR/sluice/api.sock" status >/dev/null 2>&1 && break; sleep 0.2; done
fi
stop kubelet
if [ -S "$DIR/sluice/api.sock" ]; then
  "$root/bin/sluice" --node "unix://$DIR/sluice/api.sock" down --purge >&2 || log "sluice down --purge failed"
fi
# containerd's shims run in sessions of their own: stop the sandboxes' shims by their socket dir.
if [ -S "$DIR/containerd.sock" ]; then
  for c in $(ctr --address "$DIR/containerd.sock" -n k8s.io tasks ls -q 2>/dev/null); do
    ctr --address "$DIR/containerd.sock" -n k8s.io tasks kill -s KILL "$c" >/dev/null 2>&1 || true
  done
fi
for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $DIR/containerd.sock" || true); do kill -KILL "$pid" 2>/dev/null || true; done
stop containerd
stop coredns
for n in kube-scheduler kube-controller-manager kube-apiserver etcd; do stop "$n"; done

keep() { grep -qx "$1" "$DIR/preexisting" 2>/dev/null; }
# ptp's host-side veths go with their pods' namespaces; routes to them with the veths.
for ns in $(ip netns list 2>/dev/null | awk '/^cni-/ {print $1}'); do ip netns del "$ns" || true; done
# the kubelet's and containerd's mounts (pods' volumes, the kubelet root's bind mount, sandboxes' netns)
for m in $(awk '{print $5}' /proc/self/mountinfo | grep -E "^(/var/lib/kubelet|/run/containerd|$DIR)" | sort -r); do
  umount -l "$m" 2>/dev/null || true
done
for h in /sys/fs/cgroup/*/; do
  for g in kubepods k8s.io; do
    [ -d "$h$g" ] && find "$h$g" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
done
for p in /run/containerd /var/lib/cni /var/lib/kubelet /var/log/containers /var/log/pods; do
  keep "$p" || rm -rf "$p"
done
if ! keep /run/netns && [ -d /run/netns ] && [ -z "$(ls -A /run/netns)" ]; then
  umount /run/netns 2>/dev/null || true
  rmdir /run/netns 2>/dev/null || true
fi
# the agent's host record (a hostPath its pod made); empty once the last node purged
if ! keep /run/sluice && [ -d /run/sluice ]; then
  rmdir /run/sluice 2>/dev/null || log "/run/sluice is not empty: left as it is"
fi
# IPv4 forwarding as the first up found it: ptp (not only the agent) turns it on
if [ -f "$DIR/ip_forward.before" ]; then
  cat "$DIR/ip_forward.before" > /proc/sys/net/ipv4/ip_forward
fi
rm -rf "$DIR"
log "done"
