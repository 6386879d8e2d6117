#!/usr/bin/env bash
# Installs the pinned Python Prometheus client (PyPI prometheus-client), whose text-format parser
# the tests run over the node's /metrics, into /opt/sluice/prometheus-client-$VERSION unless it is
# there, and prints that venv's python.
set -euo pipefail
VERSION=${PROMETHEUS_CLIENT_VERSION:-0.23.1}
dir=/opt/sluice/prometheus-client-$VERSION
if ! "$dir/bin/python" -c 'import prometheus_client.parser' >/dev/null 2>&1; then
  echo "install-promparser: installing prometheus-client==$VERSION into $dir" >&2
  rm -rf "$dir"
  python3 -m venv "$dir"
  "$dir/bin/pip" install -q --disable-pip-version-check "prometheus-client==$VERSION"
fi
echo "$dir/bin/python"
