package io.sluice.api.node;

/**
 * One datapath event, decoded: {@code type} is drop, trace or policy-verdict; {@code reason}
 * the drop reason code (133 Policy denied...); addresses and ports from the packet.
 */
public record EventView(long seq, long timeNanos, String type, int code, String detail, int endpointId,
                        int srcIdentity, int dstIdentity, String src, String dst, String protocol, String tcpFlags,
                        String summary) {
}
