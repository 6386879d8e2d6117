package io.sluice.agent.kube;

import io.sluice.agent.netns.Commands;
import io.sluice.policy.Cidr;

import java.util.HashMap;
import java.util.Map;

/**
 * The host's routes to single addresses (the cluster's CNI, ptp or bridge with host-local,
 * routes each pod's address to its veth): how the agent finds the veth of a pod it did not see
 * the CNI plugin's ADD for (made while the agent was down).
 */
final class PodRoutes {
    private PodRoutes() {}

    /** address -> device of each /32 route of the main table that goes straight to a device. */
    static Map<Integer, String> read() {
        return parse(Commands.run("ip", "-4", "-o", "route", "show", "table", "main"));
    }

    static Map<Integer, String> parse(String routes) {
        Map<Integer, String> out = new HashMap<>();
        for (String line : routes.lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 3 || f[0].contains("/") && !f[0].endsWith("/32")) {
                continue;
            }
            int dev = java.util.Arrays.asList(f).indexOf("dev");
            if (dev < 0 || dev + 1 >= f.length || java.util.Arrays.asList(f).contains("via")) {
                continue;
            }
            Cidr.parse(f[0].replace("/32", "")).filter(c -> c.prefixLen() == 32).ifPresent(c -> out.put(c.address(), f[dev + 1]));
        }
        return out;
    }
}
