#!/usr/bin/env bash
# Maven with a line per module as it starts and as it ends, instead of minutes of silence
# (-q) or thousands of lines: `scripts/build.sh [maven args...]` (make build passes
# `-DskipTests install`). The whole output goes to build/maven.log; when the build fails, its
# errors are printed (the end of the log when it has none).
#
#   build: [ 7/13] Sluice :: agent
#   build: [ 7/13] Sluice :: agent: done in 26 s
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
log=$root/build/maven.log
mkdir -p "$(dirname "$log")"
start=$(date +%s)
set +e
mvn -B --no-transfer-progress -Dstyle.color=never -f "$root/pom.xml" "$@" 2>&1 | tee "$log" | awk '
  function done_module() {
    if (current != "") printf "build: %s: done in %d s\n", current, systime() - since
    fflush()
  }
  # [INFO] Building Sluice :: agent 0.1.0-SNAPSHOT                [7/13]
  /^\[INFO\] Building .* \[ *[0-9]+\/[0-9]+\]$/ {
    done_module()
    name = $0; sub(/^\[INFO\] Building /, "", name); sub(/ [^ ]+ +\[ *[0-9]+\/[0-9]+\]$/, "", name)
    n = $NF; gsub(/[\[\]]/, "", n); split(n, at, "/")
    current = sprintf("[%2d/%d] %s", at[1], at[2], name)
    since = systime()
    print "build: " current; fflush()
    next
  }
  /^\[INFO\] BUILD SUCCESS/ { done_module(); current = "" }
  /^\[INFO\] BUILD FAILURE/ { current = "" }
'
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
  echo "build: FAILED after $(( $(date +%s) - start )) s; the errors (all of it in $log):" >&2
  grep -E '^\[ERROR\]' "$log" | grep -v '^\[ERROR\] *$' | head -n 40 >&2 || tail -n 30 "$log" >&2
  exit "$status"
fi
echo "build: done in $(( $(date +%s) - start )) s"
