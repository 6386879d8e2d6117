#!/usr/bin/env bash
# Builds the test cluster's images as tarballs in DIR (skipping those already there) and prints
# their paths: the pause image (containerd's sandbox image, from kubernetes' own pause.c) and a
# busybox image. No container engine: scripts/cluster/image (go-containerregistry) writes them.
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
echo "$out/pause.tar"
echo "$out/busybox.tar"
