#!/usr/bin/env bash
# Prints the home of a JDK whose feature version is at least 25 (the project's target).
# Order: $JAVA_HOME, JDKs under /usr/lib/jvm (newest first), the `java` on PATH.
# Exits 1 with a message on stderr when none is found; the default `java` is never assumed.
set -u
want=25
feature() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'; }
ok() { [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] && v=$(feature "$1") && [ -n "$v" ] && [ "${v%%.*}" -ge "$want" ]; }
candidates=()
[ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
for d in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do candidates+=("${d%/}"); done
if command -v java >/dev/null 2>&1; then candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"); fi
for c in "${candidates[@]}"; do
  if ok "$c"; then echo "$c"; exit 0; fi
done
echo "find-jdk: no JDK $want or newer found (looked at JAVA_HOME, /usr/lib/jvm/*, java on PATH); install one and set JAVA_HOME" >&2
exit 1
