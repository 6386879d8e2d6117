#!/usr/bin/env bash
# Builds Sluice's container images as tarballs in DIR (default build/images) and prints their
# paths, for `ctr images import` (the test cluster) or `crane push` (a registry). No container
# engine: scripts/cluster/image (go-containerregistry) writes them, layer by layer.
#
#   localhost/sluice/operator:VERSION   the operator (a Quarkus app) on the Java runtime layer
#
# The bottom layer is a Java runtime made here by jlink from the build's JDK, with the glibc it
# loads taken from this host; it is cached in DIR and shared by every Java image. An image is
# rebuilt only when its application is newer than its tarball. Needs a built checkout (make build).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
out=${1:-$root/build/images}
REGISTRY=${SLUICE_IMAGE_REGISTRY:-localhost/sluice}
VERSION=$(sed -n 's|^  <version>\(.*\)</version>|\1|p' "$root/pom.xml" | head -1)
VERSION=${VERSION%-SNAPSHOT}
mkdir -p "$out"
tool=$out/image-tool
[ -x "$tool" ] && [ "$tool" -nt "$root/scripts/cluster/image/main.go" ] \
  || (cd "$root/scripts/cluster/image" && CGO_ENABLED=0 go build -o "$tool" .)
jdk=$("$root/scripts/find-jdk.sh")
# The modules the services load (java.naming: the Kubernetes client's DNS; java.management and
# jdk.management: health and metrics; jdk.unsupported: Netty and protobuf).
MODULES=java.base,java.logging,java.naming,java.management,jdk.management,jdk.unsupported,java.xml,java.sql,java.net.http,java.security.jgss,java.security.sasl,jdk.crypto.ec,jdk.naming.dns,jdk.zipfs

# --- The Java runtime layer: /opt/java, the libraries it loads, /tmp, and a user without rights.
jre=$out/java-runtime
stamp="$("$jdk/bin/java" -version 2>&1 | head -1) $MODULES"
if [ ! -f "$jre/.stamp" ] || [ "$(cat "$jre/.stamp")" != "$stamp" ]; then
  echo "images: linking a Java runtime ($MODULES)" >&2
  rm -rf "$jre"; mkdir -p "$jre/opt" "$jre/etc"
  "$jdk/bin/jlink" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files \
    --compress=zip-6 --output "$jre/opt/java"
  find "$jre/opt/java" -name '*.so' -o -path '*/bin/java' | xargs ldd 2>/dev/null | sed -n 's|.*=> \(/[^ ]*\) .*|\1|p' \
    | grep -v "^$jre/" | sort -u | while read -r lib; do
      mkdir -p "$jre$(dirname "$lib")"; cp -L "$lib" "$jre$lib"
    done
  ld=$(ldd "$jre/opt/java/bin/java" | grep -o '/lib64/ld-linux[^ ]*' | head -1)
  mkdir -p "$jre/lib64"; cp -L "$ld" "$jre$ld"
  mkdir -m 1777 "$jre/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nsluice:x:65532:65532:sluice:/tmp:/sbin/nologin\n' > "$jre/etc/passwd"
  printf 'root:x:0:\nsluice:x:65532:\n' > "$jre/etc/group"
  echo 'hosts: files dns' > "$jre/etc/nsswitch.conf"
  echo "$stamp" > "$jre/.stamp"
fi

# --- A Quarkus service: its quarkus-app directory as /app on the runtime layer.
quarkus_image() { # name module user jvm-options...
  local name=$1 module=$2 user=$3; shift 3
  local app=$root/$module/target/quarkus-app tar=$out/$name.tar
  [ -f "$app/quarkus-run.jar" ] || { echo "images: no $app: run 'make build'" >&2; exit 1; }
  if [ ! -f "$tar" ] || [ -n "$(find "$app" "$jre/.stamp" -newer "$tar" -print -quit)" ]; then
    echo "images: $REGISTRY/$name:$VERSION" >&2
    local layer=$out/$name-layer
    rm -rf "$layer"; mkdir -p "$layer"; cp -r "$app" "$layer/app"
    "$tool" -dir "$jre" -dir "$layer" -tag "$REGISTRY/$name:$VERSION" -user "$user" \
      -env "PATH=/opt/java/bin:/usr/bin:/bin,JAVA_HOME=/opt/java" \
      -entrypoint "/opt/java/bin/java $* -jar /app/quarkus-run.jar" -o "$tar.tmp"
    mv "$tar.tmp" "$tar"; rm -rf "$layer"
  fi
  echo "$tar"
}

# The operator's JVM: a small heap that gives memory back (docs/benchmarks.md, "The operator").
quarkus_image operator services/operator 65532:65532 --sun-misc-unsafe-memory-access=allow -XX:+UseSerialGC \
  -Xms16m -Xmx96m -Xmn12m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:TieredStopAtLevel=1 \
  -XX:ReservedCodeCacheSize=32m -Xss512k -XX:+UseCompactObjectHeaders
