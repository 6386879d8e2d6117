#!/usr/bin/env bash
# Builds the test cluster's Kubernetes from the Go module proxy, once: kube-apiserver,
# kube-controller-manager, kube-scheduler, kubelet and kubectl from k8s.io/kubernetes, etcd
# from go.etcd.io/etcd/server/v3, CoreDNS and Helm from their modules, into $PREFIX/bin (default /opt/sluice/k8s-$K8S_VERSION). A
# binary already there is skipped, so a warm machine spends nothing here. Prints the bin dir.
# Cold and sequential on 2 cores: about 11 min (the apiserver 7, peak 1.9 GB in the linker), CoreDNS 3 more,
# Helm 2 more.
set -euo pipefail
K8S_VERSION=${K8S_VERSION:-v1.34.2}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
COREDNS_VERSION=${COREDNS_VERSION:-v1.14.7}
HELM_VERSION=${HELM_VERSION:-v3.22.0}
PREFIX=${PREFIX:-/opt/sluice/k8s-$K8S_VERSION}
bin=$PREFIX/bin
mkdir -p "$bin"
staging=${K8S_VERSION/v1./v0.}
k8s_cmds=(kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl)
need=()
for c in "${k8s_cmds[@]}"; do [ -x "$bin/$c" ] || need+=("$c"); done
log() { echo "cluster-build: $*" >&2; }

if [ ${#need[@]} -gt 0 ]; then
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
  # k8s.io/kubernetes replaces its staging modules with local paths; a wrapper module replaces
  # each with its published version instead (the list is kubernetes' own replace block).
  mods=$(curl -fsS "https://proxy.golang.org/k8s.io/kubernetes/@v/$K8S_VERSION.mod" \
    | sed -n '/^replace (/,/^)/p' | grep -o 'k8s.io/[a-z0-9-]*' | sort -u)
  {
    echo "module sluice.local/k8s-build"
    echo
    echo "go 1.24.0"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    for m in $mods; do echo "replace $m => $m $staging"; done
  } > "$work/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport (\n' > "$work/tools.go"
  for c in "${need[@]}"; do printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$c" >> "$work/tools.go"; done
  printf ')\n' >> "$work/tools.go"
  (cd "$work" && go mod tidy >/dev/null 2>&1)
  ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1"
  ldflags+=" -X k8s.io/component-base/version.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2)"
  ldflags+=" -X k8s.io/component-base/version.gitTreeState=clean"
  for c in "${need[@]}"; do
    log "building $c $K8S_VERSION"
    t0=$(date +%s)
    (cd "$work" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$bin/$c.tmp" "k8s.io/kubernetes/cmd/$c")
    mv "$bin/$c.tmp" "$bin/$c"
    log "$c built in $(( $(date +%s) - t0 )) s"
  done
fi

if [ ! -x "$bin/etcd" ]; then
  work=$(mktemp -d)
  log "building etcd $ETCD_VERSION"
  printf 'module sluice.local/etcd-build\n\ngo 1.24\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" > "$work/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' > "$work/tools.go"
  (cd "$work" && go mod tidy >/dev/null 2>&1 && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$bin/etcd.tmp" go.etcd.io/etcd/server/v3)
  mv "$bin/etcd.tmp" "$bin/etcd"
  rm -rf "$work"
fi

# CoreDNS's module has no replace directives: `go install` builds its main package as released.
if ! "$bin/coredns" -version 2>/dev/null | grep -qx "CoreDNS-${COREDNS_VERSION#v}"; then
  log "building coredns $COREDNS_VERSION"
  gobin=$(mktemp -d)
  GOBIN=$gobin CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" "github.com/coredns/coredns@$COREDNS_VERSION"
  mv "$gobin/coredns" "$bin/coredns"
  rm -rf "$gobin"
fi
# Helm, which installs Sluice's chart (k8s/sluice); its version is stamped as its release does.
if ! "$bin/helm" version --template '{{.Version}}' 2>/dev/null | grep -qx "$HELM_VERSION"; then
  log "building helm $HELM_VERSION"
  gobin=$(mktemp -d)
  GOBIN=$gobin CGO_ENABLED=0 go install -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  mv "$gobin/helm" "$bin/helm"
  rm -rf "$gobin"
fi
echo "$bin"
