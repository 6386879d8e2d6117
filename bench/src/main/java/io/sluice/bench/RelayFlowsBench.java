package io.sluice.bench;

import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.StreamObserver;
import io.smallrye.mutiny.Multi;
import io.sluice.agent.config.NodeProcesses;
import io.sluice.api.grpc.MutinyCalls;
import io.sluice.api.hubble.HubbleChannels;
import io.sluice.api.hubble.HubbleServer;
import io.sluice.api.hubble.HubbleStreams;
import io.sluice.api.hubble.ServerTls;
import io.sluice.api.hubble.observer.GetFlowsRequest;
import io.sluice.api.hubble.observer.GetFlowsResponse;
import io.sluice.api.hubble.observer.ObserverGrpc;
import io.sluice.api.hubble.peer.ChangeNotification;
import io.sluice.api.hubble.peer.ChangeNotificationType;
import io.sluice.api.hubble.peer.NotifyRequest;
import io.sluice.api.hubble.peer.PeerGrpc;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The relay's GetFlows over real gRPC: the built relay (its quarkus-app, started as the agent
 * starts it) finds two nodes through a Peer API on a unix socket, and each node's observer streams
 * {@link #FLOWS} lab-shaped flows with interleaved times; a client follows the relay
 * ({@code hubble observe --follow}) over loopback TCP and counts the merged flows. A round's
 * throughput is all flows over the time from the request to the last flow.
 * <p>
 * Arguments: the checkout, then relay apps to compare ({@code name=path/to/quarkus-app}, by
 * default this checkout's), measured in turns, each first in every other round.
 */
public final class RelayFlowsBench {
    static final int FLOWS = 100_000;
    static final int WARMUP = 3, ROUNDS = 8;
    /** The relay's sort-buffer-len-max (its default). */
    static final int SORT_BUFFER = 100;

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[0]);
        Map<String, Path> apps = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            apps.put(kv[0], Path.of(kv[1]));
        }
        if (apps.isEmpty()) {
            apps.put("relay", home.resolve("services/relay/target/quarkus-app"));
        }
        Path dir = Files.createTempDirectory("sluice-bench-relay-");
        List<HubbleServer> nodes = new ArrayList<>();
        List<Process> relays = new ArrayList<>();
        Map<String, ManagedChannel> channels = new LinkedHashMap<>();
        try {
            List<String> names = List.of("node-1", "node-2");
            for (int i = 0; i < names.size(); i++) {
                nodes.add(new HubbleServer("hubble-server-version", "bench", dir.resolve(names.get(i) + ".sock"), null,
                        ServerTls.PLAINTEXT, new Observer(LabFlows.of(names.get(i), FLOWS, names.size(), i))));
            }
            nodes.add(new HubbleServer("hubble-server-version", "bench", dir.resolve("peer.sock"), null, ServerTls.PLAINTEXT,
                    new Peers(dir, names)));
            for (var app : apps.entrySet()) {
                int port = freePort();
                List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                        NodeProcesses.serviceJvm(home.toString())));
                cmd.addAll(List.of("-Dsluice.relay.peer-service=unix://" + dir.resolve("peer.sock"), "-Dsluice.relay.port=" + port,
                        "-Dsluice.relay.health-port=0", "-Dquarkus.http.domain-socket=" + dir.resolve(app.getKey() + "-health.sock"),
                        "-jar", app.getValue().resolve("quarkus-run.jar").toString()));
                relays.add(new ProcessBuilder(cmd).redirectErrorStream(true)
                        .redirectOutput(dir.resolve(app.getKey() + ".log").toFile()).start());
                channels.put(app.getKey(), HubbleChannels.open("127.0.0.1:" + port));
            }
            Map<String, List<Double>> rates = new LinkedHashMap<>();
            List<String> order = new ArrayList<>(channels.keySet());
            for (int round = 0; round < WARMUP + ROUNDS; round++) {
                for (String name : round % 2 == 0 ? order : order.reversed()) {
                    // the relay holds its sort buffer's last flows until it drains (1 s without new ones)
                    double rate = follow(channels.get(name), 2 * FLOWS - SORT_BUFFER);
                    if (round >= WARMUP) {
                        rates.computeIfAbsent(name, k -> new ArrayList<>()).add(rate);
                    }
                }
            }
            double first = mean(rates.get(order.getFirst()));
            for (String name : order) {
                System.out.printf("%-8s flows/s mean %,.0f  rounds %s  ratio to %s %.3f%n", name, mean(rates.get(name)),
                        rates.get(name).stream().map(r -> String.format("%,.0f", r)).toList(), order.getFirst(),
                        mean(rates.get(name)) / first);
            }
        } finally {
            channels.values().forEach(ManagedChannel::shutdownNow);
            relays.forEach(p -> {
                p.destroy();
                try {
                    p.waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            nodes.forEach(HubbleServer::close);
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    }

    /** Follows the relay until {@code expected} flows came; flows per second from the request on. */
    private static double follow(ManagedChannel relay, int expected) throws Exception {
        for (int attempt = 0; ; attempt++) {
            long start = System.nanoTime();
            Context.CancellableContext ctx = Context.current().withCancellation();
            try {
                int n = ctx.call(() -> {
                    int seen = 0;
                    Iterator<GetFlowsResponse> it = ObserverGrpc.newBlockingStub(relay)
                            .getFlows(GetFlowsRequest.newBuilder().setFollow(true).build());
                    while (seen < expected && it.hasNext()) {
                        if (it.next().hasFlow()) {
                            seen++;
                        }
                    }
                    return seen;
                });
                if (n == expected) {
                    return expected / ((System.nanoTime() - start) / 1e9);
                }
            } catch (RuntimeException e) {
                if (attempt >= 100) {
                    throw e; // the relay never came up, or never found the nodes
                }
                Thread.sleep(200);
            } finally {
                ctx.cancel(null);
            }
        }
    }

    /** A node's observer, served as the agent serves its own: its flows, then the stream stays open, as a followed observer's does. */
    private static final class Observer implements BindableService {
        private final List<GetFlowsResponse> flows;

        Observer(List<GetFlowsResponse> flows) {
            this.flows = flows;
        }

        @Override
        public ServerServiceDefinition bindService() {
            return ServerServiceDefinition.builder(ObserverGrpc.SERVICE_NAME)
                    .addMethod(ObserverGrpc.getGetFlowsMethod(), MutinyCalls.serverStreaming(req -> Multi.createBy().concatenating()
                            .streams(HubbleStreams.flows("node-flows", this::send, () -> { }), Multi.createFrom().nothing())))
                    .build();
        }

        private void send(HubbleStreams.FlowSink sink) throws InterruptedException {
            for (GetFlowsResponse r : flows) {
                if (sink.cancelled()) {
                    return;
                }
                sink.send(r);
            }
        }
    }

    /** The Peer API announcing the nodes, on their unix sockets; the stream stays open. */
    private static final class Peers extends PeerGrpc.PeerImplBase {
        private final Path dir;
        private final List<String> names;

        Peers(Path dir, List<String> names) {
            this.dir = dir;
            this.names = names;
        }

        @Override
        public void notify(NotifyRequest req, StreamObserver<ChangeNotification> out) {
            for (String name : names) {
                out.onNext(ChangeNotification.newBuilder().setName(name).setAddress("unix://" + dir.resolve(name + ".sock"))
                        .setType(ChangeNotificationType.PEER_ADDED).build());
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
