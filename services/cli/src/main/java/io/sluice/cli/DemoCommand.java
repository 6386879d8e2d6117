package io.sluice.cli;

import com.google.protobuf.CodedOutputStream;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.sluice.api.hubble.HubbleServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * The lab's demo applications: {@code deathstar} is the Death Star API the Star Wars demo uses,
 * {@code currency} the gRPC currency service of its L7 load-balancing part.
 */
@Command(name = "demo", description = "Demo applications.", subcommands = {DemoCommand.Deathstar.class, DemoCommand.Currency.class})
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

    /**
     * The currency service of the lab's gRPC part: {@code hipstershop.CurrencyService/GetSupportedCurrencies}
     * over plaintext HTTP/2, as {@code demo/proto/currency.proto} describes it (grpcurl -proto). Each
     * answer names the replica in its {@code hostname} header, so a client can count replicas.
     */
    @Command(name = "currency", description = "Serve hipstershop.CurrencyService/GetSupportedCurrencies over gRPC (plaintext);"
            + " each answer carries the replica's name in the 'hostname' header.")
    static class Currency implements Callable<Integer> {
        static final List<String> CODES = List.of("EUR", "USD", "JPY", "BGN", "CZK", "DKK", "GBP", "HUF", "PLN", "RON", "SEK",
                "CHF", "ISK", "NOK", "HRK", "RUB", "TRY", "AUD", "BRL", "CAD", "CNY", "HKD", "IDR", "ILS", "INR", "KRW", "MXN",
                "MYR", "NZD", "PHP", "SGD", "THB", "ZAR");

        @Option(names = "--port", defaultValue = "7000")
        int port;
        @Option(names = "--name", defaultValue = "${env:HOSTNAME:-currencyservice}", description = "Replica name, in the 'hostname' header.")
        String name;

        @Override
        public Integer call() throws Exception {
            // No generated stubs: the method takes hipstershop.Empty (no bytes) and answers
            // GetSupportedCurrenciesResponse {repeated string currency_codes = 1}, encoded here.
            MethodDescriptor.Marshaller<byte[]> bytes = new MethodDescriptor.Marshaller<>() {
                @Override
                public InputStream stream(byte[] value) {
                    return new ByteArrayInputStream(value);
                }

                @Override
                public byte[] parse(InputStream stream) {
                    try {
                        return stream.readAllBytes();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            };
            MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
                    .setType(MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName("hipstershop.CurrencyService/GetSupportedCurrencies")
                    .setRequestMarshaller(bytes).setResponseMarshaller(bytes).build();
            byte[] answer = supportedCurrencies();
            ServerServiceDefinition service = ServerServiceDefinition.builder("hipstershop.CurrencyService")
                    .addMethod(method, ServerCalls.asyncUnaryCall((request, response) -> {
                        response.onNext(answer);
                        response.onCompleted();
                    })).build();
            Server server = NettyServerBuilder.forPort(port)
                    .addService(ServerInterceptors.intercept(service, HubbleServer.responseHeader("hostname", name))).build().start();
            System.out.println("currency service " + name + " listening on :" + port);
            server.awaitTermination();
            return 0;
        }

        static byte[] supportedCurrencies() throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            CodedOutputStream coded = CodedOutputStream.newInstance(out);
            for (String code : CODES) {
                coded.writeString(1, code);
            }
            coded.flush();
            return out.toByteArray();
        }
    }
}
