package io.sluice.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** The lab's demo applications; {@code deathstar} is the Death Star API the Star Wars demo uses. */
@Command(name = "demo", description = "Demo applications.", subcommands = DemoCommand.Deathstar.class)
class DemoCommand {

    static final String PANIC = """
            Panic: deathstar exploded

            goroutine 1 [running]:
            main.HandleGarbage(0x2080c3f50, 0x2, 0x4, 0x425c0, 0x5, 0xa)
                    /code/src/github.com/empire/deathstar/
                    temp/main.go:9 +0x64
            main.main()
                    /code/src/github.com/empire/deathstar/
                    temp/main.go:5 +0x85
            """;

    @Command(name = "deathstar", description = "Serve the Death Star API: POST /v1/request-landing, PUT /v1/exhaust-port,"
            + " GET /v1/ (JSON with the replica's hostname).")
    static class Deathstar implements Callable<Integer> {
        @Option(names = "--port", defaultValue = "80")
        int port;
        @Option(names = "--name", defaultValue = "${env:HOSTNAME:-deathstar}", description = "Replica name, in GET / and X-Served-By.")
        String name;

        @Override
        public Integer call() throws Exception {
            HttpServer server = HttpServer.create(new InetSocketAddress(port), 128);
            // Requests are answered on the server's own thread: each answer is a few bytes made
            // without waiting on anything, and handing it to another thread would cost more than
            // the answer itself (one more wake-up per request, on the path every benchmark measures).
            server.setExecutor(null);
            server.createContext("/", this::handle);
            server.start();
            System.out.println("deathstar " + name + " listening on :" + port);
            new CountDownLatch(1).await();
            return 0;
        }

        private void handle(HttpExchange ex) throws IOException {
            String method = ex.getRequestMethod(), path = ex.getRequestURI().getPath();
            ex.getRequestBody().readAllBytes();
            ex.getResponseHeaders().add("X-Served-By", name);
            if (method.equals("POST") && path.equals("/v1/request-landing")) {
                reply(ex, 200, "Ship landed\n");
            } else if (method.equals("PUT") && path.equals("/v1/exhaust-port")) {
                reply(ex, 503, PANIC);
            } else if (method.equals("GET") && (path.equals("/") || path.equals("/v1") || path.equals("/v1/"))) {
                // The lab's exam reads .hostname (curl .../v1/ | jq -r .hostname) to count replicas.
                reply(ex, 200, "{\"name\":\"Death Star\",\"model\":\"DS-1 Orbital Battle Station\",\"hostname\":\"" + name
                        + "\",\"replica\":\"" + name + "\"}\n");
            } else {
                reply(ex, 404, "404 page not found\n");
            }
        }

        private static void reply(HttpExchange ex, int status, String body) throws IOException {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        }
    }
}
