package io.sluice.agent.bpf;

import io.sluice.bpf.datapath.TypedMap;

import java.util.HashMap;
import java.util.Map;

/**
 * A kernel map together with what we last wrote to it, so a sync touches only what changed.
 * The contents are read from the kernel once, on first use (a restarted agent learns what the
 * previous one left). Writes go in order: new and changed entries first, stale ones last.
 * Not thread-safe: one owner.
 */
final class MapMirror<K, V> {
    private final TypedMap<K, V> map;
    private Map<K, V> known;

    MapMirror(TypedMap<K, V> map) {
        this.map = map;
    }

    TypedMap<K, V> map() {
        return map;
    }

    Map<K, V> known() {
        if (known == null) {
            known = new HashMap<>();
            for (K k : map.keySet()) {
                map.get(k).ifPresent(v -> known.put(k, v));
            }
        }
        return known;
    }

    /** Adds and changes entries to match want, without removing any. */
    void upsert(Map<K, V> want) {
        Map<K, V> have = known();
        want.forEach((k, v) -> {
            if (!v.equals(have.get(k))) {
                map.put(k, v);
                have.put(k, v);
            }
        });
    }

    /** Removes every entry not in keep. */
    void removeOthers(java.util.Set<K> keep) {
        known().keySet().removeIf(k -> {
            if (keep.contains(k)) {
                return false;
            }
            map.remove(k);
            return true;
        });
    }

    void sync(Map<K, V> want) {
        upsert(want);
        removeOthers(want.keySet());
    }
}
