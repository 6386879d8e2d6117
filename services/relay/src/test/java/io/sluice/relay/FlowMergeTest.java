package io.sluice.relay;

import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.sluice.api.hubble.HubbleStreams;
import io.sluice.api.hubble.flow.Flow;
import io.sluice.api.hubble.observer.GetFlowsRequest;
import io.sluice.api.hubble.observer.GetFlowsResponse;
import io.sluice.api.hubble.relay.NodeState;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FlowMergeTest {
    @Test
    void answersOfSeveralNodes_comeOutInTimeOrder_cutToTheLastN() throws Exception {
        List<GetFlowsResponse> out = run(GetFlowsRequest.newBuilder().setNumber(4).build(),
                node("a", 1, 4, 7), node("b", 2, 5, 8), node("c", 3, 6, 9));
        assertThat(times(out)).containsExactly(6L, 7L, 8L, 9L);
        assertThat(out.get(0).getNodeName()).isEqualTo("c");
        assertThat(times(run(GetFlowsRequest.newBuilder().setNumber(2).setFirst(true).build(), node("a", 5, 6), node("b", 1, 9))))
                .containsExactly(1L, 5L);
    }

    @Test
    void followingMergesThroughTheSortBuffer() throws Exception {
        GetFlowsRequest follow = GetFlowsRequest.newBuilder().setFollow(true).build();
        assertThat(times(new FlowMergeRun(8).run(follow, node("a", 1, 3, 5, 7), node("b", 2, 4, 6, 8))))
                .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
        // A buffer smaller than the skew between nodes orders less, but never loses an answer.
        assertThat(times(new FlowMergeRun(1).run(follow, node("a", 1, 3, 5, 7), node("b", 2, 4, 6, 8))))
                .containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
    }

    @Test
    void aFailingNode_isReportedUnavailable_andTheOthersStillAnswer() throws Exception {
        List<GetFlowsResponse> out = run(GetFlowsRequest.getDefaultInstance(), node("a", 1, 2), new FlowMerge.Upstream() {
            public String name() { return "b"; }

            public void stream(GetFlowsRequest r, Consumer<GetFlowsResponse> sink) {
                throw Status.UNAVAILABLE.withDescription("connection refused").asRuntimeException();
            }
        });
        assertThat(out).anyMatch(r -> r.hasNodeStatus() && r.getNodeStatus().getStateChange() == NodeState.NODE_UNAVAILABLE
                && r.getNodeStatus().getNodeNamesList().equals(List.of("b")) && r.getNodeStatus().getMessage().contains("refused"));
        assertThat(times(out)).containsExactly(1L, 2L);
    }

    @Test
    void aRequestTheNodesRefuse_endsTheMergeWithTheirStatus() {
        FlowMerge.Upstream refusing = new FlowMerge.Upstream() {
            public String name() { return "a"; }

            public void stream(GetFlowsRequest r, Consumer<GetFlowsResponse> sink) {
                throw Status.INVALID_ARGUMENT.withDescription("protocol: unknown protocol 'x'").asRuntimeException();
            }
        };
        assertThatThrownBy(() -> run(GetFlowsRequest.getDefaultInstance(), refusing))
                .hasMessageContaining("INVALID_ARGUMENT").hasMessageContaining("unknown protocol");
    }

    static List<GetFlowsResponse> run(GetFlowsRequest req, FlowMerge.Upstream... ups) throws InterruptedException {
        return new FlowMergeRun(100).run(req, ups);
    }

    record FlowMergeRun(int sortCapacity) {
        List<GetFlowsResponse> run(GetFlowsRequest req, FlowMerge.Upstream... ups) throws InterruptedException {
            List<GetFlowsResponse> out = new CopyOnWriteArrayList<>();
            new FlowMerge(List.of(ups), sortCapacity, 200).run(req, new HubbleStreams.FlowSink() {
                public void send(GetFlowsResponse r) {
                    out.add(r);
                }

                public boolean cancelled() {
                    return false;
                }
            });
            return out;
        }
    }

    static FlowMerge.Upstream node(String name, long... seconds) {
        return new FlowMerge.Upstream() {
            public String name() { return name; }

            public void stream(GetFlowsRequest r, Consumer<GetFlowsResponse> sink) {
                for (long s : seconds) {
                    Timestamp t = Timestamp.newBuilder().setSeconds(s).build();
                    sink.accept(GetFlowsResponse.newBuilder().setFlow(Flow.newBuilder().setTime(t).setNodeName(name))
                            .setTime(t).setNodeName(name).build());
                }
            }
        };
    }

    static List<Long> times(List<GetFlowsResponse> out) {
        List<Long> t = new ArrayList<>();
        out.stream().filter(GetFlowsResponse::hasFlow).forEach(r -> t.add(r.getTime().getSeconds()));
        return t;
    }
}
