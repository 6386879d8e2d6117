package io.sluice.cli;

import io.sluice.api.node.PodView;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The build's training run of the CLI's AOT cache ({@code services/cli/pom.xml}): {@code bin/sluice get pods}
 * with {@code SLUICE_AOT_OUTPUT} set, against a socket of its own that answers as a node's API does, with
 * pods made of the API's own records. The cache then holds what a run against a node loads and links
 * (reading the answer, Jackson's deserializers for it, printing the table), not only what a failing run
 * does. No node runs during a build; a trained cache's classes are all a run reuses of it, so the
 * answer's content does not matter, only its shape. Arguments: the {@code bin/sluice} to run and the
 * cache to write. A run that fails (a build as a user other than root, whose socket the CLI refuses)
 * still leaves a cache, of what that run loaded.
 */
public final class AotTraining {
    private AotTraining() {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("sluice-aot-training");
        Path socket = dir.resolve("api.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread answering = Thread.ofPlatform().daemon().start(() -> answer(server));
            ProcessBuilder pb = new ProcessBuilder(args[0], "--node", "unix://" + socket, "get", "pods").inheritIO();
            pb.environment().put("SLUICE_AOT_OUTPUT", args[1]);
            int rc = pb.start().waitFor();
            answering.interrupt();
            if (rc != 0) { // e.g. a build as a user other than root: the socket is not root's
                System.err.println("AOT training: " + args[0] + " exited " + rc + "; its cache holds what that run loaded");
            }
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }

    private static void answer(ServerSocketChannel server) {
        List<PodView> pods = List.of(
                new PodView("deathstar", "default", "10.0.0.2", 1, 256, Map.of("org", "empire", "class", "deathstar"),
                        "/var/run/netns/sluice-deathstar", "lxc0", 100, "Running", List.of("sluice", "demo", "deathstar")),
                new PodView("xwing", "default", "10.0.0.3", 2, 257, Map.of("org", "alliance", "class", "xwing"),
                        "/var/run/netns/sluice-xwing", "lxc1", 101, "Running", List.of("sleep", "infinity")));
        while (true) {
            try (SocketChannel c = server.accept()) {
                ByteBuffer in = ByteBuffer.allocate(64 * 1024);
                String request = "";
                while (!request.contains("\r\n\r\n") && c.read(in) > 0) {
                    request = new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII);
                }
                byte[] body = (request.startsWith("GET /v1/pods ") ? NodeClient.JSON.writeValueAsString(pods) : "[]")
                        .getBytes(StandardCharsets.UTF_8);
                byte[] head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                c.write(ByteBuffer.wrap(head));
                c.write(ByteBuffer.wrap(body));
            } catch (IOException e) {
                return; // closed: training is over
            }
        }
    }
}
