#!/usr/bin/env bash
# The Star Wars demo on the standalone node: deathstar (Service, 2 replicas), tiefighter and
# xwing, then the lab's L3/L4 policy. Safe to run again: what exists is kept.
set -euo pipefail
home=$(cd "$(dirname "$0")/.." && pwd)
sluice="$home/bin/sluice"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

"$sluice" up
say "Deploying the Star Wars app"
"$sluice" apply -f "$home/demo/manifests/deathstar-service.yaml"
run() { # name labels cmd...
  local name=$1 labels=$2; shift 2
  "$sluice" pod run "$name" --labels "$labels" -- "$@" 2>/dev/null || echo "pod/$name exists"
}
run deathstar-1 org=empire,class=deathstar "$sluice" demo deathstar --name deathstar-1
run deathstar-2 org=empire,class=deathstar "$sluice" demo deathstar --name deathstar-2
run tiefighter org=empire,class=tiefighter sleep infinity
run xwing org=alliance,class=xwing sleep infinity
"$sluice" get pods
"$sluice" get services

land() { "$sluice" exec "$1" -- curl -s -m 3 -XPOST deathstar.default.svc.cluster.local/v1/request-landing; }
printf 'Waiting for the deathstar to answer'
for _ in $(seq 1 60); do land tiefighter >/dev/null 2>&1 && break; printf .; sleep 0.5; done; echo

say "Before any policy, both ships land"
echo -n "xwing:      "; land xwing
echo -n "tiefighter: "; land tiefighter

say "Applying the lab's L3/L4 policy (rule1: only org=empire may reach the deathstar on 80/TCP)"
"$sluice" apply -f "$home/demo/manifests/l4-policy.yaml"
echo -n "tiefighter: "; land tiefighter
echo -n "xwing:      "; if land xwing; then echo "(unexpected: landed)"; else echo "timed out (exit $?), as the policy says"; fi

say "The drop, as the datapath recorded it"
"$sluice" monitor --type drop | tail -n 3

if "$sluice" status | grep -q "^Envoy: *OK"; then
  say "L7: only POST /v1/request-landing for the empire (the lab's L7 rule1, enforced by Envoy)"
  "$sluice" apply -f "$home/demo/manifests/l7-policy.yaml"
  sleep 1
  echo -n "tiefighter PUT /v1/exhaust-port:     "; "$sluice" exec tiefighter -- curl -s -m 3 -XPUT deathstar.default.svc.cluster.local/v1/exhaust-port
  echo -n "tiefighter POST /v1/request-landing: "; land tiefighter
  sleep 1.5
  "$sluice" monitor --type l7 | tail -n 2
fi
say "Done. Try: sluice status | sluice get identities | sluice monitor -f | sluice envoy config-dump | sluice down --purge"
