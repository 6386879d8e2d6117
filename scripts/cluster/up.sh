#!/usr/bin/env bash
# Brings up the test cluster: a real single-node Kubernetes (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubelet with containerd), no kube-proxy, no container
# engine, with Sluice on it: its chart (k8s/sluice: CRDs, RBAC, the agent's and Envoy's
# DaemonSets and the operator's Deployment, of the images scripts/images.sh makes) installed by
# Helm; the agent enforces, load-balances and observes the pods, attached by the chained CNI
# plugin sluice-cni after ptp; CoreDNS serves the cluster DNS on the pods' gateway. Everything it
# makes lives in $CLUSTER_DIR (default /var/lib/sluice-cluster) and is listed there for
# scripts/cluster/down.sh. Idempotent: a running cluster is left as it is. Prints `export
# KUBECONFIG=...` last. Needs root, a built checkout (make build) and Envoy (make deps).
# CLUSTER_HELM_ARGS adds options to `helm upgrade --install` (e.g. --set operator.identityGCInterval=10s).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
DIR=${CLUSTER_DIR:-/var/lib/sluice-cluster}
POD_CIDR=${CLUSTER_POD_CIDR:-10.244.0.0/24}
SERVICE_CIDR=${CLUSTER_SERVICE_CIDR:-10.32.0.0/24}
# host 1 of the pod CIDR: the agent's router address, the pods' gateway and their DNS
gateway=$(echo "$POD_CIDR" | awk -F'[./]' '{print $1"."$2"."$3"."$4+1}')
NODE=$(hostname)
log() { echo "cluster-up: $*" >&2; }

"$here/deps.sh"
bin=$("$here/build.sh")
export PATH="$bin:$PATH"
# What the host had before the first up, so down.sh keeps it.
if [ ! -f "$DIR/preexisting" ]; then
  mkdir -p "$DIR"
  for p in /run/netns /run/sluice /run/containerd /var/lib/cni /var/lib/kubelet /var/log/containers /var/log/pods; do
    [ -e "$p" ] && echo "$p"
  done > "$DIR/preexisting.tmp" || true
  # ptp turns IPv4 forwarding on at a pod's ADD, possibly before the agent records the host
  cat /proc/sys/net/ipv4/ip_forward > "$DIR/ip_forward.before"
  mv "$DIR/preexisting.tmp" "$DIR/preexisting"
fi
mkdir -p "$DIR"/{pki,logs,run,cni/net.d,cni/bin,images}
# The node's account (Envoy, envoy-xds) passes through to the agent's state dir; the rest is root's.
chmod 0711 "$DIR"
chmod 0700 "$DIR"/{pki,logs,run,images}
kubeconfig=$DIR/admin.kubeconfig

running() { local f="$DIR/run/$1.pid"; [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; }
start() { # name command...: detached, logged, pid recorded
  local name=$1; shift
  if running "$name"; then return 0; fi
  setsid "$@" >"$DIR/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$DIR/run/$name.pid"
  log "started $name (pid $!)"
}
wait_for() { # what seconds command...
  local what=$1 secs=$2; shift 2
  for _ in $(seq 1 $((secs * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  log "$what not ready after ${secs}s; see $DIR/logs"; exit 1
}

# --- PKI (openssl): one CA; server and client certificates; the service-account key pair. The
# certificates' keys are RSA, as kubeadm makes them: the Java Kubernetes client reads a PKCS#8
# client key only as RSA.
pki=$DIR/pki
cert() { # name subject san
  [ -f "$pki/$1.crt" ] && return 0
  openssl req -new -newkey rsa:2048 -nodes -keyout "$pki/$1.key" -subj "$2" \
    -out "$pki/$1.csr" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n%s' \
    "${3:+subjectAltName=$3}" > "$pki/$1.ext"
  openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 365 \
    -extfile "$pki/$1.ext" -out "$pki/$1.crt" 2>/dev/null
  rm -f "$pki/$1.csr" "$pki/$1.ext"
}
if [ ! -f "$pki/ca.crt" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$pki/ca.key" -out "$pki/ca.crt" \
    -days 3650 -subj "/CN=sluice-test-cluster-ca" 2>/dev/null
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
fi
svc_ip=$(echo "$SERVICE_CIDR" | awk -F'[./]' '{print $1"."$2"."$3"."$4+1}')
cert etcd "/CN=etcd" "IP:127.0.0.1,DNS:localhost"
cert apiserver "/CN=kube-apiserver" "IP:127.0.0.1,IP:$svc_ip,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
cert apiserver-client "/CN=kube-apiserver/O=system:masters"
cert admin "/CN=admin/O=system:masters"
cert kubelet "/CN=system:node:$NODE/O=system:nodes" "DNS:$NODE,IP:127.0.0.1"
cert sluice-agent "/CN=sluice-agent"
chmod 0600 "$pki"/*.key

kubeconfig_for() { # name cert
  [ -f "$DIR/$1.kubeconfig" ] && return 0
  cat > "$DIR/$1.kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters: [{name: sluice-test, cluster: {server: "https://127.0.0.1:6443", certificate-authority: "$pki/ca.crt"}}]
users: [{name: $1, user: {client-certificate: "$pki/$2.crt", client-key: "$pki/$2.key"}}]
contexts: [{name: sluice-test, context: {cluster: sluice-test, user: $1}}]
current-context: sluice-test
YAML
  chmod 0600 "$DIR/$1.kubeconfig"
}
kubeconfig_for admin admin
kubeconfig_for kubelet kubelet
kubeconfig_for sluice-agent sluice-agent

# --- etcd and the control plane, on loopback only.
start etcd "$bin/etcd" --name "$NODE" --data-dir "$DIR/etcd" \
  --listen-client-urls https://127.0.0.1:2379 --advertise-client-urls https://127.0.0.1:2379 \
  --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
  --initial-cluster "$NODE=http://127.0.0.1:2380" --listen-metrics-urls http://127.0.0.1:2381 \
  --cert-file "$pki/etcd.crt" --key-file "$pki/etcd.key" --client-cert-auth --trusted-ca-file "$pki/ca.crt"
start kube-apiserver "$bin/kube-apiserver" --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port 6443 \
  --etcd-servers https://127.0.0.1:2379 --etcd-cafile "$pki/ca.crt" --etcd-certfile "$pki/apiserver-client.crt" \
  --etcd-keyfile "$pki/apiserver-client.key" --service-cluster-ip-range "$SERVICE_CIDR" \
  --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" --client-ca-file "$pki/ca.crt" \
  --kubelet-client-certificate "$pki/apiserver-client.crt" --kubelet-client-key "$pki/apiserver-client.key" \
  --kubelet-preferred-address-types Hostname --authorization-mode Node,RBAC \
  --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
  --service-account-issuer https://kubernetes.default.svc.cluster.local --allow-privileged
wait_for "kube-apiserver" 60 kubectl --kubeconfig "$kubeconfig" get --raw /readyz
# Cilium's CRDs, as the operator's build generates them into the chart. Applied here as well as by
# `helm install`, which installs a chart's CRDs only once: an upgraded checkout upgrades them.
crds=$root/k8s/sluice/crds
[ -f "$crds/ciliumnetworkpolicies.cilium.io-v1.yml" ] || { log "no CRDs in $crds: run 'make build'"; exit 1; }
kubectl --kubeconfig "$kubeconfig" apply --server-side -f "$crds" >/dev/null
wait_for "Cilium's CRDs" 30 kubectl --kubeconfig "$kubeconfig" wait --for condition=Established --timeout=1s \
  crd/ciliumnetworkpolicies.cilium.io crd/ciliumclusterwidenetworkpolicies.cilium.io crd/ciliumidentities.cilium.io \
  crd/ciliumenvoyconfigs.cilium.io crd/ciliumclusterwideenvoyconfigs.cilium.io
# --- Sluice's chart: its RBAC, config, DaemonSets and the operator's Deployment, whose pods run once
# the node is up. They reach the API server on the host network at the address the cluster's
# clients use. The agent's state, pins and names are the test cluster's own, beside a standalone node.
helm upgrade --install sluice "$root/k8s/sluice" --kubeconfig "$kubeconfig" -n kube-system \
  --set k8sServiceHost=127.0.0.1 --set k8sServicePort=6443 --set operator.replicas=1 \
  --set agent.stateDir="$DIR/sluice" --set agent.pinRoot=/sys/fs/bpf/sluice-cluster --set agent.namePrefix=sluice-cluster \
  --set agent.podCIDR="$POD_CIDR" --set agent.serviceCIDR="$SERVICE_CIDR" --set cni.chainingTarget=sluice-test \
  --set cni.binPath="$DIR/cni/bin" --set cni.confPath="$DIR/cni/net.d" ${CLUSTER_HELM_ARGS:-} >/dev/null
# A user of the agent's rights, for the tests that check them.
kubectl --kubeconfig "$kubeconfig" apply -f "$here/sluice-users.yaml" >/dev/null
start kube-controller-manager "$bin/kube-controller-manager" --kubeconfig "$kubeconfig" --bind-address 127.0.0.1 \
  --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
  --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
  --use-service-account-credentials --service-cluster-ip-range "$SERVICE_CIDR" --leader-elect=false
start kube-scheduler "$bin/kube-scheduler" --kubeconfig "$kubeconfig" --bind-address 127.0.0.1 --leader-elect=false

# --- containerd (root lacks CAP_SYS_RESOURCE here: restrict_oom_score_adj), CNI, pause image.
# ptp, as the standalone node's pods: one veth per pod and a /32 route to it on the host, so the
# agent finds a pod's veth by its address's route, and its programs sit where they do standalone;
# then sluice-cni, which hands the pod to the agent and answers once it is enforced: the agent's
# pod installs it and chains it into this network (the chart's cni.chainingTarget), as Cilium's
# generic-veth chaining does.
for p in /usr/lib/cni/*; do ln -sf "$p" "$DIR/cni/bin/"; done
[ -f "$DIR/cni/net.d/10-sluice-test.conflist" ] || cat > "$DIR/cni/net.d/10-sluice-test.conflist" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "sluice-test",
  "plugins": [
    {"type": "ptp", "ipMasq": false, "mtu": 1500,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": "$POD_CIDR"}]], "routes": [{"dst": "0.0.0.0/0"}],
              "dataDir": "$DIR/cni/ipam"}}
  ]
}
JSON
cat > "$DIR/containerd.toml" <<TOML
version = 2
root = "$DIR/containerd/root"
state = "$DIR/containerd/state"
[grpc]
  address = "$DIR/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$DIR/cni/bin"
    conf_dir = "$DIR/cni/net.d"
TOML
start containerd containerd --config "$DIR/containerd.toml"
ctr() { command ctr --address "$DIR/containerd.sock" "$@"; }
wait_for containerd 30 ctr version
{ "$here/images.sh" "$DIR/images"; "$root/scripts/images.sh"; } | while read -r tarball; do
  ctr -n k8s.io images import --no-unpack=false "$tarball" >/dev/null
done

# --- kubelet (cgroup v1 with the cgroupfs driver; no iptables chains of its own).
cat > "$DIR/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
healthzBindAddress: 127.0.0.1
readOnlyPort: 0
authentication: {anonymous: {enabled: false}, webhook: {enabled: true}, x509: {clientCAFile: "$pki/ca.crt"}}
authorization: {mode: Webhook}
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
makeIPTablesUtilChains: false
containerRuntimeEndpoint: unix://$DIR/containerd.sock
clusterDomain: cluster.local
clusterDNS: [$gateway]
resolvConf: /etc/resolv.conf
podCIDR: $POD_CIDR
YAML
start kubelet "$bin/kubelet" --config "$DIR/kubelet.yaml" --kubeconfig "$DIR/kubelet.kubeconfig" \
  --hostname-override "$NODE" --root-dir /var/lib/kubelet
wait_for "node $NODE" 90 sh -c "kubectl --kubeconfig '$kubeconfig' get node '$NODE' -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -qx True"
# Pods need their namespace's service account, which the controller-manager makes just after start.
wait_for "the default service account" 60 kubectl --kubeconfig "$kubeconfig" get serviceaccount default -n default
log "node $NODE Ready"
# --- Sluice's agent, a pod of its DaemonSet (until it runs, a pod's CNI ADD waits): up when its API answers.
wait_for "the Sluice agent" 120 "$root/bin/sluice" --node "unix://$DIR/sluice/api.sock" status
log "Sluice agent up (pid $(cat "$DIR/sluice/agent.pid"))"

# --- CoreDNS, the cluster DNS, on the pods' gateway (the agent's router address, there once it
# is up): cluster.local from the API server; other names NXDOMAIN (the test cluster has no upstream).
cat > "$DIR/Corefile" <<COREFILE
cluster.local:53 in-addr.arpa:53 {
    bind $gateway
    errors
    ready 127.0.0.1:8181
    kubernetes cluster.local in-addr.arpa {
        kubeconfig $kubeconfig sluice-test
        pods insecure
        ttl 5
    }
}
.:53 {
    bind $gateway
    template ANY ANY {
        rcode NXDOMAIN
    }
}
COREFILE
start coredns "$bin/coredns" -conf "$DIR/Corefile"
wait_for "CoreDNS" 30 curl -fsS http://127.0.0.1:8181/ready
wait_for "Sluice's Envoy" 120 kubectl --kubeconfig "$kubeconfig" -n kube-system rollout status \
  daemonset/sluice-envoy --timeout=1s
wait_for "the Sluice operator" 120 kubectl --kubeconfig "$kubeconfig" -n kube-system rollout status \
  deployment/sluice-operator --timeout=1s
if kubectl --kubeconfig "$kubeconfig" -n kube-system get deployment hubble-relay >/dev/null 2>&1; then
  wait_for "Hubble relay" 120 kubectl --kubeconfig "$kubeconfig" -n kube-system rollout status \
    deployment/hubble-relay --timeout=1s
fi
echo "export KUBECONFIG=$kubeconfig"
