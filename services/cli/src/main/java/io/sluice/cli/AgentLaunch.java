package io.sluice.cli;

import io.sluice.api.proc.ProcessRef;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Starting the node's agent, as {@code sluice up} does, and again from the command {@code up}
 * recorded beside the API socket ({@code agent.command}), for {@code sluice down} to reach an
 * agent that is gone: it crashed (its helpers and pods still run) or was stopped without a
 * purge. The file holds the agent's argv, NUL-separated. Root runs it, so it is used only when
 * root owns it and its directory and no one else may write either.
 */
record AgentLaunch(List<String> command, Path stateDir) {
    static final String FILE = "agent.command";

    /** Starts the agent, logging to STATE_DIR/agent.log, and records its command beside {@code apiSocket}. */
    Process start(Path apiSocket) throws IOException {
        Path log = stateDir.resolve("agent.log");
        Process p = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        Files.writeString(stateDir.resolve("agent.pid"), Long.toString(p.pid()));
        Path file = apiSocket.toAbsolutePath().getParent().resolve(FILE), tmp = file.resolveSibling(FILE + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, String.join("\0", command), StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return p;
    }

    /**
     * Waits until the agent answers, printing a dot every 200 ms after {@code what} ("Starting
     * Sluice node"); a CliException with the log's last lines when the agent exits first, or when
     * {@code timeoutSeconds} pass.
     */
    void awaitReady(NodeClient client, Process p, String what, int timeoutSeconds) throws IOException, InterruptedException {
        Path log = stateDir.resolve("agent.log");
        System.out.print(what);
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        while (!client.reachable()) {
            if (!p.isAlive()) {
                System.out.println();
                throw new CliException("the agent exited with " + p.exitValue() + " while starting; last lines of " + log
                        + ":\n" + tail(log, 15));
            }
            if (System.nanoTime() > deadline) {
                System.out.println();
                throw new CliException("the agent did not become ready within " + timeoutSeconds + "s; see " + log);
            }
            System.out.print(".");
            Thread.sleep(200);
        }
        System.out.println();
    }

    /**
     * The command {@code sluice up} recorded beside {@code apiSocket}, if there is one that only
     * root could have written; one that others could have is refused by name.
     */
    static Optional<AgentLaunch> recorded(Path apiSocket) throws IOException {
        Path dir = apiSocket.toAbsolutePath().getParent(), file = dir.resolve(FILE);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        for (Path p : List.of(dir, file)) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
            if (RootOnly.uid(p) != 0 || perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
                throw new CliException("the agent's recorded command " + file + " is not used: " + p + " (owner uid " + RootOnly.uid(p)
                        + ", " + PosixFilePermissions.toString(perms) + ") could be written by someone other than root");
            }
        }
        List<String> command = Arrays.asList(Files.readString(file, StandardCharsets.UTF_8).split("\0"));
        return command.stream().filter(a -> a.startsWith("-Dsluice.state-dir=")).findFirst()
                .map(a -> new AgentLaunch(command, Path.of(a.substring("-Dsluice.state-dir=".length()))));
    }

    /**
     * Whether a process the agent supervises (Envoy, envoy-xds, DNS, the relay) still runs: its
     * pid file ({@code NAME.pid}: pid and start time) names a live process that started then.
     */
    boolean helpersRunning() throws IOException {
        try (var files = Files.list(stateDir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".pid") && !f.getFileName().toString().equals("agent.pid"))
                    .anyMatch(f -> ProcessRef.read(f).alive());
        }
    }

    static String tail(Path log, int lines) throws IOException {
        List<String> all = Files.readAllLines(log);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }
}
