package io.sluice.bpf;

/** The map types the datapath uses, with their kernel codes (enum bpf_map_type). */
public enum MapType {
    HASH(1), ARRAY(2), LRU_HASH(9), LPM_TRIE(11), HASH_OF_MAPS(13), RINGBUF(27), OTHER(-1);

    private final int code;

    MapType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    static MapType of(int code) {
        for (MapType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return OTHER;
    }
}
