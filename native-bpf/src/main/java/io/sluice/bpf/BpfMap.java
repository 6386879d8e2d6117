package io.sluice.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A kernel BPF map reached by file descriptor, with raw byte keys and values whose sizes are
 * checked on every call. Thread-safe: calls are serialised on the map's scratch buffers, which
 * keeps a hot update loop free of allocation (about a syscall per update).
 *
 * <p>Maps opened from an object are owned by it; maps from {@link #create} or
 * {@link #openPinned} own their descriptor and release it on {@link #close}.
 */
public final class BpfMap implements AutoCloseable {
    /** Update flags of bpf_map_update_elem. */
    public static final long ANY = 0, NO_EXIST = 1, EXIST = 2;

    private final String name;
    private final int fd;
    private final MapType type;
    private final int keySize;
    private final int valueSize;
    private final int maxEntries;
    private final boolean ownsFd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment key;
    private final MemorySegment nextKey;
    private final MemorySegment value;

    BpfMap(String name, int fd, boolean ownsFd) {
        this.name = name;
        this.fd = fd;
        this.ownsFd = ownsFd;
        MapInfo info = MapInfo.of(fd, name);
        this.type = info.type();
        this.keySize = info.keySize();
        this.valueSize = info.valueSize();
        this.maxEntries = info.maxEntries();
        this.key = arena.allocate(Math.max(keySize, 1), 8);
        this.nextKey = arena.allocate(Math.max(keySize, 1), 8);
        this.value = arena.allocate(Math.max(valueSize, 8), 8);
    }

    /** Creates an unpinned map, for example an inner map of a map-of-maps. */
    public static BpfMap create(MapSpec spec) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment opts = a.allocate(48, 8);
            opts.set(ValueLayout.JAVA_LONG, 0, 32);       // sz: up to and including map_flags
            opts.set(ValueLayout.JAVA_INT, 28, spec.flags());
            int fd = Libbpf.call(Libbpf.MAP_CREATE, spec.type().code(), a.allocateFrom(spec.name()),
                    spec.keySize(), spec.valueSize(), spec.maxEntries(), opts);
            if (fd < 0) {
                throw new BpfException("create map", spec.name(), -fd);
            }
            return new BpfMap(spec.name(), fd, true);
        }
    }

    /** Opens a map pinned in bpffs; fails with ENOENT when nothing is pinned there. */
    public static BpfMap openPinned(String path) {
        try (Arena a = Arena.ofConfined()) {
            int fd = Libbpf.call(Libbpf.OBJ_GET, a.allocateFrom(path));
            if (fd < 0) {
                throw new BpfException("open pinned map", path, -fd);
            }
            return new BpfMap(path, fd, true);
        }
    }

    /** Pins this map at a bpffs path; the path must not exist. */
    public void pin(String path) {
        try (Arena a = Arena.ofConfined()) {
            int rc = Libbpf.call(Libbpf.OBJ_PIN, fd, a.allocateFrom(path));
            if (rc < 0) {
                throw new BpfException("pin map " + name + " at", path, -rc);
            }
        }
    }

    public String name() { return name; }
    public int fd() { return fd; }
    public MapType type() { return type; }
    public int keySize() { return keySize; }
    public int valueSize() { return valueSize; }
    /** The map's capacity, as the kernel reports it. */
    public int maxEntries() { return maxEntries; }

    /** Inserts or replaces ({@link #ANY}), or only inserts ({@link #NO_EXIST}), or only replaces ({@link #EXIST}). */
    public synchronized void update(byte[] k, byte[] v, long flags) {
        checkSize("key", k, keySize);
        checkSize("value", v, valueSize);
        MemorySegment.copy(k, 0, key, ValueLayout.JAVA_BYTE, 0, keySize);
        MemorySegment.copy(v, 0, value, ValueLayout.JAVA_BYTE, 0, valueSize);
        int rc;
        try {
            rc = (int) Libbpf.MAP_UPDATE.invokeExact(fd, key, value, flags);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (rc < 0) {
            throw new BpfException("update", name, -rc);
        }
    }

    /** The value under k, or empty when the key is absent. */
    public synchronized Optional<byte[]> lookup(byte[] k) {
        checkSize("key", k, keySize);
        MemorySegment.copy(k, 0, key, ValueLayout.JAVA_BYTE, 0, keySize);
        int rc;
        try {
            rc = (int) Libbpf.MAP_LOOKUP.invokeExact(fd, key, value);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (rc == -Errno.ENOENT) {
            return Optional.empty();
        }
        if (rc < 0) {
            throw new BpfException("lookup", name, -rc);
        }
        return Optional.of(value.asSlice(0, valueSize).toArray(ValueLayout.JAVA_BYTE));
    }

    /** Removes k; returns false when it was absent. */
    public synchronized boolean delete(byte[] k) {
        checkSize("key", k, keySize);
        MemorySegment.copy(k, 0, key, ValueLayout.JAVA_BYTE, 0, keySize);
        int rc;
        try {
            rc = (int) Libbpf.MAP_DELETE.invokeExact(fd, key);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (rc == -Errno.ENOENT) {
            return false;
        }
        if (rc < 0) {
            throw new BpfException("delete", name, -rc);
        }
        return true;
    }

    /** A snapshot of the keys; entries changed concurrently by the kernel may be missed. */
    public synchronized List<byte[]> keys() {
        List<byte[]> out = new ArrayList<>();
        MemorySegment prev = MemorySegment.NULL;
        while (true) {
            int rc = Libbpf.call(Libbpf.MAP_NEXT_KEY, fd, prev, nextKey);
            if (rc == -Errno.ENOENT) {
                return out;
            }
            if (rc < 0) {
                throw new BpfException("iterate", name, -rc);
            }
            out.add(nextKey.asSlice(0, keySize).toArray(ValueLayout.JAVA_BYTE));
            MemorySegment.copy(nextKey, 0, key, 0, keySize);
            prev = key;
        }
    }

    private void checkSize(String what, byte[] bytes, int expected) {
        if (bytes.length != expected) {
            throw new IllegalArgumentException(name + ": " + what + " is " + bytes.length + " bytes, map wants " + expected);
        }
    }

    @Override
    public void close() {
        if (ownsFd) {
            Libbpf.closeFd(fd);
        }
        arena.close();
    }
}
