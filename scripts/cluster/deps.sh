#!/usr/bin/env bash
# The test cluster's runtime from Debian, skipping what is there: containerd, runc, the CNI
# plugins (/usr/lib/cni) and a static busybox for the test images. Idempotent; needs root.
set -euo pipefail
pkgs=(containerd runc containernetworking-plugins busybox-static gcc libc6-dev openssl curl)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "cluster-deps: installing ${missing[*]}" >&2
  apt-get update -qq
  # containerd's package would start its own service: the cluster scripts run it themselves.
  policy=/usr/sbin/policy-rc.d
  made_policy=
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; made_policy=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  if [ -n "$made_policy" ]; then rm -f "$policy"; fi
fi
