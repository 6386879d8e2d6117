#!/usr/bin/env bash
# Builds the stock Hubble CLI (github.com/cilium/cilium/hubble, from the Go module proxy) into
# /opt/sluice/hubble-$VERSION/hubble unless it is there, and prints the binary's path. The tests
# use it to prove that Hubble's own client works against Sluice, TLS included.
# Cilium's go.mod has replace directives, so `go install pkg@version` refuses it: a wrapper
# module requires it and repeats the replaces the CLI needs (the apimachinery fork is not on the
# proxy; the CLI builds against upstream apimachinery). About 2.5 min cold on 2 cores.
set -euo pipefail
VERSION=${HUBBLE_VERSION:-v1.18.4}
dir=/opt/sluice/hubble-$VERSION
bin=$dir/hubble
if [ -x "$bin" ] && "$bin" version >/dev/null 2>&1; then
  echo "$bin"
  exit 0
fi
if ! command -v go >/dev/null; then
  echo "install-hubble: needs Go (https://go.dev/dl) to build the Hubble CLI $VERSION" >&2
  exit 1
fi
echo "install-hubble: building the Hubble CLI $VERSION into $dir" >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/go.mod" <<MOD
module sluice.local/hubble-cli

go 1.24

require github.com/cilium/cilium $VERSION

replace sigs.k8s.io/controller-tools => github.com/cilium/controller-tools v0.16.5-1

replace github.com/osrg/gobgp/v3 => github.com/cilium/gobgp/v3 v3.0.0-20250717193620-26a4abb75464
MOD
cat > "$work/tools.go" <<'GO'
//go:build tools

package tools

import _ "github.com/cilium/cilium/hubble"
GO
mkdir -p "$dir"
(cd "$work" && go mod tidy >/dev/null 2>&1 && CGO_ENABLED=0 go build -trimpath \
  -ldflags "-s -w -X github.com/cilium/cilium/hubble/pkg.Version=${VERSION#v}" -o "$bin.tmp" github.com/cilium/cilium/hubble)
mv "$bin.tmp" "$bin"
echo "$bin"
