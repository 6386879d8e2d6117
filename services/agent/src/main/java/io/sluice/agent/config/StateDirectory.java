package io.sluice.agent.config;

import io.sluice.agent.proc.NodeUser;
import io.sluice.agent.tls.NodeCertificates;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Who may reach what in the node's state directory. Root owns it (mode 0710, group: the node's
 * account), so other users cannot enter and the node's helper processes can only reach what is
 * named here: {@code proxy/} (theirs, 0700: envoy-xds's and Envoy's sockets, Envoy's bootstrap,
 * xDS snapshots, the health sockets of envoy-xds and the relay), Hubble's unix socket and the relay's certificates (group-readable), the DNS
 * zone. The API socket, the store, the CA's and the observer's keys stay root's alone.
 */
public record StateDirectory(Path dir, NodeUser user) {
    public Path proxy() {
        return dir.resolve("proxy");
    }

    /** Idempotent; before the processes start. */
    public void secure() {
        try {
            Files.createDirectories(proxy());
            own(dir, 0, user.gid(), "rwx--x---");
            own(proxy(), user.uid(), user.gid(), "rwx------");
        } catch (IOException e) {
            throw new UncheckedIOException("secure the state directory " + dir, e);
        }
    }

    /** The relay reads the CA and its own certificates; the keys of the CA and the observer stay root's. */
    public void shareWithRelay(NodeCertificates c) {
        try {
            own(c.dir(), 0, user.gid(), "rwx--x---");
            for (Path p : new Path[]{c.ca(), c.client().cert(), c.client().key(), c.relayServer().cert(), c.relayServer().key()}) {
                own(p, 0, user.gid(), "rw-r-----");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("share the relay's certificates in " + c.dir(), e);
        }
    }

    /** A socket root serves to the node's processes: the relay dials Hubble's, Envoy the access-log service. */
    public void shareSocket(Path socket) {
        try {
            own(socket, 0, user.gid(), "rw-rw----");
        } catch (IOException e) {
            throw new UncheckedIOException("share " + socket + " with the node's processes", e);
        }
    }

    /**
     * On purge: everything in the directory that the node's account or its group owned goes back
     * to root alone (group and others lose access), so no later user or group that gets the same
     * number inherits it. Idempotent.
     */
    public void release() {
        try (var all = Files.walk(dir)) {
            for (Path p : all.toList()) {
                if (Files.isSymbolicLink(p)) {
                    continue;
                }
                int uid = (Integer) Files.getAttribute(p, "unix:uid"), gid = (Integer) Files.getAttribute(p, "unix:gid");
                if (uid == user.uid() || gid == user.gid()) {
                    own(p, 0, 0, Files.isDirectory(p) ? "rwx------" : "rw-------");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("give " + dir + " back to root", e);
        }
    }

    private static void own(Path p, int uid, int gid, String mode) throws IOException {
        Files.setAttribute(p, "unix:uid", uid);
        Files.setAttribute(p, "unix:gid", gid);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    }
}
