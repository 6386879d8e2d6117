#!/usr/bin/env bash
# Builds a client the tests and benchmarks drive Sluice with, from its Go module, into
# /opt/sluice/<name>-<version>/<name> unless it is there, and prints the binary's path.
#
#   fortio    fortio.org/fortio: HTTP load (the lab's circuit breaker, the L7 benchmarks)
#   grpcurl   github.com/fullstorydev/grpcurl: gRPC calls (L7 load balancing of gRPC)
#
# fortio stays at 1.66: later releases add a scripting module (grol.io) that the tests do not
# use and the module proxy this project builds from does not serve.
set -euo pipefail
name=${1:?usage: install-tool.sh fortio|grpcurl}
case "$name" in
  fortio) pkg=fortio.org/fortio; version=${FORTIO_VERSION:-v1.66.5} ;;
  grpcurl) pkg=github.com/fullstorydev/grpcurl/cmd/grpcurl; version=${GRPCURL_VERSION:-v1.9.3} ;;
  *) echo "install-tool: unknown tool '$name' (fortio, grpcurl)" >&2; exit 2 ;;
esac
dir=/opt/sluice/$name-$version
bin=$dir/$name
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
if ! command -v go >/dev/null; then
  echo "install-tool: needs Go (https://go.dev/dl) to build $name $version" >&2
  exit 1
fi
echo "install-tool: building $name $version into $dir" >&2
mkdir -p "$dir"
GOBIN=$dir.tmp CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" "$pkg@$version"
mv "$dir.tmp/$name" "$bin"
rmdir "$dir.tmp"
echo "$bin"
