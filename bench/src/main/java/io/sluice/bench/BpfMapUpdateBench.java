package io.sluice.bench;

import io.sluice.bpf.BpfMap;
import io.sluice.bpf.MapSpec;
import io.sluice.bpf.MapType;
import io.sluice.bpf.datapath.IpcacheKey;
import io.sluice.bpf.datapath.IpcacheValue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/**
 * Map updates from Java through FFM into the kernel (a real BPF hash map, as root).
 * {@code rawUpdate}: pre-encoded 8-byte keys and values, the shape of bench/native/map_update.c,
 * which bench/run measures in the same run as the baseline. {@code ipcacheUpdate}: a typed
 * update of the real ipcache layout into an LPM trie, codec included.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgs = "--enable-native-access=ALL-UNNAMED")
public class BpfMapUpdateBench {
    BpfMap hash;
    BpfMap lpm;
    byte[][] keys = new byte[65536][];
    byte[] value = new byte[8];
    int i;

    @Setup
    public void setup() {
        hash = BpfMap.create(new MapSpec(MapType.HASH, "bench_java", 8, 8, 1 << 20, 0));
        lpm = BpfMap.create(new MapSpec(MapType.LPM_TRIE, "bench_lpm", 8, 8, 1 << 17, MapSpec.NO_PREALLOC));
        for (int k = 0; k < keys.length; k++) {
            keys[k] = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(k).array();
        }
    }

    @TearDown
    public void close() {
        hash.close();
        lpm.close();
    }

    @Benchmark
    public void rawUpdate() {
        hash.update(keys[i++ & 0xffff], value, BpfMap.ANY);
    }

    @Benchmark
    public void ipcacheUpdate() {
        int n = i++ & 0xffff;
        lpm.update(IpcacheKey.CODEC.encode(new IpcacheKey(32, 0x0a000000 | n)),
                IpcacheValue.CODEC.encode(new IpcacheValue(256 + n, 0)), BpfMap.ANY);
    }
}
