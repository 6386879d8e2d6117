package io.sluice.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Where the node keeps its API socket and state: directories only root can enter or write, so
 * no other local user can reach the socket, read the store, or put a socket of their own in its
 * place for the CLI to talk to.
 */
final class RootOnly {
    private static final Set<PosixFilePermission> OWNER = PosixFilePermissions.fromString("rwx------");

    private RootOnly() {}

    static int uid(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    /** The calling process's uid. */
    static int self() {
        try {
            return uid(Path.of("/proc/self").toRealPath());
        } catch (IOException e) {
            throw new CliException("cannot tell who runs sluice: " + e.getMessage());
        }
    }

    /**
     * Creates {@code dir} (mode 0700), or takes every permission for others from an existing one;
     * it must belong to root. Group permissions stay: the agent gives its own account's group
     * passage (0710), and a running node's helpers keep it across an agent restart.
     */
    static void directory(Path dir) throws IOException {
        if (Files.notExists(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, OWNER);
        }
        if (uid(dir) != 0) {
            throw new CliException(dir + " belongs to uid " + uid(dir) + ", not root: the node keeps its state and API socket"
                    + " only in directories of root's");
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
        perms.removeAll(Set.of(PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE,
                PosixFilePermission.GROUP_WRITE));
        perms.add(PosixFilePermission.OWNER_READ);
        perms.add(PosixFilePermission.OWNER_WRITE);
        perms.add(PosixFilePermission.OWNER_EXECUTE);
        Files.setPosixFilePermissions(dir, perms);
    }

    /**
     * The API socket's directory: created 0700 when missing; an existing one must belong to root
     * and be writable by root alone (in /tmp, anyone could put their own socket there first).
     */
    static void socketDirectory(Path dir) throws IOException {
        if (Files.notExists(dir)) {
            directory(dir);
            return;
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
        if (uid(dir) != 0 || perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new CliException("the node's API socket cannot be in " + dir + " (owner uid " + uid(dir) + ", "
                    + PosixFilePermissions.toString(perms) + "): it must be a directory that only root can write");
        }
    }
}
