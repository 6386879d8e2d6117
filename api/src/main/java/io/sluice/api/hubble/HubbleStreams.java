package io.sluice.api.hubble;

import io.grpc.stub.ServerCallStreamObserver;

import java.util.concurrent.locks.LockSupport;

/** Server-streaming answers of Hubble's API, shared by the agent's observer and the relay. */
public final class HubbleStreams {
    private HubbleStreams() {}

    /**
     * Sends when the client can take more, rather than queueing without bound: a slow client
     * slows its own stream (and, on the agent, falls behind the buffer and is told what it lost).
     */
    public static <T> void sendWhenReady(ServerCallStreamObserver<T> call, T message) {
        while (!call.isReady() && !call.isCancelled()) {
            LockSupport.parkNanos(200_000);
        }
        if (!call.isCancelled()) {
            call.onNext(message);
        }
    }
}
