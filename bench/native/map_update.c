// Baseline for BpfMapUpdateBench: the same updates from C through libbpf, same map shape.
// Usage: map_update SECONDS  -> prints "c_updates_per_sec N"
#include <bpf/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

int main(int argc, char **argv) {
	double secs = argc > 1 ? atof(argv[1]) : 3;
	LIBBPF_OPTS(bpf_map_create_opts, opts);
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "bench_c", 8, 8, 1 << 20, &opts);
	if (fd < 0) { perror("bpf_map_create"); return 1; }
	unsigned long long key, value = 1, n = 0;
	double start = now(), end = start + secs;
	while (now() < end) {
		for (int i = 0; i < 4096; i++, n++) {
			key = n & 0xffff;
			if (bpf_map_update_elem(fd, &key, &value, BPF_ANY)) { perror("update"); return 1; }
		}
	}
	printf("c_updates_per_sec %.0f\n", n / (now() - start));
	close(fd);
	return 0;
}
