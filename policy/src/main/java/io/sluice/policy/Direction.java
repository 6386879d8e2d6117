package io.sluice.policy;

/** Seen from the endpoint the policy is for. Codes match the datapath's DIR_* constants. */
public enum Direction {
    INGRESS(0), EGRESS(1);

    public final int code;

    Direction(int code) {
        this.code = code;
    }
}
