package io.sluice.agent.rest;

import io.quarkus.vertx.http.DomainSocketServerStart;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The node's API is for root only, as a container engine's is: it listens on a unix socket
 * (application.properties: no TCP listener), and the socket is made owner-only (0600) as soon as
 * it is bound. {@code sluice up} also starts the agent with umask 077 in a 0700 state directory,
 * so the socket is never reachable by another user, not even before this runs.
 */
@ApplicationScoped
class ApiSocket {
    private static final Logger LOG = Logger.getLogger(ApiSocket.class);
    private final Path socket;

    ApiSocket(@ConfigProperty(name = "quarkus.http.domain-socket") String socket) {
        this.socket = Path.of(socket);
    }

    void onBound(@ObservesAsync DomainSocketServerStart started) {
        try {
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException("make the node's API socket " + socket + " owner-only", e);
        }
        LOG.infof("node API on unix socket %s (owner only)", socket);
    }
}
