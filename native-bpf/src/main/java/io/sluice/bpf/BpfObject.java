package io.sluice.bpf;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;

/**
 * A loaded BPF object file. Maps declared with {@code LIBBPF_PIN_BY_NAME} are pinned under
 * the pin root, and an existing compatible pin is reused instead of created: that is how a
 * restarted agent keeps the kernel's state (conntrack, policy) while it loads new programs.
 * Not thread-safe for opening and closing; the returned maps are.
 */
public final class BpfObject implements AutoCloseable {
    private final MemorySegment obj;
    private final Map<String, BpfMap> maps = new HashMap<>();
    private final Map<String, BpfProgram> programs = new HashMap<>();

    private BpfObject(MemorySegment obj) {
        this.obj = obj;
    }

    /** Opens and loads the object at path, pinning its pinnable maps under pinRoot (created if missing). */
    public static BpfObject load(Path path, Path pinRoot) {
        try {
            Files.createDirectories(pinRoot);
        } catch (IOException e) {
            throw new UncheckedIOException("create pin root " + pinRoot, e);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment opts = a.allocate(64, 8);
            opts.set(ValueLayout.JAVA_LONG, 0, 32);            // sz: up to and including pin_root_path
            opts.set(ValueLayout.ADDRESS, 24, a.allocateFrom(pinRoot.toString()));
            MemorySegment state = Libbpf.callState(a);
            MemorySegment obj;
            try {
                obj = (MemorySegment) Libbpf.OBJECT_OPEN_FILE.invokeExact(state, a.allocateFrom(path.toString()), opts);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            if (obj.equals(MemorySegment.NULL)) {
                throw new BpfException("open object", path.toString(), Libbpf.errno(state));
            }
            int rc = Libbpf.call(Libbpf.OBJECT_LOAD, obj);
            if (rc < 0) {
                Libbpf.run(Libbpf.OBJECT_CLOSE, obj);
                throw new BpfException("load object (verifier log above on stderr)", path.toString(), -rc);
            }
            return new BpfObject(obj);
        }
    }

    /** Loads an object shipped as a class-path resource, e.g. {@code /bpf/datapath.bpf.o}. */
    public static BpfObject loadResource(String resource, Path pinRoot) {
        try (InputStream in = BpfObject.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("BPF object " + resource + " is not on the class path (was native-bpf built with clang?)");
            }
            Path tmp = Files.createTempFile("sluice-", ".bpf.o");
            try {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                return load(tmp, pinRoot);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("read BPF object " + resource, e);
        }
    }

    public synchronized BpfMap map(String name) {
        return maps.computeIfAbsent(name, n -> {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment m = (MemorySegment) invoke(Libbpf.FIND_MAP, obj, a.allocateFrom(n));
                if (m.equals(MemorySegment.NULL)) {
                    throw new IllegalArgumentException("no map " + n + " in object");
                }
                return new BpfMap(n, Libbpf.call(Libbpf.MAP_FD, m), false);
            }
        });
    }

    public synchronized BpfProgram program(String name) {
        return programs.computeIfAbsent(name, n -> {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment p = (MemorySegment) invoke(Libbpf.FIND_PROGRAM, obj, a.allocateFrom(n));
                if (p.equals(MemorySegment.NULL)) {
                    throw new IllegalArgumentException("no program " + n + " in object");
                }
                return new BpfProgram(n, Libbpf.call(Libbpf.PROGRAM_FD, p));
            }
        });
    }

    private static Object invoke(java.lang.invoke.MethodHandle h, Object... args) {
        try {
            return h.invokeWithArguments(args);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Releases the object's descriptors; programs attached to tc and pinned maps stay in the kernel. */
    @Override
    public synchronized void close() {
        maps.values().forEach(BpfMap::close);
        Libbpf.run(Libbpf.OBJECT_CLOSE, obj);
    }
}
