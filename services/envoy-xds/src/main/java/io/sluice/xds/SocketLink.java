package io.sluice.xds;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The well-known socket path as a symbolic link to the socket of the instance serving now.
 * During a rolling restart two instances run at once (the new one starts before the old one
 * stops, in Envoy's DaemonSet): each listens on a socket of its own beside the link, the new one
 * moves the link to its socket in one rename, and the old one, closing, removes only its own
 * socket, so clients that connect through the link (Envoy, the agent) always find the live one.
 */
final class SocketLink {
    private static final Logger LOG = Logger.getLogger(SocketLink.class);

    private SocketLink() {}

    /** A fresh path for this instance's socket, beside the link: {@code .xds.sock-<pid>-<random>}. */
    static Path instance(Path link) {
        return link.resolveSibling("." + link.getFileName() + "-" + ProcessHandle.current().pid() + "-"
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6));
    }

    /** Removes the sockets of instances that are gone (no one accepts on them), and an old socket file at the link's path. */
    static void removeDead(Path link) throws IOException {
        String prefix = "." + link.getFileName() + "-";
        try (var siblings = Files.list(link.getParent())) {
            for (Path p : siblings.filter(f -> f.getFileName().toString().startsWith(prefix)).toList()) {
                if (!accepts(p)) {
                    Files.deleteIfExists(p);
                }
            }
        }
        if (Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(link)) {
            Files.delete(link);
        }
    }

    /** Points the link at this instance's socket, atomically. */
    static void point(Path link, Path socket) {
        Path tmp = link.resolveSibling("." + link.getFileName() + ".link-" + ProcessHandle.current().pid());
        try {
            Files.deleteIfExists(tmp);
            Files.createSymbolicLink(tmp, socket.getFileName());
            Files.move(tmp, link, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("point " + link + " at " + socket, e);
        }
    }

    /** On stop: removes the link if it still points at this instance (its socket is closing). */
    static void unpoint(Path link, Path socket) {
        try {
            if (Files.isSymbolicLink(link) && Files.readSymbolicLink(link).equals(socket.getFileName())) {
                Files.delete(link);
            }
        } catch (IOException e) {
            LOG.warnf("cannot remove %s: %s", link, e.getMessage());
        }
    }

    private static boolean accepts(Path socket) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            return false;
        }
    }
}
