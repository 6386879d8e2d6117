package io.sluice.api.hubble;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;

import java.util.concurrent.TimeUnit;

/**
 * gRPC channels to Hubble servers, addressed as Hubble's CLI addresses them:
 * {@code host:port}, {@code unix:///path/to.sock}. {@code tls://} is refused with a clear
 * message: this build serves and dials plaintext only.
 */
public final class HubbleChannels {
    private static final EpollEventLoopGroup UNIX_LOOP = new EpollEventLoopGroup(1, Thread.ofPlatform().daemon()
            .name("hubble-unix-client").factory());

    private HubbleChannels() {}

    public static ManagedChannel open(String target) {
        if (target.startsWith("tls://")) {
            throw new IllegalArgumentException("server " + target + ": TLS is not supported; use host:port or unix:///path");
        }
        NettyChannelBuilder b;
        if (target.startsWith("unix://")) {
            b = NettyChannelBuilder.forAddress(new DomainSocketAddress(target.substring("unix://".length())))
                    .eventLoopGroup(UNIX_LOOP).channelType(EpollDomainSocketChannel.class);
        } else {
            String hostPort = target.startsWith("http://") ? target.substring(7) : target;
            if (hostPort.lastIndexOf(':') < 0) {
                throw new IllegalArgumentException("server " + target + ": expected host:port or unix:///path");
            }
            b = NettyChannelBuilder.forTarget(hostPort).keepAliveTime(30, TimeUnit.SECONDS);
        }
        return b.usePlaintext().maxInboundMessageSize(16 << 20).build();
    }
}
