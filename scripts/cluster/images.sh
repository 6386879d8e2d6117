#!/usr/bin/env bash
# Builds the test cluster's images as tarballs in DIR (skipping those already there) and prints
# their paths: the pause image (containerd's sandbox image, from kubernetes' own pause.c), a
# busybox image, and the lab's Star Wars images under the lab's names (scripts/cluster/starwars:
# docker.io/cilium/starwars, the deathstar; quay.io/cilium/json-mock, the ships, with curl), and
# fortio (docker.io/fortio/fortio, built by scripts/install-tool.sh), and the gRPC client pod
# (docker.io/nicolaka/netshoot, with grpcurl).
# No container engine: scripts/cluster/image (go-containerregistry) writes them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: images.sh DIR}
K8S_VERSION=${K8S_VERSION:-v1.34.2}
mkdir -p "$out"
tool=$out/image-tool
[ -x "$tool" ] || (cd "$here/image" && CGO_ENABLED=0 go build -o "$tool" .)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

if [ ! -f "$out/pause.tar" ]; then
  src=$(go env GOMODCACHE)/k8s.io/kubernetes@$K8S_VERSION/build/pause/linux/pause.c
  [ -f "$src" ] || (cd "$work" && go mod download "k8s.io/kubernetes@$K8S_VERSION" >/dev/null 2>&1 || true)
  mkdir -p "$work/pause"
  gcc -Os -static -DVERSION=3.10 -o "$work/pause/pause" "$src"
  "$tool" -dir "$work/pause" -tag registry.k8s.io/pause:3.10 -entrypoint /pause -o "$out/pause.tar"
fi
if [ ! -f "$out/busybox.tar" ]; then
  mkdir -p "$work/busybox/bin" "$work/busybox/tmp"
  cp /bin/busybox "$work/busybox/bin/busybox"
  for a in sh ls cat echo sleep wget nc ip hostname id ps; do ln -s busybox "$work/busybox/bin/$a"; done
  "$tool" -dir "$work/busybox" -tag docker.io/library/busybox:sluice -entrypoint "" -cmd /bin/sh -o "$out/busybox.tar"
fi
# A root file system holding busybox and the host's curl with the libraries it loads.
with_curl() { # rootfs
  mkdir -p "$1/bin" "$1/tmp" "$1/etc"
  cp /bin/busybox "$1/bin/busybox"
  for a in sh ls cat echo sleep hostname id ps; do ln -sf busybox "$1/bin/$a"; done
  cp /usr/bin/curl "$1/bin/curl"
  ldd /usr/bin/curl | grep -o '/[^ ]*' | while read -r lib; do
    mkdir -p "$1$(dirname "$lib")"; cp -L "$lib" "$1$lib"
  done
  echo 'hosts: files dns' > "$1/etc/nsswitch.conf"
}
if [ ! -f "$out/starwars.tar" ] || [ ! -f "$out/json-mock.tar" ]; then
  mkdir -p "$work/starwars" "$work/json-mock"
  (cd "$here/starwars" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$work/starwars/starwars" .)
  "$tool" -dir "$work/starwars" -tag docker.io/cilium/starwars:latest -entrypoint /starwars -cmd deathstar -o "$out/starwars.tar"
  with_curl "$work/json-mock"
  cp "$work/starwars/starwars" "$work/json-mock/starwars"
  "$tool" -dir "$work/json-mock" -tag quay.io/cilium/json-mock:latest -entrypoint /starwars -cmd json-mock -o "$out/json-mock.tar"
fi
# fortio under the lab's name (fortio/fortio): the circuit breaker's echo service and its client.
if [ ! -f "$out/fortio.tar" ]; then
  mkdir -p "$work/fortio/usr/bin" "$work/fortio/tmp"
  cp "$("$here/../install-tool.sh" fortio)" "$work/fortio/usr/bin/fortio"
  "$tool" -dir "$work/fortio" -tag docker.io/fortio/fortio:latest -entrypoint /usr/bin/fortio -cmd server -o "$out/fortio.tar"
fi
# The lab's gRPC client pod (nicolaka/netshoot): curl, grpcurl, and the currency service's proto
# as /root/demo.proto, where the lab downloads it.
if [ ! -f "$out/netshoot.tar" ]; then
  with_curl "$work/netshoot"
  mkdir -p "$work/netshoot/usr/local/bin" "$work/netshoot/root"
  cp "$("$here/../install-tool.sh" grpcurl)" "$work/netshoot/usr/local/bin/grpcurl"
  cp "$here/../../demo/proto/currency.proto" "$work/netshoot/root/demo.proto"
  "$tool" -dir "$work/netshoot" -tag docker.io/nicolaka/netshoot:latest -env "PATH=/usr/local/bin:/bin,HOME=/root" \
    -entrypoint "" -cmd /bin/sh -o "$out/netshoot.tar"
fi
echo "$out/pause.tar"
echo "$out/busybox.tar"
echo "$out/netshoot.tar"
echo "$out/starwars.tar"
echo "$out/json-mock.tar"
echo "$out/fortio.tar"
