package io.sluice.api.node;

import java.util.List;
import java.util.Map;

/** A service with its virtual IP and the backends the datapath balances over. */
public record ServiceView(String name, String namespace, String clusterIp, List<String> ports,
                          Map<String, String> selector, List<String> backends) {
}
