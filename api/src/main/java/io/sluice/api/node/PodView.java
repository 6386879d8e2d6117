package io.sluice.api.node;

import java.util.List;
import java.util.Map;

/** A pod as the node reports it. {@code state} is Running or Exited; netns is for {@code sluice exec}. */
public record PodView(String name, String namespace, String ip, int endpointId, int identity,
                      Map<String, String> labels, String netns, String hostInterface, long pid, String state,
                      List<String> command) {
}
