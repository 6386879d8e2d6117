package io.sluice.policy;

/** How an entry matched, as policy-verdict events report it. Codes match the datapath's MATCH_*. */
public enum MatchType {
    NONE(0), L3_ONLY(1), L3_L4(2), L4_ONLY(3), ALL(4);

    public final int code;

    MatchType(int code) {
        this.code = code;
    }

    static MatchType of(boolean anyPeer, boolean anyPort) {
        if (anyPeer) {
            return anyPort ? ALL : L4_ONLY;
        }
        return anyPort ? L3_ONLY : L3_L4;
    }
}
