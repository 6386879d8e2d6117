package io.sluice.relay;

import io.grpc.stub.StreamObserver;
import io.smallrye.mutiny.Uni;
import io.sluice.api.hubble.observer.ObserverGrpc;
import io.sluice.api.hubble.relay.NodeState;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * One call to every node at once, each within {@link #DEADLINE}, so nodes that do not answer
 * cost one deadline together, not one each; the answers come in the nodes' order, each what the
 * node said or how it failed. A node that answered is marked reached, one that failed is marked
 * failed ({@link Peers#failed}).
 */
final class NodeAnswers {
    static final Duration DEADLINE = Duration.ofSeconds(3);

    private NodeAnswers() {}

    /** One node's answer to a call: what it said, or how it failed. */
    sealed interface Answer<T> {
        Peers.Peer peer();
    }

    record Answered<T>(Peers.Peer peer, T value) implements Answer<T> {}

    /** {@code state}: what the failure makes of the node (unavailable, or an error such as TLS refused). */
    record Failed<T>(Peers.Peer peer, NodeState state) implements Answer<T> {}

    /** {@code call}: the unary call, made on a node's stub and answering to the observer; {@code peers} null: no nodes yet. */
    static <T> Uni<List<Answer<T>>> ask(Peers peers, BiConsumer<ObserverGrpc.ObserverStub, StreamObserver<T>> call) {
        List<Peers.Peer> nodes = peers == null ? List.of() : List.copyOf(peers.all());
        if (nodes.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        List<Uni<Answer<T>>> asked = nodes.stream().map(p -> Uni.createFrom().<T>emitter(e -> call.accept(
                        ObserverGrpc.newStub(p.channel()).withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS),
                        new StreamObserver<>() {
                            @Override
                            public void onNext(T value) {
                                e.complete(value);
                            }

                            @Override
                            public void onError(Throwable t) {
                                e.fail(t);
                            }

                            @Override
                            public void onCompleted() {
                            }
                        }))
                .<Answer<T>>map(value -> {
                    peers.reached(p);
                    return new Answered<>(p, value);
                })
                .onFailure().recoverWithItem(failure -> new Failed<>(p, peers.failed(p, failure)))).toList();
        return Uni.join().all(asked).andFailFast();
    }
}
