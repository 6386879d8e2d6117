package io.sluice.policy;

import java.util.List;

/** L4 protocols of toPorts, with their IP protocol numbers. */
public enum Protocol {
    ANY(0), TCP(6), UDP(17), SCTP(132), ICMP(1);

    public final int number;

    Protocol(int number) {
        this.number = number;
    }

    /** What a rule for this protocol covers: ANY with a port means TCP, UDP and SCTP (Cilium's rule). */
    public List<Protocol> expand() {
        return this == ANY ? List.of(TCP, UDP, SCTP) : List.of(this);
    }
}
