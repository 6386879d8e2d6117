package io.sluice.api.hubble;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;

import java.util.concurrent.TimeUnit;

/**
 * gRPC channels to Hubble servers, addressed as Hubble's CLI addresses them:
 * {@code host:port}, {@code tls://host:port} (TLS, which a {@link ClientTls} configures),
 * {@code unix:///path/to.sock} (always plaintext).
 */
public final class HubbleChannels {
    private static final EpollEventLoopGroup UNIX_LOOP = new EpollEventLoopGroup(1, Thread.ofPlatform().daemon()
            .name("hubble-unix-client").factory());

    private HubbleChannels() {}

    /** Plaintext TCP or a unix socket; {@code tls://} needs {@link #open(String, ClientTls)}. */
    public static ManagedChannel open(String target) {
        return open(target, ClientTls.PLAINTEXT);
    }

    /**
     * A channel secured as {@code tls} says for TCP targets ({@code tls://} with plaintext is
     * refused with the flags that fix it); unix sockets stay plaintext.
     */
    public static ManagedChannel open(String target, ClientTls tls) {
        if (target.startsWith("unix://")) {
            return NettyChannelBuilder.forAddress(new DomainSocketAddress(target.substring("unix://".length())))
                    .eventLoopGroup(UNIX_LOOP).channelType(EpollDomainSocketChannel.class).usePlaintext()
                    .maxInboundMessageSize(16 << 20).build();
        }
        boolean tlsScheme = target.startsWith("tls://");
        if (tlsScheme && tls instanceof ClientTls.Plaintext) {
            throw new IllegalArgumentException("server " + target + ": TLS needs the CA to trust (--tls-ca-cert-files)");
        }
        String hostPort = tlsScheme ? target.substring(6) : target.startsWith("http://") ? target.substring(7) : target;
        if (hostPort.lastIndexOf(':') < 0) {
            throw new IllegalArgumentException("server " + target + ": expected host:port, tls://host:port or unix:///path");
        }
        NettyChannelBuilder b = NettyChannelBuilder.forTarget(hostPort).keepAliveTime(30, TimeUnit.SECONDS)
                .maxInboundMessageSize(16 << 20);
        if (tls instanceof ClientTls.Plaintext) {
            return b.usePlaintext().build();
        }
        b.sslContext(tls.context());
        if (!tls.serverName().isEmpty()) {
            b.overrideAuthority(tls.serverName());
        }
        return b.build();
    }
}
