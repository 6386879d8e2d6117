package io.sluice.bpf.datapath;

import io.sluice.bpf.BpfMap;

import java.util.List;
import java.util.Optional;

/** A {@link BpfMap} seen through codecs. Thread-safe as the map is. */
public record TypedMap<K, V>(BpfMap map, Codec<K> keys, Codec<V> values) {

    public TypedMap {
        if (map.keySize() != keys.size() || map.valueSize() != values.size()) {
            throw new IllegalArgumentException(map.name() + ": layout " + keys.size() + "/" + values.size()
                    + " bytes does not match the kernel's " + map.keySize() + "/" + map.valueSize()
                    + " (object and Java out of step?)");
        }
    }

    public void put(K key, V value) {
        map.update(keys.encode(key), values.encode(value), BpfMap.ANY);
    }

    public Optional<V> get(K key) {
        return map.lookup(keys.encode(key)).map(values::decode);
    }

    public boolean remove(K key) {
        return map.delete(keys.encode(key));
    }

    public List<K> keySet() {
        return map.keys().stream().map(keys::decode).toList();
    }
}
