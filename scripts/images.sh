#!/usr/bin/env bash
# Builds Sluice's container images as tarballs in DIR (default build/images) and prints their
# paths, for `ctr images import` (the test cluster) or `crane push` (a registry). No container
# engine: scripts/cluster/image (go-containerregistry) writes them, layer by layer.
#
#   localhost/sluice/operator:VERSION   the operator (a Quarkus app) on the Java runtime layer
#   localhost/sluice/agent:VERSION      the agent, with the host tools it runs (ip, tc, setpriv),
#                                       libbpf, its CNI plugin sluice-cni (which it installs on the
#                                       node), envoy-xds and Envoy (for envoy.enabled=false)
#   localhost/sluice/envoy-xds:VERSION  envoy-xds, beside Envoy in the sluice-envoy DaemonSet
#   localhost/sluice/relay:VERSION      Hubble relay, the hubble-relay Deployment
#   localhost/sluice/demo:VERSION       the demo applications (args: demo deathstar|currency)
#   localhost/sluice/envoy:VERSION      the upstream Envoy the standalone node runs (scripts/find-envoy.sh)
#
# The bottom layer is a Java runtime made here by jlink from the build's JDK, with the glibc it
# loads taken from this host (and a shell, for a container that waits for a file); it is cached
# in DIR and shared by every Java image. Other programs come from this host with the libraries
# they load, a layer each. An image is rebuilt only when what it holds is newer than its
# tarball. Needs a built checkout (make build) and Envoy (make deps).
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
# jdk.management: health and metrics; jdk.unsupported: Netty and protobuf; jdk.httpserver: the
# agent's metrics endpoint).
MODULES=java.base,java.logging,java.naming,java.management,jdk.management,jdk.unsupported,jdk.httpserver,java.xml,java.sql,java.net.http,java.security.jgss,java.security.sasl,jdk.crypto.ec,jdk.naming.dns,jdk.zipfs

# Copies the libraries a host program loads into a layer directory, at their paths.
host_libs() { # dir file
  local lib
  ldd "$2" 2>/dev/null | sed -n 's|.*=> \(/[^ ]*\) .*|\1|p' | while read -r lib; do
    mkdir -p "$1$(dirname "$lib")"; cp -L "$lib" "$1$lib"
  done
}
# Copies host programs and libraries into a layer directory, with the libraries they load.
host_files() { # dir file...
  local dir=$1 f; shift
  for f in "$@"; do
    mkdir -p "$dir$(dirname "$f")"; cp -L "$f" "$dir$f"
    host_libs "$dir" "$f"
  done
}
ld_so=$(ldd /bin/sh | grep -o '/lib64/ld-linux[^ ]*' | head -1)

# --- The Java runtime layer: /opt/java, the libraries it loads, /tmp, and a user without rights.
jre=$out/java-runtime
# Not compressed: a JVM reading classes from a compressed image keeps about 7 MB more resident
# (docs/benchmarks.md, Footprint), for 23 MB less on disk.
stamp="$("$jdk/bin/java" -version 2>&1 | head -1) $MODULES sh uncompressed"
if [ ! -f "$jre/.stamp" ] || [ "$(cat "$jre/.stamp")" != "$stamp" ]; then
  echo "images: linking a Java runtime ($MODULES)" >&2
  rm -rf "$jre"; mkdir -p "$jre/opt" "$jre/etc"
  "$jdk/bin/jlink" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files \
    --output "$jre/opt/java"
  find "$jre/opt/java" -name '*.so' -o -path '*/bin/java' | xargs ldd 2>/dev/null | sed -n 's|.*=> \(/[^ ]*\) .*|\1|p' \
    | grep -v "^$jre/" | sort -u | while read -r lib; do
      mkdir -p "$jre$(dirname "$lib")"; cp -L "$lib" "$jre$lib"
    done
  host_files "$jre" "$ld_so" /bin/sh "$(command -v sleep)"
  mkdir -m 1777 "$jre/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nsluice:x:65532:65532:sluice:/tmp:/sbin/nologin\n' > "$jre/etc/passwd"
  printf 'root:x:0:\nsluice:x:65532:\n' > "$jre/etc/group"
  echo 'hosts: files dns' > "$jre/etc/nsswitch.conf"
  echo "$stamp" > "$jre/.stamp"
fi

# --- A Quarkus service: its quarkus-app directory as /app on the runtime layer.
# Its JVM options are one of config/jvm/*.options, copied as /app/jvm/NAME.options (the process's
# command line names the component).
quarkus_image() { # name module user options   (EXTRA_LAYER: one more directory in the image)
  local name=$1 module=$2 user=$3 options=$root/config/jvm/$4.options
  local app=$root/$module/target/quarkus-app tar=$out/$name.tar
  [ -f "$app/quarkus-run.jar" ] || { echo "images: no $app: run 'make build'" >&2; exit 1; }
  # (this script too: it holds the image's command)
  if [ ! -f "$tar" ] || [ -n "$(find "$app" "$options" "$jre/.stamp" "$0" ${EXTRA_LAYER:+"$EXTRA_LAYER/.stamp"} -newer "$tar" -print -quit)" ]; then
    echo "images: $REGISTRY/$name:$VERSION" >&2
    local layer=$out/$name-layer
    rm -rf "$layer"; mkdir -p "$layer"; cp -r "$app" "$layer/app"; rm -f "$layer"/app/*.aot
    mkdir "$layer/app/jvm"; cp "$options" "$layer/app/jvm/$name.options"
    "$tool" -dir "$jre" ${EXTRA_LAYER:+-dir "$EXTRA_LAYER"} -dir "$layer" -tag "$REGISTRY/$name:$VERSION" -user "$user" \
      -env "PATH=/opt/java/bin:/usr/bin:/bin,JAVA_HOME=/opt/java" \
      -entrypoint "/opt/java/bin/java @/app/jvm/$name.options -jar /app/quarkus-run.jar" -o "$tar.tmp"
    mv "$tar.tmp" "$tar"; rm -rf "$layer"
  fi
  echo "$tar"
}

quarkus_image operator services/operator 65532:65532 operator

# --- Envoy: the binary with its libraries, and what its container's command uses (a shell that
# waits for the bootstrap, setpriv that gives up root). A layer of its own, shared by two images.
envoy_bin=$("$root/scripts/find-envoy.sh")
envoy_layer=$out/envoy-layer
if [ ! -f "$envoy_layer/.stamp" ] || [ "$envoy_bin" -nt "$envoy_layer/.stamp" ]; then
  rm -rf "$envoy_layer"; mkdir -p "$envoy_layer/usr/local/bin" "$envoy_layer/etc"
  host_files "$envoy_layer" "$ld_so" /bin/sh "$(command -v sleep)" "$(command -v setpriv)"
  cp -L "$envoy_bin" "$envoy_layer/usr/local/bin/envoy"
  host_libs "$envoy_layer" "$envoy_bin"
  cp "$jre/etc/passwd" "$jre/etc/group" "$envoy_layer/etc/"
  touch "$envoy_layer/.stamp"
fi
tar=$out/envoy.tar
if [ ! -f "$tar" ] || [ "$envoy_layer/.stamp" -nt "$tar" ]; then
  echo "images: $REGISTRY/envoy:$VERSION" >&2
  "$tool" -dir "$envoy_layer" -tag "$REGISTRY/envoy:$VERSION" -env "PATH=/usr/local/bin:/usr/bin:/bin" \
    -entrypoint "/usr/local/bin/envoy" -o "$tar.tmp"
  mv "$tar.tmp" "$tar"
fi
echo "$tar"

# curl, for envoy-xds's probes: it answers /q/health on a unix socket in its pod's own /tmp, since
# on the host's network a port would be taken by the other pod while a rollout runs both.
probe=$out/probe-tools
if [ ! -f "$probe/.stamp" ] || [ -n "$(find "$root/scripts/images.sh" -newer "$probe/.stamp" -print -quit)" ]; then
  rm -rf "$probe"; mkdir -p "$probe"
  host_files "$probe" "$(command -v curl)"
  touch "$probe/.stamp"
fi
EXTRA_LAYER=$probe quarkus_image envoy-xds services/envoy-xds 65532:65532 service
quarkus_image relay services/relay 65532:65532 service
# The demo applications (`sluice demo deathstar|currency`, the lab's gRPC currency service), as pods run them.
quarkus_image demo services/cli 65532:65532 service

# --- The agent: root (it loads the datapath and attaches to pods' veths), the host tools it runs,
# libbpf (loaded through FFM), and the node's other processes for when it starts them itself.
tools=$out/agent-tools
if [ ! -f "$tools/.stamp" ] || [ -n "$(find "$root/scripts/images.sh" -newer "$tools/.stamp" -print -quit)" ]; then
  rm -rf "$tools"; mkdir -p "$tools"
  lib=$(ldconfig -p | sed -n 's|.*libbpf.so.1 (libc6,x86-64) => \(.*\)|\1|p' | head -1)
  # curl: the pod's probes ask the node API's unix socket (no TCP port) for /q/health
  host_files "$tools" "$(command -v ip)" "$(command -v tc)" "$(command -v setpriv)" "$(command -v setsid)" \
    "$(command -v getent)" "$(command -v id)" "$(command -v curl)" "$lib"
  touch "$tools/.stamp"
fi
tar=$out/agent.tar
agent_apps=("$root/services/agent/target/quarkus-app" "$root/services/envoy-xds/target/quarkus-app")
if [ ! -f "$tar" ] || [ -n "$(find "${agent_apps[@]}" "$root/services/cni" "$root/config/jvm" "$jre/.stamp" "$tools/.stamp" "$envoy_layer/.stamp" \
    -newer "$tar" -print -quit)" ]; then
  echo "images: $REGISTRY/agent:$VERSION" >&2
  layer=$out/agent-layer
  rm -rf "$layer"; mkdir -p "$layer/opt/sluice/services" "$layer/opt/sluice/bin" "$layer/opt/sluice/config"
  cp -r "$root/config/jvm" "$layer/opt/sluice/config/"
  (cd "$root/services/cni" && CGO_ENABLED=0 go build -trimpath -o "$layer/opt/sluice/bin/sluice-cni" .)
  for app in "${agent_apps[@]}"; do
    m=$(basename "$(dirname "$(dirname "$app")")")
    mkdir -p "$layer/opt/sluice/services/$m/target"; cp -r "$app" "$layer/opt/sluice/services/$m/target/"
  done
  # The agent's JVM as `sluice up` starts it (config/jvm/agent.options).
  "$tool" -dir "$jre" -dir "$tools" -dir "$envoy_layer" -dir "$layer" -tag "$REGISTRY/agent:$VERSION" \
    -env "PATH=/opt/java/bin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin,JAVA_HOME=/opt/java,SLUICE_HOME=/opt/sluice,SLUICE_ENVOY_BINARY=/usr/local/bin/envoy" \
    -entrypoint "/opt/java/bin/java @/opt/sluice/config/jvm/agent.options -jar /opt/sluice/services/agent/target/quarkus-app/quarkus-run.jar" \
    -o "$tar.tmp"
  mv "$tar.tmp" "$tar"; rm -rf "$layer"
fi
echo "$tar"
