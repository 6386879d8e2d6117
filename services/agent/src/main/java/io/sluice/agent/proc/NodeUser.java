package io.sluice.agent.proc;

import io.sluice.agent.netns.CommandException;
import io.sluice.agent.netns.Commands;

import java.util.ArrayList;
import java.util.List;

/**
 * The unprivileged account the node's helper processes (cluster DNS, relay, envoy-xds, Envoy)
 * run as, each with only the capabilities it needs: not root, so a compromised helper cannot
 * write root's files; no_new_privs and a bounding set of just those capabilities, so it cannot
 * gain more by exec. {@link #confine} wraps a command in util-linux's setpriv.
 */
public record NodeUser(String name, int uid, int gid) {
    /** Envoy's transparent listeners and SO_MARK need CAP_NET_ADMIN; ports below 1024, CAP_NET_BIND_SERVICE. */
    public static final List<String> PROXY_CAPS = List.of("net_admin", "net_bind_service");
    /** The cluster DNS answers on port 53. */
    public static final List<String> DNS_CAPS = List.of("net_bind_service");
    public static final List<String> NO_CAPS = List.of();

    public static boolean exists(String name) {
        return Commands.tryRun("getent", "passwd", name);
    }

    /** The account, made when the host has none: a system account and group, no home, no login shell. */
    public static NodeUser ensure(String name) {
        if (!exists(name)) {
            Commands.run("useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                    "--shell", "/usr/sbin/nologin", "--comment", "Sluice node processes", name);
        }
        try {
            return new NodeUser(name, Integer.parseInt(Commands.run("id", "-u", name).strip()),
                    Integer.parseInt(Commands.run("id", "-g", name).strip()));
        } catch (CommandException | NumberFormatException e) {
            throw new IllegalStateException("the account " + name + " for the node's processes: " + e.getMessage(), e);
        }
    }

    /** Removes the account and its group (when this node made them). */
    public static void remove(String name) {
        Commands.tryRun("userdel", name);
        Commands.tryRun("groupdel", name);
    }

    /** argv, run as this account with exactly {@code caps} (names as capabilities(7) without CAP_, lower case). */
    public List<String> confine(List<String> argv, List<String> caps) {
        String set = caps.isEmpty() ? "-all" : "-all," + String.join(",", caps.stream().map(c -> "+" + c).toList());
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups",
                "--no-new-privs", "--inh-caps=" + set, "--ambient-caps=" + set, "--bounding-set=" + set, "--"));
        cmd.addAll(argv);
        return cmd;
    }
}
