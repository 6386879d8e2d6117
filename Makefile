# Sluice: the two set-up commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
JAVA_HOME ?= $(shell scripts/find-jdk.sh)
export JAVA_HOME
MVN := mvn -B -q -Dstyle.color=never

.PHONY: deps build test demo demo-down bench clean cluster-up cluster-down

deps:
	@scripts/deps.sh

# A line per module as it starts and ends (scripts/build.sh; the whole log in build/maven.log).
build: deps
	@scripts/build.sh -DskipTests install

# The whole suite: unit tests, BPF program tests (PROG_TEST_RUN) and the end-to-end tests
# against a real node (network namespaces, the real datapath).
test: deps
	mvn -B --no-transfer-progress -Dstyle.color=never install

demo: build
	demo/starwars.sh

demo-down:
	bin/sluice down --purge

# A real single-node Kubernetes for the cluster tests (scripts/cluster: built from the Go module
# proxy and Debian packages, cached under /opt/sluice/k8s-*); prints `export KUBECONFIG=...`.
cluster-up: build
	@scripts/cluster/up.sh

cluster-down:
	@scripts/cluster/down.sh

bench: build
	bench/run

clean:
	$(MVN) clean
