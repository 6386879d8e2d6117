package io.sluice.agent.store;

import java.util.List;
import java.util.Map;

/** A pod as stored: what was asked for and what was allocated to it. */
public record PodRecord(String name, String namespace, Map<String, String> labels, Map<String, String> ports,
                        List<String> command, String ip, int endpointId, int identity, String netns, String hostIf,
                        long pid, long startTicks) {
    public PodRecord {
        labels = Map.copyOf(labels);
        ports = Map.copyOf(ports);
        command = List.copyOf(command);
    }

    public String key() {
        return namespace + "/" + name;
    }

    public PodRecord withProcess(long newPid, long newStartTicks) {
        return new PodRecord(name, namespace, labels, ports, command, ip, endpointId, identity, netns, hostIf,
                newPid, newStartTicks);
    }

    public PodRecord withIdentity(int newIdentity) {
        return new PodRecord(name, namespace, labels, ports, command, ip, endpointId, newIdentity, netns, hostIf,
                pid, startTicks);
    }
}
