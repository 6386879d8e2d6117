package io.sluice.bench;

import com.google.protobuf.Timestamp;
import io.sluice.api.hubble.flow.Endpoint;
import io.sluice.api.hubble.flow.Flow;
import io.sluice.api.hubble.flow.IP;
import io.sluice.api.hubble.flow.Layer4;
import io.sluice.api.hubble.flow.TCP;
import io.sluice.api.hubble.flow.Verdict;
import io.sluice.api.hubble.observer.GetFlowsResponse;

import java.util.ArrayList;
import java.util.List;

/** Lab-shaped GetFlows answers for the relay's benchmarks: xwing to deathstar over TCP, with pods, labels and addresses. */
final class LabFlows {
    private LabFlows() {}

    /**
     * {@code count} flows of {@code node}, the n-th at {@code (stride * n + offset)} µs after a fixed
     * start: nodes with the same stride and different offsets interleave in time.
     */
    static List<GetFlowsResponse> of(String node, int count, int stride, int offset) {
        Endpoint xwing = Endpoint.newBuilder().setID(4).setIdentity(258).setNamespace("default").setPodName("xwing")
                .addLabels("k8s:class=xwing").addLabels("k8s:org=alliance").addLabels("k8s:io.kubernetes.pod.namespace=default").build();
        Endpoint deathstar = Endpoint.newBuilder().setID(2).setIdentity(256).setNamespace("default").setPodName("deathstar-1")
                .addLabels("k8s:class=deathstar").addLabels("k8s:org=empire").addLabels("k8s:io.kubernetes.pod.namespace=default").build();
        List<GetFlowsResponse> out = new ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            long nanos = 1_700_000_000_000_000_000L + ((long) stride * n + offset) * 1_000L;
            Timestamp t = Timestamp.newBuilder().setSeconds(nanos / 1_000_000_000L).setNanos((int) (nanos % 1_000_000_000L)).build();
            out.add(GetFlowsResponse.newBuilder().setTime(t).setNodeName(node).setFlow(Flow.newBuilder().setTime(t)
                    .setVerdict(Verdict.FORWARDED).setNodeName(node).setSource(xwing).setDestination(deathstar)
                    .setIP(IP.newBuilder().setSource("10.200.0.4").setDestination("10.200.0.2"))
                    .setL4(Layer4.newBuilder().setTCP(TCP.newBuilder().setSourcePort(40000 + n % 20000).setDestinationPort(80)))
                    .setSummary("TCP Flags: SYN")).build());
        }
        return out;
    }
}
