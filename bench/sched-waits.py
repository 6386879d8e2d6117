#!/usr/bin/env python3
"""Who held the CPU while proxied requests waited for one.

Usage: perf sched record -o sched.data -- sleep 10     (during a load run, e.g. bench/l7-latency.sh)
       perf sched timehist -i sched.data > timehist.txt
       bench/sched-waits.py timehist.txt [victim-regex] [min-wait-ms]

For every time a thread matching victim-regex (default: Envoy's workers and the deathstar's
threads) waited longer than min-wait-ms (default 0.5) between being woken and
running, adds up what ran on that CPU during the wait, by thread name.
"""
import collections
import re
import sys

path = sys.argv[1]
victims = re.compile(sys.argv[2] if len(sys.argv) > 2 else r"wrk:worker|HTTP-Dispatcher|ForkJoinPool")
min_wait = float(sys.argv[3]) if len(sys.argv) > 3 else 0.5
runs = collections.defaultdict(list)  # cpu -> [(start, end, thread)]
waits = []  # (from, to, cpu, thread)
for line in open(path):
    f = line.split()
    # time [cpu] task[tid/pid] wait-time sch-delay run-time (ms)
    if len(f) < 6 or not re.match(r"^\d+\.\d+$", f[0]):
        continue
    try:
        end, delay, ran = float(f[0]), float(f[-2]) / 1000, float(f[-1]) / 1000
    except ValueError:
        continue
    thread = re.sub(r"\[.*", "", f[2])
    runs[f[1]].append((end - ran, end, thread))
    if victims.search(thread) and delay * 1000 > min_wait:
        waits.append((end - ran - delay, end - ran, f[1], thread))
held = collections.Counter()
for start, end, cpu, _ in waits:
    for s, e, thread in runs[cpu]:
        overlap = min(end, e) - max(start, s)
        if overlap > 0:
            held[thread] += overlap * 1000
total = sum(held.values()) or 1
print(f"{len(waits)} waits over {min_wait} ms; what ran on that CPU meanwhile:")
for thread, ms in held.most_common(10):
    print(f"  {thread:24} {ms:8.1f} ms  {100 * ms / total:3.0f}%")
